//! Registering a snapshot's tables in DataFusion, and the list of tables with what each holds.

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::{DataType, Schema};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use rareflow_normalize::schema::{INGEST_LOG, REJECTS, TRADE_FLOWS, TRADE_FLOWS_PARTITIONS};

use crate::error::QueryError;

/// Every table of a snapshot, with what it holds (shown by `rareflow-query describe`).
pub const TABLES: [(&str, &str); 12] = [
    (
        "trade_flows",
        "one row per reported figure: reporter, flow, partner, month, line, kg, value",
    ),
    (
        "trade_flows_superseded",
        "figures a later release revised: same columns, kept for as-of queries",
    ),
    (
        "trade_flows_annual",
        "annual figures (Comtrade refMonth 52), apart so no sum counts a year twice",
    ),
    (
        "headline_series",
        "China's headline table by month (Jan-Feb one period), with revisions",
    ),
    (
        "rejects",
        "every row read that was not loaded: file, line, reason, raw record",
    ),
    (
        "ingest_log",
        "one row per raw file in the snapshot: hash, rows read / loaded / rejected",
    ),
    (
        "countries",
        "China Customs partner codes with ISO 3166 alpha-3 and names",
    ),
    (
        "products",
        "China tariff lines with the rare-earth taxonomy (product_group, element)",
    ),
    (
        "fx_rates",
        "monthly average yuan per US dollar, with source",
    ),
    (
        "policy_events",
        "China's rare-earth export-control timeline",
    ),
    (
        "partner_codes",
        "UN M49 and US Census Schedule C partner codes with ISO3 and kind",
    ),
    (
        "hs_concordance",
        "US HTS10 lines and HS vintages mapped to HS6 and the taxonomy",
    ),
];

fn file_schema_of_trade_flows() -> Schema {
    let fields: Vec<_> = TRADE_FLOWS
        .fields()
        .iter()
        .filter(|f| !TRADE_FLOWS_PARTITIONS.contains(&f.name().as_str()))
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

/// Registers every table of the snapshot at `dir` in `ctx`.
pub async fn register_snapshot(ctx: &SessionContext, dir: &Path) -> Result<(), QueryError> {
    // A table added in a later version of rareflow is simply absent from an old snapshot.
    let present: Vec<&str> = TABLES
        .iter()
        .map(|(table, _)| *table)
        .filter(|table| dir.join(table).is_dir())
        .collect();
    register_tables(ctx, &dir.display().to_string(), &present).await
}

/// Registers the tables named in `present` of the snapshot at `base`: a folder, or a URL
/// such as `s3://bucket/prefix/snapshots/000007` whose object store is registered in `ctx`.
pub async fn register_tables(
    ctx: &SessionContext,
    base: &str,
    present: &[&str],
) -> Result<(), QueryError> {
    let trade_flows_schema = file_schema_of_trade_flows();
    for (table, _) in TABLES {
        if !present.contains(&table) {
            tracing::debug!(table, "table folder missing in snapshot");
            continue;
        }
        let url = format!("{}/{table}/", base.trim_end_matches('/'));
        let mut options = ParquetReadOptions::default();
        match table {
            "trade_flows" | "trade_flows_superseded" => {
                options = options.schema(&trade_flows_schema).table_partition_cols(
                    TRADE_FLOWS_PARTITIONS
                        .iter()
                        .map(|p| (p.to_string(), DataType::Int32))
                        .collect(),
                );
            }
            "rejects" => options = options.schema(&REJECTS),
            "ingest_log" => options = options.schema(&INGEST_LOG),
            _ => {}
        }
        ctx.register_parquet(table, &url, options)
            .await
            .map_err(|error| QueryError::Register {
                table: table.to_owned(),
                error,
            })?;
    }
    Ok(())
}

/// A new session with the snapshot at `dir` registered.
pub async fn session_for_snapshot(dir: &Path) -> Result<Arc<SessionContext>, QueryError> {
    let ctx = SessionContext::new_with_config(session_config());
    register_snapshot(&ctx, dir).await?;
    Ok(Arc::new(ctx))
}
