//! UN Comtrade releases (v1 API JSON, v1 CSV, legacy v0 CSV) to `trade_flows` rows.

use std::path::Path;
use std::sync::Arc;

use rareflow_ingest::comtrade::{ComtradeRecord, Frequency, read_comtrade};
use rareflow_ingest::{IngestError, Rejected, RowError};

use crate::period::month_start;
use crate::reference::Reference;
use crate::rows::{TradeFlowRow, hs_parts};
use crate::source::{
    FileFacts, Output, RECORDS_PER_WORK, RecordBatcher, Source, SourceFile, WorkSink,
    in_folder_with_extension,
};
use crate::units::kg_factor;

/// UN Comtrade downloads under `comtrade/`.
#[derive(Debug, Default)]
pub struct Comtrade;

impl Source for Comtrade {
    fn name(&self) -> &'static str {
        COMTRADE
    }

    fn pattern(&self) -> &'static str {
        "comtrade/**/*.{json,csv}"
    }

    fn claims(&self, relative: &str, _path: &Path) -> bool {
        in_folder_with_extension(relative, "comtrade", &["json", "csv"])
    }

    fn read(&self, file: &SourceFile<'_>, sink: &mut dyn WorkSink) -> Result<FileFacts, IngestError> {
        let (reference, source_file, release) =
            (Arc::clone(file.reference), Arc::<str>::from(file.relative), file.release);
        let mut batcher = RecordBatcher::new(sink, move |records: Vec<Result<ComtradeRecord, Rejected>>| {
            let normalizer = ComtradeNormalizer::new(&reference, &source_file);
            let mut out = Output::new(release, RECORDS_PER_WORK);
            for r in records {
                normalizer.push(&mut out, r);
            }
            out.finish()
        });
        let (layout, encoding) = read_comtrade(file.path, &mut |r| batcher.push(r))?;
        batcher.finish();
        Ok(FileFacts {
            encoding: encoding.to_owned(),
            layout: layout.name().to_owned(),
            ..FileFacts::default()
        })
    }
}

/// Normalizes Comtrade records of one file into an [`Output`].
pub struct ComtradeNormalizer<'a> {
    reference: &'a Reference,
    source_file: &'a str,
}

/// Source name of UN Comtrade rows.
pub const COMTRADE: &str = "comtrade";

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
        let (hs6, hs_level) = hs_parts(&rec.cmd_code);
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
            hs6,
            hs_level,
            classification: &rec.classification,
            product_group,
            element,
            customs_regime: None,
            customs_procedure: None,
            transport_mode: None,
            second_partner: None,
            region_code: None,
            region: None,
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

