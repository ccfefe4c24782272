//! Trustworthy batch runs: releases and revisions kept as vintages with as-of queries,
//! incremental reruns, crash safety under kills at many moments, and concurrent runs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{copy_dir, etl, query, raw_without_2026, repo, run_files, scalar};

/// The November 2025 English file's US magnet rows, revised up by 10 t, as a new release.
pub(crate) fn revised_november(raw: &Path) {
    let original =
        std::fs::read_to_string(raw.join("gacc/export/2025/gacc_export_202511_usd_en.csv"))
            .unwrap();
    let mut lines = original.lines();
    let mut out = vec![lines.next().unwrap().to_owned()];
    for line in lines.filter(|l| l.contains("\"85051110\"") && l.contains("\"502\"")) {
        let mut fields: Vec<String> = line.split("\",\"").map(str::to_owned).collect();
        let kg: f64 = fields[7].replace(',', "").parse().unwrap();
        fields[7] = format!("{}", kg + 10_000.0);
        out.push(fields.join("\",\""));
    }
    std::fs::write(
        raw.join("gacc/export/2025/gacc_export_202511_usd_en_rev1.csv"),
        out.join("\n") + "\n",
    )
    .unwrap();
}

fn us_november(warehouse: &Path, as_of: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rareflow-query"));
    cmd.current_dir(repo()).arg("--warehouse").arg(warehouse);
    if let Some(a) = as_of {
        cmd.args(["--as-of", a]);
    }
    let out = cmd
        .args([
            "run",
            "magnets_by_destination",
            "-p",
            "month=2025-11",
            "-f",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("USA,"))
        .unwrap_or("")
        .to_owned()
}

#[test]
fn a_revision_supersedes_and_the_old_figures_stay_answerable() {
    let raw = tempfile::TempDir::new().unwrap();
    copy_dir(&repo().join("data/raw"), raw.path());
    let wh = tempfile::TempDir::new().unwrap();
    etl(raw.path(), wh.path(), Some("2025-12-20"), false);
    revised_november(raw.path());
    let second = etl(raw.path(), wh.path(), Some("2026-01-20"), false);
    assert!(second.published);
    assert_eq!(
        second.files.iter().filter(|f| !f.is_unchanged()).count(),
        1,
        "only the new release is read"
    );

    // Latest figures by default; as of a date before the revision, the old ones.
    assert_eq!(
        us_november(wh.path(), None),
        "USA,United States,592.0,656.0,-9.8,9.6"
    );
    assert_eq!(
        us_november(wh.path(), Some("2025-12-31")),
        "USA,United States,582.0,656.0,-11.3,9.5"
    );
    assert_eq!(
        us_november(wh.path(), Some("2026-01-20")),
        "USA,United States,592.0,656.0,-9.8,9.6"
    );
    // Both stay stored; the saved query shows what the revision changed.
    assert_eq!(
        scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows_superseded"),
        "1"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
        .current_dir(repo())
        .args([
            "--warehouse",
            wh.path().to_str().unwrap(),
            "run",
            "revision_changes",
            "-f",
            "csv",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("gacc,export,2025-11-01,85051110,USA,10,582000.0,592000.0,10000.0")
            && text.contains(
                "gacc_export_202511_usd_en.csv,gacc/export/2025/gacc_export_202511_usd_en_rev1.csv"
            ),
        "{text}"
    );
    // The release identities are in the manifest.
    let releases = query(
        wh.path(),
        "SELECT release_seq, CAST(loaded_at AS DATE) FROM ingest_log WHERE source_file LIKE '%202511_usd_en%' ORDER BY 1",
    );
    assert_eq!(
        releases,
        vec![vec!["78", "2025-12-20"], vec!["85", "2026-01-20"]]
    );

    // --full rebuilds from the raw files and gives the same warehouse.
    let rows = |sql: &str| {
        let mut r = query(wh.path(), sql);
        r.sort();
        r
    };
    let sql_current = "SELECT * FROM trade_flows";
    let sql_old = "SELECT * FROM trade_flows_superseded";
    let sql_log = "SELECT source_file, content_sha256, release_seq, loaded_at, rows_read, rows_loaded FROM ingest_log";
    let (current, old, log) = (rows(sql_current), rows(sql_old), rows(sql_log));
    let full = etl(raw.path(), wh.path(), None, true);
    assert!(full.files.iter().all(|f| !f.is_unchanged()));
    assert_eq!(rows(sql_current), current);
    assert_eq!(rows(sql_old), old);
    assert_eq!(rows(sql_log), log);
}

#[test]
fn an_unchanged_rerun_does_almost_nothing_and_untouched_partitions_are_reused() {
    let raw = tempfile::TempDir::new().unwrap();
    copy_dir(&repo().join("data/raw"), raw.path());
    let wh = tempfile::TempDir::new().unwrap();
    let first = etl(raw.path(), wh.path(), None, false);
    let again = etl(raw.path(), wh.path(), None, false);
    assert!(!again.published, "nothing changed: nothing is written");
    assert_eq!(again.run_id, first.run_id);
    assert!(again.files.iter().all(|f| f.is_unchanged()));

    // A new release for November rewrites November only (in both tables); every other
    // file of every partitioned table is the same file, same path and bytes, untouched.
    let before = run_files(wh.path());
    let modified = |path: &str| {
        std::fs::metadata(wh.path().join(path))
            .unwrap()
            .modified()
            .unwrap()
    };
    let times: Vec<_> = before.iter().map(|(p, _)| modified(p)).collect();
    revised_november(raw.path());
    let third = etl(raw.path(), wh.path(), None, false);
    assert_eq!(third.run_id, Some(2));
    let after = run_files(wh.path());
    let november = |p: &str| p.contains("/year=2025/month=11/");
    let partitioned =
        |p: &str| p.starts_with("trade_flows/") || p.starts_with("trade_flows_superseded/");
    let untouched = |files: &[(String, Vec<u8>)]| -> Vec<(String, Vec<u8>)> {
        files
            .iter()
            .filter(|(p, _)| partitioned(p) && !november(p))
            .cloned()
            .collect()
    };
    assert_eq!(untouched(&after), untouched(&before));
    for ((path, _), time) in before.iter().zip(&times) {
        if partitioned(path) && !november(path) {
            assert_eq!(modified(path), *time, "{path} was written again");
        }
    }
    let changed: Vec<&String> = after
        .iter()
        .filter(|f| !before.contains(f))
        .map(|(p, _)| p)
        .collect();
    assert!(
        changed
            .iter()
            .any(|p| p.starts_with("trade_flows/year=2025/month=11/"))
            && changed
                .iter()
                .any(|p| p.starts_with("trade_flows_superseded/year=2025/month=11/"))
            && changed.iter().all(|p| !partitioned(p) || november(p)),
        "{changed:?}"
    );
    // Removing a file that alone reported its months drops them.
    std::fs::remove_file(
        raw.path()
            .join("gacc/export/2026/gacc_export_202603_usd_zh.csv"),
    )
    .unwrap();
    etl(raw.path(), wh.path(), None, false);
    let month_rows = |m: u32| {
        scalar(
            wh.path(),
            &format!("SELECT COUNT(*) FROM trade_flows WHERE year = 2026 AND month = {m}"),
        )
    };
    assert_eq!(month_rows(3), "0");
    assert_ne!(month_rows(2), "0");
    // Removing the release undoes it.
    std::fs::remove_file(
        raw.path()
            .join("gacc/export/2025/gacc_export_202511_usd_en_rev1.csv"),
    )
    .unwrap();
    etl(raw.path(), wh.path(), None, false);
    assert_eq!(
        scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows_superseded"),
        "0"
    );
    assert_eq!(
        us_november(wh.path(), None),
        "USA,United States,582.0,656.0,-11.3,9.5"
    );
}

/// State of a warehouse as a reader sees it.
fn state(warehouse: &Path) -> Vec<Vec<String>> {
    query(
        warehouse,
        "SELECT (SELECT COUNT(*) FROM trade_flows) AS flows, (SELECT SUM(quantity_kg) FROM trade_flows) AS kg, \
                (SELECT COUNT(*) FROM ingest_log) AS files, (SELECT COUNT(*) FROM rejects) AS rejects",
    )
}

fn killed_run(raw: &Path, warehouse: &Path, env: (&str, &str)) -> bool {
    Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .args(["run", "--quiet", "--full", "--raw"])
        .arg(raw)
        .arg("--warehouse")
        .arg(warehouse)
        .env("RAREFLOW_CHUNK_BYTES", "4096")
        .env(env.0, env.1)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

/// Kills `rareflow-etl` at 24 moments (fail points through reading, settling partitions,
/// writing reference tables and each publish step, plus SIGKILLs by elapsed time): after
/// each, the warehouse opens, answers, and equals the state before the run or after it.
#[test]
fn kills_at_any_moment_leave_the_warehouse_before_or_after() {
    let small = raw_without_2026();
    let full = repo().join("data/raw");
    // The "after" state, from an undisturbed run elsewhere.
    let reference = tempfile::TempDir::new().unwrap();
    etl(small.path(), reference.path(), Some("2026-01-01"), false);
    etl(&full, reference.path(), Some("2026-02-01"), false);
    let after = state(reference.path());

    let wh = tempfile::TempDir::new().unwrap();
    etl(small.path(), wh.path(), Some("2026-01-01"), false);
    let before = state(wh.path());
    let before_files = run_files(wh.path());
    assert_ne!(before, after);

    let mut points: Vec<String> = [1, 3, 6, 10, 15, 20, 25]
        .iter()
        .map(|n| format!("after-chunk:{n}"))
        .collect();
    points.extend(
        [1, 2, 5, 10, 20]
            .iter()
            .map(|n| format!("settle-partition:{n}")),
    );
    points.extend(
        [
            "before-reference-tables",
            "before-publish",
            "files-written",
            "table-committed:1",
            "table-committed:2",
            "run-recorded",
        ]
        .map(String::from),
    );
    for point in &points {
        let ok = killed_run(&full, wh.path(), ("RAREFLOW_FAIL_AT", point));
        assert!(!ok, "{point}: the run should have died");
        let now = state(wh.path());
        if point == "run-recorded" {
            // Killed after the run record: the run is published and complete.
            assert_eq!(now, after, "{point}");
        } else {
            // Table commits after the record readers pin are invisible to them.
            assert_eq!(now, before, "{point}");
            assert_eq!(run_files(wh.path()), before_files, "{point}");
        }
    }
    // SIGKILL by elapsed time, on fresh copies of the "before" warehouse.
    for delay_ms in [5u64, 20, 50, 100, 150, 250, 400] {
        let wh = tempfile::TempDir::new().unwrap();
        etl(small.path(), wh.path(), Some("2026-01-01"), false);
        let mut child = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
            .args([
                "run",
                "--quiet",
                "--full",
                "--loaded-at",
                "2026-02-01",
                "--raw",
            ])
            .arg(&full)
            .arg("--warehouse")
            .arg(wh.path())
            .env("RAREFLOW_CHUNK_BYTES", "4096")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = state(wh.path());
        assert!(
            now == before || now == after,
            "killed after {delay_ms} ms: {now:?}"
        );
        // The next run cleans up and completes.
        etl(&full, wh.path(), Some("2026-02-01"), false);
        assert_eq!(
            state(wh.path()),
            after,
            "recovery after a kill at {delay_ms} ms"
        );
        let leftovers: Vec<_> = std::fs::read_dir(wh.path().join("_rareflow/scratch"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    // The interrupted warehouse recovers too.
    etl(&full, wh.path(), Some("2026-02-01"), false);
    assert_eq!(state(wh.path()), after);
}

#[test]
fn concurrent_runs_wait_or_stop_and_readers_see_old_or_new() {
    let small = raw_without_2026();
    let full = repo().join("data/raw");
    let wh = tempfile::TempDir::new().unwrap();
    etl(small.path(), wh.path(), None, false);
    let before = state(wh.path());

    // Run A holds the warehouse for a while before publishing.
    let mut a = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .args(["run", "--quiet", "--raw"])
        .arg(&full)
        .arg("--warehouse")
        .arg(wh.path())
        .env("RAREFLOW_PAUSE_AT", "before-publish:2500")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A run makes its scratch folder once it holds the lock (probing the lock here could
    // take it from under A).
    let deadline = Instant::now() + Duration::from_secs(60);
    let scratch = wh.path().join("_rareflow/scratch");
    while std::fs::read_dir(&scratch).map_or(true, |mut d| d.next().is_none()) {
        assert!(Instant::now() < deadline, "run A never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Run B stops at once with a message; run C waits its turn.
    let b = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .args(["run", "--quiet", "--raw"])
        .arg(&full)
        .arg("--warehouse")
        .arg(wh.path())
        .output()
        .unwrap();
    assert!(!b.status.success());
    let message = String::from_utf8_lossy(&b.stderr);
    assert!(
        message.contains("another rareflow-etl run is writing this warehouse"),
        "{message}"
    );
    let c = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .args(["run", "--quiet", "--wait", "--raw"])
        .arg(&full)
        .arg("--warehouse")
        .arg(wh.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Readers during the run see the old state, never a mix.
    let mut seen = Vec::new();
    while a.try_wait().unwrap().is_none() {
        seen.push(state(wh.path()));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(a.wait().unwrap().success());
    let after = state(wh.path());
    assert_ne!(before, after);
    assert!(!seen.is_empty());
    for s in &seen {
        assert!(*s == before || *s == after, "a reader saw {s:?}");
    }
    let c = c.wait_with_output().unwrap();
    assert!(c.status.success());
    assert!(String::from_utf8_lossy(&c.stdout).contains("nothing changed"));
    assert_eq!(state(wh.path()), after);
}
