use std::sync::Arc;

use arrow::array::{Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;

use arrow::array::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use super::*;
use crate::cte::plan_sharing_ctes;
use crate::error::QueryError;

/// A session over one in-memory table `trade_flows (partner TEXT, kg BIGINT)`.
pub(crate) fn memory_session() -> QuerySession {
    let schema = Arc::new(Schema::new(vec![
        Field::new("partner", DataType::Utf8, false),
        Field::new("kg", DataType::Int64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["USA", "DEU", "x1"])),
            Arc::new(Int64Array::from(vec![582_000, 1_262_400, 7])),
        ],
    )
    .unwrap();
    let ctx = SessionContext::new();
    let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
    ctx.register_table("trade_flows", Arc::new(table)).unwrap();
    QuerySession::over_context(ctx, Runs::Here)
}

#[tokio::test]
async fn a_cte_read_twice_is_computed_once_with_the_parameters_and_then_forgotten() {
    let session = memory_session();
    let sql = "WITH big AS (SELECT partner, kg FROM trade_flows WHERE kg > $min), \
                   one AS (SELECT 1 AS x) \
                   SELECT a.partner, b.kg + x AS kg FROM big a JOIN big b ON a.partner = b.partner \
                   CROSS JOIN one ORDER BY a.partner";
    let params = ParamValues::Map(
        [(
            "min".to_owned(),
            datafusion::scalar::ScalarValue::Int64(Some(100)).into(),
        )]
        .into_iter()
        .collect(),
    );
    let (plan, shared) = plan_sharing_ctes(session.context(), sql, &params, &|_| Ok(()))
        .await
        .unwrap();
    // `big` (read twice) is a table now; `one` (read once) stays inline.
    assert_eq!(shared.names.len(), 1);
    assert!(format!("{}", plan.display_indent()).contains("__rareflow_cte_"));
    drop((plan, shared));
    let batches = session.collect("test", sql, params).await.unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(text.contains("| DEU     | 1262401 |"), "{text}");
    assert!(text.contains("| USA     | 582001  |"), "{text}");
    assert!(!text.contains("x1"), "{text}");
    assert_eq!(session.table_names(), vec!["trade_flows".to_owned()]);
    // Columns qualified with the CTE's own name still resolve.
    let sql = "WITH big AS (SELECT partner, kg FROM trade_flows WHERE kg > 100) \
                   SELECT big.partner FROM big \
                   WHERE NOT EXISTS (SELECT 1 FROM big b WHERE b.kg > big.kg) ";
    let batches = session.collect("test", sql, no_params()).await.unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(text.contains("| DEU "), "{text}");
    assert!(!text.contains("USA"), "{text}");
}

fn no_params() -> ParamValues {
    ParamValues::List(vec![])
}

#[tokio::test]
async fn writes_are_refused_from_the_plan_with_their_kind() {
    let session = memory_session();
    for (sql, expected) in [
        ("CREATE TABLE x AS SELECT 1", "CreateMemoryTable"),
        ("CREATE VIEW v AS SELECT * FROM trade_flows", "CreateView"),
        ("DROP TABLE trade_flows", "DropTable"),
        (
            "INSERT INTO trade_flows SELECT * FROM trade_flows",
            "Insert Into",
        ),
        ("COPY trade_flows TO 'rareflow-never.parquet'", "COPY"),
        ("SET datafusion.execution.batch_size = 10", "SetVariable"),
        (
            "EXPLAIN ANALYZE INSERT INTO trade_flows SELECT * FROM trade_flows",
            "Insert Into",
        ),
    ] {
        match session.stream("<test>", sql, no_params()).await {
            Err(QueryError::ReadOnly { origin, kind }) => {
                assert_eq!(
                    (origin.as_str(), kind.as_str()),
                    ("<test>", expected),
                    "{sql}"
                )
            }
            Err(other) => panic!("{sql}: expected ReadOnly, got {other:?}"),
            Ok(_) => panic!("{sql}: was not refused"),
        }
    }
    // Nothing was created or dropped.
    assert_eq!(session.table_names(), vec!["trade_flows".to_owned()]);
}

#[tokio::test]
async fn reads_run() {
    let session = memory_session();
    let batches = session
        .collect(
            "<test>",
            "SELECT SUM(kg) AS kg FROM trade_flows WHERE partner = $p",
            ParamValues::from(vec![(
                "p".to_owned(),
                datafusion::scalar::ScalarValue::Utf8(Some("USA".into())),
            )]),
        )
        .await
        .unwrap();
    let kg = batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap()
        .value(0);
    assert_eq!(kg, 582_000);
}

#[tokio::test]
async fn an_unknown_table_suggests_the_closest_and_keeps_the_engine_error() {
    let session = memory_session();
    let Err(err) = session
        .stream("q.sql", "SELECT *\nFROM trade_flow", no_params())
        .await
    else {
        panic!("an unknown table was accepted");
    };
    let QueryError::Sql {
        origin,
        hint,
        error,
        ..
    } = &err
    else {
        panic!("expected Sql, got {err:?}");
    };
    assert_eq!(origin, "q.sql");
    assert_eq!(hint.as_deref(), Some("did you mean trade_flows?"));
    assert!(
        matches!(error.find_root(), DataFusionError::Plan(_)),
        "{error:?}"
    );
    // The engine's text is in the message once, and not a `source` printed again.
    assert_eq!(err.to_string().matches("not found").count(), 1, "{err}");
    assert!(std::error::Error::source(&err).is_none());
    assert!(
        err.to_string().ends_with("(did you mean trade_flows?)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_syntax_error_names_the_line() {
    let session = memory_session();
    let Err(err) = session
        .stream(
            "q.sql",
            "-- c\nSELECT partner\nFORM trade_flows",
            no_params(),
        )
        .await
    else {
        panic!("bad SQL was accepted");
    };
    assert!(
        matches!(err, QueryError::Sql { line: Some(3), .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("q.sql:3: "), "{err}");
}

#[test]
fn errors_convert_to_and_from_the_engine_error() {
    let e = DataFusionError::Plan("no".into());
    let q = QueryError::from(e);
    assert!(matches!(q, QueryError::Engine(DataFusionError::Plan(ref m)) if m == "no"));
    let back = DataFusionError::from(q);
    assert!(matches!(back, DataFusionError::Plan(ref m) if m == "no"));
    let usage = DataFusionError::from(QueryError::Usage("x".into()));
    assert!(matches!(usage, DataFusionError::External(_)));
}

#[test]
fn as_of_reads_dates_and_release_numbers() {
    assert_eq!(AsOf::parse("67"), Ok(AsOf::Release(67)));
    // End of 1970-01-02 (UTC): two days of microseconds, minus one.
    assert_eq!(
        AsOf::parse("1970-01-02"),
        Ok(AsOf::LoadedBy(2 * 86_400_000_000 - 1))
    );
    assert!(AsOf::parse("yesterday").is_err());
}

/// A session over `trade_flows (source TEXT, period DATE)` holding `rows`.
fn periods_session(rows: &[(&str, i32)]) -> QuerySession {
    let schema = Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("period", DataType::Date32, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(arrow::array::Date32Array::from_iter_values(
                rows.iter().map(|r| r.1),
            )),
        ],
    )
    .unwrap();
    let ctx = SessionContext::new();
    let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
    ctx.register_table("trade_flows", Arc::new(table)).unwrap();
    QuerySession::over_context(ctx, Runs::Here)
}

#[tokio::test]
async fn the_latest_detail_month_is_china_customs_latest() {
    // 2025-11-01 is day 20393, 2026-03-01 day 20513, 2026-04-01 day 20544.
    let session = periods_session(&[
        ("gacc", 20393),
        ("census", 20544),
        ("gacc", 20513),
        ("comext", 20544),
    ]);
    assert_eq!(session.latest_detail_month().await.unwrap(), Some(20513));
    // Mirror sources (US and EU imports) do not count.
    let session = periods_session(&[("census", 20544), ("comext", 20544)]);
    assert_eq!(session.latest_detail_month().await.unwrap(), None);
    assert_eq!(
        periods_session(&[]).latest_detail_month().await.unwrap(),
        None
    );
}
