//! # rareflow-etl
//!
//! Batch runs: find the raw releases, match them against the last snapshot's manifest,
//! stream new and changed ones through ingest and normalize, reuse what is unchanged, settle
//! revisions, write a new warehouse snapshot aside and publish it in one step. The
//! `rareflow-etl` binary is a thin layer over [`run`].

pub mod discover;
pub mod pipeline;

pub use discover::{RawFile, SourceKind, discover};
pub use pipeline::{EtlError, FileSummary, NoProgress, Progress, RunOptions, RunSummary, run};
