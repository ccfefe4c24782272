//! Moving snapshot files between a local working copy and the object store.

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStoreExt, PutPayload, WriteMultipart};

use super::{RemoteWarehouse, SNAPSHOTS};
use crate::error::WarehouseError;

/// Requests in flight at once.
const CONCURRENCY: usize = 8;
/// Files from this size up are sent as multipart uploads, in parts of this size.
const MULTIPART_BYTES: u64 = 16 * 1024 * 1024;

/// What an upload did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UploadStats {
    /// Files sent.
    pub put: u64,
    /// Bytes sent.
    pub bytes_put: u64,
    /// Files copied server-side from the previous snapshot (unchanged partitions).
    pub copied: u64,
    /// Bytes copied server-side.
    pub bytes_copied: u64,
}

/// Every file under `dir` (skipping dot-names: staging leftovers), as (relative, path).
fn files(dir: &Path) -> Result<Vec<(String, PathBuf)>, WarehouseError> {
    fn walk(
        root: &Path,
        dir: &Path,
        out: &mut Vec<(String, PathBuf)>,
    ) -> Result<(), WarehouseError> {
        for entry in fs::read_dir(dir).map_err(WarehouseError::io("list", dir))? {
            let entry = entry.map_err(WarehouseError::io("list", dir))?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if let Ok(relative) = path.strip_prefix(root) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                out.push((relative, path));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Whether two files hold the same bytes: the same inode (a hard link of the local run), or
/// the same size and content.
fn same_file(a: &Path, b: &Path) -> Result<bool, WarehouseError> {
    let (ma, mb) = (
        fs::metadata(a).map_err(WarehouseError::io("stat", a))?,
        fs::metadata(b).map_err(WarehouseError::io("stat", b))?,
    );
    if (ma.dev(), ma.ino()) == (mb.dev(), mb.ino()) {
        return Ok(true);
    }
    if ma.len() != mb.len() {
        return Ok(false);
    }
    let (mut fa, mut fb) = (
        fs::File::open(a).map_err(WarehouseError::io("open", a))?,
        fs::File::open(b).map_err(WarehouseError::io("open", b))?,
    );
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = fa.read(&mut ba).map_err(WarehouseError::io("read", a))?;
        if n == 0 {
            return Ok(true);
        }
        fb.read_exact(&mut bb[..n])
            .map_err(WarehouseError::io("read", b))?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

impl RemoteWarehouse {
    /// Downloads every object of snapshot `id` into the folder `dir` (created), keeping the
    /// relative paths. Returns the bytes downloaded.
    pub async fn download_snapshot(&self, id: &str, dir: &Path) -> Result<u64, WarehouseError> {
        let relative = format!("{SNAPSHOTS}/{id}");
        let prefix = self.path(&relative)?;
        let objects: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(self.err("list snapshot", &relative))?;
        let jobs = objects.into_iter().filter_map(|meta| {
            let inner = meta.location.prefix_match(&prefix)?;
            let rel: Vec<String> = inner.map(|p| p.as_ref().to_owned()).collect();
            if rel.iter().any(|p| p.starts_with('.')) {
                return None; // the claim object: not part of the layout
            }
            Some((meta.location, dir.join(rel.join("/")), meta.size))
        });
        let sizes: Vec<u64> = futures::stream::iter(jobs)
            .map(|(location, target, size)| async move {
                let url = format!("s3://{}/{}", self.location.bucket, location);
                let err = |source| WarehouseError::ObjectStore {
                    action: "download",
                    url: url.clone(),
                    source,
                };
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent).map_err(WarehouseError::io("create", parent))?;
                }
                let mut file =
                    fs::File::create(&target).map_err(WarehouseError::io("create", &target))?;
                let mut stream = self.store.get(&location).await.map_err(err)?.into_stream();
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(err)?;
                    file.write_all(&chunk)
                        .map_err(WarehouseError::io("write", &target))?;
                }
                Ok::<u64, WarehouseError>(size)
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        Ok(sizes.into_iter().sum())
    }

    /// Uploads the local snapshot folder `dir` as snapshot `id`. With `previous` (its id and
    /// its local copy, from which the local run hard-linked untouched partitions), a file equal
    /// to the previous snapshot's file at the same path is copied server-side instead of sent.
    pub async fn upload_snapshot(
        &self,
        dir: &Path,
        id: &str,
        previous: Option<(&str, &Path)>,
    ) -> Result<UploadStats, WarehouseError> {
        let before: HashMap<String, PathBuf> = match previous {
            Some((_, prev_dir)) => files(prev_dir)?.into_iter().collect(),
            None => HashMap::new(),
        };
        let mut jobs = Vec::new();
        for (relative, path) in files(dir)? {
            let size = fs::metadata(&path)
                .map_err(WarehouseError::io("stat", &path))?
                .len();
            let copy_from = match (previous, before.get(&relative)) {
                (Some((prev_id, _)), Some(old)) if same_file(&path, old)? => {
                    Some(format!("{SNAPSHOTS}/{prev_id}/{relative}"))
                }
                _ => None,
            };
            jobs.push((
                format!("{SNAPSHOTS}/{id}/{relative}"),
                path,
                size,
                copy_from,
            ));
        }
        let done: Vec<(bool, u64)> = futures::stream::iter(jobs)
            .map(|(target, path, size, copy_from)| async move {
                let to = self.path(&target)?;
                if let Some(from) = copy_from {
                    self.store
                        .copy(&self.path(&from)?, &to)
                        .await
                        .map_err(self.err("copy unchanged file", &target))?;
                    return Ok((true, size));
                }
                self.put_file(&path, &to, &target, size).await?;
                Ok::<_, WarehouseError>((false, size))
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        let mut stats = UploadStats::default();
        for (copied, size) in done {
            if copied {
                stats.copied += 1;
                stats.bytes_copied += size;
            } else {
                stats.put += 1;
                stats.bytes_put += size;
            }
        }
        Ok(stats)
    }

    async fn put_file(
        &self,
        path: &Path,
        to: &object_store::path::Path,
        target: &str,
        size: u64,
    ) -> Result<(), WarehouseError> {
        if size < MULTIPART_BYTES {
            let bytes = fs::read(path).map_err(WarehouseError::io("read", path))?;
            self.store
                .put(to, PutPayload::from(bytes))
                .await
                .map_err(self.err("upload", target))?;
            return Ok(());
        }
        let upload = self
            .store
            .put_multipart(to)
            .await
            .map_err(self.err("start multipart upload", target))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, MULTIPART_BYTES as usize);
        let mut file = fs::File::open(path).map_err(WarehouseError::io("open", path))?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file
                .read(&mut buf)
                .map_err(WarehouseError::io("read", path))?;
            if n == 0 {
                break;
            }
            writer
                .wait_for_capacity(2)
                .await
                .map_err(self.err("upload part", target))?;
            writer.write(&buf[..n]);
        }
        writer
            .finish()
            .await
            .map_err(self.err("finish multipart upload", target))?;
        Ok(())
    }
}
