//! Partner code systems as data. Each system is one [`CodeSystem`] declaration (its name in
//! `partner_codes.code_system`, its compiled-in CSV, how a code is keyed), registered once in
//! [`PARTNER_CODE_SYSTEMS`]. A source names the declaration it looks its codes up in
//! ([`crate::Reference::partner_code`]); nothing branches on a system's name, and every
//! registered system is in the `partner_codes` table.
//!
//! Adding a code system: its CSV under `data/reference/` (`code,iso3,name_en,partner_kind`),
//! one `static` below, and one entry in [`PARTNER_CODE_SYSTEMS`].

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};

use crate::refdata::{ReferenceError, batch, records};

/// `partner_kind` of a row that is one part of a figure split by customs procedure, mode of
/// transport, second partner or US state: the figure itself is the total row.
pub const BREAKDOWN: &str = "breakdown";

/// How the codes of a system are compared: the same key for the table's code and the code
/// a file writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKey {
    /// As written, surrounding spaces dropped: Census Schedule C `0003` (the EU) is not `3`.
    AsWritten,
    /// Leading zeros dropped (all zeros is `0`): `0156` and `156` are one M49 code.
    NoLeadingZeros,
    /// Dots and spaces dropped: `8505.11.0070` and `8505110070` are one HTS line.
    NoPunctuation,
}

impl CodeKey {
    /// The key of `code`.
    pub fn key(self, code: &str) -> String {
        let code = code.trim();
        match self {
            CodeKey::AsWritten => code.to_owned(),
            CodeKey::NoLeadingZeros => {
                let t = code.trim_start_matches('0');
                if t.is_empty() && !code.is_empty() {
                    "0".into()
                } else {
                    t.to_owned()
                }
            }
            CodeKey::NoPunctuation => code.chars().filter(|c| !matches!(c, '.' | ' ')).collect(),
        }
    }
}

/// A partner code system: a CSV of `code,iso3,name_en,partner_kind` with a header row.
#[derive(Debug)]
pub struct CodeSystem {
    /// Its name in `partner_codes.code_system`.
    pub name: &'static str,
    /// Where the CSV is in the repository (for messages and rejects).
    pub path: &'static str,
    /// The CSV, compiled in.
    pub csv: &'static str,
    /// How codes are compared.
    pub key: CodeKey,
}

/// UN M49 as UN Comtrade uses it (its own codes where they differ: 842 USA, 699 India...).
pub static M49: CodeSystem = CodeSystem {
    name: "m49",
    path: "data/reference/m49_countries.csv",
    csv: include_str!("../../../data/reference/m49_countries.csv"),
    key: CodeKey::NoLeadingZeros,
};

/// US Census Schedule C country codes, as the Census API writes them (`5700`, `0003`, `-`).
pub static SCHEDULE_C: CodeSystem = CodeSystem {
    name: "census",
    path: "data/reference/census_countries.csv",
    csv: include_str!("../../../data/reference/census_countries.csv"),
    key: CodeKey::AsWritten,
};

/// ISO 3166-1 alpha-2 with Eurostat's own codes (`EL`, `XI`, `XU`, aggregates): Comext.
pub static EUROSTAT_GEO: CodeSystem = CodeSystem {
    name: "iso2",
    path: "data/reference/iso2_countries.csv",
    csv: include_str!("../../../data/reference/iso2_countries.csv"),
    key: CodeKey::AsWritten,
};

/// Every partner code system, loaded into `partner_codes` in this order.
pub static PARTNER_CODE_SYSTEMS: [&CodeSystem; 3] = [&M49, &SCHEDULE_C, &EUROSTAT_GEO];

/// A partner code of a code system.
#[derive(Debug, Clone)]
pub struct PartnerCode {
    /// Which code system ([`CodeSystem::name`]).
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

/// The partner codes of the registered systems, indexed by (system, key).
#[derive(Debug, Default)]
pub(crate) struct PartnerCodes {
    rows: Vec<PartnerCode>,
    by_key: HashMap<(&'static str, String), usize>,
}

impl PartnerCodes {
    /// Reads every system; a code that appears twice in one system is an error.
    pub(crate) fn load(systems: &[&'static CodeSystem]) -> Result<PartnerCodes, ReferenceError> {
        let mut out = PartnerCodes::default();
        for system in systems {
            for (line, r) in records(system.path, system.csv)? {
                let field = |i: usize| r.get(i).unwrap_or_default().trim().to_owned();
                let key = system.key.key(&field(0));
                if out
                    .by_key
                    .insert((system.name, key), out.rows.len())
                    .is_some()
                {
                    return Err(ReferenceError {
                        table: system.path,
                        line,
                        message: format!("code {:?} appears twice", field(0)),
                    });
                }
                out.rows.push(PartnerCode {
                    system: system.name,
                    code: field(0),
                    iso3: field(1),
                    name_en: field(2),
                    kind: field(3),
                });
            }
        }
        Ok(out)
    }

    /// The entry for `code` in `system`.
    pub(crate) fn get(&self, system: &CodeSystem, code: &str) -> Option<&PartnerCode> {
        self.by_key
            .get(&(system.name, system.key.key(code)))
            .map(|&i| &self.rows[i])
    }

    /// The `partner_codes` table.
    pub(crate) fn batch(&self) -> RecordBatch {
        let col = |f: fn(&PartnerCode) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(self.rows.iter().map(f)))
        };
        batch(vec![
            ("code_system", col(|p| p.system)),
            ("code", col(|p| &p.code)),
            ("iso3", col(|p| &p.iso3)),
            ("name_en", col(|p| &p.name_en)),
            ("partner_kind", col(|p| &p.kind)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_declaration() {
        assert_eq!(CodeKey::NoLeadingZeros.key("0156"), "156");
        assert_eq!(CodeKey::NoLeadingZeros.key("000"), "0");
        assert_eq!(CodeKey::AsWritten.key(" 0003 "), "0003");
        assert_eq!(CodeKey::NoPunctuation.key("8505.11.0070"), "8505110070");
        assert_eq!(CodeKey::NoPunctuation.key("85XXXXXX"), "85XXXXXX");
    }

    #[test]
    fn a_new_system_is_one_declaration() {
        static TEST: CodeSystem = CodeSystem {
            name: "test",
            path: "test.csv",
            csv: "code,iso3,name_en,partner_kind\n007,JPN,Japan,country\n",
            key: CodeKey::NoLeadingZeros,
        };
        let codes = PartnerCodes::load(&[&M49, &TEST]).unwrap();
        assert_eq!(codes.get(&TEST, "7").unwrap().iso3, "JPN");
        // Same key, other system: M49 7 is not a code.
        assert!(codes.get(&M49, "7").is_none());
        assert_eq!(codes.get(&M49, "0156").unwrap().iso3, "CHN");
        let b = codes.batch();
        let systems = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(systems.value(b.num_rows() - 1), "test");
    }

    #[test]
    fn a_code_twice_is_an_error_naming_the_line() {
        static TWICE: CodeSystem = CodeSystem {
            name: "twice",
            path: "twice.csv",
            csv: "code,iso3,name_en,partner_kind\n1,AAA,A,country\n01,BBB,B,country\n",
            key: CodeKey::NoLeadingZeros,
        };
        let err = PartnerCodes::load(&[&TWICE]).unwrap_err();
        assert_eq!((err.table, err.line), ("twice.csv", 3));
    }
}
