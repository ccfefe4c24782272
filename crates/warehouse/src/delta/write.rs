//! Writing a data file into a table folder, ready to be committed.

use std::collections::HashMap;

use arrow::array::RecordBatch;
use deltalake_core::kernel::Add;
use parquet::arrow::ArrowWriter;

use super::{DeltaWarehouse, add_for_file};
use crate::error::WarehouseError;
use crate::writer::writer_properties;

impl DeltaWarehouse {
    /// Writes `batches` (the file's columns: no partition columns) as
    /// `TABLE/k=v/.../NAME` with the warehouse's Parquet settings, and returns its `Add`
    /// (statistics from the footer). Nothing is visible until a commit names it.
    pub fn write_file(
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
        let path = self.local_root()?.join(table).join(&relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(WarehouseError::io("create folder", dir))?;
        }
        let file =
            std::fs::File::create(&path).map_err(WarehouseError::io("create file", &path))?;
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(writer_properties()))
            .map_err(WarehouseError::parquet(&path))?;
        for b in batches {
            writer.write(b).map_err(WarehouseError::parquet(&path))?;
        }
        let metadata = writer.close().map_err(WarehouseError::parquet(&path))?;
        let meta = std::fs::metadata(&path).map_err(WarehouseError::io("stat", &path))?;
        let modified_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        let values: HashMap<String, Option<String>> = partition
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned())))
            .collect();
        Ok(add_for_file(
            &relative,
            meta.len() as i64,
            modified_ms,
            values,
            &schema,
            &metadata,
        ))
    }
}
