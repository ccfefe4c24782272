//! Finding and undoing what a run that died left: table commits past the newest recorded
//! run (it died between its table commits and its record). Readers never saw them (they
//! open the recorded versions); the next run, under the lock, sets each such table back to
//! the recorded files in one commit, before it commits its own.

use std::collections::{BTreeMap, HashSet};

use deltalake_core::kernel::Action;
use deltalake_core::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake_core::protocol::DeltaOperation;
use object_store::ObjectStoreExt;
use object_store::path::Path as StorePath;

use super::{APP_ID, ActiveFile, DeltaWarehouse, PinnedRun};
use crate::error::WarehouseError;

/// A table set back to the newest recorded run.
#[derive(Debug, Clone, PartialEq)]
pub struct RolledBack {
    /// The table.
    pub table: String,
    /// The version a dead run left it at.
    pub from_version: i64,
    /// The version the recorded run pins (`None`: the dead run created the table).
    pub recorded_version: Option<i64>,
    /// The run id the dead run committed with.
    pub dead_run: Option<i64>,
}

/// What a run starts from: the newest recorded run, and the id to use.
#[derive(Debug)]
pub struct Recovered {
    /// The newest recorded run, pinned.
    pub previous: Option<PinnedRun>,
    /// Tables set back to it.
    pub rolled_back: Vec<RolledBack>,
    /// The id for the run now starting: past every recorded run and every run id a log holds.
    pub next_run_id: i64,
}

impl DeltaWarehouse {
    /// Under the run lock: pins the newest recorded run and sets back every table a dead
    /// run committed to after it.
    pub async fn recover(&self) -> Result<Recovered, WarehouseError> {
        let previous = self.pin_newest().await?;
        let mut next = previous.as_ref().map_or(0, |p| p.record.run_id);
        let mut rolled_back = Vec::new();
        for table in self.table_names().await? {
            let Some(latest) = self.latest(&table).await? else {
                continue;
            };
            let delta = |source| WarehouseError::delta(&table)(source);
            let snapshot = latest.snapshot().map_err(delta)?;
            let dead_run = snapshot
                .transaction_version(latest.log_store().as_ref(), APP_ID)
                .await
                .map_err(delta)?;
            next = next.max(dead_run.unwrap_or(0));
            let latest_version = snapshot.version() as i64;
            let pinned = previous.as_ref().and_then(|p| p.table(&table));
            if pinned.is_some_and(|t| t.version == latest_version) {
                continue;
            }
            let now = self.pin_table(&table, latest_version).await?;
            let keep: Vec<ActiveFile> = pinned.map(|t| t.files.clone()).unwrap_or_default();
            let in_keep: HashSet<&str> = keep.iter().map(|f| f.path.as_str()).collect();
            let in_now: HashSet<&str> = now.files.iter().map(|f| f.path.as_str()).collect();
            let actions: Vec<Action> = keep
                .iter()
                .filter(|f| !in_now.contains(f.path.as_str()))
                .map(|f| Action::Add(f.add()))
                .chain(
                    now.files
                        .iter()
                        .filter(|f| !in_keep.contains(f.path.as_str()))
                        .map(|f| Action::Remove(f.remove())),
                )
                .collect();
            if !actions.is_empty() {
                let operation = DeltaOperation::Restore {
                    version: pinned.map(|t| t.version as _),
                    datetime: None,
                };
                CommitBuilder::from(CommitProperties::default())
                    .with_actions(actions)
                    .build(Some(snapshot), latest.log_store(), operation)
                    .await
                    .map_err(delta)?;
            }
            tracing::warn!(table = %table, from = latest_version, "set back a table a run that died had committed to");
            rolled_back.push(RolledBack {
                table,
                from_version: latest_version,
                recorded_version: pinned.map(|t| t.version),
                dead_run,
            });
        }
        Ok(Recovered {
            previous,
            rolled_back,
            next_run_id: next + 1,
        })
    }

    /// The tables under the root (folders with a Delta log), sorted.
    pub async fn table_names(&self) -> Result<Vec<String>, WarehouseError> {
        let listed = self
            .store()
            .list_with_delimiter(None)
            .await
            .map_err(|source| WarehouseError::ObjectStore {
                action: "list tables",
                url: self.root().to_string(),
                source,
            })?;
        let mut out = Vec::new();
        for folder in listed.common_prefixes {
            let name = folder.as_ref().to_owned();
            if name.starts_with('_') || name.starts_with('.') {
                continue;
            }
            if self.has_log(&name).await? {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Whether the warehouse holds the snapshot layout of rareflow before Delta tables
    /// (`current` and `snapshots/`): runs refuse it and name `rareflow-etl migrate`.
    pub async fn has_snapshot_layout(&self) -> Result<bool, WarehouseError> {
        if let Some(root) = self.local_root() {
            let current = root.join("current");
            return Ok(current.symlink_metadata().is_ok() || root.join("snapshots").is_dir());
        }
        match self.store().head(&StorePath::from("current")).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(WarehouseError::ObjectStore {
                action: "look for a snapshot pointer",
                url: format!("{}current", self.root()),
                source,
            }),
        }
    }

    /// Each table's version in the run, as a map (for the run record).
    pub fn versions_after(
        previous: Option<&PinnedRun>,
        committed: &BTreeMap<String, i64>,
    ) -> BTreeMap<String, i64> {
        let mut versions: BTreeMap<String, i64> = previous
            .map(|p| p.record.versions.clone())
            .unwrap_or_default();
        versions.extend(committed.iter().map(|(k, v)| (k.clone(), *v)));
        versions
    }
}
