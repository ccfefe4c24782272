//! A run's staged tables: a local folder laid out as the warehouse is (one folder per
//! table, Hive partitions inside) that the run fills before anything is published, then
//! hands to [`crate::delta::DeltaWarehouse::stage_changes`].

use std::path::{Path, PathBuf};

/// The staged tables of a run, in a folder the run owns.
#[derive(Debug, Clone)]
pub struct Staging {
    dir: PathBuf,
}

impl Staging {
    /// Staged tables in `dir` (an empty folder of the run's own).
    pub fn new(dir: impl Into<PathBuf>) -> Staging {
        Staging { dir: dir.into() }
    }

    /// Folder of `table` in the staged tables.
    pub fn table_dir(&self, table: &str) -> PathBuf {
        self.dir.join(table)
    }

    /// The staged folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
