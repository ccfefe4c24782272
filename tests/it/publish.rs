//! Publishing: reruns are reproducible, two runs never write at once, and a warehouse
//! folder can be moved.

use crate::support::{hold_lock, query, repo, run_etl, run_files, scalar};

#[test]
fn rerun_gives_the_same_warehouse_never_duplicates() {
    let wh = tempfile::TempDir::new().unwrap();
    let raw = repo().join("data/raw");
    let first = run_etl(&raw, wh.path()).unwrap();
    assert_eq!(first.run_id, Some(1));
    let before = run_files(wh.path());
    let rows = scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows");
    let second = run_etl(&raw, wh.path()).unwrap();
    assert!(!second.published);
    assert_eq!(second.run_id, first.run_id);
    // A full rebuild re-reads everything and comes out byte-identical: files are named by
    // their content, so not one is written and no run is recorded.
    let mut options = rareflow_etl::RunOptions::new(&raw, wh.path());
    options.full = true;
    let third = rareflow_etl::run(&options, &rareflow_etl::NoProgress).unwrap();
    assert!(!third.published, "{:?}", third.tables);
    assert_eq!(third.run_id, first.run_id);
    assert_eq!(run_files(wh.path()), before);
    assert_eq!(scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows"), rows);
}

#[test]
fn a_second_run_stops_with_a_clear_message_while_one_holds_the_lock() {
    let wh = tempfile::TempDir::new().unwrap();
    let lock = hold_lock(wh.path()).unwrap();
    let err = run_etl(&repo().join("data/raw"), wh.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("another rareflow-etl run"), "{err}");
    drop(lock);
    run_etl(&repo().join("data/raw"), wh.path()).unwrap();
}

#[test]
fn a_moved_warehouse_still_opens() {
    let parent = tempfile::TempDir::new().unwrap();
    let first = parent.path().join("first");
    run_etl(&repo().join("data/raw"), &first).unwrap();
    let moved = parent.path().join("moved");
    std::fs::rename(&first, &moved).unwrap();
    let rows = query(
        &moved,
        "SELECT COUNT(*) FROM trade_flows WHERE year = 2025 AND month = 11",
    );
    assert_ne!(rows[0][0], "0");
    // A plain recursive copy opens too (the Delta logs name files relative to their table).
    let copied = parent.path().join("copied");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&moved)
        .arg(&copied)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_dir_all(&moved).unwrap();
    assert_eq!(
        query(
            &copied,
            "SELECT COUNT(*) FROM trade_flows WHERE year = 2025 AND month = 11"
        ),
        rows
    );
}
