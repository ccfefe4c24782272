//! China Customs (GACC) statistics-platform CSV downloads.
//!
//! The platform's CSV is not RFC 4180: every field is quoted, every line ends with a
//! trailing comma, double quotes inside a field are not escaped (`"Diamonds 1/2" thick"`),
//! numbers carry thousands separators, and there is no flow column (the folder says it).
//! Columns follow how the download was grouped, so they are found by header name, in
//! Chinese (`数据年月, 贸易伙伴编码, ...`) or English (`Date of data, Trading partner code,
//! ...`, with the platform's own spelling `Supplimentary`). The value column's header names
//! the currency: `人民币` (whole yuan), `美元` or `US dollar` (dollars).

use std::path::{Path, PathBuf};

use crate::error::{IngestError, RowError};
use crate::text::{Chunk, ChunkReader, Encoding};

/// Fields longer than this are not real values.
pub const MAX_FIELD_BYTES: usize = 4096;

/// Currency of the value column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Currency {
    /// Whole yuan (`人民币`).
    Cny,
    /// US dollars (`美元`, `US dollar`).
    Usd,
}

impl Currency {
    /// ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
            Currency::Usd => "USD",
        }
    }
}

/// Language of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `数据年月, 贸易伙伴编码, ...`
    Chinese,
    /// `Date of data, Trading partner code, ...`
    English,
}

/// Positions of the known columns in one file, found from its header.
#[derive(Debug, Clone)]
pub struct GaccLayout {
    /// Header names as written (for messages).
    pub names: Vec<String>,
    /// Language of the header.
    pub language: Language,
    /// Currency of the value column.
    pub currency: Currency,
    period: usize,
    partner_code: usize,
    partner_name: Option<usize>,
    hs_code: usize,
    product_name: Option<usize>,
    quantity1: usize,
    unit1: usize,
    quantity2: Option<usize>,
    unit2: Option<usize>,
    value: usize,
    regime_code: Option<usize>,
    regime_name: Option<usize>,
}

/// Which column a header name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Period,
    PartnerCode,
    PartnerName,
    HsCode,
    ProductName,
    Quantity1,
    Unit1,
    Quantity2,
    Unit2,
    Value(Currency),
    RegimeCode,
    RegimeName,
    /// Known but not used (registration place and the like).
    Ignored,
}

fn column_for(name: &str) -> Option<(Column, Option<Language>)> {
    use Column::*;
    use Language::*;
    let lower = name.trim().to_ascii_lowercase();
    let hit = match lower.as_str() {
        "数据年月" => (Period, Some(Chinese)),
        "贸易伙伴编码" => (PartnerCode, Some(Chinese)),
        "贸易伙伴名称" => (PartnerName, Some(Chinese)),
        "商品编码" => (HsCode, Some(Chinese)),
        "商品名称" => (ProductName, Some(Chinese)),
        "第一数量" => (Quantity1, Some(Chinese)),
        "第一计量单位" => (Unit1, Some(Chinese)),
        "第二数量" => (Quantity2, Some(Chinese)),
        "第二计量单位" => (Unit2, Some(Chinese)),
        "人民币" => (Value(Currency::Cny), Some(Chinese)),
        "美元" => (Value(Currency::Usd), Some(Chinese)),
        "贸易方式编码" => (RegimeCode, Some(Chinese)),
        "贸易方式名称" => (RegimeName, Some(Chinese)),
        "注册地编码" | "注册地名称" | "收发货人注册地编码" | "收发货人注册地名称" => {
            (Ignored, Some(Chinese))
        }
        "date of data" => (Period, Some(English)),
        "trading partner code" => (PartnerCode, Some(English)),
        "trading partner" => (PartnerName, Some(English)),
        "commodity code" => (HsCode, Some(English)),
        "commodity" => (ProductName, Some(English)),
        "quantity" => (Quantity1, Some(English)),
        "unit" => (Unit1, Some(English)),
        "supplimentary quantity" | "supplementary quantity" => (Quantity2, Some(English)),
        "supplimentary unit" | "supplementary unit" => (Unit2, Some(English)),
        "us dollar" | "us dollars" => (Value(Currency::Usd), Some(English)),
        "rmb" | "renminbi yuan" | "renminbi" => (Value(Currency::Cny), Some(English)),
        "customs regime code" => (RegimeCode, Some(English)),
        "customs regime" => (RegimeName, Some(English)),
        "registration place code" | "registration place" => (Ignored, Some(English)),
        _ => return None,
    };
    Some(hit)
}

impl GaccLayout {
    /// Builds the layout from a header line. `Err` names what is missing or unknown.
    pub fn from_header(header: &str) -> Result<GaccLayout, String> {
        let mut spans = Vec::new();
        split_fields(header, &mut spans).map_err(|e| e.to_string())?;
        let names: Vec<String> = spans
            .iter()
            .map(|&(a, b)| header[a..b].trim().to_owned())
            .collect();
        let mut found: Vec<(Column, usize)> = Vec::new();
        let mut languages = (0, 0);
        for (i, name) in names.iter().enumerate() {
            match column_for(name) {
                Some((col, lang)) => {
                    let duplicate = found.iter().find(|(c, _)| {
                        *c == col || matches!((c, col), (Column::Value(_), Column::Value(_)))
                    });
                    if let (Some((_, j)), false) = (duplicate, col == Column::Ignored) {
                        return Err(format!(
                            "column {:?} appears twice (fields {} and {})",
                            name,
                            j + 1,
                            i + 1
                        ));
                    }
                    match lang {
                        Some(Language::Chinese) => languages.0 += 1,
                        Some(Language::English) => languages.1 += 1,
                        None => {}
                    }
                    found.push((col, i));
                }
                None => {
                    return Err(format!(
                        "field {} {:?} is not a China Customs column; expected names like \
                         数据年月, 贸易伙伴编码, 商品编码, 第一数量, 人民币 or Date of data, \
                         Trading partner code, Commodity code, Quantity, US dollar",
                        i + 1,
                        name
                    ));
                }
            }
        }
        let get = |col: Column| found.iter().find(|(c, _)| *c == col).map(|(_, i)| *i);
        let (currency, value) = found
            .iter()
            .find_map(|(c, i)| match c {
                Column::Value(cur) => Some((*cur, *i)),
                _ => None,
            })
            .ok_or("no value column: expected 人民币, 美元 or US dollar")?;
        let required =
            |col: Column, what: &str| get(col).ok_or_else(|| format!("no {what} column"));
        Ok(GaccLayout {
            language: if languages.0 >= languages.1 {
                Language::Chinese
            } else {
                Language::English
            },
            currency,
            period: required(Column::Period, "period (数据年月 / Date of data)")?,
            partner_code: required(
                Column::PartnerCode,
                "partner code (贸易伙伴编码 / Trading partner code)",
            )?,
            partner_name: get(Column::PartnerName),
            hs_code: required(Column::HsCode, "commodity code (商品编码 / Commodity code)")?,
            product_name: get(Column::ProductName),
            quantity1: required(Column::Quantity1, "first quantity (第一数量 / Quantity)")?,
            unit1: required(Column::Unit1, "first unit (第一计量单位 / Unit)")?,
            quantity2: get(Column::Quantity2),
            unit2: get(Column::Unit2),
            value,
            regime_code: get(Column::RegimeCode),
            regime_name: get(Column::RegimeName),
            names,
        })
    }

    /// Number of fields a record must have.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// Parses one line into a record. `spans` is scratch space reused across calls so that
    /// parsing does not allocate.
    pub fn parse<'a>(
        &self,
        line: &'a str,
        spans: &mut Vec<(usize, usize)>,
    ) -> Result<GaccRecord<'a>, RowError> {
        split_fields(line, spans)?;
        if spans.len() < self.width() {
            return Err(RowError::TooFewFields {
                expected: self.width(),
                found: spans.len(),
            });
        }
        if spans.len() > self.width() {
            return Err(RowError::TooManyFields {
                expected: self.width(),
                found: spans.len(),
            });
        }
        for (i, &(a, b)) in spans.iter().enumerate() {
            if b - a > MAX_FIELD_BYTES {
                return Err(RowError::FieldTooLong {
                    field: i + 1,
                    len: b - a,
                    max: MAX_FIELD_BYTES,
                });
            }
        }
        let field = |i: usize| line[spans[i].0..spans[i].1].trim();
        let opt = |i: Option<usize>| i.map(field).filter(|s| !s.is_empty());

        let period_text = field(self.period);
        let (year, month) = parse_period(period_text).ok_or_else(|| RowError::BadMonth {
            field: self.names[self.period].clone(),
            value: period_text.to_owned(),
        })?;
        let partner_code = field(self.partner_code);
        if partner_code.is_empty()
            || partner_code.len() > 3
            || !partner_code.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(RowError::BadCode {
                field: self.names[self.partner_code].clone(),
                expected: "a 3-digit China Customs partner code",
                value: partner_code.to_owned(),
            });
        }
        let hs_code = field(self.hs_code);
        if hs_code.len() != 8 || !hs_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RowError::BadCode {
                field: self.names[self.hs_code].clone(),
                expected: "an 8-digit commodity code",
                value: hs_code.to_owned(),
            });
        }
        let quantity1 = self.quantity(self.quantity1, field(self.quantity1))?;
        let unit1 = field(self.unit1);
        let unit2 = opt(self.unit2).filter(|u| !is_no_unit(u));
        let quantity2 = match (self.quantity2, unit2) {
            (Some(i), Some(_)) => Some(self.quantity(i, field(i))?),
            (Some(i), None) => {
                // No second unit: the platform writes 0; anything else must still be a number.
                let text = field(i);
                if !text.is_empty() && !is_no_unit(text) {
                    self.quantity(i, text)?;
                }
                None
            }
            (None, _) => None,
        };
        let value = self.quantity(self.value, field(self.value))?;
        Ok(GaccRecord {
            year,
            month,
            partner_code,
            partner_name: opt(self.partner_name),
            hs_code,
            product_name: opt(self.product_name),
            quantity1,
            unit1,
            quantity2,
            unit2,
            value,
            regime_code: opt(self.regime_code),
            regime_name: opt(self.regime_name),
        })
    }

    fn quantity(&self, index: usize, text: &str) -> Result<f64, RowError> {
        match parse_number(text) {
            Some(v) if v < 0.0 => Err(RowError::NegativeQuantity {
                field: self.names[index].clone(),
                value: text.to_owned(),
            }),
            Some(v) => Ok(v),
            None => Err(RowError::BadNumber {
                field: self.names[index].clone(),
                value: text.to_owned(),
            }),
        }
    }
}

/// One record of a China Customs download, as reported, with numbers parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct GaccRecord<'a> {
    /// Year of the period.
    pub year: i32,
    /// Month of the period, 1-12.
    pub month: u32,
    /// China Customs partner code as reported (up to 3 digits).
    pub partner_code: &'a str,
    /// Partner name as reported.
    pub partner_name: Option<&'a str>,
    /// 8-digit commodity code.
    pub hs_code: &'a str,
    /// Commodity name as reported.
    pub product_name: Option<&'a str>,
    /// Quantity in the first legal unit.
    pub quantity1: f64,
    /// First legal unit as reported (`千克`, `Kilogram`, `Number of item`, ...).
    pub unit1: &'a str,
    /// Quantity in the second unit, when there is one.
    pub quantity2: Option<f64>,
    /// Second unit, when there is one (`?`/`-` become `None`).
    pub unit2: Option<&'a str>,
    /// Value in the file's currency.
    pub value: f64,
    /// Customs regime (trade mode) code, when the download has it.
    pub regime_code: Option<&'a str>,
    /// Customs regime name, when the download has it.
    pub regime_name: Option<&'a str>,
}

fn is_no_unit(s: &str) -> bool {
    matches!(s, "?" | "-" | "？" | "")
}

/// `YYYYMM` (also `YYYY-MM`, `YYYY/MM`, `YYYY年MM月`) to (year, month), month 1-12, year 1980-2100.
pub fn parse_period(s: &str) -> Option<(i32, u32)> {
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let rest_ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '年' | '月'));
    if !rest_ok || digits.len() != 6 {
        return None;
    }
    let year: i32 = digits[..4].parse().ok()?;
    let month: u32 = digits[4..].parse().ok()?;
    ((1980..=2100).contains(&year) && (1..=12).contains(&month)).then_some((year, month))
}

/// A number with optional thousands separators: `5,917,063,944`, `12.5`, `-3`.
/// Separators must group the integer part by three (`1,2,3` is refused); `NaN`, `inf` and
/// exponents are refused.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if frac_part.is_some_and(|f| !digits(f)) {
        return None;
    }
    let mut groups = int_part.split(',');
    let first = groups.next()?;
    let grouped = int_part.contains(',');
    if !digits(first) || (grouped && first.len() > 3) {
        return None;
    }
    let mut buf = [0u8; 64];
    let mut len = 0;
    let mut push = |bytes: &[u8]| -> Option<()> {
        let end = len + bytes.len();
        buf.get_mut(len..end)?.copy_from_slice(bytes);
        len = end;
        Some(())
    };
    push(first.as_bytes())?;
    for g in groups {
        if g.len() != 3 || !digits(g) {
            return None;
        }
        push(g.as_bytes())?;
    }
    if let Some(f) = frac_part {
        push(b".")?;
        push(f.as_bytes())?;
    }
    let text = std::str::from_utf8(&buf[..len]).ok()?;
    let v: f64 = text.parse().ok()?;
    Some(if negative { -v } else { v })
}

/// Splits a platform CSV line into field spans (byte ranges of the unquoted content).
///
/// A field that starts with `"` ends at the next `"` followed by `,` or the end of the
/// line, so quotes inside a field need no escaping (the platform writes them bare); a
/// doubled `""` inside is also fine. An empty last field after a trailing comma is dropped.
pub fn split_fields(line: &str, spans: &mut Vec<(usize, usize)>) -> Result<(), RowError> {
    spans.clear();
    let bytes = line.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    loop {
        if i < n && bytes[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            let end = loop {
                match memchr_quote(&bytes[j..]) {
                    Some(k) => {
                        let q = j + k;
                        if q + 1 == n || bytes[q + 1] == b',' {
                            break q;
                        }
                        j = q + 1;
                    }
                    None => {
                        return Err(RowError::UnterminatedQuote {
                            field: spans.len() + 1,
                        });
                    }
                }
            };
            spans.push((start, end));
            i = end + 1;
        } else {
            let end = bytes[i..]
                .iter()
                .position(|&b| b == b',')
                .map_or(n, |k| i + k);
            spans.push((i, end));
            i = end;
        }
        // `i` is at a comma or the end.
        if i >= n {
            break;
        }
        i += 1; // skip the comma
        if i == n {
            // Trailing comma: the platform ends every line with one.
            break;
        }
    }
    Ok(())
}

fn memchr_quote(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'"')
}

/// An open China Customs download: its layout and a chunked reader over its records.
#[derive(Debug)]
pub struct GaccFile {
    reader: ChunkReader,
    layout: GaccLayout,
    header_line: u64,
}

impl GaccFile {
    /// Opens a download and reads its header. Fails, naming the file, when the file cannot
    /// be read, is empty, is not text, or its header is not a China Customs header.
    pub fn open(path: &Path) -> Result<GaccFile, IngestError> {
        Self::open_with_chunk_size(path, crate::text::DEFAULT_CHUNK_BYTES)
    }

    /// As [`GaccFile::open`] with a chosen chunk size.
    pub fn open_with_chunk_size(path: &Path, chunk_bytes: usize) -> Result<GaccFile, IngestError> {
        let (reader, header) = ChunkReader::open_with_chunk_size(path, chunk_bytes)?;
        let layout = GaccLayout::from_header(&header.text).map_err(|message| {
            IngestError::UnknownHeader {
                path: PathBuf::from(path),
                line: header.line,
                message,
            }
        })?;
        Ok(GaccFile {
            reader,
            layout,
            header_line: header.line,
        })
    }

    /// The column layout found in the header.
    pub fn layout(&self) -> &GaccLayout {
        &self.layout
    }

    /// Line number of the header.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The encoding the file is read as.
    pub fn encoding(&self) -> Encoding {
        self.reader.encoding()
    }

    /// The next chunk of lines, `None` at end of file.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, IngestError> {
        self.reader.next_chunk()
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    /// SHA-256 of the bytes read so far (the whole file once the last chunk is read).
    pub fn content_hash(&self) -> String {
        self.reader.content_hash()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans_of(line: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        split_fields(line, &mut spans).unwrap();
        spans.iter().map(|&(a, b)| &line[a..b]).collect()
    }

    #[test]
    fn splits_quoted_fields_with_trailing_comma() {
        assert_eq!(
            spans_of(r#""202301","402","阿根廷","5,917,063,944","#),
            vec!["202301", "402", "阿根廷", "5,917,063,944"]
        );
    }

    #[test]
    fn bare_quote_inside_a_field_stays_in_the_field() {
        assert_eq!(
            spans_of(r#""71023100","Diamonds 1/2" thick, "sawn"","891","#),
            vec!["71023100", r#"Diamonds 1/2" thick, "sawn""#, "891"]
        );
    }

    #[test]
    fn unquoted_fields_and_empty_middle_field() {
        assert_eq!(spans_of("a,,c"), vec!["a", "", "c"]);
        assert_eq!(spans_of("a,\"\",c,"), vec!["a", "", "c"]);
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let mut spans = Vec::new();
        assert_eq!(
            split_fields(r#""202301","40"#, &mut spans),
            Err(RowError::UnterminatedQuote { field: 2 })
        );
    }

    #[test]
    fn numbers_with_separators() {
        assert_eq!(parse_number("5,917,063,944"), Some(5_917_063_944.0));
        assert_eq!(parse_number(" 12.5 "), Some(12.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("1,2a"), None);
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number("1234,567"), None);
        assert_eq!(parse_number("1.5.5"), None);
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number(",1"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("1e5"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("202511"), Some((2025, 11)));
        assert_eq!(parse_period("2025-11"), Some((2025, 11)));
        assert_eq!(parse_period("202513"), None);
        assert_eq!(parse_period("202500"), None);
        assert_eq!(parse_period("20251"), None);
        assert_eq!(parse_period("2025x1"), None);
    }

    #[test]
    fn header_in_any_order_and_english_spelling() {
        let layout = GaccLayout::from_header(
            r#""Commodity code","Date of data","Trading partner code","Quantity","Unit","Supplimentary Quantity","Supplimentary Unit","US dollar","#,
        )
        .unwrap();
        assert_eq!(layout.currency, Currency::Usd);
        assert_eq!(layout.language, Language::English);
        let mut spans = Vec::new();
        let rec = layout
            .parse(
                r#""62121090","201810","210","8000","Number of item","790","Kilogram","1,161","#,
                &mut spans,
            )
            .unwrap();
        assert_eq!(rec.hs_code, "62121090");
        assert_eq!((rec.year, rec.month), (2018, 10));
        assert_eq!(rec.quantity2, Some(790.0));
        assert_eq!(rec.unit2, Some("Kilogram"));
        assert_eq!(rec.value, 1161.0);
    }

    #[test]
    fn unknown_and_duplicated_headers() {
        assert!(
            GaccLayout::from_header("a,b,c")
                .unwrap_err()
                .contains("not a China Customs column")
        );
        let dup = GaccLayout::from_header(r#""数据年月","数据年月","人民币""#).unwrap_err();
        assert!(dup.contains("appears twice"), "{dup}");
        let missing = GaccLayout::from_header(r#""数据年月","人民币""#).unwrap_err();
        assert!(missing.contains("partner code"), "{missing}");
    }

    #[test]
    fn row_errors_name_the_field() {
        let layout = GaccLayout::from_header(
            r#""数据年月","贸易伙伴编码","商品编码","第一数量","第一计量单位","第二数量","第二计量单位","人民币","#,
        )
        .unwrap();
        let mut spans = Vec::new();
        let err = |line: &str| layout.parse(line, &mut spans.clone()).unwrap_err();
        assert_eq!(
            err(r#""202513","502","85051110","1","千克","0","?","1","#).code(),
            "bad_month"
        );
        assert_eq!(
            err(r#""202511","5X2","85051110","1","千克","0","?","1","#).code(),
            "bad_code"
        );
        assert_eq!(
            err(r#""202511","502","8505111","1","千克","0","?","1","#).code(),
            "bad_code"
        );
        assert_eq!(
            err(r#""202511","502","85051110","abc","千克","0","?","1","#).code(),
            "bad_number"
        );
        assert_eq!(
            err(r#""202511","502","85051110","-5","千克","0","?","1","#).code(),
            "negative_quantity"
        );
        assert_eq!(
            err(r#""202511","502","85051110","1","千克","#).code(),
            "too_few_fields"
        );
        assert_eq!(
            err(r#""202511","502","85051110","1","千克","0","?","1","x","#).code(),
            "too_many_fields"
        );
        let msg = err(r#""202511","502","85051110","abc","千克","0","?","1","#).to_string();
        assert!(msg.contains("第一数量") && msg.contains("abc"), "{msg}");
        let ok = layout
            .parse(
                r#""202511","502","85051110","1,000","千克","0","?","2,000","#,
                &mut spans,
            )
            .unwrap();
        assert_eq!((ok.quantity1, ok.unit2, ok.value), (1000.0, None, 2000.0));
    }
}
