//! The table format: the first rows of a result as an aligned table, the rest counted
//! without being held, as datafusion-cli and the duckdb CLI show big results.

use std::io::Write;

use arrow::array::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;

use crate::error::QueryError;
use crate::format::fmt_count;

/// How many rows the table format shows; the other formats always write every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxRows {
    /// Every row. The table is built whole in memory, so it is as big as the result
    /// (several times the size of the same rows as CSV).
    All,
    /// The first N rows; the rows after them are counted as they stream, not held.
    First(usize),
}

impl MaxRows {
    /// The rows shown when neither `--max-rows` nor a terminal's height says otherwise
    /// (datafusion-cli's default too).
    pub const DEFAULT: usize = 40;

    /// `--max-rows N`: 0 means every row.
    pub fn from_count(n: usize) -> MaxRows {
        if n == 0 {
            MaxRows::All
        } else {
            MaxRows::First(n)
        }
    }
}

/// Writes the first rows of `stream` as a table (its columns as wide as the rows shown),
/// then reads the rest of the stream only to count it, and ends with the count: `N rows`
/// when every row was shown, else `N rows, M shown (--max-rows, or --format
/// csv|json|parquet for all)`. The table is written as soon as its rows are held, before
/// the count, so that a long result shows its first rows at once.
pub(crate) async fn write_table(
    stream: &mut SendableRecordBatchStream,
    max_rows: MaxRows,
    out: &mut dyn Write,
    target: &str,
) -> Result<u64, QueryError> {
    let limit = match max_rows {
        MaxRows::All => usize::MAX,
        MaxRows::First(n) => n,
    };
    let io_err = |source| QueryError::Output {
        target: target.to_owned(),
        source,
    };
    let mut held: Vec<RecordBatch> = Vec::new();
    let mut shown = 0usize;
    let mut rows = 0u64;
    while shown < limit {
        let Some(batch) = stream.next().await else {
            break;
        };
        let batch = batch?;
        rows += batch.num_rows() as u64;
        let take = batch.num_rows().min(limit - shown);
        shown += take;
        held.push(if take < batch.num_rows() {
            batch.slice(0, take)
        } else {
            batch
        });
    }
    if held.is_empty() {
        held.push(RecordBatch::new_empty(stream.schema()));
    }
    let text = arrow::util::pretty::pretty_format_batches(&held)
        .map_err(|e| QueryError::from_arrow(target, e))?;
    writeln!(out, "{text}").map_err(io_err)?;
    drop((text, held));
    if shown == limit {
        // Show what is held while the rest is counted.
        out.flush().map_err(io_err)?;
        while let Some(batch) = stream.next().await {
            rows += batch?.num_rows() as u64;
        }
    }
    if rows > shown as u64 {
        writeln!(
            out,
            "{} rows, {} shown (--max-rows, or --format csv|json|parquet for all)",
            fmt_count(rows),
            fmt_count(shown as u64)
        )
        .map_err(io_err)?;
    } else {
        writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" }).map_err(io_err)?;
    }
    Ok(rows)
}
