//! What every reference table shares: the error a table that does not parse reports, its
//! CSV records with line numbers, and the Arrow batch it becomes. Kept apart from
//! [`crate::reference`] so that [`crate::fx`] and [`crate::codes`] read their CSVs without
//! importing the tables that hold them.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{Field, Schema};

/// A reference table that does not parse. The bundled tables only hit this in a broken
/// build; an `fx_rates.csv` from a reference folder may. Reported, never panicked on.
#[derive(Debug, thiserror::Error)]
#[error("reference table {table}, line {line}: {message}")]
pub struct ReferenceError {
    /// Which table.
    pub table: &'static str,
    /// 1-based line.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// The records of a CSV with a header row, each with its 1-based line.
pub(crate) fn records(
    table: &'static str,
    text: &str,
) -> Result<Vec<(u64, csv::StringRecord)>, ReferenceError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| ReferenceError {
            table,
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        out.push((line, rec));
    }
    Ok(out)
}

/// Reference columns that may hold NULL.
const NULLABLE: [&str; 4] = ["element", "product_group", "valid_from", "valid_to"];

/// A batch from named columns of equal length.
pub(crate) fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| {
            Field::new(
                *n,
                a.data_type().clone(),
                a.null_count() > 0 || NULLABLE.contains(n),
            )
        })
        .collect();
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    // Column lengths agree by construction (all from one Vec), so this cannot fail.
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .unwrap_or_else(|e| unreachable!("reference batch columns disagree: {e}"))
}
