//! Reference tables, compiled in from `data/reference/*.csv` (see its README for sources):
//! China Customs' own tables (countries, products), policy events, exchange rates
//! ([`crate::fx`]), the partner code systems of the other sources ([`crate::codes`]) and
//! the taxonomy of their product lines ([`crate::taxonomy`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Date32Array, RecordBatch, StringArray};

use crate::codes::{CodeSystem, PARTNER_CODE_SYSTEMS, PartnerCode, PartnerCodes};
use crate::fx::FxRates;
use crate::period::days_from_civil;
pub use crate::refdata::ReferenceError;
use crate::refdata::{batch, records};
use crate::taxonomy::Taxonomy;

const COUNTRIES_CSV: &str = include_str!("../../../data/reference/countries.csv");
const PRODUCTS_CSV: &str = include_str!("../../../data/reference/products.csv");
const POLICY_EVENTS_CSV: &str = include_str!("../../../data/reference/policy_events.csv");

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

/// All reference tables, indexed for lookups during normalization.
#[derive(Debug)]
pub struct Reference {
    countries: Vec<Country>,
    by_gacc_code: HashMap<u16, usize>,
    products: Vec<Product>,
    by_hs8: HashMap<u32, usize>,
    fx: FxRates,
    events: Vec<PolicyEvent>,
    partner_codes: PartnerCodes,
    taxonomy: Taxonomy,
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
        let partner_codes = PartnerCodes::load(&PARTNER_CODE_SYSTEMS)?;
        let taxonomy = Taxonomy::load(products.iter().map(|p| {
            (
                p.hs8.as_str(),
                p.product_group.as_str(),
                p.element.as_deref(),
            )
        }))?;
        Ok(Reference {
            partner_codes,
            taxonomy,
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

    /// The partner for `code` in a code system (the source names the system it reads).
    pub fn partner_code(&self, system: &CodeSystem, code: &str) -> Option<&PartnerCode> {
        self.partner_codes.get(system, code)
    }

    /// The taxonomy (product group, element) of a line in any classification: exact in
    /// `hs_concordance` or China's `products` (see [`crate::taxonomy`]), else its HS6
    /// heading in the newest HS edition that has it.
    pub fn taxonomy(&self, classification: &str, code: &str) -> (Option<&str>, Option<&str>) {
        self.taxonomy.get(classification, code)
    }

    /// Units of `currency` per US dollar for a month (1 for USD).
    pub fn per_usd(&self, currency: &str, year: i32, month: u32) -> Option<f64> {
        self.fx.per_usd(currency, year, month)
    }

    /// The exchange rates in use.
    pub fn fx(&self) -> &FxRates {
        &self.fx
    }

    /// These tables with other exchange rates (tests with rates of their own).
    #[cfg(test)]
    pub(crate) fn with_fx(mut self, fx: FxRates) -> Reference {
        self.fx = fx;
        self
    }

    /// The reference tables as Arrow batches, by warehouse table name.
    pub fn tables(&self) -> Vec<(&'static str, RecordBatch)> {
        vec![
            ("countries", self.countries_batch()),
            ("products", self.products_batch()),
            ("fx_rates", self.fx.batch()),
            ("policy_events", self.events_batch()),
            ("partner_codes", self.partner_codes.batch()),
            ("hs_concordance", self.taxonomy.batch()),
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

    #[test]
    fn every_registered_code_system_is_in_partner_codes() {
        use arrow::array::AsArray;
        let r = Reference::bundled().unwrap();
        let (_, b) = r
            .tables()
            .into_iter()
            .find(|(n, _)| *n == "partner_codes")
            .unwrap();
        let systems = b.column_by_name("code_system").unwrap().as_string::<i32>();
        // One row per data line of each CSV (file lines minus the header).
        for system in PARTNER_CODE_SYSTEMS {
            let rows = systems.iter().filter(|s| *s == Some(system.name)).count();
            assert_eq!(rows, system.csv.lines().count() - 1, "{}", system.name);
        }
        assert_eq!(b.num_rows(), 85 + 59 + 270);
        // Each source's system keys its codes its own way.
        use crate::codes::{EUROSTAT_GEO, M49, SCHEDULE_C};
        assert_eq!(r.partner_code(&M49, "0842").unwrap().iso3, "USA");
        assert_eq!(r.partner_code(&SCHEDULE_C, "5700").unwrap().iso3, "CHN");
        assert_eq!(r.partner_code(&SCHEDULE_C, "0003").unwrap().iso3, "EUR");
        assert!(r.partner_code(&SCHEDULE_C, "3").is_none());
        assert_eq!(r.partner_code(&EUROSTAT_GEO, "XU").unwrap().iso3, "GBR");
    }
}
