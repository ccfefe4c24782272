//! # rareflow-query
//!
//! The analyst's side: saved queries (`sql/*.sql`, each with a header naming it, saying
//! what it answers and which parameters it takes), parameters bound as values (never pasted
//! into SQL text), read-only execution against a warehouse snapshot, and output formats.
//! The `rareflow-query` binary is a thin layer over this crate, as datafusion-cli is over
//! DataFusion.
//!
//! - [`saved`]: the catalog of saved queries and their headers.
//! - [`params`]: parameter types and binding.
//! - [`exec`]: opening a warehouse and running SQL read-only.
//! - [`print`]: table, CSV, JSON and Parquet output.

pub mod error;
pub mod exec;
pub mod params;
pub mod print;
pub mod saved;

pub use error::QueryError;
pub use exec::{AsOf, QuerySession, read_only_options};
pub use params::{ParamSpec, ParamType};
pub use print::OutputFormat;
pub use saved::SavedQuery;
