//! Parquet writer settings, and the writer for unpartitioned tables (partitioned
//! `trade_flows` goes through [`crate::parallel`]).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::error::WarehouseError;

/// Rows per row group of unpartitioned tables.
pub const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Writer settings shared by every table: zstd, dictionaries, chunk statistics (what
/// pruning needs, cheaper than page statistics).
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .build()
}

/// Columns the saved queries filter on: `trade_flows` writes page statistics (a page
/// index) for them, so a reader can skip pages as well as row groups.
pub const FILTER_COLUMNS: [&str; 3] = ["product_group", "hs_code", "partner"];

/// Rows per data page of `trade_flows`. A page's values wait unencoded (8-byte dictionary
/// keys) until it is full, in every open row group at once, so smaller pages bound the
/// writer's memory; they also give the page index a finer grain.
pub const PAGE_ROWS: usize = 8 * 1024;

/// Writer settings of `trade_flows` (`schema` is its file schema, without the partition
/// columns): [`writer_properties`], pages of [`PAGE_ROWS`] rows, page statistics (a page
/// index) on the [`FILTER_COLUMNS`] it has, and no dictionary for the measures (every
/// `Float64` column) and `source_line`: their values are nearly all distinct, so a
/// dictionary only costs hashing and up to 1 MiB per open row group before falling back.
pub fn trade_flows_properties(schema: &Schema) -> WriterProperties {
    let mut builder = writer_properties()
        .into_builder()
        .set_data_page_row_count_limit(PAGE_ROWS);
    for field in schema.fields() {
        if *field.data_type() == DataType::Float64 || field.name() == "source_line" {
            builder = builder
                .set_column_dictionary_enabled(ColumnPath::from(field.name().as_str()), false);
        }
    }
    for name in FILTER_COLUMNS {
        if schema.index_of(name).is_ok() {
            builder = builder
                .set_column_statistics_enabled(ColumnPath::from(name), EnabledStatistics::Page);
        }
    }
    builder.build()
}

fn create(path: &Path) -> Result<File, WarehouseError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(WarehouseError::io("create folder", parent))?;
    }
    File::create(path).map_err(WarehouseError::io("create file", path))
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
        TableWriter::create_part(dir, 0, schema)
    }

    /// Starts `DIR/part-NNNNN.parquet`: a table written in several steps (this run's rows,
    /// then rows carried from the previous snapshot) gets one file per step.
    pub fn create_part(
        dir: &Path,
        part: u32,
        schema: SchemaRef,
    ) -> Result<TableWriter, WarehouseError> {
        let path = dir.join(format!("part-{part:05}.parquet"));
        let file = create(&path)?;
        let writer = ArrowWriter::try_new(file, schema, Some(writer_properties()))
            .map_err(WarehouseError::parquet(&path))?;
        Ok(TableWriter {
            path,
            writer,
            rows: 0,
        })
    }

    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), WarehouseError> {
        self.rows += batch.num_rows() as u64;
        self.writer
            .write(batch)
            .map_err(WarehouseError::parquet(&self.path))
    }

    /// Closes the file; returns the rows written.
    pub fn finish(self) -> Result<u64, WarehouseError> {
        self.writer
            .close()
            .map_err(WarehouseError::parquet(&self.path))?;
        Ok(self.rows)
    }

    /// Writes a whole table in one go.
    pub fn write_table(dir: &Path, batch: &RecordBatch) -> Result<u64, WarehouseError> {
        let mut w = TableWriter::create(dir, batch.schema())?;
        w.write(batch)?;
        w.finish()
    }
}
