//! The warehouse on S3-compatible object storage, against a real S3 server on loopback:
//! moto's `moto_server` (PyPI `moto[server]`, installed by scripts/moto.sh into
//! target/moto-venv). The binaries run as child processes with the `AWS_*` variables set
//! for them only; the test process reads the bucket through object_store directly.
//!
//! These tests are `#[ignore]`d, so that a plain `cargo test` on a machine without moto
//! passes; `.ci/run` installs moto and runs them with `--include-ignored`, and there a
//! missing `moto_server` fails the test instead of skipping it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use rareflow_query::QuerySession;
use rareflow_warehouse::remote::{RemoteWarehouse, S3Location};
use tempfile::TempDir;

use crate::support::{etl_command, raw_without_2026, repo, rows};

/// A moto server on a free loopback port, stopped on drop.
pub(crate) struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server() -> PathBuf {
    repo().join("target/moto-venv/bin/moto_server")
}

impl Moto {
    /// Starts moto; fails the test when scripts/moto.sh has not installed it.
    pub(crate) fn start() -> Moto {
        let server = moto_server();
        assert!(
            server.exists(),
            "{} is missing: run scripts/moto.sh (as .ci/run does) to test the warehouse on \
             object storage",
            server.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a bucket with a plain HTTP PUT (moto accepts it unsigned).
    pub(crate) fn bucket(&self, name: &str) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }

    /// The variables a child process needs to reach this server.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The bucket as the test process sees it (configured here, not from the environment).
    pub(crate) fn store(&self, bucket: &str) -> Arc<dyn ObjectStore> {
        Arc::new(
            AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_endpoint(self.endpoint())
                .with_allow_http(true)
                .with_access_key_id("testing")
                .with_secret_access_key("testing")
                .with_region("us-east-1")
                .build()
                .unwrap(),
        )
    }

    fn remote(&self, bucket: &str, prefix: &str) -> RemoteWarehouse {
        RemoteWarehouse::new(
            self.store(bucket),
            S3Location {
                bucket: bucket.into(),
                prefix: prefix.into(),
            },
        )
    }

    fn etl(&self, raw: &Path, warehouse: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
        etl_command(raw, warehouse, extra)
            .arg("--quiet")
            .env("RAREFLOW_CHUNK_BYTES", "4096")
            .envs(self.env())
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    fn query(&self, warehouse: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
            .current_dir(repo())
            .args(["--warehouse", warehouse])
            .args(args)
            .env_remove("RAREFLOW_WAREHOUSE")
            .envs(self.env())
            .output()
            .unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// Counts that tell two warehouse states apart, read in-process through one session.
const STATE: &str = "SELECT (SELECT COUNT(*) FROM trade_flows) AS flows, \
    (SELECT SUM(quantity_kg) FROM trade_flows) AS kg, (SELECT COUNT(*) FROM ingest_log) AS files, \
    (SELECT COUNT(*) FROM rejects) AS rejects";

fn remote_state(remote: &RemoteWarehouse) -> Vec<Vec<String>> {
    rt().block_on(async {
        let session = QuerySession::with_remote(
            datafusion::prelude::SessionContext::new_with_config(rareflow_query::session_config()),
            remote,
        )
        .await
        .unwrap();
        session_state(&session).await
    })
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

fn pointer(remote: &RemoteWarehouse) -> Option<String> {
    rt().block_on(remote.current()).unwrap().map(|p| p.snapshot)
}

fn snapshot_ids(remote: &RemoteWarehouse) -> Vec<u64> {
    rt().block_on(remote.snapshot_ids()).unwrap()
}

/// Every saved query prints the same CSV from the warehouse at `url` (run with `engine`
/// arguments) as the local engine prints from the folder `local_wh`.
fn saved_queries_answer_alike(moto: &Moto, local_wh: &str, url: &str, engine: &[&str]) {
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
/// answers the same, the incremental run copies unchanged partitions server-side, an
/// unchanged rerun publishes nothing, and old snapshots go.
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

    for (raw, day) in [(small.path(), "2026-01-01"), (full.as_path(), "2026-02-01")] {
        let out = moto.etl(raw, local_wh, &at(day), &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = moto.etl(raw, url, &at(day), &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("published s3://rareflow-same/wh/snapshots/"),
            "{stdout}"
        );
        if day == "2026-02-01" {
            // The reference tables and untouched partitions are equal: copied, not re-sent.
            let copied = stdout
                .split("; copied ")
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("no copy count in {stdout}"));
            assert!(copied > 0, "{stdout}");
        }
    }
    assert_eq!(pointer(&remote).as_deref(), Some("000002"));
    assert_eq!(snapshot_ids(&remote), vec![1, 2]);

    saved_queries_answer_alike(&moto, local_wh, url, &[]);

    // Nothing new: nothing written, the pointer stays.
    let out = moto.etl(&full, url, &at("2026-03-01"), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("uploaded"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(pointer(&remote).as_deref(), Some("000002"));
    // --full writes snapshot 3 and removes 1 (neither current nor previous).
    let out = moto.etl(&full, url, &["--full", "--loaded-at", "2026-02-01"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(pointer(&remote).as_deref(), Some("000003"));
    assert_eq!(snapshot_ids(&remote), vec![2, 3]);
    // The lock is released.
    let lock = ObjectPath::from("wh/lock");
    let head = rt().block_on(moto.store("rareflow-same").head(&lock));
    assert!(
        matches!(head, Err(object_store::Error::NotFound { .. })),
        "{head:?}"
    );
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

/// Killed before publishing, after uploading, or after the pointer swap: the pointer names
/// the old snapshot or the new one, and that snapshot answers in full. The next run takes
/// over the dead run's lock once it expires and cleans up.
#[test]
#[ignore = "needs moto_server: scripts/moto.sh"]
fn s3_runs_killed_at_any_moment_leave_the_pointer_at_old_or_new() {
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
        "remote-uploaded",
        "remote-pointer-swapped",
    ] {
        let old = pointer(&remote);
        // --wait: the previous killed run's lock is taken over once it expires (2 s).
        let out = moto.etl(
            &full,
            url,
            &["--loaded-at", "2026-02-01", "--wait"],
            &[fast_lock[0], ("RAREFLOW_FAIL_AT", point)],
        );
        assert!(!out.status.success(), "{point}: the run should have died");
        let now = remote_state(&remote);
        if point == "remote-pointer-swapped" {
            assert_eq!(now, after, "{point}");
            assert_ne!(pointer(&remote), old, "{point}");
        } else {
            assert_eq!(now, before, "{point}");
            assert_eq!(pointer(&remote), old, "{point}");
        }
    }
    // The killed runs left a lock and unpublished snapshots: the next run takes over the
    // expired lock, publishes, and keeps only the current and previous snapshots.
    let out = moto.etl(
        &full,
        url,
        &["--full", "--loaded-at", "2026-02-01", "--wait"],
        &fast_lock,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(remote_state(&remote), after);
    assert_eq!(
        snapshot_ids(&remote).len(),
        2,
        "{:?}",
        snapshot_ids(&remote)
    );
}

/// Run A pauses between uploading and swapping the pointer. Meanwhile: run B stops at once
/// on the lock (exit 3); a session opened before the swap keeps reading the old snapshot
/// after it; and when the pointer changes under A (as if another run had published), A
/// fails with "another run published first" and overwrites nothing.
#[test]
#[ignore = "needs moto_server: scripts/moto.sh"]
fn concurrent_s3_runs_never_both_publish_and_readers_see_one_snapshot() {
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
    let lock = ObjectPath::from("wh/lock");

    let spawn_paused = || {
        Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
            .current_dir(repo())
            .args(["--log-level", "error", "run", "--quiet", "--raw"])
            .arg(&full)
            .args(["--warehouse", url])
            .env_remove("RAREFLOW_WAREHOUSE")
            .envs(moto.env())
            .env("RAREFLOW_PAUSE_AT", "remote-uploaded:4000")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let wait_for_lock = || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while rt().block_on(store.head(&lock)).is_err() {
            assert!(Instant::now() < deadline, "run A never took the lock");
            std::thread::sleep(Duration::from_millis(20));
        }
    };

    // 1. A publishes; B is refused; a reader opened before the swap sees "before" throughout.
    let a = spawn_paused();
    wait_for_lock();
    let runtime = rt();
    let session = runtime
        .block_on(QuerySession::with_remote(
            datafusion::prelude::SessionContext::new_with_config(rareflow_query::session_config()),
            &remote,
        ))
        .unwrap();
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

    // 2. The pointer changes while A' is paused: A' loses the race and writes nothing.
    let out = moto.etl(
        &full,
        url,
        &["--full"],
        &[("RAREFLOW_S3_LOCK_SECONDS", "60")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let current = pointer(&remote).unwrap();
    let ids_before = snapshot_ids(&remote);
    let a2 = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["--log-level", "error", "run", "--quiet", "--full", "--raw"])
        .arg(&full)
        .args(["--warehouse", url])
        .env_remove("RAREFLOW_WAREHOUSE")
        .envs(moto.env())
        .env("RAREFLOW_PAUSE_AT", "remote-uploaded:4000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_lock();
    // "Another run" publishes: the same snapshot id, but a new object (a new e-tag).
    std::thread::sleep(Duration::from_millis(1500));
    let body = format!("{current}\n");
    runtime
        .block_on(store.put(
            &ObjectPath::from("wh/current"),
            PutPayload::from(body.clone()),
        ))
        .unwrap();
    let a2 = a2.wait_with_output().unwrap();
    assert_eq!(a2.status.code(), Some(3), "{}", text(&a2.stderr));
    assert!(
        text(&a2.stderr).contains("another run published first"),
        "{}",
        text(&a2.stderr)
    );
    let got = runtime
        .block_on(async {
            store
                .get(&ObjectPath::from("wh/current"))
                .await?
                .bytes()
                .await
        })
        .unwrap();
    assert_eq!(text(&got), body, "the pointer was overwritten");
    assert_eq!(
        snapshot_ids(&remote),
        ids_before,
        "the losing run's objects are removed"
    );
    assert_eq!(remote_state(&remote), after);
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
