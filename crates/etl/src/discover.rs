//! Finding raw releases under the raw folder: every file is offered to the source
//! registry, and the source that claims it reads it. Which folders exist is the sources'
//! business (`Source::pattern`), not the pipeline's.

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

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Hidden files and folders (editor swap files, .DS_Store) are nobody's release.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
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
    walk(raw, &mut paths)?;
    let (mut files, mut ignored) = (Vec::new(), Vec::new());
    for path in paths {
        let relative = path
            .strip_prefix(raw)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match registry.source_for(&relative, &path) {
            Some(source) => {
                let bytes = std::fs::metadata(&path)?.len();
                files.push(RawFile {
                    path,
                    relative,
                    source: source.name(),
                    bytes,
                });
            }
            None => ignored.push(relative),
        }
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    ignored.sort();
    Ok((files, ignored))
}
