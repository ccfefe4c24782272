//! Snapshots, staging, atomic publish and the run lock.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::error::{OneLine, WarehouseError};

const CURRENT: &str = "current";
const SNAPSHOTS: &str = "snapshots";
const STAGING_PREFIX: &str = ".staging-";
const LOCK: &str = ".lock";

/// A warehouse folder.
#[derive(Debug, Clone)]
pub struct Warehouse {
    root: PathBuf,
}

/// Held while a run writes the warehouse; released on drop (or when the process dies:
/// the OS drops the lock with the file descriptor, so a killed run never wedges the next).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// A snapshot being written. Dropped without [`Staging::publish`], it is removed.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    final_dir: PathBuf,
    root: PathBuf,
    published: bool,
}

impl Warehouse {
    /// The warehouse at `root` (it need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Warehouse {
        Warehouse { root: root.into() }
    }

    /// The warehouse folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The published snapshot folder, resolved once: a reader that keeps this path sees one
    /// consistent state even while a run publishes the next.
    ///
    /// `root` may also be a snapshot folder itself (it holds `trade_flows/`).
    pub fn current(&self) -> Result<PathBuf, WarehouseError> {
        self.published()?
            .ok_or_else(|| WarehouseError::NotAWarehouse {
                path: self.root.clone(),
            })
    }

    /// As [`Warehouse::current`], with `None` for a folder that holds no warehouse yet (a
    /// first run). A `current` link that cannot be read, or that names a snapshot that is
    /// gone, is an error: never taken for an empty warehouse.
    pub fn published(&self) -> Result<Option<PathBuf>, WarehouseError> {
        let link = self.root.join(CURRENT);
        match fs::read_link(&link) {
            Ok(target) => {
                let snapshot = self.root.join(target);
                if snapshot.is_dir() {
                    Ok(Some(snapshot))
                } else {
                    Err(WarehouseError::SnapshotMissing { link, snapshot })
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Some(self.root.clone()).filter(|r| r.join("trade_flows").is_dir()))
            }
            Err(e) => Err(WarehouseError::io("read the link", &link)(e)),
        }
    }

    /// Takes the run lock. With `wait`, blocks until the other run ends; without, fails with
    /// [`WarehouseError::Busy`].
    pub fn lock(&self, wait: bool) -> Result<RunLock, WarehouseError> {
        fs::create_dir_all(&self.root)
            .map_err(WarehouseError::io("create warehouse folder", &self.root))?;
        let path = self.root.join(LOCK);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(WarehouseError::io("open lock file", &path))?;
        if wait {
            file.lock().map_err(WarehouseError::io("lock", &path))?;
        } else {
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => return Err(WarehouseError::Busy { path }),
                Err(fs::TryLockError::Error(e)) => {
                    return Err(WarehouseError::io("lock", &path)(e));
                }
            }
        }
        Ok(RunLock { _file: file })
    }

    /// Starts a new snapshot beside the published one. Leftovers of killed runs are removed
    /// first (the lock proves nobody is writing them).
    pub fn begin(&self, _lock: &RunLock) -> Result<Staging, WarehouseError> {
        let snapshots = self.root.join(SNAPSHOTS);
        fs::create_dir_all(&snapshots).map_err(WarehouseError::io("create", &snapshots))?;
        let mut last = 0u64;
        for entry in fs::read_dir(&snapshots).map_err(WarehouseError::io("list", &snapshots))? {
            let entry = entry.map_err(WarehouseError::io("list", &snapshots))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(STAGING_PREFIX) {
                tracing::info!(dir = %entry.path().display(), "removing staging left by an interrupted run");
                fs::remove_dir_all(entry.path())
                    .map_err(WarehouseError::io("remove stale staging", entry.path()))?;
            } else if let Ok(n) = name.parse::<u64>() {
                last = last.max(n);
            }
        }
        let _ = fs::remove_file(self.root.join(format!("{CURRENT}.tmp")));
        let id = format!("{:06}", last + 1);
        let dir = snapshots.join(format!("{STAGING_PREFIX}{id}"));
        fs::create_dir_all(&dir).map_err(WarehouseError::io("create staging", &dir))?;
        Ok(Staging {
            final_dir: snapshots.join(&id),
            dir,
            root: self.root.clone(),
            published: false,
        })
    }
}

fn sync_dir(path: &Path) -> Result<(), WarehouseError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(WarehouseError::io("sync folder", path))
}

impl Staging {
    /// Folder of a table inside the staged snapshot.
    pub fn table_dir(&self, table: &str) -> PathBuf {
        self.dir.join(table)
    }

    /// The staged snapshot folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Publishes the snapshot: renames it into place, then swaps the `current` link with one
    /// atomic rename. Readers see the old snapshot or the new, never a mix. Returns the new
    /// snapshot folder.
    pub fn publish(self) -> Result<PathBuf, WarehouseError> {
        self.publish_with(|_| Ok(()))
    }

    /// As [`Staging::publish`], calling `step` after each step (`synced`,
    /// `snapshot-renamed`, `link-swapped`): the kill tests stop the process there. An error
    /// from `step` stops the publish and is returned; before `link-swapped`, `current`
    /// still names the previous snapshot (a renamed but unlinked snapshot is removed by
    /// the next publish).
    pub fn publish_with(
        mut self,
        mut step: impl FnMut(&str) -> Result<(), WarehouseError>,
    ) -> Result<PathBuf, WarehouseError> {
        sync_tree(&self.dir)?;
        step("synced")?;
        fs::rename(&self.dir, &self.final_dir)
            .map_err(WarehouseError::io("publish snapshot", &self.final_dir))?;
        self.published = true;
        step("snapshot-renamed")?;
        let snapshots = self.root.join(SNAPSHOTS);
        sync_dir(&snapshots)?;
        let name = self
            .final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let previous = fs::read_link(self.root.join(CURRENT))
            .ok()
            .and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()));
        let tmp = self.root.join(format!("{CURRENT}.tmp"));
        let _ = fs::remove_file(&tmp);
        std::os::unix::fs::symlink(Path::new(SNAPSHOTS).join(&name), &tmp)
            .map_err(WarehouseError::io("link snapshot", &tmp))?;
        fs::rename(&tmp, self.root.join(CURRENT))
            .map_err(WarehouseError::io("swap current link", &tmp))?;
        sync_dir(&self.root)?;
        step("link-swapped")?;
        self.remove_old_snapshots(&snapshots, &[Some(name), previous]);
        Ok(self.final_dir.clone())
    }

    /// Removes every snapshot but the new one and the one it replaced (a query that opened
    /// the previous snapshot just before the swap can still finish), including snapshots
    /// left unpublished by a run killed between rename and link swap.
    fn remove_old_snapshots(&self, snapshots: &Path, keep: &[Option<String>]) {
        let Ok(entries) = fs::read_dir(snapshots) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_snapshot = name.parse::<u64>().is_ok();
            let kept = keep.iter().any(|k| k.as_deref() == Some(name.as_str()));
            if !is_snapshot || kept {
                continue;
            }
            if let Err(e) = fs::remove_dir_all(entry.path()) {
                tracing::warn!(dir = %entry.path().display(), error = %OneLine(&e), "could not remove old snapshot");
            }
        }
    }
}
/// fsyncs every file and folder under `dir`, so a crash after publish cannot leave a
/// published snapshot with missing data.
fn sync_tree(dir: &Path) -> Result<(), WarehouseError> {
    for entry in fs::read_dir(dir).map_err(WarehouseError::io("list", dir))? {
        let path = entry.map_err(WarehouseError::io("list", dir))?.path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(WarehouseError::io("sync file", &path))?;
        }
    }
    sync_dir(dir)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
