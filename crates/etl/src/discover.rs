//! Finding raw releases under the raw folder: every file is offered to the source
//! registry, and the source that claims it reads it. Which folders exist is the sources'
//! business (`Source::pattern`), not the pipeline's.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rareflow_normalize::Registry;

/// A raw file to load.
#[derive(Debug, Clone)]
pub struct RawFile {
    /// Absolute or caller-relative path.
    pub path: PathBuf,
    /// Path relative to the raw folder, with `/` separators: what `source_file` stores, so
    /// that provenance does not depend on where the raw folder sits.
    pub relative: String,
    /// Name of the source that reads it.
    pub source: &'static str,
    /// Size in bytes.
    pub bytes: u64,
}

/// A folder's identity on disk (device, inode): the same folder reached through a link is
/// walked once, and a link back up (`loop -> ..`) ends instead of multiplying paths.
#[cfg(unix)]
fn folder_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn folder_id(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Walks `dir`: real folders before links, each in name order, so a folder reached both
/// directly and through a link (`latest -> 2025`) is listed under its real path. Each file
/// comes with its size, from the metadata that told it is a file.
fn walk(
    dir: &Path,
    seen: &mut HashSet<(u64, u64)>,
    out: &mut Vec<(PathBuf, u64)>,
) -> std::io::Result<()> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Hidden files and folders (editor swap files, .DS_Store) are nobody's release.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let is_link = entry.file_type()?.is_symlink();
        entries.push((is_link, entry.file_name(), entry.path()));
    }
    entries.sort();
    for (is_link, _, path) in entries {
        // Follows links.
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if is_link && e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(link = %path.display(), "link to nothing: not a release");
                continue;
            }
            Err(e) => return Err(e),
        };
        if meta.is_dir() {
            if folder_id(&meta).is_none_or(|id| seen.insert(id)) {
                walk(&path, seen, out)?;
            }
        } else {
            out.push((path, meta.len()));
        }
    }
    Ok(())
}

/// Lists the raw files under `raw` that a source claims, in a stable order (by relative
/// path) so that a run is reproducible, and the files no source reads.
pub fn discover(raw: &Path, registry: &Registry) -> std::io::Result<(Vec<RawFile>, Vec<String>)> {
    if !raw.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{}: raw folder not found", raw.display()),
        ));
    }
    let mut paths = Vec::new();
    let mut seen = HashSet::new();
    if let Some(id) = folder_id(&std::fs::metadata(raw)?) {
        seen.insert(id);
    }
    walk(raw, &mut seen, &mut paths)?;
    let (mut files, mut ignored) = (Vec::new(), Vec::new());
    for (path, bytes) in paths {
        let relative = path
            .strip_prefix(raw)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match registry.source_for(&relative, &path) {
            Some(source) => {
                files.push(RawFile {
                    path,
                    relative,
                    source: source.name(),
                    bytes,
                });
            }
            // The fetch log is the raw folder's provenance, read into its own table.
            None if crate::fetch_log::is_fetch_log(&relative) => {}
            None => ignored.push(relative),
        }
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    ignored.sort();
    Ok((files, ignored))
}
