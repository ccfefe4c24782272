//! What each table and column holds: `rareflow-query describe [TABLE]`.
//!
//! Columns and types come from the table as registered in the session; each column's
//! one-line description from the `description` metadata entry of its schema field
//! ([`DESCRIPTION_KEY`]), looked up in the registered schema first and else in the schema
//! the table declares in the session's [`Catalog`] (so a source's own table is described
//! from its declaration alone).

use arrow::datatypes::{Schema, SchemaRef};
use rareflow_normalize::TableDef;

use crate::catalog::Catalog;
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

/// The one-line description of a table of `catalog`.
pub fn table_description(catalog: &Catalog, table: &str) -> Option<&'static str> {
    declared(catalog, table).map(|t| t.description)
}

/// The declaration of `table`; `trade_flows_latest` (what an as-of session keeps of the
/// current figures) is declared as `trade_flows`.
fn declared<'c>(catalog: &'c Catalog, table: &str) -> Option<&'c TableDef> {
    catalog
        .table(table)
        .or_else(|| catalog.table(table.strip_suffix("_latest")?))
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
    let written: Option<SchemaRef> =
        declared(session.catalog(), table).and_then(|t| t.schema.clone());
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

/// Formats the table list: every table of `catalog` with its topic and one-line description.
pub fn format_tables(catalog: &Catalog) -> String {
    let tables = catalog.tables();
    let width = tables.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let topic_width = tables.iter().map(|t| t.topic.len()).max().unwrap_or(0);
    tables
        .iter()
        .map(|t| {
            format!(
                "{:width$}  {:topic_width$}  {}\n",
                t.name, t.topic, t.description
            )
        })
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
        let catalog = Catalog::default();
        assert!(catalog.tables().iter().all(|t| !t.description.is_empty()));
        assert_eq!(
            table_description(&catalog, "trade_flows_latest"),
            table_description(&catalog, "trade_flows")
        );
        assert_eq!(table_description(&catalog, "no_such_table"), None);
        let list = format_tables(&catalog);
        assert_eq!(list.lines().count(), catalog.tables().len());
        // Name, topic, description, in columns as wide as the longest name and topic.
        assert!(
            list.lines().any(|l| l
                == "headline_series         trade      China's headline table by month (Jan-Feb one period), with revisions"),
            "{list}"
        );
    }
}
