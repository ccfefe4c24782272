//! Writing a data file into a table folder, ready to be committed.

use std::collections::HashMap;

use arrow::array::RecordBatch;
use deltalake_core::kernel::Add;
use object_store::ObjectStoreExt;
use object_store::path::Path as StorePath;
use parquet::arrow::ArrowWriter;

use super::{DeltaWarehouse, add_for_file};
use crate::error::WarehouseError;
use crate::writer::writer_properties;

impl DeltaWarehouse {
    /// Writes `batches` (the file's columns: no partition columns) as
    /// `TABLE/k=v/.../NAME` with the warehouse's Parquet settings, and returns its `Add`
    /// (statistics from the footer). Nothing is visible until a commit names it.
    pub async fn write_file(
        &self,
        table: &str,
        partition: &[(&str, &str)],
        name: &str,
        batches: &[RecordBatch],
    ) -> Result<Add, WarehouseError> {
        let Some(first) = batches.first() else {
            return Err(WarehouseError::Column {
                place: format!("{table}/{name}"),
                column: "(all)".to_owned(),
                expected: "at least one batch".to_owned(),
                found: "none".to_owned(),
            });
        };
        let schema = first.schema();
        let folder: Vec<String> = partition.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let relative = folder
            .iter()
            .map(String::as_str)
            .chain([name])
            .collect::<Vec<_>>()
            .join("/");
        let place = format!("{}{table}/{relative}", self.root());
        // Encoded in memory, then one put: bounded by the file's size (a partition's rows).
        let mut bytes = Vec::new();
        let mut writer =
            ArrowWriter::try_new(&mut bytes, schema.clone(), Some(writer_properties()))
                .map_err(WarehouseError::parquet(&place))?;
        for b in batches {
            writer.write(b).map_err(WarehouseError::parquet(&place))?;
        }
        let metadata = writer.close().map_err(WarehouseError::parquet(&place))?;
        let size = bytes.len() as i64;
        let location = StorePath::from(format!("{table}/{relative}"));
        self.store()
            .put(&location, bytes.into())
            .await
            .map_err(|source| WarehouseError::ObjectStore {
                action: "write",
                url: place.clone(),
                source,
            })?;
        let modified_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let values: HashMap<String, Option<String>> = partition
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned())))
            .collect();
        Ok(add_for_file(
            &relative,
            size,
            modified_ms,
            values,
            &schema,
            &metadata,
        ))
    }
}
