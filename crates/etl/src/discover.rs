//! Finding raw releases under the raw folder.
//!
//! ```text
//! RAW/gacc/export/**/*.csv    China Customs platform downloads of exports
//! RAW/gacc/import/**/*.csv    ... of imports (the platform CSV has no flow column)
//! ```

use std::path::{Path, PathBuf};

use rareflow_ingest::Flow;

/// Which reader a file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// China Customs platform CSV, with the flow its folder names.
    Gacc(Flow),
}

/// A raw file to load.
#[derive(Debug, Clone)]
pub struct RawFile {
    /// Absolute or caller-relative path.
    pub path: PathBuf,
    /// Path relative to the raw folder, with `/` separators: what `source_file` stores, so
    /// that provenance does not depend on where the raw folder sits.
    pub relative: String,
    /// Which reader.
    pub kind: SourceKind,
    /// Size in bytes.
    pub bytes: u64,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Lists the raw files under `raw`, in a stable order (by relative path), so that a run is
/// reproducible.
pub fn discover(raw: &Path) -> std::io::Result<Vec<RawFile>> {
    if !raw.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{}: raw folder not found", raw.display()),
        ));
    }
    let mut files = Vec::new();
    for (sub, flow) in [("gacc/export", Flow::Export), ("gacc/import", Flow::Import)] {
        let dir = raw.join(sub);
        if !dir.is_dir() {
            continue;
        }
        let mut paths = Vec::new();
        walk(&dir, &mut paths)?;
        for path in paths {
            let relative = path
                .strip_prefix(raw)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::metadata(&path)?.len();
            files.push(RawFile {
                path,
                relative,
                kind: SourceKind::Gacc(flow),
                bytes,
            });
        }
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(files)
}
