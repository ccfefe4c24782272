//! A run across two tables, committed, recorded, pinned, repeated and replaced.

use std::sync::Arc;

use arrow::array::{Date32Array, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake_core::kernel::Add;

use super::*;

/// The file schema (no partition columns) and the table schema (with them).
fn schemas() -> (SchemaRef, SchemaRef) {
    let file = vec![
        Field::new("partner", DataType::Utf8, false),
        Field::new("period", DataType::Date32, false),
        Field::new("quantity_kg", DataType::Float64, true),
    ];
    let mut table = file.clone();
    table.push(Field::new("year", DataType::Int32, false));
    table.push(Field::new("month", DataType::Int32, false));
    (Arc::new(Schema::new(file)), Arc::new(Schema::new(table)))
}

/// Writes a November 2025 file of `rows` (partner, kg) into the table folder; its `Add`.
async fn write_file(wh: &DeltaWarehouse, name: &str, rows: &[(&str, Option<f64>)]) -> Add {
    let (schema, _) = schemas();
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(Date32Array::from(vec![20_393; rows.len()])),
            Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.1))),
        ],
    )
    .unwrap();
    wh.write_file(
        "trade_flows",
        &[("year", "2025"), ("month", "11")],
        name,
        &[batch],
    )
    .await
    .unwrap()
}

fn change(adds: Vec<Add>, removes: Vec<deltalake_core::kernel::Remove>) -> TableChange {
    TableChange {
        table: "trade_flows".to_owned(),
        schema: schemas().1,
        partition_columns: vec!["year".to_owned(), "month".to_owned()],
        adds,
        removes,
    }
}

#[tokio::test]
async fn a_run_is_committed_once_recorded_and_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let wh = DeltaWarehouse::local(dir.path()).unwrap();
    assert!(wh.newest_run().await.unwrap().is_none());
    assert!(wh.latest("trade_flows").await.unwrap().is_none());

    let first = write_file(
        &wh,
        "part-a.parquet",
        &[("USA", Some(582_000.0)), ("JPN", None), ("DEU", Some(12.5))],
    )
    .await;
    let stats: serde_json::Value = serde_json::from_str(first.stats.as_deref().unwrap()).unwrap();
    assert_eq!(stats["numRecords"], 3);
    assert_eq!(stats["minValues"]["partner"], "DEU");
    assert_eq!(stats["maxValues"]["partner"], "USA");
    assert_eq!(stats["minValues"]["period"], "2025-11-01");
    assert_eq!(stats["maxValues"]["quantity_kg"], 582_000.0);
    assert_eq!(stats["nullCount"]["quantity_kg"], 1);

    // Run 1: created (version 0) and committed (version 1).
    let versions = wh
        .commit_tables(1, &[change(vec![first.clone()], vec![])])
        .await
        .unwrap();
    assert_eq!(versions["trade_flows"], 1);
    let record = RunRecord {
        run_id: 1,
        finished_at: 1_764_547_200_000_000,
        versions: versions.clone(),
    };
    wh.record_run(&record).await.unwrap();
    // A record whose answer was lost is recorded again without harm.
    wh.record_run(&record).await.unwrap();
    assert_eq!(wh.newest_run().await.unwrap(), Some(record.clone()));

    // The same run committed again (a retry after a crash): recognised, not applied twice.
    let again = wh
        .commit_tables(1, &[change(vec![first.clone()], vec![])])
        .await
        .unwrap();
    assert_eq!(again, versions);
    let files = active_files(&wh, "trade_flows", 1).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path, "year=2025/month=11/part-a.parquet");
    assert_eq!(files[0].rows, Some(3));
    assert_eq!(files[0].partition_values["month"].as_deref(), Some("11"));

    // Run 2 rewrites the partition: the new file replaces the old one.
    let second = write_file(&wh, "part-b.parquet", &[("USA", Some(592_000.0))]).await;
    let table = wh.latest("trade_flows").await.unwrap().unwrap();
    let removes: Vec<_> = table
        .snapshot()
        .unwrap()
        .log_data()
        .iter()
        .map(|f| f.remove_action(true))
        .collect();
    let v2 = wh
        .commit_tables(2, &[change(vec![second], removes)])
        .await
        .unwrap();
    assert_eq!(v2["trade_flows"], 2);
    wh.record_run(&RunRecord {
        run_id: 2,
        finished_at: 1_764_633_600_000_000,
        versions: v2.clone(),
    })
    .await
    .unwrap();
    let pinned = wh.newest_run().await.unwrap().unwrap();
    let now = active_files(&wh, "trade_flows", pinned.versions["trade_flows"])
        .await
        .unwrap();
    assert_eq!(
        now.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        ["year=2025/month=11/part-b.parquet"]
    );
    // A reader pinned to run 1 still sees run 1's file: time travel by run.
    let before = active_files(&wh, "trade_flows", 1).await.unwrap();
    assert_eq!(before[0].path, "year=2025/month=11/part-a.parquet");
    assert_eq!(wh.runs().await.unwrap().len(), 2);
    // Reader 1 / writer 2, no table features: every Delta reader reads it.
    let protocol = table.snapshot().unwrap().protocol().clone();
    assert_eq!(
        (protocol.min_reader_version(), protocol.min_writer_version()),
        (1, 2)
    );
}

/// Python `deltalake` and Polars (`scripts/delta-readers.sh` installs them) read the table
/// rareflow committed: the same files, rows and sums at each version, protocol (1, 2).
#[tokio::test]
#[ignore = "needs Python deltalake and polars: scripts/delta-readers.sh (CI runs it)"]
async fn python_deltalake_and_polars_read_the_tables() {
    let python =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/delta-venv/bin/python");
    assert!(
        python.is_file(),
        "{} missing: run scripts/delta-readers.sh",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let wh = DeltaWarehouse::local(dir.path()).unwrap();
    let first = write_file(
        &wh,
        "part-a.parquet",
        &[("USA", Some(582_000.0)), ("JPN", None)],
    )
    .await;
    wh.commit_tables(1, &[change(vec![first], vec![])])
        .await
        .unwrap();
    let second = write_file(&wh, "part-b.parquet", &[("USA", Some(592_000.0))]).await;
    let table = wh.latest("trade_flows").await.unwrap().unwrap();
    let removes = table
        .snapshot()
        .unwrap()
        .log_data()
        .iter()
        .map(|f| f.remove_action(true))
        .collect();
    wh.commit_tables(2, &[change(vec![second], removes)])
        .await
        .unwrap();

    let script = r#"
import sys, deltalake, polars as pl
path = sys.argv[1]
t = deltalake.DeltaTable(path)
p = t.protocol()
print(t.version(), p.min_reader_version, p.min_writer_version)
for v in (1, 2):
    df = pl.read_delta(path, version=v).sort("partner")
    print(v, df.height, df["partner"].to_list(), df["quantity_kg"].sum(), df["year"].to_list(), df["month"].to_list())
"#;
    let table_dir = wh.table_url("trade_flows").to_file_path().unwrap();
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&table_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "2 1 2\n\
         1 2 ['JPN', 'USA'] 582000.0 [2025, 2025] [11, 11]\n\
         2 1 ['USA'] 592000.0 [2025] [11]\n"
    );
}

/// Vacuum deletes what no kept version names, never the files of the run readers pin,
/// even when a later run committed but died before recording itself; a checkpoint leaves
/// every version readable.
#[tokio::test]
async fn vacuum_spares_the_pinned_run_and_checkpoints_keep_versions_readable() {
    let dir = tempfile::tempdir().unwrap();
    let wh = DeltaWarehouse::local(dir.path()).unwrap();
    let mut adds = Vec::new();
    for (run, name) in [
        (1, "part-a.parquet"),
        (2, "part-b.parquet"),
        (3, "part-c.parquet"),
    ] {
        let add = write_file(&wh, name, &[("USA", Some(run as f64))]).await;
        let table = wh.latest("trade_flows").await.unwrap();
        let removes = match &table {
            Some(t) => t
                .snapshot()
                .unwrap()
                .log_data()
                .iter()
                .map(|f| f.remove_action(true))
                .collect(),
            None => Vec::new(),
        };
        let versions = wh
            .commit_tables(run, &[change(vec![add.clone()], removes)])
            .await
            .unwrap();
        adds.push(add);
        if run < 3 {
            // Run 3 dies after its commit, before its record: readers stay on run 2.
            wh.record_run(&RunRecord {
                run_id: run,
                finished_at: run,
                versions,
            })
            .await
            .unwrap();
        }
    }
    let folder = dir.path().join("trade_flows/year=2025/month=11");
    let planned = wh.vacuum(std::time::Duration::ZERO, true).await.unwrap();
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].files, ["year=2025/month=11/part-a.parquet"]);
    assert!(
        folder.join("part-a.parquet").is_file(),
        "a dry run deletes nothing"
    );

    wh.vacuum(std::time::Duration::ZERO, false).await.unwrap();
    assert!(!folder.join("part-a.parquet").exists());
    assert!(folder.join("part-b.parquet").is_file(), "pinned by run 2");
    assert!(
        folder.join("part-c.parquet").is_file(),
        "the latest version"
    );

    wh.checkpoint("trade_flows").await.unwrap();
    let log: Vec<_> = std::fs::read_dir(dir.path().join("trade_flows/_delta_log"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        log.iter().any(|f| f.ends_with(".checkpoint.parquet")),
        "{log:?}"
    );
    let pinned = wh.newest_run().await.unwrap().unwrap();
    let files = active_files(&wh, "trade_flows", pinned.versions["trade_flows"])
        .await
        .unwrap();
    assert_eq!(files[0].path, "year=2025/month=11/part-b.parquet");
}

/// Every commit PUT of a run (a table's log entry, the run record) takes effect but its
/// answer is lost: the run reports an error, and doing the run again finishes it with one
/// copy of every figure, never two.
#[tokio::test]
async fn a_lost_answer_is_found_in_the_log_and_nothing_is_applied_twice() {
    use super::lost_answer::LostAnswer;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LostAnswer::new(Arc::new(
        object_store::local::LocalFileSystem::new(),
    )));
    let wh = DeltaWarehouse::local_through(dir.path(), store.clone()).unwrap();
    let add = write_file(&wh, "part-a.parquet", &[("USA", Some(582_000.0))]).await;
    // The create (version 0) goes through; the run's own commit (version 1) loses its answer.
    wh.commit_tables(1, &[change(vec![], vec![])])
        .await
        .unwrap();
    store.arm("_delta_log/00000000000000000002.json");
    let lost = wh
        .commit_tables(2, &[change(vec![add.clone()], vec![])])
        .await;
    assert!(lost.is_err(), "the lost answer is an error: {lost:?}");
    assert_eq!(store.lost.lock().unwrap().len(), 1);
    // Again: the log already carries run 2, so nothing is committed twice.
    let versions = wh
        .commit_tables(2, &[change(vec![add.clone()], vec![])])
        .await
        .unwrap();
    assert_eq!(versions["trade_flows"], 2);
    let record = RunRecord {
        run_id: 2,
        finished_at: 2,
        versions,
    };
    store.arm("_rareflow/runs/");
    assert!(wh.record_run(&record).await.is_err());
    wh.record_run(&record).await.unwrap();
    assert_eq!(wh.newest_run().await.unwrap(), Some(record));
    let files = active_files(&wh, "trade_flows", 2).await.unwrap();
    assert_eq!(files.len(), 1, "one copy of the file: {files:?}");
    assert!(wh.latest("trade_flows").await.unwrap().unwrap().version() == Some(2));
}
