//! A read-only view of a warehouse's object store that lists only the data files of the
//! pinned table versions. Delta removes a replaced file from the log, not from storage
//! (until `vacuum`), so a plain listing would read superseded files twice; through this
//! view, DataFusion's own listing tables (partition pruning, statistics, filter pushdown)
//! read exactly one version.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;

use super::ActiveFile;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// The store, showing only the pinned files (and the folders that lead to them) to
/// listings. Listings are answered from the log's metadata, without asking the store: a
/// pinned file that is missing is an error when it is read, never a file quietly left out.
#[derive(Debug)]
pub struct PinnedStore {
    inner: Arc<dyn ObjectStore>,
    files: Arc<BTreeMap<Path, ObjectMeta>>,
    folders: Arc<HashSet<Path>>,
}

impl PinnedStore {
    /// A view of `inner` in which listings show only `files` (paths within `inner`).
    pub fn new<'f>(
        inner: Arc<dyn ObjectStore>,
        files: impl IntoIterator<Item = (Path, &'f ActiveFile)>,
    ) -> PinnedStore {
        let files: BTreeMap<Path, ObjectMeta> = files
            .into_iter()
            .map(|(location, f)| {
                let meta = ObjectMeta {
                    location: location.clone(),
                    last_modified: chrono::DateTime::from_timestamp_millis(f.modified_ms)
                        .unwrap_or_default(),
                    size: f.size.max(0) as u64,
                    e_tag: None,
                    version: None,
                };
                (location, meta)
            })
            .collect();
        let mut folders = HashSet::new();
        for f in files.keys() {
            let parts: Vec<_> = f.parts().collect();
            for n in 1..parts.len() {
                folders.insert(Path::from_iter(parts[..n].iter().cloned()));
            }
        }
        PinnedStore {
            inner,
            files: Arc::new(files),
            folders: Arc::new(folders),
        }
    }

    /// The pinned files under `prefix`.
    fn under(&self, prefix: Option<&Path>) -> Vec<ObjectMeta> {
        self.files
            .values()
            .filter(|m| prefix.is_none_or(|p| m.location.prefix_matches(p)))
            .cloned()
            .collect()
    }
}

impl fmt::Display for PinnedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PinnedStore({} files of {})",
            self.files.len(),
            self.inner
        )
    }
}

fn read_only(operation: &str) -> object_store::Error {
    object_store::Error::NotSupported {
        source: format!("{operation}: a pinned table version is read-only").into(),
    }
}

#[async_trait]
impl ObjectStore for PinnedStore {
    async fn put_opts(&self, _: &Path, _: PutPayload, _: PutOptions) -> Result<PutResult> {
        Err(read_only("put"))
    }

    async fn put_multipart_opts(
        &self,
        _: &Path,
        _: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        Err(read_only("put"))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        locations.map(|_| Err(read_only("delete"))).boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        futures::stream::iter(self.under(prefix).into_iter().map(Ok)).boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let depth = prefix.map_or(0, |p| p.parts().count());
        let mut objects = Vec::new();
        let mut common_prefixes = BTreeSet::new();
        for meta in self.under(prefix) {
            let parts: Vec<_> = meta.location.parts().collect();
            if parts.len() == depth + 1 {
                objects.push(meta);
            } else if parts.len() > depth + 1 {
                let folder = Path::from_iter(parts[..=depth].iter().cloned());
                if self.folders.contains(&folder) {
                    common_prefixes.insert(folder);
                }
            }
        }
        Ok(ListResult {
            common_prefixes: common_prefixes.into_iter().collect(),
            objects,
        })
    }

    async fn copy_opts(&self, _: &Path, _: &Path, _: CopyOptions) -> Result<()> {
        Err(read_only("copy"))
    }
}

#[cfg(test)]
mod unit {
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    use super::*;

    #[tokio::test]
    async fn listings_show_only_the_pinned_files() {
        let inner = Arc::new(InMemory::new());
        for p in [
            "t/year=2025/month=11/a.parquet",
            "t/year=2025/month=11/old.parquet",
            "t/year=2024/month=1/gone.parquet",
            "t/_delta_log/0.json",
        ] {
            inner.put(&Path::from(p), vec![1u8].into()).await.unwrap();
        }
        let pinned = ActiveFile {
            path: "year=2025/month=11/a.parquet".to_owned(),
            size: 1,
            partition_values: Default::default(),
            rows: None,
            modified_ms: 0,
            stats: None,
        };
        let view = PinnedStore::new(
            inner,
            [(Path::from("t/year=2025/month=11/a.parquet"), &pinned)],
        );
        let all: Vec<_> = view
            .list(Some(&Path::from("t")))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, ["t/year=2025/month=11/a.parquet"]);
        let years = view
            .list_with_delimiter(Some(&Path::from("t")))
            .await
            .unwrap();
        assert_eq!(years.common_prefixes, [Path::from("t/year=2025")]);
        let files = view
            .list_with_delimiter(Some(&Path::from("t/year=2025/month=11")))
            .await
            .unwrap();
        assert_eq!(files.objects.len(), 1);
        assert!(
            view.put(&Path::from("t/x"), vec![1u8].into())
                .await
                .is_err()
        );
        // Reading a file goes through (DataFusion reads footers and ranges).
        assert_eq!(
            view.get(&Path::from("t/year=2025/month=11/a.parquet"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len(),
            1
        );
    }
}
