//! The data files of a table version: what a reader (DataFusion locally, or Ballista's
//! plain Parquet scans) reads, with partition values.

use std::collections::HashMap;

use arrow::datatypes::SchemaRef;
use deltalake_core::kernel::{Add, Remove};

use super::DeltaWarehouse;
use crate::error::WarehouseError;

/// One data file of a table version.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveFile {
    /// Path relative to the table folder.
    pub path: String,
    /// Size in bytes.
    pub size: i64,
    /// Partition values as the log holds them (strings; `None` for NULL).
    pub partition_values: HashMap<String, Option<String>>,
    /// Rows, when the file's statistics say.
    pub rows: Option<usize>,
    /// When it was written, Unix milliseconds (as its `add` says).
    pub modified_ms: i64,
    /// Its statistics, as the log holds them (JSON), to add it again unchanged.
    pub stats: Option<String>,
}

impl ActiveFile {
    /// The `(year, month)` of a file of a table partitioned by them.
    pub fn month(&self) -> Option<(i32, i32)> {
        let value = |k: &str| self.partition_values.get(k)?.as_deref()?.parse().ok();
        Some((value("year")?, value("month")?))
    }

    /// A `remove` of this file, now.
    pub fn remove(&self) -> Remove {
        Remove {
            path: self.path.clone(),
            data_change: true,
            deletion_timestamp: Some(now_ms()),
            extended_file_metadata: Some(true),
            partition_values: Some(self.partition_values.clone()),
            size: Some(self.size),
            ..Default::default()
        }
    }

    /// An `add` of this file as it was (to restore it).
    pub fn add(&self) -> Add {
        Add {
            path: self.path.clone(),
            partition_values: self.partition_values.clone(),
            size: self.size,
            modification_time: self.modified_ms,
            data_change: true,
            stats: self.stats.clone(),
            ..Default::default()
        }
    }
}

/// Now, Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The files of `table` at `version`, sorted by path.
pub async fn active_files(
    warehouse: &DeltaWarehouse,
    table: &str,
    version: i64,
) -> Result<Vec<ActiveFile>, WarehouseError> {
    Ok(warehouse.pin_table(table, version).await?.files)
}

/// The schema of `table` at `version` (partition columns included, as Delta holds them)
/// and its partition columns.
pub async fn table_layout(
    warehouse: &DeltaWarehouse,
    table: &str,
    version: i64,
) -> Result<(SchemaRef, Vec<String>), WarehouseError> {
    let pinned = warehouse.pin_table(table, version).await?;
    Ok((pinned.schema, pinned.partition_columns))
}
