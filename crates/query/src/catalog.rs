//! Registering a run's tables in DataFusion, and the list of tables with what each holds.

use arrow::datatypes::Schema;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use rareflow_normalize::{Registry, TableDef};

use crate::error::QueryError;

/// The tables a warehouse may hold, as the sources of a [`Registry`] declare them (see
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

    /// Registers the tables named in `present` under `base`, a URL whose object store is
    /// registered in `ctx` (a pinned run: `rareflow-run://N/`).
    pub async fn register_tables(
        &self,
        ctx: &SessionContext,
        base: &str,
        present: &[&str],
    ) -> Result<(), QueryError> {
        // Tables without a fixed schema read it from a file's footer: all at once.
        let registered = self
            .tables
            .iter()
            .filter(|t| present.contains(&t.name))
            .map(|table| async move {
                let name = table.name;
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
                    })
            });
        futures::future::try_join_all(registered).await?;
        for table in self.tables.iter().filter(|t| !present.contains(&t.name)) {
            tracing::debug!(table = table.name, "table not in this run");
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
