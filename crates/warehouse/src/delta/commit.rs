//! Committing one run's changes, table by table, each with the run's application
//! transaction so that a repeated commit is recognised instead of applied twice.

use std::collections::BTreeMap;

use arrow::datatypes::SchemaRef;
use deltalake_core::DeltaTable;
use deltalake_core::kernel::engine::arrow_conversion::TryIntoKernel as _;
use deltalake_core::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake_core::kernel::{Action, Add, Remove, StructType, Transaction};
use deltalake_core::protocol::{DeltaOperation, SaveMode};

use super::DeltaWarehouse;
use crate::error::WarehouseError;

/// The application id of rareflow's transactions in every table's log.
pub const APP_ID: &str = "rareflow-etl";

/// What one run changes in one table: files it adds and files they replace.
#[derive(Debug, Clone)]
pub struct TableChange {
    /// Table name (a folder under the warehouse root).
    pub table: String,
    /// The table's schema (partition columns included), used when the table is created.
    pub schema: SchemaRef,
    /// Partition columns, in order.
    pub partition_columns: Vec<String>,
    /// Files written by the run, relative to the table.
    pub adds: Vec<Add>,
    /// Files of earlier versions the run replaces.
    pub removes: Vec<Remove>,
}

impl DeltaWarehouse {
    /// Commits each change as one Delta commit carrying `(APP_ID, run_id)`, in the order
    /// given, and returns the version each table is at afterwards. A table whose log already
    /// carries this run (or a later one) is not committed again: calling this twice with the
    /// same run, or after a run died between commits, finishes the run exactly once.
    pub async fn commit_tables(
        &self,
        run_id: i64,
        changes: &[TableChange],
    ) -> Result<BTreeMap<String, i64>, WarehouseError> {
        let mut versions = BTreeMap::new();
        for change in changes {
            let version = self.commit_table(run_id, change).await?;
            versions.insert(change.table.clone(), version);
        }
        Ok(versions)
    }

    async fn commit_table(&self, run_id: i64, change: &TableChange) -> Result<i64, WarehouseError> {
        let delta = |source| WarehouseError::delta(&change.table)(source);
        let table = match self.latest(&change.table).await? {
            Some(table) => table,
            None => self.create(change).await?,
        };
        let snapshot = table.snapshot().map_err(delta)?;
        let done = snapshot
            .transaction_version(table.log_store().as_ref(), APP_ID)
            .await
            .map_err(delta)?;
        if done.is_some_and(|v| v >= run_id) {
            return Ok(snapshot.version() as i64);
        }
        let actions: Vec<Action> = change
            .adds
            .iter()
            .cloned()
            .map(Action::Add)
            .chain(change.removes.iter().cloned().map(Action::Remove))
            .collect();
        let properties = CommitProperties::default()
            .with_application_transaction(Transaction::new(APP_ID, run_id))
            .with_metadata([("rareflow.run_id".to_owned(), run_id.into())]);
        let operation = DeltaOperation::Write {
            mode: if change.removes.is_empty() {
                SaveMode::Append
            } else {
                SaveMode::Overwrite
            },
            partition_by: Some(change.partition_columns.clone()).filter(|p| !p.is_empty()),
            predicate: None,
        };
        let commit = CommitBuilder::from(properties)
            .with_actions(actions)
            .build(Some(snapshot), table.log_store(), operation)
            .await
            .map_err(delta)?;
        Ok(commit.version() as i64)
    }

    /// Creates the table (version 0, no data). Two runs creating it at once both end with
    /// the one table: the loser of the race finds it there.
    async fn create(&self, change: &TableChange) -> Result<DeltaTable, WarehouseError> {
        let delta = |source| WarehouseError::delta(&change.table)(source);
        let schema: StructType = change.schema.as_ref().try_into_kernel().map_err(|e| {
            delta(deltalake_core::DeltaTableError::Generic(format!(
                "schema has no Delta equivalent: {e}"
            )))
        })?;
        self.handle(&change.table)?
            .create()
            .with_table_name(change.table.clone())
            .with_columns(schema.fields().cloned())
            .with_partition_columns(change.partition_columns.clone())
            .with_save_mode(SaveMode::Ignore)
            .await
            .map_err(delta)
    }
}
