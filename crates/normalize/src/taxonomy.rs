//! The rare-earth taxonomy (product group, element) of a line in any classification, as
//! data: `hs_concordance.csv` maps each source's lines (`HTS10`, `CN8`, the HS editions
//! `H0`..`H6`) and [`NATIONAL_LINES`] says which classification China's tariff lines of
//! `products.csv` are. A line not mapped exactly falls back to its HS6 heading in the newest
//! HS edition that has it ([`HS_EDITIONS`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};

use crate::codes::CodeKey;
use crate::refdata::{ReferenceError, batch, records};

const CONCORDANCE_CSV: &str = include_str!("../../../data/reference/hs_concordance.csv");

/// The classification whose lines are `products.csv`: China's 8-digit tariff lines. The EU's
/// Combined Nomenclature writes the same classification: its rare-earth magnet line
/// `85051110` (since CN 2023) is China's, and no other line of the table is a CN8 code of
/// another meaning.
pub const NATIONAL_LINES: &str = "CN8";

/// The HS editions a line falls back to by its HS6 heading, newest first.
pub const HS_EDITIONS: [&str; 7] = ["H6", "H5", "H4", "H3", "H2", "H1", "H0"];

/// How line codes are compared (`8505.11.0070` is `8505110070`).
const KEY: CodeKey = CodeKey::NoPunctuation;

/// A line of the concordance: another code system's line mapped to HS6 and the taxonomy.
#[derive(Debug, Clone)]
pub struct Concordance {
    /// `HTS10`, `CN8`, `H4`, `H5`, `H6`, ...
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

/// (product group, element) of a line.
type Entry = (Option<String>, Option<String>);

/// Every mapped line, by (classification, key).
#[derive(Debug, Default)]
pub(crate) struct Taxonomy {
    concordance: Vec<Concordance>,
    lines: HashMap<(String, String), Entry>,
}

impl Taxonomy {
    /// The concordance, and `national` (code, group, element) as lines of
    /// [`NATIONAL_LINES`]. A line mapped twice is an error: which one wins is not data.
    pub(crate) fn load<'a>(
        national: impl Iterator<Item = (&'a str, &'a str, Option<&'a str>)>,
    ) -> Result<Taxonomy, ReferenceError> {
        let mut out = Taxonomy::default();
        let twice = |table, line, class: &str, code: &str| ReferenceError {
            table,
            line,
            message: format!("{class} line {code} is mapped twice"),
        };
        for (line, r) in records("hs_concordance", CONCORDANCE_CSV)? {
            let opt = |i: usize| Some(r[i].trim().to_owned()).filter(|s| !s.is_empty());
            let code = KEY.key(&r[1]);
            let entry = (opt(3), opt(4));
            if out
                .lines
                .insert((r[0].to_owned(), code.clone()), entry)
                .is_some()
            {
                return Err(twice("hs_concordance", line, &r[0], &code));
            }
            out.concordance.push(Concordance {
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
        for (code, group, element) in national {
            let key = (NATIONAL_LINES.to_owned(), KEY.key(code));
            let entry = (Some(group.to_owned()), element.map(str::to_owned));
            if out.lines.insert(key, entry).is_some() {
                return Err(twice("products", 0, NATIONAL_LINES, code));
            }
        }
        Ok(out)
    }

    /// (product group, element) of `code` in `classification`, else of its HS6 heading.
    pub(crate) fn get(&self, classification: &str, code: &str) -> (Option<&str>, Option<&str>) {
        let key = KEY.key(code);
        let exact = self.lines.get(&(classification.to_owned(), key.clone()));
        let hs6 = key.get(..6).unwrap_or(&key);
        let heading = || {
            HS_EDITIONS
                .iter()
                .find_map(|e| self.lines.get(&((*e).to_owned(), hs6.to_owned())))
        };
        match exact.or_else(heading) {
            Some((group, element)) => (group.as_deref(), element.as_deref()),
            None => (None, None),
        }
    }

    /// The `hs_concordance` table.
    pub(crate) fn batch(&self) -> RecordBatch {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_map_exactly_then_by_heading() {
        let t = Taxonomy::load([("85051110", "magnet", None)].into_iter()).unwrap();
        // China's line and the EU's CN 2023 line are one code of NATIONAL_LINES.
        assert_eq!(t.get("CN8", "85051110"), (Some("magnet"), None));
        // CN before 2023 (85051100): the concordance's own CN8 row.
        assert_eq!(t.get("CN8", "85051100"), (Some("magnet"), None));
        // HTS 8505.11.0030 ceramic magnets: exact row, not the heading's `magnet`.
        assert_eq!(t.get("HTS10", "8505110030"), (Some("other_magnetic"), None));
        // An HTS line the table lacks falls back to HS6 280530 (metal).
        assert_eq!(t.get("HTS10", "2805309999"), (Some("metal"), None));
        // A national line is not a line of another classification.
        assert_eq!(
            t.get("HTS10", "85051110"),
            t.get("H6", "850511"),
            "falls back to the heading"
        );
        assert_eq!(t.get("CN8", "85XXXXXX"), (None, None));
    }

    #[test]
    fn a_line_mapped_twice_is_an_error() {
        let err = Taxonomy::load([("85051100", "magnet", None)].into_iter()).unwrap_err();
        assert!(err.message.contains("CN8 line 85051100"), "{err}");
    }
}
