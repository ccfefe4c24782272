//! Header names to columns ([`GaccLayout`]) and one line to a [`GaccRecord`].

use super::dialect::{is_no_unit, split_fields};
use super::{Currency, Language, MAX_FIELD_BYTES};
use crate::error::RowError;
use crate::parse::{parse_number, parse_period};

/// Positions of the known columns in one file, found from its header.
#[derive(Debug, Clone)]
pub struct GaccLayout {
    /// Header names as written (for messages).
    pub names: Vec<String>,
    /// Language of the header.
    pub language: Language,
    /// Currency of the value column.
    pub currency: Currency,
    /// What the header had that was tolerated (an unknown extra column, ignored).
    pub warnings: Vec<String>,
    period: Option<usize>,
    /// The month of every record when there is no period column (from the file's name).
    file_month: Option<(i32, u32)>,
    partner_code: Option<usize>,
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
    region_code: Option<usize>,
    region_name: Option<usize>,
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
    RegionCode,
    RegionName,
}

/// A header name as compared: trimmed, ASCII lower case, inner white space (full-width
/// included) as one space.
fn normalized(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

fn column_for(name: &str) -> Option<(Column, Language)> {
    use Column::*;
    use Language::*;
    let hit = match normalized(name).as_str() {
        "数据年月" => (Period, Chinese),
        "贸易伙伴编码" => (PartnerCode, Chinese),
        "贸易伙伴名称" => (PartnerName, Chinese),
        "商品编码" => (HsCode, Chinese),
        "商品名称" => (ProductName, Chinese),
        "第一数量" => (Quantity1, Chinese),
        "第一计量单位" => (Unit1, Chinese),
        "第二数量" => (Quantity2, Chinese),
        "第二计量单位" => (Unit2, Chinese),
        "人民币" => (Value(Currency::Cny), Chinese),
        "美元" => (Value(Currency::Usd), Chinese),
        "贸易方式编码" => (RegimeCode, Chinese),
        "贸易方式" | "贸易方式名称" => (RegimeName, Chinese),
        "注册地编码" | "收发货人注册地编码" => (RegionCode, Chinese),
        "注册地" | "注册地名称" | "收发货人注册地" | "收发货人注册地名称" => {
            (RegionName, Chinese)
        }
        "date of data" => (Period, English),
        "trading partner code" => (PartnerCode, English),
        "trading partner" => (PartnerName, English),
        "commodity code" => (HsCode, English),
        "commodity" => (ProductName, English),
        "quantity" => (Quantity1, English),
        "unit" => (Unit1, English),
        "supplimentary quantity" | "supplementary quantity" => (Quantity2, English),
        "supplimentary unit" | "supplementary unit" => (Unit2, English),
        "us dollar" | "us dollars" => (Value(Currency::Usd), English),
        "rmb" | "renminbi yuan" | "renminbi" => (Value(Currency::Cny), English),
        "customs regime code" => (RegimeCode, English),
        "customs regime" => (RegimeName, English),
        "locations of importers and exporters code"
        | "location of importers and exporters code"
        | "registration place code" => (RegionCode, English),
        "locations of importers and exporters"
        | "location of importers and exporters"
        | "registration place" => (RegionName, English),
        _ => return None,
    };
    Some(hit)
}

impl GaccLayout {
    /// Builds the layout from a header line. A name that is not a China Customs column is
    /// ignored with a warning (in [`GaccLayout::warnings`]); `Err` names a required column
    /// that is missing (commodity code, first quantity and unit, a value column), a column
    /// that appears twice, or a partner name without its code.
    pub fn from_header(header: &str) -> Result<GaccLayout, String> {
        let mut spans = Vec::new();
        split_fields(header, &mut spans).map_err(|e| e.to_string())?;
        let names: Vec<String> = spans
            .iter()
            .map(|&(a, b)| header[a..b].trim().to_owned())
            .collect();
        let mut found: Vec<(Column, usize)> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        let mut languages = (0, 0);
        for (i, name) in names.iter().enumerate() {
            let Some((col, lang)) = column_for(name) else {
                unknown.push(format!("field {} {name:?}", i + 1));
                continue;
            };
            let same =
                |c: &Column| *c == col || matches!((c, col), (Column::Value(_), Column::Value(_)));
            if let Some((_, j)) = found.iter().find(|(c, _)| same(c)) {
                return Err(format!(
                    "column {:?} appears twice (fields {} and {})",
                    name,
                    j + 1,
                    i + 1
                ));
            }
            match lang {
                Language::Chinese => languages.0 += 1,
                Language::English => languages.1 += 1,
            }
            found.push((col, i));
        }
        let unknown_note = if unknown.is_empty() {
            String::new()
        } else {
            format!("; not China Customs columns: {}", unknown.join(", "))
        };
        let get = |col: Column| found.iter().find(|(c, _)| *c == col).map(|(_, i)| *i);
        let required = |col: Column, what: &str| {
            get(col).ok_or_else(|| format!("no {what} column{unknown_note}"))
        };
        let hs_code = required(Column::HsCode, "commodity code (商品编码 / Commodity code)")?;
        let quantity1 = required(Column::Quantity1, "first quantity (第一数量 / Quantity)")?;
        let unit1 = required(Column::Unit1, "first unit (第一计量单位 / Unit)")?;
        let (currency, value) = found
            .iter()
            .find_map(|(c, i)| match c {
                Column::Value(cur) => Some((*cur, *i)),
                _ => None,
            })
            .ok_or_else(|| {
                format!("no value column: expected 人民币, 美元 or US dollar{unknown_note}")
            })?;
        let (partner_code, partner_name) = (get(Column::PartnerCode), get(Column::PartnerName));
        if partner_code.is_none() && partner_name.is_some() {
            return Err(
                "a partner name column (贸易伙伴名称 / Trading partner) without the \
                 partner code column (贸易伙伴编码 / Trading partner code): download the \
                 partner code too"
                    .into(),
            );
        }
        let warnings = unknown
            .iter()
            .map(|u| format!("{u} is not a China Customs column: ignored"))
            .collect();
        Ok(GaccLayout {
            language: if languages.0 >= languages.1 {
                Language::Chinese
            } else {
                Language::English
            },
            currency,
            warnings,
            period: get(Column::Period),
            file_month: None,
            partner_code,
            partner_name,
            hs_code,
            product_name: get(Column::ProductName),
            quantity1,
            unit1,
            quantity2: get(Column::Quantity2),
            unit2: get(Column::Unit2),
            value,
            regime_code: get(Column::RegimeCode),
            regime_name: get(Column::RegimeName),
            region_code: get(Column::RegionCode),
            region_name: get(Column::RegionName),
            names,
        })
    }

    /// Number of fields a record must have.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// Whether the header has a period column (数据年月 / Date of data).
    pub fn has_period(&self) -> bool {
        self.period.is_some()
    }

    /// Whether the header has a partner column; without one every record is China's total
    /// with the world.
    pub fn has_partner(&self) -> bool {
        self.partner_code.is_some()
    }

    /// Sets the month of every record of a file without a period column (from its name).
    /// A period column, when there is one, still wins.
    pub fn set_file_month(&mut self, year: i32, month: u32) {
        self.file_month = Some((year, month));
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

        let (year, month) = match (self.period, self.file_month) {
            (Some(i), _) => {
                let text = field(i);
                parse_period(text).ok_or_else(|| RowError::BadMonth {
                    field: self.names[i].clone(),
                    value: text.to_owned(),
                })?
            }
            (None, Some(month)) => month,
            (None, None) => {
                return Err(RowError::Missing {
                    field: "period (数据年月 / Date of data, or a month in the file name)".into(),
                });
            }
        };
        let partner_code = match self.partner_code {
            Some(i) => {
                let code = field(i);
                if code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(RowError::BadCode {
                        field: self.names[i].clone(),
                        expected: "a 3-digit China Customs partner code",
                        value: code.to_owned(),
                    });
                }
                Some(code)
            }
            None => None,
        };
        let hs_code = field(self.hs_code);
        if hs_code.len() != 8 || !hs_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RowError::BadCode {
                field: self.names[self.hs_code].clone(),
                expected: "an 8-digit commodity code",
                value: hs_code.to_owned(),
            });
        }
        let quantity1 = self.number(self.quantity1, field(self.quantity1))?;
        let unit1 = field(self.unit1);
        let unit2 = opt(self.unit2).filter(|u| !is_no_unit(u));
        let quantity2 = match (self.quantity2, unit2) {
            (Some(i), Some(_)) => Some(self.number(i, field(i))?),
            (Some(i), None) => {
                // No second unit: the platform writes 0; anything else must still be a number.
                let text = field(i);
                if !text.is_empty() && !is_no_unit(text) {
                    self.number(i, text)?;
                }
                None
            }
            (None, _) => None,
        };
        let value = self.number(self.value, field(self.value))?;
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
            region_code: opt(self.region_code),
            region_name: opt(self.region_name),
        })
    }

    /// A quantity or value: a number, zero or more.
    fn number(&self, index: usize, text: &str) -> Result<f64, RowError> {
        let field = &self.names[index];
        let value = parse_number(text).ok_or_else(|| RowError::BadNumber {
            field: field.clone(),
            value: text.to_owned(),
        })?;
        RowError::non_negative(field, text, value)
    }
}

/// One record of a China Customs download, as reported, with numbers parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct GaccRecord<'a> {
    /// Year of the period (from the period column, else from the file's name).
    pub year: i32,
    /// Month of the period, 1-12.
    pub month: u32,
    /// China Customs partner code as reported (up to 3 digits); `None` when the download
    /// has no partner column (China's total with the world).
    pub partner_code: Option<&'a str>,
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
    /// Customs regime (trade mode) code, when the download has it (贸易方式编码).
    pub regime_code: Option<&'a str>,
    /// Customs regime name, when the download has it (贸易方式 / 贸易方式名称).
    pub regime_name: Option<&'a str>,
    /// Registration place code of the importer or exporter (注册地编码), when the
    /// download has it.
    pub region_code: Option<&'a str>,
    /// Registration place name (注册地名称), when the download has it.
    pub region_name: Option<&'a str>,
}
