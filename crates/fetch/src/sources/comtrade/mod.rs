//! UN Comtrade v1 API, monthly HS data of one reporter (`reporterCode=156`, China).
//!
//! - With `COMTRADE_API_KEY`: `data/v1/get/C/M/HS`, the key in the header
//!   `Ocp-Apim-Subscription-Key` (never in a URL); without: the public preview endpoint
//!   `public/v1/preview/C/M/HS`, 500 records a call (said in the summary).
//! - Only what is new: one `public/v1/getDa/C/M/HS` call (12 periods a call) says which
//!   months are released and their `lastReleased`; a month is asked when its
//!   `lastReleased` differs from the one logged for it (in `fetch_log.csv`'s note).
//! - One call a month. No pagination: an answer of exactly the call's limit (100,000
//!   records, 500 on preview) is truncated: it is logged, not kept, and the month is asked
//!   again split by commodity, then by flow, then by partner (`comtrade.partners`). A fetch
//!   killed halfway resumes from the log: a truncated call is not sent again, the parts
//!   already answered are not either.
//! - Parameters are checked before sending (the API answers 200 with zero records to a
//!   malformed one); a well-formed call with zero records is said in the summary.
//! - 429 is retried after `Retry-After`; 403 "Out of call volume quota" stops the source for
//!   today; 401 is the key refused; a daily budget (`comtrade.daily_call_budget`) counts
//!   today's calls in `fetch_log.csv`.
//! - Files: `comtrade/v1/comtrade_v1_M_{reporter}_{YYYYMM}_HS[_c{cmd}][_{flow}][_p{partner}].json`,
//!   the API's JSON as sent, where the Comtrade v1 JSON reader of `run` reads it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use futures::future::BoxFuture;

use super::Source;
use crate::FetchError;
use crate::check;
use crate::config::{FetchConfig, check_list, digits};
use crate::http::{Body, Request};
use crate::options::COMTRADE_KEY_VAR;
use crate::period::YearMonth;
use crate::run::{Run, body_path};

mod query;

use query::{Ctx, FLOWS, Query, valid_cmd};

const DEFAULT_BASE: &str = "https://comtradeapi.un.org";
const SIGNUP: &str = "https://comtradedeveloper.un.org";
/// Records a call at most, with a key and on the preview.
const KEYED_LIMIT: usize = 100_000;
const PREVIEW_LIMIT: usize = 500;
const TRUNCATED: &str = "truncated";

pub(crate) struct Comtrade;

#[async_trait]
impl Source for Comtrade {
    fn name(&self) -> &'static str {
        "comtrade"
    }

    fn check(&self, config: &FetchConfig) -> Result<(), String> {
        let c = &config.comtrade;
        if !digits(&c.reporter, 1..=4) {
            return Err(format!(
                "comtrade.reporter: {:?} is not an M49 code (156 = China)",
                c.reporter
            ));
        }
        check_list(
            "comtrade.flows",
            &c.flows,
            |f| FLOWS.contains(&f),
            "a flow code (X, M, RX, RM, ...)",
        )?;
        check_list(
            "comtrade.cmd_codes",
            &c.cmd_codes,
            valid_cmd,
            "an HS code of 2, 4 or 6 digits, TOTAL or AG2..AG6",
        )?;
        if !c.partners.is_empty() {
            check_list(
                "comtrade.partners",
                &c.partners,
                |p| digits(p, 1..=4),
                "an M49 partner code (0 = World)",
            )?;
        }
        if c.daily_call_budget == 0 {
            return Err("comtrade.daily_call_budget: 0 allows no call".into());
        }
        Ok(())
    }

    fn set_base_url(&self, config: &mut FetchConfig, url: String) {
        config.comtrade.base_url = Some(url);
    }

    fn requests_per_minute(&self, config: &FetchConfig) -> u32 {
        config.comtrade.requests_per_minute
    }

    async fn fetch(&self, run: &mut Run<'_>) -> Result<(), FetchError> {
        let c = run.config.comtrade.clone();
        let key = run.options.keys.comtrade.clone();
        if key.is_none() {
            run.summary.notes.push(format!(
                "{COMTRADE_KEY_VAR} is not set: the public preview endpoint answers, {PREVIEW_LIMIT} \
                 records a call (a free key, 100,000 a call: {SIGNUP})"
            ));
        }
        let base = c
            .base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_BASE.to_owned());
        let months = run.months(c.since);
        let released = if run.options.dry_run {
            months.iter().map(|m| (*m, String::new())).collect()
        } else {
            self.released(run, &base, &c.reporter, &months, c.daily_call_budget)
                .await?
        };
        let ctx = Ctx {
            base,
            reporter: c.reporter.clone(),
            key,
            budget: c.daily_call_budget,
        };
        for month in months {
            let Some(stamp) = released.get(&month) else {
                run.summary.not_released.push(month.to_string());
                continue;
            };
            let root = Query {
                period: month,
                cmds: c.cmd_codes.clone(),
                flows: c.flows.clone(),
                partners: Vec::new(),
                split_partners: c.partners.clone(),
                label: String::new(),
            };
            walk(run, &ctx, root, stamp).await?;
        }
        Ok(())
    }
}

impl Comtrade {
    /// The months `getDa` lists, with their `lastReleased` (empty when `getDa` failed:
    /// then every month is asked, and the same bytes write nothing).
    async fn released(
        &self,
        run: &mut Run<'_>,
        base: &str,
        reporter: &str,
        months: &[YearMonth],
        budget: usize,
    ) -> Result<BTreeMap<YearMonth, String>, FetchError> {
        let mut out = BTreeMap::new();
        for chunk in months.chunks(12) {
            let periods: Vec<String> = chunk.iter().map(|m| m.compact()).collect();
            let request = Request::new(format!(
                "{base}/public/v1/getDa/C/M/HS?reporterCode={reporter}&period={}",
                periods.join(",")
            ));
            let shown_periods = periods_label(chunk);
            budget_left(run, budget)?;
            let found = match run.send(&request, None, &shown_periods).await {
                Ok(response) if response.status == 200 => {
                    let listed = match &response.body {
                        Body::Memory(bytes) => parse_availability(bytes),
                        Body::File(_) => Err("unexpected file body".into()),
                    };
                    let note = match &listed {
                        Ok(l) => format!(
                            "availability: {} of {} months released",
                            l.len(),
                            chunk.len()
                        ),
                        Err(e) => format!("availability not read: {e}"),
                    };
                    run.record(&request, &response, "", &shown_periods, &note)?;
                    listed.ok()
                }
                Ok(response) => {
                    let note = format!(
                        "availability not read: HTTP {}: {}",
                        response.status,
                        response.text()
                    );
                    run.record(&request, &response, "", &shown_periods, &note)?;
                    None
                }
                Err(e) => {
                    run.summary
                        .notes
                        .push(format!("getDa failed, asking every month: {e}"));
                    None
                }
            };
            for m in chunk {
                match &found {
                    Some(listed) => {
                        if let Some(stamp) = listed.get(&m.compact()) {
                            out.insert(*m, stamp.clone());
                        }
                    }
                    None => {
                        out.insert(*m, String::new());
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Stops the source when today's calls in `fetch_log.csv` reach the budget.
fn budget_left(run: &Run<'_>, budget: usize) -> Result<(), FetchError> {
    let used = run.log.calls_on("comtrade", &Run::today());
    if used >= budget {
        return Err(FetchError::Budget {
            source_name: "comtrade",
            used,
            budget,
        });
    }
    Ok(())
}

/// `getDa`'s `data`: period (`YYYYMM`, string or number) to `lastReleased`.
fn parse_availability(bytes: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let data = value
        .get("data")
        .and_then(|d| d.as_array())
        .ok_or("no \"data\" array")?;
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    Ok(data
        .iter()
        .map(|d| (text(d.get("period")), text(d.get("lastReleased"))))
        .filter(|(p, _)| !p.is_empty())
        .collect())
}

fn periods_label(months: &[YearMonth]) -> String {
    match months {
        [one] => one.to_string(),
        [first, .., last] => format!("{first}..{last}"),
        [] => String::new(),
    }
}

/// Asks one call, or its parts when it was (or is now) truncated.
fn walk<'a>(
    run: &'a mut Run<'_>,
    ctx: &'a Ctx,
    query: Query,
    stamp: &'a str,
) -> BoxFuture<'a, Result<(), FetchError>> {
    Box::pin(async move {
        let request = query.request(ctx);
        let relative = query.relative(ctx);
        let period = query.period.to_string();
        let release = format!("lastReleased={stamp}");
        let before = run
            .logged(&request, &[200])
            .filter(|r| r.note.starts_with(&format!("{release};")))
            .map(|r| r.note.contains(TRUNCATED));
        match before {
            Some(false) => {
                run.summary.unchanged += 1;
                return Ok(());
            }
            Some(true) => return ask_parts(run, ctx, &query, stamp, &request).await,
            None => {}
        }
        if let Err(message) = query.validate(&request.url) {
            return run.fail(FetchError::InvalidParameter {
                source_name: "comtrade",
                message,
            });
        }
        if run.options.dry_run {
            run.plan(&request, &relative);
            return Ok(());
        }
        budget_left(run, ctx.budget)?;
        let dir = run.folder_of(&relative);
        let response = match run.send(&request, Some(&dir), &period).await {
            Ok(r) => r,
            Err(e) => return run.fail(e),
        };
        match response.status {
            200 => {
                let shape = match body_path(&response).map(check::comtrade_json) {
                    Some(Ok(shape)) => shape,
                    Some(Err(message)) => {
                        return run.rejected(&request, &response, &period, message);
                    }
                    None => return run.rejected(&request, &response, &period, "no body".into()),
                };
                if let Some(error) = shape.error.as_deref().filter(|e| !e.is_empty()) {
                    let message = format!("the API says: {error}");
                    return run.rejected(&request, &response, &period, message);
                }
                let n = shape.records();
                let limit = if ctx.key.is_some() {
                    KEYED_LIMIT
                } else {
                    PREVIEW_LIMIT
                };
                if n >= limit {
                    let by = query
                        .split()
                        .map_or("nothing left to split by", |(by, _)| by);
                    let note = format!(
                        "{release}; {TRUNCATED}: {n} records, the limit of a call; split by {by}"
                    );
                    run.record(&request, &response, "", &period, &note)?;
                    run.summary.notes.push(format!(
                        "{period}{}: {n} records (truncated), split by {by}",
                        query.label
                    ));
                    return ask_parts(run, ctx, &query, stamp, &request).await;
                }
                if n == 0 {
                    let note = format!("{release}; zero records: nothing written");
                    run.record(&request, &response, "", &period, &note)?;
                    run.summary
                        .empty
                        .push(format!("{period}{} ({})", query.label, request.shown));
                    return Ok(());
                }
                let note = format!("{release}; {n} records");
                run.keep(&request, response, &relative, &period, &note)?;
                Ok(())
            }
            401 => {
                run.record(&request, &response, "", &period, "failed: 401")?;
                Err(FetchError::Auth {
                    source_name: "comtrade",
                    variable: COMTRADE_KEY_VAR,
                    message: format!("401: {}", response.text()),
                })
            }
            403 => {
                let text = response.text();
                run.record(
                    &request,
                    &response,
                    "",
                    &period,
                    &format!("failed: 403: {text}"),
                )?;
                if text.to_ascii_lowercase().contains("quota") {
                    return Err(FetchError::Quota {
                        source_name: "comtrade",
                        message: text,
                    });
                }
                Err(FetchError::Auth {
                    source_name: "comtrade",
                    variable: COMTRADE_KEY_VAR,
                    message: format!("403: {text}"),
                })
            }
            _ => run.unexpected(&request, &response, &period),
        }
    })
}

async fn ask_parts(
    run: &mut Run<'_>,
    ctx: &Ctx,
    query: &Query,
    stamp: &str,
    request: &Request,
) -> Result<(), FetchError> {
    let Some((_, parts)) = query.split() else {
        let limit = if ctx.key.is_some() {
            KEYED_LIMIT
        } else {
            PREVIEW_LIMIT
        };
        return run.fail(FetchError::Rejected {
            source_name: "comtrade",
            url: request.shown.clone(),
            message: format!(
                "truncated at {limit} records with one commodity, flow and partner left: list \
                 partners in comtrade.partners{}",
                if ctx.key.is_none() {
                    format!(" or set {COMTRADE_KEY_VAR} (100,000 a call)")
                } else {
                    String::new()
                }
            ),
        });
    };
    for part in parts {
        walk(run, ctx, part, stamp).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_periods_as_strings_or_numbers() {
        let got = parse_availability(
            br#"{"count":2,"data":[{"period":"202510","lastReleased":"2025-12-01T00:00:00"},{"period":202511,"lastReleased":"2026-01-05T00:00:00"}]}"#,
        )
        .unwrap();
        assert_eq!(got["202511"], "2026-01-05T00:00:00");
        assert_eq!(got.len(), 2);
    }
}
