//! A recorded run's tables, opened once at the versions it recorded: their files, schemas
//! and partitions. What readers register, and what a run settles against.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use arrow::datatypes::{Schema, SchemaRef};
use deltalake_core::kernel::engine::arrow_conversion::TryIntoArrow as _;
use futures::StreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path as StorePath;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

use super::{ActiveFile, DeltaWarehouse, PinnedStore, RunRecord, TableChange};
use crate::error::WarehouseError;

/// One table at a pinned version.
#[derive(Debug, Clone)]
pub struct PinnedTable {
    /// The Delta version.
    pub version: i64,
    /// Its schema, partition columns included.
    pub schema: SchemaRef,
    /// Partition columns, in order.
    pub partition_columns: Vec<String>,
    /// Its data files, sorted by path.
    pub files: Vec<ActiveFile>,
}

impl PinnedTable {
    /// The `(year, month)` partitions that hold files.
    pub fn months(&self) -> BTreeSet<(i32, i32)> {
        self.files.iter().filter_map(ActiveFile::month).collect()
    }

    /// The schema of its files: without the partition columns (they are in the paths).
    pub fn file_schema(&self) -> Schema {
        Schema::new(
            self.schema
                .fields()
                .iter()
                .filter(|f| !self.partition_columns.contains(f.name()))
                .cloned()
                .collect::<Vec<_>>(),
        )
    }
}

/// Every table of one recorded run, at the version the run recorded.
#[derive(Debug, Clone)]
pub struct PinnedRun {
    /// The run.
    pub record: RunRecord,
    /// Table name to the table at its version.
    pub tables: BTreeMap<String, PinnedTable>,
}

impl PinnedRun {
    /// The table, if the run has it.
    pub fn table(&self, name: &str) -> Option<&PinnedTable> {
        self.tables.get(name)
    }

    /// Every data file of the run, as paths from the warehouse root.
    pub fn store_paths(&self) -> impl Iterator<Item = (StorePath, &ActiveFile)> {
        self.tables.iter().flat_map(|(name, t)| {
            t.files
                .iter()
                .map(move |f| (StorePath::from(format!("{name}/{}", f.path)), f))
        })
    }

    /// A read-only view of the warehouse that lists exactly this run's files.
    pub fn view(&self, warehouse: &DeltaWarehouse) -> PinnedStore {
        PinnedStore::new(warehouse.store(), self.store_paths())
    }

    /// Data files in all, and their bytes.
    pub fn size(&self) -> (usize, i64) {
        let files = self.tables.values().flat_map(|t| &t.files);
        files.fold((0, 0), |(n, b), f| (n + 1, b + f.size))
    }
}

impl PinnedRun {
    /// The tables as `previous` and then `changes` (not committed yet) would leave them,
    /// as run `run_id`: what a last look before committing reads.
    pub fn after(previous: Option<&PinnedRun>, run_id: i64, changes: &[TableChange]) -> PinnedRun {
        let mut tables = previous.map(|p| p.tables.clone()).unwrap_or_default();
        for change in changes {
            let table = tables
                .entry(change.table.clone())
                .or_insert_with(|| PinnedTable {
                    version: -1,
                    schema: change.schema.clone(),
                    partition_columns: change.partition_columns.clone(),
                    files: Vec::new(),
                });
            let gone: HashSet<&str> = change.removes.iter().map(|r| r.path.as_str()).collect();
            table.files.retain(|f| !gone.contains(f.path.as_str()));
            table.files.extend(change.adds.iter().map(|a| ActiveFile {
                path: a.path.clone(),
                size: a.size,
                partition_values: a.partition_values.clone(),
                rows: None,
                modified_ms: a.modification_time,
                stats: a.stats.clone(),
            }));
            table.files.sort_by(|a, b| a.path.cmp(&b.path));
        }
        PinnedRun {
            record: RunRecord {
                run_id,
                finished_at: 0,
                versions: BTreeMap::new(),
            },
            tables,
        }
    }
}

impl DeltaWarehouse {
    /// Deletes the files `changes` add (a run that will not commit them); best effort:
    /// what is left, no version names, and vacuum deletes.
    pub async fn delete_added(&self, changes: &[TableChange]) {
        let store = self.store();
        for change in changes {
            for add in &change.adds {
                let location = StorePath::from(format!("{}/{}", change.table, add.path));
                if let Err(e) = store.delete(&location).await {
                    tracing::warn!(file = %location, error = %e, "could not delete a file no version names");
                }
            }
        }
    }

    /// Opens every table of `record` at its recorded version.
    pub async fn pin(&self, record: RunRecord) -> Result<PinnedRun, WarehouseError> {
        // Every table's log at once: a query process opens a dozen tables before its first
        // row, and each one is a few small reads.
        let opened = futures::future::try_join_all(record.versions.iter().map(
            |(name, &version)| async move {
                Ok::<_, WarehouseError>((name.clone(), self.pin_table(name, version).await?))
            },
        ))
        .await?;
        let tables = opened.into_iter().collect();
        Ok(PinnedRun { record, tables })
    }

    /// The newest recorded run, pinned; `None` before the first run.
    pub async fn pin_newest(&self) -> Result<Option<PinnedRun>, WarehouseError> {
        match self.newest_run().await? {
            Some(record) => Ok(Some(self.pin(record).await?)),
            None => Ok(None),
        }
    }

    /// One table at `version`, opened once.
    pub async fn pin_table(&self, name: &str, version: i64) -> Result<PinnedTable, WarehouseError> {
        let delta = |source| WarehouseError::delta(name)(source);
        let t = self.at_version(name, version).await?;
        let snapshot = t.snapshot().map_err(delta)?;
        let schema: Schema = snapshot.schema().as_ref().try_into_arrow().map_err(|e| {
            delta(deltalake_core::DeltaTableError::Generic(format!(
                "schema has no Arrow equivalent: {e}"
            )))
        })?;
        let mut files: Vec<ActiveFile> = snapshot
            .log_data()
            .iter()
            .map(|f| ActiveFile {
                path: f.path().into_owned(),
                size: f.size(),
                partition_values: f.partition_values_map(),
                rows: f.num_records(),
                modified_ms: f.modification_time(),
                stats: f.stats(),
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(PinnedTable {
            version,
            schema: Arc::new(schema),
            partition_columns: snapshot.metadata().partition_columns().to_vec(),
            files,
        })
    }

    /// Copies the files of `table` that `wanted` picks into `to/TABLE/k=v/.../NAME` (the
    /// Hive layout), streaming each through the object store. Returns the bytes copied.
    pub async fn download(
        &self,
        name: &str,
        table: &PinnedTable,
        wanted: impl Fn(&ActiveFile) -> bool,
        to: &Path,
    ) -> Result<u64, WarehouseError> {
        let store = self.store();
        let mut bytes = 0u64;
        for f in table.files.iter().filter(|f| wanted(f)) {
            let location = StorePath::from(format!("{name}/{}", f.path));
            let url = format!("{}{location}", self.root());
            let store_error = |source| WarehouseError::ObjectStore {
                action: "read",
                url: url.clone(),
                source,
            };
            let target = to.join(name).join(&f.path);
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(WarehouseError::io("create folder", parent))?;
            }
            let mut out = tokio::fs::File::create(&target)
                .await
                .map_err(WarehouseError::io("create", &target))?;
            let mut stream = store
                .get(&location)
                .await
                .map_err(store_error)?
                .into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(store_error)?;
                bytes += chunk.len() as u64;
                out.write_all(&chunk)
                    .await
                    .map_err(WarehouseError::io("write", &target))?;
            }
            out.flush()
                .await
                .map_err(WarehouseError::io("write", &target))?;
        }
        Ok(bytes)
    }
}
