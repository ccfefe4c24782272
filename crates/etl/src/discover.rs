//! Finding raw releases under the raw folder.
//!
//! ```text
//! RAW/gacc/export/**/*.csv      China Customs platform downloads of exports
//! RAW/gacc/import/**/*.csv      ... of imports (the platform CSV has no flow column)
//! RAW/gacc-headline/**/*.csv    China Customs monthly headline tables
//! RAW/comtrade/**/*.{json,csv}  UN Comtrade v1 JSON / CSV, legacy v0 CSV
//! RAW/census/**/*.json          US Census international trade API responses
//! ```

use std::path::{Path, PathBuf};

use rareflow_ingest::Flow;

/// Which reader a file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// China Customs platform CSV, with the flow its folder names.
    Gacc(Flow),
    /// China Customs headline table.
    GaccHeadline,
    /// UN Comtrade.
    Comtrade,
    /// US Census API.
    Census,
}

impl SourceKind {
    /// Source name stored in `ingest_log`.
    pub fn source(self) -> &'static str {
        match self {
            SourceKind::Gacc(_) => "gacc",
            SourceKind::GaccHeadline => "gacc-headline",
            SourceKind::Comtrade => "comtrade",
            SourceKind::Census => "census",
        }
    }
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

fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, extensions, out)?;
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Where each source lives under the raw folder, and which files it reads.
const LAYOUT: [(&str, SourceKind, &[&str]); 5] = [
    ("gacc/export", SourceKind::Gacc(Flow::Export), &["csv"]),
    ("gacc/import", SourceKind::Gacc(Flow::Import), &["csv"]),
    ("gacc-headline", SourceKind::GaccHeadline, &["csv"]),
    ("comtrade", SourceKind::Comtrade, &["json", "csv"]),
    ("census", SourceKind::Census, &["json"]),
];

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
    for (sub, kind, extensions) in LAYOUT {
        let dir = raw.join(sub);
        if !dir.is_dir() {
            continue;
        }
        let mut paths = Vec::new();
        walk(&dir, extensions, &mut paths)?;
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
                kind,
                bytes,
            });
        }
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(files)
}
