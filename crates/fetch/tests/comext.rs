//! Eurostat Comext against a loopback server that answers as the Comext host does.

mod common;

use common::*;
use rareflow_fetch::{FetchConfig, exit, fetch};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY_2: &str =
    "/sdmx/2.1/data/DS-045409/M.DE+FR.CN.85051110+280530.1.VALUE_IN_EUROS+QUANTITY_IN_100KG";
const FILE_Q1: &str = "comext-sdmx/2025/ds-045409_202501-202503.csv";

fn small(server: &MockServer) -> FetchConfig {
    let mut c = config(&server.uri());
    c.comext.reporters = vec!["DE".into(), "FR".into()];
    c.comext.products = vec!["85051110".into(), "280530".into()];
    c.comext.flows = vec!["1".into()];
    c
}

#[tokio::test]
async fn sdmx_csv_in_codes_is_kept_and_asked_again_with_its_etag() {
    let server = MockServer::start().await;
    let body = data("sdmx_codes.csv");
    Mock::given(method("GET"))
        .and(path(KEY_2))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", "\"v1\""))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(KEY_2))
        .and(query_param("startPeriod", "2025-01"))
        .and(query_param("endPeriod", "2025-03"))
        .and(query_param("format", "SDMX-CSV"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .insert_header("content-type", "application/vnd.sdmx.data+csv")
                .set_body_bytes(body.clone()),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let config = small(&server);
    let options = options(raw.path(), "eurostat", "2025-01", "2025-03");

    let summary = fetch(&config, &options).await.unwrap();
    let comext = summary.source("comext").unwrap();
    assert_eq!(comext.fetched, [FILE_Q1], "{summary}");
    assert_eq!(summary.exit_code(), exit::OK);
    assert_eq!(visible(raw.path()), [FILE_Q1]);
    assert_eq!(
        std::fs::read(raw.path().join(FILE_Q1)).unwrap(),
        body,
        "CRLF and trailing commas kept"
    );
    let row = &log(raw.path())[0];
    assert_eq!(row.source, "comext");
    assert_eq!(row.etag, "\"v1\"");
    assert_eq!(row.periods, "2025-01..2025-03");
    assert_eq!(row.note, "LAST UPDATE=15/09/26 11:00; 4 observations");
    assert_eq!(row.sha256, sha256(&body));

    // Again: If-None-Match, 304, nothing written.
    let again = fetch(&config, &options).await.unwrap();
    let comext = again.source("comext").unwrap();
    assert!(comext.fetched.is_empty());
    assert_eq!(comext.unchanged, 1, "{again}");
    assert_eq!(visible(raw.path()), [FILE_Q1]);
    let rows = log(raw.path());
    assert_eq!(rows[1].http_status, Some(304));
    assert_eq!(rows[1].path, FILE_Q1);
    assert_eq!(rows[1].note, "unchanged (304 Not Modified)");
}

#[tokio::test]
async fn sdmx_csv_in_labels_is_kept_as_sent() {
    let server = MockServer::start().await;
    let body = data("sdmx_labels.csv");
    Mock::given(method("GET"))
        .and(path(KEY_2))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body.clone()))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let config = small(&server);
    let options = options(raw.path(), "comext", "2025-01", "2025-03");
    let summary = fetch(&config, &options).await.unwrap();
    assert_eq!(
        summary.source("comext").unwrap().fetched,
        [FILE_Q1],
        "{summary}"
    );
    assert_eq!(std::fs::read(raw.path().join(FILE_Q1)).unwrap(), body);
    assert_eq!(
        log(raw.path())[0].note,
        "LAST UPDATE=15/09/26 11:00; 2 observations"
    );
    assert_eq!(log(raw.path())[0].periods, "2025-01");
    // No ETag: asked again, the same bytes write nothing.
    let again = fetch(&config, &options).await.unwrap();
    assert_eq!(again.source("comext").unwrap().unchanged, 1);
    assert_eq!(visible(raw.path()), [FILE_Q1]);
    assert!(log(raw.path())[1].note.contains("unchanged: same bytes"));
}

#[tokio::test]
async fn sdmx_413_splits_the_key_and_is_not_asked_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(KEY_2))
        .respond_with(
            ResponseTemplate::new(413)
                .set_body_string("EXTRACTION_TOO_BIG: extraction too big, please filter"),
        )
        .mount(&server)
        .await;
    let half = |product: &str| {
        format!("/sdmx/2.1/data/DS-045409/M.DE+FR.CN.{product}.1.VALUE_IN_EUROS+QUANTITY_IN_100KG")
    };
    let body = data("sdmx_codes.csv");
    Mock::given(method("GET"))
        .and(path(half("85051110")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body.clone()))
        .mount(&server)
        .await;
    let body_2 = String::from_utf8(body.clone())
        .unwrap()
        .replace("85051110", "280530");
    Mock::given(method("GET"))
        .and(path(half("280530")))
        .respond_with(ResponseTemplate::new(200).set_body_string(body_2))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let config = small(&server);
    let options = options(raw.path(), "comext", "2025-01", "2025-03");
    let summary = fetch(&config, &options).await.unwrap();
    let comext = summary.source("comext").unwrap();
    assert_eq!(
        comext.fetched,
        [
            "comext-sdmx/2025/ds-045409_202501-202503_part1.csv",
            "comext-sdmx/2025/ds-045409_202501-202503_part2.csv"
        ],
        "{summary}"
    );
    assert_eq!(comext.notes, ["2025-01..2025-03: 413, split by product"]);
    assert_eq!(summary.exit_code(), exit::OK);
    let rows = log(raw.path());
    assert_eq!(
        (rows[0].http_status, rows[0].note.as_str()),
        (Some(413), "too big (413): split by product")
    );

    let again = fetch(&config, &options).await.unwrap();
    assert_eq!(again.source("comext").unwrap().unchanged, 2, "{again}");
    let whole = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == KEY_2)
        .count();
    assert_eq!(whole, 1, "the 413 is remembered, the halves are asked");
    assert_eq!(visible(raw.path()).len(), 2);
}

#[tokio::test]
async fn bulk_file_follows_the_302_and_is_checked_for_7z() {
    let server = MockServer::start().await;
    // No SDMX observations yet: a header alone.
    Mock::given(method("GET"))
        .and(path(KEY_2))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\r\n",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files"))
        .and(query_param(
            "file",
            "comext/COMEXT_DATA/PRODUCTS/full_v2_202511.7z",
        ))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/bulk/full_v2_202511.7z", server.uri()).as_str(),
        ))
        .mount(&server)
        .await;
    let archive: Vec<u8> = [&b"7z\xbc\xaf\x27\x1c\x00\x04"[..], &[7u8; 4000]].concat();
    Mock::given(method("GET"))
        .and(path("/bulk/full_v2_202511.7z"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(archive.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files"))
        .and(query_param(
            "file",
            "comext/COMEXT_DATA/PRODUCTS/full_v2_202512.7z",
        ))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/bulk/not-an-archive", server.uri()).as_str(),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/bulk/not-an-archive"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let mut config = small(&server);
    config.comext.bulk = true;
    let options = options(raw.path(), "comext", "2025-11", "2025-12");
    let summary = fetch(&config, &options).await.unwrap();
    let comext = summary.source("comext").unwrap();
    assert_eq!(
        comext.fetched,
        ["comext/2025/full_v2_202511.7z"],
        "{summary}"
    );
    assert_eq!(comext.not_released, ["2025-11..2025-12"]);
    assert_eq!(comext.failed.len(), 1);
    assert!(
        comext.failed[0].contains("not a 7z archive"),
        "{}",
        comext.failed[0]
    );
    assert_eq!(summary.exit_code(), exit::PARTIAL);
    assert_eq!(
        std::fs::read(raw.path().join("comext/2025/full_v2_202511.7z")).unwrap(),
        archive
    );
    assert_eq!(visible(raw.path()), ["comext/2025/full_v2_202511.7z"]);
    assert!(hidden(raw.path()).is_empty(), "the rejected body is gone");
    let rows = log(raw.path());
    let bulk = rows
        .iter()
        .find(|r| r.path == "comext/2025/full_v2_202511.7z")
        .unwrap();
    assert!(
        bulk.url
            .ends_with("/files?file=comext%2FCOMEXT_DATA%2FPRODUCTS%2Ffull_v2_202511.7z")
    );
    assert_eq!((bulk.http_status, bulk.bytes), (Some(200), Some(4008)));
}
