//! UN Comtrade releases (v1 API JSON, v1 CSV, legacy v0 CSV) to `trade_flows` rows.

use rareflow_ingest::comtrade::{ComtradeRecord, read_comtrade};
use rareflow_ingest::{IngestError, Rejected, RowError};

use crate::batcher::RecordBatcher;
use crate::codes::{BREAKDOWN, M49};
use crate::output::Output;
use crate::reference::Reference;
use crate::rows::TradeFlowRow;
use crate::source::{FileFacts, FilePattern, Source, SourceFile, WorkSink};
use crate::units::kg_factor;

/// UN Comtrade downloads under `comtrade/`.
#[derive(Debug, Default)]
pub struct Comtrade;

impl Source for Comtrade {
    fn name(&self) -> &'static str {
        COMTRADE
    }

    fn files(&self) -> FilePattern {
        FilePattern::new("comtrade", &["json", "csv"])
    }

    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let mut batcher = RecordBatcher::for_file(sink, file, |reference, source_file, out, r| {
            ComtradeNormalizer::new(reference, source_file).push(out, r)
        });
        let read = read_comtrade(file.path, &mut |r| batcher.push(r))?;
        batcher.finish();
        Ok(FileFacts {
            encoding: read.encoding.to_owned(),
            layout: read.layout.name().to_owned(),
            warnings: read.warnings,
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

/// Flow letters to the names stored in `flow`. Only `M` and `X` are `import`/`export`:
/// sub-flows keep their own names, so a sum over imports and exports counts none twice.
pub const FLOW_NAMES: [(&str, &str); 10] = [
    ("M", "import"),
    ("X", "export"),
    ("RM", "re-import"),
    ("RX", "re-export"),
    ("DX", "domestic-export"),
    ("FM", "foreign-import"),
    ("MIP", "import-for-inward-processing"),
    ("XIP", "export-after-inward-processing"),
    ("MOP", "import-after-outward-processing"),
    ("XOP", "export-for-outward-processing"),
];

fn flow_name(code: &str) -> Option<&'static str> {
    FLOW_NAMES
        .iter()
        .find(|(letters, _)| letters.eq_ignore_ascii_case(code))
        .map(|(_, name)| *name)
}

/// Comtrade's own code for "Other Asia, nes", which is Taiwan.
const OTHER_ASIA: &str = "S19";

/// A real ISO 3166 alpha-3 code (not Comtrade's `W00`/`WLD`, `_X`, `S19`, `E19`, `R4`, ...).
fn real_iso3(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) && code != "WLD"
}

/// Whether a numeric code is all zeros (`0`, `000`): the world.
fn zero(code: &str) -> bool {
    !code.is_empty() && code.bytes().all(|b| b == b'0')
}

/// The value of a breakdown column that means "all", or no such column.
fn is_all(value: Option<&str>, all: &str) -> bool {
    value.is_none_or(|v| v.eq_ignore_ascii_case(all) || (all == "0" && zero(v)))
}

/// A partner resolved: ISO3 (or the group's code), name, kind.
type Resolved<'r> = (String, Option<&'r str>, &'r str);

impl<'a> ComtradeNormalizer<'a> {
    /// A normalizer for `source_file`.
    pub fn new(reference: &'a Reference, source_file: &'a str) -> Self {
        ComtradeNormalizer {
            reference,
            source_file,
        }
    }

    /// The reporter's ISO3: the file's ISO3 wins over the code table.
    fn reporter(&self, rec: &ComtradeRecord) -> Option<String> {
        let iso = rec.reporter_iso.as_deref();
        if iso == Some(OTHER_ASIA) {
            return Some("TWN".into());
        }
        if let Some(iso) = iso.filter(|i| real_iso3(i)) {
            return Some(iso.to_owned());
        }
        self.reference
            .partner_code(&M49, &rec.reporter_code)
            .map(|p| p.iso3.clone())
    }

    /// The partner: world codes (`0`, `W00`, `WLD`) are the world; the file's ISO3 wins over
    /// the code table; Comtrade's own area codes (`_X`, `E19`, ...) and codes the table does
    /// not know are kept as groups. `None` only for a code that is no area code at all.
    fn partner<'r>(&'r self, rec: &'r ComtradeRecord) -> Option<Resolved<'r>> {
        let code = rec.partner_code.as_str();
        let iso = rec.partner_iso.as_deref();
        let entry = self.reference.partner_code(&M49, code);
        let name = entry
            .map(|p| p.name_en.as_str())
            .or(rec.partner_desc.as_deref());
        if zero(code) || matches!(code, "W00" | "WLD") || matches!(iso, Some("W00" | "WLD")) {
            return Some(("W00".into(), name.or(Some("World")), "world"));
        }
        if iso == Some(OTHER_ASIA) {
            return Some(("TWN".into(), name, "country"));
        }
        if let Some(iso) = iso.filter(|i| real_iso3(i)) {
            let kind = entry.map_or("country", |p| p.kind.as_str());
            return Some((iso.to_owned(), name, kind));
        }
        if let Some(p) = entry {
            return Some((p.iso3.clone(), name, p.kind.as_str()));
        }
        let area = iso.filter(|i| !i.is_empty()).or_else(|| {
            (code.len() <= 3 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
        })?;
        Some((area.to_owned(), rec.partner_desc.as_deref(), "group"))
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
                    expected: "a Comtrade flow: M, X, RM, RX, DX, FM, MIP, XIP, MOP or XOP",
                    value: rec.flow_code.clone(),
                },
            );
        };
        let Some(reporter) = self.reporter(&rec) else {
            return reject(
                out,
                RowError::UnknownCode {
                    field: "reporterCode".into(),
                    table: M49.path,
                    value: rec.reporter_code.clone(),
                },
            );
        };
        let Some((partner, partner_name, kind)) = self.partner(&rec) else {
            return reject(
                out,
                RowError::UnknownCode {
                    field: "partnerCode".into(),
                    table: M49.path,
                    value: rec.partner_code.clone(),
                },
            );
        };
        let breakdown = !(is_all(rec.customs_code.as_deref(), "C00")
            && is_all(rec.mot_code.as_deref(), "0")
            && is_all(rec.partner2_code.as_deref(), "0"));
        let partner_kind = if breakdown { BREAKDOWN } else { kind };
        let (product_group, element) = self.reference.taxonomy(&rec.classification, &rec.cmd_code);
        // A 0 that Comtrade marks estimated, or any 0 weight of a TOTAL row, is "not reported".
        let total = rec.cmd_code == "TOTAL";
        let reported =
            |v: Option<f64>, estimated: bool| v.filter(|v| *v != 0.0 || !(estimated || total));
        let net_wgt = reported(rec.net_wgt, rec.net_wgt_estimated);
        let qty = reported(rec.qty, rec.qty_estimated);
        let quantity_kg = net_wgt.or_else(|| {
            let f = kg_factor(rec.qty_unit.as_deref()?)?;
            Some(qty? * f)
        });
        out.push(
            self.reference,
            &TradeFlowRow {
                reporter: &reporter,
                flow,
                partner: &partner,
                partner_code: &rec.partner_code,
                partner_name,
                partner_kind,
                hs_code: &rec.cmd_code,
                classification: &rec.classification,
                product_group,
                element,
                customs_procedure: rec.customs_code.as_deref(),
                transport_mode: rec.mot_code.as_deref(),
                second_partner: rec.partner2_code.as_deref(),
                quantity_kg,
                quantity_native: qty,
                unit_native: rec.qty_unit.as_deref(),
                value_native: rec.primary_value,
                currency: "USD",
                value_cif_usd: rec.cif_value,
                value_fob_usd: rec.fob_value,
                ..TradeFlowRow::new(COMTRADE, rec.period, self.source_file, rec.line)
            },
        );
    }
}
