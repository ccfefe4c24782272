//! US Census against a loopback server that answers as the API does.

mod common;

use common::*;
use rareflow_fetch::{exit, fetch};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FILE_1125: &str = "census/imports/2025/census_imports_hs10_202511_850511.json";

fn census_body(month: &str) -> Vec<u8> {
    String::from_utf8(data("census_imports_202511_850511.json"))
        .unwrap()
        .replace("2025-11", month)
        .into_bytes()
}

async fn mount_month(server: &MockServer, month: &str, template: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/imports/hs"))
        .and(query_param("time", month))
        .respond_with(template)
        .mount(server)
        .await;
}

fn asked_months(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "time")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

#[tokio::test]
async fn census_200_array_of_arrays_is_kept_as_sent_and_a_second_fetch_writes_nothing() {
    let server = MockServer::start().await;
    for m in ["2025-09", "2025-10", "2025-11"] {
        mount_month(
            &server,
            m,
            ResponseTemplate::new(200).set_body_bytes(census_body(m)),
        )
        .await;
    }
    let raw = tempfile::tempdir().unwrap();
    let config = config(&server.uri());
    let options = options(raw.path(), "census", "2025-09", "2025-11");

    let summary = fetch(&config, &options).await.unwrap();
    let census = summary.source("census").unwrap();
    assert_eq!(census.fetched.len(), 3, "{summary}");
    assert_eq!(summary.exit_code(), exit::OK);
    assert_eq!(
        visible(raw.path()),
        [
            "census/imports/2025/census_imports_hs10_202509_850511.json",
            "census/imports/2025/census_imports_hs10_202510_850511.json",
            FILE_1125,
        ]
    );
    let bytes = std::fs::read(raw.path().join(FILE_1125)).unwrap();
    assert_eq!(bytes, census_body("2025-11"), "the bytes the server sent");

    // What was asked: the API's parameters, the key in `key=`.
    let requests = server.received_requests().await.unwrap();
    let q = requests[2].url.query().unwrap().to_owned();
    for part in [
        "get=I_COMMODITY,CTY_CODE,CTY_NAME,GEN_VAL_MO",
        "I_COMMODITY=850511*",
        "COMM_LVL=HS10",
        "SUMMARY_LVL=DET",
        "time=2025-11",
        "key=censuskey123",
    ] {
        assert!(q.contains(part), "{part} in {q}");
    }

    // Provenance, key redacted.
    let rows = log(raw.path());
    assert_eq!(rows.len(), 3);
    let row = &rows[2];
    assert_eq!(row.path, FILE_1125);
    assert_eq!(row.source, "census");
    assert!(
        row.url.ends_with("&time=2025-11&key=REDACTED"),
        "{}",
        row.url
    );
    assert_eq!(row.http_status, Some(200));
    assert_eq!(row.bytes, Some(bytes.len() as u64));
    assert_eq!(row.sha256, sha256(&bytes));
    assert_eq!(row.periods, "2025-11");
    assert_eq!(row.note, "7 rows");
    assert!(row.requested_at.ends_with('Z') && row.requested_at.len() == 20);
    assert!(!log_text(raw.path()).contains("censuskey123"));

    // Again: only the two latest months are asked (revisions), the same bytes write nothing.
    let again = fetch(&config, &options).await.unwrap();
    let census = again.source("census").unwrap();
    assert!(census.fetched.is_empty(), "{again}");
    assert_eq!(census.unchanged, 3);
    assert_eq!(census.calls, 2);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(asked_months(&requests[3..]), ["2025-10", "2025-11"]);
    assert_eq!(visible(raw.path()).len(), 3);
    let rows = log(raw.path());
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4].path, FILE_1125);
    assert!(
        rows[4].note.contains("unchanged: same bytes"),
        "{}",
        rows[4].note
    );

    // A revision of November: a new release next to the old, never over it.
    server.reset().await;
    for m in ["2025-10", "2025-11"] {
        let mut body = census_body(m);
        if m == "2025-11" {
            body = String::from_utf8(body)
                .unwrap()
                .replace("19707486", "19707999")
                .into_bytes();
        }
        mount_month(&server, m, ResponseTemplate::new(200).set_body_bytes(body)).await;
    }
    let revised = fetch(&config, &options).await.unwrap();
    assert_eq!(
        revised.source("census").unwrap().fetched,
        ["census/imports/2025/census_imports_hs10_202511_850511_rev1.json"]
    );
    assert_eq!(std::fs::read(raw.path().join(FILE_1125)).unwrap(), bytes);
    assert!(hidden(raw.path()).is_empty());
}

#[tokio::test]
async fn census_204_is_not_released_yet_and_asked_again_next_time() {
    let server = MockServer::start().await;
    mount_month(
        &server,
        "2025-11",
        ResponseTemplate::new(200).set_body_bytes(census_body("2025-11")),
    )
    .await;
    mount_month(&server, "2025-12", ResponseTemplate::new(204)).await;
    let raw = tempfile::tempdir().unwrap();
    let config = config(&server.uri());
    let options = options(raw.path(), "census", "2025-11", "2025-12");

    let summary = fetch(&config, &options).await.unwrap();
    let census = summary.source("census").unwrap();
    assert_eq!(census.fetched, [FILE_1125]);
    assert_eq!(census.not_released, ["imports 2025-12 850511*"]);
    assert!(census.failed.is_empty());
    assert_eq!(summary.exit_code(), exit::OK, "not released is no failure");
    assert!(
        summary
            .to_string()
            .contains("not yet released: imports 2025-12 850511*")
    );
    assert_eq!(visible(raw.path()), [FILE_1125]);
    let rows = log(raw.path());
    assert_eq!(rows[1].http_status, Some(204));
    assert_eq!(rows[1].path, "");
    assert_eq!(rows[1].note, "not yet released (204 No Content)");

    // December is asked again; November too (one of the two latest answered).
    let again = fetch(&config, &options).await.unwrap();
    assert_eq!(again.source("census").unwrap().not_released.len(), 1);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(asked_months(&requests[2..]), ["2025-11", "2025-12"]);
    assert_eq!(visible(raw.path()), [FILE_1125]);
}

async fn key_refused(
    location: &str,
) -> (rareflow_fetch::FetchSummary, MockServer, tempfile::TempDir) {
    let server = MockServer::start().await;
    let target = format!("{}/data/{location}", server.uri());
    Mock::given(method("GET"))
        .and(path("/imports/hs"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", target.as_str())
                .insert_header("x-datawebapi-keyerror", "1"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/data/{location}")))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<html><body>Invalid Key</body></html>"),
        )
        .expect(0)
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let summary = fetch(
        &config(&server.uri()),
        &options(raw.path(), "census", "2025-10", "2025-11"),
    )
    .await
    .unwrap();
    (summary, server, raw)
}

#[tokio::test]
async fn census_302_to_missing_key_is_an_auth_error_naming_the_variable() {
    let (summary, server, raw) = key_refused("missing_key.html").await;
    let census = summary.source("census").unwrap();
    assert_eq!(census.failed.len(), 1, "{summary}");
    let message = &census.failed[0];
    assert!(message.contains("CENSUS_API_KEY"), "{message}");
    assert!(message.contains("missing_key.html"), "{message}");
    assert!(message.contains("no key was sent"), "{message}");
    assert!(!message.contains("censuskey123"));
    assert_eq!(summary.exit_code(), exit::FAILED);
    // Not followed, and the source stopped: one request for two months.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(visible(raw.path()).is_empty() && hidden(raw.path()).is_empty());
    let rows = log(raw.path());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].http_status, Some(302));
    assert!(rows[0].note.starts_with("key refused: 302 to "));
}

#[tokio::test]
async fn census_302_to_invalid_key_is_an_auth_error() {
    let (summary, server, raw) = key_refused("invalid_key.html").await;
    let message = &summary.source("census").unwrap().failed[0];
    assert!(
        message.contains("the API key in CENSUS_API_KEY was refused"),
        "{message}"
    );
    assert!(message.contains("invalid or not activated"), "{message}");
    assert!(message.contains("X-DataWebAPI-KeyError: 1"), "{message}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(visible(raw.path()).is_empty());
}

#[tokio::test]
async fn census_without_a_key_says_which_variable_and_where_to_get_one() {
    let server = MockServer::start().await;
    let raw = tempfile::tempdir().unwrap();
    let mut options = options(raw.path(), "census", "2025-11", "2025-11");
    options.keys.census = None;
    let summary = fetch(&config(&server.uri()), &options).await.unwrap();
    let message = &summary.source("census").unwrap().failed[0];
    assert!(message.contains("set CENSUS_API_KEY"), "{message}");
    assert!(
        message.contains("https://api.census.gov/data/key_signup.html"),
        "{message}"
    );
    assert_eq!(summary.exit_code(), exit::FAILED);
    assert!(server.received_requests().await.unwrap().is_empty());

    // A dry run plans without a key, the key shown redacted.
    options.dry_run = true;
    let planned = fetch(&config(&server.uri()), &options).await.unwrap();
    let census = planned.source("census").unwrap();
    assert_eq!(census.planned.len(), 1);
    assert!(
        census.planned[0].ends_with(&format!("key=REDACTED -> {FILE_1125}")),
        "{}",
        census.planned[0]
    );
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(visible(raw.path()).is_empty());
}

#[tokio::test]
async fn census_400_shows_the_plain_text_body() {
    let server = MockServer::start().await;
    mount_month(
        &server,
        "2025-11",
        ResponseTemplate::new(400).set_body_string("error: unknown variable 'GEN_VAL_MOO'"),
    )
    .await;
    let raw = tempfile::tempdir().unwrap();
    let summary = fetch(
        &config(&server.uri()),
        &options(raw.path(), "census", "2025-11", "2025-11"),
    )
    .await
    .unwrap();
    let census = summary.source("census").unwrap();
    assert_eq!(census.failed.len(), 1);
    assert!(
        census.failed[0].contains("HTTP 400: error: unknown variable 'GEN_VAL_MOO'"),
        "{}",
        census.failed[0]
    );
    assert!(census.failed[0].contains("key=REDACTED"));
    assert_eq!(summary.exit_code(), exit::FAILED);
    assert!(visible(raw.path()).is_empty() && hidden(raw.path()).is_empty());
    let rows = log(raw.path());
    assert_eq!(rows[0].http_status, Some(400));
    assert!(rows[0].note.contains("unknown variable"));
    // Not retried: a 400 is the query's fault.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn census_200_with_a_web_page_is_the_key_refused_and_leaves_no_file() {
    let server = MockServer::start().await;
    mount_month(
        &server,
        "2025-11",
        ResponseTemplate::new(200)
            .set_body_string("<html><body><h1>Invalid Key</h1></body></html>"),
    )
    .await;
    let raw = tempfile::tempdir().unwrap();
    let options = options(raw.path(), "census", "2025-11", "2025-11");
    let summary = fetch(&config(&server.uri()), &options).await.unwrap();
    let message = &summary.source("census").unwrap().failed[0];
    assert!(message.contains("CENSUS_API_KEY"), "{message}");
    assert!(message.contains("a web page instead of JSON"), "{message}");
    assert!(visible(raw.path()).is_empty() && hidden(raw.path()).is_empty());
    let rows = log(raw.path());
    assert_eq!(
        (rows[0].http_status, rows[0].path.as_str()),
        (Some(200), "")
    );
    // Not taken for an answer: asked again next time.
    fetch(&config(&server.uri()), &options).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
