//! UN Comtrade against a loopback server that answers as the API does.

mod common;

use std::time::{Duration, Instant};

use common::*;
use rareflow_fetch::{FetchConfig, exit, fetch};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DATA: &str = "/data/v1/get/C/M/HS";
const PREVIEW: &str = "/public/v1/preview/C/M/HS";
const FILE_1125: &str = "comtrade/v1/comtrade_v1_M_156_202511_HS.json";

/// `getDa`: the months released, with their `lastReleased`.
async fn released(server: &MockServer, months: &[(&str, &str)]) {
    let data: Vec<String> = months
        .iter()
        .map(|(p, at)| {
            format!(
                r#"{{"reporterCode":156,"period":"{p}","lastReleased":"{at}","totalRecords":3}}"#
            )
        })
        .collect();
    Mock::given(method("GET"))
        .and(path("/public/v1/getDa/C/M/HS"))
        .and(query_param("reporterCode", "156"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"count":{},"data":[{}],"error":""}}"#,
            months.len(),
            data.join(",")
        )))
        .mount(server)
        .await;
}

fn records(n: usize) -> String {
    let one = r#"{"period":"202511","reporterCode":156,"cmdCode":"850511","primaryValue":1.0}"#;
    format!(
        r#"{{"count":{n},"data":[{}],"error":""}}"#,
        vec![one; n].join(",")
    )
}

fn data_requests(requests: &[wiremock::Request], p: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.url.path() == p)
        .map(|r| r.url.query().unwrap_or("").to_owned())
        .collect()
}

fn one_cmd(server: &MockServer) -> FetchConfig {
    let mut c = config(&server.uri());
    c.comtrade.cmd_codes = vec!["850511".into()];
    c
}

#[tokio::test]
async fn comtrade_200_is_kept_and_asked_again_only_when_getda_says_it_changed() {
    let server = MockServer::start().await;
    released(&server, &[("202511", "2026-01-10T00:00:00")]).await;
    let body = data("comtrade_v1_2025_3records.json");
    Mock::given(method("GET"))
        .and(path(DATA))
        .and(header("ocp-apim-subscription-key", "comtradekey456"))
        .and(query_param("reporterCode", "156"))
        .and(query_param("period", "202511"))
        .and(query_param("cmdCode", "850511,2846,280530,253090"))
        .and(query_param("flowCode", "X,M"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body.clone()))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let config = config(&server.uri());
    let options = options(raw.path(), "comtrade", "2025-11", "2025-12");

    let summary = fetch(&config, &options).await.unwrap();
    let comtrade = summary.source("comtrade").unwrap();
    assert_eq!(comtrade.fetched, [FILE_1125], "{summary}");
    assert_eq!(comtrade.not_released, ["2025-12"], "absent from getDa");
    assert!(comtrade.notes.is_empty(), "a key: no preview note");
    assert_eq!(summary.exit_code(), exit::OK);
    assert_eq!(visible(raw.path()), [FILE_1125]);
    assert_eq!(std::fs::read(raw.path().join(FILE_1125)).unwrap(), body);
    let rows = log(raw.path());
    assert_eq!(rows.len(), 2, "getDa and the data call");
    assert!(
        rows[0]
            .url
            .contains("/public/v1/getDa/C/M/HS?reporterCode=156&period=202511,202512")
    );
    assert_eq!(rows[0].note, "availability: 1 of 2 months released");
    assert_eq!(rows[1].path, FILE_1125);
    assert_eq!(rows[1].sha256, sha256(&body));
    assert_eq!(rows[1].note, "lastReleased=2026-01-10T00:00:00; 3 records");
    assert!(
        !log_text(raw.path()).contains("comtradekey456"),
        "the key is in a header, never in a URL"
    );

    // The same lastReleased: no data call at all.
    let again = fetch(&config, &options).await.unwrap();
    let comtrade = again.source("comtrade").unwrap();
    assert!(comtrade.fetched.is_empty());
    assert_eq!((comtrade.unchanged, comtrade.calls), (1, 1), "{again}");
    assert_eq!(
        data_requests(&server.received_requests().await.unwrap(), DATA).len(),
        1
    );

    // A new lastReleased with other figures: a new release next to the old.
    server.reset().await;
    released(&server, &[("202511", "2026-02-10T00:00:00")]).await;
    let revised = String::from_utf8(body.clone())
        .unwrap()
        .replace("60949177.16", "60949999.99");
    Mock::given(method("GET"))
        .and(path(DATA))
        .respond_with(ResponseTemplate::new(200).set_body_string(revised))
        .mount(&server)
        .await;
    let third = fetch(&config, &options).await.unwrap();
    assert_eq!(
        third.source("comtrade").unwrap().fetched,
        ["comtrade/v1/comtrade_v1_M_156_202511_HS_rev1.json"]
    );
    assert_eq!(std::fs::read(raw.path().join(FILE_1125)).unwrap(), body);
}

#[tokio::test]
async fn comtrade_zero_records_for_a_well_formed_call_are_reported() {
    let server = MockServer::start().await;
    released(&server, &[("202511", "2026-01-10T00:00:00")]).await;
    Mock::given(method("GET"))
        .and(path(DATA))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"count":0,"data":[],"error":""}"#),
        )
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let config = one_cmd(&server);
    let options = options(raw.path(), "comtrade", "2025-11", "2025-11");
    let summary = fetch(&config, &options).await.unwrap();
    let comtrade = summary.source("comtrade").unwrap();
    assert_eq!(comtrade.empty.len(), 1, "{summary}");
    assert!(comtrade.empty[0].starts_with("2025-11 ("));
    assert!(summary.to_string().contains("zero records: 2025-11"));
    assert!(comtrade.fetched.is_empty() && comtrade.failed.is_empty());
    assert_eq!(summary.exit_code(), exit::OK);
    assert!(visible(raw.path()).is_empty());
    assert_eq!(
        log(raw.path())[1].note,
        "lastReleased=2026-01-10T00:00:00; zero records: nothing written"
    );
    let again = fetch(&config, &options).await.unwrap();
    assert_eq!(again.source("comtrade").unwrap().unchanged, 1);
    assert_eq!(
        data_requests(&server.received_requests().await.unwrap(), DATA).len(),
        1
    );
}

#[tokio::test]
async fn comtrade_malformed_parameters_are_refused_before_sending() {
    let server = MockServer::start().await;
    let raw = tempfile::tempdir().unwrap();
    let options = options(raw.path(), "comtrade", "2025-11", "2025-11");
    for (flows, cmds, named) in [
        (vec!["Export"], vec!["850511"], "comtrade.flows: \"Export\""),
        (vec!["X"], vec!["85051"], "comtrade.cmd_codes: \"85051\""),
    ] {
        let mut config = config(&server.uri());
        config.comtrade.flows = flows.into_iter().map(String::from).collect();
        config.comtrade.cmd_codes = cmds.into_iter().map(String::from).collect();
        let err = fetch(&config, &options).await.unwrap_err();
        assert!(err.to_string().contains(named), "{err}");
        assert_eq!(err.exit_code(), exit::USAGE);
    }
    let mut config = config(&server.uri());
    config.comtrade.reporter = "CHN".into();
    assert!(
        fetch(&config, &options)
            .await
            .unwrap_err()
            .to_string()
            .contains("comtrade.reporter")
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing sent"
    );
    assert!(visible(raw.path()).is_empty());
}

#[tokio::test]
async fn comtrade_500_records_on_the_preview_is_truncated_and_split_by_commodity() {
    let server = MockServer::start().await;
    released(&server, &[("202511", "2026-01-10T00:00:00")]).await;
    let mount = |cmd: &'static str, n: usize| {
        Mock::given(method("GET"))
            .and(path(PREVIEW))
            .and(query_param("cmdCode", cmd))
            .respond_with(ResponseTemplate::new(200).set_body_string(records(n)))
    };
    mount("850511,2846", 500).mount(&server).await;
    mount("850511", 3).mount(&server).await;
    mount("2846", 2).mount(&server).await;
    let raw = tempfile::tempdir().unwrap();
    let mut config = config(&server.uri());
    config.comtrade.cmd_codes = vec!["850511".into(), "2846".into()];
    let mut options = options(raw.path(), "comtrade", "2025-11", "2025-11");
    options.keys.comtrade = None;

    let summary = fetch(&config, &options).await.unwrap();
    let comtrade = summary.source("comtrade").unwrap();
    assert_eq!(
        comtrade.fetched,
        [
            "comtrade/v1/comtrade_v1_M_156_202511_HS_c850511.json",
            "comtrade/v1/comtrade_v1_M_156_202511_HS_c2846.json"
        ],
        "{summary}"
    );
    assert!(comtrade.notes[0].contains(
        "COMTRADE_API_KEY is not set: the public preview endpoint answers, 500 records a call"
    ));
    assert!(comtrade.notes[1].contains("500 records (truncated), split by commodity"));
    assert_eq!(summary.exit_code(), exit::OK);
    let files = visible(raw.path());
    assert_eq!(
        files.len(),
        2,
        "the truncated answer is not kept: {files:?}"
    );
    assert_eq!(
        std::fs::read_to_string(
            raw.path()
                .join("comtrade/v1/comtrade_v1_M_156_202511_HS_c2846.json")
        )
        .unwrap(),
        records(2)
    );
    let rows = log(raw.path());
    assert_eq!(rows.len(), 4);
    assert!(rows[1].url.contains(PREVIEW));
    assert_eq!(rows[1].path, "");
    assert_eq!(
        rows[1].note,
        "lastReleased=2026-01-10T00:00:00; truncated: 500 records, the limit of a call; split by commodity"
    );
    assert_eq!(rows[2].note, "lastReleased=2026-01-10T00:00:00; 3 records");

    // Again: neither the truncated call nor its parts are sent.
    let again = fetch(&config, &options).await.unwrap();
    assert_eq!(again.source("comtrade").unwrap().unchanged, 2);
    assert_eq!(
        data_requests(&server.received_requests().await.unwrap(), PREVIEW).len(),
        3
    );
    assert_eq!(visible(raw.path()).len(), 2);
}

#[tokio::test]
async fn comtrade_100000_records_with_a_key_is_truncated_and_split_by_flow() {
    let server = MockServer::start().await;
    released(&server, &[("202511", "2026-01-10T00:00:00")]).await;
    let mount = |flow: &'static str, n: usize| {
        Mock::given(method("GET"))
            .and(path(DATA))
            .and(query_param("flowCode", flow))
            .respond_with(ResponseTemplate::new(200).set_body_string(records(n)))
    };
    mount("X,M", 100_000).mount(&server).await;
    mount("X", 40).mount(&server).await;
    mount("M", 0).mount(&server).await;
    let raw = tempfile::tempdir().unwrap();
    let summary = fetch(
        &one_cmd(&server),
        &options(raw.path(), "comtrade", "2025-11", "2025-11"),
    )
    .await
    .unwrap();
    let comtrade = summary.source("comtrade").unwrap();
    assert_eq!(
        comtrade.fetched,
        ["comtrade/v1/comtrade_v1_M_156_202511_HS_X.json"],
        "{summary}"
    );
    assert_eq!(comtrade.empty.len(), 1, "imports: zero records, said");
    assert!(comtrade.notes[0].contains("100000 records (truncated), split by flow"));
    let rows = log(raw.path());
    assert!(rows[1].note.contains("truncated: 100000 records"));
    assert_eq!(visible(raw.path()).len(), 1);
    assert!(hidden(raw.path()).is_empty());
}

#[tokio::test]
async fn comtrade_truncated_with_nothing_left_to_split_fails_and_says_what_to_do() {
    let server = MockServer::start().await;
    released(&server, &[("202511", "2026-01-10T00:00:00")]).await;
    Mock::given(method("GET"))
        .and(path(PREVIEW))
        .respond_with(ResponseTemplate::new(200).set_body_string(records(500)))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let mut config = one_cmd(&server);
    config.comtrade.flows = vec!["X".into()];
    let mut options = options(raw.path(), "comtrade", "2025-11", "2025-11");
    options.keys.comtrade = None;
    let summary = fetch(&config, &options).await.unwrap();
    let failed = &summary.source("comtrade").unwrap().failed;
    assert!(
        failed[0].contains("list partners in comtrade.partners or set COMTRADE_API_KEY"),
        "{failed:?}"
    );
    assert!(visible(raw.path()).is_empty());
}

#[tokio::test]
async fn comtrade_429_is_retried_after_retry_after() {
    let server = MockServer::start().await;
    released(&server, &[("202511", "2026-01-10T00:00:00")]).await;
    Mock::given(method("GET"))
        .and(path(DATA))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_string(r#"{"statusCode":429,"message":"Rate limit is exceeded. Try again in 1 seconds."}"#),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DATA))
        .respond_with(ResponseTemplate::new(200).set_body_string(records(3)))
        .with_priority(2)
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let summary = fetch(
        &one_cmd(&server),
        &options(raw.path(), "comtrade", "2025-11", "2025-11"),
    )
    .await
    .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After, not the 10 ms backoff"
    );
    assert_eq!(
        summary.source("comtrade").unwrap().fetched,
        [FILE_1125],
        "{summary}"
    );
    assert_eq!(
        data_requests(&server.received_requests().await.unwrap(), DATA).len(),
        2
    );
    let rows = log(raw.path());
    assert_eq!(rows.len(), 2, "one row for the call that was answered");
    assert_eq!(rows[1].http_status, Some(200));
}

#[tokio::test]
async fn comtrade_403_out_of_quota_stops_for_today() {
    let server = MockServer::start().await;
    released(
        &server,
        &[
            ("202510", "2025-12-10T00:00:00"),
            ("202511", "2026-01-10T00:00:00"),
        ],
    )
    .await;
    Mock::given(method("GET"))
        .and(path(DATA))
        .respond_with(ResponseTemplate::new(403).set_body_string(
            r#"{"statusCode":403,"message":"Out of call volume quota. Quota will be replenished in 11:59:59."}"#,
        ))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let summary = fetch(
        &one_cmd(&server),
        &options(raw.path(), "comtrade", "2025-10", "2025-11"),
    )
    .await
    .unwrap();
    let failed = &summary.source("comtrade").unwrap().failed;
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].contains("call quota used up, stopped for today: Out of call volume quota"),
        "{failed:?}"
    );
    assert_eq!(summary.exit_code(), exit::FAILED);
    assert_eq!(
        data_requests(&server.received_requests().await.unwrap(), DATA).len(),
        1,
        "not retried, November not asked"
    );
    assert!(visible(raw.path()).is_empty() && hidden(raw.path()).is_empty());
    assert_eq!(log(raw.path())[1].http_status, Some(403));
}

#[tokio::test]
async fn comtrade_401_is_the_key_refused() {
    let server = MockServer::start().await;
    released(&server, &[("202511", "2026-01-10T00:00:00")]).await;
    Mock::given(method("GET"))
        .and(path(DATA))
        .respond_with(ResponseTemplate::new(401).set_body_string(
            r#"{"statusCode":401,"message":"Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}"#,
        ))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let summary = fetch(
        &one_cmd(&server),
        &options(raw.path(), "comtrade", "2025-11", "2025-11"),
    )
    .await
    .unwrap();
    let failed = &summary.source("comtrade").unwrap().failed;
    assert!(
        failed[0].contains("the API key in COMTRADE_API_KEY was refused: 401"),
        "{failed:?}"
    );
    assert!(failed[0].contains("invalid subscription key"));
    assert_eq!(summary.exit_code(), exit::FAILED);
    assert!(visible(raw.path()).is_empty());
}

#[tokio::test]
async fn comtrade_daily_budget_is_counted_from_fetch_log() {
    let server = MockServer::start().await;
    released(
        &server,
        &[("202509", "a"), ("202510", "b"), ("202511", "c")],
    )
    .await;
    Mock::given(method("GET"))
        .and(path(DATA))
        .respond_with(ResponseTemplate::new(200).set_body_string(records(3)))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let mut config = one_cmd(&server);
    config.comtrade.daily_call_budget = 3;
    let options = options(raw.path(), "comtrade", "2025-09", "2025-11");
    let summary = fetch(&config, &options).await.unwrap();
    let comtrade = summary.source("comtrade").unwrap();
    assert_eq!(comtrade.fetched.len(), 2, "getDa and two months: 3 calls");
    assert!(
        comtrade.failed[0]
            .contains("daily call budget reached: 3 calls today (UTC) in fetch_log.csv, budget 3")
    );
    assert_eq!(summary.exit_code(), exit::PARTIAL);
    // The budget is read back from the log: the next fetch today stops at once.
    let again = fetch(&config, &options).await.unwrap();
    assert!(
        again.source("comtrade").unwrap().failed[0].contains("3 calls today"),
        "{again}"
    );
    assert_eq!(
        data_requests(&server.received_requests().await.unwrap(), DATA).len(),
        2
    );
}
