//! Comtrade CSV files: the v1 CSV (API names, or the ComtradePlus download's PascalCase names
//! with a trailing comma on every row, every value quoted) and the legacy v0 CSV.

use std::path::Path;

use serde_json::{Map, Value};

use super::codes::v1_name;
use super::{ComtradeFile, ComtradeLayout, ComtradeRecord, from_v1, legacy};
use crate::error::{IngestError, Rejected, RowError};
use crate::text::{Encoding, open_text};

/// Reads a Comtrade CSV (UTF-8, or Windows-1252 when not UTF-8; CRLF or LF).
pub(crate) fn read_csv(
    path: &Path,
    each: &mut dyn FnMut(Result<ComtradeRecord, Rejected>),
) -> Result<ComtradeFile, IngestError> {
    let reader = open_text(path, &[Encoding::Windows1252])?;
    let report = reader.report();
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let malformed = |e: csv::Error| IngestError::Malformed {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let headers = csv.headers().map_err(malformed)?.clone();
    let mut names: Vec<String> = headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    let mut warnings = Vec::new();
    if names.len() > 1 && names.last().is_some_and(String::is_empty) {
        names.pop();
        warnings.push("the header ends with a comma: the empty last column is ignored".into());
    }
    let layout = if names.iter().any(|n| v1_name(n) == Some("primaryValue"))
        && names.iter().any(|n| v1_name(n) == Some("cmdCode"))
    {
        ComtradeLayout::V1Csv
    } else if legacy::is_legacy(&names) {
        ComtradeLayout::LegacyCsv
    } else if names.iter().all(|n| n.is_empty()) {
        return Err(IngestError::Empty {
            path: path.to_owned(),
        });
    } else {
        return Err(IngestError::UnknownHeader {
            path: path.to_owned(),
            line: 1,
            message:
                "expected Comtrade v1 field names (cmdCode, primaryValue, ...; any case) or the \
                      legacy header (Classification,Year,Period,...,Trade Value (US$))"
                    .into(),
        });
    };
    let keys: Vec<String> = match layout {
        ComtradeLayout::LegacyCsv => legacy::keys(&names),
        _ => names
            .iter()
            .map(|n| v1_name(n).map_or_else(|| n.clone(), str::to_owned))
            .collect(),
    };
    let mut trailing_commas = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                each(Err(Rejected {
                    line,
                    error: RowError::BadEncoding {
                        encoding: report.encoding_name(),
                    },
                    raw: e.to_string(),
                }));
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let raw = record.iter().collect::<Vec<_>>().join(",");
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if let Some(rejected) = report.bad_encoding(&record, &raw) {
            each(Err(rejected));
            continue;
        }
        let mut width = record.len();
        // ComtradePlus downloads end every row with a comma: 47 names, 48 fields.
        if width == keys.len() + 1 && record.get(width - 1).is_some_and(str::is_empty) {
            width -= 1;
            trailing_commas += 1;
        }
        if width != keys.len() {
            let error = if width < keys.len() {
                RowError::TooFewFields {
                    expected: keys.len(),
                    found: width,
                }
            } else {
                RowError::TooManyFields {
                    expected: keys.len(),
                    found: width,
                }
            };
            each(Err(Rejected { line, error, raw }));
            continue;
        }
        let mut map = Map::new();
        for (key, value) in keys.iter().zip(record.iter()) {
            map.insert(key.clone(), Value::String(value.to_owned()));
        }
        if layout == ComtradeLayout::LegacyCsv {
            legacy::fix_flow(&mut map);
        }
        each(from_v1(line, &map, raw));
    }
    if trailing_commas > 0 {
        warnings.push(format!(
            "{trailing_commas} rows end with a comma after the last of the {} columns (as ComtradePlus \
             downloads do): the empty extra field is ignored",
            keys.len()
        ));
    }
    Ok(ComtradeFile {
        layout,
        encoding: report.encoding_name(),
        warnings,
    })
}
