//! Registering a Delta warehouse's tables at the versions one recorded run left them
//! (cargo feature `delta`, issue 17 in progress). Each table is DataFusion's own listing
//! table (partition pruning, statistics, filter pushdown as today) over a view of the store
//! that lists only the pinned versions' files ([`PinnedStore`]), so a query never sees half
//! a run, nor files a later run replaced.

use std::sync::Arc;

use arrow::datatypes::{DataType, Schema};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use object_store::path::Path as StorePath;
use rareflow_warehouse::WarehouseError;
use rareflow_warehouse::delta::{
    DeltaWarehouse, PinnedStore, RunRecord, active_files, table_layout,
};

use crate::error::QueryError;

/// Registers every table of `run` in `ctx`, each at the version `run` recorded.
pub async fn register_run(
    ctx: &SessionContext,
    warehouse: &DeltaWarehouse,
    run: &RunRecord,
) -> Result<(), QueryError> {
    let mut files = Vec::new();
    let mut layouts = Vec::new();
    for (table, &version) in &run.versions {
        for f in active_files(warehouse, table, version).await? {
            files.push(StorePath::from(format!("{table}/{}", f.path)));
        }
        layouts.push((table, table_layout(warehouse, table, version).await?));
    }
    let store = warehouse.store();
    // One store per run: a session pinned to another run gets another name.
    let base = format!("rareflow-run://{}/", run.run_id);
    let url = url::Url::parse(&base).map_err(|_| WarehouseError::BadUrl {
        url: base.clone(),
        expected: "a run URL",
    })?;
    ctx.register_object_store(&url, Arc::new(PinnedStore::new(store, files)));
    for (table, (schema, partitions)) in layouts {
        let file_schema = Schema::new(
            schema
                .fields()
                .iter()
                .filter(|f| !partitions.contains(f.name()))
                .cloned()
                .collect::<Vec<_>>(),
        );
        let partition_cols: Vec<(String, DataType)> = partitions
            .iter()
            .filter_map(|p| {
                let field = schema.field_with_name(p).ok()?;
                Some((p.clone(), field.data_type().clone()))
            })
            .collect();
        let options = ParquetReadOptions::default()
            .schema(&file_schema)
            .table_partition_cols(partition_cols);
        ctx.register_parquet(table.as_str(), format!("{base}{table}/"), options)
            .await
            .map_err(|error| QueryError::Register {
                table: table.clone(),
                error,
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use arrow::array::{Float64Array, RecordBatch, StringArray};
    use arrow::datatypes::{Field, SchemaRef};
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
