//! China Customs' English site (`english.customs.gov.cn`): static HTML, no login, no
//! challenge (the Chinese query platform has both, and is never automated). The monthly
//! statistics have an index a year, `statics/report/monthly.html` for the current year and
//! `statics/report/monthly{YYYY}.html` for earlier ones (back to 2018): one row a table,
//! one column a month, each published month linking to its table page `/Statics/{uuid}.html`.
//!
//! - Each year of the months asked, its index is read ([`index`]); the row of each table
//!   of `customs.tables` (by name) gives the pages of its published months. A month of the
//!   window without a link is not released yet (said, not a failure).
//! - A page is kept as served at `gacc-headline/YYYY/gacc_english_{export,import}_YYYYMM.html`
//!   (January-February together: `_YYYY01-YYYY02.html`), where `run` reads the English
//!   monthly tables, once `run`'s own reader reads it: a title naming its period, a unit, at
//!   least one commodity row. The file is named by the page's period; the index's month is
//!   only a hint (a page of another month is kept under its own, and the mismatch noted).
//! - Only what is new: a page URL answered before is not asked again, except the two
//!   latest months of each table (revisions), with `If-None-Match` / `If-Modified-Since`
//!   where the server sent an ETag or a date; the same bytes write nothing.

use async_trait::async_trait;

use super::Source;
use crate::FetchError;
use crate::check;
use crate::config::{FetchConfig, check_list};
use crate::http::{Body, Request};
use crate::period::YearMonth;
use crate::run::{Run, body_path, join_note};

mod index;

use index::{Link, normalize, read_index, resolve};

const DEFAULT_BASE: &str = "http://english.customs.gov.cn";
/// The site's host: absolute links to it are asked from the configured base.
pub(crate) const DEFAULT_HOST: &str = "english.customs.gov.cn";
/// The first year with an English monthly index.
const FIRST_YEAR: i32 = 2018;
/// The folder `run` reads China's headline tables from.
const FOLDER: &str = "gacc-headline";

pub(crate) struct Customs;

/// Exports or imports, from a table's name.
fn flow_of(table: &str) -> Option<&'static str> {
    let name = normalize(table);
    if name.contains("export") {
        Some("export")
    } else if name.contains("import") {
        Some("import")
    } else {
        None
    }
}

#[async_trait]
impl Source for Customs {
    fn name(&self) -> &'static str {
        "customs"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["gacc-english", "china-customs"]
    }

    fn check(&self, config: &FetchConfig) -> Result<(), String> {
        let tables = &config.customs.tables;
        check_list(
            "customs.tables",
            tables,
            |t| flow_of(t).is_some(),
            "a table name naming exports or imports (\"major export commodities\")",
        )?;
        let flows: Vec<_> = tables.iter().filter_map(|t| flow_of(t)).collect();
        if flows
            .iter()
            .enumerate()
            .any(|(i, f)| flows[..i].contains(f))
        {
            return Err(
                "customs.tables: two tables of the same flow would be saved under one name".into(),
            );
        }
        Ok(())
    }

    fn set_base_url(&self, config: &mut FetchConfig, url: String) {
        config.customs.base_url = Some(url);
    }

    fn requests_per_minute(&self, config: &FetchConfig) -> u32 {
        config.customs.requests_per_minute
    }

    async fn fetch(&self, run: &mut Run<'_>) -> Result<(), FetchError> {
        let c = run.config.customs.clone();
        let base = c.base_url.as_deref().unwrap_or(DEFAULT_BASE).to_owned();
        let months = run.months(c.since);
        let current = YearMonth::current().year;
        let mut years: Vec<i32> = months.iter().map(|m| m.year).collect();
        years.dedup();
        for year in years {
            let in_year: Vec<YearMonth> =
                months.iter().copied().filter(|m| m.year == year).collect();
            if year < FIRST_YEAR {
                run.summary.notes.push(format!(
                    "{year}: no English monthly index before {FIRST_YEAR}"
                ));
                continue;
            }
            let page = if year >= current {
                "monthly.html".to_owned()
            } else {
                format!("monthly{year}.html")
            };
            let request = Request::new(format!("{base}/statics/report/{page}"));
            if run.options.dry_run {
                run.plan(&request, "");
                continue;
            }
            let Some(rows) = read_year(run, &request, &in_year).await? else {
                continue;
            };
            for table in &c.tables {
                let Some(flow) = flow_of(table) else { continue };
                let wanted = normalize(table);
                let mut matching = rows.iter().filter(|r| normalize(&r.name).contains(&wanted));
                let Some(row) = matching.next() else {
                    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
                    let message = format!("no row named like {table:?} among {names:?}");
                    run.fail(FetchError::Rejected {
                        source_name: "customs",
                        url: request.shown.clone(),
                        message,
                    })?;
                    continue;
                };
                if matching.next().is_some() {
                    run.summary.notes.push(format!(
                        "{year}: several rows named like {table:?}; the first taken: {:?}",
                        row.name
                    ));
                }
                let asks = asks(&base, year, flow, &row.links, &in_year);
                for month in &in_year {
                    if !asks.iter().any(|a| a.covers(*month)) {
                        run.summary.not_released.push(format!("{flow} {month}"));
                    }
                }
                pages(run, flow, &asks).await?;
            }
        }
        Ok(())
    }
}

/// Reads a year's index: its rows, or `None` when it failed (noted in the summary).
async fn read_year(
    run: &mut Run<'_>,
    request: &Request,
    in_year: &[YearMonth],
) -> Result<Option<Vec<index::IndexRow>>, FetchError> {
    let periods = span(in_year.first().copied(), in_year.last().copied());
    let response = match run.send(request, None, &periods).await {
        Ok(r) => r,
        Err(e) => return run.fail(e).map(|()| None),
    };
    if response.status != 200 {
        return run.unexpected(request, &response, &periods).map(|()| None);
    }
    let read = match &response.body {
        Body::Memory(bytes) => read_index(&String::from_utf8_lossy(bytes)),
        Body::File(_) => Err("unexpected file body".into()),
    };
    match read {
        Ok(rows) => {
            let links: usize = rows.iter().map(|r| r.links.len()).sum();
            let note = format!("index: {} tables, {links} month links", rows.len());
            run.record(request, &response, "", &periods, &note)?;
            Ok(Some(rows))
        }
        Err(message) => run
            .rejected(request, &response, &periods, message)
            .map(|()| None),
    }
}

/// `2025-01`, or `2025-01..2025-02`.
fn span(first: Option<YearMonth>, last: Option<YearMonth>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a != b => format!("{a}..{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}

/// The file of a flow's page for `first..=last` of one year.
fn relative(flow: &str, year: i32, first: u32, last: u32) -> String {
    let name = if first == last {
        format!("{year:04}{first:02}")
    } else {
        format!("{year:04}{first:02}-{year:04}{last:02}")
    };
    format!("{FOLDER}/{year}/gacc_english_{flow}_{name}.html")
}

/// One table page to ask for, with what the index says it holds.
struct Ask {
    request: Request,
    flow: &'static str,
    year: i32,
    months: (u32, u32),
}

impl Ask {
    fn covers(&self, month: YearMonth) -> bool {
        month.year == self.year && (self.months.0..=self.months.1).contains(&month.month)
    }

    fn hint(&self) -> String {
        let m = |month| YearMonth::new(self.year, month);
        span(m(self.months.0), m(self.months.1))
    }
}

/// The links of a table row within the months asked, each page once, oldest first.
fn asks(
    base: &str,
    year: i32,
    flow: &'static str,
    links: &[Link],
    window: &[YearMonth],
) -> Vec<Ask> {
    let mut out: Vec<Ask> = Vec::new();
    for link in links {
        let ask = Ask {
            request: Request::new(resolve(base, &link.href)),
            flow,
            year,
            months: link.months,
        };
        let wanted = window.iter().any(|m| ask.covers(*m));
        if wanted && !out.iter().any(|a| a.request.url == ask.request.url) {
            out.push(ask);
        }
    }
    out.sort_by_key(|a| a.months);
    out
}

/// Asks the pages not answered before, and the two latest answered again.
async fn pages(run: &mut Run<'_>, flow: &str, asks: &[Ask]) -> Result<(), FetchError> {
    let answered: Vec<usize> = (0..asks.len())
        .filter(|&i| run.answered(&asks[i].request))
        .collect();
    let again = &answered[answered.len().saturating_sub(2)..];
    for (i, ask) in asks.iter().enumerate() {
        if answered.contains(&i) && !again.contains(&i) {
            run.summary.unchanged += 1;
            continue;
        }
        page(run, ask).await?;
    }
    tracing::debug!(source = "customs", flow, pages = asks.len(), "table done");
    Ok(())
}

/// Asks one table page and keeps it once read, under the period its title names.
async fn page(run: &mut Run<'_>, ask: &Ask) -> Result<(), FetchError> {
    let hint = ask.hint();
    let hinted = relative(ask.flow, ask.year, ask.months.0, ask.months.1);
    let request = run.conditional(ask.request.clone());
    let dir = run.folder_of(&hinted);
    let response = match run.send(&request, Some(&dir), &hint).await {
        Ok(r) => r,
        Err(e) => return run.fail(e),
    };
    match response.status {
        200 => {
            let shape = match body_path(&response).map(check::english_html) {
                Some(Ok(shape)) => shape,
                Some(Err(message)) => return run.rejected(&request, &response, &hint, message),
                None => return run.rejected(&request, &response, &hint, "no body".into()),
            };
            if flow_of(&shape.title) != Some(ask.flow) {
                let message = format!(
                    "the page's title {:?} is not the {} table",
                    shape.title, ask.flow
                );
                return run.rejected(&request, &response, &hint, message);
            }
            let first = YearMonth::new(shape.year, shape.first_month);
            let last = YearMonth::new(shape.year, shape.last_month);
            let periods = span(first, last);
            let relative = relative(ask.flow, shape.year, shape.first_month, shape.last_month);
            let mut note = format!("{} rows", shape.rows);
            if shape.rejected > 0 {
                note = join_note(
                    &note,
                    &format!("{} rows the reader rejects", shape.rejected),
                );
            }
            if periods != hint {
                let mismatch = format!("the index says {hint}, the page's title {periods}");
                run.summary
                    .notes
                    .push(format!("{}: {mismatch}: kept as {periods}", request.shown));
                note = join_note(&note, &mismatch);
            }
            run.keep(&request, response, &relative, &periods, &note)?;
            Ok(())
        }
        304 => {
            // The file the last answer to this URL left, whatever month it turned out to be.
            let on_disk = run
                .logged(&request, &[200, 304])
                .map(|r| r.path.clone())
                .filter(|p| !p.is_empty())
                .unwrap_or(hinted);
            run.not_modified(&request, &response, &on_disk, &hint)
        }
        _ => run.unexpected(&request, &response, &hint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_files_and_flows() {
        assert_eq!(
            relative("export", 2025, 11, 11),
            "gacc-headline/2025/gacc_english_export_202511.html"
        );
        assert_eq!(
            relative("import", 2026, 1, 2),
            "gacc-headline/2026/gacc_english_import_202601-202602.html"
        );
        assert_eq!(flow_of("(14) Major Import Commodities"), Some("import"));
        assert_eq!(flow_of("Major EXPORT commodities"), Some("export"));
        assert_eq!(flow_of("trade balance"), None);
        let mut config = FetchConfig::default();
        assert!(Customs.check(&config).is_ok());
        config.customs.tables = vec!["export commodities".into(), "exports".into()];
        assert!(Customs.check(&config).unwrap_err().contains("same flow"));
        config.customs.tables = vec!["balance".into()];
        assert!(
            Customs
                .check(&config)
                .unwrap_err()
                .contains("customs.tables")
        );
    }
}
