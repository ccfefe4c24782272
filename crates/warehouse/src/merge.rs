//! Incremental publishing and revisions: reusing untouched partitions of the previous
//! snapshot, and splitting a partition's rows into current figures and those a later
//! release superseded.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use arrow::array::{AsArray, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::Int64Type;
use arrow::row::{RowConverter, SortField};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::WarehouseError;

/// Folder of one Hive partition.
pub fn partition_dir(table_dir: &Path, (year, month): (i32, i32)) -> PathBuf {
    table_dir
        .join(format!("year={year}"))
        .join(format!("month={month}"))
}

/// The partitions present under a partitioned table folder.
pub fn list_partitions(table_dir: &Path) -> Result<BTreeSet<(i32, i32)>, WarehouseError> {
    let mut out = BTreeSet::new();
    if !table_dir.is_dir() {
        return Ok(out);
    }
    let value = |name: &str, key: &str| -> Option<i32> { name.strip_prefix(key)?.parse().ok() };
    for y in fs::read_dir(table_dir).map_err(WarehouseError::io("list", table_dir))? {
        let y = y.map_err(WarehouseError::io("list", table_dir))?;
        let Some(year) = value(&y.file_name().to_string_lossy(), "year=") else {
            continue;
        };
        for m in fs::read_dir(y.path()).map_err(WarehouseError::io("list", y.path()))? {
            let m = m.map_err(WarehouseError::io("list", y.path()))?;
            if let Some(month) = value(&m.file_name().to_string_lossy(), "month=") {
                out.insert((year, month));
            }
        }
    }
    Ok(out)
}

fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, WarehouseError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(WarehouseError::io("list", dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    Ok(files)
}

/// Every row of the Parquet files directly in `dir` (one partition, or an unpartitioned table).
pub fn read_dir_batches(dir: &Path) -> Result<Vec<RecordBatch>, WarehouseError> {
    let mut out = Vec::new();
    for path in parquet_files(dir)? {
        let file = fs::File::open(&path).map_err(WarehouseError::io("open", &path))?;
        let perr = |source| WarehouseError::Parquet {
            path: path.clone(),
            source,
        };
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(perr)?
            .with_batch_size(64 * 1024)
            .build()
            .map_err(perr)?;
        for batch in reader {
            out.push(batch?);
        }
    }
    Ok(out)
}

/// Hard-links (or, across file systems, copies) every Parquet file of `from` into `to`: an
/// untouched partition costs no I/O in the next snapshot.
pub fn link_dir(from: &Path, to: &Path) -> Result<(), WarehouseError> {
    let files = parquet_files(from)?;
    if files.is_empty() {
        return Ok(());
    }
    fs::create_dir_all(to).map_err(WarehouseError::io("create folder", to))?;
    for f in files {
        let target = to.join(f.file_name().unwrap_or_default());
        if fs::hard_link(&f, &target).is_err() {
            fs::copy(&f, &target).map_err(WarehouseError::io("copy", &f))?;
        }
    }
    Ok(())
}

/// Keeps the rows whose `source_file` is in `keep`.
pub fn keep_files(
    batches: Vec<RecordBatch>,
    keep: &HashSet<String>,
) -> Result<Vec<RecordBatch>, WarehouseError> {
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let idx = b.schema().index_of("source_file")?;
        let files = b.column(idx).as_string_opt::<i32>();
        let mask: BooleanArray = match files {
            Some(files) => files
                .iter()
                .map(|f| Some(f.is_some_and(|f| keep.contains(f))))
                .collect(),
            None => {
                let files = b.column(idx).as_string_view();
                files
                    .iter()
                    .map(|f| Some(f.is_some_and(|f| keep.contains(f))))
                    .collect()
            }
        };
        let kept = filter_record_batch(&b, &mask)?;
        if kept.num_rows() > 0 {
            out.push(kept);
        }
    }
    Ok(out)
}

/// The distinct `release_seq` values of some batches.
pub fn releases(batches: &[RecordBatch]) -> Result<BTreeSet<i64>, WarehouseError> {
    let mut out = BTreeSet::new();
    for b in batches {
        let col = b
            .column(b.schema().index_of("release_seq")?)
            .as_primitive::<Int64Type>()
            .clone();
        out.extend(col.values().iter().copied());
    }
    Ok(out)
}

/// Splits rows into the current figures (for each key, the rows of the latest release that
/// reports it) and the superseded ones. Exact: keys are compared in Arrow's row format.
pub fn supersede(
    batches: &[RecordBatch],
    key: &[&str],
) -> Result<(Vec<RecordBatch>, Vec<RecordBatch>), WarehouseError> {
    let Some(first) = batches.first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let schema = first.schema();
    let key_idx: Vec<usize> = key
        .iter()
        .map(|k| schema.index_of(k))
        .collect::<Result<_, _>>()?;
    let release_idx = schema.index_of("release_seq")?;
    let converter = RowConverter::new(
        key_idx
            .iter()
            .map(|&i| SortField::new(schema.field(i).data_type().clone()))
            .collect(),
    )?;
    let mut rows_per_batch = Vec::with_capacity(batches.len());
    let mut latest: HashMap<Box<[u8]>, i64> = HashMap::new();
    for b in batches {
        let cols: Vec<_> = key_idx.iter().map(|&i| b.column(i).clone()).collect();
        let rows = converter.convert_columns(&cols)?;
        let seq = b.column(release_idx).as_primitive::<Int64Type>();
        for (i, row) in rows.iter().enumerate() {
            let s = seq.value(i);
            latest
                .entry(row.as_ref().into())
                .and_modify(|m| *m = (*m).max(s))
                .or_insert(s);
        }
        rows_per_batch.push(rows);
    }
    let (mut current, mut superseded) = (Vec::new(), Vec::new());
    for (b, rows) in batches.iter().zip(&rows_per_batch) {
        let seq = b.column(release_idx).as_primitive::<Int64Type>();
        let is_current: BooleanArray = rows
            .iter()
            .enumerate()
            .map(|(i, row)| Some(latest.get(row.as_ref()).is_some_and(|&m| m == seq.value(i))))
            .collect();
        let is_old = arrow::compute::not(&is_current)?;
        let c = filter_record_batch(b, &is_current)?;
        let o = filter_record_batch(b, &is_old)?;
        if c.num_rows() > 0 {
            current.push(c);
        }
        if o.num_rows() > 0 {
            superseded.push(o);
        }
    }
    Ok((current, superseded))
}
