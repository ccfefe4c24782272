//! The plug-in shape of a source: one [`Source`] per kind of raw release, listed once in
//! [`crate::registry`]. The pipeline knows no source by name: it asks the registry which
//! source claims a file, lets the source read it into pieces of [`Work`], runs those on its
//! workers, and writes what comes back ([`Normalized`]).
//!
//! A source is one reader module in `rareflow-ingest` (bytes to records, with lines) and
//! one module here (records to `trade_flows` rows and rejects, and the `impl Source`).

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::error::ArrowError;
use rareflow_ingest::IngestError;

pub use crate::piece::PieceError;
use crate::reference::Reference;
use crate::rows::Release;
use crate::schema::{REJECTS, TRADE_FLOWS};

/// What the pipeline knows about a raw file before it is read.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// Where the file is.
    pub path: &'a Path,
    /// Path relative to the raw folder, `/`-separated: what `source_file` stores.
    pub relative: &'a str,
    /// The release the file is: stored on every row.
    pub release: Release,
    /// Reference tables, shared with the workers.
    pub reference: &'a Arc<Reference>,
    /// Target bytes of input per piece of work, for sources that read in chunks.
    pub chunk_bytes: usize,
}

/// One piece of a file, normalized: the rows for each table and what the log needs.
#[derive(Debug)]
pub struct Normalized {
    /// Monthly rows (`trade_flows` schema, partition columns included).
    pub flows: RecordBatch,
    /// Annual rows (same schema; month 0).
    pub annual: RecordBatch,
    /// Rejected records (`rejects` schema).
    pub rejects: RecordBatch,
    /// Records read: always loaded + rejected.
    pub rows_read: u64,
    /// Earliest and latest monthly period loaded, `Date32`.
    pub periods: Option<(i32, i32)>,
    /// Loaded rows in a foreign currency whose month has no exchange rate.
    pub rows_without_usd: u64,
    /// Records loaded into a gathered table rather than `trade_flows` (headline rows).
    pub rows_gathered: u64,
    /// What a source with a [`Gatherer`] hands to it (e.g. headline rows), in the schema
    /// the gatherer reads ([`Gatherer::add`] refuses any other).
    pub gathered: Option<RecordBatch>,
}

impl Normalized {
    /// Rows loaded (monthly and annual).
    pub fn rows_loaded(&self) -> u64 {
        (self.flows.num_rows() + self.annual.num_rows()) as u64 + self.rows_gathered
    }

    /// Nothing read.
    pub fn empty() -> Normalized {
        Normalized {
            flows: RecordBatch::new_empty(TRADE_FLOWS.clone()),
            annual: RecordBatch::new_empty(TRADE_FLOWS.clone()),
            rejects: RecordBatch::new_empty(REJECTS.clone()),
            rows_read: 0,
            periods: None,
            rows_without_usd: 0,
            rows_gathered: 0,
            gathered: None,
        }
    }
}

/// A piece of a file to normalize on a worker thread. Its error names the file, so the
/// pipeline can report it and skip the file under `--keep-going`.
pub type Work = Box<dyn FnOnce() -> Result<Normalized, PieceError> + Send>;

/// Where a source hands its pieces of work, in file order.
pub trait WorkSink {
    /// Queues a piece of work. `false` when the run is stopping: stop reading.
    fn send(&mut self, work: Work) -> bool;
    /// Bytes of the file read so far (for progress).
    fn progress(&mut self, bytes_read: u64);
}

/// What reading a file taught, for `ingest_log`.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// Text encoding the file was read in.
    pub encoding: String,
    /// Which of the source's layouts the file had.
    pub layout: String,
    /// The file's flow, when the whole file has one.
    pub flow: Option<String>,
    /// SHA-256 of the bytes, when the reader hashed them on the way.
    pub sha256: Option<String>,
    /// What was tolerated (an unknown extra column, ...), for the log and the summary.
    pub warnings: Vec<String>,
}

/// Tables a source builds from all of its files together at the end of a run.
pub trait Gatherer: Send {
    /// Takes what one piece of work of `file` gathered. A batch in another schema than the
    /// gatherer reads is an error naming the file, never dropped.
    fn add(&mut self, file: &str, part: RecordBatch) -> Result<(), PieceError>;
    /// The tables to write, by name.
    fn finish(
        self: Box<Self>,
        reference: &Reference,
    ) -> Result<Vec<(&'static str, RecordBatch)>, ArrowError>;
}

/// One kind of raw release.
pub trait Source: Send + Sync {
    /// Name stored in `source` columns and `ingest_log` (`gacc`, `comtrade`, ...).
    fn name(&self) -> &'static str;

    /// Where its files live: [`Source::pattern`] and [`Source::claims`] both come from it.
    fn files(&self) -> FilePattern;

    /// Where its files live, for people (`gacc/{export,import}/**/*.csv`).
    fn pattern(&self) -> String {
        self.files().to_string()
    }

    /// Whether this source reads the file at `relative` (path under the raw folder,
    /// `/`-separated): whether [`Source::files`] matches it. A source that shares folder and
    /// extension with another may also look at the file's first bytes through `path`.
    fn claims(&self, relative: &str, _path: &Path) -> bool {
        self.files().matches(relative)
    }

    /// Reads one file, handing pieces of work to `sink` in file order. An `Err` is a
    /// file-level error (the file cannot be read at all); bad records are rejects.
    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError>;

    /// Whether an unchanged file is read again in an incremental run (its rows only make
    /// sense together with the other files of the source, as headline tables do).
    fn reread_unchanged(&self) -> bool {
        false
    }

    /// Tables built from all of this source's files together, if any.
    fn gatherer(&self) -> Option<Box<dyn Gatherer>> {
        None
    }

    /// The tables this source writes besides `trade_flows`, `trade_flows_annual` and
    /// `rejects` (what its [`Gatherer`] builds): registered and described by
    /// `rareflow-query` from this declaration alone.
    fn tables(&self) -> Vec<crate::tables::TableDef> {
        Vec::new()
    }
}

/// Where a source's files are: under `folder/` (and one of `subfolders`, if any), with one
/// of `extensions` (case-insensitive), at any depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilePattern {
    /// Folder under the raw folder (`gacc`).
    pub folder: &'static str,
    /// Sub-folders of `folder` the files must be under (`export`, `import`); empty: any.
    pub subfolders: &'static [&'static str],
    /// Extensions without the dot (`csv`).
    pub extensions: &'static [&'static str],
}

impl FilePattern {
    /// Files under `folder/` with one of `extensions`.
    pub const fn new(folder: &'static str, extensions: &'static [&'static str]) -> FilePattern {
        FilePattern {
            folder,
            subfolders: &[],
            extensions,
        }
    }

    /// The same files, only under one of `subfolders` of the folder.
    pub const fn under(self, subfolders: &'static [&'static str]) -> FilePattern {
        FilePattern { subfolders, ..self }
    }

    /// Whether the file at `relative` (under the raw folder, `/`-separated) matches.
    pub fn matches(&self, relative: &str) -> bool {
        in_folder_with_extension(relative, self.folder, self.extensions)
            && (self.subfolders.is_empty()
                || relative
                    .split('/')
                    .nth(1)
                    .is_some_and(|sub| self.subfolders.contains(&sub)))
    }
}

impl std::fmt::Display for FilePattern {
    /// As a glob: `gacc/{export,import}/**/*.csv`, `comext/**/*.{dat,csv,7z}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let alternatives = |items: &[&str]| match items {
            [one] => (*one).to_owned(),
            many => format!("{{{}}}", many.join(",")),
        };
        write!(f, "{}/", self.folder)?;
        if !self.subfolders.is_empty() {
            write!(f, "{}/", alternatives(self.subfolders))?;
        }
        write!(f, "**/*.{}", alternatives(self.extensions))
    }
}

/// Whether `relative` is under `folder/` and ends with one of `extensions` (case-insensitive).
pub fn in_folder_with_extension(relative: &str, folder: &str, extensions: &[&str]) -> bool {
    let Some(rest) = relative
        .strip_prefix(folder)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return false;
    };
    let name = rest.rsplit('/').next().unwrap_or(rest);
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && extensions.iter().any(|e| ext.eq_ignore_ascii_case(e))
    })
}

/// Widens a (first, last) period range to include `other`: the one place ranges merge.
pub fn widen_periods(range: &mut Option<(i32, i32)>, other: (i32, i32)) {
    *range = Some(match *range {
        None => other,
        Some((lo, hi)) => (lo.min(other.0), hi.max(other.1)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_by_folder_and_extension() {
        assert!(in_folder_with_extension(
            "gacc/export/2025/a.CSV",
            "gacc",
            &["csv"]
        ));
        assert!(!in_folder_with_extension(
            "gacc-headline/a.csv",
            "gacc",
            &["csv"]
        ));
        assert!(!in_folder_with_extension(
            "gacc/README.md",
            "gacc",
            &["csv"]
        ));
        assert!(!in_folder_with_extension("gacc/.csv", "gacc", &["csv"]));
        assert!(in_folder_with_extension(
            "comtrade/v1/x.json",
            "comtrade",
            &["json", "csv"]
        ));
    }
}
