//! Downloads raw releases from the official sources into the raw folder `run` reads,
//! in the sources' own bytes, with provenance: the downloading side of
//! `rareflow-etl fetch`.
//!
//! - **Sources** (one plug-in each, listed once in the registry): US Census
//!   (`census/{imports,exports}/YYYY/*.json`, the API's JSON array of arrays), UN Comtrade
//!   (`comtrade/v1/*.json`, the v1 API's JSON) and Eurostat Comext (`comext-sdmx/YYYY/*.csv`,
//!   SDMX-CSV; optionally the bulk `comext/YYYY/full_v2_YYYYMM.7z`) and China Customs'
//!   English monthly tables (`gacc-headline/YYYY/gacc_english_{export,import}_YYYYMM.html`,
//!   the table pages as served, found through the site's monthly index). China Customs'
//!   query platform is not automated: its downloads made by hand are filed by
//!   [`import_files`] into `gacc/{export,import}/YYYY/`.
//! - **What to fetch**: a [`FetchConfig`] (`fetch.toml`), with a per-source `base_url`
//!   that [`parse_base_url_override`] / [`FetchConfig::set_base_url`] override
//!   (`--base-url census=http://127.0.0.1:8080`).
//! - **Never half a file**: a body streams into a hidden temporary file of its target
//!   folder (`.rareflow-fetch-*.part`, skipped by `run`'s discovery) and gets its name only
//!   when complete and checked; a killed fetch leaves no file `run` sees, and the next one
//!   asks only what `fetch_log.csv` does not record as answered.
//! - **Provenance**: `fetch_log.csv` in the raw folder ([`FETCH_LOG_COLUMNS`]), one row an
//!   answer: a re-fetch of the same bytes writes no file, only a row saying `unchanged`;
//!   a revised file is a new release next to the old (`_rev1`), never over it.
//! - **Polite and robust**: a rate limiter per source, timeouts, retries with backoff and
//!   jitter on timeouts, connection errors, bodies cut short, 5xx and 429 (honouring
//!   `Retry-After`), Comtrade's daily call budget.
//!
//! [`fetch`] is async (tokio); [`fetch_blocking`] runs it on a runtime of its own.

mod check;
mod config;
mod error;
mod http;
mod import;
mod log;
mod options;
mod period;
mod run;
mod sources;
mod store;
mod summary;

pub use config::{
    CensusConfig, ComextConfig, ComtradeConfig, CustomsConfig, FetchConfig, HttpConfig,
    parse_base_url_override,
};
pub use error::{FetchError, exit};
pub use import::{Flow, ImportHints, Imported, import_files};
pub use log::{FETCH_LOG, FETCH_LOG_COLUMNS, LogRow, read_fetch_log};
pub use options::{CENSUS_KEY_VAR, COMTRADE_KEY_VAR, FetchOptions, Keys};
pub use period::YearMonth;
pub use sources::source_names;
pub use summary::{FetchSummary, SourceSummary};

use crate::http::Http;
use crate::log::FetchLog;
use crate::run::Run;

/// Fetches what is new for each source asked for (every source when none is), into
/// `options.raw`, and says per source what it did. A source that fails (a key refused,
/// a quota used up, requests failing after their retries) is in the summary, and the other
/// sources go on: [`FetchSummary::exit_code`] makes the exit code. `Err` only when nothing
/// can start: an unknown source, a bad config or month range, an unreadable raw folder or
/// `fetch_log.csv`.
pub async fn fetch(
    config: &FetchConfig,
    options: &FetchOptions,
) -> Result<FetchSummary, FetchError> {
    config.check().map_err(|message| FetchError::Config {
        path: "config".into(),
        message,
    })?;
    let selected = sources::select(&options.sources)?;
    if let (Some(since), Some(until)) = (options.since, options.until)
        && since > until
    {
        return Err(FetchError::Usage(format!(
            "--since {since} is after --until {until}"
        )));
    }
    std::fs::create_dir_all(&options.raw).map_err(|e| FetchError::io(&options.raw, e))?;
    let mut log = FetchLog::open(&options.raw)?;
    let mut summary = FetchSummary {
        sources: Vec::new(),
        dry_run: options.dry_run,
    };
    for source in selected {
        let mut source_summary = SourceSummary::new(source.name());
        let http = Http::new(
            &config.http,
            source.requests_per_minute(config),
            source.follows_redirects(),
        )?;
        let mut run = Run {
            source: source.name(),
            raw: &options.raw,
            config,
            options,
            http,
            log: &mut log,
            summary: &mut source_summary,
        };
        if let Err(error) = source.fetch(&mut run).await {
            tracing::error!(source = source.name(), %error, "source stopped");
            source_summary.failed.push(error.to_string());
        }
        summary.sources.push(source_summary);
    }
    Ok(summary)
}

/// [`fetch`] on a current-thread tokio runtime of its own, for callers without one.
pub fn fetch_blocking(
    config: &FetchConfig,
    options: &FetchOptions,
) -> Result<FetchSummary, FetchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FetchError::io(&options.raw, e))?;
    runtime.block_on(fetch(config, options))
}
