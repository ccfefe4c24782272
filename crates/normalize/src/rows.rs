//! Column builders for `trade_flows` and `rejects` batches: rows are appended field by
//! field into Arrow builders, so no per-row allocation happens.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::error::ArrowError;

use rareflow_ingest::Period;

use crate::period::month_start;
use crate::schema::{REJECTS, TRADE_FLOWS};

/// One `trade_flows` row, borrowed from the record it came from. Start from
/// [`TradeFlowRow::new`] and set what the source knows (`..TradeFlowRow::new(..)`); what is
/// derived (year, month and first day of the period, `hs6` and `hs_level` from the code,
/// `value_usd`) is filled in by [`crate::output::Output::push`].
#[derive(Debug, Clone, Copy)]
pub struct TradeFlowRow<'a> {
    /// Source name (`gacc`, ...).
    pub source: &'a str,
    /// ISO3 of the reporter.
    pub reporter: &'a str,
    /// `export` or `import`.
    pub flow: &'a str,
    /// ISO3 of the partner.
    pub partner: &'a str,
    /// Partner code as reported.
    pub partner_code: &'a str,
    /// Partner's English name.
    pub partner_name: Option<&'a str>,
    /// `country`, `group`, `world` or `other`.
    pub partner_kind: &'a str,
    /// The month or year the figure covers: a year goes to `trade_flows_annual`.
    pub period: Period,
    /// Commodity code as reported.
    pub hs_code: &'a str,
    /// Code system of `hs_code` (`CN8`, `H6`, `HTS10`, ...).
    pub classification: &'a str,
    /// Taxonomy group.
    pub product_group: Option<&'a str>,
    /// Element symbol.
    pub element: Option<&'a str>,
    /// Customs regime as reported.
    pub customs_regime: Option<&'a str>,
    /// Comtrade customs procedure code.
    pub customs_procedure: Option<&'a str>,
    /// Comtrade mode of transport code.
    pub transport_mode: Option<&'a str>,
    /// Comtrade second partner code.
    pub second_partner: Option<&'a str>,
    /// China Customs registration place code.
    pub region_code: Option<&'a str>,
    /// China Customs registration place name.
    pub region: Option<&'a str>,
    /// Kilograms, when a weight is known.
    pub quantity_kg: Option<f64>,
    /// Quantity in the first reported unit.
    pub quantity_native: Option<f64>,
    /// First reported unit.
    pub unit_native: Option<&'a str>,
    /// Value in the reported currency.
    pub value_native: Option<f64>,
    /// ISO 4217 of the reported currency.
    pub currency: &'a str,
    /// CIF value in US dollars, where reported beside the headline value.
    pub value_cif_usd: Option<f64>,
    /// FOB value in US dollars, where reported beside the headline value.
    pub value_fob_usd: Option<f64>,
    /// Raw file, relative to the raw folder.
    pub source_file: &'a str,
    /// 1-based line in that file.
    pub source_line: u64,
}

impl<'a> TradeFlowRow<'a> {
    /// A row of `source` for `period`, read at `source_line` of `source_file`, with every
    /// other field empty (text `""`, numbers and optional fields `None`).
    pub fn new(
        source: &'a str,
        period: Period,
        source_file: &'a str,
        source_line: u64,
    ) -> TradeFlowRow<'a> {
        TradeFlowRow {
            source,
            reporter: "",
            flow: "",
            partner: "",
            partner_code: "",
            partner_name: None,
            partner_kind: "",
            period,
            hs_code: "",
            classification: "",
            product_group: None,
            element: None,
            customs_regime: None,
            customs_procedure: None,
            transport_mode: None,
            second_partner: None,
            region_code: None,
            region: None,
            quantity_kg: None,
            quantity_native: None,
            unit_native: None,
            value_native: None,
            currency: "",
            value_cif_usd: None,
            value_fob_usd: None,
            source_file,
            source_line,
        }
    }
}

/// `(year, month, first day)` of a period as `trade_flows` stores it: month 0 and the
/// first day of the year for a whole year.
pub fn period_columns(period: Period) -> (i32, u32, i32) {
    match period {
        Period::Month(year, month) => (year, month, month_start(year, month)),
        Period::Year(year) => (year, 0, month_start(year, 1)),
    }
}

/// The HS6 heading and level of a commodity code: `("850511", 8)` for `85051110`;
/// `(None, 4)` for `8505`, `(None, 0)` for `TOTAL`, `(None, 8)` for a masked `85XXXXXX`.
pub fn hs_parts(code: &str) -> (Option<&str>, i32) {
    let code = code.trim();
    if !code.bytes().any(|b| b.is_ascii_digit()) {
        return (None, 0);
    }
    let level = code.len() as i32;
    let digits = code.bytes().all(|b| b.is_ascii_digit());
    let hs6 = code.get(..6).filter(|h| digits && h.len() == 6);
    (hs6, level)
}

/// Which release rows come from: set per file, stored on every row so that revisions and
/// as-of queries need no join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Release {
    /// Order in which files were first loaded into this warehouse (1, 2, ...).
    pub seq: i64,
    /// When the file was first loaded, UTC microseconds since the epoch.
    pub loaded_at: i64,
}

/// Builds a `trade_flows` batch.
#[derive(Debug)]
pub struct TradeFlowRows {
    release: Release,
    release_seq: Int64Builder,
    loaded_at: TimestampMicrosecondBuilder,
    source: StringBuilder,
    reporter: StringBuilder,
    flow: StringBuilder,
    partner: StringBuilder,
    partner_code: StringBuilder,
    partner_name: StringBuilder,
    partner_kind: StringBuilder,
    period: Date32Builder,
    year: Int32Builder,
    month: Int32Builder,
    hs_code: StringBuilder,
    hs6: StringBuilder,
    hs_level: Int32Builder,
    classification: StringBuilder,
    product_group: StringBuilder,
    element: StringBuilder,
    customs_regime: StringBuilder,
    customs_procedure: StringBuilder,
    transport_mode: StringBuilder,
    second_partner: StringBuilder,
    region_code: StringBuilder,
    region: StringBuilder,
    quantity_kg: Float64Builder,
    quantity_native: Float64Builder,
    unit_native: StringBuilder,
    value_native: Float64Builder,
    currency: StringBuilder,
    value_usd: Float64Builder,
    value_cif_usd: Float64Builder,
    value_fob_usd: Float64Builder,
    source_file: StringBuilder,
    source_line: Int64Builder,
    len: usize,
}

impl TradeFlowRows {
    /// An empty builder with room for `capacity` rows of one release.
    pub fn with_capacity(capacity: usize, release: Release) -> Self {
        let s = || StringBuilder::with_capacity(capacity, capacity * 8);
        TradeFlowRows {
            release,
            release_seq: Int64Builder::with_capacity(capacity),
            loaded_at: TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            source: s(),
            reporter: s(),
            flow: s(),
            partner: s(),
            partner_code: s(),
            partner_name: s(),
            partner_kind: s(),
            period: Date32Builder::with_capacity(capacity),
            year: Int32Builder::with_capacity(capacity),
            month: Int32Builder::with_capacity(capacity),
            hs_code: s(),
            hs6: s(),
            hs_level: Int32Builder::with_capacity(capacity),
            classification: s(),
            product_group: s(),
            element: s(),
            customs_regime: s(),
            customs_procedure: s(),
            transport_mode: s(),
            second_partner: s(),
            region_code: s(),
            region: s(),
            quantity_kg: Float64Builder::with_capacity(capacity),
            quantity_native: Float64Builder::with_capacity(capacity),
            unit_native: s(),
            value_native: Float64Builder::with_capacity(capacity),
            currency: s(),
            value_usd: Float64Builder::with_capacity(capacity),
            value_cif_usd: Float64Builder::with_capacity(capacity),
            value_fob_usd: Float64Builder::with_capacity(capacity),
            source_file: s(),
            source_line: Int64Builder::with_capacity(capacity),
            len: 0,
        }
    }

    /// Rows appended so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one row, with its value in US dollars (see [`crate::output::Output::push`]).
    pub(crate) fn push(&mut self, r: &TradeFlowRow<'_>, value_usd: Option<f64>) {
        let (year, month, period) = period_columns(r.period);
        let (hs6, hs_level) = hs_parts(r.hs_code);
        self.source.append_value(r.source);
        self.reporter.append_value(r.reporter);
        self.flow.append_value(r.flow);
        self.partner.append_value(r.partner);
        self.partner_code.append_value(r.partner_code);
        self.partner_name.append_option(r.partner_name);
        self.partner_kind.append_value(r.partner_kind);
        self.period.append_value(period);
        self.year.append_value(year);
        self.month.append_value(month as i32);
        self.hs_code.append_value(r.hs_code);
        self.hs6.append_option(hs6);
        self.hs_level.append_value(hs_level);
        self.classification.append_value(r.classification);
        self.product_group.append_option(r.product_group);
        self.element.append_option(r.element);
        self.customs_regime.append_option(r.customs_regime);
        self.customs_procedure.append_option(r.customs_procedure);
        self.transport_mode.append_option(r.transport_mode);
        self.second_partner.append_option(r.second_partner);
        self.region_code.append_option(r.region_code);
        self.region.append_option(r.region);
        self.quantity_kg.append_option(r.quantity_kg);
        self.quantity_native.append_option(r.quantity_native);
        self.unit_native.append_option(r.unit_native);
        self.value_native.append_option(r.value_native);
        self.currency.append_value(r.currency);
        self.value_usd.append_option(value_usd);
        self.value_cif_usd.append_option(r.value_cif_usd);
        self.value_fob_usd.append_option(r.value_fob_usd);
        self.source_file.append_value(r.source_file);
        self.source_line.append_value(r.source_line as i64);
        self.release_seq.append_value(self.release.seq);
        self.loaded_at.append_value(self.release.loaded_at);
        self.len += 1;
    }

    /// The rows as a batch with the [`TRADE_FLOWS`] schema; the builder is left empty.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        self.len = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.source.finish()),
            Arc::new(self.reporter.finish()),
            Arc::new(self.flow.finish()),
            Arc::new(self.partner.finish()),
            Arc::new(self.partner_code.finish()),
            Arc::new(self.partner_name.finish()),
            Arc::new(self.partner_kind.finish()),
            Arc::new(self.period.finish()),
            Arc::new(self.hs_code.finish()),
            Arc::new(self.hs6.finish()),
            Arc::new(self.hs_level.finish()),
            Arc::new(self.classification.finish()),
            Arc::new(self.product_group.finish()),
            Arc::new(self.element.finish()),
            Arc::new(self.customs_regime.finish()),
            Arc::new(self.customs_procedure.finish()),
            Arc::new(self.transport_mode.finish()),
            Arc::new(self.second_partner.finish()),
            Arc::new(self.region_code.finish()),
            Arc::new(self.region.finish()),
            Arc::new(self.quantity_kg.finish()),
            Arc::new(self.quantity_native.finish()),
            Arc::new(self.unit_native.finish()),
            Arc::new(self.value_native.finish()),
            Arc::new(self.currency.finish()),
            Arc::new(self.value_usd.finish()),
            Arc::new(self.value_cif_usd.finish()),
            Arc::new(self.value_fob_usd.finish()),
            Arc::new(self.source_file.finish()),
            Arc::new(self.source_line.finish()),
            Arc::new(self.release_seq.finish()),
            Arc::new(self.loaded_at.finish().with_timezone("UTC")),
            Arc::new(self.year.finish()),
            Arc::new(self.month.finish()),
        ];
        RecordBatch::try_new(TRADE_FLOWS.clone(), columns)
    }
}

/// Builds a `rejects` batch.
#[derive(Debug)]
pub struct RejectRows {
    source: StringBuilder,
    source_file: StringBuilder,
    source_line: Int64Builder,
    reason_code: StringBuilder,
    reason: StringBuilder,
    raw_record: StringBuilder,
    len: usize,
}

impl Default for RejectRows {
    fn default() -> Self {
        RejectRows {
            source: StringBuilder::new(),
            source_file: StringBuilder::new(),
            source_line: Int64Builder::new(),
            reason_code: StringBuilder::new(),
            reason: StringBuilder::new(),
            raw_record: StringBuilder::new(),
            len: 0,
        }
    }
}

/// Raw records are kept in full up to this many bytes, then cut (a reject of a huge line
/// must not blow up the rejects table).
pub const MAX_RAW_RECORD_BYTES: usize = 2000;

impl RejectRows {
    /// Rows appended so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one reject.
    pub fn push(
        &mut self,
        source: &str,
        file: &str,
        line: u64,
        code: &str,
        reason: &str,
        raw: &str,
    ) {
        self.source.append_value(source);
        self.source_file.append_value(file);
        self.source_line.append_value(line as i64);
        self.reason_code.append_value(code);
        self.reason.append_value(reason);
        let mut cut = raw.len().min(MAX_RAW_RECORD_BYTES);
        while !raw.is_char_boundary(cut) {
            cut -= 1;
        }
        self.raw_record.append_value(&raw[..cut]);
        self.len += 1;
    }

    /// The rejects as a batch with the [`REJECTS`] schema; the builder is left empty.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        self.len = 0;
        RecordBatch::try_new(
            REJECTS.clone(),
            vec![
                Arc::new(self.source.finish()),
                Arc::new(self.source_file.finish()),
                Arc::new(self.source_line.finish()),
                Arc::new(self.reason_code.finish()),
                Arc::new(self.reason.finish()),
                Arc::new(self.raw_record.finish()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::hs_parts;

    #[test]
    fn hs_levels() {
        assert_eq!(hs_parts("85051110"), (Some("850511"), 8));
        assert_eq!(hs_parts("850511"), (Some("850511"), 6));
        assert_eq!(hs_parts("8505"), (None, 4));
        assert_eq!(hs_parts("85"), (None, 2));
        assert_eq!(hs_parts("TOTAL"), (None, 0));
        assert_eq!(hs_parts("85XXXXXX"), (None, 8));
        assert_eq!(hs_parts("8505111000"), (Some("850511"), 10));
    }
}
