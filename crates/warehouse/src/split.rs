//! Cutting a batch of `trade_flows` rows by (year, month) partition: what the parse
//! workers do (on any thread) before the writer appends the parts
//! ([`crate::parallel::PartitionAppender`]), and the file schema and writer settings both
//! share.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{RecordBatch, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::{Int32Type, Schema, SchemaRef};
use parquet::arrow::arrow_writer::ArrowRowGroupWriterFactory;
use parquet::arrow::{ArrowSchemaConverter, add_encoded_arrow_schema_to_metadata};
use parquet::file::properties::WriterPropertiesPtr;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::TypePtr;

use crate::column::as_primitive;
use crate::error::WarehouseError;
use crate::footprint::{Footprint, FootprintColumns};
use crate::writer::trade_flows_properties;

/// One partition's rows of one batch, without the partition columns: what a worker hands
/// to the writer.
pub struct PartitionRows {
    /// (year, month).
    pub key: (i32, i32),
    /// Rows in the part.
    pub rows: usize,
    pub(crate) batch: RecordBatch,
    pub(crate) footprint: Footprint,
}

impl std::fmt::Debug for PartitionRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionRows")
            .field("key", &self.key)
            .field("rows", &self.rows)
            .finish()
    }
}

/// What the workers and the writer share: the file schema and the writer settings.
#[derive(Clone)]
pub struct PartitionLayout {
    pub(crate) file_schema: SchemaRef,
    pub(crate) root: TypePtr,
    pub(crate) props: WriterPropertiesPtr,
    pub(crate) factory: Arc<ArrowRowGroupWriterFactory>,
    /// Parquet leaf columns (one column writer each).
    pub(crate) leaf_columns: usize,
    pub(crate) footprint: FootprintColumns,
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
        let missing = |column: &str| WarehouseError::Column {
            place: "trade_flows schema".to_owned(),
            column: column.to_owned(),
            expected: "Int32".to_owned(),
            found: "missing".to_owned(),
        };
        let year_col = schema.index_of("year").map_err(|_| missing("year"))?;
        let month_col = schema.index_of("month").map_err(|_| missing("month"))?;
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| i != year_col && i != month_col)
            .collect();
        let file_schema = Arc::new(schema.project(&keep)?);
        let schema_err = |source| WarehouseError::Schema {
            table: "trade_flows".to_owned(),
            source,
        };
        let mut props = trade_flows_properties(&file_schema);
        // Readers get the Arrow types back (timestamp zone, strings) from this footer entry.
        add_encoded_arrow_schema_to_metadata(&file_schema, &mut props);
        let props = Arc::new(props);
        let descr = ArrowSchemaConverter::new()
            .with_coerce_types(props.coerce_types())
            .convert(&file_schema)
            .map_err(schema_err)?;
        let root = descr.root_schema_ptr();
        let leaf_columns = descr.num_columns();
        let footprint = FootprintColumns::of(&file_schema);
        // The factory only keeps the schema and settings; the writer it is made from is a sink.
        let template = SerializedFileWriter::new(std::io::sink(), root.clone(), props.clone())
            .map_err(schema_err)?;
        let factory = Arc::new(ArrowRowGroupWriterFactory::new(
            &template,
            file_schema.clone(),
        ));
        Ok(PartitionLayout {
            file_schema,
            root,
            props,
            factory,
            leaf_columns,
            footprint,
            year_col,
            month_col,
            keep,
        })
    }

    /// Splits a batch by (year, month) partition, dropping the partition columns; parts in
    /// partition order, rows in batch order. Runs on any thread.
    pub fn split(&self, batch: &RecordBatch) -> Result<Vec<PartitionRows>, WarehouseError> {
        let n = batch.num_rows();
        if n == 0 {
            return Ok(Vec::new());
        }
        let place = "trade_flows batch";
        let years = as_primitive::<Int32Type>(batch.column(self.year_col), "year", &place)?;
        let months = as_primitive::<Int32Type>(batch.column(self.month_col), "month", &place)?;
        let (years, months) = (years.values(), months.values());
        let projected = batch.project(&self.keep)?;
        // Rows often come sorted by month: runs, not per-row map lookups.
        let mut groups: BTreeMap<(i32, i32), Vec<u32>> = BTreeMap::new();
        let mut start = 0usize;
        while start < n {
            let key = (years[start], months[start]);
            let mut end = start + 1;
            while end < n && (years[end], months[end]) == key {
                end += 1;
            }
            groups
                .entry(key)
                .or_default()
                .extend(start as u32..end as u32);
            start = end;
        }
        if groups.len() == 1 {
            let key = *groups.keys().next().unwrap_or(&(0, 0));
            return Ok(vec![PartitionRows {
                key,
                rows: n,
                footprint: self.footprint.measure(&projected),
                batch: projected,
            }]);
        }
        // One gather into partition order, then zero-copy slices: a batch with its months
        // interleaved costs one copy per column, not one per column and month.
        let order: UInt32Array = groups.values().flatten().copied().collect();
        let gathered = take_record_batch(&projected, &order)?;
        let mut out = Vec::with_capacity(groups.len());
        let mut offset = 0;
        for (key, rows) in groups {
            let batch = gathered.slice(offset, rows.len());
            out.push(PartitionRows {
                key,
                rows: rows.len(),
                footprint: self.footprint.measure(&batch),
                batch,
            });
            offset += rows.len();
        }
        Ok(out)
    }
}
