//! Warehouse errors.

use std::path::PathBuf;

/// Something went wrong reading or writing the warehouse.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// A filesystem operation failed.
    #[error("{path}: {action}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Another run holds the lock.
    #[error(
        "{path}: another rareflow-etl run is writing this warehouse (lock held); wait for it to finish or pass --wait"
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
    },
    /// No published snapshot.
    #[error("{path}: no warehouse here: run `rareflow-etl run --warehouse {path}` first")]
    NotAWarehouse {
        /// The folder.
        path: PathBuf,
    },
    /// Encoding Parquet failed.
    #[error("{path}: writing Parquet: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// An Arrow kernel failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// DataFusion refused a table.
    #[error("registering table {table}: {source}")]
    Register {
        /// The table.
        table: String,
        /// The error.
        #[source]
        source: datafusion::error::DataFusionError,
    },
}

impl WarehouseError {
    /// Wraps an I/O error with what was being done and where.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| WarehouseError::Io {
            action,
            path,
            source,
        }
    }
}
