//! China Customs English monthly tables (`english.customs.gov.cn`, `statics/report/
//! monthly.html` and the table pages it links): static HTML whose table of major export (or
//! import) commodities gives, per commodity, quantity and value for the month and the year
//! to date. Read with an HTML parser ([`tl`]) into the same [`HeadlineRelease`] and
//! [`HeadlineRow`]s as the CSV headline tables ([`crate::headline`]).
//!
//! - Period: from the table's title (`..., 11.2025 (in USD)`, `1-2.2026`, `November 2025`,
//!   `Jan.-Feb. 2026`): the element naming "Major Export/Import Commodities".
//! - Unit of the value columns: `Unit: US$1,000` (also `USD 1,000`, `1,000 US dollars`,
//!   `US$10,000`, `US$ million`, `RMB 10,000`...), anywhere on the page.
//! - Columns: a row of `Quantity` / `Value` pairs; the row above names each pair (`11`:
//!   the month; `1 to 11`: the year to date; `Percentage Change`: year-on-year %). Without
//!   names, pairs are month, year to date, change, in that order.
//! - Lines are the page's source lines of each `<tr>`.

use std::path::Path;

use tl::{HTMLTag, Parser};

use crate::error::{IngestError, Rejected, RowError};
use crate::headline::{HeadlineRelease, HeadlineRow};
use crate::parse::parse_number;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod pair_tests {
    use super::*;

    #[test]
    fn pair_labels() {
        assert_eq!(pair_of("11"), Pair::Month);
        assert_eq!(pair_of("October"), Pair::Month);
        assert_eq!(pair_of("1 to 11"), Pair::YearToDate);
        assert_eq!(pair_of("Jan.-Oct."), Pair::YearToDate);
        assert_eq!(pair_of("Percentage Change 1 to 11 (%)"), Pair::Change);
    }
}
mod markup;
mod title;

pub use markup::{decode_entities, element_text, row_cells};
pub use title::{month_name, parse_english_period, parse_english_unit};

/// What a pair of `Quantity` / `Value` columns holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pair {
    Month,
    YearToDate,
    Change,
}

/// Lower-case letters and digits only.
fn squash(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The cells (`td`, `th`) of a row: text and `colspan`.
fn cells(row: &HTMLTag<'_>, parser: &Parser<'_>) -> Vec<(String, usize)> {
    row_cells(row, parser)
        .into_iter()
        .map(|(t, span)| (element_text(t, parser), span))
        .collect()
}

/// What the pair under a header label holds: `11` or `Nov.` the month; `1 to 11`,
/// `Jan.-Nov.` or `Cumulative` the year to date; `Percentage Change (%)` the change.
fn pair_of(label: &str) -> Pair {
    let s = squash(label);
    if label.contains('%') || s.contains("change") || s.contains("percent") {
        Pair::Change
    } else if label
        .split_whitespace()
        .any(|w| w.eq_ignore_ascii_case("to"))
        || label.contains(['-', '–'])
        || s.contains("cumulative")
        || s.contains("yeartodate")
    {
        Pair::YearToDate
    } else {
        Pair::Month
    }
}

/// Reads an English monthly table page, calling `each` per commodity row (or reject).
pub fn read_headline_html(
    path: &Path,
    each: &mut dyn FnMut(Result<HeadlineRow, Rejected>),
) -> Result<HeadlineRelease, IngestError> {
    let bytes = std::fs::read(path).map_err(IngestError::io(path))?;
    let source = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes))
        .map_err(|e| IngestError::NotText {
            path: path.to_owned(),
            message: format!("not UTF-8 HTML: {e}"),
        })?;
    let malformed = |message: String| IngestError::Malformed {
        path: path.to_owned(),
        message,
    };
    let dom = tl::parse(source, tl::ParserOptions::default())
        .map_err(|e| malformed(format!("HTML does not parse: {e}")))?;
    let parser = dom.parser();
    let line_of = |tag: &HTMLTag<'_>| {
        let (start, _) = tag.boundaries(parser);
        source.as_bytes()[..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1
    };
    let tags: Vec<&HTMLTag<'_>> = dom.nodes().iter().filter_map(|n| n.as_tag()).collect();
    let texts = |names: &[&str]| -> Vec<(String, u64)> {
        let mut found: Vec<(String, u64)> = tags
            .iter()
            .filter(|t| names.iter().any(|n| t.name() == *n))
            .map(|t| (element_text(t, parser), line_of(t)))
            .collect();
        found.sort_by_key(|(t, _)| t.len());
        found
    };
    let blocks = [
        "title", "h1", "h2", "h3", "h4", "p", "strong", "caption", "div", "td", "span",
    ];
    let candidates = texts(&blocks);
    let (title, year, first_month, last_month) = candidates
        .iter()
        .filter(|(t, _)| squash(t).contains("commodities"))
        .find_map(|(t, _)| parse_english_period(t).map(|(y, a, b)| (t.clone(), y, a, b)))
        .ok_or_else(|| IngestError::UnknownHeader {
            path: path.to_owned(),
            line: 1,
            message: "no title naming the table and its period, like \"(13) China's Major \
                      Export Commodities in Quantity and Value, 11.2025\""
                .to_owned(),
        })?;
    let (currency, value_scale) = candidates
        .iter()
        .filter(|(t, _)| squash(t).starts_with("unit"))
        .find_map(|(t, _)| parse_english_unit(t))
        .ok_or_else(|| IngestError::UnknownHeader {
            path: path.to_owned(),
            line: 1,
            message: "no unit of the values, like \"Unit: US$1,000\"".to_owned(),
        })?;
    // The table: the first one with a row of Quantity / Value pairs.
    let rows_of = |table: &HTMLTag<'_>| -> Vec<(u64, Vec<(String, usize)>)> {
        table
            .children()
            .all(parser)
            .iter()
            .filter_map(|n| n.as_tag())
            .filter(|t| t.name() == "tr")
            .map(|t| (line_of(t), cells(t, parser)))
            .collect()
    };
    let is_pairs = |row: &[(String, usize)]| {
        let names: Vec<String> = row.iter().map(|(t, _)| squash(t)).collect();
        names.iter().filter(|n| *n == "quantity").count() >= 2
            && names.iter().filter(|n| *n == "value").count() >= 2
    };
    let (rows, at) = tags
        .iter()
        .filter(|t| t.name() == "table")
        .map(|t| rows_of(t))
        .find_map(|rows| {
            let at = rows.iter().position(|(_, r)| is_pairs(r))?;
            Some((rows, at))
        })
        .ok_or_else(|| IngestError::UnknownHeader {
            path: path.to_owned(),
            line: 1,
            message: "no table with a row of Quantity / Value columns".to_owned(),
        })?;
    let (header_line, pair_row) = (&rows[at].0, &rows[at].1);
    let squashed: Vec<String> = pair_row.iter().map(|(t, _)| squash(t)).collect();
    let pairs = squashed.iter().filter(|n| *n == "quantity").count();
    // Where the first pair starts in a data row: after the commodity and unit cells, which
    // either span both header rows (not in this row) or head this row too.
    let offset = match squashed.iter().position(|n| n == "quantity") {
        Some(0) | None => 2,
        Some(first) => first,
    };
    // Names of the pairs: the row above, without its row-spanning first cells.
    let names: Vec<Pair> = match at.checked_sub(1).map(|i| &rows[i].1) {
        Some(above) => above
            .iter()
            .filter(|(_, span)| *span >= 2)
            .map(|(label, _)| pair_of(label))
            .collect(),
        None => Vec::new(),
    };
    let kinds: Vec<Pair> = if names.len() == pairs {
        names
    } else {
        [Pair::Month, Pair::YearToDate, Pair::Change]
            .into_iter()
            .cycle()
            .take(pairs)
            .collect()
    };
    let column = |kind: Pair| {
        kinds
            .iter()
            .position(|k| *k == kind)
            .map(|p| offset + 2 * p)
    };
    let (month, ytd) = (column(Pair::Month), column(Pair::YearToDate));
    if month.is_none() && ytd.is_none() {
        return Err(IngestError::UnknownHeader {
            path: path.to_owned(),
            line: *header_line,
            message: "no month or year-to-date Quantity / Value columns".to_owned(),
        });
    }
    let change = column(Pair::Change);
    let width = offset + 2 * pairs;
    for (line, cells) in &rows[at + 1..] {
        let line = *line;
        if cells.iter().all(|(t, _)| t.is_empty()) {
            continue;
        }
        let raw = cells
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(" | ");
        each(commodity_row(
            line,
            cells,
            &raw,
            width,
            [month, ytd, change],
        ));
    }
    Ok(HeadlineRelease {
        year,
        first_month,
        last_month,
        currency,
        value_scale,
        title,
        encoding: "UTF-8",
    })
}

/// One commodity row: name, unit, then the pairs at `columns` (month, year to date, change).
fn commodity_row(
    line: u64,
    cells: &[(String, usize)],
    raw: &str,
    width: usize,
    [month, ytd, change]: [Option<usize>; 3],
) -> Result<HeadlineRow, Rejected> {
    let reject = |error: RowError| Rejected {
        line,
        error,
        raw: raw.to_owned(),
    };
    if cells.len() < width {
        return Err(reject(RowError::TooFewFields {
            expected: width,
            found: cells.len(),
        }));
    }
    let cell = |i: usize| cells[i].0.trim();
    // The pair a column is in, and whether it is the pair's quantity.
    let pair_of_column = |i: usize| {
        [month, ytd, change]
            .into_iter()
            .flatten()
            .find(|&start| i == start || i == start + 1)
    };
    let field_name = |i: usize| {
        let start = pair_of_column(i);
        let pair = if start == month {
            "month"
        } else if start == ytd {
            "year-to-date"
        } else {
            "change"
        };
        let what = if start == Some(i) {
            "Quantity"
        } else {
            "Value"
        };
        format!("{pair} {what}")
    };
    let num = |i: Option<usize>| -> Result<Option<f64>, Rejected> {
        let Some(i) = i else { return Ok(None) };
        let s = cell(i);
        if s.is_empty() || s == "-" || s == "—" {
            return Ok(None);
        }
        let v = parse_number(s).ok_or_else(|| {
            reject(RowError::BadNumber {
                field: field_name(i),
                value: s.to_owned(),
            })
        })?;
        if change.is_none_or(|c| pair_of_column(i) != Some(c)) && v < 0.0 {
            return Err(reject(RowError::NegativeQuantity {
                field: field_name(i),
                value: s.to_owned(),
            }));
        }
        Ok(Some(v))
    };
    let name = cell(0);
    if name.is_empty() {
        return Err(reject(RowError::Missing {
            field: "Commodity".to_owned(),
        }));
    }
    let row = HeadlineRow {
        line,
        series: name.to_owned(),
        unit: cell(1).to_owned(),
        month_quantity: num(month)?,
        month_value: num(month.map(|c| c + 1))?,
        ytd_quantity: num(ytd)?,
        ytd_value: num(ytd.map(|c| c + 1))?,
        ytd_quantity_yoy_pct: num(change)?,
        ytd_value_yoy_pct: num(change.map(|c| c + 1))?,
        raw: raw.to_owned(),
    };
    if [
        row.month_quantity,
        row.month_value,
        row.ytd_quantity,
        row.ytd_value,
    ]
    .iter()
    .all(Option::is_none)
    {
        return Err(reject(RowError::Missing {
            field: "month / year-to-date Quantity and Value".to_owned(),
        }));
    }
    Ok(row)
}
