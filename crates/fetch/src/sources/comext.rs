//! Eurostat Comext, dataset DS-045409 on the Comext host's SDMX 2.1 API:
//! `{base}/sdmx/2.1/data/DS-045409/M.DE+FR+....CN.85051110+....1+2.VALUE_IN_EUROS+QUANTITY_IN_100KG?startPeriod=2025-01&endPeriod=2025-12&format=SDMX-CSV`
//! (key order freq.reporter.partner.product.flow.indicators), one request a calendar year.
//!
//! - The SDMX-CSV answer (codes or labels) is kept as sent at
//!   `comext-sdmx/YYYY/ds-045409_YYYYMM-YYYYMM.csv` once its header is checked
//!   (`DATAFLOW,...,TIME_PERIOD,OBS_VALUE`): a new raw shape, in a folder of its own that
//!   `run` does not read until an SDMX-CSV reader claims it (the bulk reader claims every
//!   CSV under `comext/`).
//! - Only what is new: each year is asked again with `If-None-Match` / `If-Modified-Since`
//!   where the server sent an ETag or a date (304: unchanged), the same bytes write
//!   nothing, and the first row's `LAST UPDATE` goes to the log's note.
//! - 413 (extraction too big): the key is split in halves, by product, then reporter, then
//!   by months; a killed fetch resumes from the log without asking the 413 again.
//! - An answer with a header and no rows, or a 404, is a period not released yet.
//! - Optional (`comext.bulk = true`): the monthly bulk file `full_v2_YYYYMM.7z` from
//!   `{bulk_base}/files?file=comext%2FCOMEXT_DATA%2FPRODUCTS%2Ffull_v2_YYYYMM.7z`, following
//!   its 302, checked for the 7z signature, kept at `comext/YYYY/full_v2_YYYYMM.7z` where
//!   the bulk reader reads it; months already there are asked again only for the two latest
//!   (revisions), conditionally.

use async_trait::async_trait;
use futures::future::BoxFuture;

use super::Source;
use crate::FetchError;
use crate::check;
use crate::config::{FetchConfig, check_list};
use crate::http::Request;
use crate::period::YearMonth;
use crate::run::{Run, body_path};

const DEFAULT_BASE: &str = "https://ec.europa.eu/eurostat/api/comext/dissemination";
const DEFAULT_BULK_BASE: &str = "https://ec.europa.eu/eurostat/api/dissemination";
/// The folder of SDMX-CSV answers under the raw folder.
pub(crate) const SDMX_FOLDER: &str = "comext-sdmx";

pub(crate) struct Comext;

fn code(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[async_trait]
impl Source for Comext {
    fn name(&self) -> &'static str {
        "comext"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["eurostat"]
    }

    fn check(&self, config: &FetchConfig) -> Result<(), String> {
        let c = &config.comext;
        if !c
            .dataset
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || c.dataset.is_empty()
        {
            return Err(format!(
                "comext.dataset: {:?} is not a dataset code",
                c.dataset
            ));
        }
        check_list(
            "comext.reporters",
            &c.reporters,
            code,
            "a reporter code (DE, EU27_2020)",
        )?;
        check_list("comext.partners", &c.partners, code, "a partner code (CN)")?;
        check_list(
            "comext.products",
            &c.products,
            |p| crate::config::digits(p, 2..=8),
            "a CN code of 2 to 8 digits",
        )?;
        check_list(
            "comext.flows",
            &c.flows,
            |f| f == "1" || f == "2",
            "1 (imports) or 2 (exports)",
        )?;
        check_list(
            "comext.indicators",
            &c.indicators,
            code,
            "an indicator (VALUE_IN_EUROS)",
        )?;
        Ok(())
    }

    fn set_base_url(&self, config: &mut FetchConfig, url: String) {
        config.comext.bulk_base_url = Some(url.clone());
        config.comext.base_url = Some(url);
    }

    fn requests_per_minute(&self, config: &FetchConfig) -> u32 {
        config.comext.requests_per_minute
    }

    async fn fetch(&self, run: &mut Run<'_>) -> Result<(), FetchError> {
        let c = run.config.comext.clone();
        let months = run.months(c.since);
        let base = c
            .base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_BASE.to_owned());
        let mut years: Vec<(YearMonth, YearMonth)> = Vec::new();
        for m in &months {
            match years.last_mut() {
                Some((_, end)) if end.year == m.year => *end = *m,
                _ => years.push((*m, *m)),
            }
        }
        for (start, end) in years {
            let query = Sdmx {
                base: base.clone(),
                dataset: c.dataset.clone(),
                reporters: c.reporters.clone(),
                partners: c.partners.clone(),
                products: c.products.clone(),
                flows: c.flows.clone(),
                indicators: c.indicators.clone(),
                start,
                end,
                label: String::new(),
            };
            walk(run, query).await?;
        }
        if c.bulk {
            let bulk_base = c
                .bulk_base_url
                .clone()
                .unwrap_or_else(|| DEFAULT_BULK_BASE.to_owned());
            bulk(run, &bulk_base, &months).await?;
        }
        Ok(())
    }
}

/// One SDMX data query.
#[derive(Debug, Clone)]
struct Sdmx {
    base: String,
    dataset: String,
    reporters: Vec<String>,
    partners: Vec<String>,
    products: Vec<String>,
    flows: Vec<String>,
    indicators: Vec<String>,
    start: YearMonth,
    end: YearMonth,
    label: String,
}

impl Sdmx {
    fn request(&self) -> Request {
        let key = [
            &["M".to_owned()][..],
            &self.reporters,
            &self.partners,
            &self.products,
            &self.flows,
            &self.indicators,
        ]
        .iter()
        .map(|values| values.join("+"))
        .collect::<Vec<_>>()
        .join(".");
        Request::new(format!(
            "{}/sdmx/2.1/data/{}/{key}?startPeriod={}&endPeriod={}&format=SDMX-CSV",
            self.base, self.dataset, self.start, self.end
        ))
    }

    fn relative(&self) -> String {
        format!(
            "{SDMX_FOLDER}/{}/{}_{}-{}{}.csv",
            self.start.year,
            self.dataset.to_ascii_lowercase(),
            self.start.compact(),
            self.end.compact(),
            self.label
        )
    }

    fn periods(&self) -> String {
        if self.start == self.end {
            self.start.to_string()
        } else {
            format!("{}..{}", self.start, self.end)
        }
    }

    /// Halves of a query too big: by product, then reporter, then months.
    fn split(&self) -> Option<(&'static str, [Sdmx; 2])> {
        let halves = |items: &Vec<String>| {
            let (a, b) = items.split_at(items.len() / 2);
            (a.to_vec(), b.to_vec())
        };
        let part = |i: usize, q: Sdmx| Sdmx {
            label: format!("{}_part{i}", self.label),
            ..q
        };
        if self.products.len() > 1 {
            let (a, b) = halves(&self.products);
            return Some((
                "product",
                [
                    part(
                        1,
                        Sdmx {
                            products: a,
                            ..self.clone()
                        },
                    ),
                    part(
                        2,
                        Sdmx {
                            products: b,
                            ..self.clone()
                        },
                    ),
                ],
            ));
        }
        if self.reporters.len() > 1 {
            let (a, b) = halves(&self.reporters);
            return Some((
                "reporter",
                [
                    part(
                        1,
                        Sdmx {
                            reporters: a,
                            ..self.clone()
                        },
                    ),
                    part(
                        2,
                        Sdmx {
                            reporters: b,
                            ..self.clone()
                        },
                    ),
                ],
            ));
        }
        let months = YearMonth::range(self.start, self.end);
        if months.len() > 1 {
            let mid = months.len() / 2;
            return Some((
                "months",
                [
                    part(
                        1,
                        Sdmx {
                            end: months[mid - 1],
                            ..self.clone()
                        },
                    ),
                    part(
                        2,
                        Sdmx {
                            start: months[mid],
                            ..self.clone()
                        },
                    ),
                ],
            ));
        }
        None
    }
}

fn walk<'a>(run: &'a mut Run<'_>, query: Sdmx) -> BoxFuture<'a, Result<(), FetchError>> {
    Box::pin(async move {
        let request = query.request();
        let relative = query.relative();
        let periods = query.periods();
        let split_before = run
            .logged(&request, &[200, 304, 413])
            .is_some_and(|r| r.http_status == Some(413));
        if split_before {
            return parts(run, &query, &request).await;
        }
        if run.options.dry_run {
            run.plan(&request, &relative);
            return Ok(());
        }
        let request = run.conditional(request);
        let dir = run.folder_of(&relative);
        let response = match run.send(&request, Some(&dir), &periods).await {
            Ok(r) => r,
            Err(e) => return run.fail(e),
        };
        match response.status {
            200 => {
                let shape = match body_path(&response).map(check::sdmx_csv) {
                    Some(Ok(shape)) => shape,
                    Some(Err(message)) => {
                        return run.rejected(&request, &response, &periods, message);
                    }
                    None => return run.rejected(&request, &response, &periods, "no body".into()),
                };
                if shape.rows == 0 {
                    run.record(
                        &request,
                        &response,
                        "",
                        &periods,
                        "not yet released: no observations",
                    )?;
                    run.summary
                        .not_released
                        .push(format!("{periods}{}", query.label));
                    return Ok(());
                }
                let held = match (shape.periods.first(), shape.periods.last()) {
                    (Some(a), Some(b)) if a != b => format!("{a}..{b}"),
                    (Some(a), _) => a.clone(),
                    _ => periods.clone(),
                };
                let note = format!(
                    "LAST UPDATE={}; {} observations",
                    shape.last_update, shape.rows
                );
                run.keep(&request, response, &relative, &held, &note)?;
                Ok(())
            }
            304 => run.not_modified(&request, &response, &relative, &periods),
            404 => {
                run.record(
                    &request,
                    &response,
                    "",
                    &periods,
                    &format!("not yet released (404): {}", response.text()),
                )?;
                run.summary
                    .not_released
                    .push(format!("{periods}{}", query.label));
                Ok(())
            }
            413 => {
                let by = query.split().map_or("nothing left to split", |(by, _)| by);
                let note = format!("too big (413): split by {by}");
                run.record(&request, &response, "", &periods, &note)?;
                run.summary
                    .notes
                    .push(format!("{periods}{}: 413, split by {by}", query.label));
                parts(run, &query, &request).await
            }
            _ => run.unexpected(&request, &response, &periods),
        }
    })
}

async fn parts(run: &mut Run<'_>, query: &Sdmx, request: &Request) -> Result<(), FetchError> {
    let Some((_, halves)) = query.split() else {
        return run.fail(FetchError::Rejected {
            source_name: "comext",
            url: request.shown.clone(),
            message: "413 for one product, reporter and month: cannot split further".into(),
        });
    };
    for half in halves {
        walk(run, half).await?;
    }
    Ok(())
}

/// The monthly bulk files.
async fn bulk(run: &mut Run<'_>, base: &str, months: &[YearMonth]) -> Result<(), FetchError> {
    let asks: Vec<(YearMonth, Request, String)> = months
        .iter()
        .map(|m| {
            let name = format!("full_v2_{}.7z", m.compact());
            let url = format!("{base}/files?file=comext%2FCOMEXT_DATA%2FPRODUCTS%2F{name}");
            (*m, Request::new(url), format!("comext/{}/{name}", m.year))
        })
        .collect();
    let answered: Vec<usize> = (0..asks.len())
        .filter(|&i| run.answered(&asks[i].1))
        .collect();
    let again = &answered[answered.len().saturating_sub(2)..];
    for (i, (month, request, relative)) in asks.iter().enumerate() {
        if answered.contains(&i) && !again.contains(&i) {
            run.summary.unchanged += 1;
            continue;
        }
        if run.options.dry_run {
            run.plan(request, relative);
            continue;
        }
        let request = run.conditional(request.clone());
        let period = month.to_string();
        let dir = run.folder_of(relative);
        let response = match run.send(&request, Some(&dir), &period).await {
            Ok(r) => r,
            Err(e) => {
                run.fail(e)?;
                continue;
            }
        };
        match response.status {
            200 => match body_path(&response).map(check::seven_zip) {
                Some(Ok(())) => {
                    run.keep(&request, response, relative, &period, "bulk file")?;
                }
                Some(Err(message)) => run.rejected(&request, &response, &period, message)?,
                None => run.rejected(&request, &response, &period, "no body".into())?,
            },
            304 => run.not_modified(&request, &response, relative, &period)?,
            404 => {
                run.record(&request, &response, "", &period, "not yet released (404)")?;
                run.summary.not_released.push(format!("bulk {period}"));
            }
            _ => run.unexpected(&request, &response, &period)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_halves() {
        let q = Sdmx {
            base: "http://h".into(),
            dataset: "DS-045409".into(),
            reporters: vec!["DE".into(), "FR".into()],
            partners: vec!["CN".into()],
            products: vec!["85051110".into(), "280530".into(), "253090".into()],
            flows: vec!["1".into(), "2".into()],
            indicators: vec!["VALUE_IN_EUROS".into(), "QUANTITY_IN_100KG".into()],
            start: YearMonth {
                year: 2025,
                month: 1,
            },
            end: YearMonth {
                year: 2025,
                month: 6,
            },
            label: String::new(),
        };
        assert_eq!(
            q.request().url,
            "http://h/sdmx/2.1/data/DS-045409/M.DE+FR.CN.85051110+280530+253090.1+2.VALUE_IN_EUROS+QUANTITY_IN_100KG?startPeriod=2025-01&endPeriod=2025-06&format=SDMX-CSV"
        );
        assert_eq!(q.relative(), "comext-sdmx/2025/ds-045409_202501-202506.csv");
        let (by, [a, b]) = q.split().unwrap();
        assert_eq!((by, a.products.len(), b.products.len()), ("product", 1, 2));
        let (by, [_, r]) = a.split().unwrap();
        assert_eq!(
            (by, r.relative().as_str()),
            (
                "reporter",
                "comext-sdmx/2025/ds-045409_202501-202506_part1_part2.csv"
            )
        );
        let (by, [m1, m2]) = r.split().unwrap();
        assert_eq!((by, m1.end.month, m2.start.month), ("months", 3, 4));
    }
}
