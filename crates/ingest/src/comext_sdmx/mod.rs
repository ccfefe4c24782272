//! Eurostat Comext SDMX-CSV, as the Comext host's SDMX 2.1 API (`format=SDMX-CSV`) and the
//! Eurostat data browser give it: header `DATAFLOW,LAST UPDATE,freq,reporter,partner,
//! product,flow,indicators,TIME_PERIOD,OBS_VALUE` (plus `OBS_FLAG` where present), read by
//! header name in any order.
//!
//! - Browser downloads end every data row with a comma (one empty field more than the
//!   header): tolerated. CRLF or LF, a UTF-8 BOM, quoted fields with commas.
//! - Header names may carry their label (`freq: Time frequency`).
//! - Dimensions come as codes (`M`, `DE`, `1`) or labels (`Monthly`, `"Netherlands, Kingdom
//!   of the"`, `IMPORT`), or `CODE: label`. Frequency, flow and indicator are resolved here;
//!   reporter, partner and product are handed out as written (`rareflow-normalize` maps
//!   codes and labels to countries).
//! - Value and quantity of one figure are separate rows (`indicators` = `VALUE_IN_EUROS`,
//!   `QUANTITY_IN_100KG`, `SUPPLEMENTARY_QUANTITY`): they are joined here into one
//!   [`SdmxRecord`] per reporter, partner, product, flow and period, in the order keys
//!   first appear. A second observation of one key and indicator is a reject.
//! - `TIME_PERIOD` `2025-01` is a month, `2024` a year.
//!
//! An SDMX-CSV answer is small (the fetcher asks one filtered year at a time), so a file's
//! figures are held until its end to be joined; rejects are handed out as they are met.

use std::collections::HashMap;
use std::path::Path;

use crate::Flow;
use crate::Period;
use crate::error::{IngestError, Rejected, RowError};
use crate::text::open_text;

mod dims;
#[cfg(test)]
mod tests;

pub use dims::Indicator;
use dims::{code_part, parse_flow, parse_freq, parse_indicator, parse_time_period};

/// Header names (lower case) of the columns the reader uses, in [`Columns`] order.
const USED: [&str; 8] = [
    "reporter",
    "partner",
    "product",
    "flow",
    "indicators",
    "time_period",
    "obs_value",
    "freq",
];
/// Columns SDMX-CSV has and the reader does not need.
const KNOWN_UNUSED: &[&str] = &["dataflow", "last update", "obs_flag"];

/// One figure: the observations of one reporter, partner, product, flow and period joined.
#[derive(Debug, Clone, PartialEq)]
pub struct SdmxRecord {
    /// Line of its first observation (1-based).
    pub line: u64,
    /// Reporter as written: a code (`DE`, `EU27_2020`) or a label.
    pub reporter: String,
    /// Partner as written: a code (`CN`, `WORLD`, `EXTRA_EU`) or a label.
    pub partner: String,
    /// Product as written: a CN code (`85051110`, CN6/CN4 too) or a label.
    pub product: String,
    /// `flow` 1 / `IMPORT`, 2 / `EXPORT`.
    pub flow: Flow,
    /// `TIME_PERIOD`: a month, or a year.
    pub period: Period,
    /// `VALUE_IN_EUROS`, when the file has that row.
    pub value_eur: Option<f64>,
    /// `QUANTITY_IN_100KG` (units of 100 kg), when the file has that row.
    pub quantity_100kg: Option<f64>,
    /// `SUPPLEMENTARY_QUANTITY`, when the file has that row.
    pub quantity_suppl: Option<f64>,
    /// `OBS_FLAG`s of its observations (`p` provisional, ...), joined by `,`, when any.
    pub flags: Option<String>,
    /// Its observation lines as in the file, joined by a newline, for rejects.
    pub raw: String,
}

/// What reading an SDMX-CSV file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdmxFile {
    /// `LAST UPDATE` of the first data row, when present (`15/09/26 11:00`).
    pub last_update: Option<String>,
    /// Whether some dimension came as a label rather than a code.
    pub labels: bool,
    /// What was tolerated: unknown extra columns, trailing commas.
    pub warnings: Vec<String>,
}

impl SdmxFile {
    /// Layout name stored in `ingest_log`.
    pub fn layout(&self) -> &'static str {
        if self.labels {
            "comext-sdmx-csv-labels"
        } else {
            "comext-sdmx-csv"
        }
    }
}

/// Positions of the [`USED`] columns (`freq` optional), the `LAST UPDATE` and `OBS_FLAG`
/// columns, and the header's width.
struct Columns {
    at: [Option<usize>; 8],
    last_update: Option<usize>,
    flag: Option<usize>,
    width: usize,
}

fn columns(
    path: &Path,
    line: u64,
    names: &[String],
) -> Result<(Columns, Vec<String>), IngestError> {
    let find = |n: &str| names.iter().position(|h| h == n);
    let mut at = [None; 8];
    for (slot, name) in at.iter_mut().zip(USED) {
        *slot = find(name);
    }
    let missing: Vec<&str> = USED[..7]
        .iter()
        .zip(&at)
        .filter(|(_, a)| a.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::UnknownHeader {
            path: path.to_owned(),
            line,
            message: format!(
                "expected an SDMX-CSV header DATAFLOW,LAST UPDATE,freq,reporter,partner,product,\
                 flow,indicators,TIME_PERIOD,OBS_VALUE[,OBS_FLAG]; no column(s) {}; found {}",
                missing.join(", "),
                names.join(",")
            ),
        });
    }
    let warnings = names
        .iter()
        .filter(|h| !USED.contains(&h.as_str()) && !KNOWN_UNUSED.contains(&h.as_str()))
        .map(|h| format!("unknown column {h:?} ignored"))
        .collect();
    Ok((
        Columns {
            at,
            last_update: find("last update"),
            flag: find("obs_flag"),
            width: names.len(),
        },
        warnings,
    ))
}

/// The dimensions of a figure: reporter, partner, product, flow, period.
type Key = (String, String, String, Flow, Period);

/// A figure being joined: its record and the line of each indicator seen so far.
struct Pending {
    record: SdmxRecord,
    seen: [Option<(u64, f64)>; 3],
}

/// One observation row, parsed.
struct Observation {
    key: Key,
    indicator: Indicator,
    value: f64,
    flag: Option<String>,
    labels: bool,
}

/// Reads an SDMX-CSV file, calling `each` for every rejected row as it is met and then for
/// every joined figure, in the order their keys first appear.
pub fn read_comext_sdmx(
    path: &Path,
    each: &mut dyn FnMut(Result<SdmxRecord, Rejected>),
) -> Result<SdmxFile, IngestError> {
    let reader = open_text(path, &[])?;
    let report = reader.report();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let malformed = |e: csv::Error| IngestError::Malformed {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let mut records = csv.records();
    let mut next = || -> Result<Option<(u64, csv::StringRecord)>, IngestError> {
        for r in records.by_ref() {
            let r = r.map_err(malformed)?;
            if r.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            return Ok(Some((r.position().map_or(0, |p| p.line()), r)));
        }
        Ok(None)
    };
    let Some((header_line, header)) = next()? else {
        return Err(IngestError::Empty {
            path: path.to_owned(),
        });
    };
    let mut names: Vec<String> = header
        .iter()
        .map(|h| {
            // `freq: Time frequency` (codes and labels) is `freq`.
            let h = h.trim_start_matches('\u{feff}');
            let code = h.split_once(':').map_or(h, |(code, _)| code);
            code.trim().to_ascii_lowercase()
        })
        .collect();
    if names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    let (cols, warnings) = columns(path, header_line, &names)?;
    let mut file = SdmxFile {
        warnings,
        ..SdmxFile::default()
    };
    let mut trailing_commas = 0u64;
    let mut pending: Vec<Pending> = Vec::new();
    let mut by_key: HashMap<Key, usize> = HashMap::new();
    while let Some((line, r)) = next()? {
        let raw = r.iter().collect::<Vec<_>>().join(",");
        if let Some(rejected) = report.bad_encoding(&r, &raw) {
            each(Err(rejected));
            continue;
        }
        let reject = |error: RowError| Rejected {
            line,
            error,
            raw: raw.clone(),
        };
        let width = match r.len() {
            n if n == cols.width + 1 && r.get(n - 1).is_some_and(|f| f.trim().is_empty()) => {
                trailing_commas += 1;
                cols.width
            }
            n => n,
        };
        if width != cols.width {
            let (expected, found) = (cols.width, width);
            each(Err(reject(if found < expected {
                RowError::TooFewFields { expected, found }
            } else {
                RowError::TooManyFields { expected, found }
            })));
            continue;
        }
        let cell = |i: usize| r.get(i).map(str::trim).unwrap_or("");
        if file.last_update.is_none() {
            file.last_update = cols
                .last_update
                .map(|i| cell(i).to_owned())
                .filter(|s| !s.is_empty());
        }
        let obs = match observation(&cols, &cell) {
            Ok(obs) => obs,
            Err(error) => {
                each(Err(reject(error)));
                continue;
            }
        };
        file.labels |= obs.labels;
        let slot = obs.indicator as usize;
        let index = *by_key.entry(obs.key.clone()).or_insert_with(|| {
            let (reporter, partner, product, flow, period) = obs.key.clone();
            pending.push(Pending {
                record: SdmxRecord {
                    line,
                    reporter,
                    partner,
                    product,
                    flow,
                    period,
                    value_eur: None,
                    quantity_100kg: None,
                    quantity_suppl: None,
                    flags: None,
                    raw: String::new(),
                },
                seen: [None; 3],
            });
            pending.len() - 1
        });
        let p = &mut pending[index];
        if let Some((first_line, first)) = p.seen[slot] {
            let field = obs.indicator.code().to_owned();
            each(Err(reject(if first == obs.value {
                RowError::Duplicate { first_line }
            } else {
                RowError::Conflicting { field, first_line }
            })));
            continue;
        }
        p.seen[slot] = Some((line, obs.value));
        let rec = &mut p.record;
        match obs.indicator {
            Indicator::ValueInEuros => rec.value_eur = Some(obs.value),
            Indicator::QuantityIn100Kg => rec.quantity_100kg = Some(obs.value),
            Indicator::SupplementaryQuantity => rec.quantity_suppl = Some(obs.value),
        }
        if let Some(flag) = obs.flag {
            let flags = rec.flags.get_or_insert_with(String::new);
            if !flags.split(',').any(|f| f == flag) {
                if !flags.is_empty() {
                    flags.push(',');
                }
                flags.push_str(&flag);
            }
        }
        if !rec.raw.is_empty() {
            rec.raw.push('\n');
        }
        rec.raw.push_str(&raw);
    }
    if trailing_commas > 0 {
        file.warnings.push(format!(
            "{trailing_commas} data row(s) end with a comma (data browser download): one empty field ignored"
        ));
    }
    for p in pending {
        each(Ok(p.record));
    }
    Ok(file)
}

/// Parses one observation row (already of the header's width).
fn observation<'r>(
    cols: &Columns,
    cell: &dyn Fn(usize) -> &'r str,
) -> Result<Observation, RowError> {
    let field = |i: usize| cols.at[i].map(cell).unwrap_or("");
    let required = |i: usize| {
        let v = field(i);
        if v.is_empty() {
            Err(RowError::Missing {
                field: USED[i].to_owned(),
            })
        } else {
            Ok(v)
        }
    };
    let mut labels = false;
    let mut dim = |i: usize| -> Result<String, RowError> {
        let (code, is_label) = code_part(required(i)?);
        labels |= is_label;
        Ok(code.to_owned())
    };
    let reporter = dim(0)?;
    let partner = dim(1)?;
    let product = dim(2)?;
    let (flow, l) = parse_flow(required(3)?)?;
    labels |= l;
    let (indicator, l) = parse_indicator(required(4)?)?;
    labels |= l;
    let freq = match field(7) {
        "" => None,
        text => {
            let (freq, l) = parse_freq(text)?;
            labels |= l;
            Some(freq)
        }
    };
    let period = parse_time_period(required(5)?, freq)?;
    let text = required(6)?;
    let value: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| RowError::BadNumber {
            field: "OBS_VALUE".to_owned(),
            value: text.to_owned(),
        })?;
    let value = RowError::non_negative("OBS_VALUE", text, value)?;
    let flag = cols
        .flag
        .map(cell)
        .filter(|f| !f.is_empty())
        .map(str::to_owned);
    Ok(Observation {
        key: (reporter, partner, product, flow, period),
        indicator,
        value,
        flag,
        labels,
    })
}
