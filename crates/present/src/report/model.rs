//! What the brief is made of (figures, small tables, sections) and why it can fail: the
//! types the sections fill and the templates read.

use serde::Serialize;

use rareflow_query::QueryError;

use crate::chart::ChartError;

/// Why the brief could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A query failed (or a saved query is missing).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// The month is not `YYYY-MM`.
    #[error("--month: expected a month as YYYY-MM or `latest`, got {0:?}")]
    Month(String),
    /// The month has no China Customs detail loaded, which every section starts from.
    #[error(
        "--month {month}: no China Customs detail (trade_flows source gacc) is loaded for it; \
         months loaded: {loaded}"
    )]
    MonthNotLoaded {
        /// The month asked.
        month: String,
        /// The months loaded, as ranges.
        loaded: String,
    },
    /// `--month latest` on a warehouse without China Customs detail.
    #[error("--month latest: no China Customs detail (trade_flows source gacc) is loaded")]
    NoDetail,
    /// A saved query's result lacks a column the brief reads (renamed or dropped in `sql/`).
    #[error("{path}: the brief reads column {column:?}, which the result of {query} does not have")]
    MissingColumn {
        /// The saved query's name.
        query: String,
        /// Its file.
        path: std::path::PathBuf,
        /// The column.
        column: String,
    },
    /// The template failed to render.
    #[error("brief template {name}")]
    Template {
        /// The template's name.
        name: &'static str,
        /// The template engine's error.
        #[source]
        source: minijinja::Error,
    },
}

/// One number of the brief, with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// What it is.
    pub label: String,
    /// The value, formatted with its unit (`582 t`, `-11.3%`), or `n/a`.
    pub value: String,
    /// Context (`from 656 t in 2025-10`).
    pub note: String,
    /// The query and parameters it came from (`magnets_by_destination month=2025-11`).
    pub source: String,
    /// Drawn in the accent colour.
    pub highlight: bool,
}

/// A small table shown in a section.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SmallTable {
    /// Column headings.
    pub header: Vec<String>,
    /// Rows of formatted cells.
    pub rows: Vec<Vec<String>>,
    /// Per row: highlighted.
    pub highlight: Vec<bool>,
}

/// One section of the brief.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// HTML anchor.
    pub id: String,
    /// Heading.
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// The figures.
    pub figures: Vec<Figure>,
    /// An inline SVG chart (empty when there is nothing to draw).
    pub chart_svg: String,
    /// A table, when the section has one.
    pub table: Option<SmallTable>,
    /// The queries behind the section, with parameters.
    pub sources: Vec<String>,
}
