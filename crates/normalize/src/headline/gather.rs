//! What one headline file hands to the gatherer, as an Arrow batch: the release (repeated on
//! every row) and its commodity rows, in [`HEADLINE_READ`]. Only what `headline_series`
//! uses travels; a batch in any other schema is refused, never dropped.

use std::sync::{Arc, LazyLock};

use arrow::array::{
    Array, AsArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, UInt32Array,
};
use arrow::datatypes::UInt32Type;
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Int64Type, Schema, SchemaRef};
use arrow::error::ArrowError;
use rareflow_ingest::Currency;
use rareflow_ingest::headline::{HeadlineRelease, HeadlineRow};

use super::HeadlineInput;

/// The schema of a headline file's rows on their way to the gatherer.
pub static HEADLINE_READ: LazyLock<SchemaRef> = LazyLock::new(|| {
    use DataType::{Float64, Int32, Int64, UInt32, Utf8};
    let f = |name: &str, t: DataType, nullable: bool| Field::new(name, t, nullable);
    Arc::new(Schema::new(vec![
        f("file", Utf8, false),
        f("title", Utf8, false),
        f("year", Int32, false),
        f("first_month", UInt32, false),
        f("last_month", UInt32, false),
        f("currency", Utf8, false),
        f("value_scale", Float64, false),
        f("line", Int64, false),
        f("series", Utf8, false),
        f("unit", Utf8, false),
        f("month_quantity", Float64, true),
        f("month_value", Float64, true),
        f("ytd_quantity", Float64, true),
        f("ytd_value", Float64, true),
    ]))
});

fn currency_code(c: Currency) -> &'static str {
    match c {
        Currency::Usd => "USD",
        Currency::Cny => "CNY",
    }
}

/// One file's release and rows as a [`HEADLINE_READ`] batch.
pub(crate) fn to_batch(input: &HeadlineInput) -> Result<RecordBatch, ArrowError> {
    let (r, rows, n) = (&input.release, &input.rows, input.rows.len());
    let repeat = |v: &str| Arc::new(StringArray::from_iter_values(std::iter::repeat_n(v, n)));
    let numbers =
        |f: fn(&HeadlineRow) -> Option<f64>| Arc::new(Float64Array::from_iter(rows.iter().map(f)));
    RecordBatch::try_new(
        HEADLINE_READ.clone(),
        vec![
            repeat(&input.file),
            repeat(&r.title),
            Arc::new(Int32Array::from(vec![r.year; n])),
            Arc::new(UInt32Array::from(vec![r.first_month; n])),
            Arc::new(UInt32Array::from(vec![r.last_month; n])),
            repeat(currency_code(r.currency)),
            Arc::new(Float64Array::from(vec![r.value_scale; n])),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|row| row.line as i64),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|row| &row.series),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|row| &row.unit),
            )),
            numbers(|row| row.month_quantity),
            numbers(|row| row.month_value),
            numbers(|row| row.ytd_quantity),
            numbers(|row| row.ytd_value),
        ],
    )
}

/// The release and rows of a [`HEADLINE_READ`] batch (`None` for a file without rows: it
/// adds nothing to the series). Another schema is a `SchemaError`.
pub(crate) fn from_batch(batch: &RecordBatch) -> Result<Option<HeadlineInput>, ArrowError> {
    if batch.schema().fields() != HEADLINE_READ.fields() {
        return Err(ArrowError::SchemaError(format!(
            "a headline gatherer reads {:?}, not {:?}",
            HEADLINE_READ.fields(),
            batch.schema().fields()
        )));
    }
    if batch.num_rows() == 0 {
        return Ok(None);
    }
    let text = |i: usize| batch.column(i).as_string::<i32>();
    let number = |i: usize| batch.column(i).as_primitive::<Float64Type>();
    let option = |a: &Float64Array, row: usize| a.is_valid(row).then(|| a.value(row));
    let currency = match text(5).value(0) {
        "CNY" => Currency::Cny,
        _ => Currency::Usd,
    };
    let release = HeadlineRelease {
        year: batch.column(2).as_primitive::<Int32Type>().value(0),
        first_month: batch.column(3).as_primitive::<UInt32Type>().value(0),
        last_month: batch.column(4).as_primitive::<UInt32Type>().value(0),
        currency,
        value_scale: number(6).value(0),
        title: text(1).value(0).to_owned(),
        // Not carried: the series does not use it (the file's encoding is in ingest_log).
        encoding: "",
    };
    let lines = batch.column(7).as_primitive::<Int64Type>();
    let (mq, mv, yq, yv) = (number(10), number(11), number(12), number(13));
    let rows = (0..batch.num_rows())
        .map(|i| HeadlineRow {
            line: lines.value(i) as u64,
            series: text(8).value(i).to_owned(),
            unit: text(9).value(i).to_owned(),
            month_quantity: option(mq, i),
            month_value: option(mv, i),
            ytd_quantity: option(yq, i),
            ytd_value: option(yv, i),
            ytd_quantity_yoy_pct: None,
            ytd_value_yoy_pct: None,
            raw: String::new(),
        })
        .collect();
    Ok(Some(HeadlineInput {
        file: text(0).value(0).to_owned(),
        release,
        rows,
    }))
}
