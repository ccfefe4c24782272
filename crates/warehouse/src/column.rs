//! Typed access to the columns of batches read back from a warehouse: a column that is
//! missing or of another type (an older or foreign warehouse) is a [`WarehouseError::Column`]
//! naming the place, the column and the type expected, never a panic.

use std::fmt::Display;

use arrow::array::{
    Array, ArrayRef, AsArray, LargeStringArray, PrimitiveArray, RecordBatch, StringArray,
    StringViewArray,
};
use arrow::datatypes::ArrowPrimitiveType;

use crate::error::WarehouseError;

/// The column `name` of `batch`, or an error naming `place`.
pub(crate) fn column<'a>(
    batch: &'a RecordBatch,
    name: &str,
    expected: &str,
    place: &dyn Display,
) -> Result<&'a ArrayRef, WarehouseError> {
    match batch.schema().index_of(name) {
        Ok(i) => Ok(batch.column(i)),
        Err(_) => Err(WarehouseError::Column {
            place: place.to_string(),
            column: name.to_owned(),
            expected: expected.to_owned(),
            found: "missing".to_owned(),
        }),
    }
}

/// Downcasts `array` (the column `name`) to a primitive array of `T`.
pub(crate) fn as_primitive<'a, T: ArrowPrimitiveType>(
    array: &'a dyn Array,
    name: &str,
    place: &dyn Display,
) -> Result<&'a PrimitiveArray<T>, WarehouseError> {
    array
        .as_primitive_opt::<T>()
        .ok_or_else(|| WarehouseError::Column {
            place: place.to_string(),
            column: name.to_owned(),
            expected: T::DATA_TYPE.to_string(),
            found: array.data_type().to_string(),
        })
}

/// The primitive column `name` of `batch`.
pub(crate) fn primitive<'a, T: ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    name: &str,
    place: &dyn Display,
) -> Result<&'a PrimitiveArray<T>, WarehouseError> {
    let array = column(batch, name, &T::DATA_TYPE.to_string(), place)?;
    as_primitive::<T>(array.as_ref(), name, place)
}

/// A text column in any of Arrow's three string layouts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Strings<'a> {
    /// `Utf8`.
    Utf8(&'a StringArray),
    /// `LargeUtf8`.
    Large(&'a LargeStringArray),
    /// `Utf8View`.
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    /// The value of row `i`, `None` when NULL.
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// The text column `name` of `batch`.
pub(crate) fn strings<'a>(
    batch: &'a RecordBatch,
    name: &str,
    place: &dyn Display,
) -> Result<Strings<'a>, WarehouseError> {
    let array = column(batch, name, "Utf8", place)?;
    if let Some(a) = array.as_string_opt::<i32>() {
        Ok(Strings::Utf8(a))
    } else if let Some(a) = array.as_string_opt::<i64>() {
        Ok(Strings::Large(a))
    } else if let Some(a) = array.as_string_view_opt() {
        Ok(Strings::View(a))
    } else {
        Err(WarehouseError::Column {
            place: place.to_string(),
            column: name.to_owned(),
            expected: "Utf8".to_owned(),
            found: array.data_type().to_string(),
        })
    }
}
