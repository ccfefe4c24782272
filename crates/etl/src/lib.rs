//! # rareflow-etl
//!
//! Batch runs: find the raw releases, stream each through ingest and normalize, write a new
//! warehouse snapshot aside and publish it in one step. The `rareflow-etl` binary is a thin
//! layer over [`run`].

pub mod discover;
pub mod pipeline;

pub use discover::{RawFile, SourceKind, discover};
pub use pipeline::{EtlError, FileSummary, NoProgress, Progress, RunOptions, RunSummary, run};
