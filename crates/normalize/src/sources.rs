//! UN Comtrade and US Census records to `trade_flows` rows.

use rareflow_ingest::Flow;
use rareflow_ingest::census::CensusRecord;
use rareflow_ingest::comtrade::{ComtradeRecord, Frequency};
use rareflow_ingest::{Rejected, RowError};

use crate::period::month_start;
use crate::reference::Reference;
use crate::rows::{RejectRows, Release, TradeFlowRow, TradeFlowRows};
use crate::units::kg_factor;

/// Rows normalized from one file so far; the caller drains them into the warehouse.
#[derive(Debug)]
pub struct Output {
    /// Monthly rows.
    pub flows: TradeFlowRows,
    /// Annual rows (`trade_flows_annual`).
    pub annual: TradeFlowRows,
    /// Rejects.
    pub rejects: RejectRows,
    /// Records read.
    pub rows_read: u64,
    /// Earliest and latest period, `Date32`.
    pub periods: Option<(i32, i32)>,
}

impl Output {
    /// An empty output for rows of `release`.
    pub fn new(release: Release) -> Self {
        Output {
            flows: TradeFlowRows::with_capacity(1024, release),
            annual: TradeFlowRows::with_capacity(16, release),
            rejects: RejectRows::default(),
            rows_read: 0,
            periods: None,
        }
    }
}

impl Output {
    fn saw_period(&mut self, period: i32) {
        self.periods = Some(match self.periods {
            None => (period, period),
            Some((lo, hi)) => (lo.min(period), hi.max(period)),
        });
    }

    fn reject(&mut self, source: &str, file: &str, r: &Rejected) {
        self.rejects.push(
            source,
            file,
            r.line,
            r.error.code(),
            &r.error.to_string(),
            &r.raw,
        );
    }
}

/// Normalizes Comtrade records of one file into an [`Output`].
pub struct ComtradeNormalizer<'a> {
    reference: &'a Reference,
    source_file: &'a str,
}

/// Source name of UN Comtrade rows.
pub const COMTRADE: &str = "comtrade";
/// Source name of US Census rows.
pub const CENSUS: &str = "census";

fn flow_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "M" => "import",
        "X" => "export",
        "RM" => "re-import",
        "RX" => "re-export",
        _ => return None,
    })
}

/// Partner kind from an ISO-like code when the code table does not know the partner.
fn kind_of_iso(iso: &str) -> &'static str {
    match iso {
        "W00" => "world",
        _ if iso.starts_with('_') || iso.starts_with('X') || iso.len() != 3 => "group",
        _ => "country",
    }
}

impl<'a> ComtradeNormalizer<'a> {
    /// A normalizer for `source_file`.
    pub fn new(reference: &'a Reference, source_file: &'a str) -> Self {
        ComtradeNormalizer {
            reference,
            source_file,
        }
    }

    /// Adds one record (or reject) to `out`.
    pub fn push(&self, out: &mut Output, record: Result<ComtradeRecord, Rejected>) {
        out.rows_read += 1;
        let rec = match record {
            Ok(r) => r,
            Err(r) => return out.reject(COMTRADE, self.source_file, &r),
        };
        let reject = |out: &mut Output, error: RowError| {
            out.reject(
                COMTRADE,
                self.source_file,
                &Rejected {
                    line: rec.line,
                    error,
                    raw: rec.raw.clone(),
                },
            )
        };
        let Some(flow) = flow_name(&rec.flow_code) else {
            return reject(
                out,
                RowError::BadCode {
                    field: "flowCode".into(),
                    expected: "M, X, RM or RX",
                    value: rec.flow_code.clone(),
                },
            );
        };
        let reporter = match (
            self.reference.partner_code("m49", &rec.reporter_code),
            &rec.reporter_iso,
        ) {
            (Some(p), _) => p.iso3.clone(),
            (None, Some(iso)) if iso.len() == 3 => iso.clone(),
            _ => {
                return reject(
                    out,
                    RowError::UnknownCode {
                        field: "reporterCode".into(),
                        table: "data/reference/m49_countries.csv",
                        value: rec.reporter_code.clone(),
                    },
                );
            }
        };
        let (partner, partner_name, partner_kind) = match (
            self.reference.partner_code("m49", &rec.partner_code),
            &rec.partner_iso,
        ) {
            (Some(p), _) => (p.iso3.clone(), Some(p.name_en.clone()), p.kind.clone()),
            (None, Some(iso)) => (
                iso.clone(),
                rec.partner_desc.clone(),
                kind_of_iso(iso).to_owned(),
            ),
            (None, None) => {
                return reject(
                    out,
                    RowError::UnknownCode {
                        field: "partnerCode".into(),
                        table: "data/reference/m49_countries.csv",
                        value: rec.partner_code.clone(),
                    },
                );
            }
        };
        let (month, target) = match rec.frequency {
            Frequency::Monthly => (rec.month.unwrap_or(1), &mut out.flows),
            Frequency::Annual => (0, &mut out.annual),
        };
        let period = month_start(rec.year, month.max(1));
        let (product_group, element) = self.reference.taxonomy(&rec.classification, &rec.cmd_code);
        let quantity_kg = rec.net_wgt.or_else(|| {
            let f = kg_factor(rec.qty_unit.as_deref()?)?;
            Some(rec.qty? * f)
        });
        target.push(&TradeFlowRow {
            source: COMTRADE,
            reporter: &reporter,
            flow,
            partner: &partner,
            partner_code: &rec.partner_code,
            partner_name: partner_name.as_deref(),
            partner_kind: &partner_kind,
            year: rec.year,
            month,
            period,
            hs_code: &rec.cmd_code,
            hs6: rec.cmd_code.get(..6).unwrap_or(&rec.cmd_code),
            classification: &rec.classification,
            product_group,
            element,
            customs_regime: None,
            quantity_kg,
            quantity_native: rec.qty,
            unit_native: rec.qty_unit.as_deref(),
            value_native: rec.primary_value,
            currency: "USD",
            value_usd: rec.primary_value,
            value_cif_usd: rec.cif_value,
            value_fob_usd: rec.fob_value,
            source_file: self.source_file,
            source_line: rec.line,
        });
        if rec.frequency == Frequency::Monthly {
            out.saw_period(period);
        }
    }
}

/// Normalizes US Census rows of one file into an [`Output`].
pub struct CensusNormalizer<'a> {
    reference: &'a Reference,
    source_file: &'a str,
}

impl<'a> CensusNormalizer<'a> {
    /// A normalizer for `source_file`.
    pub fn new(reference: &'a Reference, source_file: &'a str) -> Self {
        CensusNormalizer {
            reference,
            source_file,
        }
    }

    /// Adds one row (or reject) to `out`.
    pub fn push(&self, out: &mut Output, record: Result<CensusRecord, Rejected>) {
        out.rows_read += 1;
        let rec = match record {
            Ok(r) => r,
            Err(r) => return out.reject(CENSUS, self.source_file, &r),
        };
        let (partner, name, kind) = match self.reference.partner_code("census", &rec.cty_code) {
            Some(p) => (p.iso3.as_str(), Some(p.name_en.as_str()), p.kind.as_str()),
            // Aggregates Census adds over time (`5XXX`, `0031`) are groups, never countries.
            None if rec.cty_code.contains('X') || rec.cty_code.starts_with("00") => {
                (rec.cty_code.as_str(), rec.cty_name.as_deref(), "group")
            }
            None => {
                return out.reject(
                    CENSUS,
                    self.source_file,
                    &Rejected {
                        line: rec.line,
                        error: RowError::UnknownCode {
                            field: "CTY_CODE".into(),
                            table: "data/reference/census_countries.csv",
                            value: rec.cty_code.clone(),
                        },
                        raw: rec.raw.clone(),
                    },
                );
            }
        };
        let classification = match rec.flow {
            Flow::Import => "HTS10",
            Flow::Export => "ScheduleB10",
        };
        let (product_group, element) = self.reference.taxonomy(
            if rec.flow == Flow::Export {
                "HTS10"
            } else {
                classification
            },
            &rec.commodity,
        );
        let period = month_start(rec.year, rec.month);
        out.saw_period(period);
        let quantity_kg = rec
            .quantity
            .zip(rec.unit.as_deref().and_then(kg_factor))
            .map(|(q, f)| q * f);
        out.flows.push(&TradeFlowRow {
            source: CENSUS,
            reporter: "USA",
            flow: rec.flow.as_str(),
            partner,
            partner_code: &rec.cty_code,
            partner_name: name,
            partner_kind: kind,
            year: rec.year,
            month: rec.month,
            period,
            hs_code: &rec.commodity,
            hs6: rec.commodity.get(..6).unwrap_or(&rec.commodity),
            classification,
            product_group,
            element,
            customs_regime: None,
            quantity_kg,
            quantity_native: rec.quantity,
            unit_native: rec.unit.as_deref(),
            value_native: Some(rec.value),
            currency: "USD",
            value_usd: Some(rec.value),
            value_cif_usd: rec.cif_value,
            value_fob_usd: None,
            source_file: self.source_file,
            source_line: rec.line,
        });
    }
}
