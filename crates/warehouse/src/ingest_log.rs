//! Writing `ingest_log`, one row per raw file; [`crate::manifest`] reads it back.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
    new_null_array,
};
use arrow::compute::cast;
use arrow::error::ArrowError;
use rareflow_normalize::schema::INGEST_LOG;

use crate::error::WarehouseError;

/// One raw file's log row.
#[derive(Debug, Clone)]
pub struct LogRow<'a> {
    /// Path relative to the raw folder.
    pub file: &'a str,
    /// Source name.
    pub source: &'a str,
    /// Flow of the whole file, if it has one.
    pub flow: Option<&'a str>,
    /// Encoding read in.
    pub encoding: &'a str,
    /// Layout name.
    pub layout: &'a str,
    /// SHA-256 of the content.
    pub sha256: &'a str,
    /// Size.
    pub bytes: u64,
    /// Records read.
    pub read: u64,
    /// Records loaded.
    pub loaded: u64,
    /// Records rejected.
    pub rejected: u64,
    /// First and last month loaded, `Date32`.
    pub periods: Option<(i32, i32)>,
    /// Release order.
    pub release_seq: i64,
    /// First load time, UTC microseconds.
    pub loaded_at: i64,
    /// Modification time when loaded.
    pub modified_ns: i64,
    /// Loaded rows without a dollar value (no exchange rate).
    pub rows_without_usd: u64,
    /// What the reader tolerated.
    pub warnings: &'a [String],
    /// The reference data and normalizer the rows were made with.
    pub reference_fingerprint: &'a str,
}

/// `ingest_log` rows of a run: new ones built here, unchanged ones carried over.
#[derive(Debug, Default)]
pub struct IngestLogWriter {
    rows: Vec<RecordBatch>,
}

impl IngestLogWriter {
    /// Adds the row of a file read in this run.
    pub fn push(&mut self, r: &LogRow<'_>) -> Result<(), ArrowError> {
        let text = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
        let int = |v: i64| -> ArrayRef { Arc::new(Int64Array::from(vec![v])) };
        let date = |v: Option<i32>| -> ArrayRef { Arc::new(Date32Array::from(vec![v])) };
        let warnings = (!r.warnings.is_empty()).then(|| r.warnings.join("\n"));
        self.rows.push(RecordBatch::try_new(
            INGEST_LOG.clone(),
            vec![
                text(r.file),
                text(r.source),
                Arc::new(StringArray::from(vec![r.flow])),
                text(r.encoding),
                text(r.layout),
                text(r.sha256),
                int(r.bytes as i64),
                int(r.read as i64),
                int(r.loaded as i64),
                int(r.rejected as i64),
                date(r.periods.map(|p| p.0)),
                date(r.periods.map(|p| p.1)),
                int(r.release_seq),
                Arc::new(TimestampMicrosecondArray::from(vec![r.loaded_at]).with_timezone("UTC")),
                int(r.modified_ns),
                int(r.rows_without_usd as i64),
                Arc::new(StringArray::from(vec![warnings])),
                text(r.reference_fingerprint),
            ],
        )?);
        Ok(())
    }

    /// Carries a previous snapshot's row (read back from Parquet) over unchanged. Columns
    /// are matched by name: a column an older warehouse lacks is NULL (or 0 for counts),
    /// one of another type is cast, and one that cannot be is an error naming it.
    pub fn carry(&mut self, row: &RecordBatch) -> Result<(), WarehouseError> {
        let mut columns = Vec::with_capacity(INGEST_LOG.fields().len());
        for field in INGEST_LOG.fields() {
            let column = match row.column_by_name(field.name()) {
                Some(c) if c.data_type() == field.data_type() => c.clone(),
                Some(c) => cast(c, field.data_type()).map_err(|_| WarehouseError::Column {
                    place: "ingest_log of the previous snapshot".to_owned(),
                    column: field.name().clone(),
                    expected: field.data_type().to_string(),
                    found: c.data_type().to_string(),
                })?,
                None if !field.is_nullable() => Arc::new(Int64Array::from(vec![0; row.num_rows()])),
                None => new_null_array(field.data_type(), row.num_rows()),
            };
            columns.push(column);
        }
        self.rows
            .push(RecordBatch::try_new(INGEST_LOG.clone(), columns)?);
        Ok(())
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table.
    pub fn finish(self) -> Result<RecordBatch, ArrowError> {
        arrow::compute::concat_batches(&INGEST_LOG, &self.rows)
    }
}
