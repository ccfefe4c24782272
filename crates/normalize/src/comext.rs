//! Eurostat Comext monthly bulk files (`full_v2_YYYYMM`, older `fullYYYYMM`; plain or `.7z`)
//! to `trade_flows` rows.
//!
//! - Reporter and partner: ISO 3166 alpha-2 (and Eurostat's `EL`, `XK`, `XI`...) to alpha-3
//!   through `data/reference/iso2_countries.csv` (code system `iso2` of `partner_codes`);
//!   Eurostat's aggregates (`EU27_2020`, `EXT_EU27_2020`, confidential and not-specified
//!   partners `QP`..`QZ`) are `partner_kind = 'group'`, never rejected.
//! - `YYYYMM` rows go to `trade_flows`, the annual `YYYY52` to `trade_flows_annual` (month 0,
//!   period the first day of the year).
//! - `STAT_PROCEDURE` / `STAT_REGIME` is `customs_regime` (it is in the revision key, so rows
//!   that differ only by procedure stay separate).
//! - Values are `VALUE_EUR` (never `VALUE_NAC`): currency `EUR`, `value_usd` at the month's
//!   rate of `fx_rates.csv`; NULL, and counted, where there is none (annual rows too).
//! - Codes are CN8 (`classification = 'CN8'`), through the taxonomy; masked codes
//!   (`85XXXXXX`) keep `hs6` NULL.

use rareflow_ingest::comext::{ComextRecord, read_comext};
use rareflow_ingest::{IngestError, Rejected, RowError};

use crate::batcher::RecordBatcher;
use crate::codes::EUROSTAT_GEO;
use crate::output::Output;
use crate::reference::Reference;
use crate::rows::TradeFlowRow;
use crate::source::{FileFacts, FilePattern, Source, SourceFile, WorkSink};

/// Source name of Eurostat Comext rows.
pub const COMEXT: &str = "comext";

/// Eurostat Comext bulk files under `comext/`.
#[derive(Debug, Default)]
pub struct Comext;

impl Source for Comext {
    fn name(&self) -> &'static str {
        COMEXT
    }

    fn files(&self) -> FilePattern {
        FilePattern::new("comext", &["dat", "csv", "7z"])
    }

    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let mut batcher = RecordBatcher::for_file(sink, file, |reference, source_file, out, r| {
            ComextNormalizer::new(reference, source_file).push(out, r)
        });
        let read = read_comext(file.path, &mut |r| batcher.push(r))?;
        batcher.finish();
        let layout = if read.entries.is_empty() {
            read.layout.name().to_owned()
        } else {
            format!("{} (7z)", read.layout.name())
        };
        Ok(FileFacts {
            encoding: "UTF-8".to_owned(),
            layout,
            warnings: read.warnings,
            ..FileFacts::default()
        })
    }
}

/// Normalizes Comext records of one file into an [`Output`].
pub struct ComextNormalizer<'a> {
    reference: &'a Reference,
    source_file: &'a str,
}

/// A partner code that is not a two-letter country code: one of Eurostat's aggregates.
pub(crate) fn is_aggregate(code: &str) -> bool {
    code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) || code.starts_with('Q')
}

impl<'a> ComextNormalizer<'a> {
    /// A normalizer for `source_file`.
    pub fn new(reference: &'a Reference, source_file: &'a str) -> Self {
        ComextNormalizer {
            reference,
            source_file,
        }
    }

    /// Adds one record (or reject) to `out`.
    pub fn push(&self, out: &mut Output, record: Result<ComextRecord, Rejected>) {
        out.rows_read += 1;
        let rec = match record {
            Ok(r) => r,
            Err(r) => return out.reject(COMEXT, self.source_file, &r),
        };
        let unknown = |field: &str, value: &str| Rejected {
            line: rec.line,
            error: RowError::UnknownCode {
                field: field.to_owned(),
                table: EUROSTAT_GEO.path,
                value: value.to_owned(),
            },
            raw: rec.raw.clone(),
        };
        // The reporter is a member state (or the EU27 aggregate, EUR): never another group.
        let reporter = match self.reference.partner_code(&EUROSTAT_GEO, &rec.reporter) {
            Some(p) if p.kind == "country" || p.iso3 == "EUR" => p.iso3.as_str(),
            _ => {
                let field = rec.layout.names()[0];
                return out.reject(COMEXT, self.source_file, &unknown(field, &rec.reporter));
            }
        };
        let (partner, partner_name, partner_kind) =
            match self.reference.partner_code(&EUROSTAT_GEO, &rec.partner) {
                Some(p) => (p.iso3.as_str(), Some(p.name_en.as_str()), p.kind.as_str()),
                None if is_aggregate(&rec.partner) => (rec.partner.as_str(), None, "group"),
                None => {
                    return out.reject(
                        COMEXT,
                        self.source_file,
                        &unknown(rec.layout.names()[1], &rec.partner),
                    );
                }
            };
        let (product_group, element) = self.reference.taxonomy("CN8", &rec.product);
        out.push(
            self.reference,
            &TradeFlowRow {
                reporter,
                flow: rec.flow.as_str(),
                partner,
                partner_code: &rec.partner,
                partner_name,
                partner_kind,
                hs_code: &rec.product,
                classification: "CN8",
                product_group,
                element,
                customs_regime: rec.procedure.as_deref(),
                quantity_kg: rec.quantity_kg,
                quantity_native: rec.quantity_kg,
                unit_native: rec.quantity_kg.map(|_| "kg"),
                value_native: Some(rec.value_eur),
                currency: "EUR",
                ..TradeFlowRow::new(COMEXT, rec.period, self.source_file, rec.line)
            },
        );
    }
}
