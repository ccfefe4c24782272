//! Output formats: an aligned table for people, CSV and JSON for tools, Parquet for data.

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use arrow::array::RecordBatch;
use arrow::record_batch::RecordBatchWriter;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;

use crate::error::QueryError;

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
/// collects (it needs column widths); the others stream batch by batch. `target` names
/// the output in errors (a path, or `standard output`). Errors of the result stream are
/// the engine's ([`QueryError::Engine`]); failures to write are [`QueryError::Output`] with
/// the I/O error. JSON output always ends with a newline.
pub async fn write_stream(
    mut stream: SendableRecordBatchStream,
    format: OutputFormat,
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
        OutputFormat::Table => {
            let mut batches = Vec::new();
            let mut rows = 0u64;
            while let Some(b) = stream.next().await {
                let b = b?;
                rows += b.num_rows() as u64;
                batches.push(b);
            }
            if batches.is_empty() {
                batches.push(RecordBatch::new_empty(schema));
            }
            let text = arrow::util::pretty::pretty_format_batches(&batches).map_err(arrow_err)?;
            writeln!(out, "{text}").map_err(io_err)?;
            writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" }).map_err(io_err)?;
            rows
        }
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
mod stream_tests {
    use std::sync::{Arc, Mutex};

    use datafusion::common::ParamValues;

    use super::*;
    use crate::exec::tests::memory_session;

    /// A sink whose bytes stay readable after `write_stream` consumed it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "disk full",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn render(sql: &str, format: OutputFormat) -> Result<String, QueryError> {
        let session = memory_session();
        let stream = session
            .stream("<test>", sql, ParamValues::List(vec![]))
            .await?;
        let sink = Shared::default();
        write_stream(stream, format, Box::new(sink.clone()), "<buffer>").await?;
        let bytes = sink.0.lock().unwrap().clone();
        Ok(String::from_utf8(bytes).unwrap())
    }

    #[tokio::test]
    async fn json_ends_with_a_newline_with_or_without_rows() {
        let some = "SELECT partner, kg FROM trade_flows WHERE partner = 'USA'";
        assert_eq!(
            render(some, OutputFormat::Json).await.unwrap(),
            "[{\"partner\":\"USA\",\"kg\":582000}]\n"
        );
        let none = "SELECT partner FROM trade_flows WHERE partner = 'none'";
        assert_eq!(render(none, OutputFormat::Json).await.unwrap(), "[]\n");
    }

    #[tokio::test]
    async fn csv_has_its_header_even_without_rows() {
        let none = "SELECT partner, kg FROM trade_flows WHERE partner = 'none'";
        assert_eq!(
            render(none, OutputFormat::Csv).await.unwrap(),
            "partner,kg\n"
        );
        let two = "SELECT partner, kg FROM trade_flows WHERE kg > 1000 ORDER BY kg";
        assert_eq!(
            render(two, OutputFormat::Csv).await.unwrap(),
            "partner,kg\nUSA,582000\nDEU,1262400\n"
        );
    }

    #[tokio::test]
    async fn parquet_starts_and_ends_with_its_magic() {
        let session = memory_session();
        let stream = session
            .stream(
                "<test>",
                "SELECT * FROM trade_flows",
                ParamValues::List(vec![]),
            )
            .await
            .unwrap();
        let sink = Shared::default();
        let rows = write_stream(
            stream,
            OutputFormat::Parquet,
            Box::new(sink.clone()),
            "<buffer>",
        )
        .await
        .unwrap();
        assert_eq!(rows, 3);
        let bytes = sink.0.lock().unwrap().clone();
        assert_eq!(&bytes[..4], b"PAR1");
        assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    }

    #[tokio::test]
    async fn errors_while_streaming_name_the_sql_and_keep_the_engine_error_once() {
        // The cast fails at execution, row "x1", after planning succeeded.
        let err = render(
            "SELECT CAST(partner AS BIGINT) AS n FROM trade_flows",
            OutputFormat::Csv,
        )
        .await
        .unwrap_err();
        let QueryError::Sql { origin, error, .. } = &err else {
            panic!("expected Sql, got {err:?}");
        };
        assert_eq!(origin, "<test>");
        assert!(
            matches!(
                error.find_root(),
                datafusion::error::DataFusionError::ArrowError(..)
            ),
            "{error:?}"
        );
        // DataFusion writes "Arrow error: " before Arrow's own "Cast error: ...": only the
        // latter is shown, and the engine error is not a `source` printed again.
        let text = err.to_string();
        assert!(text.starts_with("<test>: Cast error: "), "{text}");
        assert!(!text.contains("Arrow error"), "{text}");
        assert!(std::error::Error::source(&err).is_none());
    }

    #[tokio::test]
    async fn failing_output_is_an_io_error_naming_the_target() {
        let session = memory_session();
        for format in OutputFormat::ALL {
            let stream = session
                .stream(
                    "<test>",
                    "SELECT * FROM trade_flows",
                    ParamValues::List(vec![]),
                )
                .await
                .unwrap();
            let err = write_stream(stream, format, Box::new(Broken), "out.txt")
                .await
                .unwrap_err();
            match &err {
                QueryError::Output { target, source } => {
                    assert_eq!(target, "out.txt");
                    assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
                }
                // Parquet wraps the I/O error in its own error type.
                QueryError::Parquet(_) | QueryError::Encode(_)
                    if format == OutputFormat::Parquet => {}
                other => panic!("{format}: expected Output, got {other:?}"),
            }
        }
    }
}
