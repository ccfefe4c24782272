//! The manifest of a snapshot: `ingest_log`, one row per raw file, read back by the next
//! run to skip unchanged files and to keep each file's release identity (first load time
//! and order) across runs.

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Date32Type, Int64Type, TimestampMicrosecondType};

use crate::error::WarehouseError;
use crate::merge::read_dir_batches;

/// One raw file as recorded in a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestEntry {
    /// Path relative to the raw folder.
    pub file: String,
    /// Source name.
    pub source: String,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: i64,
    /// Modification time when loaded, nanoseconds (a cheap first check for changes).
    pub modified_ns: i64,
    /// Load order of the release.
    pub release_seq: i64,
    /// First load time, UTC microseconds.
    pub loaded_at: i64,
    /// First period the file covers.
    pub first_period: Option<i32>,
    /// Last period the file covers.
    pub last_period: Option<i32>,
    /// The whole `ingest_log` row, to carry into the next snapshot unchanged.
    pub row: RecordBatch,
}

/// Reads the manifest of a snapshot. `None` when the snapshot predates manifests with
/// release identities (the next run then rebuilds fully).
pub fn read_manifest(snapshot: &Path) -> Result<Option<Vec<ManifestEntry>>, WarehouseError> {
    let dir = snapshot.join("ingest_log");
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for batch in read_dir_batches(&dir)? {
        let schema = batch.schema();
        let col = |name: &str| schema.index_of(name).ok().map(|i| batch.column(i).clone());
        let (
            Some(file),
            Some(source),
            Some(sha),
            Some(bytes),
            Some(modified),
            Some(seq),
            Some(at),
            Some(first),
            Some(last),
        ) = (
            col("source_file"),
            col("source"),
            col("content_sha256"),
            col("bytes"),
            col("modified_ns"),
            col("release_seq"),
            col("loaded_at"),
            col("first_period"),
            col("last_period"),
        )
        else {
            return Ok(None);
        };
        let text = |a: &dyn Array, i: usize| -> String {
            a.as_string_opt::<i32>()
                .map(|s| s.value(i).to_owned())
                .or_else(|| a.as_string_view_opt().map(|s| s.value(i).to_owned()))
                .unwrap_or_default()
        };
        let (first, last) = (
            first.as_primitive::<Date32Type>(),
            last.as_primitive::<Date32Type>(),
        );
        for i in 0..batch.num_rows() {
            out.push(ManifestEntry {
                file: text(file.as_ref(), i),
                source: text(source.as_ref(), i),
                sha256: text(sha.as_ref(), i),
                bytes: bytes.as_primitive::<Int64Type>().value(i),
                modified_ns: modified.as_primitive::<Int64Type>().value(i),
                release_seq: seq.as_primitive::<Int64Type>().value(i),
                loaded_at: at.as_primitive::<TimestampMicrosecondType>().value(i),
                first_period: first.is_valid(i).then(|| first.value(i)),
                last_period: last.is_valid(i).then(|| last.value(i)),
                row: batch.slice(i, 1),
            });
        }
    }
    Ok(Some(out))
}
