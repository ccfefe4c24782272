//! Incremental publishing and revisions: reusing untouched partitions of the previous
//! snapshot, and splitting a partition's rows into current figures and those a later
//! release superseded.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, new_null_array};
use arrow::compute::{cast, filter_record_batch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::row::{RowConverter, SortField};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::column::{primitive, strings};
use crate::error::WarehouseError;
use crate::pairs::{Decision, Money, Releases};

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
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(WarehouseError::io("list", dir))? {
        // An entry that cannot be read is an error, never a file quietly left out.
        let path = entry.map_err(WarehouseError::io("list", dir))?.path();
        if path.extension().is_some_and(|e| e == "parquet") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Every row of the Parquet files directly in `dir` (one partition, or an unpartitioned table).
pub fn read_dir_batches(dir: &Path) -> Result<Vec<RecordBatch>, WarehouseError> {
    read_dir_columns(dir, None)
}

/// The rows of the Parquet files directly in `dir`, with only the `columns` each file has
/// (all columns when `None`).
pub fn read_dir_columns(
    dir: &Path,
    columns: Option<&[&str]>,
) -> Result<Vec<RecordBatch>, WarehouseError> {
    let mut out = Vec::new();
    for path in parquet_files(dir)? {
        let file = fs::File::open(&path).map_err(WarehouseError::io("open", &path))?;
        let mut builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(WarehouseError::parquet(&path))?
            .with_batch_size(64 * 1024);
        if let Some(columns) = columns {
            let schema = builder.schema().clone();
            let wanted = columns.iter().filter_map(|c| schema.index_of(c).ok());
            let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
            builder = builder.with_projection(mask);
        }
        let reader = builder.build().map_err(WarehouseError::parquet(&path))?;
        for batch in reader {
            out.push(batch.map_err(WarehouseError::parquet_rows(&path))?);
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
        let files = strings(
            &b,
            "source_file",
            &"rows carried from the previous snapshot",
        )?;
        let mask: BooleanArray = (0..b.num_rows())
            .map(|i| Some(files.get(i).is_some_and(|f| keep.contains(f))))
            .collect();
        let kept = filter_record_batch(&b, &mask)?;
        if kept.num_rows() > 0 {
            out.push(kept);
        }
    }
    Ok(out)
}

/// Where the rows given to [`releases`] and [`supersede`] come from, for error messages.
const SETTLED: &str = "trade_flows (rows being settled)";

/// The distinct `release_seq` values of some batches.
pub fn releases(batches: &[RecordBatch]) -> Result<BTreeSet<i64>, WarehouseError> {
    let mut out = BTreeSet::new();
    for b in batches {
        let col = primitive::<Int64Type>(b, "release_seq", &SETTLED)?;
        out.extend(col.iter().flatten());
    }
    Ok(out)
}

/// The key columns of one batch, in `key` order, each as `types` says: a key column the
/// batch lacks (written before the key gained it) is NULL on every row.
fn key_columns(b: &RecordBatch, key: &[(&str, DataType)]) -> Result<Vec<ArrayRef>, WarehouseError> {
    key.iter()
        .map(|(name, ty)| match b.schema().index_of(name) {
            Ok(i) if b.column(i).data_type() == ty => Ok(b.column(i).clone()),
            Ok(i) => cast(b.column(i), ty).map_err(|_| WarehouseError::Column {
                place: SETTLED.to_owned(),
                column: (*name).to_owned(),
                expected: ty.to_string(),
                found: b.column(i).data_type().to_string(),
            }),
            Err(_) => Ok(new_null_array(ty, b.num_rows())),
        })
        .collect()
}

/// Whether any key is reported by two releases among the Parquet files in `dir`: only then
/// does a partition need [`supersede`]. Reads the key columns and `release_seq` only, and
/// stops at the first repeat. Files written by one run hold disjoint releases per file, so
/// a partition filled by several files of one run (a release grouped by commodity or
/// partner interleaves its months) is usually settled by moving its files.
pub fn keys_repeat_across_releases(dir: &Path, key: &[&str]) -> Result<bool, WarehouseError> {
    let columns: Vec<&str> = key.iter().copied().chain(["release_seq"]).collect();
    let batches = read_dir_columns(dir, Some(&columns))?;
    let (converter, typed) = key_converter(&batches, key)?;
    let rows = batches
        .iter()
        .map(|b| Ok(converter.convert_columns(&key_columns(b, &typed)?)?))
        .collect::<Result<Vec<_>, WarehouseError>>()?;
    // Keys borrow the converted rows: no allocation per row.
    let mut first_release: HashMap<arrow::row::Row<'_>, i64, FastHash> = HashMap::default();
    for (b, rows) in batches.iter().zip(&rows) {
        let seq = primitive::<Int64Type>(b, "release_seq", &SETTLED)?;
        for (row, s) in rows.iter().zip(seq.values().iter()) {
            if *first_release.entry(row).or_insert(*s) != *s {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Hashing for key maps: the keys are our own row bytes, so no DoS-resistant hash is needed.
type FastHash = foldhash::fast::RandomState;

/// Key column names with the type each is compared as.
type TypedKey<'k> = Vec<(&'k str, DataType)>;

/// A row converter for the `key` columns the batches have, and their types (the first
/// batch that has a column decides its type).
fn key_converter<'k>(
    batches: &[RecordBatch],
    key: &[&'k str],
) -> Result<(RowConverter, TypedKey<'k>), WarehouseError> {
    let typed: Vec<(&str, DataType)> = key
        .iter()
        .filter_map(|&k| {
            batches.iter().find_map(|b| {
                let schema = b.schema();
                let field = schema.field_with_name(k).ok()?;
                Some((k, field.data_type().clone()))
            })
        })
        .collect();
    let converter = RowConverter::new(
        typed
            .iter()
            .map(|(_, ty)| SortField::new(ty.clone()))
            .collect(),
    )?;
    Ok((converter, typed))
}

/// Splits rows into the current figures (for each key, the rows of the latest release that
/// reports it, or a currency pair's yuan row with its twin's dollars: [`crate::pairs`]) and
/// the superseded ones.
///
/// Keys are compared exactly, in Arrow's row format, with NULL equal to NULL (a figure with
/// no transport mode revises the same figure with no transport mode). A key column missing
/// from some batches (files written before the key gained it) counts as NULL there; one
/// missing everywhere is ignored. Rows keep their order; batches without rows are dropped.
pub fn supersede(
    batches: &[RecordBatch],
    key: &[&str],
) -> Result<(Vec<RecordBatch>, Vec<RecordBatch>), WarehouseError> {
    let (converter, typed) = key_converter(batches, key)?;
    let mut rows_per_batch = Vec::with_capacity(batches.len());
    let mut figures: HashMap<Box<[u8]>, Releases, FastHash> = HashMap::default();
    for (b_at, b) in batches.iter().enumerate() {
        let rows = converter.convert_columns(&key_columns(b, &typed)?)?;
        let seq = primitive::<Int64Type>(b, "release_seq", &SETTLED)?;
        for (r_at, (row, s)) in rows.iter().zip(seq.values().iter()).enumerate() {
            figures
                .entry(row.as_ref().into())
                .and_modify(|f| f.see(*s, (b_at, r_at)))
                .or_insert_with(|| Releases::new(*s, (b_at, r_at)));
        }
        rows_per_batch.push(rows);
    }
    let money: Vec<Option<Money<'_>>> = batches.iter().map(Money::of).collect();
    let decisions: HashMap<&[u8], Decision, FastHash> = figures
        .iter()
        .map(|(k, f)| (k.as_ref(), f.decide(&money)))
        .collect();
    let mut usd_patches: HashMap<usize, Vec<(usize, Option<f64>)>> = HashMap::new();
    for d in decisions.values() {
        if let Some(((b_at, r_at), usd)) = d.usd_from_twin {
            usd_patches.entry(b_at).or_default().push((r_at, usd));
        }
    }
    let (mut current, mut superseded) = (Vec::new(), Vec::new());
    for (b_at, (b, rows)) in batches.iter().zip(&rows_per_batch).enumerate() {
        let seq = primitive::<Int64Type>(b, "release_seq", &SETTLED)?;
        let is_current: BooleanArray = rows
            .iter()
            .zip(seq.values().iter())
            .map(|(row, s)| Some(decisions.get(row.as_ref()).map(|d| d.current_seq) == Some(*s)))
            .collect();
        let is_old = arrow::compute::not(&is_current)?;
        let patched = match usd_patches.get(&b_at) {
            Some(patches) => with_value_usd(b, patches)?,
            None => b.clone(),
        };
        let c = filter_record_batch(&patched, &is_current)?;
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

/// `batch` with `value_usd` replaced at the given rows.
fn with_value_usd(
    batch: &RecordBatch,
    patches: &[(usize, Option<f64>)],
) -> Result<RecordBatch, WarehouseError> {
    let i = batch
        .schema()
        .index_of("value_usd")
        .map_err(|e| WarehouseError::Column {
            place: SETTLED.to_owned(),
            column: "value_usd".to_owned(),
            expected: format!("Float64 ({e})"),
            found: "no such column".to_owned(),
        })?;
    let old = primitive::<Float64Type>(batch, "value_usd", &SETTLED)?;
    let mut values: Vec<Option<f64>> = old.iter().collect();
    for &(row, usd) in patches {
        values[row] = usd;
    }
    let mut columns = batch.columns().to_vec();
    columns[i] = Arc::new(Float64Array::from(values));
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
