//! The warehouse on S3-compatible object storage, against a real S3 server on loopback:
//! moto's `moto_server` (PyPI `moto[server]`, installed by scripts/moto.sh into
//! target/moto-venv). The binaries run as child processes with the `AWS_*` variables set
//! for them only; the test process reads the bucket through object_store directly.
//!
//! These tests are `#[ignore]`d, so that a plain `cargo test` on a machine without moto
//! passes; `.ci/run` installs moto and runs them with `--include-ignored`, and there a
//! missing `moto_server` fails the test instead of skipping it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;
use rareflow_query::QuerySession;
use rareflow_warehouse::delta::DeltaWarehouse;
use tempfile::TempDir;

use crate::moto::Moto;
use crate::support::{raw_without_2026, repo, rows};

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// Counts that tell two warehouse states apart, read in-process through one session.
const STATE: &str = "SELECT (SELECT COUNT(*) FROM trade_flows) AS flows, \
    (SELECT SUM(quantity_kg) FROM trade_flows) AS kg, (SELECT COUNT(*) FROM ingest_log) AS files, \
    (SELECT COUNT(*) FROM rejects) AS rejects";

/// A session over the newest run of `remote`, opened now.
async fn open(remote: &DeltaWarehouse) -> QuerySession {
    let run = remote.pin_newest().await.unwrap().expect("a recorded run");
    QuerySession::over_run(remote, &run).await.unwrap()
}

fn remote_state(remote: &DeltaWarehouse) -> Vec<Vec<String>> {
    rt().block_on(async { session_state(&open(remote).await).await })
}

async fn session_state(session: &QuerySession) -> Vec<Vec<String>> {
    let batches = session
        .collect(
            "<test>",
            STATE,
            datafusion::common::ParamValues::List(vec![]),
        )
        .await
        .unwrap();
    rows(&batches)
}

/// The newest recorded run.
fn newest(remote: &DeltaWarehouse) -> Option<i64> {
    rt().block_on(remote.newest_run())
        .unwrap()
        .map(|r| r.run_id)
}

/// Every recorded run.
fn run_ids(remote: &DeltaWarehouse) -> Vec<i64> {
    rt().block_on(remote.runs())
        .unwrap()
        .iter()
        .map(|r| r.run_id)
        .collect()
}

/// The newest run's data files of `table` (paths in the table).
fn table_files(remote: &DeltaWarehouse, table: &str) -> Vec<String> {
    let run = rt().block_on(remote.pin_newest()).unwrap().unwrap();
    run.table(table)
        .map(|t| t.files.iter().map(|f| f.path.clone()).collect())
        .unwrap_or_default()
}

/// Every saved query prints the same CSV from the warehouse at `url` (run with `engine`
/// arguments) as the local engine prints from the folder `local_wh`.
pub(crate) fn saved_queries_answer_alike(moto: &Moto, local_wh: &str, url: &str, engine: &[&str]) {
    let queries = saved_queries();
    assert!(queries.len() >= 20, "{queries:?}");
    for name in &queries {
        let expected = moto.query(local_wh, &["run", name, "--format", "csv"]);
        assert!(
            expected.status.success(),
            "{name}: {}",
            text(&expected.stderr)
        );
        let args: Vec<&str> = engine
            .iter()
            .copied()
            .chain(["run", name, "--format", "csv"])
            .collect();
        let got = moto.query(url, &args);
        assert!(
            got.status.success(),
            "{name} from {url} {engine:?}: {}",
            text(&got.stderr)
        );
        assert_eq!(text(&got.stdout), text(&expected.stdout), "{name}");
        assert!(!got.stdout.is_empty(), "{name}");
    }
}

fn saved_queries() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("sql"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".sql").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// A full run, then an incremental one, to `s3://.../wh` and to a folder: every saved query
/// answers the same, the incremental run leaves untouched partitions' objects where they
/// are, an unchanged rerun (or a `--full` one that comes out the same) records nothing, and
/// the lock is released with a conditional write.
#[test]
#[ignore = "needs moto_server: scripts/moto.sh"]
fn an_s3_warehouse_answers_every_saved_query_as_a_folder_does() {
    let moto = Moto::start();
    moto.bucket("rareflow-same");
    let remote = moto.remote("rareflow-same", "wh");
    let url = "s3://rareflow-same/wh";
    let local = TempDir::new().unwrap();
    let local_wh = local.path().to_str().unwrap();
    let small = raw_without_2026();
    let full = repo().join("data/raw");
    let at = |d: &'static str| ["--loaded-at", d];
    let mut first_files = Vec::new();

    for (raw, day) in [(small.path(), "2026-01-01"), (full.as_path(), "2026-02-01")] {
        let out = moto.etl(raw, local_wh, &at(day), &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = moto.etl(raw, url, &at(day), &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("published run ") && stdout.contains("s3://rareflow-same/wh/"),
            "{stdout}"
        );
        if day == "2026-01-01" {
            first_files = table_files(&remote, "trade_flows");
        }
    }
    assert_eq!(newest(&remote), Some(2));
    assert_eq!(run_ids(&remote), vec![1, 2]);
    // 2025's partitions did not change: the same objects, in both runs.
    let second_files = table_files(&remote, "trade_flows");
    let in_2025 = |files: &[String]| -> Vec<String> {
        files
            .iter()
            .filter(|f| f.starts_with("year=2025/"))
            .cloned()
            .collect()
    };
    assert!(!in_2025(&first_files).is_empty());
    assert_eq!(in_2025(&second_files), in_2025(&first_files));
    assert_ne!(second_files, first_files);

    saved_queries_answer_alike(&moto, local_wh, url, &[]);

    // Nothing new: nothing written, no run recorded.
    let out = moto.etl(&full, url, &at("2026-03-01"), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("nothing changed"),
        "{}",
        text(&out.stdout)
    );
    // --full reads everything again: the unpartitioned tables an incremental run had
    // written in two parts come out in one (run 3), the partitions byte-identical (kept).
    let out = moto.etl(&full, url, &["--full", "--loaded-at", "2026-02-01"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(run_ids(&remote), vec![1, 2, 3]);
    assert_eq!(table_files(&remote, "trade_flows"), second_files);
    saved_queries_answer_alike(&moto, local_wh, url, &[]);
    // The lock is released (a conditional update to an expired body, never a delete).
    let lock = ObjectPath::from("wh/_rareflow/lock");
    let body = rt()
        .block_on(async { moto.store("rareflow-same").get(&lock).await?.bytes().await })
        .unwrap();
    assert!(text(&body).contains("expires_ms=0"), "{}", text(&body));
    // Data checks run on the bucket as on the folder.
    let check = |wh: &str| {
        Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
            .current_dir(repo())
            .args(["check", "--warehouse", wh])
            .envs(moto.env())
            .output()
            .unwrap()
    };
    let (on_s3, on_disk) = (check(url), check(local_wh));
    assert_eq!(
        on_s3.status.code(),
        on_disk.status.code(),
        "{}",
        text(&on_s3.stderr)
    );
    assert_eq!(text(&on_s3.stdout), text(&on_disk.stdout));
}

/// URLs this build cannot serve are errors naming the scheme, and no folder is created.
#[test]
fn other_url_schemes_are_refused_not_written_as_folders() {
    let cwd = TempDir::new().unwrap();
    for (url, scheme) in [
        ("gs://bucket/wh", "gs://"),
        ("az://container/wh", "az://"),
        ("http://127.0.0.1:9/wh", "http://"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
            .current_dir(cwd.path())
            .args(["run", "--quiet", "--raw"])
            .arg(repo().join("data/raw"))
            .args(["--warehouse", url])
            .env_remove("RAREFLOW_WAREHOUSE")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{url}");
        assert!(text(&out.stderr).contains(scheme), "{}", text(&out.stderr));
        let out = Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
            .current_dir(cwd.path())
            .args(["--warehouse", url, "sql", "SELECT 1"])
            .env_remove("RAREFLOW_WAREHOUSE")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{url}");
        assert!(text(&out.stderr).contains(scheme), "{}", text(&out.stderr));
    }
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
}

/// Killed while reading, after uploading, between table commits or after the run record:
/// readers see the run before or the whole new one. The next run takes over the dead run's
/// lock once it expires, sets back what the dead run committed, and completes.
#[test]
#[ignore = "needs moto_server: scripts/moto.sh"]
fn s3_runs_killed_at_any_moment_leave_readers_at_old_or_new() {
    let moto = Moto::start();
    moto.bucket("rareflow-kill");
    let remote = moto.remote("rareflow-kill", "");
    let url = "s3://rareflow-kill";
    let small = raw_without_2026();
    let full = repo().join("data/raw");
    let fast_lock = [("RAREFLOW_S3_LOCK_SECONDS", "2")];

    // "After", from an undisturbed pair of runs in another prefix.
    let after_remote = moto.remote("rareflow-kill", "reference");
    for (raw, day) in [(small.path(), "2026-01-01"), (full.as_path(), "2026-02-01")] {
        let out = moto.etl(
            raw,
            "s3://rareflow-kill/reference",
            &["--loaded-at", day],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let after = remote_state(&after_remote);

    let out = moto.etl(small.path(), url, &["--loaded-at", "2026-01-01"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = remote_state(&remote);
    assert_ne!(before, after);

    for point in [
        "after-chunk:3",
        "before-publish",
        "files-written",
        "table-committed:1",
        "table-committed:2",
        "run-recorded",
    ] {
        let old = newest(&remote);
        // --wait: the previous killed run's lock is taken over once it expires (2 s).
        let out = moto.etl(
            &full,
            url,
            &["--loaded-at", "2026-02-01", "--wait"],
            &[fast_lock[0], ("RAREFLOW_FAIL_AT", point)],
        );
        assert!(!out.status.success(), "{point}: the run should have died");
        let now = remote_state(&remote);
        if point == "run-recorded" {
            assert_eq!(now, after, "{point}");
            assert_ne!(newest(&remote), old, "{point}");
        } else {
            assert_eq!(now, before, "{point}");
            assert_eq!(newest(&remote), old, "{point}");
        }
    }
    // The last kill left a lock: the next run takes it over once expired, finds nothing to
    // do, and every figure is there once.
    let out = moto.etl(
        &full,
        url,
        &["--loaded-at", "2026-02-01", "--wait"],
        &fast_lock,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(remote_state(&remote), after);
}

/// Run A pauses after uploading its files, before committing. Meanwhile: run B stops at
/// once on the lock (exit 3), and a session opened before A commits keeps reading the run
/// before after A has published.
#[test]
#[ignore = "needs moto_server: scripts/moto.sh"]
fn concurrent_s3_runs_never_both_publish_and_readers_keep_their_run() {
    let moto = Moto::start();
    moto.bucket("rareflow-race");
    let remote = moto.remote("rareflow-race", "wh");
    let url = "s3://rareflow-race/wh";
    let small = raw_without_2026();
    let full = repo().join("data/raw");
    let out = moto.etl(small.path(), url, &[], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = remote_state(&remote);
    let store = moto.store("rareflow-race");
    let lock = ObjectPath::from("wh/_rareflow/lock");
    let held = || {
        rt().block_on(async { store.get(&lock).await?.bytes().await })
            .is_ok_and(|b| !text(&b).contains("expires_ms=0"))
    };

    let a = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["--log-level", "error", "run", "--quiet", "--raw"])
        .arg(&full)
        .args(["--warehouse", url])
        .env_remove("RAREFLOW_WAREHOUSE")
        .envs(moto.env())
        .env("RAREFLOW_PAUSE_AT", "files-written:4000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !held() {
        assert!(Instant::now() < deadline, "run A never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    let runtime = rt();
    let session = runtime.block_on(open(&remote));
    let b = moto.etl(&full, url, &[], &[]);
    assert_eq!(b.status.code(), Some(3), "{}", text(&b.stderr));
    assert!(
        text(&b.stderr).contains("another rareflow-etl run is writing this warehouse"),
        "{}",
        text(&b.stderr)
    );
    let a = a.wait_with_output().unwrap();
    assert!(a.status.success(), "{}", text(&a.stderr));
    let after = remote_state(&remote);
    assert_ne!(before, after);
    assert_eq!(runtime.block_on(session_state(&session)), before);
    assert_eq!(run_ids(&remote), vec![1, 2]);
}

/// The bucket through Ballista: the in-process scheduler and two executors read the S3
/// snapshot (the executors share the client's object stores), and every saved query prints
/// what the local engine prints over a folder loaded from the same files.
#[cfg(feature = "ballista")]
#[test]
#[ignore = "needs moto_server: scripts/moto.sh"]
fn ballista_answers_every_saved_query_from_the_s3_warehouse() {
    let moto = Moto::start();
    moto.bucket("rareflow-ballista");
    let url = "s3://rareflow-ballista/wh";
    let local = TempDir::new().unwrap();
    let local_wh = local.path().to_str().unwrap();
    let raw = repo().join("data/raw");
    let at = ["--loaded-at", "2026-02-01"];
    for warehouse in [local_wh, url] {
        let out = moto.etl(&raw, warehouse, &at, &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    saved_queries_answer_alike(&moto, local_wh, url, &["--engine", "ballista"]);
}
