//! The formats written from real result streams.

use std::sync::{Arc, Mutex};

use datafusion::common::ParamValues;

use super::*;
use crate::QuerySession;
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
    let text = shown(
        &memory_session(),
        sql,
        format,
        MaxRows::First(MaxRows::DEFAULT),
    )
    .await?;
    Ok(text.0)
}

/// The text written for `sql` on `session`, and the row count returned.
async fn shown(
    session: &QuerySession,
    sql: &str,
    format: OutputFormat,
    max_rows: MaxRows,
) -> Result<(String, u64), QueryError> {
    let stream = session
        .stream("<test>", sql, ParamValues::List(vec![]))
        .await?;
    let sink = Shared::default();
    let rows = write_stream(stream, format, max_rows, Box::new(sink.clone()), "<buffer>").await?;
    let bytes = sink.0.lock().unwrap().clone();
    Ok((String::from_utf8(bytes).unwrap(), rows))
}

/// A session with no table whose batches hold `batch_size` rows.
fn batches_of(batch_size: usize) -> QuerySession {
    let config = datafusion::prelude::SessionConfig::new().with_batch_size(batch_size);
    let ctx = datafusion::prelude::SessionContext::new_with_config(config);
    QuerySession::over_context(ctx, crate::exec::Runs::Here)
}

const SORTED: &str = "SELECT partner, kg FROM trade_flows ORDER BY kg DESC";

#[tokio::test]
async fn the_table_shows_the_first_rows_then_the_count_of_all() {
    let session = memory_session();
    let (two, rows) = shown(&session, SORTED, OutputFormat::Table, MaxRows::First(2))
        .await
        .unwrap();
    assert_eq!(rows, 3);
    assert_eq!(
        two,
        "\
+---------+---------+
| partner | kg      |
+---------+---------+
| DEU     | 1262400 |
| USA     | 582000  |
+---------+---------+
3 rows, 2 shown (--max-rows, or --format csv|json|parquet for all)
"
    );
    // Every row shown: the count alone, as the table always ended.
    let all = "\
+---------+---------+
| partner | kg      |
+---------+---------+
| DEU     | 1262400 |
| USA     | 582000  |
| x1      | 7       |
+---------+---------+
3 rows
";
    for max_rows in [MaxRows::First(3), MaxRows::First(40), MaxRows::All] {
        let (text, _) = shown(&session, SORTED, OutputFormat::Table, max_rows)
            .await
            .unwrap();
        assert_eq!(text, all, "{max_rows:?}");
    }
    let (one, _) = shown(
        &session,
        "SELECT kg FROM trade_flows WHERE partner = 'USA'",
        OutputFormat::Table,
        MaxRows::First(1),
    )
    .await
    .unwrap();
    assert_eq!(
        one,
        "+--------+\n| kg     |\n+--------+\n| 582000 |\n+--------+\n1 row\n"
    );
    let (none, _) = shown(
        &session,
        "SELECT kg FROM trade_flows WHERE partner = 'none'",
        OutputFormat::Table,
        MaxRows::First(1),
    )
    .await
    .unwrap();
    assert_eq!(none, "+----+\n| kg |\n+----+\n+----+\n0 rows\n");
}

#[tokio::test]
async fn rows_past_the_limit_are_counted_across_batches() {
    // Batches of 4 rows: the 6 shown end inside the second batch, the count reads all 3.
    let session = batches_of(4);
    let (text, rows) = shown(
        &session,
        "SELECT value AS n FROM generate_series(1, 10)",
        OutputFormat::Table,
        MaxRows::First(6),
    )
    .await
    .unwrap();
    assert_eq!(rows, 10);
    let body: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
    // As wide as the rows shown (`10` is not one of them).
    assert_eq!(
        body,
        [
            "| n |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 5 |", "| 6 |"
        ]
    );
    assert!(
        text.ends_with(
            "+---+\n10 rows, 6 shown (--max-rows, or --format csv|json|parquet for all)\n"
        ),
        "{text}"
    );
    // Thousands separators in both numbers.
    let (text, rows) = shown(
        &batches_of(8192),
        "SELECT value FROM generate_series(1, 1234567)",
        OutputFormat::Table,
        MaxRows::First(1500),
    )
    .await
    .unwrap();
    assert_eq!(rows, 1_234_567);
    assert_eq!(text.lines().filter(|l| l.starts_with("| ")).count(), 1501);
    assert!(
        text.ends_with(
            "\n1,234,567 rows, 1,500 shown (--max-rows, or --format csv|json|parquet for all)\n"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn csv_and_json_write_every_row_whatever_max_rows_says() {
    let session = batches_of(4);
    let sql = "SELECT value AS n FROM generate_series(1, 10)";
    let (csv, rows) = shown(&session, sql, OutputFormat::Csv, MaxRows::First(2))
        .await
        .unwrap();
    assert_eq!(rows, 10);
    assert_eq!(csv, "n\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
    let (json, _) = shown(&session, sql, OutputFormat::Json, MaxRows::First(2))
        .await
        .unwrap();
    assert_eq!(json.matches("\"n\":").count(), 10, "{json}");
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
        MaxRows::First(1),
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
        let err = write_stream(stream, format, MaxRows::All, Box::new(Broken), "out.txt")
            .await
            .unwrap_err();
        match &err {
            QueryError::Output { target, source } => {
                assert_eq!(target, "out.txt");
                assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
            }
            // Parquet wraps the I/O error in its own error type.
            QueryError::Parquet(_) | QueryError::Encode(_) if format == OutputFormat::Parquet => {}
            other => panic!("{format}: expected Output, got {other:?}"),
        }
    }
}
