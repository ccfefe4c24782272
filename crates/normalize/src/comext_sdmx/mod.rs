//! Eurostat Comext SDMX-CSV (the Comext host's SDMX 2.1 API and the data browser, written by
//! `rareflow-etl fetch` to `comext-sdmx/YYYY/`) to `trade_flows` rows, classified exactly as
//! the bulk reader ([`crate::comext`]) classifies its records:
//!
//! - Reporter and partner: ISO alpha-2 codes (and Eurostat's own) through
//!   `data/reference/iso2_countries.csv`; labels (`"Netherlands, Kingdom of the"`, `All
//!   countries of the world`) are first turned into codes ([`labels`]). A reporter must be a
//!   member state or the EU27 aggregate; Eurostat's aggregates (`WORLD`, `EU_INTRA`,
//!   `EXTRA_EU`, `EXT_EU27_2020`, `QP`..`QZ`) are `partner_kind = 'group'`, never rejected.
//! - One row per reporter, partner, product, flow and period, value and quantity joined
//!   by the reader: `VALUE_IN_EUROS` is the value (currency `EUR`, `value_usd` at the
//!   month's rate of `fx_rates.csv` by the shared [`Output`]); `QUANTITY_IN_100KG` times 100
//!   is `quantity_kg` (kept as published in `quantity_native`, unit `100 kg`).
//! - A month goes to `trade_flows`, a year (`2024`) to `trade_flows_annual`, as the bulk
//!   reader's `YYYY52`.
//! - Products are CN codes (`classification = 'CN8'` as the bulk reader), through the
//!   taxonomy. A product given only as a label cannot be placed: rejected, saying so.

use rareflow_ingest::comext_sdmx::{SdmxRecord, read_comext_sdmx};
use rareflow_ingest::{IngestError, Rejected, RowError};

use crate::batcher::RecordBatcher;
use crate::codes::EUROSTAT_GEO;
use crate::comext::is_aggregate;
use crate::output::Output;
use crate::reference::Reference;
use crate::rows::TradeFlowRow;
use crate::source::{FileFacts, FilePattern, Source, SourceFile, WorkSink};

mod labels;
#[cfg(test)]
mod tests;

use labels::geo_code;

/// Source name of Eurostat Comext SDMX-CSV rows.
pub const COMEXT_SDMX: &str = "comext-sdmx";

/// Eurostat Comext SDMX-CSV files under `comext-sdmx/` (the bulk files' `comext/` is
/// another folder: neither claims the other's CSV files).
#[derive(Debug, Default)]
pub struct ComextSdmx;

impl Source for ComextSdmx {
    fn name(&self) -> &'static str {
        COMEXT_SDMX
    }

    fn files(&self) -> FilePattern {
        FilePattern::new("comext-sdmx", &["csv"])
    }

    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let mut batcher = RecordBatcher::for_file(sink, file, |reference, source_file, out, r| {
            SdmxNormalizer::new(reference, source_file).push(out, r)
        });
        let read = read_comext_sdmx(file.path, &mut |r| batcher.push(r))?;
        batcher.finish();
        Ok(FileFacts {
            encoding: "UTF-8".to_owned(),
            layout: read.layout().to_owned(),
            warnings: read.warnings,
            ..FileFacts::default()
        })
    }
}

/// Normalizes joined SDMX-CSV figures of one file into an [`Output`].
pub struct SdmxNormalizer<'a> {
    reference: &'a Reference,
    source_file: &'a str,
}

/// `TOTAL`, or a CN code of 2 to 8 digits.
fn product_code(text: &str) -> bool {
    text == "TOTAL" || ((2..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
}

impl<'a> SdmxNormalizer<'a> {
    /// A normalizer for `source_file`.
    pub fn new(reference: &'a Reference, source_file: &'a str) -> Self {
        SdmxNormalizer {
            reference,
            source_file,
        }
    }

    /// Adds one joined figure (or reject) to `out`.
    pub fn push(&self, out: &mut Output, record: Result<SdmxRecord, Rejected>) {
        out.rows_read += 1;
        let rec = match record {
            Ok(r) => r,
            Err(r) => return out.reject(COMEXT_SDMX, self.source_file, &r),
        };
        let reject = |error: RowError| Rejected {
            line: rec.line,
            error,
            raw: rec.raw.clone(),
        };
        let unknown = |field: &str, value: &str| {
            reject(RowError::UnknownCode {
                field: field.to_owned(),
                table: EUROSTAT_GEO.path,
                value: value.to_owned(),
            })
        };
        // The reporter is a member state (or the EU27 aggregate, EUR): never another group.
        let reporter = geo_code(&rec.reporter)
            .and_then(|code| self.reference.partner_code(&EUROSTAT_GEO, &code))
            .filter(|p| p.kind == "country" || p.iso3 == "EUR");
        let Some(reporter) = reporter else {
            return out.reject(
                COMEXT_SDMX,
                self.source_file,
                &unknown("reporter", &rec.reporter),
            );
        };
        let Some(partner_code) = geo_code(&rec.partner) else {
            return out.reject(
                COMEXT_SDMX,
                self.source_file,
                &unknown("partner", &rec.partner),
            );
        };
        let (partner, partner_name, partner_kind) =
            match self.reference.partner_code(&EUROSTAT_GEO, &partner_code) {
                Some(p) => (p.iso3.as_str(), Some(p.name_en.as_str()), p.kind.as_str()),
                None if is_aggregate(&partner_code) => (partner_code.as_ref(), None, "group"),
                None => {
                    return out.reject(
                        COMEXT_SDMX,
                        self.source_file,
                        &unknown("partner", &rec.partner),
                    );
                }
            };
        if !product_code(&rec.product) {
            let error = RowError::BadCode {
                field: "product".to_owned(),
                expected: "a CN code of 2 to 8 digits or TOTAL (a download with labels only \
                           names no product code: download codes, or codes and labels)",
                value: rec.product.clone(),
            };
            return out.reject(COMEXT_SDMX, self.source_file, &reject(error));
        }
        if rec.value_eur.is_none() && rec.quantity_100kg.is_none() {
            let error = RowError::Missing {
                field: "VALUE_IN_EUROS / QUANTITY_IN_100KG".to_owned(),
            };
            return out.reject(COMEXT_SDMX, self.source_file, &reject(error));
        }
        let (product_group, element) = self.reference.taxonomy("CN8", &rec.product);
        out.push(
            self.reference,
            &TradeFlowRow {
                reporter: &reporter.iso3,
                flow: rec.flow.as_str(),
                partner,
                partner_code: &partner_code,
                partner_name,
                partner_kind,
                hs_code: &rec.product,
                classification: "CN8",
                product_group,
                element,
                quantity_kg: rec.quantity_100kg.map(|q| q * 100.0),
                quantity_native: rec.quantity_100kg,
                unit_native: rec.quantity_100kg.map(|_| "100 kg"),
                value_native: rec.value_eur,
                currency: "EUR",
                ..TradeFlowRow::new(COMEXT_SDMX, rec.period, self.source_file, rec.line)
            },
        );
    }
}
