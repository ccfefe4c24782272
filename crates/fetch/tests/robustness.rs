//! Bodies cut halfway, slow servers, a fetch killed in the middle of a download: never a
//! file `run` can see that is not complete, and the next fetch picks up.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use rareflow_fetch::{exit, fetch};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FILE: &str = "census/imports/2025/census_imports_hs10_202511_850511.json";

/// What a connection of the tiny server does.
#[derive(Clone)]
enum Answer {
    /// The whole body.
    Full,
    /// Headers saying the whole length, half the body, then the connection closed.
    Cut,
    /// Headers and half the body, then nothing (the server hangs).
    Hang,
}

/// A loopback HTTP/1.1 server answering connection `i` with `answers[i]` (the last one
/// again after the list). Returns its base URL and a count of connections.
async fn tiny_server(answers: Vec<Answer>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let i = seen.fetch_add(1, Ordering::SeqCst);
            let answer = answers[i.min(answers.len() - 1)].clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = data("census_imports_202511_850511.json");
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                match answer {
                    Answer::Full => {
                        let _ = socket.write_all(&body).await;
                    }
                    Answer::Cut => {
                        let _ = socket.write_all(&body[..body.len() / 2]).await;
                    }
                    Answer::Hang => {
                        let _ = socket.write_all(&body[..body.len() / 2]).await;
                        let _ = socket.flush().await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    (base, count)
}

#[tokio::test]
async fn a_body_cut_halfway_is_retried_and_the_file_is_whole() {
    let (base, connections) = tiny_server(vec![Answer::Cut, Answer::Full]).await;
    let raw = tempfile::tempdir().unwrap();
    let options = options(raw.path(), "census", "2025-11", "2025-11");
    let summary = fetch(&config(&base), &options).await.unwrap();
    assert_eq!(
        summary.source("census").unwrap().fetched,
        [FILE],
        "{summary}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 2, "retried once");
    let body = data("census_imports_202511_850511.json");
    assert_eq!(std::fs::read(raw.path().join(FILE)).unwrap(), body);
    assert!(hidden(raw.path()).is_empty(), "no temporary file left");
    let rows = log(raw.path());
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].bytes, rows[0].sha256.clone()),
        (Some(body.len() as u64), sha256(&body))
    );
}

#[tokio::test]
async fn a_body_cut_every_time_fails_and_leaves_no_file() {
    let (base, connections) = tiny_server(vec![Answer::Cut]).await;
    let raw = tempfile::tempdir().unwrap();
    let options = options(raw.path(), "census", "2025-11", "2025-11");
    let summary = fetch(&config(&base), &options).await.unwrap();
    let census = summary.source("census").unwrap();
    assert_eq!(census.failed.len(), 1);
    assert!(
        census.failed[0].contains("(after 3 attempts)"),
        "{}",
        census.failed[0]
    );
    assert!(census.failed[0].contains("cut"), "{}", census.failed[0]);
    assert_eq!(
        connections.load(Ordering::SeqCst),
        3,
        "the first attempt and 2 retries"
    );
    assert_eq!(summary.exit_code(), exit::FAILED);
    assert!(visible(raw.path()).is_empty());
    assert!(hidden(raw.path()).is_empty());
    let rows = log(raw.path());
    assert_eq!((rows[0].http_status, rows[0].path.as_str()), (None, ""));
    assert!(rows[0].note.starts_with("failed: "));

    // The next fetch asks again, and gets it.
    let (base, _) = tiny_server(vec![Answer::Full]).await;
    let again = fetch(&config(&base), &options).await.unwrap();
    assert_eq!(again.source("census").unwrap().fetched, [FILE]);
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/imports/hs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(data("census_imports_202511_850511.json"))
                .set_delay(Duration::from_secs(10)),
        )
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let mut config = config(&server.uri());
    config.http.timeout_secs = 1;
    config.http.retries = 1;
    let started = Instant::now();
    let summary = fetch(
        &config,
        &options(raw.path(), "census", "2025-11", "2025-11"),
    )
    .await
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "gave up: {:?}",
        started.elapsed()
    );
    let census = summary.source("census").unwrap();
    assert!(
        census.failed[0].contains("timed out"),
        "{}",
        census.failed[0]
    );
    assert!(
        census.failed[0].contains("(after 2 attempts)"),
        "{}",
        census.failed[0]
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(visible(raw.path()).is_empty() && hidden(raw.path()).is_empty());
    assert!(log(raw.path())[0].note.contains("timed out"));
}

#[tokio::test]
async fn a_fetch_killed_in_the_middle_leaves_nothing_run_sees_and_the_next_one_resumes() {
    let (base, _) = tiny_server(vec![Answer::Hang]).await;
    let raw = tempfile::tempdir().unwrap();
    let options = options(raw.path(), "census", "2025-11", "2025-11");
    let mut config = config(&base);
    config.http.timeout_secs = 60;
    config.http.read_timeout_secs = 60;
    let task = {
        let (config, options) = (config.clone(), options.clone());
        tokio::spawn(async move { fetch(&config, &options).await })
    };
    // Half the body is in: it sits in a hidden temporary file of the target folder.
    let mut waited = 0;
    while hidden(raw.path()).is_empty() && waited < 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    let temporary = hidden(raw.path());
    assert_eq!(temporary.len(), 1, "{temporary:?}");
    assert!(
        temporary[0].starts_with("census/imports/2025/.rareflow-fetch-"),
        "{temporary:?}"
    );
    assert!(temporary[0].ends_with(".part"));
    assert!(visible(raw.path()).is_empty(), "run sees nothing");

    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(
        visible(raw.path()).is_empty(),
        "run sees nothing after the kill"
    );
    assert!(log(raw.path()).is_empty(), "nothing logged as fetched");

    // A killed process's temporary file stays, hidden, and is cleared when old.
    let stale = raw
        .path()
        .join("census/imports/2025/.rareflow-fetch-killed.part");
    std::fs::write(&stale, b"[[\"I_COMMODITY\"").unwrap();
    let file = std::fs::File::options().write(true).open(&stale).unwrap();
    file.set_modified(std::time::SystemTime::now() - Duration::from_secs(2 * 3600))
        .unwrap();
    assert!(visible(raw.path()).is_empty());

    // The next fetch resumes: the month is asked again and kept whole.
    let (base, _) = tiny_server(vec![Answer::Full]).await;
    let summary = fetch(&common::config(&base), &options).await.unwrap();
    assert_eq!(summary.source("census").unwrap().fetched, [FILE]);
    assert_eq!(visible(raw.path()), [FILE]);
    assert!(
        hidden(raw.path()).is_empty(),
        "the stale temporary file was removed"
    );
    assert_eq!(log(raw.path()).len(), 1);
}

#[tokio::test]
async fn a_503_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/imports/hs"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/imports/hs"))
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(data("census_imports_202511_850511.json")),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let summary = fetch(
        &config(&server.uri()),
        &options(raw.path(), "census", "2025-11", "2025-11"),
    )
    .await
    .unwrap();
    assert_eq!(
        summary.source("census").unwrap().fetched,
        [FILE],
        "{summary}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    let rows = log(raw.path());
    assert_eq!((rows.len(), rows[0].http_status), (1, Some(200)));
}

#[tokio::test]
async fn the_rate_limiter_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/imports/hs"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let raw = tempfile::tempdir().unwrap();
    let mut config = config(&server.uri());
    config.census.requests_per_minute = 120;
    let started = Instant::now();
    let summary = fetch(
        &config,
        &options(raw.path(), "census", "2025-09", "2025-11"),
    )
    .await
    .unwrap();
    assert_eq!(summary.source("census").unwrap().not_released.len(), 3);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "3 requests at 2 a second: {:?}",
        started.elapsed()
    );
}
