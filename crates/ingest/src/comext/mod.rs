//! Eurostat Comext monthly bulk files, as published in the bulk download facility:
//!
//! - `full_v2_YYYYMM` (2024 on): `REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,
//!   PRODUCT_CPA21,PRODUCT_CPA22,PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,
//!   SUPPL_UNIT,PERIOD,VALUE_EUR,VALUE_NAC,QUANTITY_KG,QUANTITY_SUPPL_UNIT`;
//! - `fullYYYYMM` (older): `DECLARANT,DECLARANT_ISO,PARTNER,PARTNER_ISO,TRADE_TYPE,PRODUCT_NC,
//!   ...,FLOW,STAT_REGIME,SUPP_UNIT,PERIOD,VALUE_IN_EUROS,QUANTITY_IN_KG,SUP_QUANTITY`;
//!
//! either as `.dat`/`.csv` text or inside the `.7z` archive Eurostat publishes. Archives are
//! read in place: each data entry is decompressed as a stream into the CSV reader, never
//! extracted to disk or held whole. Columns are found by header name; the delimiter (comma,
//! semicolon or tab) is taken from the header line. Codes are handed out as written.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::Flow;
use crate::Period;
use crate::error::{IngestError, Rejected, RowError};

mod archive;
mod lines;
#[cfg(test)]
mod tests;

use archive::read_archive;
use lines::{next_line, split_fields};

/// Which of Comext's bulk layouts a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComextLayout {
    /// `full_v2_YYYYMM`: `REPORTER`, `VALUE_EUR`, `STAT_PROCEDURE`, ...
    FullV2,
    /// The older `fullYYYYMM`: `DECLARANT_ISO`, `VALUE_IN_EUROS`, `STAT_REGIME`, ...
    Full,
}

impl ComextLayout {
    /// Name stored in `ingest_log`.
    pub fn name(self) -> &'static str {
        match self {
            ComextLayout::FullV2 => "comext-full-v2",
            ComextLayout::Full => "comext-full",
        }
    }

    /// Header names of (reporter, partner, product, flow, procedure, supplementary unit,
    /// period, value in euros, kilograms, supplementary quantity), for messages.
    pub fn names(self) -> [&'static str; 10] {
        match self {
            ComextLayout::FullV2 => [
                "REPORTER",
                "PARTNER",
                "PRODUCT_NC",
                "FLOW",
                "STAT_PROCEDURE",
                "SUPPL_UNIT",
                "PERIOD",
                "VALUE_EUR",
                "QUANTITY_KG",
                "QUANTITY_SUPPL_UNIT",
            ],
            ComextLayout::Full => [
                "DECLARANT_ISO",
                "PARTNER_ISO",
                "PRODUCT_NC",
                "FLOW",
                "STAT_REGIME",
                "SUPP_UNIT",
                "PERIOD",
                "VALUE_IN_EUROS",
                "QUANTITY_IN_KG",
                "SUP_QUANTITY",
            ],
        }
    }
}

/// Columns every layout has and the reader does not use (classifications other than CN8,
/// national-currency values, numeric codes beside the ISO ones).
const KNOWN_UNUSED: &[&str] = &[
    "DECLARANT",
    "PARTNER",
    "TRADE_TYPE",
    "VALUE_NAC",
    "PRODUCT_SITC",
    "PRODUCT_CPA2002",
    "PRODUCT_CPA2008",
    "PRODUCT_CPA2_1",
    "PRODUCT_CPA21",
    "PRODUCT_CPA22",
    "PRODUCT_BEC",
    "PRODUCT_BEC5",
    "PRODUCT_SECTION",
];

/// One Comext record, codes as written, numbers parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ComextRecord {
    /// 1-based line (in an archive, counted over its data entries in order).
    pub line: u64,
    /// Layout of the file it came from (names its fields in messages).
    pub layout: ComextLayout,
    /// Reporter as written: ISO alpha-2 (`DE`, Eurostat's `EL`) or an aggregate (`EU27_2020`).
    pub reporter: String,
    /// Partner as written: ISO alpha-2, `QP`..`QZ`, or an aggregate (`EXT_EU27_2020`).
    pub partner: String,
    /// CN8 code as written (`85051110`, masked `85XXXXXX`).
    pub product: String,
    /// `FLOW` 1 import, 2 export.
    pub flow: Flow,
    /// `STAT_PROCEDURE` / `STAT_REGIME`, when present and not empty.
    pub procedure: Option<String>,
    /// `PERIOD`: a month, or the year for the annual `YYYY52`.
    pub period: Period,
    /// Value in euros (`VALUE_EUR` / `VALUE_IN_EUROS`).
    pub value_eur: f64,
    /// Net mass in kilograms; `None` when empty.
    pub quantity_kg: Option<f64>,
    /// Supplementary unit, when given.
    pub suppl_unit: Option<String>,
    /// Quantity in the supplementary unit, when given.
    pub quantity_suppl: Option<f64>,
    /// The record as in the file, for rejects.
    pub raw: String,
}

/// What reading a Comext file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComextFile {
    /// Layout of the (first) data file.
    pub layout: ComextLayout,
    /// Data entries read, for an archive (`full_v2_202501.dat`); empty for plain text.
    pub entries: Vec<String>,
    /// What was tolerated: unknown extra columns, non-data archive entries.
    pub warnings: Vec<String>,
}

/// Reads a Comext bulk file (`.dat`, `.csv` or `.7z`), calling `each` for every record or
/// reject, in file order.
pub fn read_comext(
    path: &Path,
    each: &mut dyn FnMut(Result<ComextRecord, Rejected>),
) -> Result<ComextFile, IngestError> {
    let is_7z = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("7z"));
    if is_7z {
        return read_archive(path, each);
    }
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut lines = 0;
    let (layout, warnings) = read_text(path, file, 0, &mut lines, each)?;
    Ok(ComextFile {
        layout,
        entries: Vec::new(),
        warnings,
    })
}

/// Positions of the columns the reader uses, in [`ComextLayout::names`] order.
struct Columns {
    at: [Option<usize>; 10],
    width: usize,
    delimiter: u8,
}

fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| count(d))
        .filter(|&d| count(d) > 0)
        .unwrap_or(b',')
}

fn columns(
    path: &Path,
    line: u64,
    names: &[String],
    delimiter: u8,
) -> Result<(ComextLayout, Columns, Vec<String>), IngestError> {
    let has = |n: &str| names.iter().any(|h| h == n);
    let layout = if has("REPORTER") || has("VALUE_EUR") {
        ComextLayout::FullV2
    } else if has("DECLARANT_ISO") || has("VALUE_IN_EUROS") {
        ComextLayout::Full
    } else {
        let shown: Vec<&str> = names.iter().take(6).map(String::as_str).collect();
        return Err(IngestError::UnknownHeader {
            path: path.to_owned(),
            line,
            message: format!(
                "expected a Comext bulk header, full_v2 (REPORTER,PARTNER,...,PRODUCT_NC,...,FLOW,\
                 STAT_PROCEDURE,...,PERIOD,VALUE_EUR,...,QUANTITY_KG,...) or full (DECLARANT,\
                 DECLARANT_ISO,PARTNER,PARTNER_ISO,...,VALUE_IN_EUROS,QUANTITY_IN_KG,...), found {}",
                shown.join(",")
            ),
        });
    };
    let wanted = layout.names();
    let mut at = [None; 10];
    for (slot, name) in at.iter_mut().zip(wanted) {
        *slot = names.iter().position(|h| h == name);
    }
    // Reporter, partner, product, flow, period, value and kilograms are required.
    let missing: Vec<&str> = [0, 1, 2, 3, 6, 7, 8]
        .into_iter()
        .filter(|&i| at[i].is_none())
        .map(|i| wanted[i])
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::UnknownHeader {
            path: path.to_owned(),
            line,
            message: format!(
                "Comext {} header without column(s) {}",
                layout.name(),
                missing.join(", ")
            ),
        });
    }
    let warnings = names
        .iter()
        .filter(|h| !wanted.contains(&h.as_str()) && !KNOWN_UNUSED.contains(&h.as_str()))
        .map(|h| format!("unknown column {h:?} ignored"))
        .collect();
    let columns = Columns {
        at,
        width: names.len(),
        delimiter,
    };
    Ok((layout, columns, warnings))
}

/// Reads one CSV stream. `offset` is the number of lines before it (earlier archive
/// entries); `lines` is advanced to the last line read.
pub(crate) fn read_text(
    path: &Path,
    input: impl Read,
    offset: u64,
    lines: &mut u64,
    each: &mut dyn FnMut(Result<ComextRecord, Rejected>),
) -> Result<(ComextLayout, Vec<String>), IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut buf = Vec::new();
    let mut line = offset;
    let header = loop {
        if !next_line(&mut input, &mut buf).map_err(io)? {
            return Err(IngestError::Empty {
                path: path.to_owned(),
            });
        }
        line += 1;
        if !buf.iter().all(u8::is_ascii_whitespace) {
            break buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf).to_vec();
        }
    };
    if std::str::from_utf8(&header).is_err() || header.contains(&0) {
        return Err(IngestError::NotText {
            path: path.to_owned(),
            message: format!("line {line}: the header is not UTF-8 text"),
        });
    }
    let delimiter = sniff_delimiter(&header);
    let names: Vec<String> = split_fields(&header, delimiter)
        .map_err(|e| IngestError::UnknownHeader {
            path: path.to_owned(),
            line,
            message: e.to_string(),
        })?
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_ascii_uppercase())
        .collect();
    let (layout, cols, warnings) = columns(path, line, &names, delimiter)?;
    while next_line(&mut input, &mut buf).map_err(io)? {
        line += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        each(parse_record(&cols, layout, line, &buf));
    }
    *lines = line;
    Ok((layout, warnings))
}

fn parse_record(
    cols: &Columns,
    layout: ComextLayout,
    line: u64,
    bytes: &[u8],
) -> Result<ComextRecord, Rejected> {
    let raw = String::from_utf8_lossy(bytes).into_owned();
    let reject = |error: RowError| Rejected {
        line,
        error,
        raw: raw.clone(),
    };
    let record = split_fields(bytes, cols.delimiter).map_err(reject)?;
    if record.len() != cols.width {
        let (expected, found) = (cols.width, record.len());
        return Err(reject(if found < expected {
            RowError::TooFewFields { expected, found }
        } else {
            RowError::TooManyFields { expected, found }
        }));
    }
    let mut fields: Vec<&str> = Vec::with_capacity(record.len());
    for f in &record {
        match std::str::from_utf8(f) {
            Ok(s) => fields.push(s.trim()),
            Err(_) => return Err(reject(RowError::BadEncoding { encoding: "UTF-8" })),
        }
    }
    let names = layout.names();
    let get = |i: usize| cols.at[i].map(|c| fields[c]).filter(|s| !s.is_empty());
    let required = |i: usize| {
        get(i).ok_or_else(|| {
            reject(RowError::Missing {
                field: names[i].to_owned(),
            })
        })
    };
    let reporter = required(0)?;
    let partner = required(1)?;
    let product = required(2)?;
    let flow = match required(3)? {
        "1" => Flow::Import,
        "2" => Flow::Export,
        other => {
            return Err(reject(RowError::BadCode {
                field: names[3].to_owned(),
                expected: "1 (import) or 2 (export)",
                value: other.to_owned(),
            }));
        }
    };
    if !product_code_ok(product) {
        return Err(reject(RowError::BadCode {
            field: names[2].to_owned(),
            expected: "a CN code of 2 to 8 digits, masked digits as X (85XXXXXX), or TOTAL",
            value: product.to_owned(),
        }));
    }
    let period = required(6)?;
    let period = parse_period(period).ok_or_else(|| {
        reject(RowError::BadMonth {
            field: names[6].to_owned(),
            value: period.to_owned(),
        })
    })?;
    let number = |i: usize| -> Result<Option<f64>, Rejected> {
        let Some(text) = get(i) else { return Ok(None) };
        let value: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                reject(RowError::BadNumber {
                    field: names[i].to_owned(),
                    value: text.to_owned(),
                })
            })?;
        if value < 0.0 {
            return Err(reject(RowError::NegativeQuantity {
                field: names[i].to_owned(),
                value: text.to_owned(),
            }));
        }
        Ok(Some(value))
    };
    let value_eur = number(7)?.ok_or_else(|| {
        reject(RowError::Missing {
            field: names[7].to_owned(),
        })
    })?;
    let quantity_kg = number(8)?;
    let quantity_suppl = number(9)?;
    Ok(ComextRecord {
        line,
        layout,
        reporter: reporter.to_owned(),
        partner: partner.to_owned(),
        product: product.to_owned(),
        flow,
        procedure: get(4).map(str::to_owned),
        period,
        value_eur,
        quantity_kg,
        suppl_unit: get(5).map(str::to_owned),
        quantity_suppl,
        raw,
    })
}

/// `TOTAL`, or 2-8 digits possibly followed by masking `X`s, at most 8 characters.
fn product_code_ok(code: &str) -> bool {
    if code.eq_ignore_ascii_case("TOTAL") {
        return true;
    }
    let digits = code.bytes().take_while(u8::is_ascii_digit).count();
    (2..=8).contains(&code.len())
        && digits >= 2
        && code.bytes().skip(digits).all(|b| b == b'X' || b == b'x')
}

/// `YYYYMM` (month 01-12) or the annual `YYYY52`.
fn parse_period(text: &str) -> Option<Period> {
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    match text[4..].parse::<u32>().ok()? {
        52 => Some(Period::Year(year)),
        m @ 1..=12 => Some(Period::Month(year, m)),
        _ => None,
    }
}
