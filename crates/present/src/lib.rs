//! # rareflow-present
//!
//! What an analyst reads, drawn from `rareflow-query`'s results: charts and the monthly
//! brief. The query crate runs SQL and hands back a [`rareflow_query::table::Table`]; this
//! crate only lays it out, so the engine never depends on drawing or templates.
//!
//! - [`chart`]: line and bar charts of results (SVG, PNG) with export-control markers.
//! - [`report`]: the monthly brief (HTML or Markdown) from saved queries.

pub mod chart;
pub mod report;

pub use chart::{Chart, ChartError};
pub use report::{Brief, ReportError, ReportFormat, brief};
