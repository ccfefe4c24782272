//! Reference tables, compiled in from `data/reference/*.csv` (see its README for sources).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Date32Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};

use crate::fx::FxRates;
use crate::period::days_from_civil;
use std::path::Path;

const COUNTRIES_CSV: &str = include_str!("../../../data/reference/countries.csv");
const PRODUCTS_CSV: &str = include_str!("../../../data/reference/products.csv");
const POLICY_EVENTS_CSV: &str = include_str!("../../../data/reference/policy_events.csv");
const M49_CSV: &str = include_str!("../../../data/reference/m49_countries.csv");
const CENSUS_CSV: &str = include_str!("../../../data/reference/census_countries.csv");
const ISO2_CSV: &str = include_str!("../../../data/reference/iso2_countries.csv");
const CONCORDANCE_CSV: &str = include_str!("../../../data/reference/hs_concordance.csv");

/// A reference table that does not parse. Only a broken build can hit this, but it is
/// reported, not panicked on.
#[derive(Debug, thiserror::Error)]
#[error("reference table {table}, line {line}: {message}")]
pub struct ReferenceError {
    /// Which table.
    pub table: &'static str,
    /// 1-based line.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// A trading partner.
#[derive(Debug, Clone)]
pub struct Country {
    /// China Customs 3-digit code.
    pub gacc_code: String,
    /// ISO 3166-1 alpha-3 (or a documented X-code for residual areas).
    pub iso3: String,
    /// English name.
    pub name_en: String,
    /// Chinese name as in the customs code table.
    pub name_zh: String,
    /// `country` or `other`.
    pub kind: String,
}

/// A tariff line in the rare-earth taxonomy.
#[derive(Debug, Clone)]
pub struct Product {
    /// 8-digit China tariff line.
    pub hs8: String,
    /// Its HS6 heading.
    pub hs6: String,
    /// `ore`, `metal`, `oxide`, `compound`, `alloy`, `magnet`, ...
    pub product_group: String,
    /// Chemical symbol when the line names one element.
    pub element: Option<String>,
    /// Whether the line is a rare-earth product.
    pub is_rare_earth: bool,
    /// Whether its element is under China's April 2025 export licensing.
    pub controlled_element: bool,
    /// English name.
    pub name_en: String,
    /// Chinese name.
    pub name_zh: String,
}

/// A policy event on the export-control timeline.
#[derive(Debug, Clone)]
pub struct PolicyEvent {
    /// Date as `Date32`.
    pub date: i32,
    /// Issuing authority.
    pub authority: String,
    /// Announcement number or similar.
    pub reference: String,
    /// What happened.
    pub description: String,
}

/// A partner code of another reporter's code system (UN M49, US Census Schedule C).
#[derive(Debug, Clone)]
pub struct PartnerCode {
    /// Which code system: `m49` or `census`.
    pub system: &'static str,
    /// The code as published.
    pub code: String,
    /// ISO 3166-1 alpha-3, or a documented code for groups and the world (`W00`).
    pub iso3: String,
    /// English name.
    pub name_en: String,
    /// `country`, `group` or `world`.
    pub kind: String,
}

/// A line of the concordance: another code system's line mapped to HS6 and the taxonomy.
#[derive(Debug, Clone)]
pub struct Concordance {
    /// `HTS10`, `H4`, `H5`, `H6`, ...
    pub classification: String,
    /// The line.
    pub code: String,
    /// Its HS6 heading.
    pub hs6: String,
    /// Taxonomy group, if a rare-earth line.
    pub product_group: Option<String>,
    /// Element, where the line names one.
    pub element: Option<String>,
    /// First year the line existed.
    pub valid_from: Option<String>,
    /// Last year the line existed.
    pub valid_to: Option<String>,
    /// What it covers, with caveats.
    pub description: String,
}

/// All reference tables, indexed for lookups during normalization.
#[derive(Debug)]
pub struct Reference {
    countries: Vec<Country>,
    by_gacc_code: HashMap<u16, usize>,
    products: Vec<Product>,
    by_hs8: HashMap<u32, usize>,
    fx: FxRates,
    events: Vec<PolicyEvent>,
    partner_codes: Vec<PartnerCode>,
    by_partner_code: HashMap<(&'static str, String), usize>,
    concordance: Vec<Concordance>,
    by_concordance: HashMap<(String, String), usize>,
}

/// Codes are compared without leading zeros (`0156` and `156` are one M49 code).
fn code_key(code: &str) -> String {
    let t = code.trim().trim_start_matches('0');
    if t.is_empty() && !code.trim().is_empty() {
        "0".into()
    } else {
        t.to_owned()
    }
}

fn records(
    table: &'static str,
    text: &str,
) -> Result<Vec<(u64, csv::StringRecord)>, ReferenceError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| ReferenceError {
            table,
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        out.push((line, rec));
    }
    Ok(out)
}

impl Reference {
    /// The reference tables shipped with rareflow.
    pub fn bundled() -> Result<Reference, ReferenceError> {
        Reference::load(None)
    }

    /// The bundled tables, with exchange rates from `DIR/fx_rates.csv` when a reference
    /// folder is given and has one (rates change monthly; the rest does not).
    pub fn load(reference_dir: Option<&Path>) -> Result<Reference, ReferenceError> {
        let fx = FxRates::from_dir_or_bundled(reference_dir)?;
        let bad = |table: &'static str, line: u64, message: String| ReferenceError {
            table,
            line,
            message,
        };
        let mut countries = Vec::new();
        let mut by_gacc_code = HashMap::new();
        for (line, r) in records("countries", COUNTRIES_CSV)? {
            let code: u16 = r[0]
                .parse()
                .map_err(|_| bad("countries", line, format!("bad gacc_code {:?}", &r[0])))?;
            by_gacc_code.insert(code, countries.len());
            countries.push(Country {
                gacc_code: r[0].to_owned(),
                iso3: r[1].to_owned(),
                name_en: r[2].to_owned(),
                name_zh: r[3].to_owned(),
                kind: r[4].to_owned(),
            });
        }
        let mut products = Vec::new();
        let mut by_hs8 = HashMap::new();
        for (line, r) in records("products", PRODUCTS_CSV)? {
            let hs8: u32 = r[0]
                .parse()
                .map_err(|_| bad("products", line, format!("bad hs8 {:?}", &r[0])))?;
            by_hs8.insert(hs8, products.len());
            products.push(Product {
                hs8: r[0].to_owned(),
                hs6: r[1].to_owned(),
                product_group: r[2].to_owned(),
                element: Some(r[3].to_owned()).filter(|s| !s.is_empty()),
                is_rare_earth: &r[4] == "true",
                controlled_element: &r[5] == "true",
                name_en: r[6].to_owned(),
                name_zh: r[7].to_owned(),
            });
        }
        let mut events = Vec::new();
        for (line, r) in records("policy_events", POLICY_EVENTS_CSV)? {
            let parts: Vec<u32> = r[0].split('-').filter_map(|p| p.parse().ok()).collect();
            let [y, m, d] = parts[..] else {
                return Err(bad("policy_events", line, format!("bad date {:?}", &r[0])));
            };
            events.push(PolicyEvent {
                date: days_from_civil(y as i32, m, d),
                authority: r[1].to_owned(),
                reference: r[2].to_owned(),
                description: r[3].to_owned(),
            });
        }
        let mut partner_codes = Vec::new();
        let mut by_partner_code = HashMap::new();
        for (system, table, text) in [
            ("m49", "m49_countries", M49_CSV),
            ("census", "census_countries", CENSUS_CSV),
            ("iso2", "iso2_countries", ISO2_CSV),
        ] {
            for (_, r) in records(table, text)? {
                let key = if system == "census" {
                    r[0].trim().to_owned()
                } else {
                    code_key(&r[0])
                };
                by_partner_code.insert((system, key), partner_codes.len());
                partner_codes.push(PartnerCode {
                    system,
                    code: r[0].trim().to_owned(),
                    iso3: r[1].to_owned(),
                    name_en: r[2].to_owned(),
                    kind: r[3].to_owned(),
                });
            }
        }
        let mut concordance = Vec::new();
        let mut by_concordance = HashMap::new();
        for (_, r) in records("hs_concordance", CONCORDANCE_CSV)? {
            let opt = |i: usize| Some(r[i].trim().to_owned()).filter(|s| !s.is_empty());
            let code: String = r[1].chars().filter(char::is_ascii_digit).collect();
            by_concordance.insert((r[0].to_owned(), code.clone()), concordance.len());
            concordance.push(Concordance {
                classification: r[0].to_owned(),
                code,
                hs6: r[2].to_owned(),
                product_group: opt(3),
                element: opt(4),
                valid_from: opt(5),
                valid_to: opt(6),
                description: r[7].to_owned(),
            });
        }
        Ok(Reference {
            partner_codes,
            by_partner_code,
            concordance,
            by_concordance,
            countries,
            by_gacc_code,
            products,
            by_hs8,
            fx,
            events,
        })
    }

    /// The partner for a China Customs code.
    pub fn country_by_gacc_code(&self, code: &str) -> Option<&Country> {
        let code: u16 = code.parse().ok()?;
        self.by_gacc_code.get(&code).map(|&i| &self.countries[i])
    }

    /// The taxonomy entry for an 8-digit line (any line not in the table is outside it).
    pub fn product_by_hs8(&self, hs8: &str) -> Option<&Product> {
        let code: u32 = hs8.parse().ok()?;
        self.by_hs8.get(&code).map(|&i| &self.products[i])
    }

    /// A partner in another code system (`m49`, `census`).
    pub fn partner_code(&self, system: &'static str, code: &str) -> Option<&PartnerCode> {
        let key = if system == "census" {
            code.trim().to_owned()
        } else {
            code_key(code)
        };
        self.by_partner_code
            .get(&(system, key))
            .map(|&i| &self.partner_codes[i])
    }

    /// The taxonomy (product group, element) of a line in any code system: China's 8-digit
    /// lines through `products`, US HTS10 and HS vintages through `hs_concordance`, falling
    /// back to the line's HS6 heading.
    pub fn taxonomy(&self, classification: &str, code: &str) -> (Option<&str>, Option<&str>) {
        if let Some(p) = self
            .product_by_hs8(code)
            .filter(|_| classification == "CN8")
        {
            return (Some(p.product_group.as_str()), p.element.as_deref());
        }
        let exact = self
            .by_concordance
            .get(&(classification.to_owned(), code.to_owned()));
        let hs6 = code.get(..6).unwrap_or(code);
        let fallback = || {
            ["H6", "H5", "H4", "H3", "H2", "H1", "H0"]
                .iter()
                .find_map(|c| self.by_concordance.get(&((*c).to_owned(), hs6.to_owned())))
        };
        match exact.or_else(fallback) {
            Some(&i) => {
                let c = &self.concordance[i];
                (c.product_group.as_deref(), c.element.as_deref())
            }
            None => (None, None),
        }
    }

    /// Units of `currency` per US dollar for a month (1 for USD).
    pub fn per_usd(&self, currency: &str, year: i32, month: u32) -> Option<f64> {
        self.fx.per_usd(currency, year, month)
    }

    /// The exchange rates in use.
    pub fn fx(&self) -> &FxRates {
        &self.fx
    }

    /// The reference tables as Arrow batches, by warehouse table name.
    pub fn tables(&self) -> Vec<(&'static str, RecordBatch)> {
        vec![
            ("countries", self.countries_batch()),
            ("products", self.products_batch()),
            ("fx_rates", self.fx.batch()),
            ("policy_events", self.events_batch()),
            ("partner_codes", self.partner_codes_batch()),
            ("hs_concordance", self.concordance_batch()),
        ]
    }

    fn countries_batch(&self) -> RecordBatch {
        let col = |f: fn(&Country) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(self.countries.iter().map(f)))
        };
        batch(vec![
            ("gacc_code", col(|c| &c.gacc_code)),
            ("iso3", col(|c| &c.iso3)),
            ("name_en", col(|c| &c.name_en)),
            ("name_zh", col(|c| &c.name_zh)),
            ("partner_kind", col(|c| &c.kind)),
        ])
    }

    fn products_batch(&self) -> RecordBatch {
        let col = |f: fn(&Product) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(self.products.iter().map(f)))
        };
        let flag = |f: fn(&Product) -> bool| -> ArrayRef {
            Arc::new(BooleanArray::from_iter(
                self.products.iter().map(|p| Some(f(p))),
            ))
        };
        batch(vec![
            ("hs_code", col(|p| &p.hs8)),
            ("hs6", col(|p| &p.hs6)),
            ("product_group", col(|p| &p.product_group)),
            (
                "element",
                Arc::new(StringArray::from_iter(
                    self.products.iter().map(|p| p.element.as_deref()),
                )),
            ),
            ("is_rare_earth", flag(|p| p.is_rare_earth)),
            ("controlled_element", flag(|p| p.controlled_element)),
            ("name_en", col(|p| &p.name_en)),
            ("name_zh", col(|p| &p.name_zh)),
        ])
    }

    fn events_batch(&self) -> RecordBatch {
        let col = |f: fn(&PolicyEvent) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(self.events.iter().map(f)))
        };
        batch(vec![
            (
                "event_date",
                Arc::new(Date32Array::from_iter_values(
                    self.events.iter().map(|e| e.date),
                )),
            ),
            ("authority", col(|e| &e.authority)),
            ("reference", col(|e| &e.reference)),
            ("description", col(|e| &e.description)),
        ])
    }
}

impl Reference {
    fn partner_codes_batch(&self) -> RecordBatch {
        let col = |f: fn(&PartnerCode) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(
                self.partner_codes.iter().map(f),
            ))
        };
        batch(vec![
            ("code_system", col(|p| p.system)),
            ("code", col(|p| &p.code)),
            ("iso3", col(|p| &p.iso3)),
            ("name_en", col(|p| &p.name_en)),
            ("partner_kind", col(|p| &p.kind)),
        ])
    }

    fn concordance_batch(&self) -> RecordBatch {
        let col = |f: fn(&Concordance) -> Option<&str>| -> ArrayRef {
            Arc::new(StringArray::from_iter(self.concordance.iter().map(f)))
        };
        batch(vec![
            ("classification", col(|c| Some(&c.classification))),
            ("code", col(|c| Some(&c.code))),
            ("hs6", col(|c| Some(&c.hs6))),
            ("product_group", col(|c| c.product_group.as_deref())),
            ("element", col(|c| c.element.as_deref())),
            ("valid_from", col(|c| c.valid_from.as_deref())),
            ("valid_to", col(|c| c.valid_to.as_deref())),
            ("description", col(|c| Some(&c.description))),
        ])
    }
}

/// Reference columns that may hold NULL.
const NULLABLE: [&str; 4] = ["element", "product_group", "valid_from", "valid_to"];

pub(crate) fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| {
            Field::new(
                *n,
                a.data_type().clone(),
                a.null_count() > 0 || NULLABLE.contains(n),
            )
        })
        .collect();
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    // Column lengths agree by construction (all from one Vec), so this cannot fail.
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .unwrap_or_else(|e| unreachable!("reference batch columns disagree: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_tables_load_and_map() {
        let r = Reference::bundled().unwrap();
        assert_eq!(r.country_by_gacc_code("502").unwrap().iso3, "USA");
        assert_eq!(r.country_by_gacc_code("304").unwrap().iso3, "DEU");
        assert_eq!(r.country_by_gacc_code("111").unwrap().iso3, "IND");
        assert!(r.country_by_gacc_code("999").is_none());
        let magnet = r.product_by_hs8("85051110").unwrap();
        assert_eq!(magnet.product_group, "magnet");
        assert_eq!(
            r.product_by_hs8("28469015").unwrap().element.as_deref(),
            Some("Dy")
        );
        assert!(r.per_usd("CNY", 2018, 1).is_some());
        for (name, b) in r.tables() {
            assert!(b.num_rows() > 0, "{name} is empty");
        }
        assert_eq!(r.tables()[0].1.num_rows(), 241);
    }
}
