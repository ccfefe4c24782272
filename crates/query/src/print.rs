//! Output formats: an aligned table for people, CSV and JSON for tools, Parquet for data.

use std::io::Write;

use arrow::array::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;

use crate::error::QueryError;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text table.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
    /// Parquet (needs --output).
    Parquet,
}

fn out_err(e: impl std::fmt::Display) -> QueryError {
    QueryError::Output(e.to_string())
}

/// Writes a result stream in `format` to `out`. Table output collects (it needs column
/// widths); the others stream batch by batch.
pub async fn write_stream(
    mut stream: SendableRecordBatchStream,
    format: OutputFormat,
    out: Box<dyn Write + Send>,
) -> Result<u64, QueryError> {
    let schema = stream.schema();
    let mut rows = 0u64;
    match format {
        OutputFormat::Table => {
            let mut batches = Vec::new();
            while let Some(b) = stream.next().await {
                let b = b.map_err(out_err)?;
                rows += b.num_rows() as u64;
                batches.push(b);
            }
            let mut out = out;
            let text = if batches.is_empty() {
                arrow::util::pretty::pretty_format_batches(&[RecordBatch::new_empty(schema)])
            } else {
                arrow::util::pretty::pretty_format_batches(&batches)
            }
            .map_err(out_err)?;
            writeln!(out, "{text}").map_err(out_err)?;
            writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" }).map_err(out_err)?;
        }
        OutputFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(out);
            let mut wrote_any = false;
            while let Some(b) = stream.next().await {
                let b = b.map_err(out_err)?;
                rows += b.num_rows() as u64;
                w.write(&b).map_err(out_err)?;
                wrote_any = true;
            }
            if !wrote_any {
                w.write(&RecordBatch::new_empty(schema)).map_err(out_err)?;
            }
        }
        OutputFormat::Json => {
            let mut w = arrow::json::ArrayWriter::new(out);
            while let Some(b) = stream.next().await {
                let b = b.map_err(out_err)?;
                rows += b.num_rows() as u64;
                w.write(&b).map_err(out_err)?;
            }
            w.finish().map_err(out_err)?;
            let mut out = w.into_inner();
            if rows == 0 {
                write!(out, "[]").map_err(out_err)?;
            }
            writeln!(out).map_err(out_err)?;
        }
        OutputFormat::Parquet => {
            let mut w = parquet::arrow::ArrowWriter::try_new(out, schema, None).map_err(out_err)?;
            while let Some(b) = stream.next().await {
                let b = b.map_err(out_err)?;
                rows += b.num_rows() as u64;
                w.write(&b).map_err(out_err)?;
            }
            w.close().map_err(out_err)?;
        }
    }
    Ok(rows)
}
