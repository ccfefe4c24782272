//! What each table and column holds: `rareflow-query describe [TABLE]`.
//!
//! Columns and types come from the table as registered in the session; each column's
//! one-line description from the `description` metadata entry of its schema field
//! ([`DESCRIPTION_KEY`]), looked up in the registered schema first and else in the schema
//! the table was written with (`rareflow_normalize::schema`, or the reference tables built
//! by `rareflow_normalize::reference`).

use arrow::datatypes::{Schema, SchemaRef};
use rareflow_normalize::schema::{HEADLINE_SERIES, INGEST_LOG, REJECTS, TRADE_FLOWS};

use crate::catalog::TABLES;
use crate::error::QueryError;
use crate::exec::QuerySession;
use crate::suggest::closest;

/// The schema field metadata key holding a column's one-line description.
pub const DESCRIPTION_KEY: &str = rareflow_normalize::schema::DESCRIPTION;

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// Arrow type, as DataFusion prints it (`Utf8`, `Float64`, `Date32`...).
    pub data_type: String,
    /// Whether the column may be NULL.
    pub nullable: bool,
    /// What the column holds (empty when the schema says nothing).
    pub description: String,
}

/// The one-line description of a warehouse table, if it is one of [`TABLES`].
pub fn table_description(table: &str) -> Option<&'static str> {
    TABLES.iter().find(|(t, _)| *t == table).map(|(_, d)| *d)
}

/// The columns of `table` as registered in `session`, with their descriptions. A table
/// that is not registered is [`QueryError::UnknownTable`], with the closest name.
pub async fn describe_table(
    session: &QuerySession,
    table: &str,
) -> Result<Vec<ColumnInfo>, QueryError> {
    let names = session.table_names();
    if !names.iter().any(|n| n == table) {
        return Err(QueryError::UnknownTable {
            name: table.to_owned(),
            suggestion: closest(table, names.iter().map(String::as_str)),
        });
    }
    let provider = session.context().table_provider(table).await?;
    let registered = provider.schema();
    let written = written_schema(table);
    Ok(registered
        .fields()
        .iter()
        .map(|field| {
            let description = [Some(registered.as_ref()), written.as_deref()]
                .into_iter()
                .flatten()
                .find_map(|schema| description_of(schema, field.name()))
                .unwrap_or_default();
            ColumnInfo {
                name: field.name().clone(),
                data_type: field.data_type().to_string(),
                nullable: field.is_nullable(),
                description,
            }
        })
        .collect())
}

fn description_of(schema: &Schema, column: &str) -> Option<String> {
    let field = schema.field_with_name(column).ok()?;
    field
        .metadata()
        .get(DESCRIPTION_KEY)
        .filter(|d| !d.trim().is_empty())
        .cloned()
}

/// The schema a table is written with, which carries the column descriptions.
fn written_schema(table: &str) -> Option<SchemaRef> {
    match table {
        "trade_flows" | "trade_flows_superseded" | "trade_flows_annual" | "trade_flows_latest" => {
            Some(TRADE_FLOWS.clone())
        }
        "rejects" => Some(REJECTS.clone()),
        "ingest_log" => Some(INGEST_LOG.clone()),
        "headline_series" => Some(HEADLINE_SERIES.clone()),
        _ => {
            // Reference tables are built from the compiled-in reference data; if it cannot be
            // read, the columns are simply described without text.
            let reference = rareflow_normalize::reference::Reference::bundled().ok()?;
            reference
                .tables()
                .into_iter()
                .find(|(name, _)| *name == table)
                .map(|(_, batch)| batch.schema())
        }
    }
}

/// Formats `columns` as aligned text: name, type (with `NULL` when nullable), description.
pub fn format_columns(columns: &[ColumnInfo]) -> String {
    let name_width = columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let types: Vec<String> = columns
        .iter()
        .map(|c| {
            if c.nullable {
                format!("{} NULL", c.data_type)
            } else {
                c.data_type.clone()
            }
        })
        .collect();
    let type_width = types.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (c, ty) in columns.iter().zip(&types) {
        let line = format!(
            "{:name_width$}  {ty:type_width$}  {}",
            c.name, c.description
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Formats the table list: every table of [`TABLES`] with its one-line description.
pub fn format_tables() -> String {
    let width = TABLES.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    TABLES
        .iter()
        .map(|(t, d)| format!("{t:width$}  {d}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_nullable_types_say_so() {
        let columns = [
            ColumnInfo {
                name: "partner".into(),
                data_type: "Utf8".into(),
                nullable: false,
                description: "ISO3 of the partner".into(),
            },
            ColumnInfo {
                name: "quantity_kg".into(),
                data_type: "Float64".into(),
                nullable: true,
                description: String::new(),
            },
        ];
        assert_eq!(
            format_columns(&columns),
            "partner      Utf8          ISO3 of the partner\n\
             quantity_kg  Float64 NULL\n"
        );
    }

    #[test]
    fn every_table_has_a_description() {
        assert_eq!(
            table_description("trade_flows").map(|d| d.is_empty()),
            Some(false)
        );
        assert_eq!(table_description("no_such_table"), None);
        assert_eq!(format_tables().lines().count(), TABLES.len());
    }
}
