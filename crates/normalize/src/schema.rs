//! Columns of the warehouse tables. One place, so writers, readers, `rareflow-query describe`
//! and tests agree: every field carries a one-line `description` in its metadata.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

mod fetch_log;
pub use fetch_log::FETCH_LOG_SCHEMA;

/// Metadata key of a field's one-line description.
pub const DESCRIPTION: &str = "description";

fn field(name: &str, data_type: DataType, nullable: bool, description: &str) -> Field {
    Field::new(name, data_type, nullable).with_metadata(HashMap::from([(
        DESCRIPTION.to_owned(),
        description.to_owned(),
    )]))
}

fn text(name: &str, nullable: bool, description: &str) -> Field {
    field(name, DataType::Utf8, nullable, description)
}

/// The description of a field, if it has one.
pub fn description(field: &Field) -> Option<&str> {
    field.metadata().get(DESCRIPTION).map(String::as_str)
}

fn trade_flows_fields() -> Vec<Field> {
    use DataType::{Date32, Float64, Int32, Int64};
    vec![
        text(
            "source",
            false,
            "who published the figure: gacc, comtrade, census, comext",
        ),
        text(
            "reporter",
            false,
            "ISO3 of the country that reported the figure",
        ),
        text(
            "flow",
            false,
            "export or import as the reporter sees it; sub-flows keep their own names (re-export, re-import, ...)",
        ),
        text(
            "partner",
            false,
            "ISO3 of the partner, or the reported code of a group or the world",
        ),
        text("partner_code", false, "partner code as reported"),
        text("partner_name", true, "partner's English name"),
        text(
            "partner_kind",
            false,
            "country, group, world, or breakdown (a Comtrade or Census row split below its total): sum over 'country' and nothing is counted twice",
        ),
        field(
            "period",
            Date32,
            false,
            "first day of the month (or of the year, in trade_flows_annual)",
        ),
        text(
            "hs_code",
            false,
            "commodity code as reported (CN8, HS6, HTS10, TOTAL, ...)",
        ),
        text(
            "hs6",
            true,
            "HS6 heading; NULL for aggregate codes shorter than six digits and masked codes",
        ),
        field(
            "hs_level",
            Int32,
            false,
            "digits of hs_code (2, 4, 6, 8, 10), 0 for TOTAL: never sum across levels",
        ),
        text(
            "classification",
            false,
            "code system of hs_code: CN8, H6, H5, HS, HTS10, ScheduleB10",
        ),
        text(
            "product_group",
            true,
            "rareflow taxonomy group (magnet, oxide, metal, ...)",
        ),
        text(
            "element",
            true,
            "rare-earth element symbol where the line names one",
        ),
        text(
            "customs_regime",
            true,
            "customs regime / statistical procedure as reported (GACC 贸易方式, Eurostat STAT_PROCEDURE)",
        ),
        text(
            "customs_procedure",
            true,
            "Comtrade customs procedure code; C00 is the total",
        ),
        text(
            "transport_mode",
            true,
            "Comtrade mode of transport code; 0 is the total",
        ),
        text(
            "second_partner",
            true,
            "Comtrade second partner code; 0 is the world total",
        ),
        text(
            "region_code",
            true,
            "registration place: China Customs 注册地编码, or the US state of a Census state x HS row",
        ),
        text(
            "region",
            true,
            "China Customs registration place name (注册地名称)",
        ),
        field(
            "quantity_kg",
            Float64,
            true,
            "net weight in kilograms; NULL when not reported",
        ),
        field(
            "quantity_native",
            Float64,
            true,
            "quantity in the first reported unit",
        ),
        text("unit_native", true, "first reported unit"),
        field(
            "value_native",
            Float64,
            true,
            "value in the reported currency",
        ),
        text("currency", false, "ISO 4217 code of value_native"),
        field(
            "value_usd",
            Float64,
            true,
            "value in US dollars (reported, or converted with fx_rates)",
        ),
        field(
            "value_cif_usd",
            Float64,
            true,
            "CIF value in US dollars where reported",
        ),
        field(
            "value_fob_usd",
            Float64,
            true,
            "FOB value in US dollars where reported",
        ),
        text("source_file", false, "raw file, relative to the raw folder"),
        field(
            "source_line",
            Int64,
            false,
            "line (or record) of the figure in that file",
        ),
        field(
            "release_seq",
            Int64,
            false,
            "order in which the file was first loaded (1, 2, ...)",
        ),
        field(
            "loaded_at",
            loaded_at_type(),
            false,
            "when the file was first loaded, UTC",
        ),
        field(
            "year",
            Int32,
            false,
            "year of the period (Hive partition column)",
        ),
        field(
            "month",
            Int32,
            false,
            "month of the period, 1-12; 0 in trade_flows_annual (partition column)",
        ),
    ]
}

/// `trade_flows`: one row per reported figure (reporter, flow, partner, period, line, and
/// the breakdowns the release has).
///
/// `year` and `month` are the Hive partition columns and come last, as every engine lists
/// partition columns after the file's: they are in the batches the normalizer produces,
/// and the warehouse writes them into the folder names instead of the files.
pub static TRADE_FLOWS: LazyLock<SchemaRef> =
    LazyLock::new(|| Arc::new(Schema::new(trade_flows_fields())));

/// Load times are UTC microseconds: Spark cannot read nanosecond timestamps.
pub fn loaded_at_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Columns that identify one reported figure: a later release with the same key supersedes
/// an earlier one. NULLs compare equal. Breakdown columns are part of the key, so files
/// that split one month (by province, by procedure) add up instead of replacing each other.
pub const TRADE_FLOWS_KEY: [&str; 12] = [
    "source",
    "reporter",
    "flow",
    "period",
    "hs_code",
    "partner_code",
    "customs_regime",
    "classification",
    "customs_procedure",
    "transport_mode",
    "second_partner",
    "region_code",
];

/// `trade_flows_annual`: annual figures (Comtrade `refMonth` 52, Eurostat period `YYYY52`),
/// kept apart so that no sum over months counts a year twice. Same columns in the same
/// order as `trade_flows` (so `UNION ALL` works); `month` is 0 and `period` the first day
/// of the year. Not partitioned.
pub static TRADE_FLOWS_ANNUAL: LazyLock<SchemaRef> = LazyLock::new(|| TRADE_FLOWS.clone());

/// Names of the partition columns of `trade_flows`, outermost first.
pub const TRADE_FLOWS_PARTITIONS: [&str; 2] = ["year", "month"];

/// `rejects`: every row read that was not loaded, with the reason.
pub static REJECTS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        text("source", false, "source of the file"),
        text("source_file", false, "raw file, relative to the raw folder"),
        field(
            "source_line",
            DataType::Int64,
            false,
            "line (or record) in that file",
        ),
        text(
            "reason_code",
            false,
            "machine-readable reason (bad_number, unknown_code, duplicate, ...)",
        ),
        text(
            "reason",
            false,
            "what was wrong, naming the field and what was expected",
        ),
        text(
            "raw_record",
            false,
            "the record as read (cut at 2,000 bytes)",
        ),
    ]))
});

/// `ingest_log`: one row per raw file loaded by the run that built the warehouse.
pub static INGEST_LOG: LazyLock<SchemaRef> = LazyLock::new(|| {
    use DataType::{Date32, Int64};
    Arc::new(Schema::new(vec![
        text("source_file", false, "raw file, relative to the raw folder"),
        text("source", false, "the registry source that read it"),
        text(
            "flow",
            true,
            "flow of the whole file when it has one (China Customs folders)",
        ),
        text("encoding", false, "text encoding the file was read in"),
        text(
            "layout",
            false,
            "which of the source's layouts the file had",
        ),
        text(
            "content_sha256",
            false,
            "SHA-256 of the file's bytes: the release's identity",
        ),
        field("bytes", Int64, false, "file size"),
        field(
            "rows_read",
            Int64,
            false,
            "records read: always rows_loaded + rows_rejected",
        ),
        field("rows_loaded", Int64, false, "records loaded"),
        field("rows_rejected", Int64, false, "records in rejects"),
        field("first_period", Date32, true, "earliest month loaded"),
        field("last_period", Date32, true, "latest month loaded"),
        field(
            "release_seq",
            Int64,
            false,
            "order in which the file was first loaded",
        ),
        field(
            "loaded_at",
            loaded_at_type(),
            false,
            "when the file was first loaded, UTC",
        ),
        field(
            "modified_ns",
            Int64,
            false,
            "file modification time when loaded, for change detection",
        ),
        field(
            "rows_without_usd",
            Int64,
            false,
            "loaded rows in a foreign currency whose month has no exchange rate: value_usd is NULL",
        ),
        text(
            "warnings",
            true,
            "what the reader tolerated (unknown extra columns, ...), one per line",
        ),
        text(
            "reference_fingerprint",
            true,
            "SHA-256 of the reference tables and the normalizer version the file was normalized with: when it changes, the next run normalizes the file again",
        ),
    ]))
});

/// `headline_series`: published headline figures that have no tariff line (China's
/// monthly table of major commodities), one row per series and period.
pub static HEADLINE_SERIES: LazyLock<SchemaRef> = LazyLock::new(|| {
    use DataType::{Boolean, Date32, Float64, Int32, Int64};
    Arc::new(Schema::new(vec![
        text("source", false, "gacc-headline"),
        text("reporter", false, "CHN"),
        text("flow", false, "export or import, from the table's title"),
        text(
            "series",
            false,
            "commodity as published (稀土, 稀土永磁, ...)",
        ),
        text("series_en", true, "English name of the series"),
        field("period", Date32, false, "first day of the period"),
        field(
            "months",
            Int32,
            false,
            "months the period covers (2 for January-February)",
        ),
        field(
            "quantity",
            Float64,
            true,
            "quantity of the period in `unit`",
        ),
        text(
            "unit",
            false,
            "unit after normalization (万吨 becomes tonnes)",
        ),
        field(
            "value_usd",
            Float64,
            true,
            "value of the period in US dollars",
        ),
        text(
            "quantity_method",
            false,
            "month_column, ytd_difference or year_to_date",
        ),
        field(
            "quantity_ytd",
            Float64,
            true,
            "year-to-date quantity as published",
        ),
        field(
            "quantity_from_ytd",
            Float64,
            true,
            "the period's quantity from differencing year-to-date totals",
        ),
        field(
            "revised",
            Boolean,
            false,
            "month column and year-to-date difference disagree beyond rounding",
        ),
        text("note", true, "what was derived or revised, in words"),
        text("release", false, "raw file of the release"),
        text("release_title", false, "title line of the release"),
        field(
            "source_line",
            Int64,
            false,
            "line of the row in the release",
        ),
    ]))
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_described() {
        for schema in [
            &*TRADE_FLOWS,
            &*REJECTS,
            &*INGEST_LOG,
            &*HEADLINE_SERIES,
            &*FETCH_LOG_SCHEMA,
        ] {
            for f in schema.fields() {
                assert!(
                    description(f).is_some_and(|d| !d.is_empty()),
                    "{}",
                    f.name()
                );
            }
        }
    }

    #[test]
    fn partition_columns_come_last_and_key_columns_exist() {
        let names: Vec<&str> = TRADE_FLOWS
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(&names[names.len() - 2..], &TRADE_FLOWS_PARTITIONS);
        for k in TRADE_FLOWS_KEY {
            assert!(names.contains(&k), "{k}");
        }
    }
}
