//! End-to-end tests: one test binary, one module per area (as delta-rs does), so the
//! DataFusion-sized link happens once.

mod charts;
mod cli;
mod corpus;
mod gacc_real;
mod publish;
mod quirks;
mod report;
mod runs;
mod slt;
mod support;
