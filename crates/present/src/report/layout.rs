//! Laying out what a query answered: figures and inline charts.

use super::answer::Answer;
use super::model::{Figure, ReportError};
use crate::chart::{Chart, ChartError, ChartSpec, PolicyEvent};

/// Brief charts are drawn narrower than the command line's, to fit the page.
pub(crate) const SIZE: (u32, u32) = (900, 460);

/// A figure, not highlighted.
pub(crate) fn figure(label: &str, value: String, note: String, source: &str) -> Figure {
    Figure {
        label: label.to_owned(),
        value,
        note,
        source: source.to_owned(),
        highlight: false,
    }
}

/// The chart a saved query declares (or its column types suggest), as inline SVG; empty
/// when the result has nothing to draw. `title` is used when the declaration has none.
pub(crate) fn chart_svg(
    answer: &Answer,
    title: &str,
    events: &[PolicyEvent],
) -> Result<String, ReportError> {
    draw(answer, title, false, events)
}

/// As [`chart_svg`], titled `title` whatever the declaration says: for a query whose
/// parameters (a partner) the declared title cannot name.
pub(crate) fn chart_svg_titled(
    answer: &Answer,
    title: &str,
    events: &[PolicyEvent],
) -> Result<String, ReportError> {
    draw(answer, title, true, events)
}

fn draw(
    answer: &Answer,
    title: &str,
    own_title: bool,
    events: &[PolicyEvent],
) -> Result<String, ReportError> {
    if answer.table.rows.is_empty() {
        return Ok(String::new());
    }
    let spec = match ChartSpec::from_sql(&answer.saved.sql)? {
        Some(spec) if own_title => ChartSpec {
            title: None,
            ..spec
        },
        Some(spec) => spec,
        None => match ChartSpec::infer(&answer.table) {
            Ok(spec) => spec,
            Err(_) => return Ok(String::new()),
        },
    };
    match Chart::build(&answer.table, &spec, title, events) {
        Ok(chart) => Ok(chart.to_svg(SIZE)?),
        Err(ChartError::Empty) => Ok(String::new()),
        Err(e) => Err(e.into()),
    }
}
