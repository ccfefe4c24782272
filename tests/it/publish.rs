//! Publishing: reruns are reproducible, failed or killed runs leave the warehouse as it
//! was, two runs never write at once, and a warehouse folder can be moved.

use std::process::Command;

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
    assert_ne!(first.snapshot, second.snapshot);
    assert_eq!(
        snapshot_tree(wh.path()),
        before,
        "a rerun must write byte-identical files"
    );
    assert_eq!(scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows"), rows);
    // Only the newest two snapshots are kept.
    run_etl(&raw, wh.path()).unwrap();
    let kept = std::fs::read_dir(wh.path().join("snapshots"))
        .unwrap()
        .count();
    assert_eq!(kept, 2);
}

#[test]
fn killed_runs_leave_the_previous_warehouse_and_are_cleaned_up() {
    let wh = tempfile::TempDir::new().unwrap();
    let raw = repo().join("data/raw");
    run_etl(&raw, wh.path()).unwrap();
    let before = snapshot_tree(wh.path());
    for point in ["after-chunk", "before-publish"] {
        let status = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
            .args(["run", "--quiet", "--raw"])
            .arg(&raw)
            .arg("--warehouse")
            .arg(wh.path())
            .env("RAREFLOW_FAIL_AT", point)
            .status()
            .unwrap();
        assert!(!status.success(), "{point}: the run should have died");
        // A staging folder is left behind, but readers do not see it.
        assert_eq!(snapshot_tree(wh.path()), before, "{point}");
        assert_eq!(
            scalar(wh.path(), "SELECT COUNT(*) > 0 FROM trade_flows"),
            "true"
        );
    }
    run_etl(&raw, wh.path()).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(wh.path().join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging left after a clean run: {leftovers:?}"
    );
    assert_eq!(snapshot_tree(wh.path()), before);
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
}
