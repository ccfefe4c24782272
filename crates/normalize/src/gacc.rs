//! China Customs records to `trade_flows` rows.

use arrow::array::RecordBatch;
use arrow::error::ArrowError;
use rareflow_ingest::text::BadLineKind;
use rareflow_ingest::{Chunk, Flow, GaccLayout, RowError};

use crate::period::month_start;
use crate::reference::Reference;
use crate::rows::{RejectRows, Release, TradeFlowRow, TradeFlowRows};
use crate::units::kilograms;

/// The source name of China Customs detail data.
pub const SOURCE: &str = "gacc";

/// What is known about a file before its rows are read.
#[derive(Debug, Clone)]
pub struct FileContext {
    /// Path relative to the raw folder, as stored in `source_file`.
    pub source_file: String,
    /// Flow, from the folder.
    pub flow: Flow,
    /// The release the file is.
    pub release: Release,
}

/// The rows of one chunk: loaded rows, rejects and counts.
#[derive(Debug)]
pub struct NormalizedChunk {
    /// Position of the chunk in its file.
    pub index: u64,
    /// Loaded rows (`trade_flows` schema, partition columns included).
    pub flows: RecordBatch,
    /// Rejected rows (`rejects` schema).
    pub rejects: RecordBatch,
    /// Records read (non-blank lines after the header): always loaded + rejected.
    pub rows_read: u64,
    /// Earliest and latest period loaded, as `Date32`.
    pub periods: Option<(i32, i32)>,
}

/// Normalizes one chunk of a China Customs download.
pub fn normalize_gacc_chunk(
    reference: &Reference,
    file: &FileContext,
    layout: &GaccLayout,
    chunk: &Chunk,
) -> Result<NormalizedChunk, ArrowError> {
    let mut flows = TradeFlowRows::with_capacity(chunk.text.len() / 120 + 16, file.release);
    let mut rejects = RejectRows::default();
    let mut spans = Vec::with_capacity(layout.width() + 2);
    let mut rows_read = 0u64;
    let mut periods: Option<(i32, i32)> = None;
    let currency = layout.currency.code();
    let flow = file.flow.as_str();
    let reject = |rejects: &mut RejectRows, line: u64, err: &RowError, raw: &str| {
        rejects.push(
            SOURCE,
            &file.source_file,
            line,
            err.code(),
            &err.to_string(),
            raw,
        );
    };

    for bad in &chunk.bad_lines {
        rows_read += 1;
        let err = match bad.kind {
            BadLineKind::Encoding => RowError::BadEncoding {
                encoding: "in the file's encoding",
            },
            BadLineKind::TooLong(len) => RowError::FieldTooLong {
                field: 0,
                len,
                max: rareflow_ingest::text::MAX_LINE_BYTES,
            },
        };
        reject(&mut rejects, bad.line, &err, &bad.raw);
    }

    for (line_no, line) in chunk.lines() {
        rows_read += 1;
        let rec = match layout.parse(line, &mut spans) {
            Ok(rec) => rec,
            Err(err) => {
                reject(&mut rejects, line_no, &err, line);
                continue;
            }
        };
        let Some(country) = reference.country_by_gacc_code(rec.partner_code) else {
            let err = RowError::UnknownCode {
                field: "partner code".into(),
                table: "the China Customs country table (data/reference/countries.csv)",
                value: rec.partner_code.to_owned(),
            };
            reject(&mut rejects, line_no, &err, line);
            continue;
        };
        let product = reference.product_by_hs8(rec.hs_code);
        let period = month_start(rec.year, rec.month);
        periods = Some(match periods {
            None => (period, period),
            Some((lo, hi)) => (lo.min(period), hi.max(period)),
        });
        let value_usd = match layout.currency {
            rareflow_ingest::Currency::Usd => Some(rec.value),
            rareflow_ingest::Currency::Cny => reference
                .cny_per_usd(rec.year, rec.month)
                .map(|rate| rec.value / rate),
        };
        flows.push(&TradeFlowRow {
            source: SOURCE,
            reporter: "CHN",
            flow,
            partner: &country.iso3,
            partner_code: &country.gacc_code,
            partner_name: Some(&country.name_en),
            partner_kind: &country.kind,
            year: rec.year,
            month: rec.month,
            period,
            hs_code: rec.hs_code,
            hs6: &rec.hs_code[..6],
            classification: "CN8",
            product_group: product.map(|p| p.product_group.as_str()),
            element: product.and_then(|p| p.element.as_deref()),
            customs_regime: rec.regime_code,
            quantity_kg: kilograms(rec.quantity1, rec.unit1, rec.quantity2, rec.unit2),
            quantity_native: Some(rec.quantity1),
            unit_native: Some(rec.unit1),
            value_native: Some(rec.value),
            currency,
            value_usd,
            value_cif_usd: None,
            value_fob_usd: None,
            source_file: &file.source_file,
            source_line: line_no,
        });
    }
    Ok(NormalizedChunk {
        index: chunk.index,
        flows: flows.finish()?,
        rejects: rejects.finish()?,
        rows_read,
        periods,
    })
}
