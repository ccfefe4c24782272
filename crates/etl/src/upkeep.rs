//! Keeping a warehouse: its history of runs, vacuum, and migrating a warehouse in the
//! snapshot layout of earlier rareflow versions into Delta tables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path as StorePath;
use rareflow_normalize::Registry;
use rareflow_warehouse::delta::{DeltaWarehouse, StagedRun, Vacuumed};
use rareflow_warehouse::{WarehouseError, WarehouseLocation};

use crate::error::EtlError;
use crate::hooks::Hooks;
use crate::publish::{Held, io_runtime, publish};

/// One recorded run, as `rareflow-etl history` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// The run.
    pub run_id: i64,
    /// When it finished, UTC microseconds.
    pub finished_at: i64,
    /// Data files it left, over all tables, and their bytes.
    pub files: usize,
    /// Bytes of those files.
    pub bytes: i64,
    /// The Delta version of each table it left.
    pub versions: BTreeMap<String, i64>,
}

fn open(warehouse: &Path) -> Result<DeltaWarehouse, EtlError> {
    Ok(DeltaWarehouse::open(&WarehouseLocation::parse(warehouse)?)?)
}

/// Every recorded run, oldest first.
pub fn history(warehouse: &Path) -> Result<Vec<HistoryRow>, EtlError> {
    let rt = io_runtime()?;
    let wh = open(warehouse)?;
    rt.block_on(async {
        let mut out = Vec::new();
        for record in wh.runs().await? {
            let pinned = wh.pin(record).await?;
            let (files, bytes) = pinned.size();
            out.push(HistoryRow {
                run_id: pinned.record.run_id,
                finished_at: pinned.record.finished_at,
                files,
                bytes,
                versions: pinned.record.versions,
            });
        }
        Ok(out)
    })
}

/// Deletes the data files no version within `retain` names (never those of the newest
/// run), under the run lock so that no run adds a file vacuum is deleting; `dry_run` only
/// lists them.
///
/// `hooks` has the point `vacuum-table` after each table (the kill tests).
pub fn vacuum(
    warehouse: &Path,
    retain: Duration,
    dry_run: bool,
    wait: bool,
    hooks: &Hooks,
) -> Result<Vec<Vacuumed>, EtlError> {
    let rt = io_runtime()?;
    let wh = open(warehouse)?;
    let held = Held::take(&rt, &wh, crate::options::DEFAULT_LOCK_TTL, wait)?;
    let result = rt.block_on(async {
        let mut out = Vec::new();
        let Some(run) = wh.newest_run().await? else {
            return Ok(out);
        };
        for (table, &version) in &run.versions {
            out.push(wh.vacuum_table(table, version, retain, dry_run).await?);
            hooks.point("vacuum-table");
        }
        Ok::<_, WarehouseError>(out)
    });
    held.release(&rt);
    Ok(result?)
}

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq)]
pub struct Migrated {
    /// The snapshot converted (`None`: it was converted before, only its leftovers went).
    pub snapshot: Option<String>,
    /// The run recorded for it.
    pub run_id: i64,
    /// Tables and their files.
    pub tables: BTreeMap<String, usize>,
}

/// Converts a warehouse in the snapshot layout (`current` naming `snapshots/N`, in a folder
/// or on S3) into Delta tables in place, as run 1: every file of the published snapshot
/// becomes a file of its table (releases, superseded figures, `loaded_at` as they were);
/// then `current` and `snapshots/` go. Stopped half-way, it is run again.
pub fn migrate(warehouse: &Path, wait: bool) -> Result<Migrated, EtlError> {
    let rt = io_runtime()?;
    let wh = open(warehouse)?;
    let held = Held::take(&rt, &wh, crate::options::DEFAULT_LOCK_TTL, wait)?;
    let result = migrate_locked(&rt, &wh, &held, warehouse);
    held.release(&rt);
    result
}

fn migrate_locked(
    rt: &tokio::runtime::Runtime,
    wh: &DeltaWarehouse,
    held: &Held,
    warehouse: &Path,
) -> Result<Migrated, EtlError> {
    if !rt.block_on(wh.has_snapshot_layout())? {
        return Err(WarehouseError::NoSuchRun {
            url: warehouse.display().to_string(),
            what: "no snapshot layout to migrate (`current` is not there)".to_owned(),
        }
        .into());
    }
    let recovered = rt.block_on(wh.recover())?;
    if let Some(done) = &recovered.previous {
        // Converted before; the old layout's removal did not finish.
        rt.block_on(remove_snapshot_layout(wh))?;
        return Ok(Migrated {
            snapshot: None,
            run_id: done.record.run_id,
            tables: done
                .tables
                .iter()
                .map(|(k, t)| (k.clone(), t.files.len()))
                .collect(),
        });
    }
    let scratch = wh.scratch(None)?;
    let staged = scratch.path().join("staged");
    let snapshot = rt.block_on(copy_snapshot(wh, &staged))?;
    let months = staged_months(&staged)?;
    let tables = Registry::default().tables();
    let run = StagedRun {
        dir: &staged,
        previous: None,
        rewritten: &months,
        tables: &tables,
    };
    let committed = publish(
        rt,
        wh,
        held,
        recovered.next_run_id,
        &run,
        &Hooks::default(),
        None,
    )?
    .ok_or_else(|| WarehouseError::NoSuchRun {
        url: warehouse.display().to_string(),
        what: format!("snapshot {snapshot} holds no table files"),
    })?;
    rt.block_on(remove_snapshot_layout(wh))?;
    Ok(Migrated {
        snapshot: Some(snapshot),
        run_id: committed.record.run_id,
        tables: committed
            .published
            .tables
            .iter()
            .map(|(k, (added, _, _))| (k.clone(), *added))
            .collect(),
    })
}

/// The published snapshot's id (what `current` names).
async fn current_snapshot(wh: &DeltaWarehouse) -> Result<String, WarehouseError> {
    if let Some(root) = wh.local_root() {
        let link = root.join("current");
        let target =
            std::fs::read_link(&link).map_err(WarehouseError::io("read the link", &link))?;
        return Ok(target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default());
    }
    let store = wh.store();
    let err = |source| WarehouseError::ObjectStore {
        action: "read the snapshot pointer",
        url: format!("{}current", wh.root()),
        source,
    };
    let bytes = store
        .get(&StorePath::from("current"))
        .await
        .map_err(err)?
        .bytes()
        .await
        .map_err(err)?;
    Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
}

/// Copies (hard-links, in a folder) every file of the published snapshot into `to`.
async fn copy_snapshot(wh: &DeltaWarehouse, to: &Path) -> Result<String, WarehouseError> {
    let id = current_snapshot(wh).await?;
    let store = wh.store();
    let prefix = StorePath::from(format!("snapshots/{id}"));
    let listed: Vec<_> = store
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|source| WarehouseError::ObjectStore {
            action: "list the snapshot",
            url: format!("{}{prefix}", wh.root()),
            source,
        })?;
    for meta in listed {
        let relative: PathBuf = meta
            .location
            .prefix_match(&prefix)
            .map(|parts| parts.map(|p| p.as_ref().to_owned()).collect())
            .unwrap_or_default();
        if relative.extension().is_none_or(|e| e != "parquet") {
            continue;
        }
        let target = to.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(WarehouseError::io("create folder", parent))?;
        }
        match wh.local_root() {
            Some(root) => {
                let from = root.join("snapshots").join(&id).join(&relative);
                if std::fs::hard_link(&from, &target).is_err() {
                    std::fs::copy(&from, &target).map_err(WarehouseError::io("copy", &from))?;
                }
            }
            None => {
                let err = |source| WarehouseError::ObjectStore {
                    action: "read",
                    url: format!("{}{}", wh.root(), meta.location),
                    source,
                };
                let bytes = store
                    .get(&meta.location)
                    .await
                    .map_err(err)?
                    .bytes()
                    .await
                    .map_err(err)?;
                std::fs::write(&target, &bytes).map_err(WarehouseError::io("write", &target))?;
            }
        }
    }
    Ok(id)
}

/// The `(year, month)` folders under the staged partitioned tables.
fn staged_months(staged: &Path) -> Result<BTreeSet<(i32, i32)>, WarehouseError> {
    let mut out = BTreeSet::new();
    for table in ["trade_flows", "trade_flows_superseded"] {
        out.extend(rareflow_warehouse::merge::list_partitions(
            &staged.join(table),
        )?);
    }
    Ok(out)
}

/// Removes `current` and `snapshots/` (and a folder's old lock file).
async fn remove_snapshot_layout(wh: &DeltaWarehouse) -> Result<(), WarehouseError> {
    if let Some(root) = wh.local_root() {
        let _ = std::fs::remove_file(root.join(".lock"));
        std::fs::remove_file(root.join("current"))
            .or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .map_err(WarehouseError::io("remove", root.join("current")))?;
        let snapshots = root.join("snapshots");
        if snapshots.is_dir() {
            std::fs::remove_dir_all(&snapshots)
                .map_err(WarehouseError::io("remove", &snapshots))?;
        }
        return Ok(());
    }
    let store = wh.store();
    let err = |source| WarehouseError::ObjectStore {
        action: "remove the snapshot layout",
        url: wh.root().to_string(),
        source,
    };
    // The pointer first: once it is gone the warehouse reads as Delta tables.
    match store.delete(&StorePath::from("current")).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(err(e)),
    }
    for prefix in ["snapshots", "lock"] {
        let listed: Vec<_> = store
            .list(Some(&StorePath::from(prefix)))
            .try_collect()
            .await
            .map_err(err)?;
        for meta in listed {
            store.delete(&meta.location).await.map_err(err)?;
        }
    }
    Ok(())
}
