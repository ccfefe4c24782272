//! Line series from a result: one per value column or per value of a text column, the
//! largest kept, multi-month periods spread over the months they cover.

use rareflow_query::format::{add_months, format_month};
use rareflow_query::table::Table;

use super::{Series, Span, TOP_N};

/// A value column as a legend entry: without its unit part (`china_reports_t` is
/// `china reports`).
fn series_name(column: &str) -> String {
    let base = ["_usd_million", "_usd_m", "_pct", "_kg", "_tonnes", "_t"]
        .iter()
        .find_map(|suffix| column.strip_suffix(suffix))
        .filter(|b| !b.is_empty())
        .unwrap_or(column);
    base.replace('_', " ")
}

/// `Jan-Feb`: the months a period covers, by their short names.
fn months_label(from: i32, to: i32) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let name = |d: i32| {
        let month: usize = format_month(d)
            .get(5..)
            .and_then(|m| m.parse().ok())
            .unwrap_or(1);
        NAMES[(month + 11) % 12]
    };
    format!("{}-{}", name(from), name(to))
}

/// The series of a line chart, and the multi-month periods among their points. `months`
/// is the column saying how many months a row covers (China publishes January and
/// February as one figure): such a row is drawn at its monthly average on each month it
/// covers, so the line shows a flat segment rather than one month with two months' worth.
pub(crate) fn line_series(
    table: &Table,
    x: usize,
    ys: &[usize],
    by: Option<usize>,
    months: Option<usize>,
) -> (Vec<Series>, Vec<Span>) {
    let mut out: Vec<Series> = Vec::new();
    let mut spans = Vec::new();
    for row in &table.rows {
        let Some(day) = row[x].date() else { continue };
        // 2..=12 whole months; anything else is taken as one month
        let covers = months
            .and_then(|m| row[m].number())
            .filter(|n| n.fract() == 0.0 && (2.0..=12.0).contains(n))
            .map_or(1, |n| n as i32);
        for &y in ys {
            let Some(v) = row[y].number() else { continue };
            let name = match by {
                Some(s) => row[s].text(),
                None => series_name(&table.columns[y]),
            };
            let average = v / f64::from(covers);
            let points = (0..covers).map(|k| (add_months(day, k), average));
            match out.iter_mut().find(|s| s.name == name) {
                Some(s) => s.points.extend(points),
                None => out.push(Series {
                    name: name.clone(),
                    points: points.collect(),
                }),
            }
            if covers > 1 {
                let to = add_months(day, covers - 1);
                spans.push(Span {
                    series: name,
                    from: add_months(day, 0),
                    to,
                    value: average,
                    label: months_label(day, to),
                });
            }
        }
    }
    for s in &mut out {
        s.points.sort_by_key(|p| p.0);
    }
    (out, spans)
}

/// Keeps the [`TOP_N`] series with the largest totals and sums the rest, by date, as "other".
pub(crate) fn top_series(mut series: Vec<Series>) -> Vec<Series> {
    if series.len() <= TOP_N {
        return series;
    }
    let total = |s: &Series| s.points.iter().map(|p| p.1.abs()).sum::<f64>();
    series.sort_by(|a, b| total(b).total_cmp(&total(a)));
    let rest = series.split_off(TOP_N - 1);
    let mut sums: std::collections::BTreeMap<i32, f64> = std::collections::BTreeMap::new();
    for s in &rest {
        for &(d, v) in &s.points {
            *sums.entry(d).or_default() += v;
        }
    }
    series.push(Series {
        name: format!("other ({})", rest.len()),
        points: sums.into_iter().collect(),
    });
    series
}

/// The first and last dates of the series.
pub(crate) fn date_range(series: &[Series]) -> (i32, i32) {
    let days = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let lo = days.clone().min().unwrap_or(0);
    let hi = days.max().unwrap_or(0);
    (lo, hi)
}
