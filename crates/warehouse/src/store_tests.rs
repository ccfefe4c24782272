//! Publishing: a publish stopped by its step callback leaves `current` where it was.

use std::fs;
use std::path::{Path, PathBuf};

use super::Warehouse;
use crate::error::{OneLine, WarehouseError};

/// Stages a snapshot holding `marker.txt` with `text`.
fn stage(wh: &Warehouse, text: &str) -> super::Staging {
    let lock = wh.lock(false).unwrap();
    let staging = wh.begin(&lock).unwrap();
    fs::write(staging.dir().join("marker.txt"), text).unwrap();
    staging
}

fn current_link(root: &Path) -> PathBuf {
    fs::read_link(root.join("current")).unwrap()
}

fn stop_at(point: &'static str) -> impl FnMut(&str) -> Result<(), WarehouseError> {
    move |step| {
        if step == point {
            Err(WarehouseError::io("test stop", step.to_owned())(
                std::io::Error::other("stopped by the test"),
            ))
        } else {
            Ok(())
        }
    }
}

fn snapshots(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_step_that_fails_leaves_current_at_the_old_snapshot() {
    let tmp = tempfile::TempDir::new().unwrap();
    let wh = Warehouse::new(tmp.path());
    let first = stage(&wh, "one").publish().unwrap();
    assert_eq!(current_link(tmp.path()), Path::new("snapshots/000001"));
    assert_eq!(first, tmp.path().join("snapshots/000001"));

    // Stopped after the sync: the staging folder is removed, current unchanged.
    let err = stage(&wh, "two")
        .publish_with(stop_at("synced"))
        .unwrap_err();
    assert!(
        OneLine(&err).to_string().contains("stopped by the test"),
        "{err}"
    );
    assert_eq!(current_link(tmp.path()), Path::new("snapshots/000001"));
    assert_eq!(snapshots(tmp.path()), vec!["000001"]);

    // Stopped after the rename, before the link swap: current still names the old one.
    let err = stage(&wh, "three")
        .publish_with(stop_at("snapshot-renamed"))
        .unwrap_err();
    assert!(matches!(
        err,
        WarehouseError::Io {
            action: "test stop",
            ..
        }
    ));
    assert_eq!(current_link(tmp.path()), Path::new("snapshots/000001"));
    let current = wh.current().unwrap();
    assert_eq!(
        fs::read_to_string(current.join("marker.txt")).unwrap(),
        "one"
    );
    assert_eq!(snapshots(tmp.path()), vec!["000001", "000002"]);

    // The next publish goes through and removes the unpublished snapshot.
    let steps = std::cell::RefCell::new(Vec::new());
    let third = stage(&wh, "four")
        .publish_with(|s| {
            steps.borrow_mut().push(s.to_owned());
            Ok(())
        })
        .unwrap();
    assert_eq!(
        steps.into_inner(),
        ["synced", "snapshot-renamed", "link-swapped"]
    );
    assert_eq!(third, tmp.path().join("snapshots/000003"));
    assert_eq!(current_link(tmp.path()), Path::new("snapshots/000003"));
    assert_eq!(
        fs::read_to_string(wh.current().unwrap().join("marker.txt")).unwrap(),
        "four"
    );
    assert_eq!(snapshots(tmp.path()), vec!["000001", "000003"]);
}
