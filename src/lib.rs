//! What the two binaries share (`rareflow-etl`, `rareflow-query`): one way to print an
//! error with its causes and choose the exit code, and one run-then-print path for SQL.
//! The binaries stay argument parsing over this and the crates.

#[cfg(feature = "ballista")]
pub mod cluster_cli;
pub mod failure;
pub mod output;

pub use failure::{Failure, print_error};
pub use output::{Output, Request, run_and_print};
