//! # rareflow-etl
//!
//! Batch runs: find the raw releases, ask the source registry which source reads each,
//! match them against the last run's manifest, stream new and changed ones through their
//! source, keep what is unchanged where it is, settle revisions in the partitions that
//! changed, and publish the changed files of every Delta table as one run. The
//! `rareflow-etl` binary is a thin layer over [`run`] and [`upkeep`].
//!
//! - [`options`]: what a run is told; [`summary`]: what it did, and progress callbacks;
//!   [`error`]: why it stopped, and exit codes.
//! - [`discover`]: files under the raw folder, each claimed by a source of the registry.
//! - `plan`: incremental runs (unchanged, changed, removed, copied files, files to normalize
//!   again); `load`: one file through its source on every core; `batch`: each file's outcome
//!   and the staged tables; `settle`: partitions and revisions; `run`: the whole batch.
//! - `publish`: the lock, and committing a staged run; [`upkeep`]: history, vacuum, migrate.
//! - [`hooks`]: fail points and pauses for the kill tests (cargo feature `failpoints`).

mod batch;
pub mod discover;
pub mod error;
mod fetch_log;
mod fingerprint;
pub mod hooks;
mod load;
pub mod options;
mod plan;
mod publish;
mod run;
mod settle;
pub mod summary;
pub mod upkeep;

pub use discover::{RawFile, discover};
pub use error::{EtlError, GateError, exit};
pub use hooks::Hooks;
pub use options::{DEFAULT_LOCK_TTL, PublishGate, RunOptions};
pub use run::{run, run_with};
pub use summary::{FileOutcome, FileSummary, NoProgress, Progress, RunSummary};
