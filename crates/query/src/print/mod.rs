//! Output formats: an aligned table for people (its first rows: [`table`]), CSV and JSON
//! for tools, Parquet for data; every format streams.

mod table;

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use arrow::array::RecordBatch;
use arrow::record_batch::RecordBatchWriter;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;

use crate::error::QueryError;
pub use table::MaxRows;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl OutputFormat {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [OutputFormat; 4] = [
        OutputFormat::Table,
        OutputFormat::Csv,
        OutputFormat::Json,
        OutputFormat::Parquet,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Csv => "csv",
            OutputFormat::Json => "json",
            OutputFormat::Parquet => "parquet",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An output format name that is not one of `table`, `csv`, `json`, `parquet`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown output format {given:?}: expected one of table, csv, json, parquet")]
pub struct UnknownFormat {
    /// What was given.
    pub given: String,
}

impl FromStr for OutputFormat {
    type Err = UnknownFormat;

    /// Reads a format name, ignoring case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownFormat {
                given: text.to_owned(),
            })
    }
}

/// Writes a result stream in `format` to `out` and returns the number of rows. Table output
/// shows the rows `max_rows` allows and counts the rest (see [`MaxRows`]); the others write
/// every row, batch by batch. `target` names the output in errors (a path, or `standard
/// output`). Errors of the result stream are the engine's ([`QueryError::Engine`]);
/// failures to write are [`QueryError::Output`] with the I/O error. JSON output always ends
/// with a newline.
pub async fn write_stream(
    mut stream: SendableRecordBatchStream,
    format: OutputFormat,
    max_rows: MaxRows,
    mut out: Box<dyn Write + Send>,
    target: &str,
) -> Result<u64, QueryError> {
    let schema = stream.schema();
    let arrow_err = |e| QueryError::from_arrow(target, e);
    let io_err = |source| QueryError::Output {
        target: target.to_owned(),
        source,
    };
    let rows = match format {
        OutputFormat::Table => table::write_table(&mut stream, max_rows, &mut out, target).await?,
        OutputFormat::Csv => {
            let writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            write_all(&mut stream, writer, target).await?
        }
        OutputFormat::Json => {
            let mut writer = arrow::json::ArrayWriter::new(&mut out);
            let mut rows = 0u64;
            while let Some(b) = stream.next().await {
                let b = b?;
                rows += b.num_rows() as u64;
                writer.write(&b).map_err(arrow_err)?;
            }
            // `finish` writes `[]` when there was no row.
            writer.finish().map_err(arrow_err)?;
            drop(writer);
            writeln!(out).map_err(io_err)?;
            rows
        }
        OutputFormat::Parquet => {
            let writer = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None)
                .map_err(QueryError::Parquet)?;
            write_all(&mut stream, writer, target).await?
        }
    };
    out.flush().map_err(io_err)?;
    Ok(rows)
}

/// Streams every batch into `writer` and closes it. With no batch at all, an empty batch
/// is written so that CSV still gets its header row.
async fn write_all(
    stream: &mut SendableRecordBatchStream,
    mut writer: impl RecordBatchWriter,
    target: &str,
) -> Result<u64, QueryError> {
    let arrow_err = |e| QueryError::from_arrow(target, e);
    let mut rows = 0u64;
    let mut wrote_any = false;
    while let Some(b) = stream.next().await {
        let b = b?;
        rows += b.num_rows() as u64;
        writer.write(&b).map_err(arrow_err)?;
        wrote_any = true;
    }
    if !wrote_any {
        writer
            .write(&RecordBatch::new_empty(stream.schema()))
            .map_err(arrow_err)?;
    }
    writer.close().map_err(arrow_err)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip_and_errors_list_the_choices() {
        assert_eq!("table".parse(), Ok(OutputFormat::Table));
        assert_eq!("CSV".parse(), Ok(OutputFormat::Csv));
        assert_eq!(" json ".parse(), Ok(OutputFormat::Json));
        assert_eq!("parquet".parse(), Ok(OutputFormat::Parquet));
        assert_eq!(OutputFormat::Parquet.to_string(), "parquet");
        for f in OutputFormat::ALL {
            assert_eq!(f.to_string().parse(), Ok(f));
        }
        let err = "xlsx".parse::<OutputFormat>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown output format \"xlsx\": expected one of table, csv, json, parquet"
        );
    }
}

#[cfg(test)]
mod stream_tests;
