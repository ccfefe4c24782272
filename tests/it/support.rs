//! Shared helpers: building warehouses from raw files and querying them.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};
use arrow::util::display::array_value_to_string;
use rareflow_etl::{NoProgress, RunOptions, RunSummary};
use rareflow_query::QuerySession;
use tempfile::TempDir;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A warehouse built once from the bundled `data/raw`, shared by every test that only reads.
pub fn bundled_warehouse() -> &'static Path {
    static WAREHOUSE: OnceLock<(TempDir, RunSummary)> = OnceLock::new();
    let (dir, _) = WAREHOUSE.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let summary = run_etl(&repo().join("data/raw"), dir.path()).expect("bundled data loads");
        (dir, summary)
    });
    dir.path()
}

/// Run options for a load in-process, with small chunks, so that multi-chunk ordering is
/// exercised even on small files.
fn options(raw: &Path, warehouse: &Path) -> RunOptions {
    let mut options = RunOptions::new(raw, warehouse);
    options.chunk_bytes = 4096;
    options
}

/// Runs a full load in-process.
pub fn run_etl(raw: &Path, warehouse: &Path) -> Result<RunSummary, rareflow_etl::EtlError> {
    rareflow_etl::run(&options(raw, warehouse), &NoProgress)
}

/// Runs a load in-process that must succeed, stamped `loaded_at` (`YYYY-MM-DD`, else now),
/// and with `full` re-reading every file.
pub fn etl(raw: &Path, warehouse: &Path, loaded_at: Option<&str>, full: bool) -> RunSummary {
    let mut options = options(raw, warehouse);
    options.full = full;
    options.loaded_at = loaded_at.map(|d| {
        let days = rareflow_normalize::period::days_from_civil(
            d[..4].parse().unwrap(),
            d[5..7].parse().unwrap(),
            d[8..].parse().unwrap(),
        );
        i64::from(days) * 86_400_000_000
    });
    rareflow_etl::run(&options, &NoProgress).unwrap()
}

/// `rareflow-etl run --raw RAW --warehouse WAREHOUSE EXTRA...` from the repository root,
/// logging errors only, without the caller's `RAREFLOW_WAREHOUSE`; more arguments or
/// variables may be added before it runs.
pub fn etl_command(raw: &Path, warehouse: impl AsRef<OsStr>, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"));
    command
        .current_dir(repo())
        .args(["--log-level", "error", "run", "--raw"])
        .arg(raw)
        .arg("--warehouse")
        .arg(warehouse)
        .args(extra)
        .env_remove("RAREFLOW_WAREHOUSE");
    command
}

/// Runs [`etl_command`] to the end.
pub fn etl_cmd(raw: &Path, warehouse: impl AsRef<OsStr>, extra: &[&str]) -> Output {
    etl_command(raw, warehouse, extra).output().unwrap()
}

/// Copies a folder tree (files and subfolders) into `to`, creating it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The bundled raw data without the 2026 China Customs files (a "before" state).
pub fn raw_without_2026() -> TempDir {
    let raw = TempDir::new().unwrap();
    copy_dir(&repo().join("data/raw"), raw.path());
    std::fs::remove_dir_all(raw.path().join("gacc/export/2026")).unwrap();
    raw
}

/// Writes a raw file at `raw/relative`.
pub fn write_raw(raw: &Path, relative: &str, bytes: &[u8]) {
    let path = raw.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// GB18030 bytes of a text.
pub fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// Formats one cell the way the .slt files write values: NULL, whole floats without `.0`.
pub fn cell(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return "NULL".into();
    }
    match array.data_type() {
        DataType::Float64 => format!("{}", array.as_primitive::<Float64Type>().value(row)),
        _ => {
            let s = array_value_to_string(array, row).unwrap_or_else(|e| format!("<{e}>"));
            if s.is_empty() { "(empty)".into() } else { s }
        }
    }
}

/// Rows of batches as strings.
pub fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            out.push(b.columns().iter().map(|c| cell(c.as_ref(), r)).collect());
        }
    }
    out
}

/// Runs SQL against a warehouse and returns its rows as strings.
pub fn query(warehouse: &Path, sql: &str) -> Vec<Vec<String>> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = QuerySession::open(warehouse).await.unwrap();
        let batches = session
            .collect("<test>", sql, datafusion::common::ParamValues::List(vec![]))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows(&batches)
    })
}

/// Runs SQL that returns one number.
pub fn scalar(warehouse: &Path, sql: &str) -> String {
    let r = query(warehouse, sql);
    assert_eq!(r.len(), 1, "{sql}: expected one row, got {r:?}");
    r[0][0].clone()
}

/// Every file under a folder with its bytes, sorted: compares warehouse states exactly.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push((
                    p.strip_prefix(root).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Runs `rareflow-query` from the repository root on `warehouse`.
pub fn query_cmd(warehouse: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
        .current_dir(repo())
        .env("RAREFLOW_WAREHOUSE", warehouse)
        .args(args)
        .output()
        .unwrap()
}

/// Standard output of a finished command, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error of a finished command, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The newest run of a local warehouse, pinned (`None` before the first run).
pub fn newest_run(warehouse: &Path) -> Option<rareflow_warehouse::delta::PinnedRun> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let wh = rareflow_warehouse::DeltaWarehouse::local(warehouse).unwrap();
    rt.block_on(wh.pin_newest()).unwrap()
}

/// The data files of the newest run, each as (path from the warehouse root, bytes),
/// sorted: what a reader reads, compared exactly.
pub fn run_files(warehouse: &Path) -> Vec<(String, Vec<u8>)> {
    let Some(run) = newest_run(warehouse) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = run
        .store_paths()
        .map(|(p, _)| {
            let path = p.to_string();
            let bytes = std::fs::read(warehouse.join(&path)).unwrap();
            (path, bytes)
        })
        .collect();
    out.sort();
    out
}

/// Takes the run lock of a local warehouse as a run would (held until dropped).
pub fn hold_lock(warehouse: &Path) -> Result<rareflow_warehouse::delta::RunLock, String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let wh = rareflow_warehouse::DeltaWarehouse::local(warehouse).unwrap();
    rt.block_on(wh.lock("test", std::time::Duration::from_secs(60), false))
        .map_err(|e| e.to_string())
}

/// Adds a data file of `batches` at `relative` (`TABLE/k=v/.../NAME.parquet`) to a local
/// warehouse and records it as a run of its own: a planted defect, as a reader sees it.
pub fn plant_file(warehouse: &Path, relative: &str, batches: &[RecordBatch]) {
    use rareflow_warehouse::delta::{RunRecord, TableChange};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let wh = rareflow_warehouse::DeltaWarehouse::local(warehouse).unwrap();
    let parts: Vec<&str> = relative.split('/').collect();
    let (table, name) = (parts[0], parts[parts.len() - 1]);
    let partition: Vec<(&str, &str)> = parts[1..parts.len() - 1]
        .iter()
        .map(|p| p.split_once('=').unwrap())
        .collect();
    rt.block_on(async {
        let run = wh.pin_newest().await.unwrap().unwrap();
        let pinned = run
            .table(table)
            .unwrap_or_else(|| panic!("{table}: no such table"));
        let add = wh
            .write_file(table, &partition, name, batches)
            .await
            .unwrap();
        let change = TableChange {
            table: table.to_owned(),
            schema: pinned.schema.clone(),
            partition_columns: pinned.partition_columns.clone(),
            adds: vec![add],
            removes: vec![],
        };
        let run_id = run.record.run_id + 1;
        let committed = wh.commit_tables(run_id, &[change]).await.unwrap();
        let mut versions = run.record.versions.clone();
        versions.extend(committed);
        wh.record_run(&RunRecord {
            run_id,
            finished_at: run.record.finished_at + 1,
            versions,
        })
        .await
        .unwrap();
    });
}
