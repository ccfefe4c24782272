//! `Add` actions for Parquet files rareflow wrote itself, with the statistics Delta
//! readers skip files by (`numRecords`, `minValues`, `maxValues`, `nullCount`), taken from
//! the file's footer as delta-rs does: no second pass over the data.

use std::collections::HashMap;

use arrow::datatypes::{DataType, Schema, TimeUnit};
use deltalake_core::kernel::Add;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics;
use rareflow_normalize::period::format_date as date;
use serde_json::{Map, Value, json};

/// The `Add` for a data file of `size` bytes at `path` (relative to the table), whose
/// footer is `metadata` and whose columns are `schema` (the file's, without partition
/// columns), in the partition `partition_values`.
pub fn add_for_file(
    path: &str,
    size: i64,
    modification_time_ms: i64,
    partition_values: HashMap<String, Option<String>>,
    schema: &Schema,
    metadata: &ParquetMetaData,
) -> Add {
    Add {
        path: path.to_owned(),
        partition_values,
        size,
        modification_time: modification_time_ms,
        data_change: true,
        stats: Some(stats_json(schema, metadata).to_string()),
        ..Default::default()
    }
}

/// Statistics of a file from its row groups' column chunks.
fn stats_json(schema: &Schema, metadata: &ParquetMetaData) -> Value {
    let rows: i64 = metadata.row_groups().iter().map(|g| g.num_rows()).sum();
    let (mut min, mut max, mut nulls) = (Map::new(), Map::new(), Map::new());
    let leaves = metadata.file_metadata().schema_descr();
    for (i, field) in schema.fields().iter().enumerate() {
        // Only flat columns: leaf i is field i.
        if i >= leaves.num_columns() || leaves.column(i).name() != field.name() {
            continue;
        }
        let mut null_count = Some(0u64);
        let (mut lo, mut hi): (Option<Value>, Option<Value>) = (None, None);
        let mut complete = true;
        for group in metadata.row_groups() {
            let Some(stats) = group.column(i).statistics() else {
                complete = false;
                null_count = None;
                continue;
            };
            null_count = null_count.zip(stats.null_count_opt()).map(|(a, b)| a + b);
            match bounds(field.data_type(), stats) {
                Some((l, h)) => {
                    lo = Some(match lo {
                        Some(v) if less(&v, &l) => v,
                        _ => l,
                    });
                    hi = Some(match hi {
                        Some(v) if less(&h, &v) => v,
                        _ => h,
                    });
                }
                // A group of only NULLs has no bounds: the others still bound the file.
                None if stats.null_count_opt() == Some(group.num_rows() as u64) => {}
                None => complete = false,
            }
        }
        if let Some(n) = null_count {
            nulls.insert(field.name().clone(), json!(n));
        }
        if let (true, Some(l), Some(h)) = (complete, lo, hi) {
            min.insert(field.name().clone(), l);
            max.insert(field.name().clone(), h);
        }
    }
    json!({
        "numRecords": rows,
        "minValues": min,
        "maxValues": max,
        "nullCount": nulls,
    })
}

/// Orders two bounds of one column (numbers, or strings: dates and timestamps are written
/// in an order-preserving text form).
fn less(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().unwrap_or(f64::NAN) < y.as_f64().unwrap_or(f64::NAN)
        }
        (Value::String(x), Value::String(y)) => x < y,
        _ => false,
    }
}

/// A chunk's min and max as Delta writes them for the column's type, or `None` when the
/// chunk has none or the type is not one rareflow writes statistics for.
fn bounds(ty: &DataType, stats: &Statistics) -> Option<(Value, Value)> {
    match (ty, stats) {
        (DataType::Date32, Statistics::Int32(s)) => {
            Some((json!(date(*s.min_opt()?)), json!(date(*s.max_opt()?))))
        }
        (DataType::Int32, Statistics::Int32(s)) => Some((json!(s.min_opt()?), json!(s.max_opt()?))),
        (DataType::Int64, Statistics::Int64(s)) => Some((json!(s.min_opt()?), json!(s.max_opt()?))),
        (DataType::Timestamp(TimeUnit::Microsecond, Some(_)), Statistics::Int64(s)) => Some((
            json!(timestamp(*s.min_opt()?)),
            json!(timestamp(*s.max_opt()?)),
        )),
        (DataType::Float64, Statistics::Double(s)) => {
            let (lo, hi) = (*s.min_opt()?, *s.max_opt()?);
            (lo.is_finite() && hi.is_finite()).then(|| (json!(lo), json!(hi)))
        }
        (DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View, Statistics::ByteArray(s)) => {
            // Exact bounds only: a truncated statistic would be a wrong bound.
            if s.min_is_exact() && s.max_is_exact() {
                let lo = std::str::from_utf8(s.min_opt()?.data()).ok()?;
                let hi = std::str::from_utf8(s.max_opt()?.data()).ok()?;
                Some((json!(lo), json!(hi)))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Microseconds since the epoch as Delta's statistics write them: RFC 3339, milliseconds
/// (truncated, as delta-rs does), UTC.
fn timestamp(us: i64) -> String {
    let ms = us.div_euclid(1000);
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (h, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
    let (min, rest) = (rest / 60_000, rest % 60_000);
    let (s, millis) = (rest / 1000, rest % 1000);
    format!("{}T{h:02}:{min:02}:{s:02}.{millis:03}Z", date(days as i32))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn dates_and_timestamps_as_delta_writes_them() {
        assert_eq!(date(20_393), "2025-11-01");
        // 2026-12-03T07:55:00.123456Z
        let us = (20_790i64 * 86_400 + 7 * 3600 + 55 * 60) * 1_000_000 + 123_456;
        assert_eq!(timestamp(us), "2026-12-03T07:55:00.123Z");
    }
}
