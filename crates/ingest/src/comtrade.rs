//! UN Comtrade releases: the v1 API JSON (`{"elapsedTime":..,"count":N,"data":[...],"error":""}`),
//! the 47-column v1 CSV with the same field names (UTF-8 or ISO-8859-1), and the legacy v0
//! CSV (`Classification,Year,Period,...,Trade Value (US$),Flag`).
//!
//! Records are handed out one at a time: the JSON `data` array is walked element by element
//! with serde, never loaded whole. Nulls stay `None`.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{IngestError, Rejected, RowError};
use crate::text::open_decoded;

/// Monthly or annual figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// One month.
    Monthly,
    /// A calendar year (`refMonth` 52 in v1).
    Annual,
}

/// One Comtrade record, as reported (codes kept), numbers parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ComtradeRecord {
    /// Record number (JSON) or line (CSV), 1-based.
    pub line: u64,
    /// Monthly or annual.
    pub frequency: Frequency,
    /// Year.
    pub year: i32,
    /// Month for monthly records.
    pub month: Option<u32>,
    /// Reporter M49 code.
    pub reporter_code: String,
    /// Reporter ISO3 when given.
    pub reporter_iso: Option<String>,
    /// `M`, `X`, `RM`, `RX`.
    pub flow_code: String,
    /// Partner M49 code (0 = World).
    pub partner_code: String,
    /// Partner ISO3 as given (`W00`, `_X`, ...).
    pub partner_iso: Option<String>,
    /// Partner name as given.
    pub partner_desc: Option<String>,
    /// HS vintage (`H6`, `H5`, ... or `HS` in legacy files).
    pub classification: String,
    /// Commodity code.
    pub cmd_code: String,
    /// Quantity unit abbreviation.
    pub qty_unit: Option<String>,
    /// Quantity in that unit.
    pub qty: Option<f64>,
    /// Net weight, kg.
    pub net_wgt: Option<f64>,
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
    /// v1 API JSON.
    V1Json,
    /// v1 field names as CSV.
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

/// Reads a Comtrade file, calling `each` for every record (or reject). Returns the layout
/// and encoding.
pub fn read_comtrade(
    path: &Path,
    each: &mut dyn FnMut(Result<ComtradeRecord, Rejected>),
) -> Result<(ComtradeLayout, &'static str), IngestError> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        read_json(path, each)?;
        Ok((ComtradeLayout::V1Json, "UTF-8"))
    } else {
        read_csv(path, each)
    }
}

fn read_json(
    path: &Path,
    each: &mut dyn FnMut(Result<ComtradeRecord, Rejected>),
) -> Result<(), IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let mut seen_data = false;
    de.deserialize_map(TopVisitor {
        each,
        seen_data: &mut seen_data,
    })
    .and_then(|()| de.end())
    .map_err(|e| IngestError::Malformed {
        path: path.to_owned(),
        message: format!("not Comtrade v1 JSON: {e}"),
    })?;
    if !seen_data {
        return Err(IngestError::Malformed {
            path: path.to_owned(),
            message: "no \"data\" array: expected {\"count\":..,\"data\":[...],\"error\":\"\"}"
                .into(),
        });
    }
    Ok(())
}

struct TopVisitor<'a> {
    each: &'a mut dyn FnMut(Result<ComtradeRecord, Rejected>),
    seen_data: &'a mut bool,
}

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Comtrade v1 response object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "data" => {
                    // A second array would restart the record numbers (found by fuzzing).
                    if *self.seen_data {
                        return Err(serde::de::Error::duplicate_field("data"));
                    }
                    *self.seen_data = true;
                    map.next_value_seed(DataSeed { each: self.each })?;
                }
                "error" => {
                    let error: Option<String> = map.next_value()?;
                    if let Some(e) = error.filter(|e| !e.is_empty()) {
                        return Err(serde::de::Error::custom(format!(
                            "the response reports an error: {e}"
                        )));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct DataSeed<'a> {
    each: &'a mut dyn FnMut(Result<ComtradeRecord, Rejected>),
}

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0u64;
        while let Some(value) = seq.next_element::<Value>()? {
            n += 1;
            let raw = value.to_string();
            let result = match value {
                Value::Object(map) => from_v1(n, &map, raw),
                _ => Err(Rejected {
                    line: n,
                    error: RowError::Missing {
                        field: "record (expected a JSON object)".into(),
                    },
                    raw,
                }),
            };
            (self.each)(result);
        }
        Ok(())
    }
}

/// A field of a v1 record as text (numbers and strings alike), `None` for null/absent/"".
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

fn number(
    map: &Map<String, Value>,
    key: &str,
    line: u64,
    raw: &str,
) -> Result<Option<f64>, Rejected> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => crate::gacc::parse_number(s)
            .map(Some)
            .ok_or_else(|| Rejected {
                line,
                error: RowError::BadNumber {
                    field: key.into(),
                    value: s.clone(),
                },
                raw: raw.to_owned(),
            }),
        Some(other) => Err(Rejected {
            line,
            error: RowError::BadNumber {
                field: key.into(),
                value: other.to_string(),
            },
            raw: raw.to_owned(),
        }),
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
fn period(
    period: &str,
    ref_month: Option<&str>,
    field: &str,
    line: u64,
    raw: &str,
) -> Result<(Frequency, i32, Option<u32>), Rejected> {
    let bad = || Rejected {
        line,
        error: RowError::BadMonth {
            field: field.into(),
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
                .then_some((Frequency::Annual, year, None))
                .ok_or_else(bad)
        }
        6 => {
            let (y, m) = crate::gacc::parse_period(digits).ok_or_else(bad)?;
            Ok((Frequency::Monthly, y, Some(m)))
        }
        _ => Err(bad()),
    }
}

fn negative_check(values: &[(&str, Option<f64>)], line: u64, raw: &str) -> Result<(), Rejected> {
    for (field, v) in values {
        if let Some(v) = v.filter(|v| *v < 0.0) {
            return Err(Rejected {
                line,
                error: RowError::NegativeQuantity {
                    field: (*field).into(),
                    value: v.to_string(),
                },
                raw: raw.to_owned(),
            });
        }
    }
    Ok(())
}

fn from_v1(line: u64, map: &Map<String, Value>, raw: String) -> Result<ComtradeRecord, Rejected> {
    let period_text = required(text(map, "period"), "period", line, &raw)?;
    let ref_month = text(map, "refMonth");
    let (frequency, year, month) =
        period(&period_text, ref_month.as_deref(), "period", line, &raw)?;
    let cmd_code = required(text(map, "cmdCode"), "cmdCode", line, &raw)?;
    if !cmd_code.bytes().all(|b| b.is_ascii_digit()) && cmd_code != "TOTAL" {
        return Err(Rejected {
            line,
            error: RowError::BadCode {
                field: "cmdCode".into(),
                expected: "an HS code of digits",
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
    negative_check(
        &[
            ("qty", qty),
            ("netWgt", net_wgt),
            ("primaryValue", primary_value),
        ],
        line,
        &raw,
    )?;
    Ok(ComtradeRecord {
        line,
        frequency,
        year,
        month,
        reporter_code: required(text(map, "reporterCode"), "reporterCode", line, &raw)?,
        reporter_iso: text(map, "reporterISO"),
        flow_code: required(text(map, "flowCode"), "flowCode", line, &raw)?,
        partner_code: required(text(map, "partnerCode"), "partnerCode", line, &raw)?,
        partner_iso: text(map, "partnerISO"),
        partner_desc: text(map, "partnerDesc"),
        classification: text(map, "classificationCode").unwrap_or_else(|| "H?".into()),
        cmd_code,
        qty_unit: text(map, "qtyUnitAbbr"),
        qty,
        net_wgt,
        cif_value,
        fob_value,
        primary_value,
        raw,
    })
}

/// Legacy v0 column names to v1 names, and flow codes.
const LEGACY: [(&str, &str); 14] = [
    ("Classification", "classificationCode"),
    ("Period", "period"),
    ("Trade Flow Code", "flowCode"),
    ("Reporter Code", "reporterCode"),
    ("Reporter ISO", "reporterISO"),
    ("Partner Code", "partnerCode"),
    ("Partner ISO", "partnerISO"),
    ("Partner", "partnerDesc"),
    ("Commodity Code", "cmdCode"),
    ("Qty Unit", "qtyUnitAbbr"),
    ("Qty", "qty"),
    ("Netweight (kg)", "netWgt"),
    ("Trade Value (US$)", "primaryValue"),
    ("CIF Trade Value (US$)", "cifvalue"),
];

fn read_csv(
    path: &Path,
    each: &mut dyn FnMut(Result<ComtradeRecord, Rejected>),
) -> Result<(ComtradeLayout, &'static str), IngestError> {
    let (reader, encoding) = open_decoded(path, encoding_rs::WINDOWS_1252)?;
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let malformed = |e: csv::Error| IngestError::Malformed {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let headers = csv.headers().map_err(malformed)?.clone();
    let names: Vec<String> = headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let layout = if names.iter().any(|n| n == "primaryValue")
        && names.iter().any(|n| n == "cmdCode")
    {
        ComtradeLayout::V1Csv
    } else if names.iter().any(|n| n == "Trade Value (US$)")
        && names.iter().any(|n| n == "Commodity Code")
    {
        ComtradeLayout::LegacyCsv
    } else if names.iter().all(|n| n.is_empty()) {
        return Err(IngestError::Empty {
            path: path.to_owned(),
        });
    } else {
        return Err(IngestError::UnknownHeader {
            path: path.to_owned(),
            line: 1,
            message: "expected Comtrade v1 field names (cmdCode, primaryValue, ...) or the legacy header \
                      (Classification,Year,Period,...,Trade Value (US$))"
                .into(),
        });
    };
    // v1 names for every column.
    let keys: Vec<String> = names
        .iter()
        .map(|n| match layout {
            ComtradeLayout::LegacyCsv => LEGACY
                .iter()
                .find(|(legacy, _)| legacy == n)
                .map_or_else(|| format!("legacy:{n}"), |(_, v1)| (*v1).to_owned()),
            _ => n.clone(),
        })
        .collect();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                each(Err(Rejected {
                    line,
                    error: RowError::BadEncoding { encoding },
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
        if record.len() != keys.len() {
            let error = if record.len() < keys.len() {
                RowError::TooFewFields {
                    expected: keys.len(),
                    found: record.len(),
                }
            } else {
                RowError::TooManyFields {
                    expected: keys.len(),
                    found: record.len(),
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
            let flow = match map.get("flowCode").and_then(Value::as_str).map(str::trim) {
                Some("1") => "M",
                Some("2") => "X",
                Some("3") => "RX",
                Some("4") => "RM",
                _ => "",
            };
            map.insert("flowCode".into(), Value::String(flow.into()));
        }
        each(from_v1(line, &map, raw));
    }
    Ok((layout, encoding))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, bytes: &[u8]) -> (Vec<ComtradeRecord>, Vec<Rejected>, ComtradeLayout) {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        let (layout, _) = read_comtrade(&path, &mut |r| match r {
            Ok(r) => ok.push(r),
            Err(e) => bad.push(e),
        })
        .unwrap();
        (ok, bad, layout)
    }

    #[test]
    fn v1_json_monthly_annual_and_nulls() {
        let json = br#"{"elapsedTime":"0.1 secs","count":3,"data":[
          {"freqCode":"M","refYear":2025,"refMonth":11,"period":"202511","reporterCode":392,"reporterISO":"JPN","flowCode":"M","partnerCode":156,"partnerISO":"CHN","partnerDesc":"China","classificationCode":"H6","cmdCode":"850511","qtyUnitAbbr":"kg","qty":1000.5,"netWgt":null,"cifvalue":50000,"fobvalue":null,"primaryValue":50000},
          {"freqCode":"A","refYear":2024,"refMonth":52,"period":"2024","reporterCode":392,"flowCode":"M","partnerCode":0,"partnerISO":"W00","classificationCode":"H6","cmdCode":"850511","qty":null,"netWgt":2000,"primaryValue":90000},
          {"period":"202513","reporterCode":392,"flowCode":"M","partnerCode":156,"cmdCode":"850511","primaryValue":1}
        ],"error":""}"#;
        let (ok, bad, layout) = read("a.json", json);
        assert_eq!(layout, ComtradeLayout::V1Json);
        assert_eq!(ok.len(), 2);
        assert_eq!(
            (ok[0].frequency, ok[0].year, ok[0].month),
            (Frequency::Monthly, 2025, Some(11))
        );
        assert_eq!(
            (ok[0].net_wgt, ok[0].qty, ok[0].fob_value),
            (None, Some(1000.5), None)
        );
        assert_eq!(ok[0].reporter_code, "392");
        assert_eq!(
            (ok[1].frequency, ok[1].month, ok[1].partner_iso.as_deref()),
            (Frequency::Annual, None, Some("W00"))
        );
        assert_eq!(bad.len(), 1);
        assert_eq!((bad[0].line, bad[0].error.code()), (3, "bad_month"));
    }

    #[test]
    fn duplicate_data_array_is_malformed() {
        // Found by fuzz/comtrade_json: records of the second array were numbered from 1 again.
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("d.json");
        std::fs::write(
            &path,
            br#"{"count":1,"data":[{"period":"2024"}],"data":[{"period":"2024"}],"error":""}"#,
        )
        .unwrap();
        let mut lines = Vec::new();
        let err = read_comtrade(&path, &mut |r| {
            lines.push(r.map_or_else(|e| e.line, |r| r.line))
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("duplicate field `data`"), "{err}");
        assert_eq!(lines, vec![1]);
    }

    #[test]
    fn legacy_csv_latin1() {
        let mut csv = b"Classification,Year,Period,Period Desc.,Aggregate Level,Is Leaf Code,Trade Flow Code,Trade Flow,Reporter Code,Reporter,Reporter ISO,Partner Code,Partner,Partner ISO,2nd Partner Code,2nd Partner,2nd Partner ISO,Customs Proc. Code,Customs,Mode of Transport Code,Mode of Transport,Commodity Code,Commodity,Qty Unit Code,Qty Unit,Qty,Alt Qty Unit Code,Alt Qty Unit,Alt Qty,Netweight (kg),Gross weight (kg),Trade Value (US$),CIF Trade Value (US$),FOB Trade Value (US$),Flag\n".to_vec();
        csv.extend_from_slice(b"HS,2019,201901,January 2019,6,1,1,Import,392,Japan,JPN,384,C\xf4te d'Ivoire,CIV,,,,,,,,850511,Magnets,8,kg,100,,,,100,,5000,5000,,0\n");
        let (ok, bad, layout) = read("b.csv", &csv);
        assert_eq!(layout, ComtradeLayout::LegacyCsv);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ok[0].flow_code, "M");
        assert_eq!(ok[0].partner_desc.as_deref(), Some("Côte d'Ivoire"));
        assert_eq!(
            (ok[0].net_wgt, ok[0].primary_value),
            (Some(100.0), Some(5000.0))
        );
    }
}
