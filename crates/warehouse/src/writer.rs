//! Parquet writers: one file per table, or one file per Hive partition of `trade_flows`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::{Int32Type, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::error::WarehouseError;

/// Rows per row group: large enough for good compression and few footers, small enough
/// that a writer per partition keeps memory bounded.
pub const ROW_GROUP_ROWS: usize = 256 * 1024;
/// When the row groups being built in all partitions together pass this many bytes, the
/// largest is flushed to disk: memory stays bounded however many partitions a release spans.
pub const BUFFER_BUDGET_BYTES: usize = 192 << 20;

/// Writer settings shared by every table: zstd, dictionaries, chunk statistics (what
/// pruning needs, cheaper than page statistics).
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .build()
}

fn create(path: &Path) -> Result<File, WarehouseError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(WarehouseError::io("create folder", parent))?;
    }
    File::create(path).map_err(WarehouseError::io("create file", path))
}

fn parquet_err(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> WarehouseError + '_ {
    move |source| WarehouseError::Parquet {
        path: path.to_owned(),
        source,
    }
}

/// Writes one unpartitioned table as `DIR/part-00000.parquet`.
pub struct TableWriter {
    path: PathBuf,
    writer: ArrowWriter<File>,
    rows: u64,
}

impl TableWriter {
    /// Starts the file. It is written even when no rows come, so the table's schema exists.
    pub fn create(dir: &Path, schema: SchemaRef) -> Result<TableWriter, WarehouseError> {
        let path = dir.join("part-00000.parquet");
        let file = create(&path)?;
        let writer = ArrowWriter::try_new(file, schema, Some(writer_properties()))
            .map_err(parquet_err(&path))?;
        Ok(TableWriter {
            path,
            writer,
            rows: 0,
        })
    }

    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), WarehouseError> {
        self.rows += batch.num_rows() as u64;
        self.writer.write(batch).map_err(parquet_err(&self.path))
    }

    /// Closes the file; returns the rows written.
    pub fn finish(self) -> Result<u64, WarehouseError> {
        self.writer.close().map_err(parquet_err(&self.path))?;
        Ok(self.rows)
    }

    /// Writes a whole table in one go.
    pub fn write_table(dir: &Path, batch: &RecordBatch) -> Result<u64, WarehouseError> {
        let mut w = TableWriter::create(dir, batch.schema())?;
        w.write(batch)?;
        w.finish()
    }
}

/// Writes `trade_flows` as Hive partitions `year=YYYY/month=M/part-00000.parquet`. The
/// partition columns go into the folder names, not the files (as Hive, DuckDB and
/// DataFusion expect).
pub struct PartitionedWriter {
    dir: PathBuf,
    file_schema: SchemaRef,
    year_col: usize,
    month_col: usize,
    keep: Vec<usize>,
    writers: BTreeMap<(i32, i32), (PathBuf, ArrowWriter<File>)>,
    rows: u64,
    touched: BTreeSet<(i32, i32)>,
}

impl PartitionedWriter {
    /// A writer for batches of `schema` whose columns `year` and `month` are the partitions.
    pub fn new(dir: &Path, schema: &Schema) -> Result<PartitionedWriter, WarehouseError> {
        let year_col = schema.index_of("year")?;
        let month_col = schema.index_of("month")?;
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| i != year_col && i != month_col)
            .collect();
        let file_schema = Arc::new(schema.project(&keep)?);
        fs::create_dir_all(dir).map_err(WarehouseError::io("create folder", dir))?;
        Ok(PartitionedWriter {
            dir: dir.to_owned(),
            file_schema,
            year_col,
            month_col,
            keep,
            writers: BTreeMap::new(),
            rows: 0,
            touched: BTreeSet::new(),
        })
    }

    /// Schema of the files (without partition columns).
    pub fn file_schema(&self) -> SchemaRef {
        self.file_schema.clone()
    }

    /// Splits a batch by partition and appends each part to its partition's file.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), WarehouseError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let years = batch.column(self.year_col).as_primitive::<Int32Type>();
        let months = batch.column(self.month_col).as_primitive::<Int32Type>();
        let projected = batch.project(&self.keep)?;
        // Rows usually come sorted by month: collect runs per partition without hashing each row.
        let mut groups: BTreeMap<(i32, i32), Vec<u32>> = BTreeMap::new();
        let mut start = 0usize;
        let n = batch.num_rows();
        while start < n {
            let key = (years.value(start), months.value(start));
            let mut end = start + 1;
            while end < n && (years.value(end), months.value(end)) == key {
                end += 1;
            }
            groups
                .entry(key)
                .or_default()
                .extend(start as u32..end as u32);
            start = end;
        }
        for (key, rows) in groups {
            let part = if rows.len() == n {
                projected.clone()
            } else {
                take_record_batch(&projected, &UInt32Array::from(rows))?
            };
            self.writer_for(key)?;
            self.touched.insert(key);
            if let Some((path, w)) = self.writers.get_mut(&key) {
                w.write(&part).map_err(parquet_err(path))?;
            }
            self.rows += part.num_rows() as u64;
        }
        self.enforce_budget()
    }

    fn writer_for(&mut self, key: (i32, i32)) -> Result<(), WarehouseError> {
        if !self.writers.contains_key(&key) {
            let path = self
                .dir
                .join(format!("year={}", key.0))
                .join(format!("month={}", key.1))
                .join("part-00000.parquet");
            let file = create(&path)?;
            let w = ArrowWriter::try_new(file, self.file_schema.clone(), Some(writer_properties()))
                .map_err(parquet_err(&path))?;
            self.writers.insert(key, (path, w));
        }
        Ok(())
    }

    fn enforce_budget(&mut self) -> Result<(), WarehouseError> {
        let total: usize = self
            .writers
            .values()
            .map(|(_, w)| w.in_progress_size())
            .sum();
        if total <= BUFFER_BUDGET_BYTES {
            return Ok(());
        }
        if let Some((path, w)) = self
            .writers
            .values_mut()
            .max_by_key(|(_, w)| w.in_progress_size())
        {
            w.flush().map_err(parquet_err(path))?;
        }
        Ok(())
    }

    /// Closes every partition file; returns the rows written.
    pub fn finish(self) -> Result<u64, WarehouseError> {
        for (_, (path, w)) in self.writers {
            w.close().map_err(parquet_err(&path))?;
        }
        Ok(self.rows)
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The partitions written to since the last call (the etl asks after each file).
    pub fn take_touched(&mut self) -> BTreeSet<(i32, i32)> {
        std::mem::take(&mut self.touched)
    }
}
