//! The warehouse table `fetch_log`: the raw folder's `fetch_log.csv` (written by
//! `rareflow-etl fetch`) as it is when the run reads the folder, typed. The file is the
//! record; the table is rewritten whole each run, so it never drifts from it.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use rareflow_ingest::IngestError;
use rareflow_ingest::fetch_log::{FETCH_LOG, FetchLogRow, read_fetch_log};
use rareflow_normalize::schema::FETCH_LOG_SCHEMA;

use crate::error::EtlError;

/// Whether `relative` (a path under the raw folder) is the fetch log, which no source reads.
pub(crate) fn is_fetch_log(relative: &str) -> bool {
    relative == FETCH_LOG
}

/// The `fetch_log` table of the raw folder `raw` (no rows when it has no log).
pub(crate) fn fetch_log_batch(raw: &Path) -> Result<RecordBatch, EtlError> {
    let path = raw.join(FETCH_LOG);
    let rows = read_fetch_log(&path)?;
    let requested_at = rows
        .iter()
        .map(|r| timestamp(&path, r))
        .collect::<Result<Vec<i64>, _>>()?;
    let text = |f: fn(&FetchLogRow) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter(rows.iter().map(|r| {
            let v = f(r);
            (!v.is_empty()).then_some(v)
        })))
    };
    let columns: Vec<ArrayRef> = vec![
        text(|r| &r.path),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| &r.source),
        )),
        text(|r| &r.url),
        Arc::new(TimestampMicrosecondArray::from(requested_at).with_timezone("UTC")),
        Arc::new(Int32Array::from_iter(
            rows.iter().map(|r| r.http_status.map(i32::from)),
        )),
        text(|r| &r.etag),
        text(|r| &r.last_modified),
        Arc::new(Int64Array::from_iter(
            rows.iter()
                .map(|r| r.bytes.and_then(|b| i64::try_from(b).ok())),
        )),
        text(|r| &r.sha256),
        text(|r| &r.periods),
        text(|r| &r.note),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|r| r.line as i64),
        )),
    ];
    Ok(RecordBatch::try_new(FETCH_LOG_SCHEMA.clone(), columns)?)
}

/// `requested_at` of a row, microseconds since the epoch, UTC.
fn timestamp(path: &Path, row: &FetchLogRow) -> Result<i64, IngestError> {
    let parsed = arrow::compute::kernels::cast_utils::string_to_timestamp_nanos(&row.requested_at);
    parsed.map(|nanos| nanos.div_euclid(1000)).map_err(|_| IngestError::Malformed {
        path: path.to_path_buf(),
        message: format!(
            "line {}, field requested_at: expected an RFC 3339 time such as 2026-12-01T06:00:00Z, found {:?}",
            row.line, row.requested_at
        ),
    })
}
