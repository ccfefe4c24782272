//! Columns of the warehouse tables. One place, so writers, readers and tests agree.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

/// `trade_flows`: one row per reported figure (reporter, flow, partner, period, line).
///
/// `year` and `month` are the Hive partition columns: they are in the batches the
/// normalizer produces, and the warehouse writes them into the folder names instead of the files.
pub static TRADE_FLOWS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        utf8("source", false),
        utf8("reporter", false),
        utf8("flow", false),
        utf8("partner", false),
        utf8("partner_code", false),
        utf8("partner_name", true),
        utf8("partner_kind", false),
        Field::new("period", DataType::Date32, false),
        Field::new("year", DataType::Int32, false),
        Field::new("month", DataType::Int32, false),
        utf8("hs_code", false),
        utf8("hs6", false),
        utf8("classification", false),
        utf8("product_group", true),
        utf8("element", true),
        utf8("customs_regime", true),
        Field::new("quantity_kg", DataType::Float64, true),
        Field::new("quantity_native", DataType::Float64, true),
        utf8("unit_native", true),
        Field::new("value_native", DataType::Float64, true),
        utf8("currency", false),
        Field::new("value_usd", DataType::Float64, true),
        Field::new("value_cif_usd", DataType::Float64, true),
        Field::new("value_fob_usd", DataType::Float64, true),
        utf8("source_file", false),
        Field::new("source_line", DataType::Int64, false),
        Field::new("release_seq", DataType::Int64, false),
        Field::new("loaded_at", loaded_at_type(), false),
    ]))
});

/// Load times are UTC microseconds: Spark cannot read nanosecond timestamps.
pub fn loaded_at_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Columns that identify one reported figure: a later release with the same key supersedes
/// an earlier one.
pub const TRADE_FLOWS_KEY: [&str; 8] = [
    "source",
    "reporter",
    "flow",
    "period",
    "hs_code",
    "partner_code",
    "customs_regime",
    "classification",
];

/// `trade_flows_annual`: annual figures (Comtrade `refMonth` 52), kept apart so that no sum
/// over months counts a year twice. Same columns as `trade_flows`; `month` is 0 and
/// `period` the first day of the year. Not partitioned.
pub static TRADE_FLOWS_ANNUAL: LazyLock<SchemaRef> = LazyLock::new(|| TRADE_FLOWS.clone());

/// Names of the partition columns of `trade_flows`, outermost first.
pub const TRADE_FLOWS_PARTITIONS: [&str; 2] = ["year", "month"];

/// `rejects`: every row read that was not loaded, with the reason.
pub static REJECTS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        utf8("source", false),
        utf8("source_file", false),
        Field::new("source_line", DataType::Int64, false),
        utf8("reason_code", false),
        utf8("reason", false),
        utf8("raw_record", false),
    ]))
});

/// `ingest_log`: one row per raw file loaded by the run that built the warehouse.
pub static INGEST_LOG: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        utf8("source_file", false),
        utf8("source", false),
        utf8("flow", true),
        utf8("encoding", false),
        utf8("layout", false),
        utf8("content_sha256", false),
        Field::new("bytes", DataType::Int64, false),
        Field::new("rows_read", DataType::Int64, false),
        Field::new("rows_loaded", DataType::Int64, false),
        Field::new("rows_rejected", DataType::Int64, false),
        Field::new("first_period", DataType::Date32, true),
        Field::new("last_period", DataType::Date32, true),
        Field::new("release_seq", DataType::Int64, false),
        Field::new("loaded_at", loaded_at_type(), false),
        Field::new("modified_ns", DataType::Int64, false),
    ]))
});

/// `headline_series`: published headline figures that have no tariff line (China's
/// monthly table of major commodities), one row per series and period.
pub static HEADLINE_SERIES: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        utf8("source", false),
        utf8("reporter", false),
        utf8("flow", false),
        utf8("series", false),
        utf8("series_en", true),
        Field::new("period", DataType::Date32, false),
        Field::new("months", DataType::Int32, false),
        Field::new("quantity", DataType::Float64, true),
        utf8("unit", false),
        Field::new("value_usd", DataType::Float64, true),
        utf8("quantity_method", false),
        Field::new("quantity_ytd", DataType::Float64, true),
        Field::new("quantity_from_ytd", DataType::Float64, true),
        Field::new("revised", DataType::Boolean, false),
        utf8("note", true),
        utf8("release", false),
        utf8("release_title", false),
        Field::new("source_line", DataType::Int64, false),
    ]))
});
