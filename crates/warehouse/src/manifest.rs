//! The manifest of a snapshot: `ingest_log`, one row per raw file, read back by the next
//! run to skip unchanged files and to keep each file's release identity (first load time
//! and order) across runs.

use std::path::Path;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::{Date32Type, Int64Type, TimestampMicrosecondType};

use crate::column::{Strings, primitive, strings};
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
    /// The reference data and normalizer the file's rows were made with (`None` in
    /// warehouses that predate the fingerprint).
    pub reference_fingerprint: Option<String>,
    /// The whole `ingest_log` row, to carry into the next snapshot unchanged.
    pub row: RecordBatch,
}

/// Reads the manifest of a snapshot. `None` when the snapshot predates manifests with
/// release identities (the next run then rebuilds fully). A column of another type than
/// this version writes is an error naming the folder, the column and the type expected.
pub fn read_manifest(snapshot: &Path) -> Result<Option<Vec<ManifestEntry>>, WarehouseError> {
    let dir = snapshot.join("ingest_log");
    if !dir.is_dir() {
        return Ok(None);
    }
    let place = dir.display();
    let mut out = Vec::new();
    for batch in read_dir_batches(&dir)? {
        let schema = batch.schema();
        let required = [
            "source_file",
            "source",
            "content_sha256",
            "bytes",
            "modified_ns",
            "release_seq",
            "loaded_at",
            "first_period",
            "last_period",
        ];
        if required.iter().any(|c| schema.index_of(c).is_err()) {
            return Ok(None);
        }
        let file = strings(&batch, "source_file", &place)?;
        let source = strings(&batch, "source", &place)?;
        let sha = strings(&batch, "content_sha256", &place)?;
        let bytes = primitive::<Int64Type>(&batch, "bytes", &place)?;
        let modified = primitive::<Int64Type>(&batch, "modified_ns", &place)?;
        let seq = primitive::<Int64Type>(&batch, "release_seq", &place)?;
        let at = primitive::<TimestampMicrosecondType>(&batch, "loaded_at", &place)?;
        let first = primitive::<Date32Type>(&batch, "first_period", &place)?;
        let last = primitive::<Date32Type>(&batch, "last_period", &place)?;
        let fingerprint = match schema.index_of("reference_fingerprint") {
            Ok(_) => Some(strings(&batch, "reference_fingerprint", &place)?),
            Err(_) => None,
        };
        let text = |s: &Strings<'_>, i: usize| s.get(i).unwrap_or_default().to_owned();
        for i in 0..batch.num_rows() {
            out.push(ManifestEntry {
                file: text(&file, i),
                source: text(&source, i),
                sha256: text(&sha, i),
                bytes: bytes.value(i),
                modified_ns: modified.value(i),
                release_seq: seq.value(i),
                loaded_at: at.value(i),
                first_period: first.is_valid(i).then(|| first.value(i)),
                last_period: last.is_valid(i).then(|| last.value(i)),
                reference_fingerprint: fingerprint
                    .as_ref()
                    .and_then(|f| f.get(i))
                    .map(str::to_owned),
                row: batch.slice(i, 1),
            });
        }
    }
    Ok(Some(out))
}
