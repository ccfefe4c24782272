//! UN Comtrade releases: the v1 API JSON (`{"elapsedTime":..,"count":N,"data":[...],"error":""}`,
//! also as saved by client libraries, wrapped in an object with `url`, `status_code`, ...),
//! the 47-column v1 CSV with the same field names (the API's camelCase or the ComtradePlus
//! download's PascalCase, with its trailing comma; UTF-8 or Windows-1252), and the legacy
//! v0 CSV (`Classification,Year,Period,...,Trade Value (US$),Flag`), as the old site wrote
//! it and as the newer site writes it (flow letters, customs-procedure, transport-mode and
//! second-partner columns filled).
//!
//! Records are handed out one at a time: the JSON `data` array is walked element by element
//! with serde, never loaded whole. Nulls stay `None`. An exact repeat of an earlier record
//! of the same file is handed out as a [`RowError::Duplicate`] reject (only a 128-bit hash
//! of each record is kept, not the record).

mod codes;
mod csv_file;
mod json;
mod legacy;

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::Period;
use crate::error::{IngestError, Rejected, RowError};

pub use codes::V1_FIELDS;

/// One Comtrade record, as reported (codes kept), numbers parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ComtradeRecord {
    /// Record number (JSON) or line (CSV), 1-based.
    pub line: u64,
    /// A month, or the year for annual records (`refMonth` 52 in v1).
    pub period: Period,
    /// Reporter code (Comtrade's, mostly M49).
    pub reporter_code: String,
    /// Reporter ISO3 (or Comtrade's own area code) when given.
    pub reporter_iso: Option<String>,
    /// Flow letters: `M`, `X`, `RM`, `RX`, `DX`, `FM`, `MIP`, `XOP`, ...
    pub flow_code: String,
    /// Partner code (0 = World).
    pub partner_code: String,
    /// Partner ISO3 as given (`W00`, `_X`, `S19`, ...).
    pub partner_iso: Option<String>,
    /// Partner name as given.
    pub partner_desc: Option<String>,
    /// Second partner code (`0` = all second partners), when the file has the column.
    pub partner2_code: Option<String>,
    /// Customs procedure code (`C00` = all procedures), when the file has the column.
    pub customs_code: Option<String>,
    /// Mode of transport code (`0` = all modes), when the file has the column.
    pub mot_code: Option<String>,
    /// HS vintage (`H6`, `H5`, ... or `HS` in legacy files).
    pub classification: String,
    /// Commodity code (`TOTAL`, 2, 4 or 6 digits).
    pub cmd_code: String,
    /// Quantity unit abbreviation.
    pub qty_unit: Option<String>,
    /// Quantity in that unit.
    pub qty: Option<f64>,
    /// `isQtyEstimated` is true.
    pub qty_estimated: bool,
    /// Net weight, kg.
    pub net_wgt: Option<f64>,
    /// `isNetWgtEstimated` is true.
    pub net_wgt_estimated: bool,
    /// CIF value, US dollars.
    pub cif_value: Option<f64>,
    /// FOB value, US dollars.
    pub fob_value: Option<f64>,
    /// The headline value (imports CIF, exports FOB), US dollars.
    pub primary_value: Option<f64>,
    /// The raw record, for rejects.
    pub raw: String,
}

/// Which layout a file had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComtradeLayout {
    /// v1 API JSON (bare or wrapped by a client library).
    V1Json,
    /// v1 field names as CSV (API names or ComtradePlus download names).
    V1Csv,
    /// Legacy v0 CSV.
    LegacyCsv,
}

impl ComtradeLayout {
    /// Name stored in `ingest_log`.
    pub fn name(self) -> &'static str {
        match self {
            ComtradeLayout::V1Json => "comtrade-v1-json",
            ComtradeLayout::V1Csv => "comtrade-v1-csv",
            ComtradeLayout::LegacyCsv => "comtrade-v0-csv",
        }
    }
}

/// What reading a file found besides its records.
#[derive(Debug, Clone, PartialEq)]
pub struct ComtradeFile {
    /// The layout.
    pub layout: ComtradeLayout,
    /// The text encoding.
    pub encoding: &'static str,
    /// What was tolerated (a trailing comma on every row, a wrapper object), for the log.
    pub warnings: Vec<String>,
}

/// Reads a Comtrade file, calling `each` for every record (or reject), in file order.
pub fn read_comtrade(
    path: &Path,
    each: &mut dyn FnMut(Result<ComtradeRecord, Rejected>),
) -> Result<ComtradeFile, IngestError> {
    let mut seen = Duplicates::default();
    let mut each = |r: Result<ComtradeRecord, Rejected>| each(seen.check(r));
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        let warnings = json::read_json(path, &mut each)?;
        Ok(ComtradeFile {
            layout: ComtradeLayout::V1Json,
            encoding: "UTF-8",
            warnings,
        })
    } else {
        csv_file::read_csv(path, &mut each)
    }
}

/// First line of each record seen in one file, by a 128-bit hash of its raw text.
#[derive(Default)]
struct Duplicates(HashMap<u128, u64>);

impl Duplicates {
    fn check(&mut self, r: Result<ComtradeRecord, Rejected>) -> Result<ComtradeRecord, Rejected> {
        let (line, raw) = match &r {
            Ok(rec) => (rec.line, rec.raw.as_str()),
            Err(rej) => (rej.line, rej.raw.as_str()),
        };
        let digest = Sha256::digest(raw.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        let first_line = *self.0.entry(u128::from_le_bytes(key)).or_insert(line);
        if first_line == line {
            return r;
        }
        let raw = match r {
            Ok(rec) => rec.raw,
            Err(rej) => rej.raw,
        };
        Err(Rejected {
            line,
            error: RowError::Duplicate { first_line },
            raw,
        })
    }
}

/// A field of a v1 record as text (numbers and strings alike), `None` for null/absent/"".
pub(crate) fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// `true` for JSON `true` and the CSV texts `true`/`True`/`1`.
fn flag(map: &Map<String, Value>, key: &str) -> bool {
    text(map, key).is_some_and(|t| t.eq_ignore_ascii_case("true") || t == "1")
}

fn number(
    map: &Map<String, Value>,
    key: &str,
    line: u64,
    raw: &str,
) -> Result<Option<f64>, Rejected> {
    let bad = |value: String| Rejected {
        line,
        error: RowError::BadNumber {
            field: key.into(),
            value,
        },
        raw: raw.to_owned(),
    };
    let value = match map.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => {
            Some(crate::parse::parse_number(s).ok_or_else(|| bad(s.clone()))?)
        }
        Some(other) => return Err(bad(other.to_string())),
    };
    match value {
        Some(v) if v < 0.0 => Err(Rejected {
            line,
            error: RowError::NegativeQuantity {
                field: key.into(),
                value: v.to_string(),
            },
            raw: raw.to_owned(),
        }),
        v => Ok(v),
    }
}

fn required(value: Option<String>, field: &str, line: u64, raw: &str) -> Result<String, Rejected> {
    value.ok_or_else(|| Rejected {
        line,
        error: RowError::Missing {
            field: field.into(),
        },
        raw: raw.to_owned(),
    })
}

/// Year and month from a period (`202511`, `2025`) and `refMonth`.
fn period(period: &str, ref_month: Option<&str>, line: u64, raw: &str) -> Result<Period, Rejected> {
    let bad = || Rejected {
        line,
        error: RowError::BadMonth {
            field: "period".into(),
            value: period.into(),
        },
        raw: raw.to_owned(),
    };
    let digits = period.trim();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match digits.len() {
        4 => {
            let year: i32 = digits.parse().map_err(|_| bad())?;
            if ref_month.is_some_and(|m| m != "52" && m != "0") {
                return Err(bad());
            }
            (1960..=2100)
                .contains(&year)
                .then_some(Period::Year(year))
                .ok_or_else(bad)
        }
        6 => {
            let (y, m) = crate::parse::parse_period(digits).ok_or_else(bad)?;
            Ok(Period::Month(y, m))
        }
        _ => Err(bad()),
    }
}

/// A record from v1 field names (JSON object, or a CSV row mapped to v1 names).
pub(crate) fn from_v1(
    line: u64,
    map: &Map<String, Value>,
    raw: String,
) -> Result<ComtradeRecord, Rejected> {
    let period_text = required(text(map, "period"), "period", line, &raw)?;
    let ref_month = text(map, "refMonth");
    let period = period(&period_text, ref_month.as_deref(), line, &raw)?;
    let cmd_code = required(text(map, "cmdCode"), "cmdCode", line, &raw)?;
    if !crate::parse::is_digit_code(&cmd_code) && cmd_code != "TOTAL" {
        return Err(Rejected {
            line,
            error: RowError::BadCode {
                field: "cmdCode".into(),
                expected: "an HS code of digits or TOTAL",
                value: cmd_code,
            },
            raw,
        });
    }
    let qty = number(map, "qty", line, &raw)?;
    let net_wgt = number(map, "netWgt", line, &raw)?;
    let cif_value = number(map, "cifvalue", line, &raw)?;
    let fob_value = number(map, "fobvalue", line, &raw)?;
    let primary_value = number(map, "primaryValue", line, &raw)?;
    Ok(ComtradeRecord {
        line,
        period,
        reporter_code: required(text(map, "reporterCode"), "reporterCode", line, &raw)?,
        reporter_iso: text(map, "reporterISO"),
        flow_code: required(text(map, "flowCode"), "flowCode", line, &raw)?,
        partner_code: required(text(map, "partnerCode"), "partnerCode", line, &raw)?,
        partner_iso: text(map, "partnerISO"),
        partner_desc: text(map, "partnerDesc"),
        partner2_code: text(map, "partner2Code"),
        customs_code: text(map, "customsCode"),
        mot_code: text(map, "motCode"),
        classification: text(map, "classificationCode").unwrap_or_else(|| "H?".into()),
        cmd_code,
        qty_unit: text(map, "qtyUnitAbbr"),
        qty,
        qty_estimated: flag(map, "isQtyEstimated"),
        net_wgt,
        net_wgt_estimated: flag(map, "isNetWgtEstimated"),
        cif_value,
        fob_value,
        primary_value,
        raw,
    })
}

#[cfg(test)]
mod tests;
