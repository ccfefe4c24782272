//! Never half a file: a download goes to a hidden temporary file in its target folder
//! (`.rareflow-fetch-XXXX.part`, which `run`'s discovery skips: it starts with `.`), and
//! is renamed to its name only when complete and checked. The same bytes as the latest
//! release of that name write nothing; other bytes become a new release next to it
//! (`name_rev1.json`, `name_rev2.json`, ...), never over it.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use crate::FetchError;

/// Prefix of temporary files: hidden, so `run` never sees them.
pub(crate) const TEMP_PREFIX: &str = ".rareflow-fetch-";
/// Suffix of temporary files.
pub(crate) const TEMP_SUFFIX: &str = ".part";
/// Temporary files older than this are a killed fetch's, and removed.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// A complete body in a temporary file, with its size and hash.
#[derive(Debug)]
pub(crate) struct Download {
    pub(crate) file: NamedTempFile,
    pub(crate) bytes: u64,
    pub(crate) sha256: String,
}

/// Where a download went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Written under this path (relative to the raw folder).
    Written(String),
    /// The latest release at this path has the same bytes: nothing written.
    Unchanged(String),
}

impl Stored {
    pub(crate) fn path(&self) -> &str {
        match self {
            Stored::Written(p) | Stored::Unchanged(p) => p,
        }
    }
}

/// Incremental SHA-256 and byte count of what is written through it.
pub(crate) struct Hashing<W> {
    pub(crate) inner: W,
    hasher: Sha256,
    pub(crate) bytes: u64,
}

impl<W: Write> Hashing<W> {
    pub(crate) fn new(inner: W) -> Hashing<W> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    pub(crate) fn write_chunk(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(chunk)?;
        self.hasher.update(chunk);
        self.bytes += chunk.len() as u64;
        Ok(())
    }

    /// (inner, bytes, hex SHA-256).
    pub(crate) fn finish(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex(&self.hasher.finalize()))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, lowercase hex.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// A new hidden temporary file in `dir` (created if missing); stale ones of killed
/// fetches in `dir` are removed first.
pub(crate) fn temp_in(dir: &Path) -> Result<NamedTempFile, FetchError> {
    std::fs::create_dir_all(dir).map_err(|e| FetchError::io(dir, e))?;
    remove_stale_temps(dir);
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| FetchError::io(dir, e))
}

/// Removes temporary files of fetches that were killed (older than an hour: a running
/// fetch's are younger).
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if old && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!(file = %entry.path().display(), "removed a killed fetch's temporary file");
        }
    }
}

/// `name.ext` to (`name`, `.ext`); no extension: (`name`, ``).
fn split_name(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    }
}

/// The releases of `name` in `dir`: 0 for `name` itself, n for `stem_revN.ext`.
fn releases(dir: &Path, name: &str) -> Vec<(u32, PathBuf)> {
    let (stem, ext) = split_name(name);
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let rev = if file == name {
            Some(0)
        } else {
            file.strip_prefix(stem)
                .and_then(|r| r.strip_prefix("_rev"))
                .and_then(|r| r.strip_suffix(ext))
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse().ok())
        };
        if let Some(rev) = rev {
            out.push((rev, entry.path()));
        }
    }
    out.sort();
    out
}

/// The latest release of `relative` on disk (itself or its highest `_revN`), if any.
pub(crate) fn latest_release(raw: &Path, relative: &str) -> Option<String> {
    let target = raw.join(relative);
    let name = target.file_name()?.to_string_lossy().into_owned();
    let (rev, _) = releases(target.parent()?, &name).pop()?;
    Some(release_name(relative, rev))
}

/// `relative`, or its `_revN` sibling.
fn release_name(relative: &str, rev: u32) -> String {
    if rev == 0 {
        return relative.to_owned();
    }
    let (folder, name) = relative.rsplit_once('/').unwrap_or(("", relative));
    let (stem, ext) = split_name(name);
    let name = format!("{stem}_rev{rev}{ext}");
    if folder.is_empty() {
        name
    } else {
        format!("{folder}/{name}")
    }
}

/// Puts a checked download at `relative` under `raw`: nothing when the latest release
/// there has the same bytes, else the name itself or the next `_revN`. The file is synced
/// before it is renamed, and its folder after.
pub(crate) fn commit(raw: &Path, relative: &str, download: Download) -> Result<Stored, FetchError> {
    let target = raw.join(relative);
    let dir = target.parent().unwrap_or(raw).to_owned();
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let existing = releases(&dir, &name);
    let next = match existing.last() {
        Some((rev, path)) => {
            let sha = sha256_file(path).map_err(|e| FetchError::io(path, e))?;
            if sha == download.sha256 {
                return Ok(Stored::Unchanged(release_name(relative, *rev)));
            }
            rev + 1
        }
        None => 0,
    };
    let relative = release_name(relative, next);
    let dest = raw.join(&relative);
    download
        .file
        .as_file()
        .sync_all()
        .map_err(|e| FetchError::io(download.file.path(), e))?;
    download
        .file
        .persist_noclobber(&dest)
        .map_err(|e| FetchError::io(&dest, e.error))?;
    if let Ok(d) = File::open(&dir) {
        // Makes the rename durable (a folder cannot be synced on every platform).
        let _ = d.sync_all();
    }
    Ok(Stored::Written(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn download(dir: &Path, bytes: &[u8]) -> Download {
        let mut h = Hashing::new(temp_in(dir).unwrap());
        h.write_chunk(bytes).unwrap();
        let (file, bytes, sha256) = h.finish();
        Download {
            file,
            bytes,
            sha256,
        }
    }

    #[test]
    fn same_bytes_write_nothing_and_revisions_go_next_to_the_old() {
        let raw = tempfile::tempdir().unwrap();
        let dir = raw.path().join("census/imports/2025");
        let rel = "census/imports/2025/a_202511.json";
        let s = commit(raw.path(), rel, download(&dir, b"[1]")).unwrap();
        assert_eq!(s, Stored::Written(rel.into()));
        let s = commit(raw.path(), rel, download(&dir, b"[1]")).unwrap();
        assert_eq!(s, Stored::Unchanged(rel.into()));
        let s = commit(raw.path(), rel, download(&dir, b"[2]")).unwrap();
        assert_eq!(
            s,
            Stored::Written("census/imports/2025/a_202511_rev1.json".into())
        );
        let s = commit(raw.path(), rel, download(&dir, b"[2]")).unwrap();
        assert_eq!(s.path(), "census/imports/2025/a_202511_rev1.json");
        let s = commit(raw.path(), rel, download(&dir, b"[1]")).unwrap();
        assert_eq!(s.path(), "census/imports/2025/a_202511_rev2.json");
        assert_eq!(std::fs::read(dir.join("a_202511.json")).unwrap(), b"[1]");
        assert_eq!(latest_release(raw.path(), rel).unwrap(), s.path());
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    }

    #[test]
    fn stale_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".rareflow-fetch-old.part");
        std::fs::write(&stale, b"half").unwrap();
        let f = File::options().write(true).open(&stale).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(7200))
            .unwrap();
        let fresh = dir.path().join(".rareflow-fetch-new.part");
        std::fs::write(&fresh, b"running").unwrap();
        let _t = temp_in(dir.path()).unwrap();
        assert!(!stale.exists());
        assert!(fresh.exists());
    }
}
