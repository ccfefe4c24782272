//! The monthly brief: the month's story told from saved queries, as one self-contained
//! HTML file (inline CSS and SVG charts, no JavaScript, nothing fetched) or as Markdown.
//!
//! Every figure names the query it came from, with its parameters, so that a reader can
//! run `rareflow-query run NAME --param ...` and see the same number.

mod answer;
mod layout;
mod model;
mod month;
mod sections;
mod story;

pub use answer::Source;
pub use model::{Figure, ReportError, Section, SmallTable};

use std::path::Path;

use serde::Serialize;

use rareflow_query::QuerySession;
use rareflow_query::format::{format_month, month_name};
use rareflow_query::params::is_latest;

use answer::Context;

/// Every saved query the brief reads, with the columns it needs.
pub const SOURCES: [Source; 9] = [
    sections::MAGNETS_TOTAL_MONTHLY,
    sections::MAGNETS_BY_DESTINATION,
    sections::LOWEST_SINCE,
    story::ABOVE_LOWS,
    story::FINISHED_VS_RAW,
    sections::ELEMENT_EXPORTS_MONTHLY,
    sections::HEADLINE_MONTHLY,
    sections::MIRROR_MAGNETS_US,
    story::LICENCE_TIMELINE,
];

const HTML_TEMPLATE: &str = include_str!("../templates/brief.html");
const MARKDOWN_TEMPLATE: &str = include_str!("../templates/brief.md");

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

/// The brief for one month.
#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    /// `YYYY-MM`.
    pub month: String,
    /// `November 2025`.
    pub month_name: String,
    /// The warehouse snapshot read.
    pub snapshot: String,
    /// Which months the sources reach (China Customs detail, each mirror's latest month).
    pub coverage: String,
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

/// Runs the saved queries for `month` (`YYYY-MM`) and assembles the brief.
pub async fn brief(
    session: &QuerySession,
    sql_dir: &Path,
    month: &str,
) -> Result<Brief, ReportError> {
    let (day, loaded) = month::resolve_month(session, month).await?;
    let reach = month::Reach::load(session).await?;
    let coverage = month::coverage(&reach, &loaded, day, is_latest(month));
    let events = crate::chart::policy_events(session).await?;
    let ctx = Context {
        session,
        sql_dir,
        day,
        events: &events,
        reach: &reach,
    };
    let magnets = sections::magnets_total(&ctx).await?;
    let destinations = sections::destinations(&ctx).await?;
    let story = story::finished_vs_raw(&ctx).await?;
    let elements = sections::elements(&ctx).await?;
    let headline = sections::headline(&ctx).await?;
    let mirror = sections::mirror(&ctx).await?;
    let policy = story::policy(&ctx).await?;
    let mut key_figures = Vec::new();
    for (section, n) in [(&magnets, 2), (&destinations, 2), (&headline, 2)] {
        key_figures.extend(section.figures.iter().take(n).cloned());
    }
    Ok(Brief {
        month: format_month(day),
        month_name: month_name(day),
        snapshot: session.reading().to_owned(),
        coverage,
        key_figures,
        sections: vec![
            magnets,
            destinations,
            story,
            elements,
            headline,
            mirror,
            policy,
        ],
    })
}
