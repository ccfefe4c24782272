//! # rareflow-etl
//!
//! Batch runs: find the raw releases, ask the source registry which source reads each,
//! match them against the last snapshot's manifest, stream new and changed ones through
//! their source, reuse what is unchanged, settle revisions, write a new warehouse snapshot
//! aside and publish it in one step. The `rareflow-etl` binary is a thin layer over [`run`].
//!
//! - [`options`]: what a run is told; [`summary`]: what it did, and progress callbacks;
//!   [`error`]: why it stopped, and exit codes.
//! - [`discover`]: files under the raw folder, each claimed by a source of the registry.
//! - `plan`: incremental runs (unchanged, changed, removed, copied files, files to normalize
//!   again); `load`: one file through its source on every core; `batch`: each file's outcome
//!   and the staged tables; `settle`: partitions and revisions; `run`: the whole batch.
//! - [`remote`]: runs on a warehouse in S3-compatible object storage.
//! - [`hooks`]: fail points and pauses for the kill tests (cargo feature `failpoints`).

mod batch;
pub mod discover;
pub mod error;
mod fingerprint;
pub mod hooks;
mod load;
pub mod options;
mod plan;
pub mod remote;
mod run;
mod settle;
pub mod summary;

pub use discover::{RawFile, discover};
pub use error::{EtlError, GateError, exit};
pub use hooks::Hooks;
pub use options::{PublishGate, RunOptions};
pub use remote::{RemoteSummary, RemoteTarget, run_remote, run_remote_with};
pub use run::{run, run_with};
pub use summary::{FileOutcome, FileSummary, NoProgress, Progress, RunSummary};
