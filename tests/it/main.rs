//! End-to-end tests: one test binary, one module per area (as delta-rs does), so the
//! DataFusion-sized link happens once.

mod cli;
mod gacc_real;
mod publish;
mod quirks;
mod slt;
mod support;
