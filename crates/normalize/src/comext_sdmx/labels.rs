//! Eurostat geography labels to codes: SDMX-CSV downloaded with labels names reporters and
//! partners in words (`Germany (incl. German Democratic Republic (DE) from 1991)`,
//! `"Netherlands, Kingdom of the"`, `China (People's Republic of)`, `All countries of the
//! world`). Countries are found by their English name in `iso2_countries.csv` (the label,
//! then the label before ` (`, then before `,`); aggregates by Eurostat's label.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::codes::EUROSTAT_GEO;

/// Lower-case letters and digits only.
fn squash(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `text` is written as a code (`DE`, `EU27_2020`, `WORLD`).
fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Squashed English name to code, from the compiled-in `iso2_countries.csv`.
static BY_NAME: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut csv = csv::Reader::from_reader(EUROSTAT_GEO.csv.as_bytes());
    let mut names = HashMap::new();
    for record in csv.records().flatten() {
        if let (Some(code), Some(name)) = (record.get(0), record.get(2)) {
            names.entry(squash(name)).or_insert_with(|| code.to_owned());
        }
    }
    names
});

/// Eurostat's labels of its aggregates (squashed prefix, code).
const AGGREGATES: [(&str, &str); 5] = [
    ("allcountriesoftheworld", "WORLD"),
    ("intraeu", "EU_INTRA"),
    ("extraeu", "EXTRA_EU"),
    ("europeanunion27countriesfrom2020", "EU27_2020"),
    ("europeanunion27", "EU27_2020"),
];

/// The code of a reporter or partner written as a code or a label; `None` for a label
/// that names nothing known.
pub(super) fn geo_code(text: &str) -> Option<Cow<'_, str>> {
    if is_code(text) {
        return Some(Cow::Borrowed(text));
    }
    let squashed = squash(text);
    if let Some((_, code)) = AGGREGATES.iter().find(|(l, _)| squashed.starts_with(l)) {
        return Some(Cow::Borrowed(code));
    }
    let before = |sep: &str| text.split_once(sep).map(|(a, _)| a);
    [Some(text), before(" ("), before(",")]
        .into_iter()
        .flatten()
        .find_map(|name| BY_NAME.get(&squash(name)))
        .map(|code| Cow::Owned(code.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_to_codes() {
        let code = |t: &str| geo_code(t).map(Cow::into_owned);
        assert_eq!(code("DE").as_deref(), Some("DE"));
        assert_eq!(
            code("Germany (incl. German Democratic Republic (DE) from 1991)").as_deref(),
            Some("DE")
        );
        assert_eq!(code("Netherlands, Kingdom of the").as_deref(), Some("NL"));
        assert_eq!(code("China (People's Republic of)").as_deref(), Some("CN"));
        assert_eq!(code("All countries of the world").as_deref(), Some("WORLD"));
        assert_eq!(code("Extra-EU27 (from 2020)").as_deref(), Some("EXTRA_EU"));
        assert_eq!(
            code("European Union - 27 countries (from 2020)").as_deref(),
            Some("EU27_2020")
        );
        assert_eq!(code("Atlantis"), None);
    }
}
