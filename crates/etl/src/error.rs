//! Why a run stopped, and the exit code a scheduler can act on.

use std::path::PathBuf;

use arrow::error::ArrowError;
use rareflow_ingest::IngestError;
use rareflow_normalize::{PieceError, ReferenceError};
use rareflow_warehouse::WarehouseError;

/// Exit codes of `rareflow-etl`, documented in its `--help` and the README.
pub mod exit {
    /// Done.
    pub const OK: u8 = 0;
    /// Failed; the warehouse is unchanged.
    pub const FAILED: u8 = 1;
    /// Bad usage (arguments).
    pub const USAGE: u8 = 2;
    /// Another run holds the lock: retry later.
    pub const LOCKED: u8 = 3;
    /// `--keep-going`: published, but some files were skipped (listed).
    pub const SKIPPED: u8 = 4;
}

/// Why a run stopped. The warehouse is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum EtlError {
    /// A raw file could not be read at all.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// A piece of a raw file could not be normalized: names the file (and line where known).
    #[error(transparent)]
    Piece(#[from] PieceError),
    /// The warehouse could not be written (or another run holds it).
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    /// The raw folder could not be listed.
    #[error("{path}: cannot list raw files")]
    Discover {
        /// The raw folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Reference data (compiled in, or read from the reference folder) is broken.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// Building a batch failed.
    #[error("building batches")]
    Arrow(#[from] ArrowError),
    /// A rows-read = loaded + rejected check failed (a bug, never expected).
    #[error("{file}: {read} rows read but {loaded} loaded + {rejected} rejected")]
    Unbalanced {
        /// The file.
        file: String,
        /// Rows read.
        read: u64,
        /// Rows loaded.
        loaded: u64,
        /// Rows rejected.
        rejected: u64,
    },
    /// The publish gate (data checks with `--strict`) refused the snapshot.
    #[error("not published: {0}")]
    Refused(GateError),
    /// `--reference DIR` names a folder that is not there.
    #[error("{}: reference folder not found", path.display())]
    ReferenceDirMissing {
        /// The folder given.
        path: PathBuf,
    },
    /// Reading a file panicked (a bug): an error for that file (skipped with
    /// `--keep-going`), never an abort of the run.
    #[error("{file}: reading failed (a bug, please report it): {message}")]
    Panicked {
        /// The file being read.
        file: String,
        /// What the panic said.
        message: String,
    },
    /// Every table of the run is committed but the run record could not be written:
    /// readers still see the run before, and the next run sets the tables back.
    #[error(
        "run {run_id}: its tables are committed but the run could not be recorded, so readers \
         still see the run before and the next run sets those tables back"
    )]
    Unrecorded {
        /// The run.
        run_id: i64,
        /// Why the record could not be written (boxed: errors travel in every `Result`).
        #[source]
        source: Box<WarehouseError>,
    },
    /// A file's reader handed out pieces of work that never came back (a bug).
    #[error("{file}: {handed_out} pieces of work handed out, {came_back} came back")]
    PiecesLost {
        /// The file being read.
        file: String,
        /// Pieces the reader handed out.
        handed_out: u64,
        /// Pieces written.
        came_back: u64,
    },
}

/// Why the publish gate refused a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// Data checks failed under `--strict`.
    #[error("{failed} data checks failed (--strict)")]
    ChecksFailed {
        /// How many.
        failed: usize,
    },
    /// The data checks could not run.
    #[error("data checks could not run: {}", rareflow_warehouse::error::OneLine(.0.as_ref()))]
    ChecksDidNotRun(Box<dyn std::error::Error + Send + Sync>),
}

impl EtlError {
    /// What the warehouse holds after this error, in words for the run's last line: a run
    /// is recorded last, so readers see the run before unless the record was written.
    pub fn warehouse_state(&self) -> &'static str {
        match self {
            EtlError::Unrecorded { .. } => {
                "readers see the warehouse as the run before left it; the next run sets back \
                 the tables this one committed"
            }
            _ => "the warehouse was not changed (readers see it as before this run)",
        }
    }

    /// Whether the error belongs to one raw file (named in it) rather than to the run:
    /// with `--keep-going` that file is skipped and the run goes on.
    pub fn names_a_file(&self) -> bool {
        matches!(
            self,
            EtlError::Ingest(_)
                | EtlError::Piece(_)
                | EtlError::Panicked { .. }
                | EtlError::PiecesLost { .. }
        )
    }

    /// The exit code for this error: [`exit::LOCKED`] when another run holds the warehouse
    /// (or, on object storage, took over this run's lock or published first), else
    /// [`exit::FAILED`].
    pub fn exit_code(&self) -> u8 {
        match self {
            EtlError::Warehouse(
                WarehouseError::Busy { .. }
                | WarehouseError::LockHeld { .. }
                | WarehouseError::LockLost { .. }
                | WarehouseError::PublishedFirst { .. },
            ) => exit::LOCKED,
            EtlError::ReferenceDirMissing { .. }
            | EtlError::Warehouse(
                WarehouseError::UnsupportedScheme { .. } | WarehouseError::BadUrl { .. },
            ) => exit::USAGE,
            _ => exit::FAILED,
        }
    }
}
