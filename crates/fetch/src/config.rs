//! What to fetch: `fetch.toml` (the commented default sits at the repository root), one
//! section a source and one for HTTP. Every key is optional; a missing key takes the
//! default of [`FetchConfig::default`], which is what the repository's `fetch.toml` says.

use std::path::Path;

use serde::Deserialize;

use crate::FetchError;
use crate::period::YearMonth;
use crate::sources;

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    /// Timeouts and retries, for every source.
    pub http: HttpConfig,
    /// US Census international trade API.
    pub census: CensusConfig,
    /// UN Comtrade API.
    pub comtrade: ComtradeConfig,
    /// Eurostat Comext (SDMX 2.1 API and, optionally, the monthly bulk files).
    #[serde(alias = "eurostat")]
    pub comext: ComextConfig,
    /// China Customs' English monthly tables (static pages of `english.customs.gov.cn`).
    #[serde(alias = "gacc-english", alias = "china-customs")]
    pub customs: CustomsConfig,
}

/// Timeouts, retries and backoff.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Whole request, body included, in seconds.
    pub timeout_secs: u64,
    /// Connecting, in seconds.
    pub connect_timeout_secs: u64,
    /// Longest silence while reading, in seconds.
    pub read_timeout_secs: u64,
    /// Retries after the first attempt on timeouts, connection errors, cut bodies, 5xx, 429.
    pub retries: usize,
    /// First backoff, in milliseconds (doubling, with jitter).
    pub min_backoff_ms: u64,
    /// Longest backoff, in seconds.
    pub max_backoff_secs: u64,
    /// Longest `Retry-After` honoured, in seconds; a longer one fails the request.
    pub max_retry_after_secs: u64,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout_secs: 600,
            connect_timeout_secs: 30,
            read_timeout_secs: 120,
            retries: 4,
            min_backoff_ms: 2000,
            max_backoff_secs: 120,
            max_retry_after_secs: 900,
            user_agent: concat!("rareflow-fetch/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// US Census `timeseries/intltrade/{imports,exports}/hs`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CensusConfig {
    /// Base URL, the folder above `imports/hs` (default
    /// `https://api.census.gov/data/timeseries/intltrade`).
    pub base_url: Option<String>,
    /// Requests a minute at most.
    pub requests_per_minute: u32,
    /// First month fetched when `--since` is not given.
    pub since: YearMonth,
    /// `imports` and/or `exports`.
    pub flows: Vec<String>,
    /// HS prefixes (2 to 10 digits), each fetched as `I_COMMODITY=<prefix>*` at HS10.
    pub commodities: Vec<String>,
    /// Schedule C country codes (`5700` = China) to keep; empty: every country.
    pub countries: Vec<String>,
    /// `get=` variables of `imports/hs` (at most 50).
    pub import_variables: Vec<String>,
    /// `get=` variables of `exports/hs` (at most 50).
    pub export_variables: Vec<String>,
}

impl Default for CensusConfig {
    fn default() -> Self {
        CensusConfig {
            base_url: None,
            requests_per_minute: 30,
            since: YearMonth {
                year: 2025,
                month: 1,
            },
            flows: strings(&["imports", "exports"]),
            commodities: strings(&["850511", "2846", "280530", "253090"]),
            countries: Vec::new(),
            import_variables: strings(&[
                "I_COMMODITY",
                "CTY_CODE",
                "CTY_NAME",
                "GEN_VAL_MO",
                "CON_VAL_MO",
                "GEN_QY1_MO",
                "CON_QY1_MO",
                "UNIT_QY1",
                "GEN_CIF_MO",
            ]),
            export_variables: strings(&[
                "E_COMMODITY",
                "CTY_CODE",
                "CTY_NAME",
                "ALL_VAL_MO",
                "QTY_1_MO",
                "QTY_1_MO_FLAG",
                "UNIT_QY1",
            ]),
        }
    }
}

/// UN Comtrade `data/v1/get/C/M/HS` (with a key) or `public/v1/preview/C/M/HS` (without).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComtradeConfig {
    /// Base URL (default `https://comtradeapi.un.org`).
    pub base_url: Option<String>,
    /// Requests a minute at most.
    pub requests_per_minute: u32,
    /// First month fetched when `--since` is not given.
    pub since: YearMonth,
    /// Reporter, M49 (`156` = China).
    pub reporter: String,
    /// Flow codes (`X` exports, `M` imports, ...).
    pub flows: Vec<String>,
    /// HS codes (2, 4 or 6 digits, `TOTAL`, `AG2`..`AG6`).
    pub cmd_codes: Vec<String>,
    /// Partner codes (M49; `0` = World) to ask for one by one when a call is truncated;
    /// empty: all partners and World in one call.
    pub partners: Vec<String>,
    /// Calls a day (UTC) at most, counted in `fetch_log.csv` (500 on the free key).
    pub daily_call_budget: usize,
}

impl Default for ComtradeConfig {
    fn default() -> Self {
        ComtradeConfig {
            base_url: None,
            requests_per_minute: 10,
            since: YearMonth {
                year: 2025,
                month: 1,
            },
            reporter: "156".to_owned(),
            flows: strings(&["X", "M"]),
            cmd_codes: strings(&["850511", "2846", "280530", "253090"]),
            partners: Vec::new(),
            daily_call_budget: 500,
        }
    }
}

/// Eurostat Comext: SDMX 2.1 data queries on DS-045409 (and optional bulk files).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComextConfig {
    /// Base URL of the SDMX API (default
    /// `https://ec.europa.eu/eurostat/api/comext/dissemination`).
    pub base_url: Option<String>,
    /// Base URL of the bulk files (default `https://ec.europa.eu/eurostat/api/dissemination`).
    pub bulk_base_url: Option<String>,
    /// Requests a minute at most.
    pub requests_per_minute: u32,
    /// First month fetched when `--since` is not given.
    pub since: YearMonth,
    /// The dataset.
    pub dataset: String,
    /// Reporters (ISO alpha-2, or `EU27_2020`).
    pub reporters: Vec<String>,
    /// Partners (ISO alpha-2).
    pub partners: Vec<String>,
    /// CN8, CN6 or CN4 codes (each level answers its own aggregate: do not overlap).
    pub products: Vec<String>,
    /// `1` EU imports, `2` EU exports.
    pub flows: Vec<String>,
    /// `VALUE_IN_EUROS`, `QUANTITY_IN_100KG`, `SUPPLEMENTARY_QUANTITY`.
    pub indicators: Vec<String>,
    /// Also download the monthly bulk file `full_v2_YYYYMM.7z` (about 45 MB a month).
    pub bulk: bool,
}

impl Default for ComextConfig {
    fn default() -> Self {
        ComextConfig {
            base_url: None,
            bulk_base_url: None,
            requests_per_minute: 30,
            since: YearMonth {
                year: 2025,
                month: 1,
            },
            dataset: "DS-045409".to_owned(),
            reporters: strings(&[
                "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
                "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
            ]),
            partners: strings(&["CN"]),
            products: strings(&["85051110", "280530", "284610", "284690", "253090"]),
            flows: strings(&["1", "2"]),
            indicators: strings(&["VALUE_IN_EUROS", "QUANTITY_IN_100KG"]),
            bulk: false,
        }
    }
}

/// China Customs' English site: the monthly index pages (`statics/report/monthly.html`,
/// `monthly{YYYY}.html`) and the table pages they link.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CustomsConfig {
    /// Base URL of the site (default `http://english.customs.gov.cn`).
    pub base_url: Option<String>,
    /// Requests a minute at most.
    pub requests_per_minute: u32,
    /// First month fetched when `--since` is not given.
    pub since: YearMonth,
    /// Tables of the index to fetch, each matched by its row's name (letters and digits,
    /// lower case) containing it; each names exports or imports, once each.
    pub tables: Vec<String>,
}

impl Default for CustomsConfig {
    fn default() -> Self {
        CustomsConfig {
            base_url: None,
            requests_per_minute: 6,
            since: YearMonth {
                year: 2025,
                month: 1,
            },
            tables: strings(&["major export commodities"]),
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl FetchConfig {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<FetchConfig, FetchError> {
        let text = std::fs::read_to_string(path).map_err(|e| FetchError::Config {
            path: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and checks config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<FetchConfig, FetchError> {
        let config: FetchConfig = toml::from_str(text).map_err(|e| FetchError::Config {
            path: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        config.check().map_err(|message| FetchError::Config {
            path: origin.to_owned(),
            message,
        })?;
        Ok(config)
    }

    /// Points `source` at another server (a mirror, a proxy, a test server): what
    /// `--base-url census=http://127.0.0.1:8080` does, over the config file.
    pub fn set_base_url(&mut self, source: &str, url: &str) -> Result<(), FetchError> {
        let url = checked_url(url).map_err(FetchError::Usage)?;
        sources::find(source)?.set_base_url(self, url);
        Ok(())
    }

    /// Checks every section: names the key and the value at fault.
    pub(crate) fn check(&self) -> Result<(), String> {
        for source in sources::all() {
            source.check(self)?;
        }
        let h = &self.http;
        if h.timeout_secs == 0 || h.connect_timeout_secs == 0 || h.read_timeout_secs == 0 {
            return Err("http: timeouts must be at least 1 second".into());
        }
        for url in [
            &self.census.base_url,
            &self.comtrade.base_url,
            &self.comext.base_url,
            &self.comext.bulk_base_url,
            &self.customs.base_url,
        ]
        .into_iter()
        .flatten()
        {
            checked_url(url)?;
        }
        Ok(())
    }
}

/// Parses `--base-url SOURCE=URL` into the source's name and the URL.
pub fn parse_base_url_override(arg: &str) -> Result<(String, String), FetchError> {
    let (source, url) = arg.split_once('=').ok_or_else(|| {
        FetchError::Usage(format!(
            "--base-url {arg:?}: expected SOURCE=URL (census=http://127.0.0.1:8080)"
        ))
    })?;
    let name = sources::find(source.trim())?.name();
    let url = checked_url(url).map_err(FetchError::Usage)?;
    Ok((name.to_owned(), url))
}

/// An `http(s)://` URL without a trailing slash.
fn checked_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !url.contains(char::is_whitespace) => Ok(url.to_owned()),
        _ => Err(format!(
            "base URL {url:?}: expected http://HOST[:PORT][/PATH] or https://..."
        )),
    }
}

/// A non-empty list of items each passing `ok`, for error messages naming `key`.
pub(crate) fn check_list(
    key: &str,
    items: &[String],
    ok: impl Fn(&str) -> bool,
    expected: &str,
) -> Result<(), String> {
    if items.is_empty() {
        return Err(format!("{key}: empty; expected {expected}"));
    }
    match items.iter().find(|i| !ok(i)) {
        Some(bad) => Err(format!("{key}: {bad:?} is not {expected}")),
        None => Ok(()),
    }
}

/// Whether `s` is all ASCII digits, of a length in `lengths`.
pub(crate) fn digits(s: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_fetch_toml_is_the_default() {
        let text = include_str!("../../../fetch.toml");
        let config = FetchConfig::parse(text, "fetch.toml").unwrap();
        assert_eq!(config, FetchConfig::default());
        assert_eq!(config.comtrade.reporter, "156");
        assert!(config.census.commodities.contains(&"850511".to_owned()));
    }

    #[test]
    fn bad_values_are_named() {
        let err = FetchConfig::parse("[comtrade]\nflows = [\"Export\"]\n", "t").unwrap_err();
        assert!(err.to_string().contains("comtrade.flows"), "{err}");
        let err = FetchConfig::parse("[census]\nsince = \"2025-13\"\n", "t").unwrap_err();
        assert!(err.to_string().contains("not a month"), "{err}");
        let err = FetchConfig::parse("[census]\nbase = \"x\"\n", "t").unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        assert_eq!(err.exit_code(), crate::exit::USAGE);
        let many = (0..51)
            .map(|i| format!("\"V{i}\""))
            .collect::<Vec<_>>()
            .join(",");
        let text = format!("[census]\nimport_variables = [\"I_COMMODITY\",{many}]\n");
        let err = FetchConfig::parse(&text, "t").unwrap_err();
        assert!(err.to_string().contains("at most 50"), "{err}");
    }

    #[test]
    fn base_url_overrides() {
        let (name, url) = parse_base_url_override("census=http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            (name.as_str(), url.as_str()),
            ("census", "http://127.0.0.1:8080")
        );
        let (name, _) = parse_base_url_override("eurostat=http://h").unwrap();
        assert_eq!(name, "comext");
        assert!(parse_base_url_override("census").is_err());
        assert!(parse_base_url_override("nope=http://h").is_err());
        assert!(parse_base_url_override("census=ftp://h").is_err());
        let mut config = FetchConfig::default();
        config.set_base_url("comext", "http://127.0.0.1:9").unwrap();
        assert_eq!(
            config.comext.base_url.as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(
            config.comext.bulk_base_url.as_deref(),
            Some("http://127.0.0.1:9")
        );
    }
}
