//! US Census international trade API responses: a JSON array of arrays, the first row the
//! header, every value a string (`[["I_COMMODITY","CTY_CODE",...],["8505110070","5700",...]]`).
//!
//! Imports (`I_COMMODITY`, `GEN_VAL_MO`, `CON_VAL_MO`, `GEN_QY1_MO`, `UNIT_QY1`,
//! `GEN_CIF_MO`, `time`) and exports (`E_COMMODITY`, `ALL_VAL_MO`, `QTY_1_MO`, ...) of the HS
//! endpoints (`timeseries/intltrade/imports/hs`, `exports/hs`, and the state x HS endpoints
//! `statehs`, whose `STATE` column is kept). The period is `time` (`2025-01`) or `YEAR` and
//! `MONTH`; values are the monthly variables (`*_MO`) or, failing those, the year-to-date
//! ones (`GEN_VAL_YR`, `CON_VAL_YR`, `ALL_VAL_YR`, `VALUE_YR`), of which only December's (the
//! whole year) is a figure. Columns are found by name in any order; extra columns are
//! ignored. Rows stream one at a time. Other endpoints (NAICS, end use, SITC) have no HS
//! line: a file-level error says what is supported.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::de::{Deserializer, SeqAccess, Visitor};

use crate::error::{IngestError, Rejected, RowError};
use crate::{Flow, Period};

/// One Census row, codes as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct CensusRecord {
    /// Row number after the header, 1-based.
    pub line: u64,
    /// Imports or exports (from the commodity column's name).
    pub flow: Flow,
    /// HTS (imports) or Schedule B (exports) code, 10 digits at HS10 level.
    pub commodity: String,
    /// Schedule C country code (`5700` = China, `-` = all countries, `0003` = EU...).
    pub cty_code: String,
    /// Country or group name as reported.
    pub cty_name: Option<String>,
    /// The month, or the year for year-to-date values (`*_YR` variables, loaded only from
    /// December, when they are the whole year's).
    pub period: Period,
    /// US state (`STATE`, state x HS endpoints), when the file has the column.
    pub state: Option<String>,
    /// General imports value (`GEN_VAL_MO`) or total exports value (`ALL_VAL_MO`), dollars.
    pub value: f64,
    /// Imports for consumption value (`CON_VAL_MO`), dollars.
    pub consumption_value: Option<f64>,
    /// CIF value (`GEN_CIF_MO`), dollars.
    pub cif_value: Option<f64>,
    /// First quantity (`GEN_QY1_MO` / `CON_QY1_MO` / `QTY_1_MO`).
    pub quantity: Option<f64>,
    /// Its unit (`UNIT_QY1`: `KG`, `NO`, `T`, ...).
    pub unit: Option<String>,
    /// The raw row as JSON.
    pub raw: String,
}

/// What the reader supports, for file-level errors.
const SUPPORTED: &str = "supported: the Census international trade API's HS endpoints \
     (timeseries/intltrade/imports/hs, exports/hs and the state x HS statehs), with a commodity \
     column (I_COMMODITY or E_COMMODITY), CTY_CODE, a value (GEN_VAL_MO, CON_VAL_MO, GEN_VAL_YR or \
     CON_VAL_YR for imports; ALL_VAL_MO or ALL_VAL_YR for exports; VALUE_MO or VALUE_YR) and the \
     period as time (YYYY-MM) or YEAR and MONTH";

/// Where the period is.
enum PeriodColumns {
    /// `time` as `YYYY-MM`.
    Time(usize),
    /// `YEAR` and `MONTH`.
    YearMonth(usize, usize),
}

struct Columns {
    flow: Flow,
    commodity: usize,
    cty_code: usize,
    cty_name: Option<usize>,
    time: PeriodColumns,
    year_to_date: bool,
    state: Option<usize>,
    value: (usize, &'static str),
    consumption_value: Option<usize>,
    cif_value: Option<usize>,
    quantity: Option<(usize, &'static str)>,
    unit: Option<usize>,
    width: usize,
}

impl Columns {
    fn from_header(names: &[String]) -> Result<Columns, String> {
        let find = |n: &str| names.iter().position(|h| h.trim().eq_ignore_ascii_case(n));
        let (flow, commodity) = match (find("I_COMMODITY"), find("E_COMMODITY")) {
            (Some(i), None) => (Flow::Import, i),
            (None, Some(i)) => (Flow::Export, i),
            (Some(_), Some(_)) => {
                return Err("both I_COMMODITY and E_COMMODITY: one flow per file".into());
            }
            (None, None) => {
                let other = [
                    "NAICS", "I_ENDUSE", "E_ENDUSE", "I_SITC", "E_SITC", "HITECH",
                ]
                .into_iter()
                .find(|n| find(n).is_some());
                return Err(match other {
                    Some(n) => format!(
                        "column {n}: a response of another endpoint, whose codes are not HS lines; {SUPPORTED}"
                    ),
                    None => format!("no I_COMMODITY or E_COMMODITY column; {SUPPORTED}"),
                });
            }
        };
        let first =
            |candidates: &[&'static str]| candidates.iter().find_map(|n| find(n).map(|i| (i, *n)));
        let (monthly, yearly): (&[&str], &[&str]) = match flow {
            Flow::Import => (
                &["GEN_VAL_MO", "CON_VAL_MO", "VALUE_MO"],
                &["GEN_VAL_YR", "CON_VAL_YR", "VALUE_YR"],
            ),
            Flow::Export => (&["ALL_VAL_MO", "VALUE_MO"], &["ALL_VAL_YR", "VALUE_YR"]),
        };
        let (value, year_to_date) = match (first(monthly), first(yearly)) {
            (Some(v), _) => (v, false),
            (None, Some(v)) => (v, true),
            (None, None) => return Err(format!("no value column; {SUPPORTED}")),
        };
        let suffix = if year_to_date { "YR" } else { "MO" };
        let named = |stem: &str| find(&format!("{stem}_{suffix}"));
        let quantity = ["GEN_QY1", "CON_QY1", "QTY_1"].iter().find_map(|stem| {
            let name: &'static str = match (*stem, year_to_date) {
                ("GEN_QY1", false) => "GEN_QY1_MO",
                ("GEN_QY1", true) => "GEN_QY1_YR",
                ("CON_QY1", false) => "CON_QY1_MO",
                ("CON_QY1", true) => "CON_QY1_YR",
                (_, false) => "QTY_1_MO",
                (_, true) => "QTY_1_YR",
            };
            named(stem).map(|i| (i, name))
        });
        let time = match (find("time"), find("YEAR"), find("MONTH")) {
            (Some(t), _, _) => PeriodColumns::Time(t),
            (None, Some(y), Some(m)) => PeriodColumns::YearMonth(y, m),
            _ => return Err(format!("no time column (nor YEAR and MONTH); {SUPPORTED}")),
        };
        Ok(Columns {
            flow,
            commodity,
            cty_code: find("CTY_CODE").ok_or_else(|| format!("no CTY_CODE column; {SUPPORTED}"))?,
            cty_name: find("CTY_NAME"),
            time,
            year_to_date,
            state: find("STATE"),
            value,
            consumption_value: named("CON_VAL").filter(|&i| i != value.0),
            cif_value: named("GEN_CIF"),
            quantity,
            unit: find("UNIT_QY1"),
            width: names.len(),
        })
    }

    fn record(&self, line: u64, row: Vec<Option<String>>) -> Result<CensusRecord, Rejected> {
        let raw = serde_json::to_string(&row).unwrap_or_default();
        let reject = |error| Rejected {
            line,
            error,
            raw: raw.clone(),
        };
        if row.len() != self.width {
            return Err(reject(if row.len() < self.width {
                RowError::TooFewFields {
                    expected: self.width,
                    found: row.len(),
                }
            } else {
                RowError::TooManyFields {
                    expected: self.width,
                    found: row.len(),
                }
            }));
        }
        let get = |i: usize| row[i].as_deref().map(str::trim).filter(|s| !s.is_empty());
        let num = |i: usize, field: &str| -> Result<Option<f64>, Rejected> {
            match get(i) {
                None => Ok(None),
                Some(s) => match crate::parse::parse_number(s) {
                    Some(v) if v < 0.0 => Err(reject(RowError::NegativeQuantity {
                        field: field.into(),
                        value: s.into(),
                    })),
                    Some(v) => Ok(Some(v)),
                    None => Err(reject(RowError::BadNumber {
                        field: field.into(),
                        value: s.into(),
                    })),
                },
            }
        };
        let (field, period) = match self.time {
            PeriodColumns::Time(t) => ("time", get(t).unwrap_or("").to_owned()),
            PeriodColumns::YearMonth(y, m) => (
                "YEAR, MONTH",
                format!("{}-{}", get(y).unwrap_or(""), get(m).unwrap_or("")),
            ),
        };
        let (year, month) = period
            .split_once('-')
            .and_then(|(y, m)| crate::parse::year_month(y, m))
            .ok_or_else(|| {
                reject(RowError::BadMonth {
                    field: field.into(),
                    value: period.clone(),
                })
            })?;
        if self.year_to_date && month != 12 {
            return Err(reject(RowError::YearToDate {
                field: self.value.1.into(),
                month,
            }));
        }
        let commodity = get(self.commodity).unwrap_or("");
        if !crate::parse::is_digit_code(commodity) {
            return Err(reject(RowError::BadCode {
                field: "commodity".into(),
                expected: "an HTS / Schedule B code of digits",
                value: commodity.into(),
            }));
        }
        let cty_code = get(self.cty_code).ok_or_else(|| {
            reject(RowError::Missing {
                field: "CTY_CODE".into(),
            })
        })?;
        let value = num(self.value.0, self.value.1)?.ok_or_else(|| {
            reject(RowError::Missing {
                field: self.value.1.into(),
            })
        })?;
        Ok(CensusRecord {
            line,
            flow: self.flow,
            commodity: commodity.to_owned(),
            cty_code: cty_code.to_owned(),
            cty_name: self.cty_name.and_then(get).map(str::to_owned),
            period: if self.year_to_date {
                Period::Year(year)
            } else {
                Period::Month(year, month)
            },
            state: self.state.and_then(get).map(str::to_owned),
            value,
            consumption_value: self
                .consumption_value
                .map(|i| {
                    num(
                        i,
                        if self.year_to_date {
                            "CON_VAL_YR"
                        } else {
                            "CON_VAL_MO"
                        },
                    )
                })
                .transpose()?
                .flatten(),
            cif_value: self
                .cif_value
                .map(|i| {
                    num(
                        i,
                        if self.year_to_date {
                            "GEN_CIF_YR"
                        } else {
                            "GEN_CIF_MO"
                        },
                    )
                })
                .transpose()?
                .flatten(),
            quantity: self.quantity.map(|(i, n)| num(i, n)).transpose()?.flatten(),
            unit: self.unit.and_then(get).map(str::to_owned),
            raw,
        })
    }
}

/// Reads a Census API response file, calling `each` per row (or reject). Returns the flow.
pub fn read_census(
    path: &Path,
    each: &mut dyn FnMut(Result<CensusRecord, Rejected>),
) -> Result<Flow, IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let mut header_error = None;
    let mut flow = None;
    let result = de
        .deserialize_seq(RowsVisitor {
            each,
            header_error: &mut header_error,
            flow: &mut flow,
        })
        .and_then(|()| de.end());
    if let Some(message) = header_error {
        return Err(IngestError::UnknownHeader {
            path: path.to_owned(),
            line: 1,
            message,
        });
    }
    result.map_err(|e| IngestError::Malformed {
        path: path.to_owned(),
        message: format!("not a Census API JSON array of arrays: {e}"),
    })?;
    flow.ok_or_else(|| IngestError::Empty {
        path: path.to_owned(),
    })
}

struct RowsVisitor<'a> {
    each: &'a mut dyn FnMut(Result<CensusRecord, Rejected>),
    header_error: &'a mut Option<String>,
    flow: &'a mut Option<Flow>,
}

impl<'de> Visitor<'de> for RowsVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array whose first element is the header row")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some(header) = seq.next_element::<Vec<String>>()? else {
            return Ok(());
        };
        let columns = match Columns::from_header(&header) {
            Ok(c) => c,
            Err(message) => {
                *self.header_error = Some(format!("{message}; header was {header:?}"));
                return Err(serde::de::Error::custom("unknown header"));
            }
        };
        *self.flow = Some(columns.flow);
        let mut line = 0u64;
        while let Some(row) = seq.next_element::<Vec<Option<String>>>()? {
            line += 1;
            (self.each)(columns.record(line, row));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_any_column_order_extra_columns_and_rejects() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(
            &path,
            r#"[["CTY_NAME","GEN_VAL_MO","I_COMMODITY","CTY_CODE","GEN_QY1_MO","UNIT_QY1","GEN_CIF_MO","time","DISTRICT"],
               ["CHINA","15,234,567","8505110070","5700","123456","KG","15800000","2025-01","-"],
               ["TOTAL FOR ALL COUNTRIES","20000000","8505110070","-","200000","KG","21000000","2025-01","-"],
               ["CHINA","x","8505110070","5700","1","KG","1","2025-02","-"],
               ["CHINA","1","8505110070","5700","1","KG","1","2025-13","-"]]"#,
        )
        .unwrap();
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        let flow = read_census(&path, &mut |r| match r {
            Ok(r) => ok.push(r),
            Err(e) => bad.push(e),
        })
        .unwrap();
        assert_eq!(flow, Flow::Import);
        assert_eq!(ok.len(), 2);
        assert_eq!(
            (ok[0].cty_code.as_str(), ok[0].value, ok[0].cif_value),
            ("5700", 15_234_567.0, Some(15_800_000.0))
        );
        assert_eq!(
            (ok[0].period, ok[0].unit.as_deref()),
            (Period::Month(2025, 1), Some("KG"))
        );
        assert_eq!(ok[1].cty_code, "-");
        let codes: Vec<_> = bad.iter().map(|b| (b.line, b.error.code())).collect();
        assert_eq!(codes, vec![(3, "bad_number"), (4, "bad_month")]);
    }

    #[test]
    fn unknown_header_is_a_file_error() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, r#"[["A","B"],["1","2"]]"#).unwrap();
        let err = read_census(&path, &mut |_| {}).unwrap_err().to_string();
        assert!(err.contains("I_COMMODITY"), "{err}");
    }

    fn read(json: &str) -> Result<(Vec<CensusRecord>, Vec<Rejected>), String> {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, json).unwrap();
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        read_census(&path, &mut |r| match r {
            Ok(r) => ok.push(r),
            Err(e) => bad.push(e),
        })
        .map_err(|e| e.to_string())?;
        Ok((ok, bad))
    }

    #[test]
    fn year_month_columns_and_year_to_date_values() {
        let (ok, bad) = read(
            r#"[["E_COMMODITY","CTY_CODE","ALL_VAL_YR","QTY_1_YR","UNIT_QY1","YEAR","MONTH"],
               ["8505110070","5700","1200","10","KG","2024","12"],
               ["8505110070","5700","500","4","KG","2024","05"]]"#,
        )
        .unwrap();
        assert_eq!(
            (ok[0].period, ok[0].quantity),
            (Period::Year(2024), Some(10.0))
        );
        assert_eq!(
            bad[0].error,
            RowError::YearToDate {
                field: "ALL_VAL_YR".into(),
                month: 5
            }
        );
    }

    #[test]
    fn naics_endpoint_is_a_file_error_naming_what_is_supported() {
        let err = read(r#"[["NAICS","STATE","CTY_CODE","ALL_VAL_MO","time"],["331","TX","5700","1","2025-01"]]"#)
            .unwrap_err();
        assert!(err.contains("NAICS") && err.contains("exports/hs"), "{err}");
    }
}
