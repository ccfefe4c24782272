//! US Census international trade API, `timeseries/intltrade/{imports,exports}/hs`: one
//! request a flow, month and commodity prefix (`I_COMMODITY=850511*`, `COMM_LVL=HS10`,
//! `SUMMARY_LVL=DET` so that country groups do not double count), the key in `key=`
//! (redacted in every URL kept). The answer, a JSON array of arrays, is kept as sent at
//! `census/{imports,exports}/YYYY/census_{flow}_hs10_YYYYMM_{prefix}.json`, where the
//! Census reader of `run` reads it.
//!
//! - 204 with an empty body: the month is not released yet (not a failure).
//! - Redirects are not followed: a 302 to `missing_key.html` / `invalid_key.html` (with
//!   `X-DataWebAPI-KeyError: 1`) is the key refused, and stops the source.
//! - 400: the plain-text body (`error: unknown variable 'X'`) is the message.
//! - Only what is new: a month is asked until it answers 200; then only the two latest
//!   months answered are asked again (Census revises the month before), and the same bytes
//!   again write nothing.

use async_trait::async_trait;

use super::Source;
use crate::FetchError;
use crate::check;
use crate::config::{FetchConfig, check_list, digits};
use crate::http::Request;
use crate::options::CENSUS_KEY_VAR;
use crate::period::YearMonth;
use crate::run::{Run, body_path};

const DEFAULT_BASE: &str = "https://api.census.gov/data/timeseries/intltrade";
const SIGNUP: &str = "https://api.census.gov/data/key_signup.html";
/// The API's limit on `get=` variables.
const MAX_VARIABLES: usize = 50;

pub(crate) struct Census;

#[async_trait]
impl Source for Census {
    fn name(&self) -> &'static str {
        "census"
    }

    fn check(&self, config: &FetchConfig) -> Result<(), String> {
        let c = &config.census;
        check_list(
            "census.flows",
            &c.flows,
            |f| f == "imports" || f == "exports",
            "imports or exports",
        )?;
        check_list(
            "census.commodities",
            &c.commodities,
            |p| digits(p, 2..=10),
            "an HS prefix of 2 to 10 digits",
        )?;
        if !c.countries.is_empty() {
            check_list(
                "census.countries",
                &c.countries,
                |p| digits(p, 4..=4),
                "a 4-digit Schedule C code",
            )?;
        }
        for (key, vars, needed) in [
            (
                "census.import_variables",
                &c.import_variables,
                "I_COMMODITY",
            ),
            (
                "census.export_variables",
                &c.export_variables,
                "E_COMMODITY",
            ),
        ] {
            check_list(
                key,
                vars,
                |v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "a variable name",
            )?;
            if vars.len() > MAX_VARIABLES {
                return Err(format!(
                    "{key}: {} variables; the API takes at most 50",
                    vars.len()
                ));
            }
            if !vars.iter().any(|v| v == needed) {
                return Err(format!("{key}: {needed} is missing (the reader needs it)"));
            }
        }
        Ok(())
    }

    fn set_base_url(&self, config: &mut FetchConfig, url: String) {
        config.census.base_url = Some(url);
    }

    fn requests_per_minute(&self, config: &FetchConfig) -> u32 {
        config.census.requests_per_minute
    }

    fn follows_redirects(&self) -> bool {
        false
    }

    async fn fetch(&self, run: &mut Run<'_>) -> Result<(), FetchError> {
        let c = &run.config.census;
        let key = match (&run.options.keys.census, run.options.dry_run) {
            (Some(key), _) => key.clone(),
            (None, true) => "REDACTED".to_owned(),
            (None, false) => {
                return Err(FetchError::MissingKey {
                    source_name: "census",
                    variable: CENSUS_KEY_VAR,
                    signup: SIGNUP,
                    why: "every Census API request needs one since May 2026",
                });
            }
        };
        let base = c.base_url.as_deref().unwrap_or(DEFAULT_BASE);
        let months = run.months(c.since);
        for flow in &c.flows {
            for prefix in &c.commodities {
                let asks: Vec<Ask> = months
                    .iter()
                    .map(|&m| Ask::new(base, flow, prefix, m, &key, &run.config.census))
                    .collect();
                // Months answered before; the two latest of them are asked again.
                let answered: Vec<usize> = (0..asks.len())
                    .filter(|&i| run.answered(&asks[i].request))
                    .collect();
                let again = &answered[answered.len().saturating_sub(2)..];
                for (i, ask) in asks.iter().enumerate() {
                    if answered.contains(&i) && !again.contains(&i) {
                        run.summary.unchanged += 1;
                        continue;
                    }
                    if run.options.dry_run {
                        run.plan(&ask.request, &ask.relative);
                        continue;
                    }
                    self.ask(run, ask).await?;
                }
            }
        }
        Ok(())
    }
}

/// One request and where its answer goes.
struct Ask {
    request: Request,
    relative: String,
    period: String,
    what: String,
}

impl Ask {
    fn new(
        base: &str,
        flow: &str,
        prefix: &str,
        month: YearMonth,
        key: &str,
        c: &crate::config::CensusConfig,
    ) -> Ask {
        let (vars, commodity) = if flow == "imports" {
            (&c.import_variables, "I_COMMODITY")
        } else {
            (&c.export_variables, "E_COMMODITY")
        };
        let mut url = format!(
            "{base}/{flow}/hs?get={}&{commodity}={prefix}*&COMM_LVL=HS10&SUMMARY_LVL=DET&time={month}",
            vars.join(",")
        );
        for country in &c.countries {
            url.push_str(&format!("&CTY_CODE={country}"));
        }
        url.push_str(&format!("&key={key}"));
        Ask {
            request: Request::new(url),
            relative: format!(
                "census/{flow}/{}/census_{flow}_hs10_{}_{prefix}.json",
                month.year,
                month.compact()
            ),
            period: month.to_string(),
            what: format!("{flow} {month} {prefix}*"),
        }
    }
}

impl Census {
    async fn ask(&self, run: &mut Run<'_>, ask: &Ask) -> Result<(), FetchError> {
        let request = run.conditional(ask.request.clone());
        let dir = run.folder_of(&ask.relative);
        let response = match run.send(&request, Some(&dir), &ask.period).await {
            Ok(r) => r,
            Err(e) => return run.fail(e),
        };
        match response.status {
            200 => {
                let shape = body_path(&response).map(check::census_json);
                match shape {
                    Some(Ok(shape)) if shape.periods.iter().any(|p| *p != ask.period) => {
                        let message = format!(
                            "asked for {}, the answer holds {:?}",
                            ask.period, shape.periods
                        );
                        run.rejected(&request, &response, &ask.period, message)
                    }
                    Some(Ok(shape)) => {
                        let note = format!("{} rows", shape.rows);
                        run.keep(&request, response, &ask.relative, &ask.period, &note)?;
                        Ok(())
                    }
                    Some(Err(message)) => {
                        if message.contains("check the key") {
                            run.record(
                                &request,
                                &response,
                                "",
                                &ask.period,
                                "rejected: a web page, not JSON",
                            )?;
                            return Err(key_refused(format!(
                                "200 with a web page instead of JSON: {message}"
                            )));
                        }
                        run.rejected(&request, &response, &ask.period, message)
                    }
                    None => run.rejected(&request, &response, &ask.period, "no body".into()),
                }
            }
            204 => {
                run.record(
                    &request,
                    &response,
                    "",
                    &ask.period,
                    "not yet released (204 No Content)",
                )?;
                run.summary.not_released.push(ask.what.clone());
                Ok(())
            }
            304 => run.not_modified(&request, &response, &ask.relative, &ask.period),
            300..=399 => {
                let location = response.header("location");
                let key_error = response.header("x-datawebapi-keyerror") == "1"
                    || location.contains("missing_key")
                    || location.contains("invalid_key");
                if !key_error {
                    return run.unexpected(&request, &response, &ask.period);
                }
                run.record(
                    &request,
                    &response,
                    "",
                    &ask.period,
                    &format!("key refused: {} to {location}", response.status),
                )?;
                let what = if location.contains("missing_key") {
                    "the server says no key was sent"
                } else {
                    "invalid or not activated (activate it by the link e-mailed at sign-up)"
                };
                Err(key_refused(format!(
                    "{what} ({} to {location}, X-DataWebAPI-KeyError: {}); a key: {SIGNUP}",
                    response.status,
                    response.header("x-datawebapi-keyerror")
                )))
            }
            _ => run.unexpected(&request, &response, &ask.period),
        }
    }
}

fn key_refused(message: String) -> FetchError {
    FetchError::Auth {
        source_name: "census",
        variable: CENSUS_KEY_VAR,
        message,
    }
}
