//! The monthly brief: the month's story told from saved queries, as one self-contained
//! HTML file (inline CSS and SVG charts, no JavaScript, nothing fetched) or as Markdown.
//!
//! Every figure names the query it came from, with its parameters, so that a reader can
//! run `rareflow-query run NAME --param ...` and see the same number.

mod sections;

pub use sections::{SOURCES, Source};

use std::path::Path;

use serde::Serialize;

use rareflow_query::format::{add_months, format_month, month_name};
use rareflow_query::params::{ParamType, bind};
use rareflow_query::table::{Cell, Table};
use rareflow_query::{QueryError, QuerySession, SavedQuery};

use crate::chart::{ChartError, PolicyEvent};

const HTML_TEMPLATE: &str = include_str!("../templates/brief.html");
const MARKDOWN_TEMPLATE: &str = include_str!("../templates/brief.md");

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
    #[error("--month: expected a month as YYYY-MM, got {0:?}")]
    Month(String),
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

/// Output format of the brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained HTML page with inline SVG charts.
    Html,
    /// Markdown, for pasting into a note (no charts).
    Md,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<ReportFormat, String> {
        match s.to_ascii_lowercase().as_str() {
            "html" => Ok(ReportFormat::Html),
            "md" | "markdown" => Ok(ReportFormat::Md),
            _ => Err(format!("expected html or md, got {s:?}")),
        }
    }
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

/// The brief for one month.
#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    /// `YYYY-MM`.
    pub month: String,
    /// `November 2025`.
    pub month_name: String,
    /// The warehouse snapshot read.
    pub snapshot: String,
    /// The key figures, repeated at the top.
    pub key_figures: Vec<Figure>,
    /// The sections, in reading order.
    pub sections: Vec<Section>,
}

impl Brief {
    /// Renders the brief as HTML or Markdown.
    pub fn render(&self, format: ReportFormat) -> Result<String, ReportError> {
        let mut env = minijinja::Environment::new();
        let (name, source) = match format {
            ReportFormat::Html => ("brief.html", HTML_TEMPLATE),
            ReportFormat::Md => ("brief.md", MARKDOWN_TEMPLATE),
        };
        let failed = |source| ReportError::Template { name, source };
        env.add_template(name, source).map_err(failed)?;
        env.add_filter("mdcell", |v: String| {
            v.replace('|', "\\|").replace('\n', " ")
        });
        let template = env.get_template(name).map_err(failed)?;
        template
            .render(minijinja::Value::from_serialize(self))
            .map_err(failed)
    }
}

/// A saved query's result and how it was asked. Sections read its cells only through
/// [`Answer::get`] and [`Answer::find`], which hold them to the columns they declared.
pub(crate) struct Answer {
    pub(crate) table: Table,
    /// `name key=value ...`
    pub(crate) source: String,
    pub(crate) saved: SavedQuery,
    /// The columns the section declared ([`Source::columns`]).
    columns: &'static [&'static str],
}

impl Answer {
    /// A column the section reads must be declared, so that the check in
    /// [`sections::Context::run`] covers it (a bug in this crate otherwise, caught by tests).
    fn declared(&self, column: &str) {
        debug_assert!(
            self.columns.contains(&column),
            "{}: the brief reads column {column} without declaring it",
            self.saved.name
        );
    }

    /// The cell at `row` of `column` (NULL when the row is absent).
    pub(crate) fn get(&self, row: usize, column: &str) -> &Cell {
        self.declared(column);
        self.table.get(row, column)
    }

    /// The first row whose `column` holds `value` as text.
    pub(crate) fn find(&self, column: &str, value: &str) -> Option<usize> {
        self.declared(column);
        self.table.find(column, value)
    }

    /// The row whose date `column` is `day`.
    pub(crate) fn find_date(&self, column: &str, day: i32) -> Option<usize> {
        self.declared(column);
        self.table.find_date(column, day)
    }

    /// How many rows the result has.
    pub(crate) fn len(&self) -> usize {
        self.table.rows.len()
    }
}

/// Runs the saved queries for `month` (`YYYY-MM`) and assembles the brief.
pub async fn brief(
    session: &QuerySession,
    sql_dir: &Path,
    month: &str,
) -> Result<Brief, ReportError> {
    let day = match ParamType::Month.parse(month) {
        Ok(datafusion::scalar::ScalarValue::Date32(Some(d))) => d,
        _ => {
            return Err(ReportError::Month(month.to_owned()));
        }
    };
    let events = crate::chart::policy_events(session).await?;
    let ctx = sections::Context {
        session,
        sql_dir,
        day,
        events: &events,
    };
    let magnets = sections::magnets_total(&ctx).await?;
    let destinations = sections::destinations(&ctx).await?;
    let elements = sections::elements(&ctx).await?;
    let headline = sections::headline(&ctx).await?;
    let mirror = sections::mirror(&ctx).await?;
    let policy = sections::policy(&ctx);
    let mut key_figures = Vec::new();
    for (section, n) in [(&magnets, 2), (&destinations, 2), (&headline, 2)] {
        key_figures.extend(section.figures.iter().take(n).cloned());
    }
    Ok(Brief {
        month: format_month(day),
        month_name: month_name(day),
        snapshot: session.snapshot().display().to_string(),
        key_figures,
        sections: vec![magnets, destinations, elements, headline, mirror, policy],
    })
}

impl sections::Context<'_> {
    /// Runs a saved query with `params`, recording `name key=value ...`.
    pub(crate) async fn run(
        &self,
        source: &sections::Source,
        params: &[(&str, String)],
    ) -> Result<Answer, ReportError> {
        let saved = SavedQuery::resolve(source.query, self.sql_dir)?;
        let given: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let values = bind(&saved.params, &given)?;
        let origin = saved.path.display().to_string();
        let table = self
            .session
            .collect_table(&origin, &saved.sql, values)
            .await?;
        if let Some(column) = source.columns.iter().find(|c| table.index(c).is_none()) {
            return Err(ReportError::MissingColumn {
                query: saved.name,
                path: saved.path,
                column: (*column).to_owned(),
            });
        }
        let mut asked = saved.name.clone();
        for (k, v) in params {
            asked.push_str(&format!(" {k}={v}"));
        }
        Ok(Answer {
            table,
            source: asked,
            saved,
            columns: source.columns,
        })
    }

    /// `YYYY-MM` of the month `offset` months from the brief's month.
    pub(crate) fn month(&self, offset: i32) -> String {
        format_month(add_months(self.day, offset))
    }

    /// The events up to the end of the brief's month.
    pub(crate) fn events_to_date(&self) -> Vec<&PolicyEvent> {
        let end = add_months(self.day, 1);
        self.events.iter().filter(|e| e.date < end).collect()
    }
}
