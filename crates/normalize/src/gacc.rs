//! China Customs (GACC) statistics-platform downloads: the [`Source`] and the mapping from
//! records to `trade_flows` rows.
//!
//! - The folder gives the flow (`gacc/export/`, `gacc/import/`).
//! - The period column gives the month; a download without one takes it from its path
//!   (`exports_202601.csv`, `2026-01.csv`, `2026/01/`), else the file is refused.
//! - A download without a partner column is China's total with the world: partner
//!   [`WORLD_PARTNER`] (`W00`, as the UN M49 table `data/reference/m49_countries.csv` and the
//!   Comtrade normalizer write World), `partner_code` [`WORLD_CODE`] (`000`),
//!   `partner_kind = 'world'`.
//! - `customs_regime` is the regime code (贸易方式编码), or the regime name when the
//!   download has only the name; `region_code` is the registration-place code (注册地编码),
//!   or its name when the download has only the name; `region` is the name. Both are in the
//!   revision key, so downloads split by regime or province add up.

use std::sync::Arc;

use arrow::error::ArrowError;
use rareflow_ingest::text::BadLineKind;
use rareflow_ingest::{Chunk, Flow, GaccFile, GaccLayout, IngestError, Language, Period, RowError};

use crate::output::Output;
use crate::piece::PieceError;
use crate::reference::Reference;
use crate::rows::{RejectRows, Release, TradeFlowRow};
use crate::source::{FileFacts, FilePattern, Normalized, Source, SourceFile, WorkSink};
use crate::units::kilograms;

/// The source name of China Customs detail data.
pub const SOURCE: &str = "gacc";

/// `partner` of a download without a partner column: the world, as in
/// `data/reference/m49_countries.csv` (`0,W00,World,world`).
pub const WORLD_PARTNER: &str = "W00";
/// `partner_code` of a download without a partner column (no China Customs partner code
/// is `000`).
pub const WORLD_CODE: &str = "000";

/// China Customs platform CSV downloads under `gacc/export/` and `gacc/import/` (the
/// platform's CSV has no flow column: the folder says it).
#[derive(Debug, Default)]
pub struct GaccPlatform;

impl GaccPlatform {
    fn flow_of(relative: &str) -> Option<Flow> {
        match relative.split('/').nth(1)? {
            "export" => Some(Flow::Export),
            "import" => Some(Flow::Import),
            _ => None,
        }
    }
}

impl Source for GaccPlatform {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn files(&self) -> FilePattern {
        FilePattern::new("gacc", &["csv"]).under(&["export", "import"])
    }

    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let flow = Self::flow_of(file.relative).unwrap_or(Flow::Export);
        let mut gacc = GaccFile::open_named(file.path, file.relative, file.chunk_bytes)?;
        let layout = Arc::new(gacc.layout().clone());
        let context = Arc::new(FileContext {
            source_file: file.relative.to_owned(),
            flow,
            release: file.release,
        });
        while let Some(chunk) = gacc.next_chunk()? {
            sink.progress(gacc.bytes_read());
            let (reference, context, layout) = (
                Arc::clone(file.reference),
                Arc::clone(&context),
                Arc::clone(&layout),
            );
            let encoding = gacc.encoding().name();
            let work = Box::new(move || {
                normalize_gacc_chunk(&reference, &context, &layout, &chunk, encoding)
                    .map_err(PieceError::in_file(&context.source_file))
            });
            if !sink.send(work) {
                break;
            }
        }
        Ok(FileFacts {
            encoding: gacc.encoding().name().to_owned(),
            layout: match layout.language {
                Language::Chinese => "gacc-platform-zh",
                Language::English => "gacc-platform-en",
            }
            .to_owned(),
            flow: Some(flow.as_str().to_owned()),
            sha256: Some(gacc.content_hash()),
            warnings: layout.warnings.clone(),
        })
    }
}

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

/// Normalizes one chunk of a China Customs download read in `encoding` (named in the
/// reason of lines that did not decode).
pub fn normalize_gacc_chunk(
    reference: &Reference,
    file: &FileContext,
    layout: &GaccLayout,
    chunk: &Chunk,
    encoding: &'static str,
) -> Result<Normalized, ArrowError> {
    let mut out = Output::new(file.release, chunk.text.len() / 120 + 16);
    let mut spans = Vec::with_capacity(layout.width() + 2);
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
        out.rows_read += 1;
        let err = match bad.kind {
            BadLineKind::Encoding => RowError::BadEncoding { encoding },
            BadLineKind::TooLong(len) => RowError::FieldTooLong {
                field: 0,
                len,
                max: rareflow_ingest::text::MAX_LINE_BYTES,
            },
        };
        reject(&mut out.rejects, bad.line, &err, &bad.raw);
    }

    for (line_no, line) in chunk.lines() {
        out.rows_read += 1;
        let rec = match layout.parse(line, &mut spans) {
            Ok(rec) => rec,
            Err(err) => {
                reject(&mut out.rejects, line_no, &err, line);
                continue;
            }
        };
        let (partner, partner_code, partner_name, partner_kind) = match rec.partner_code {
            None => (WORLD_PARTNER, WORLD_CODE, "World", "world"),
            Some(code) => match reference.country_by_gacc_code(code) {
                Some(c) => (
                    c.iso3.as_str(),
                    c.gacc_code.as_str(),
                    c.name_en.as_str(),
                    c.kind.as_str(),
                ),
                None => {
                    let err = RowError::UnknownCode {
                        field: "partner code".into(),
                        table: "the China Customs country table (data/reference/countries.csv)",
                        value: code.to_owned(),
                    };
                    reject(&mut out.rejects, line_no, &err, line);
                    continue;
                }
            },
        };
        let product = reference.product_by_hs8(rec.hs_code);
        let period = Period::Month(rec.year, rec.month);
        out.push(
            reference,
            &TradeFlowRow {
                reporter: "CHN",
                flow,
                partner,
                partner_code,
                partner_name: Some(partner_name),
                partner_kind,
                hs_code: rec.hs_code,
                classification: "CN8",
                product_group: product.map(|p| p.product_group.as_str()),
                element: product.and_then(|p| p.element.as_deref()),
                customs_regime: rec.regime_code.or(rec.regime_name),
                region_code: rec.region_code.or(rec.region_name),
                region: rec.region_name,
                quantity_kg: kilograms(rec.quantity1, rec.unit1, rec.quantity2, rec.unit2),
                quantity_native: Some(rec.quantity1),
                unit_native: Some(rec.unit1),
                value_native: Some(rec.value),
                currency,
                ..TradeFlowRow::new(SOURCE, period, &file.source_file, line_no)
            },
        );
    }
    out.finish()
}
