//! Which month a brief is about: `latest` is the latest month with China Customs detail
//! (`trade_flows` rows of source `gacc`) loaded; a month given must have that detail, since
//! every section of the brief starts from it.

use datafusion::common::ParamValues;
use rareflow_query::QuerySession;
use rareflow_query::format::format_month;
use rareflow_query::params::ParamType;

use super::model::ReportError;

/// The months with China Customs detail loaded, in order (days since 1970-01-01 of the
/// first of each month).
pub(crate) async fn detail_months(session: &QuerySession) -> Result<Vec<i32>, ReportError> {
    let table = session
        .collect_table(
            "report --month",
            "SELECT DISTINCT period FROM trade_flows WHERE source = 'gacc' ORDER BY period",
            ParamValues::List(Vec::new()),
        )
        .await?;
    Ok(table.rows.iter().filter_map(|r| r[0].date()).collect())
}

/// What the warehouse holds around the brief's month: a sentence naming the China Customs
/// months loaded and the latest month each source reaches (mirror sources lag).
pub(crate) async fn coverage(
    session: &QuerySession,
    day: i32,
    latest: bool,
) -> Result<String, ReportError> {
    let loaded = detail_months(session).await?;
    let table = session
        .collect_table(
            "report coverage",
            "SELECT source, MAX(period) AS last FROM trade_flows GROUP BY source ORDER BY source",
            ParamValues::List(Vec::new()),
        )
        .await?;
    let reach: Vec<String> = table
        .rows
        .iter()
        .filter_map(|r| Some(format!("{} {}", r[0].text(), format_month(r[1].date()?))))
        .collect();
    let which = if latest {
        format!(
            "{} is the latest month with China Customs detail loaded",
            format_month(day)
        )
    } else {
        format!("China Customs detail for {}", format_month(day))
    };
    Ok(format!(
        "{which} (loaded: {}). Latest month by source: {}.",
        describe_months(&loaded),
        reach.join(", ")
    ))
}

/// Whether `month` asks for the latest month.
pub(crate) fn is_latest(month: &str) -> bool {
    month.trim().eq_ignore_ascii_case(rareflow_query::params::LATEST)
}

/// The first day of the brief's month: `month` as `YYYY-MM`, or `latest`.
pub(crate) async fn resolve_month(session: &QuerySession, month: &str) -> Result<i32, ReportError> {
    let asked = if is_latest(month) {
        None
    } else {
        match ParamType::Month.parse(month) {
            Ok(datafusion::scalar::ScalarValue::Date32(Some(d))) => Some(d),
            _ => return Err(ReportError::Month(month.to_owned())),
        }
    };
    let loaded = detail_months(session).await?;
    match asked {
        None => loaded.last().copied().ok_or(ReportError::NoDetail),
        Some(day) if loaded.contains(&day) => Ok(day),
        Some(day) => Err(ReportError::MonthNotLoaded {
            month: format_month(day),
            loaded: describe_months(&loaded),
        }),
    }
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
}
