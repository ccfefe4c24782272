//! The warehouse as Delta Lake tables (issue 17, in progress; cargo feature `delta`).
//!
//! Every table is a Delta table under the warehouse root, so Spark, DuckDB (`delta_scan`),
//! Polars (`scan_delta`) and Python `deltalake` read it without knowing rareflow. A run is
//! one consistent change of several tables, committed as data:
//!
//! 1. every data file is written first (invisible until a commit names it);
//! 2. each table is committed with an application transaction `(rareflow-etl, run id)`, so a
//!    retried or repeated commit is recognised ([`commit`]), never applied twice;
//! 3. the run is recorded last, with the Delta version of each table it produced
//!    ([`runs`]): readers open every table at the versions of the newest recorded run, so a
//!    query never sees half a run, and a reader keeps its versions to the end.
//!
//! A run that died between table commits is finished by committing the same changes again:
//! tables whose transaction already carries the run id are skipped.
//!
//! Protocol reader 1 / writer 2 without table features: timestamps carry a time zone (a
//! naive one would raise the protocol to reader 3 / writer 7).

mod commit;
mod files;
mod pinned_store;
mod runs;
mod stats;
mod write;

use std::path::Path;

use deltalake_core::{DeltaTable, DeltaTableBuilder, DeltaTableError};
use url::Url;

use crate::error::WarehouseError;

pub use commit::{APP_ID, TableChange};
/// Delta's file actions, as a run builds them.
pub use deltalake_core::kernel::{Add, Remove};
pub use files::{ActiveFile, active_files, table_layout};
pub use pinned_store::PinnedStore;
pub use runs::RunRecord;
pub use stats::add_for_file;

/// A warehouse of Delta tables at a root URL (a local folder today).
#[derive(Debug, Clone)]
pub struct DeltaWarehouse {
    root: Url,
}

impl DeltaWarehouse {
    /// The warehouse in a local folder (created on the first commit).
    pub fn local(root: &Path) -> Result<DeltaWarehouse, WarehouseError> {
        std::fs::create_dir_all(root).map_err(WarehouseError::io("create folder", root))?;
        let absolute = root
            .canonicalize()
            .map_err(WarehouseError::io("resolve", root))?;
        let root = Url::from_directory_path(&absolute).map_err(|()| WarehouseError::BadUrl {
            url: absolute.display().to_string(),
            expected: "an absolute folder",
        })?;
        Ok(DeltaWarehouse { root })
    }

    /// The local folder of the warehouse.
    pub fn local_root(&self) -> Result<std::path::PathBuf, WarehouseError> {
        self.root
            .to_file_path()
            .map_err(|()| WarehouseError::BadUrl {
                url: self.root.to_string(),
                expected: "a local folder (object stores come next)",
            })
    }

    /// The root URL, ending in `/`.
    pub fn root(&self) -> &Url {
        &self.root
    }

    /// Where a table lives.
    pub fn table_url(&self, table: &str) -> Url {
        // A table name is one path segment of ours: joining cannot fail.
        self.root
            .join(&format!("{table}/"))
            .unwrap_or_else(|_| self.root.clone())
    }

    /// The table at its latest version, or `None` when it has no log yet.
    pub async fn latest(&self, table: &str) -> Result<Option<DeltaTable>, WarehouseError> {
        self.open(table, None).await
    }

    /// The table at `version`.
    pub async fn at_version(
        &self,
        table: &str,
        version: i64,
    ) -> Result<DeltaTable, WarehouseError> {
        self.open(table, Some(version)).await?.ok_or_else(|| {
            WarehouseError::delta(table)(DeltaTableError::NotATable(format!(
                "no log at {}",
                self.table_url(table)
            )))
        })
    }

    fn has_log(&self, table: &str) -> bool {
        self.table_url(table)
            .to_file_path()
            .is_ok_and(|dir| dir.join("_delta_log").is_dir())
    }

    async fn open(
        &self,
        table: &str,
        version: Option<i64>,
    ) -> Result<Option<DeltaTable>, WarehouseError> {
        let delta = |source| WarehouseError::delta(table)(source);
        let mut builder = DeltaTableBuilder::from_url(self.table_url(table)).map_err(delta)?;
        if let Some(v) = version {
            builder = builder.with_version(v as _);
        }
        if version.is_none() && !self.has_log(table) {
            // No table was ever committed there (a first run): as against a table that
            // is there but unreadable, which is an error.
            return Ok(None);
        }
        builder.load().await.map(Some).map_err(delta)
    }
}

#[cfg(test)]
mod tests;
