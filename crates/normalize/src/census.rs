//! US Census international trade API responses to `trade_flows` rows.

use rareflow_ingest::census::{CensusRecord, read_census};
use rareflow_ingest::{Flow, IngestError, Rejected, RowError};

use crate::batcher::RecordBatcher;
use crate::codes::{BREAKDOWN, SCHEDULE_C};
use crate::output::Output;
use crate::reference::Reference;
use crate::rows::TradeFlowRow;
use crate::source::{FileFacts, FilePattern, Source, SourceFile, WorkSink};
use crate::units::kg_factor;

/// Source name of US Census rows.
pub const CENSUS: &str = "census";

/// US Census international trade API responses under `census/`.
#[derive(Debug, Default)]
pub struct Census;

impl Source for Census {
    fn name(&self) -> &'static str {
        CENSUS
    }

    fn files(&self) -> FilePattern {
        FilePattern::new("census", &["json"])
    }

    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let mut batcher = RecordBatcher::for_file(sink, file, |reference, source_file, out, r| {
            CensusNormalizer::new(reference, source_file).push(out, r)
        });
        let flow = read_census(file.path, &mut |r| batcher.push(r))?;
        batcher.finish();
        Ok(FileFacts {
            encoding: "UTF-8".to_owned(),
            layout: "census-api-json".to_owned(),
            flow: Some(flow.as_str().to_owned()),
            ..FileFacts::default()
        })
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
        let (partner, name, kind) = match self.reference.partner_code(&SCHEDULE_C, &rec.cty_code) {
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
                            table: SCHEDULE_C.path,
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
        // A state's part of the national figure: never a `country` row.
        let kind = if rec.state.is_some() { BREAKDOWN } else { kind };
        let quantity_kg = rec
            .quantity
            .zip(rec.unit.as_deref().and_then(kg_factor))
            .map(|(q, f)| q * f);
        // December's year-to-date value is the year: `Period::Year`, an annual row.
        out.push(
            self.reference,
            &TradeFlowRow {
                reporter: "USA",
                flow: rec.flow.as_str(),
                partner,
                partner_code: &rec.cty_code,
                partner_name: name,
                partner_kind: kind,
                hs_code: &rec.commodity,
                classification,
                product_group,
                element,
                region_code: rec.state.as_deref(),
                quantity_kg,
                quantity_native: rec.quantity,
                unit_native: rec.unit.as_deref(),
                value_native: Some(rec.value),
                currency: "USD",
                value_cif_usd: rec.cif_value,
                ..TradeFlowRow::new(CENSUS, rec.period, self.source_file, rec.line)
            },
        );
    }
}
