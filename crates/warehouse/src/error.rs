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
    /// Reading or writing a Parquet file failed.
    #[error("{path}: Parquet: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A table schema could not be turned into a Parquet schema (no file involved).
    #[error("Parquet schema of {table}: {source}")]
    Schema {
        /// The table.
        table: String,
        /// The error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Encoding a row group of one partition failed (in memory, before any file is written).
    #[error("encoding a row group of partition year={}/month={}: {source}", partition.0, partition.1)]
    Encode {
        /// (year, month) of the partition.
        partition: (i32, i32),
        /// The error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A column is missing or has another type than this version writes (an older or
    /// foreign warehouse).
    #[error("{place}: column {column} is {found}, expected {expected}")]
    Column {
        /// The file, folder or table read.
        place: String,
        /// The column.
        column: String,
        /// The type this version reads.
        expected: String,
        /// The type found, or "missing".
        found: String,
    },
    /// An Arrow kernel failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
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

    /// Wraps a Parquet error with the file it concerns.
    pub fn parquet(path: impl Into<PathBuf>) -> impl FnOnce(parquet::errors::ParquetError) -> Self {
        let path = path.into();
        move |source| WarehouseError::Parquet { path, source }
    }
}
