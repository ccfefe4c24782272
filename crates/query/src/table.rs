//! Query results as a small typed table (numbers, text, dates), the common input of charts
//! and the monthly brief (`rareflow-present`).

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Date32Type, Float64Type, Schema};

use crate::format::format_date;

/// The kind of a column, from its Arrow type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A calendar date (days since 1970-01-01).
    Date,
    /// Any integer, float or decimal.
    Number,
    /// Text (and anything else, shown as text).
    Text,
}

/// One value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// A number.
    Number(f64),
    /// A date, days since 1970-01-01.
    Date(i32),
    /// Text.
    Text(String),
}

impl Cell {
    /// The number, if this is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Number(v) if v.is_finite() => Some(*v),
            _ => None,
        }
    }

    /// The date (days since 1970-01-01), if this is one.
    pub fn date(&self) -> Option<i32> {
        match self {
            Cell::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// The value as display text (`YYYY-MM-DD` for dates, empty for NULL).
    pub fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Number(v) => format!("{v}"),
            Cell::Date(d) => format_date(*d),
            Cell::Text(t) => t.clone(),
        }
    }
}

/// A query result: column names and kinds, and rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Column kinds, in the same order.
    pub kinds: Vec<ColumnKind>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// Reads record batches (all with the same schema) into a table. Without a batch the
    /// table has no columns either: [`Table::with_schema`] keeps them.
    pub fn from_batches(batches: &[RecordBatch]) -> Table {
        match batches.first() {
            Some(first) => Table::with_schema(&first.schema(), batches),
            None => Table::default(),
        }
    }

    /// Reads record batches of `schema` into a table (its columns even without a row).
    pub fn with_schema(schema: &Schema, batches: &[RecordBatch]) -> Table {
        let mut table = Table::default();
        for field in schema.fields() {
            table.columns.push(field.name().clone());
            table.kinds.push(kind_of(field.data_type()));
        }
        for batch in batches {
            let columns: Vec<Vec<Cell>> = batch
                .columns()
                .iter()
                .map(|c| cells(c.as_ref(), batch.num_rows()))
                .collect();
            for r in 0..batch.num_rows() {
                table
                    .rows
                    .push(columns.iter().map(|c| c[r].clone()).collect());
            }
        }
        table
    }

    /// Index of a column by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The cell at `row` of column `name` (NULL when either is absent).
    pub fn get(&self, row: usize, name: &str) -> &Cell {
        const NULL: &Cell = &Cell::Null;
        match (self.index(name), self.rows.get(row)) {
            (Some(c), Some(r)) => r.get(c).unwrap_or(NULL),
            _ => NULL,
        }
    }

    /// The first row whose column `name` holds `value` as text.
    pub fn find(&self, name: &str, value: &str) -> Option<usize> {
        let c = self.index(name)?;
        self.rows.iter().position(|r| r[c].text() == value)
    }

    /// The row whose date column `name` is `day`.
    pub fn find_date(&self, name: &str, day: i32) -> Option<usize> {
        let c = self.index(name)?;
        self.rows.iter().position(|r| r[c].date() == Some(day))
    }
}

fn kind_of(ty: &DataType) -> ColumnKind {
    match ty {
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => ColumnKind::Date,
        t if t.is_numeric() => ColumnKind::Number,
        _ => ColumnKind::Text,
    }
}

fn cells(array: &dyn Array, len: usize) -> Vec<Cell> {
    let nulls = || vec![Cell::Null; len];
    match kind_of(array.data_type()) {
        ColumnKind::Date => match cast(array, &DataType::Date32) {
            Ok(a) => {
                let a = a.as_primitive::<Date32Type>();
                (0..len)
                    .map(|i| {
                        if a.is_null(i) {
                            Cell::Null
                        } else {
                            Cell::Date(a.value(i))
                        }
                    })
                    .collect()
            }
            Err(_) => nulls(),
        },
        ColumnKind::Number => match cast(array, &DataType::Float64) {
            Ok(a) => {
                let a = a.as_primitive::<Float64Type>();
                (0..len)
                    .map(|i| {
                        if a.is_null(i) {
                            Cell::Null
                        } else {
                            Cell::Number(a.value(i))
                        }
                    })
                    .collect()
            }
            Err(_) => nulls(),
        },
        ColumnKind::Text => match cast(array, &DataType::Utf8) {
            Ok(a) => {
                let a = a.as_string::<i32>();
                (0..len)
                    .map(|i| {
                        if a.is_null(i) {
                            Cell::Null
                        } else {
                            Cell::Text(a.value(i).to_owned())
                        }
                    })
                    .collect()
            }
            Err(_) => nulls(),
        },
    }
}
