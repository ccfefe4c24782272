//! Helpers of the fetch tests: a config pointed at loopback servers with short timeouts
//! and fast retries, options, and what `run` would see in the raw folder.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use rareflow_fetch::{FetchConfig, FetchOptions, Keys, LogRow, YearMonth, read_fetch_log};
use sha2::{Digest, Sha256};

/// Test data (recorded shapes: see data/README.md).
pub fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

/// The default config, every source at `base`, fast: 1 s timeouts, 2 retries, 10 ms backoff.
pub fn config(base: &str) -> FetchConfig {
    let mut c = FetchConfig::default();
    for source in ["census", "comtrade", "comext", "customs"] {
        c.set_base_url(source, base).unwrap();
    }
    c.http.timeout_secs = 2;
    c.http.read_timeout_secs = 2;
    c.http.connect_timeout_secs = 2;
    c.http.retries = 2;
    c.http.min_backoff_ms = 10;
    c.http.max_backoff_secs = 1;
    c.http.max_retry_after_secs = 5;
    c.census.requests_per_minute = 60_000;
    c.comtrade.requests_per_minute = 60_000;
    c.comext.requests_per_minute = 60_000;
    c.customs.requests_per_minute = 60_000;
    c.census.flows = vec!["imports".into()];
    c.census.commodities = vec!["850511".into()];
    c
}

pub fn month(s: &str) -> YearMonth {
    s.parse().unwrap()
}

/// Options for one source over `since..=until`, with both keys set.
pub fn options(raw: &Path, source: &str, since: &str, until: &str) -> FetchOptions {
    FetchOptions {
        raw: raw.to_owned(),
        sources: vec![source.to_owned()],
        since: Some(month(since)),
        until: Some(month(until)),
        dry_run: false,
        keys: Keys {
            census: Some("censuskey123".into()),
            comtrade: Some("comtradekey456".into()),
        },
    }
}

/// Files `run`'s discovery sees: every file under `raw` with no component starting with
/// `.`, relative and `/`-separated, sorted; `fetch_log.csv` left out.
pub fn visible(raw: &Path) -> Vec<String> {
    all_files(raw)
        .into_iter()
        .filter(|p| !p.split('/').any(|c| c.starts_with('.')) && p != "fetch_log.csv")
        .collect()
}

/// Hidden files (temporary files of a download).
pub fn hidden(raw: &Path) -> Vec<String> {
    all_files(raw)
        .into_iter()
        .filter(|p| p.split('/').any(|c| c.starts_with('.')))
        .collect()
}

fn all_files(raw: &Path) -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p: PathBuf = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                let rel = p.strip_prefix(base).unwrap();
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(raw, raw, &mut out);
    out.sort();
    out
}

pub fn log(raw: &Path) -> Vec<LogRow> {
    read_fetch_log(raw).unwrap()
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The raw log text: no key may appear in it.
pub fn log_text(raw: &Path) -> String {
    std::fs::read_to_string(raw.join("fetch_log.csv")).unwrap_or_default()
}
