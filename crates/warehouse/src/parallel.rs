//! Parallel Parquet encoding for `trade_flows`: the parse workers split their batch by
//! partition and encode each part into a finished row group (compressed column chunks);
//! the single writer only appends those bytes to the partition's file. Encoding, the
//! costliest step after parsing, then runs on every core, and nothing is buffered per
//! partition, so memory does not grow with the number of partitions.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::{Int32Type, Schema, SchemaRef};
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::arrow::{ArrowSchemaConverter, add_encoded_arrow_schema_to_metadata};
use parquet::file::properties::WriterPropertiesPtr;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::TypePtr;

use crate::error::WarehouseError;
use crate::writer::writer_properties;

fn perr(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> WarehouseError + '_ {
    move |source| WarehouseError::Parquet {
        path: path.to_owned(),
        source,
    }
}

/// One partition's rows of one batch, encoded as a row group.
pub struct EncodedPart {
    /// (year, month).
    pub key: (i32, i32),
    /// Rows in the row group.
    pub rows: usize,
    chunks: Vec<ArrowColumnChunk>,
}

impl std::fmt::Debug for EncodedPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncodedPart")
            .field("key", &self.key)
            .field("rows", &self.rows)
            .finish()
    }
}

/// What every encoder and the writer share: the file schema and the writer settings.
#[derive(Clone)]
pub struct PartitionLayout {
    file_schema: SchemaRef,
    root: TypePtr,
    props: WriterPropertiesPtr,
    factory: Arc<ArrowRowGroupWriterFactory>,
    year_col: usize,
    month_col: usize,
    keep: Vec<usize>,
}

impl std::fmt::Debug for PartitionLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionLayout")
            .field("file_schema", &self.file_schema)
            .finish()
    }
}

impl PartitionLayout {
    /// The layout for batches of `schema` partitioned by its `year` and `month` columns.
    pub fn new(schema: &Schema) -> Result<PartitionLayout, WarehouseError> {
        let year_col = schema.index_of("year")?;
        let month_col = schema.index_of("month")?;
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| i != year_col && i != month_col)
            .collect();
        let file_schema = Arc::new(schema.project(&keep)?);
        let mut props = writer_properties();
        // Readers get the Arrow types back (timestamp zone, strings) from this footer entry.
        add_encoded_arrow_schema_to_metadata(&file_schema, &mut props);
        let props = Arc::new(props);
        let descr = ArrowSchemaConverter::new()
            .with_coerce_types(props.coerce_types())
            .convert(&file_schema)
            .map_err(perr(Path::new("<schema>")))?;
        let root = descr.root_schema_ptr();
        // The factory only keeps the schema and settings; the writer it is made from is a sink.
        let template = SerializedFileWriter::new(std::io::sink(), root.clone(), props.clone())
            .map_err(perr(Path::new("<schema>")))?;
        let factory = Arc::new(ArrowRowGroupWriterFactory::new(
            &template,
            file_schema.clone(),
        ));
        Ok(PartitionLayout {
            file_schema,
            root,
            props,
            factory,
            year_col,
            month_col,
            keep,
        })
    }

    /// Splits a batch by partition and encodes each part as a row group. Runs on any thread.
    pub fn encode(&self, batch: &RecordBatch) -> Result<Vec<EncodedPart>, WarehouseError> {
        let n = batch.num_rows();
        if n == 0 {
            return Ok(Vec::new());
        }
        let years = batch.column(self.year_col).as_primitive::<Int32Type>();
        let months = batch.column(self.month_col).as_primitive::<Int32Type>();
        let projected = batch.project(&self.keep)?;
        // Rows usually come sorted by month: runs, not per-row hashing.
        let mut groups: BTreeMap<(i32, i32), Vec<u32>> = BTreeMap::new();
        let mut start = 0usize;
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
        let mut out = Vec::with_capacity(groups.len());
        for (key, rows) in groups {
            let part = if rows.len() == n {
                projected.clone()
            } else {
                take_record_batch(&projected, &UInt32Array::from(rows))?
            };
            let path = Path::new("<encode>");
            let mut writers = self.factory.create_column_writers(0).map_err(perr(path))?;
            let mut next = writers.iter_mut();
            for (array, field) in part.columns().iter().zip(self.file_schema.fields()) {
                for leaf in compute_leaves(field, array).map_err(perr(path))? {
                    if let Some(w) = next.next() {
                        w.write(&leaf).map_err(perr(path))?;
                    }
                }
            }
            let chunks = writers
                .into_iter()
                .map(|w| w.close())
                .collect::<Result<Vec<_>, _>>()
                .map_err(perr(path))?;
            out.push(EncodedPart {
                key,
                rows: part.num_rows(),
                chunks,
            });
        }
        Ok(out)
    }
}

/// A partition file being written.
type FileWriter = SerializedFileWriter<BufWriter<File>>;

/// Appends encoded row groups to `DIR/year=Y/month=M/part-00000.parquet`, one file per
/// partition.
pub struct PartitionAppender {
    dir: PathBuf,
    layout: PartitionLayout,
    files: BTreeMap<(i32, i32), (PathBuf, FileWriter)>,
    rows: u64,
    touched: BTreeSet<(i32, i32)>,
}

impl PartitionAppender {
    /// An appender writing under `dir`.
    pub fn new(dir: &Path, layout: PartitionLayout) -> Result<PartitionAppender, WarehouseError> {
        fs::create_dir_all(dir).map_err(WarehouseError::io("create folder", dir))?;
        Ok(PartitionAppender {
            dir: dir.to_owned(),
            layout,
            files: BTreeMap::new(),
            rows: 0,
            touched: BTreeSet::new(),
        })
    }

    /// The shared layout (for encoding on other threads).
    pub fn layout(&self) -> &PartitionLayout {
        &self.layout
    }

    /// Appends one encoded row group.
    pub fn append(&mut self, part: EncodedPart) -> Result<(), WarehouseError> {
        if !self.files.contains_key(&part.key) {
            let dir = crate::merge::partition_dir(&self.dir, part.key);
            fs::create_dir_all(&dir).map_err(WarehouseError::io("create folder", &dir))?;
            let path = dir.join("part-00000.parquet");
            let file = File::create(&path).map_err(WarehouseError::io("create file", &path))?;
            let writer = SerializedFileWriter::new(
                BufWriter::with_capacity(1 << 20, file),
                self.layout.root.clone(),
                self.layout.props.clone(),
            )
            .map_err(perr(&path))?;
            self.files.insert(part.key, (path, writer));
        }
        if let Some((path, writer)) = self.files.get_mut(&part.key) {
            let mut group = writer.next_row_group().map_err(perr(path))?;
            for chunk in part.chunks {
                chunk.append_to_row_group(&mut group).map_err(perr(path))?;
            }
            group.close().map_err(perr(path))?;
        }
        self.rows += part.rows as u64;
        self.touched.insert(part.key);
        Ok(())
    }

    /// Encodes on this thread and appends (for sources read record by record).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), WarehouseError> {
        for part in self.layout.encode(batch)? {
            self.append(part)?;
        }
        Ok(())
    }

    /// The partitions written to since the last call.
    pub fn take_touched(&mut self) -> BTreeSet<(i32, i32)> {
        std::mem::take(&mut self.touched)
    }

    /// Closes every file; returns the rows written.
    pub fn finish(self) -> Result<u64, WarehouseError> {
        for (_, (path, writer)) in self.files {
            writer.close().map_err(perr(&path))?;
        }
        Ok(self.rows)
    }
}
