//! What a run did, per file and in total, and the progress callbacks.

use std::path::PathBuf;
use std::time::Duration;

/// What happened to one raw file.
#[derive(Debug, Clone, Default)]
pub struct FileSummary {
    /// Path relative to the raw folder.
    pub file: String,
    /// The source that read it.
    pub source: String,
    /// Records read.
    pub rows_read: u64,
    /// Records loaded.
    pub rows_loaded: u64,
    /// Records in `rejects`.
    pub rows_rejected: u64,
    /// Loaded rows in a foreign currency with no exchange rate for their month.
    pub rows_without_usd: u64,
    /// File size.
    pub bytes: u64,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Unchanged since the previous snapshot: not read again.
    pub unchanged: bool,
    /// What the reader tolerated (unknown extra columns, ...).
    pub warnings: Vec<String>,
    /// With `--keep-going`: why the file was skipped (nothing of it loaded).
    pub skipped: Option<String>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Per file, in load order.
    pub files: Vec<FileSummary>,
    /// Files under the raw folder that no source reads.
    pub ignored: Vec<String>,
    /// The published snapshot.
    pub snapshot: PathBuf,
    /// Wall time.
    pub elapsed: Duration,
    /// False when nothing had changed and no snapshot was written.
    pub published: bool,
}

impl RunSummary {
    /// Totals over all files: (read, loaded, rejected).
    pub fn totals(&self) -> (u64, u64, u64) {
        self.files.iter().fold((0, 0, 0), |(r, l, j), f| {
            (r + f.rows_read, l + f.rows_loaded, j + f.rows_rejected)
        })
    }

    /// Files skipped with `--keep-going`.
    pub fn skipped(&self) -> impl Iterator<Item = &FileSummary> {
        self.files.iter().filter(|f| f.skipped.is_some())
    }

    /// Loaded rows without a dollar value, over all files.
    pub fn rows_without_usd(&self) -> u64 {
        self.files.iter().map(|f| f.rows_without_usd).sum()
    }
}

/// Progress callbacks (the binary draws a bar or prints a line per file; tests pass
/// [`NoProgress`]).
pub trait Progress: Sync {
    /// The run will read this many bytes.
    fn start(&self, _total_bytes: u64) {}
    /// A file starts.
    fn file(&self, _name: &str) {}
    /// More bytes were read.
    fn advance(&self, _bytes: u64) {}
    /// A file is done.
    fn file_done(&self, _summary: &FileSummary) {}
    /// The run ends.
    fn finish(&self) {}
}

/// No progress output.
#[derive(Debug, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}
