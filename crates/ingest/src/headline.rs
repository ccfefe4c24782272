//! China Customs monthly headline tables (出口主要商品量值表), saved as CSV: a title line
//! naming the period (`2025年11月...（美元值）`, or `2025年1-2月...` for the combined
//! January-February release), a unit line (`单位：万美元` or `单位：万元`), then
//! `商品名称,计量单位,当月数量,当月金额,累计数量,累计金额,累计比去年同期±%数量,累计比去年同期±%金额`.
//! Month cells can be empty (the combined release, old scrapes); the year-to-date cells then
//! carry the figure.

use std::path::Path;

use crate::Currency;
use crate::error::{IngestError, Rejected, RowError};
use crate::parse::parse_number;
use crate::text::{Encoding, open_text};

/// What the title and unit lines say about a release.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadlineRelease {
    /// Year of the release.
    pub year: i32,
    /// First month the month columns cover (1 for `1-2月`).
    pub first_month: u32,
    /// Last month covered (the release month).
    pub last_month: u32,
    /// Currency of the value columns.
    pub currency: Currency,
    /// Multiplier of the value columns (10,000 for 万).
    pub value_scale: f64,
    /// The title line as written.
    pub title: String,
    /// The file's encoding.
    pub encoding: &'static str,
}

/// One commodity row.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadlineRow {
    /// Line in the file.
    pub line: u64,
    /// Commodity as published (`稀土`).
    pub series: String,
    /// Unit as published (`吨`, `万吨`, ...).
    pub unit: String,
    /// Quantity of the month (or months), if given.
    pub month_quantity: Option<f64>,
    /// Value of the month, in the release's unit, if given.
    pub month_value: Option<f64>,
    /// Year-to-date quantity.
    pub ytd_quantity: Option<f64>,
    /// Year-to-date value, in the release's unit.
    pub ytd_value: Option<f64>,
    /// Year-to-date quantity change on a year earlier, %.
    pub ytd_quantity_yoy_pct: Option<f64>,
    /// Year-to-date value change on a year earlier, %.
    pub ytd_value_yoy_pct: Option<f64>,
    /// The raw line.
    pub raw: String,
}

/// Parses `2025年11月...` or `2025年1-2月...`.
pub fn parse_title(title: &str) -> Option<(i32, u32, u32)> {
    let (year, rest) = title.trim().split_once('年')?;
    let year: i32 = year.trim().parse().ok()?;
    let (months, _) = rest.split_once('月')?;
    let (first, last) = match months.split_once(['-', '—', '－', '~']) {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let m: u32 = months.trim().parse().ok()?;
            (m, m)
        }
    };
    ((1990..=2100).contains(&year) && (1..=last).contains(&first) && last <= 12)
        .then_some((year, first, last))
}

fn parse_unit(line: &str) -> Option<(Currency, f64)> {
    let unit = line
        .trim()
        .trim_start_matches("单位")
        .trim_start_matches(['：', ':'])
        .trim();
    let (scale, rest) = if let Some(r) = unit.strip_prefix('万') {
        (1e4, r)
    } else if let Some(r) = unit.strip_prefix('亿') {
        (1e8, r)
    } else if let Some(r) = unit.strip_prefix('千') {
        (1e3, r)
    } else {
        (1.0, unit)
    };
    let currency = match rest {
        "美元" => Currency::Usd,
        "元" | "人民币" | "人民币元" => Currency::Cny,
        _ => return None,
    };
    Some((currency, scale))
}

/// Reads a headline table, calling `each` per commodity row (or reject).
pub fn read_headline(
    path: &Path,
    each: &mut dyn FnMut(Result<HeadlineRow, Rejected>),
) -> Result<HeadlineRelease, IngestError> {
    let reader = open_text(path, &[Encoding::Gb18030])?;
    let report = reader.report();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let malformed = |e: csv::Error| IngestError::Malformed {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let unknown = |line: u64, message: String| IngestError::UnknownHeader {
        path: path.to_owned(),
        line,
        message,
    };
    let mut records = csv.records();
    let mut next_line = || -> Result<Option<(u64, csv::StringRecord)>, IngestError> {
        for r in records.by_ref() {
            let r = r.map_err(malformed)?;
            if r.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            return Ok(Some((r.position().map_or(0, |p| p.line()), r)));
        }
        Ok(None)
    };
    let Some((title_line, title)) = next_line()? else {
        return Err(IngestError::Empty {
            path: path.to_owned(),
        });
    };
    let title_text = title
        .iter()
        .collect::<Vec<_>>()
        .join(",")
        .trim_start_matches('\u{feff}')
        .trim()
        .to_owned();
    let (year, first_month, last_month) = parse_title(&title_text).ok_or_else(|| {
        unknown(
            title_line,
            format!("title {title_text:?} does not name a period like 2025年11月 or 2025年1-2月"),
        )
    })?;
    let (unit_line, unit) = next_line()?
        .ok_or_else(|| unknown(title_line + 1, "no unit line (单位：万美元)".into()))?;
    let unit_text = unit.get(0).unwrap_or("").to_owned();
    let (currency, value_scale) = parse_unit(&unit_text).ok_or_else(|| {
        unknown(
            unit_line,
            format!("unit line {unit_text:?}: expected 单位：万美元 or 单位：万元"),
        )
    })?;
    let (header_line, header) =
        next_line()?.ok_or_else(|| unknown(unit_line + 1, "no header line".into()))?;
    let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let find = |want: &str| names.iter().position(|n| n == want);
    let find_yoy = |kind: &str| {
        names
            .iter()
            .position(|n| n.contains("比去年同期") && n.ends_with(kind))
    };
    let need = |want: &str| {
        find(want).ok_or_else(|| {
            unknown(
                header_line,
                format!("no {want} column; header was {names:?}"),
            )
        })
    };
    let (series, unit_col) = (need("商品名称")?, need("计量单位")?);
    let (mq, mv, yq, yv) = (
        need("当月数量")?,
        need("当月金额")?,
        need("累计数量")?,
        need("累计金额")?,
    );
    let (yoy_q, yoy_v) = (find_yoy("数量"), find_yoy("金额"));

    while let Some((line, r)) = next_line()? {
        let raw = r.iter().collect::<Vec<_>>().join(",");
        if let Some(rejected) = report.bad_encoding(&r, &raw) {
            each(Err(rejected));
            continue;
        }
        let cell = |i: usize| r.get(i).map(str::trim).unwrap_or("");
        let num = |i: usize, field: &str| -> Result<Option<f64>, Rejected> {
            let s = cell(i);
            if s.is_empty() || s == "-" || s == "—" {
                return Ok(None);
            }
            parse_number(s).map(Some).ok_or_else(|| Rejected {
                line,
                error: RowError::BadNumber {
                    field: field.into(),
                    value: s.into(),
                },
                raw: raw.clone(),
            })
        };
        let row = (|| {
            if r.len() < names.len() {
                return Err(Rejected {
                    line,
                    error: RowError::TooFewFields {
                        expected: names.len(),
                        found: r.len(),
                    },
                    raw: raw.clone(),
                });
            }
            let name = cell(series);
            if name.is_empty() {
                return Err(Rejected {
                    line,
                    error: RowError::Missing {
                        field: "商品名称".into(),
                    },
                    raw: raw.clone(),
                });
            }
            let row = HeadlineRow {
                line,
                series: name.to_owned(),
                unit: cell(unit_col).to_owned(),
                month_quantity: num(mq, "当月数量")?,
                month_value: num(mv, "当月金额")?,
                ytd_quantity: num(yq, "累计数量")?,
                ytd_value: num(yv, "累计金额")?,
                ytd_quantity_yoy_pct: yoy_q
                    .map(|i| num(i, "累计比去年同期±%数量"))
                    .transpose()?
                    .flatten(),
                ytd_value_yoy_pct: yoy_v
                    .map(|i| num(i, "累计比去年同期±%金额"))
                    .transpose()?
                    .flatten(),
                raw: raw.clone(),
            };
            for (field, v) in [
                ("当月数量", row.month_quantity),
                ("累计数量", row.ytd_quantity),
                ("当月金额", row.month_value),
                ("累计金额", row.ytd_value),
            ] {
                if let Some(v) = v.filter(|v| *v < 0.0) {
                    return Err(Rejected {
                        line,
                        error: RowError::NegativeQuantity {
                            field: field.into(),
                            value: v.to_string(),
                        },
                        raw: raw.clone(),
                    });
                }
            }
            if row.month_quantity.is_none()
                && row.ytd_quantity.is_none()
                && row.month_value.is_none()
                && row.ytd_value.is_none()
            {
                return Err(Rejected {
                    line,
                    error: RowError::Missing {
                        field: "当月数量/累计数量".into(),
                    },
                    raw: raw.clone(),
                });
            }
            Ok(row)
        })();
        each(row);
    }
    Ok(HeadlineRelease {
        year,
        first_month,
        last_month,
        currency,
        value_scale,
        title: title_text,
        encoding: report.encoding_name(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `bytes` as a headline table file: the release, its rows and its rejects.
    fn read(bytes: &[u8]) -> (HeadlineRelease, Vec<HeadlineRow>, Vec<Rejected>) {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("h.csv");
        std::fs::write(&path, bytes).unwrap();
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        let release = read_headline(&path, &mut |r| match r {
            Ok(r) => ok.push(r),
            Err(e) => bad.push(e),
        })
        .unwrap();
        (release, ok, bad)
    }

    #[test]
    fn titles() {
        assert_eq!(
            parse_title("2025年11月出口主要商品量值表（美元值）"),
            Some((2025, 11, 11))
        );
        assert_eq!(
            parse_title("2026年1-2月出口主要商品量值表（美元值）"),
            Some((2026, 1, 2))
        );
        assert_eq!(parse_title("出口主要商品量值表"), None);
        assert_eq!(parse_title("2025年13月"), None);
    }

    #[test]
    fn reads_a_combined_release_in_gb18030() {
        let text = "2026年1-2月出口主要商品量值表（人民币值）\r\n单位：万元\r\n商品名称,计量单位,当月数量,当月金额,累计数量,累计金额,累计比去年同期±%数量,累计比去年同期±%金额\r\n稀土,吨,,,\"10,460.0\",\"62,000.5\",22.9,10.1\r\n钢材,万吨,,,1800.0,x,1.0,2.0\r\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let (release, ok, bad) = read(&bytes);
        assert_eq!(
            (release.year, release.first_month, release.last_month),
            (2026, 1, 2)
        );
        assert_eq!(
            (release.currency, release.value_scale, release.encoding),
            (Currency::Cny, 1e4, "GB18030")
        );
        assert_eq!(ok.len(), 1);
        assert_eq!(
            (ok[0].month_quantity, ok[0].ytd_quantity, ok[0].ytd_value),
            (None, Some(10460.0), Some(62000.5))
        );
        assert_eq!((bad[0].line, bad[0].error.code()), (5, "bad_number"));
    }

    #[test]
    fn a_row_with_bytes_not_in_gb18030_is_a_bad_encoding_reject_not_a_replacement() {
        let head = "2025年11月出口主要商品量值表（美元值）\r\n单位：万美元\r\n商品名称,计量单位,当月数量,当月金额,累计数量,累计金额\r\n";
        // Past the 64 KiB the encoding is decided from, so the file is read as GB18030.
        let rows: String = (0..2_000)
            .map(|i| format!("商品{i},吨,1.0,2.0,3.0,4.0\r\n"))
            .collect();
        let text = format!("{head}{rows}");
        let mut bytes = encoding_rs::GB18030.encode(&text).0.into_owned();
        let bad_line = 3 + 2_000 + 1;
        bytes.extend_from_slice(b"\xff\xff,\xb6\xd6,5.0,6.0,7.0,8.0\r\n");
        bytes.extend_from_slice(
            &encoding_rs::GB18030
                .encode("稀土,吨,9.0,10.0,11.0,12.0\r\n")
                .0,
        );
        let (release, ok, bad) = read(&bytes);
        assert_eq!(release.encoding, "GB18030");
        assert_eq!(ok.len(), 2_001);
        assert_eq!(ok.last().map(|r| r.series.as_str()), Some("稀土"));
        assert_eq!(bad.len(), 1);
        assert_eq!(
            (bad[0].line, bad[0].error.code()),
            (bad_line, "bad_encoding")
        );
        assert!(ok.iter().all(|r| !r.series.contains('\u{fffd}')));
    }
}
