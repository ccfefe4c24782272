//! The cluster as an operator runs it (built with `--features ballista`): one
//! `rareflow-query cluster scheduler` and two `cluster executor` processes on loopback,
//! the warehouse in a bucket (moto), every saved query sent with `--scheduler`.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::moto::Moto;
use crate::s3::saved_queries_answer_alike;
use crate::support::repo;

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A service process, killed when the test ends whatever happens.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Service {
    fn start(moto: &Moto, warehouse: &str, args: &[&str]) -> Service {
        let child = Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
            .current_dir(repo())
            .args(["--warehouse", warehouse, "cluster"])
            .args(args)
            .env_remove("RAREFLOW_WAREHOUSE")
            .envs(moto.env())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Service(child)
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits at most `limit` for the process to end; its exit code.
    fn wait_for(&mut self, limit: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

fn wait_listening(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs moto_server (scripts/moto.sh; .ci/run runs it with --include-ignored)"]
fn scheduler_and_executors_as_processes_answer_every_saved_query_from_a_bucket() {
    let moto = Moto::start();
    moto.bucket("rareflow-cluster");
    let url = "s3://rareflow-cluster/wh";
    let local = TempDir::new().unwrap();
    let local_wh = local.path().to_str().unwrap();
    let raw = repo().join("data/raw");
    for warehouse in [local_wh, url] {
        let out = moto.etl(&raw, warehouse, &["--loaded-at", "2026-02-01"], &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut scheduler = Service::start(&moto, url, &["scheduler", "--bind", &bind]);
    wait_listening(port);
    let work = TempDir::new().unwrap();
    let mut executors: Vec<Service> = (0..2)
        .map(|i| {
            let (data, grpc) = (free_port(), free_port());
            let dir = work.path().join(format!("executor-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let e = Service::start(
                &moto,
                url,
                &[
                    "executor",
                    "--scheduler",
                    &bind,
                    "--slots",
                    "1",
                    "--port",
                    &data.to_string(),
                    "--grpc-port",
                    &grpc.to_string(),
                    "--work-dir",
                    dir.to_str().unwrap(),
                ],
            );
            wait_listening(data);
            e
        })
        .collect();
    let scheduler_url = format!("df://{bind}");
    let engine = [
        "--engine",
        "ballista",
        "--scheduler",
        scheduler_url.as_str(),
    ];

    // Every saved query: the local engine's rows, from the bucket, through the services.
    saved_queries_answer_alike(&moto, local_wh, url, &engine);

    // An executor killed in the middle of a query: the query ends in bounded time, with the
    // local rows or a clear error, never hangs.
    let sql = "SELECT a.partner, COUNT(*) AS pairs FROM trade_flows a JOIN trade_flows b \
               ON a.partner = b.partner AND a.hs_code <> b.hs_code GROUP BY a.partner ORDER BY a.partner";
    let expected = moto.query(local_wh, &["sql", sql, "--format", "csv"]);
    assert!(expected.status.success());
    let mut query = Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
        .current_dir(repo())
        .args(["--warehouse", url])
        .args(engine)
        .args(["sql", sql, "--format", "csv"])
        .env_remove("RAREFLOW_WAREHOUSE")
        .envs(moto.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    executors[0].signal("-KILL");
    let start = Instant::now();
    let finished = loop {
        if let Some(status) = query.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = query.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = query.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let status =
        finished.unwrap_or_else(|| panic!("the query hung after an executor died: {stderr}"));
    if status.success() {
        assert_eq!(
            output.stdout, expected.stdout,
            "retried on the other executor"
        );
    } else {
        assert!(
            stderr.contains("rareflow-query: error") && stderr.len() < 4000,
            "a clear error: {stderr}"
        );
    }

    // SIGTERM stops the services cleanly.
    executors[1].signal("-TERM");
    assert_eq!(
        executors[1].wait_for(Duration::from_secs(30)),
        Some(0),
        "executor on SIGTERM"
    );
    scheduler.signal("-TERM");
    assert_eq!(
        scheduler.wait_for(Duration::from_secs(30)),
        Some(0),
        "scheduler on SIGTERM"
    );
}
