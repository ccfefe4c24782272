//! # rareflow-warehouse
//!
//! The warehouse on disk: where each table lives, how a run writes aside and publishes in
//! one atomic step, and the lock that keeps two runs apart (used by `rareflow-etl`,
//! `rareflow-query` and the tests). Registering the tables in DataFusion is
//! `rareflow_query::catalog`'s job: this crate does not depend on DataFusion.
//!
//! ## Layout
//! ```text
//! WAREHOUSE/
//!   current -> snapshots/000007        relative symlink: the published snapshot
//!   snapshots/000007/
//!     trade_flows/year=2025/month=11/part-00000.parquet     Hive partitions, zstd
//!     trade_flows_superseded/...        figures a later release revised (same layout)
//!     rejects/part-00000.parquet
//!     ingest_log/ countries/ products/ fx_rates/ policy_events/
//!   snapshots/.staging-000008/          a run in progress (ignored by readers, removed if abandoned)
//!   .lock                               held by the running rareflow-etl
//! ```
//! Every snapshot is complete in itself, so DuckDB, Polars or Spark read
//! `WAREHOUSE/current/trade_flows/` as a Hive-partitioned dataset, and the folder can be
//! copied or moved (the link is relative).
//!
//! - [`store`]: snapshots, staging, atomic publish, the run lock.
//! - [`parallel`]: encoding `trade_flows` row groups on worker threads, appending them per partition.
//! - [`merge`]: reusing untouched partitions, settling revisions ([`merge::supersede`]).
//! - [`manifest`]: reading `ingest_log` back for incremental runs; [`ingest_log`]: writing it.
//! - [`remote`]: the same layout on S3-compatible object storage (pointer, lock, transfers).
//! - `delta` (cargo feature `delta`, issue 17 in progress): the tables as Delta Lake tables,
//!   a run committed across tables with application transactions, the run record readers
//!   pin to.

mod column;
#[cfg(feature = "delta")]
pub mod delta;
pub mod error;
mod footprint;
pub mod ingest_log;
pub mod manifest;
pub mod merge;
mod pairs;
pub mod parallel;
pub mod remote;
mod split;
pub mod store;
pub mod writer;

pub use error::WarehouseError;
pub use ingest_log::{IngestLogWriter, LogRow};
pub use manifest::{ManifestEntry, read_manifest};
pub use parallel::{PartitionAppender, PartitionLayout, PartitionRows};
pub use store::{RunLock, Staging, Warehouse};
pub use writer::{TableWriter, writer_properties};
