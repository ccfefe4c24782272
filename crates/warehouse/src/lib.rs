//! # rareflow-warehouse
//!
//! The warehouse on disk: where each table lives, how a run writes aside and publishes in
//! one atomic step, the lock that keeps two runs apart, and registering every table in a
//! DataFusion `SessionContext` (used by `rareflow-etl`, `rareflow-query` and the tests).
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
//! - [`manifest`]: reading `ingest_log` back for incremental runs.
//! - [`catalog`]: registering a snapshot's tables in DataFusion.

pub mod catalog;
pub mod error;
pub mod manifest;
pub mod merge;
pub mod parallel;
pub mod store;
pub mod writer;

pub use catalog::{TABLES, register_snapshot, session_for_snapshot};
pub use error::WarehouseError;
pub use manifest::{ManifestEntry, read_manifest};
pub use parallel::{EncodedPart, PartitionAppender, PartitionLayout};
pub use store::{RunLock, Staging, Warehouse};
pub use writer::{TableWriter, writer_properties};
