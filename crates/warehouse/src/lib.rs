//! # rareflow-warehouse
//!
//! The warehouse: every table a Delta Lake table under one root, a folder or
//! `s3://bucket/prefix` through the same code ([`delta`]), and the Parquet writing behind
//! it. Registering the tables in DataFusion is `rareflow_query`'s job: this crate does not
//! depend on DataFusion.
//!
//! ## Layout
//! ```text
//! WAREHOUSE/
//!   trade_flows/_delta_log/00000000000000000003.json     each table's Delta log
//!   trade_flows/year=2025/month=11/part-00000-3f9c….parquet   Hive partitions, zstd
//!   trade_flows_superseded/ rejects/ ingest_log/ countries/ products/ fx_rates/ ...
//!   _rareflow/runs/00000000000000000003.json   run 3: the version of each table it left
//!   _rareflow/lock                               held by the running rareflow-etl
//! ```
//! Spark, DuckDB (`delta_scan`), Polars (`scan_delta`) and Python `deltalake` read each
//! table at its latest version; rareflow's readers open every table at the versions of the
//! newest recorded run, so they never see half a run.
//!
//! - [`delta`]: tables, commits of a run, run records, recovery, lock, vacuum.
//! - [`store`]: a run's staged tables in a local folder.
//! - [`parallel`]: encoding `trade_flows` row groups on worker threads, appending them per partition.
//! - [`merge`]: settling revisions ([`merge::supersede`]), reading staged folders back.
//! - [`manifest`]: reading `ingest_log` back for incremental runs; [`ingest_log`]: writing it.
//! - [`location`]: a folder or `s3://bucket/prefix`.

mod column;
pub mod delta;
pub mod error;
mod footprint;
pub mod ingest_log;
pub mod location;
pub mod manifest;
pub mod merge;
mod pairs;
pub mod parallel;
mod split;
pub mod store;
pub mod writer;

pub use delta::DeltaWarehouse;
pub use error::WarehouseError;
pub use ingest_log::{IngestLogWriter, LogRow};
pub use location::{S3Location, WarehouseLocation};
pub use manifest::{ManifestEntry, read_manifest};
pub use parallel::{PartitionAppender, PartitionLayout, PartitionRows};
pub use store::Staging;
pub use writer::{TableWriter, writer_properties};
