//! Time travel and upkeep: `rareflow-etl history`, `rareflow-query --run N` and `--at TIME`,
//! `rareflow-etl vacuum` (dry run, retention, never the newest run's files, never while a
//! run holds the lock).

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{
    etl, hold_lock, newest_run, query_cmd, raw_without_2026, repo, scalar, stderr, stdout,
};

fn etl_cmd(args: &[&str], warehouse: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(args)
        .arg("--warehouse")
        .arg(warehouse)
        .output()
        .unwrap()
}

/// `2026-12-03T11:50:59.123456Z` for UTC microseconds.
fn rfc3339(us: i64) -> String {
    let seconds = rareflow_normalize::period::format_timestamp_us(us);
    format!(
        "{}.{:06}Z",
        seconds.trim_end_matches('Z'),
        us.rem_euclid(1_000_000)
    )
}

fn count(warehouse: &Path, args: &[&str]) -> Result<String, String> {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["sql", "SELECT COUNT(*) FROM ingest_log", "-f", "csv"]);
    let o = query_cmd(warehouse, &all);
    if o.status.success() {
        Ok(stdout(&o).lines().nth(1).unwrap_or("").to_owned())
    } else {
        Err(stderr(&o))
    }
}

#[test]
fn history_run_at_and_vacuum() {
    let wh = tempfile::TempDir::new().unwrap();
    let small = raw_without_2026();
    etl(small.path(), wh.path(), Some("2026-01-01"), false);
    let run1 = newest_run(wh.path()).unwrap().record;
    let files_run1 = scalar(wh.path(), "SELECT COUNT(*) FROM ingest_log");
    etl(
        &repo().join("data/raw"),
        wh.path(),
        Some("2026-02-01"),
        false,
    );
    let run2 = newest_run(wh.path()).unwrap().record;
    let files_run2 = scalar(wh.path(), "SELECT COUNT(*) FROM ingest_log");
    assert_ne!(files_run1, files_run2);

    // history: one line per run, with each table's version.
    let o = etl_cmd(&["history"], wh.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().skip(1).map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{}", stdout(&o));
    assert!(lines[0].trim_start().starts_with("1 "), "{}", lines[0]);
    assert!(
        lines[1].contains(&format!("trade_flows@{}", run2.versions["trade_flows"])),
        "{}",
        lines[1]
    );

    // --run and --at pick the run; the default is the newest.
    assert_eq!(count(wh.path(), &[]).unwrap(), files_run2);
    assert_eq!(count(wh.path(), &["--run", "1"]).unwrap(), files_run1);
    assert_eq!(
        count(wh.path(), &["--at", &rfc3339(run1.finished_at)]).unwrap(),
        files_run1
    );
    assert_eq!(
        count(wh.path(), &["--at", &rfc3339(run2.finished_at)]).unwrap(),
        files_run2
    );
    let before = count(wh.path(), &["--at", &rfc3339(run1.finished_at - 1)]).unwrap_err();
    assert!(before.contains("no run had finished by"), "{before}");
    let none = count(wh.path(), &["--run", "7"]).unwrap_err();
    assert!(
        none.contains("no run 7: runs 1 to 2 are recorded"),
        "{none}"
    );

    // Vacuum refuses while a run holds the lock (exit 3), as a run does.
    let lock = hold_lock(wh.path()).unwrap();
    let o = etl_cmd(&["vacuum", "--retain", "0s"], wh.path());
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    drop(lock);

    // A dry run lists what run 2 replaced, deletes nothing.
    let o = etl_cmd(&["vacuum", "--retain", "0s", "--dry-run"], wh.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let listed: Vec<String> = stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("would delete "))
        .map(str::to_owned)
        .collect();
    assert!(!listed.is_empty(), "{}", stdout(&o));
    for f in &listed {
        assert!(wh.path().join(f).is_file(), "{f}");
    }
    // The default retention (7 days) keeps them all.
    let o = etl_cmd(&["vacuum"], wh.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("vacuum: deleted 0 files"),
        "{}",
        stdout(&o)
    );
    // With no retention they go; the newest run answers as before; run 1 names a missing
    // file instead of answering with fewer rows.
    let o = etl_cmd(&["vacuum", "--retain", "0s"], wh.path());
    assert!(o.status.success(), "{}", stderr(&o));
    for f in &listed {
        assert!(!wh.path().join(f).exists(), "{f}");
    }
    assert_eq!(count(wh.path(), &[]).unwrap(), files_run2);
    let gone = count(wh.path(), &["--run", "1"]).unwrap_err();
    assert!(
        listed
            .iter()
            .any(|f| gone.contains(f.rsplit('/').next().unwrap())),
        "{gone}"
    );
}

/// Every tenth commit of a table writes a classic checkpoint (one Parquet file every Delta
/// reader reads), so opening a table replays one file and the commits after it.
#[test]
fn every_tenth_commit_of_a_table_writes_a_checkpoint() {
    use crate::lossless::{HEADER_CNY, download};
    let (raw, wh) = (
        tempfile::TempDir::new().unwrap(),
        tempfile::TempDir::new().unwrap(),
    );
    let file = raw.path().join("gacc/export/2025/magnets_202511_cny.csv");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let log = wh.path().join("trade_flows/_delta_log");
    for run in 1..=10 {
        let kg = format!("{},000", 500 + run);
        std::fs::write(
            &file,
            download(HEADER_CNY, &[("502", "美国", &kg, "41,322,000")]),
        )
        .unwrap();
        etl(raw.path(), wh.path(), None, false);
        let checkpoint = log.join("00000000000000000010.checkpoint.parquet");
        // Version 0 creates the table; run N commits version N.
        assert_eq!(checkpoint.is_file(), run == 10, "after run {run}");
    }
    assert!(log.join("_last_checkpoint").is_file());
    assert_eq!(
        scalar(
            wh.path(),
            "SELECT CAST(SUM(quantity_kg) AS BIGINT) FROM trade_flows"
        ),
        "510000"
    );
}

/// Killed in the middle of a vacuum (after its first table): readers see the newest run
/// whole (vacuum deletes only files no kept version names), and the next vacuum finishes.
#[test]
fn a_vacuum_killed_half_way_leaves_every_figure() {
    let wh = tempfile::TempDir::new().unwrap();
    let small = raw_without_2026();
    etl(small.path(), wh.path(), Some("2026-01-01"), false);
    etl(
        &repo().join("data/raw"),
        wh.path(),
        Some("2026-02-01"),
        false,
    );
    let sql = "SELECT (SELECT COUNT(*) FROM trade_flows) AS flows, \
               (SELECT SUM(quantity_kg) FROM trade_flows) AS kg, \
               (SELECT COUNT(*) FROM ingest_log) AS files, (SELECT COUNT(*) FROM rejects) AS rejects";
    let before = crate::support::query(wh.path(), sql);
    let files = crate::support::run_files(wh.path());
    let killed = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["vacuum", "--retain", "0s", "--warehouse"])
        .arg(wh.path())
        .env("RAREFLOW_FAIL_AT", "vacuum-table:1")
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the vacuum should have died");
    assert_eq!(crate::support::query(wh.path(), sql), before);
    assert_eq!(crate::support::run_files(wh.path()), files);
    let o = etl_cmd(&["vacuum", "--retain", "0s"], wh.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(crate::support::query(wh.path(), sql), before);
    assert_eq!(crate::support::run_files(wh.path()), files);
}
