//! Keeping the tables small: `vacuum` deletes data files no version worth keeping names,
//! checkpoints keep the log short to replay.
//!
//! Vacuum never deletes a file of the versions the newest recorded run pins (readers open
//! those), whatever the retention: a later commit of a run that died before its record
//! does not make the pinned run's files removable.

use std::time::Duration;

use deltalake_core::checkpoints::create_checkpoint;
use deltalake_core::operations::vacuum::VacuumMode;

use super::DeltaWarehouse;
use crate::error::WarehouseError;

/// What vacuum deleted (or, in a dry run, would delete) in one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Vacuumed {
    /// The table.
    pub table: String,
    /// Files, relative to the table.
    pub files: Vec<String>,
}

impl DeltaWarehouse {
    /// Deletes the data files of the tables of the newest run that no version within
    /// `retain` (and no version that run pins) names; with `dry_run`, only lists them.
    pub async fn vacuum(
        &self,
        retain: Duration,
        dry_run: bool,
    ) -> Result<Vec<Vacuumed>, WarehouseError> {
        let Some(run) = self.newest_run().await? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (table, &version) in &run.versions {
            out.push(self.vacuum_table(table, version, retain, dry_run).await?);
        }
        Ok(out)
    }

    /// Vacuums one table, keeping the files of `pinned` (the newest run's version of it)
    /// whatever the retention; files no version names (a killed run's uploads) go too once
    /// older than `retain`.
    pub async fn vacuum_table(
        &self,
        table: &str,
        pinned: i64,
        retain: Duration,
        dry_run: bool,
    ) -> Result<Vacuumed, WarehouseError> {
        let Some(latest) = self.latest(table).await? else {
            return Ok(Vacuumed {
                table: table.to_owned(),
                files: Vec::new(),
            });
        };
        let retain = chrono::Duration::from_std(retain).unwrap_or(chrono::Duration::MAX);
        let (_, metrics) = latest
            .vacuum()
            .with_retention_period(retain)
            .with_enforce_retention_duration(false)
            .with_keep_versions(&[pinned as _])
            .with_mode(VacuumMode::Full)
            .with_dry_run(dry_run)
            .await
            .map_err(WarehouseError::delta(table))?;
        let mut files = metrics.files_deleted;
        files.sort();
        Ok(Vacuumed {
            table: table.to_owned(),
            files,
        })
    }

    /// Writes a checkpoint of `table` at its latest version (a classic single-file
    /// checkpoint every Delta reader reads), so opening it replays one file, not the log.
    pub async fn checkpoint(&self, table: &str) -> Result<(), WarehouseError> {
        let Some(latest) = self.latest(table).await? else {
            return Ok(());
        };
        create_checkpoint(&latest, None)
            .await
            .map_err(WarehouseError::delta(table))
    }
}
