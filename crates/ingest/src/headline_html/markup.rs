//! What reading China Customs' English pages needs of HTML beyond the parser: an element's
//! text as a person reads it, and a table row's cells with their `colspan`. Shared by the
//! table reader here and the site index reader of `rareflow-fetch`.

use tl::{HTMLTag, Parser};

/// `s` with the entities the site writes decoded (`&amp;` last, so `&amp;lt;` stays `&lt;`).
pub fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&#160;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace('\u{a0}', " ")
}

/// Text of an element, entities decoded, spaces collapsed.
pub fn element_text(tag: &HTMLTag<'_>, parser: &Parser<'_>) -> String {
    decode_entities(&tag.inner_text(parser))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cells (`td`, `th`) of a table row, each with its `colspan` (1 to 100).
pub fn row_cells<'b, 'a>(
    row: &HTMLTag<'a>,
    parser: &'b Parser<'a>,
) -> Vec<(&'b HTMLTag<'a>, usize)> {
    row.children()
        .top()
        .iter()
        .filter_map(|h| h.get(parser)?.as_tag())
        .filter(|t| t.name() == "td" || t.name() == "th")
        .map(|t| {
            let span = t
                .attributes()
                .get("colspan")
                .flatten()
                .and_then(|b| b.as_utf8_str().trim().parse().ok())
                .unwrap_or(1usize);
            (t, span.clamp(1, 100))
        })
        .collect()
}
