//! The Delta warehouse on S3-compatible storage (moto on loopback), through the same code
//! as a folder: tables created and committed with conditional creates, a repeated commit
//! recognised, the run recorded and read back at its versions by DataFusion.

use std::sync::Arc;

use arrow::array::{Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use rareflow_query::delta_tables::register_run;
use rareflow_warehouse::S3Location;
use rareflow_warehouse::delta::{DeltaWarehouse, Remove, RunRecord, TableChange};

use crate::moto::Moto;
use crate::support::rows;

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

fn change(adds: Vec<rareflow_warehouse::delta::Add>, removes: Vec<Remove>) -> TableChange {
    TableChange {
        table: "trade_flows".into(),
        schema: Arc::new(Schema::new(vec![
            Field::new("partner", DataType::Utf8, false),
            Field::new("quantity_kg", DataType::Float64, true),
            Field::new("year", DataType::Int32, false),
            Field::new("month", DataType::Int32, false),
        ])),
        partition_columns: vec!["year".into(), "month".into()],
        adds,
        removes,
    }
}

#[test]
#[ignore = "needs moto_server: scripts/moto.sh"]
fn a_delta_warehouse_on_s3_commits_records_and_reads_its_runs() {
    let moto = Moto::start();
    moto.bucket("lake");
    let bucket = moto.store("lake");
    let location = S3Location {
        bucket: "lake".into(),
        prefix: "rare/earths".into(),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let wh = DeltaWarehouse::s3(&location, bucket.clone()).unwrap();
        assert_eq!(wh.root().as_str(), "s3://lake/rare/earths/");
        assert!(wh.newest_run().await.unwrap().is_none());
        let month = [("year", "2025"), ("month", "11")];
        let first = wh
            .write_file(
                "trade_flows",
                &month,
                "a.parquet",
                &[batch(&[("USA", 582_000.0), ("JPN", 1.0)])],
            )
            .await
            .unwrap();
        let v1 = wh
            .commit_tables(1, &[change(vec![first.clone()], vec![])])
            .await
            .unwrap();
        assert_eq!(v1["trade_flows"], 1);
        // Repeated (a retry whose first answer was lost): recognised, not applied again.
        assert_eq!(
            wh.commit_tables(1, &[change(vec![first.clone()], vec![])])
                .await
                .unwrap(),
            v1
        );
        let run1 = RunRecord {
            run_id: 1,
            finished_at: 1,
            versions: v1,
        };
        wh.record_run(&run1).await.unwrap();

        let revised = wh
            .write_file(
                "trade_flows",
                &month,
                "b.parquet",
                &[batch(&[("USA", 592_000.0)])],
            )
            .await
            .unwrap();
        let remove = Remove {
            path: first.path.clone(),
            data_change: true,
            deletion_timestamp: Some(2),
            partition_values: Some(first.partition_values.clone()),
            size: Some(first.size),
            ..Default::default()
        };
        let v2 = wh
            .commit_tables(2, &[change(vec![revised], vec![remove])])
            .await
            .unwrap();
        wh.record_run(&RunRecord {
            run_id: 2,
            finished_at: 2,
            versions: v2,
        })
        .await
        .unwrap();

        // What is in the bucket, under the prefix: data, the log, the run records.
        let keys: Vec<String> = bucket
            .list(Some(&ObjectPath::from("rare/earths")))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        for key in [
            "rare/earths/_rareflow/runs/00000000000000000002.json",
            "rare/earths/trade_flows/_delta_log/00000000000000000002.json",
            "rare/earths/trade_flows/year=2025/month=11/a.parquet",
            "rare/earths/trade_flows/year=2025/month=11/b.parquet",
        ] {
            assert!(keys.iter().any(|k| k == key), "{key} not in {keys:?}");
        }
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("_delta_log/00000000000000000003")),
            "{keys:?}"
        );

        let sql = "SELECT partner, quantity_kg, year, month FROM trade_flows ORDER BY partner";
        let read = |run: RunRecord| {
            let wh = wh.clone();
            async move {
                let ctx = SessionContext::new();
                register_run(&ctx, &wh, &run).await.unwrap();
                rows(&ctx.sql(sql).await.unwrap().collect().await.unwrap())
            }
        };
        let newest = wh.newest_run().await.unwrap().unwrap();
        assert_eq!(
            read(newest).await,
            vec![vec!["USA", "592000", "2025", "11"]]
        );
        assert_eq!(
            read(run1).await,
            vec![
                vec!["JPN", "1", "2025", "11"],
                vec!["USA", "582000", "2025", "11"]
            ]
        );
    });
}
