//! The public entry points without a server: a dry run, the blocking call, overrides.

mod common;

use common::*;
use rareflow_fetch::{FetchConfig, exit, fetch_blocking, parse_base_url_override};

#[test]
fn a_dry_run_plans_every_source_sends_nothing_and_writes_nothing() {
    let raw = tempfile::tempdir().unwrap();
    // Nothing listens there: a request would fail.
    let mut config = config("http://127.0.0.1:9");
    config.comtrade.cmd_codes = vec!["850511".into()];
    config.comext.bulk = true;
    let mut options = options(raw.path(), "census", "2025-11", "2025-12");
    options.sources.clear();
    options.dry_run = true;
    let summary = fetch_blocking(&config, &options).unwrap();
    assert!(summary.dry_run);
    assert_eq!(summary.exit_code(), exit::OK, "{summary}");
    let planned = |s: &str| summary.source(s).unwrap().planned.clone();
    assert_eq!(planned("census").len(), 2);
    assert_eq!(
        planned("comtrade"),
        [
            "GET http://127.0.0.1:9/data/v1/get/C/M/HS?reporterCode=156&period=202511&cmdCode=850511&flowCode=X,M&partner2Code=0&customsCode=C00&motCode=0&includeDesc=true -> comtrade/v1/comtrade_v1_M_156_202511_HS.json",
            "GET http://127.0.0.1:9/data/v1/get/C/M/HS?reporterCode=156&period=202512&cmdCode=850511&flowCode=X,M&partner2Code=0&customsCode=C00&motCode=0&includeDesc=true -> comtrade/v1/comtrade_v1_M_156_202512_HS.json",
        ]
    );
    let comext = planned("comext");
    assert_eq!(
        comext.len(),
        3,
        "one SDMX query for 2025 and two bulk files: {comext:?}"
    );
    assert!(comext[0].ends_with("?startPeriod=2025-11&endPeriod=2025-12&format=SDMX-CSV -> comext-sdmx/2025/ds-045409_202511-202512.csv"));
    assert!(comext[2].ends_with("full_v2_202512.7z -> comext/2025/full_v2_202512.7z"));
    // China Customs: the year's index (an archive: 2025 is past); its pages are found in it.
    assert_eq!(
        planned("customs"),
        ["GET http://127.0.0.1:9/statics/report/monthly2025.html"]
    );
    assert!(
        summary
            .to_string()
            .contains("census: 2 requests planned (dry run)")
    );
    assert!(visible(raw.path()).is_empty());
    assert!(log(raw.path()).is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let raw = tempfile::tempdir().unwrap();
    let config = FetchConfig::default();
    let mut options = options(raw.path(), "gacc", "2025-11", "2025-11");
    let err = fetch_blocking(&config, &options).unwrap_err();
    assert_eq!(err.exit_code(), exit::USAGE);
    assert!(
        err.to_string()
            .contains("unknown source \"gacc\": the sources are census, comtrade, comext, customs")
    );
    options.sources = vec!["census".into()];
    options.since = Some(month("2025-12"));
    let err = fetch_blocking(&config, &options).unwrap_err();
    assert_eq!(
        (err.exit_code(), err.to_string()),
        (
            exit::USAGE,
            "--since 2025-12 is after --until 2025-11".to_owned()
        )
    );
    let err = parse_base_url_override("census:http://x").unwrap_err();
    assert_eq!(err.exit_code(), exit::USAGE);
}

#[test]
fn the_repository_config_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fetch.toml");
    let mut config = FetchConfig::load(&path).unwrap();
    assert_eq!(
        config.census.commodities,
        ["850511", "2846", "280530", "253090"]
    );
    assert_eq!(config.comtrade.flows, ["X", "M"]);
    assert_eq!(config.comext.partners, ["CN"]);
    let (name, url) = parse_base_url_override("census=http://127.0.0.1:8080").unwrap();
    config.set_base_url(&name, &url).unwrap();
    assert_eq!(
        config.census.base_url.as_deref(),
        Some("http://127.0.0.1:8080")
    );
}
