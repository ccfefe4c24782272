//! What a run did, per file and in total, and the progress callbacks.

use rareflow_warehouse::delta::{Published, RolledBack};
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
    /// What the run did with it.
    pub outcome: FileOutcome,
    /// What the reader tolerated (unknown extra columns, ...).
    pub warnings: Vec<String>,
}

impl FileSummary {
    /// Unchanged since the previous snapshot: not read again.
    pub fn is_unchanged(&self) -> bool {
        self.outcome == FileOutcome::Unchanged
    }

    /// With `--keep-going`: why the file was not loaded (skipped, or its previous version
    /// kept).
    pub fn skipped(&self) -> Option<&str> {
        match &self.outcome {
            FileOutcome::Skipped { error } | FileOutcome::KeptPrevious { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// What a run did with one raw file.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum FileOutcome {
    /// Read and loaded: a new release (or a changed file's new version).
    #[default]
    Loaded,
    /// Read again with the same release identity because the reference data or the
    /// normalizer changed since it was loaded.
    Renormalized,
    /// Unchanged since the previous snapshot: its rows were kept, not read again.
    Unchanged,
    /// The same bytes as another raw file (a copy, or a link to it): one release, loaded
    /// once under the other path.
    SameAs {
        /// The file it is loaded as, relative to the raw folder.
        file: String,
    },
    /// With `--keep-going`: could not be read, and nothing of it is loaded.
    Skipped {
        /// Why, naming the file (and line where known).
        error: String,
    },
    /// With `--keep-going`: this version could not be read, so the version loaded before
    /// stays (its figures, rejects and log row).
    KeptPrevious {
        /// Why this version was not loaded.
        error: String,
        /// When the kept version was first loaded, UTC microseconds.
        loaded_at: i64,
    },
}

impl std::fmt::Display for FileOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileOutcome::Loaded => f.write_str("loaded"),
            FileOutcome::Renormalized => {
                f.write_str("normalized again (reference data or normalizer changed)")
            }
            FileOutcome::Unchanged => f.write_str("unchanged"),
            FileOutcome::SameAs { file } => write!(f, "same content as {file}: one release"),
            FileOutcome::Skipped { error } => write!(f, "skipped: {error}"),
            FileOutcome::KeptPrevious { error, loaded_at } => {
                let day = loaded_at.div_euclid(86_400_000_000) as i32;
                let day = rareflow_normalize::period::format_date(day);
                write!(
                    f,
                    "kept the version loaded on {day}; this one was skipped: {error}"
                )
            }
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Per file, in load order.
    pub files: Vec<FileSummary>,
    /// Files under the raw folder that no source reads.
    pub ignored: Vec<String>,
    /// The warehouse's URL.
    pub warehouse: String,
    /// The run that published (or, when nothing was published, the newest run before).
    pub run_id: Option<i64>,
    /// Wall time.
    pub elapsed: Duration,
    /// False when nothing had changed and nothing was written.
    pub published: bool,
    /// Tables a run that died had committed to, set back before this run.
    pub rolled_back: Vec<RolledBack>,
    /// What was written, table by table.
    pub tables: Published,
    /// Set when the reference data or the normalizer changed since the previous run, so
    /// every file was normalized again: what changed, for the summary.
    pub reference_changed: Option<String>,
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
        self.files.iter().filter(|f| f.skipped().is_some())
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
