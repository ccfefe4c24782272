//! # rareflow-query
//!
//! The analyst's side: saved queries (`sql/*.sql`, each with a header naming it, saying
//! what it answers and which parameters it takes), parameters bound as values (never pasted
//! into SQL text), read-only execution against one recorded run of the warehouse, output formats, and
//! data checks. The `rareflow-query` binary is a thin layer over this crate, as
//! datafusion-cli is over DataFusion.
//!
//! - [`ballista`]: the same saved SQL on an Apache DataFusion Ballista cluster (feature
//!   `ballista`).
//! - [`catalog`]: registering a run's tables in DataFusion, and the list of tables.
//! - [`saved`]: the catalog of saved queries and their headers.
//! - [`params`]: parameter types and binding.
//! - [`exec`]: the read-only guard ([`exec::guard`]), sessions over one recorded run opened
//!   from a typed warehouse location ([`exec::session`]), and as-of views
//!   ([`exec::as_of`]).
//! - [`print`]: table (its first rows, the rest counted), CSV, JSON and Parquet output.
//! - [`describe`]: what each table and column holds.
//! - [`table`]: a result as a small typed table, and [`format`](mod@format): numbers, dates and
//!   month arithmetic (the input of `rareflow-present`'s charts and brief).
//! - [`delta_tables`]: a warehouse's Delta tables at a recorded run's versions, in a folder or on S3.
//! - [`checks`]: data checks (`checks/*.sql`), each returning the rows that break it.

pub mod ballista;
// Compiled in every build so that its tests run in the default `cargo test`.
pub mod catalog;
pub mod checks;
#[cfg(feature = "ballista")]
pub mod cluster;
#[cfg_attr(not(feature = "ballista"), allow(dead_code))]
mod cluster_plans;
mod cte;
pub mod delta_tables;
pub mod describe;
pub mod error;
pub mod exec;
pub mod format;
pub mod params;
pub mod print;
pub mod saved;
mod suggest;
pub mod table;

pub use catalog::{Catalog, session_config};
pub use checks::{CheckOutcome, print_outcomes, run_checks};
pub use delta_tables::Pin;
pub use error::QueryError;
pub use exec::{AsOf, QuerySession, Runs, read_only_options};
pub use params::{ParamSpec, ParamType};
pub use print::{MaxRows, OutputFormat};
pub use saved::SavedQuery;
pub use table::Table;
