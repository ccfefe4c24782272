//! Warehouse errors.

use std::path::PathBuf;

/// Something went wrong reading or writing the warehouse.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// A filesystem operation failed.
    #[error("{path}: {action}")]
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
    /// A warehouse in the snapshot layout of rareflow before Delta tables.
    #[error(
        "{url}: this warehouse is in the snapshot layout of earlier rareflow versions (`current`, `snapshots/`); convert it once with `rareflow-etl migrate --warehouse {url}`"
    )]
    SnapshotLayout {
        /// The warehouse.
        url: String,
    },
    /// No recorded run matches what a reader asked for (`--run`, `--at`).
    #[error("{url}: {what}")]
    NoSuchRun {
        /// The warehouse.
        url: String,
        /// What was asked for and what there is.
        what: String,
    },
    /// Reading or writing a Parquet file failed.
    #[error("{path}: Parquet file")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A table schema could not be turned into a Parquet schema (no file involved).
    #[error("Parquet schema of {table}")]
    Schema {
        /// The table.
        table: String,
        /// The error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Encoding a row group of one partition failed (in memory, before any file is written).
    #[error("encoding a row group of partition year={}/month={}", partition.0, partition.1)]
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
    #[error("an Arrow kernel failed")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A `--warehouse` URL whose scheme this build cannot serve.
    #[error(
        "{url}: warehouse URLs with scheme {scheme}:// are not supported (use a folder path or s3://BUCKET/PREFIX)"
    )]
    UnsupportedScheme {
        /// The URL as given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// A malformed `s3://` URL.
    #[error("{url}: expected {expected}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A Delta table's log could not be read or committed.
    #[error("{table}: Delta log")]
    Delta {
        /// The table.
        table: String,
        /// What deltalake said (boxed: it is large, and errors travel in every `Result`).
        #[source]
        source: Box<deltalake_core::DeltaTableError>,
    },
    /// An object-store request failed.
    #[error("{url}: {action}")]
    ObjectStore {
        /// What was being done.
        action: &'static str,
        /// The object or prefix (`s3://bucket/key`).
        url: String,
        /// The store's error.
        #[source]
        source: object_store::Error,
    },
    /// The object-store run lock is held by another run.
    #[error(
        "{url}: another rareflow-etl run is writing this warehouse (lock held by {owner}, expires in {expires_in_s} s); wait for it to finish or pass --wait"
    )]
    LockHeld {
        /// The lock object.
        url: String,
        /// Who holds it (host, pid).
        owner: String,
        /// Seconds until a killed holder's lock may be taken over.
        expires_in_s: i64,
    },
    /// This run's object-store lock expired and another run took it over.
    #[error("{url}: this run's lock expired and was taken over by another run; nothing published")]
    LockLost {
        /// The lock object.
        url: String,
    },
    /// The `current` pointer changed since this run read it.
    #[error("{url}: another run published first; this run's snapshot was not published")]
    PublishedFirst {
        /// The pointer object.
        url: String,
    },
    /// The `current` pointer object does not name a snapshot.
    #[error("{url}: expected a snapshot id like 000002, found {found:?}")]
    BadPointer {
        /// The pointer object.
        url: String,
        /// Its body.
        found: String,
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

    /// Wraps a Delta error with the table it concerns.
    pub fn delta(table: &str) -> impl FnOnce(deltalake_core::DeltaTableError) -> Self {
        let table = table.to_owned();
        move |source| WarehouseError::Delta {
            table,
            source: Box::new(source),
        }
    }

    /// Wraps an error reading the rows of a Parquet file with the file. The Parquet reader
    /// hands out its own errors as Arrow's `ParquetError(text)`, written "Parquet argument
    /// error: Parquet error: ..."; the Parquet error's text is kept as it was.
    pub fn parquet_rows(path: impl Into<PathBuf>) -> impl FnOnce(arrow::error::ArrowError) -> Self {
        let path = path.into();
        move |e| {
            let source = match e {
                arrow::error::ArrowError::ParquetError(text) => {
                    let text = text.strip_prefix("Parquet error: ").unwrap_or(&text);
                    parquet::errors::ParquetError::General(text.to_owned())
                }
                other => parquet::errors::ParquetError::External(Box::new(other)),
            };
            WarehouseError::Parquet { path, source }
        }
    }

    /// Wraps a Parquet error with the file it concerns.
    pub fn parquet(path: impl Into<PathBuf>) -> impl FnOnce(parquet::errors::ParquetError) -> Self {
        let path = path.into();
        move |source| WarehouseError::Parquet { path, source }
    }
}

/// An error's message, then each cause's, every one once: a cause whose text the one
/// before already holds is left out (some foreign errors write their cause into their own
/// message as well). What the binaries print and the logs write, so the two agree.
pub fn causes(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![error.to_string()];
    let mut cause = error.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if out.last().is_none_or(|above| !above.contains(&text)) {
            out.push(text);
        }
        cause = c.source();
    }
    out
}

/// An error and its causes on one line, `message: cause: cause`, for log fields
/// (`error = %OneLine(&e)`): `%e` alone would drop the causes kept as `source`.
pub struct OneLine<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&causes(self.0).join(": "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_writes_the_message_then_each_cause_once() {
        let e = WarehouseError::io("remove old snapshot", "wh/snapshots/000001")(
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied"),
        );
        assert_eq!(
            OneLine(&e).to_string(),
            "wh/snapshots/000001: remove old snapshot: permission denied"
        );
        // A cause the message already holds (thiserror's `{0}` with `#[source]`) is not
        // written again.
        #[derive(Debug, thiserror::Error)]
        #[error("listing: {0}")]
        struct Echo(#[source] std::io::Error);
        let echo = Echo(std::io::Error::other("timed out"));
        assert_eq!(causes(&echo), vec!["listing: timed out".to_owned()]);
    }
}
