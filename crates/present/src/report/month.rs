//! Which month a brief is about: `latest` is the latest month with China Customs detail
//! (`trade_flows` rows of source `gacc`) loaded; a month given must have that detail, since
//! every section of the brief starts from it.

use datafusion::common::ParamValues;
use rareflow_query::QuerySession;
use rareflow_query::format::format_month;
use rareflow_query::params::{ParamType, is_latest};

use super::model::ReportError;

/// The months each source reaches (`trade_flows` and `headline_series`): first and last
/// month loaded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reach(Vec<(String, i32, i32)>);

impl Reach {
    /// Reads the first and last month of each source.
    pub(crate) async fn load(session: &QuerySession) -> Result<Reach, ReportError> {
        let table = session
            .collect_table(
                "report coverage",
                // headline periods may span two months (Jan-Feb): counted to their end
                "SELECT source, MIN(period) AS first, MAX(period) AS last FROM trade_flows \
                 GROUP BY source \
                 UNION ALL \
                 SELECT source, MIN(period) AS first, \
                        MAX(CASE WHEN months = 2 THEN CAST(period + INTERVAL '1 month' AS DATE) \
                                 ELSE period END) AS last \
                 FROM headline_series GROUP BY source \
                 ORDER BY source",
                ParamValues::List(Vec::new()),
            )
            .await?;
        Ok(Reach(
            table
                .rows
                .iter()
                .filter_map(|r| Some((r[0].text(), r[1].date()?, r[2].date()?)))
                .collect(),
        ))
    }

    /// Why `source` (called `name` for the reader, e.g. `US Census data`) has no figure for
    /// the month starting `day`, when that is because the month lies outside the months it
    /// reaches: `US Census data reaches 2025-12; no figure for 2026-03 yet`. `None` when the
    /// month is within its reach.
    pub(crate) fn gap(&self, source: &str, name: &str, day: i32) -> Option<String> {
        let month = format_month(day);
        match self.0.iter().find(|(s, _, _)| s == source) {
            None => Some(format!("{name} is not loaded; no figure for {month}")),
            Some((_, _, last)) if day > *last => Some(format!(
                "{name} reaches {}; no figure for {month} yet",
                format_month(*last)
            )),
            Some((_, first, _)) if day < *first => Some(format!(
                "{name} starts in {}; no figure for {month}",
                format_month(*first)
            )),
            Some(_) => None,
        }
    }
}

/// What the warehouse holds around the brief's month: a sentence naming the China Customs
/// months loaded and the latest month each source reaches (mirror sources lag).
/// `loaded` are the China Customs months ([`resolve_month`] read them).
pub(crate) fn coverage(reach: &Reach, loaded: &[i32], day: i32, latest: bool) -> String {
    let by_source: Vec<String> = reach
        .0
        .iter()
        .map(|(source, _, last)| format!("{source} {}", format_month(*last)))
        .collect();
    let which = if latest {
        format!(
            "{} is the latest month with China Customs detail loaded",
            format_month(day)
        )
    } else {
        format!("China Customs detail for {}", format_month(day))
    };
    format!(
        "{which} (loaded: {}). Latest month by source: {}.",
        describe_months(loaded),
        by_source.join(", ")
    )
}

/// The first day of the brief's month (`month` as `YYYY-MM`, or `latest`), and the months
/// with China Customs detail loaded.
pub(crate) async fn resolve_month(
    session: &QuerySession,
    month: &str,
) -> Result<(i32, Vec<i32>), ReportError> {
    let asked = if is_latest(month) {
        None
    } else {
        match ParamType::Month.parse(month) {
            Ok(datafusion::scalar::ScalarValue::Date32(Some(d))) => Some(d),
            _ => return Err(ReportError::Month(month.to_owned())),
        }
    };
    let loaded = session.detail_months().await?;
    let day = match asked {
        None => loaded.last().copied().ok_or(ReportError::NoDetail)?,
        Some(day) if loaded.contains(&day) => day,
        Some(day) => {
            return Err(ReportError::MonthNotLoaded {
                month: format_month(day),
                loaded: describe_months(&loaded),
            });
        }
    };
    Ok((day, loaded))
}

/// `2024-01..2025-11` for consecutive months; gaps listed as further ranges; `none`.
pub(crate) fn describe_months(months: &[i32]) -> String {
    let mut ranges: Vec<(i32, i32)> = Vec::new();
    for &m in months {
        match ranges.last_mut() {
            Some((_, last)) if rareflow_query::format::add_months(*last, 1) == m => *last = m,
            _ => ranges.push((m, m)),
        }
    }
    if ranges.is_empty() {
        return "none".to_owned();
    }
    ranges
        .iter()
        .map(|&(a, b)| {
            if a == b {
                format_month(a)
            } else {
                format!("{}..{}", format_month(a), format_month(b))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rareflow_query::format::add_months;

    #[test]
    fn months_are_described_as_ranges() {
        let jan24 = 19723; // 2024-01-01
        let m = |n| add_months(jan24, n);
        assert_eq!(describe_months(&[]), "none");
        assert_eq!(
            describe_months(&[m(0), m(1), m(2), m(5), m(7), m(8)]),
            "2024-01..2024-03, 2024-06, 2024-08..2024-09"
        );
    }

    #[test]
    fn a_month_outside_a_source_is_said_in_words() {
        let jan24 = 19723; // 2024-01-01
        let m = |n| add_months(jan24, n);
        let reach = Reach(vec![("census".into(), m(12), m(23))]);
        let us = "US Census data";
        assert_eq!(
            reach.gap("census", us, m(26)).as_deref(),
            Some("US Census data reaches 2025-12; no figure for 2026-03 yet")
        );
        assert_eq!(
            reach.gap("census", us, m(11)).as_deref(),
            Some("US Census data starts in 2025-01; no figure for 2024-12")
        );
        assert_eq!(reach.gap("census", us, m(23)), None);
        assert_eq!(
            reach.gap("comext", "Eurostat Comext", m(23)).as_deref(),
            Some("Eurostat Comext is not loaded; no figure for 2025-12")
        );
    }
}
