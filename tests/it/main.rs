//! End-to-end tests: one test binary, one module per area (as delta-rs does), so the
//! DataFusion-sized link happens once.

// Saved SQL on Ballista: only with `--features ballista` (it rebuilds DataFusion with its
// default features).
#[cfg(feature = "ballista")]
mod ballista;
mod census_shapes;
mod charts;
mod checks;
mod cli;
#[cfg(feature = "ballista")]
mod cluster;
mod comext;
mod comtrade_shapes;
mod corpus;
mod delta_readers;
mod delta_runs;
mod delta_s3;
mod errors;
mod etl_cli;
mod fetch_chain;
mod gacc_real;
mod gacc_shapes;
mod lossless;
mod migrate;
mod moto;
mod publish;
mod query;
mod quirks;
mod registry;
mod report;
mod runs;
mod s3;
mod slt;
mod support;
mod upkeep;
