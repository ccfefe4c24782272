//! Registering a warehouse's Delta tables at the versions one recorded run left them. Each
//! table is DataFusion's own listing table (partition pruning, statistics, filter pushdown)
//! over a view of the store that lists exactly the pinned versions' files from the log
//! ([`rareflow_warehouse::delta::PinnedStore`]), so a query never sees half a run, nor files
//! a later run replaced, and a pinned file that is missing is an error, never 0 rows.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use rareflow_warehouse::WarehouseError;
use rareflow_warehouse::delta::{DeltaWarehouse, PinnedRun, RunRecord};

use crate::catalog::Catalog;
use crate::error::QueryError;

/// Which recorded run a session reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pin {
    /// The newest.
    #[default]
    Newest,
    /// Run N (`--run N`).
    Run(i64),
    /// The last run that finished at or before this time, UTC microseconds (`--at`).
    At(i64),
}

/// The run `pin` names, opened at its versions. `shown` names the warehouse in errors.
pub async fn pin_run(
    warehouse: &DeltaWarehouse,
    pin: &Pin,
    shown: &str,
) -> Result<PinnedRun, QueryError> {
    let runs = warehouse.runs().await?;
    let no_run = |what: String| -> QueryError {
        WarehouseError::NoSuchRun {
            url: shown.to_owned(),
            what,
        }
        .into()
    };
    let range = match (runs.first(), runs.last()) {
        (Some(a), Some(b)) => format!("runs {} to {} are recorded", a.run_id, b.run_id),
        _ => "no run is recorded".to_owned(),
    };
    let chosen: Option<RunRecord> = match pin {
        Pin::Newest => runs.last().cloned(),
        Pin::Run(n) => runs.iter().find(|r| r.run_id == *n).cloned(),
        Pin::At(t) => runs.iter().rev().find(|r| r.finished_at <= *t).cloned(),
    };
    let Some(record) = chosen else {
        return Err(match pin {
            Pin::Newest if runs.is_empty() => {
                WarehouseError::NotAWarehouse { path: shown.into() }.into()
            }
            Pin::Run(n) => no_run(format!("no run {n}: {range}")),
            Pin::At(t) => no_run(format!(
                "no run had finished by {}: {range}",
                rareflow_normalize::period::format_timestamp_us(*t)
            )),
            Pin::Newest => no_run(range),
        });
    };
    Ok(warehouse.pin(record).await?)
}

/// Registers every table of `run` that `catalog` declares, each at the version `run`
/// recorded (a table of a source this catalog lacks stays out, as it is undescribed).
pub async fn register_pinned(
    ctx: &SessionContext,
    warehouse: &DeltaWarehouse,
    run: &PinnedRun,
    catalog: &Catalog,
) -> Result<(), QueryError> {
    // One store per run: a session pinned to another run gets another name.
    let base = format!("rareflow-run://{}/", run.record.run_id);
    let url = url::Url::parse(&base).map_err(|_| WarehouseError::BadUrl {
        url: base.clone(),
        expected: "a run URL",
    })?;
    ctx.register_object_store(&url, Arc::new(run.view(warehouse)));
    // A declared table with no file yet (no revision so far in `trade_flows_superseded`)
    // is an empty table with its columns, as in every run.
    let present: Vec<&str> = run
        .tables
        .keys()
        .map(String::as_str)
        .chain(
            catalog
                .tables()
                .iter()
                .filter(|t| t.fixed_schema)
                .map(|t| t.name),
        )
        .collect();
    catalog.register_tables(ctx, &base, &present).await?;
    Ok(())
}

/// Registers every table of `run` (rareflow's own tables: [`Catalog::default`]).
pub async fn register_run(
    ctx: &SessionContext,
    warehouse: &DeltaWarehouse,
    run: &RunRecord,
) -> Result<(), QueryError> {
    let pinned = warehouse.pin(run.clone()).await?;
    register_pinned(ctx, warehouse, &pinned, &Catalog::default()).await
}

#[cfg(test)]
mod tests {
    use arrow::array::{Float64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
    use arrow::util::pretty::pretty_format_batches;
    use rareflow_warehouse::delta::TableChange;

    use super::*;

    fn batch(rows: &[(&str, f64)]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("partner", DataType::Utf8, false),
            Field::new("quantity_kg", DataType::Float64, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
                Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.1))),
            ],
        )
        .unwrap()
    }

    fn table_schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("partner", DataType::Utf8, false),
            Field::new("quantity_kg", DataType::Float64, true),
            Field::new("year", DataType::Int32, false),
            Field::new("month", DataType::Int32, false),
        ]))
    }

    async fn rows(ctx: &SessionContext) -> String {
        let sql =
            "SELECT partner, quantity_kg, year, month FROM trade_flows ORDER BY month, partner";
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        pretty_format_batches(&batches).unwrap().to_string()
    }

    /// Two runs: the second rewrites November and leaves October. A session on run 2 sees
    /// October and the new November (not the replaced file, still on disk); one on run 1
    /// sees what run 1 left.
    #[tokio::test]
    async fn a_session_reads_exactly_the_versions_of_its_run() {
        let dir = tempfile::tempdir().unwrap();
        let wh = DeltaWarehouse::local(dir.path()).unwrap();
        let change = |adds, removes| TableChange {
            table: "trade_flows".to_owned(),
            schema: table_schema(),
            partition_columns: vec!["year".to_owned(), "month".to_owned()],
            adds,
            removes,
        };
        let month = |m| [("year", "2025"), ("month", m)];
        let oct = wh
            .write_file(
                "trade_flows",
                &month("10"),
                "a.parquet",
                &[batch(&[("USA", 656_000.0)])],
            )
            .await
            .unwrap();
        let nov = wh
            .write_file(
                "trade_flows",
                &month("11"),
                "a.parquet",
                &[batch(&[("USA", 582_000.0), ("JPN", 1.0)])],
            )
            .await
            .unwrap();
        let v1 = wh
            .commit_tables(1, &[change(vec![oct, nov.clone()], vec![])])
            .await
            .unwrap();
        let run1 = RunRecord {
            run_id: 1,
            finished_at: 0,
            versions: v1,
        };
        wh.record_run(&run1).await.unwrap();

        let revised = wh
            .write_file(
                "trade_flows",
                &month("11"),
                "b.parquet",
                &[batch(&[("USA", 592_000.0)])],
            )
            .await
            .unwrap();
        let remove = deltalake_core_remove(&nov);
        let v2 = wh
            .commit_tables(2, &[change(vec![revised], vec![remove])])
            .await
            .unwrap();
        let run2 = RunRecord {
            run_id: 2,
            finished_at: 1,
            versions: v2,
        };
        wh.record_run(&run2).await.unwrap();

        let ctx = SessionContext::new();
        register_run(&ctx, &wh, &wh.newest_run().await.unwrap().unwrap())
            .await
            .unwrap();
        assert_eq!(
            rows(&ctx).await,
            "+---------+-------------+------+-------+\n\
             | partner | quantity_kg | year | month |\n\
             +---------+-------------+------+-------+\n\
             | USA     | 656000.0    | 2025 | 10    |\n\
             | USA     | 592000.0    | 2025 | 11    |\n\
             +---------+-------------+------+-------+"
        );
        let earlier = SessionContext::new();
        register_run(&earlier, &wh, &run1).await.unwrap();
        assert!(
            rows(&earlier)
                .await
                .contains("| JPN     | 1.0         | 2025 | 11    |")
        );
    }

    /// The `Remove` of a file this test added.
    fn deltalake_core_remove(
        add: &rareflow_warehouse::delta::Add,
    ) -> rareflow_warehouse::delta::Remove {
        rareflow_warehouse::delta::Remove {
            path: add.path.clone(),
            data_change: true,
            deletion_timestamp: Some(1),
            extended_file_metadata: Some(true),
            partition_values: Some(add.partition_values.clone()),
            size: Some(add.size),
            ..Default::default()
        }
    }
}
