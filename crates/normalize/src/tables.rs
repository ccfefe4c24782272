//! The warehouse's tables, each declared once: by the pipeline (`trade_flows` and the run's
//! own tables), by a source (as the headline source's `headline_series`, through
//! [`crate::Source::tables`]) or by the reference data. `rareflow-query` registers and
//! describes what [`crate::Registry::tables`] lists, so a source's own table needs no edit
//! of the query crate.

use arrow::datatypes::SchemaRef;

use crate::schema::{
    FETCH_LOG_SCHEMA, INGEST_LOG, REJECTS, TRADE_FLOWS, TRADE_FLOWS_ANNUAL, TRADE_FLOWS_PARTITIONS,
};

/// One table of a snapshot: the folder `<snapshot>/<name>/` of Parquet files.
#[derive(Debug, Clone)]
pub struct TableDef {
    /// Table (and folder) name.
    pub name: &'static str,
    /// What a row is, in one line (shown by `rareflow-query describe`).
    pub description: &'static str,
    /// What the table is about (`trade`, `run`, `reference`, ...), to group the list.
    pub topic: &'static str,
    /// The columns, each with its description in the field metadata (see
    /// [`crate::schema::DESCRIPTION`]), partition columns included; `None` where the columns
    /// are whatever the files hold (reference tables follow the CSV they are read from).
    pub schema: Option<SchemaRef>,
    /// Hive partition columns (`year=2025/month=3/`), in folder order; empty if unpartitioned.
    pub partitions: &'static [&'static str],
    /// Register the table with [`TableDef::schema`] rather than the files' own: the table
    /// then has its columns even with no file yet (no revision so far in
    /// `trade_flows_superseded`), and its columns carry their descriptions.
    pub fixed_schema: bool,
}

impl TableDef {
    /// A table with `schema`, unpartitioned, registered with the files' own schema.
    pub fn new(
        name: &'static str,
        topic: &'static str,
        description: &'static str,
        schema: SchemaRef,
    ) -> TableDef {
        TableDef {
            name,
            description,
            topic,
            schema: Some(schema),
            partitions: &[],
            fixed_schema: false,
        }
    }

    fn fixed(mut self) -> TableDef {
        self.fixed_schema = true;
        self
    }

    fn partitioned(mut self, partitions: &'static [&'static str]) -> TableDef {
        self.partitions = partitions;
        self
    }
}

/// `trade_flows` and its companions, which every source fills.
pub fn trade_tables() -> Vec<TableDef> {
    vec![
        TableDef::new(
            "trade_flows",
            "trade",
            "one row per reported figure: reporter, flow, partner, month, line, kg, value",
            TRADE_FLOWS.clone(),
        )
        .partitioned(&TRADE_FLOWS_PARTITIONS)
        .fixed(),
        TableDef::new(
            "trade_flows_superseded",
            "trade",
            "figures a later release revised: same columns, kept for as-of queries",
            TRADE_FLOWS.clone(),
        )
        .partitioned(&TRADE_FLOWS_PARTITIONS)
        .fixed(),
        TableDef::new(
            "trade_flows_annual",
            "trade",
            "annual figures (Comtrade refMonth 52), apart so no sum counts a year twice",
            TRADE_FLOWS_ANNUAL.clone(),
        ),
    ]
}

/// What a run records about itself.
pub fn run_tables() -> Vec<TableDef> {
    vec![
        TableDef::new(
            "rejects",
            "run",
            "every row read that was not loaded: file, line, reason, raw record",
            REJECTS.clone(),
        )
        .fixed(),
        TableDef::new(
            "ingest_log",
            "run",
            "one row per raw file in the snapshot: hash, rows read / loaded / rejected",
            INGEST_LOG.clone(),
        )
        .fixed(),
        TableDef::new(
            "fetch_log",
            "run",
            "the raw folder's fetch_log.csv: one row per download or hand import (URL, status, SHA-256)",
            FETCH_LOG_SCHEMA.clone(),
        )
        .fixed(),
    ]
}

/// The reference tables ([`crate::Reference::tables`]) copied into every snapshot.
pub fn reference_tables() -> Vec<TableDef> {
    let table = |name, description| TableDef {
        name,
        description,
        topic: "reference",
        schema: None,
        partitions: &[],
        fixed_schema: false,
    };
    vec![
        table(
            "countries",
            "China Customs partner codes with ISO 3166 alpha-3 and names",
        ),
        table(
            "products",
            "China tariff lines with the rare-earth taxonomy (product_group, element)",
        ),
        table(
            "fx_rates",
            "monthly average yuan per US dollar, with source",
        ),
        table(
            "policy_events",
            "China's rare-earth export-control timeline",
        ),
        table(
            "partner_codes",
            "UN M49 and US Census Schedule C partner codes with ISO3 and kind",
        ),
        table(
            "hs_concordance",
            "US HTS10 lines and HS vintages mapped to HS6 and the taxonomy",
        ),
    ]
}
