//! Publishing: reruns are reproducible, failed or killed runs leave the warehouse as it
//! was, two runs never write at once, and a warehouse folder can be moved.

use rareflow_warehouse::Warehouse;

use crate::support::{query, repo, run_etl, scalar, tree};

fn snapshot_tree(warehouse: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    tree(&Warehouse::new(warehouse).current().unwrap())
}

#[test]
fn rerun_gives_the_same_warehouse_never_duplicates() {
    let wh = tempfile::TempDir::new().unwrap();
    let raw = repo().join("data/raw");
    let first = run_etl(&raw, wh.path()).unwrap();
    let before = snapshot_tree(wh.path());
    let rows = scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows");
    let second = run_etl(&raw, wh.path()).unwrap();
    assert!(!second.published);
    assert_eq!(second.snapshot, first.snapshot);
    // A full rebuild re-reads everything and writes byte-identical files.
    let mut options = rareflow_etl::RunOptions::new(&raw, wh.path());
    options.full = true;
    let third = rareflow_etl::run(&options, &rareflow_etl::NoProgress).unwrap();
    assert_ne!(third.snapshot, first.snapshot);
    assert_eq!(
        snapshot_tree(wh.path()),
        before,
        "a full rebuild must write byte-identical files"
    );
    assert_eq!(scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows"), rows);
    // Only the current snapshot and the one before it are kept.
    let kept = std::fs::read_dir(wh.path().join("snapshots"))
        .unwrap()
        .count();
    assert_eq!(kept, 2);
}

#[test]
fn a_second_run_stops_with_a_clear_message_while_one_holds_the_lock() {
    let wh = tempfile::TempDir::new().unwrap();
    let lock = Warehouse::new(wh.path()).lock(false).unwrap();
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
    // A plain recursive copy opens too (the `current` link is relative).
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
