//! Registering a snapshot's tables in DataFusion, and the list of tables with what each holds.

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::Schema;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use rareflow_normalize::{Registry, TableDef};

use crate::error::QueryError;

/// The tables a snapshot may hold, as the sources of a [`Registry`] declare them (see
/// [`Registry::tables`]): what sessions register and `describe` lists.
#[derive(Debug, Clone)]
pub struct Catalog {
    tables: Vec<TableDef>,
}

impl Default for Catalog {
    /// The tables of rareflow's own sources.
    fn default() -> Self {
        Catalog::new(&Registry::default())
    }
}

impl Catalog {
    /// The tables of the sources of `registry`.
    pub fn new(registry: &Registry) -> Catalog {
        Catalog {
            tables: registry.tables(),
        }
    }

    /// Every table, in the registry's order.
    pub fn tables(&self) -> &[TableDef] {
        &self.tables
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Registers every table of the snapshot at `dir` in `ctx`.
    pub async fn register_snapshot(
        &self,
        ctx: &SessionContext,
        dir: &Path,
    ) -> Result<(), QueryError> {
        // A table added in a later version of rareflow is simply absent from an old snapshot.
        let present: Vec<&str> = self
            .tables
            .iter()
            .map(|t| t.name)
            .filter(|table| dir.join(table).is_dir())
            .collect();
        self.register_tables(ctx, &dir.display().to_string(), &present)
            .await
    }

    /// Registers the tables named in `present` of the snapshot at `base`: a folder, or a URL
    /// such as `s3://bucket/prefix/snapshots/000007` whose object store is registered in `ctx`.
    pub async fn register_tables(
        &self,
        ctx: &SessionContext,
        base: &str,
        present: &[&str],
    ) -> Result<(), QueryError> {
        for table in &self.tables {
            let name = table.name;
            if !present.contains(&name) {
                tracing::debug!(table = name, "table folder missing in snapshot");
                continue;
            }
            let url = format!("{}/{name}/", base.trim_end_matches('/'));
            let file_schema = table
                .schema
                .as_ref()
                .filter(|_| table.fixed_schema)
                .map(|schema| file_schema(schema, table.partitions));
            let mut options = ParquetReadOptions::default();
            if let (Some(schema), Some(file_schema)) = (&table.schema, &file_schema) {
                options = options.schema(file_schema).table_partition_cols(
                    table
                        .partitions
                        .iter()
                        .filter_map(|p| schema.field_with_name(p).ok())
                        .map(|f| (f.name().clone(), f.data_type().clone()))
                        .collect(),
                );
            }
            ctx.register_parquet(name, &url, options)
                .await
                .map_err(|error| QueryError::Register {
                    table: name.to_owned(),
                    error,
                })?;
        }
        Ok(())
    }
}

/// The columns stored in the files: all but the partition columns (in the folder names).
fn file_schema(schema: &Schema, partitions: &[&str]) -> Schema {
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .filter(|f| !partitions.contains(&f.name().as_str()))
        .cloned()
        .collect();
    Schema::new(fields)
}

/// A session for analysts: one target partition per core, Parquet pruning on.
pub fn session_config() -> SessionConfig {
    SessionConfig::new()
        .with_information_schema(true)
        .with_parquet_pruning(true)
        // Filters on rare lines (product_group = 'magnet') skip decoding the other columns.
        .set_bool("datafusion.execution.parquet.pushdown_filters", true)
        .set_bool("datafusion.execution.parquet.reorder_filters", true)
}

/// Registers every table of the snapshot at `dir` in `ctx` (the tables of rareflow's own
/// sources: [`Catalog::default`]).
pub async fn register_snapshot(ctx: &SessionContext, dir: &Path) -> Result<(), QueryError> {
    Catalog::default().register_snapshot(ctx, dir).await
}

/// As [`Catalog::register_tables`], for the tables of rareflow's own sources.
pub async fn register_tables(
    ctx: &SessionContext,
    base: &str,
    present: &[&str],
) -> Result<(), QueryError> {
    Catalog::default().register_tables(ctx, base, present).await
}

/// A new session with the snapshot at `dir` registered.
pub async fn session_for_snapshot(dir: &Path) -> Result<Arc<SessionContext>, QueryError> {
    session_with_catalog(dir, &Catalog::default()).await
}

/// A new session with the tables of `catalog` in the snapshot at `dir` registered.
pub async fn session_with_catalog(
    dir: &Path,
    catalog: &Catalog,
) -> Result<Arc<SessionContext>, QueryError> {
    let ctx = SessionContext::new_with_config(session_config());
    catalog.register_snapshot(&ctx, dir).await?;
    Ok(Arc::new(ctx))
}
