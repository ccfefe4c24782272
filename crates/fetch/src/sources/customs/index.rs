//! The monthly index page of China Customs' English site: a table, one row per table of
//! the monthly statistics, one column per month, each published month's cell linking to
//! its table page (`/Statics/{uuid}.html`; `.xls` links beside them are ignored).
//!
//! A link's month comes from the header of its column (`Jan.`, `February`, `1`, `1-2`,
//! `Jan.-Feb.`), else from the link's text. Columns are aligned from the right: a header
//! row with a label cell spanning two header rows has fewer cells than the data rows.

use rareflow_ingest::headline_html::{decode_entities, element_text, row_cells};
use tl::{HTMLTag, Parser};

/// A table of the index: its row's name and the links of its published months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexRow {
    /// The row's name as shown (`(13) Major Export Commodities in Quantity and Value`).
    pub(crate) name: String,
    /// Links to table pages with the months they say (first, last), in page order.
    pub(crate) links: Vec<Link>,
}

/// A link to a table page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The `href` as written (entities decoded).
    pub(crate) href: String,
    /// First and last month (1 to 12) the index says the page is for.
    pub(crate) months: (u32, u32),
}

/// Lower-case letters and digits, every other run of characters one space.
pub(crate) fn normalize(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One month: `1`..`12`, `Jan`, `Sept`, `January` (a four-digit year beside it ignored).
fn one_month(part: &str) -> Option<u32> {
    let words: Vec<&str> = part
        .split_whitespace()
        .filter(|w| !(w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())))
        .collect();
    let [word] = words[..] else { return None };
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return word.parse().ok().filter(|m| (1..=12).contains(m));
    }
    rareflow_ingest::headline_html::month_name(word)
}

/// The months a column header or link text names: `Jan.` (1, 1), `1-2` or `Jan.-Feb.`
/// (1, 2); `None` for anything else.
pub(crate) fn month_label(text: &str) -> Option<(u32, u32)> {
    let lower = text
        .to_lowercase()
        .replace(['–', '—', '~'], "-")
        .replace(" to ", "-")
        .replace(['.', ','], " ");
    let parts: Vec<&str> = lower.split('-').collect();
    match parts[..] {
        [one] => one_month(one).map(|m| (m, m)),
        [a, b] => {
            let (first, last) = (one_month(a)?, one_month(b)?);
            (first <= last).then_some((first, last))
        }
        _ => None,
    }
}

/// A cell: its text, its `colspan`, and its links to table pages (href, text).
struct Cell {
    text: String,
    span: usize,
    links: Vec<(String, String)>,
}

/// Whether an href is a table page (`.html`, `.htm`), not a spreadsheet or an anchor.
fn is_page(href: &str) -> bool {
    let path = href
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    path.ends_with(".html") || path.ends_with(".htm")
}

/// The cells of a row, with their links to table pages.
fn cells(row: &HTMLTag<'_>, parser: &Parser<'_>) -> Vec<Cell> {
    row_cells(row, parser)
        .into_iter()
        .map(|(t, span)| {
            let links = t
                .children()
                .all(parser)
                .iter()
                .filter_map(|n| n.as_tag())
                .filter(|a| a.name() == "a")
                .filter_map(|a| {
                    let href = a.attributes().get("href").flatten()?.as_utf8_str();
                    let href = decode_entities(href.trim());
                    is_page(&href).then(|| (href, element_text(a, parser)))
                })
                .collect();
            Cell {
                text: element_text(t, parser),
                span,
                links,
            }
        })
        .collect()
}

/// Columns of a row counted from its right end: (distance of the cell's last column from
/// the row's last column, cell).
fn from_right(row: &[Cell]) -> Vec<(usize, &Cell)> {
    let width: usize = row.iter().map(|c| c.span).sum();
    let mut at = 0;
    row.iter()
        .map(|c| {
            at += c.span;
            (width - at, c)
        })
        .collect()
}

/// Reads an index page: every table's row (under the header of months, or with links to
/// table pages), with its links' months. `Err` when the page is not HTML, or has neither a
/// header of months nor a link to a table page.
pub(crate) fn read_index(html: &str) -> Result<Vec<IndexRow>, String> {
    let dom = tl::parse(html, tl::ParserOptions::default())
        .map_err(|e| format!("HTML does not parse: {e}"))?;
    let parser = dom.parser();
    let rows: Vec<Vec<Cell>> = dom
        .nodes()
        .iter()
        .filter_map(|n| n.as_tag())
        .filter(|t| t.name() == "tr")
        .map(|t| cells(t, parser))
        .collect();
    // The header: the row without links naming the most months.
    let header_at = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.iter().all(|c| c.links.is_empty()))
        .map(|(i, r)| {
            let named = r.iter().filter(|c| month_label(&c.text).is_some()).count();
            (named, i)
        })
        .filter(|(named, _)| *named >= 2)
        .max_by_key(|(named, i)| (*named, std::cmp::Reverse(*i)))
        .map(|(_, i)| i);
    let header = header_at.map(|i| from_right(&rows[i]));
    let header_month = |right: usize| {
        header
            .as_ref()?
            .iter()
            .find(|(at, _)| *at == right)
            .and_then(|(_, c)| month_label(&c.text))
    };
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let linked = row.iter().any(|c| !c.links.is_empty());
        // A table's row is under the header: without links, none of its months is out yet.
        if !linked && header_at.is_none_or(|h| i <= h) {
            continue;
        }
        let name = row
            .iter()
            .find(|c| !c.text.is_empty() && month_label(&c.text).is_none())
            .map(|c| c.text.clone())
            .unwrap_or_default();
        let mut links = Vec::new();
        for (right, cell) in from_right(row) {
            for (href, link_text) in &cell.links {
                if let Some(months) = header_month(right).or_else(|| month_label(link_text)) {
                    links.push(Link {
                        href: href.clone(),
                        months,
                    });
                }
            }
        }
        if !name.is_empty() || !links.is_empty() {
            out.push(IndexRow { name, links });
        }
    }
    if header_at.is_none() && out.iter().all(|r| r.links.is_empty()) {
        return Err(
            "no header row of months (`Jan.`, `1`, `1-2`) and no links to table pages: \
             not the monthly index"
                .into(),
        );
    }
    Ok(out)
}

/// The URL of a link on the index at `{base}/statics/report/…`: an absolute link to the
/// site itself is asked from `base` too (a mirror or a proxy stays in the path).
pub(crate) fn resolve(base: &str, href: &str) -> String {
    let href = href.split('#').next().unwrap_or("");
    for scheme in ["http://", "https://"] {
        if let Some(rest) = href.strip_prefix(scheme) {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            if host.eq_ignore_ascii_case(super::DEFAULT_HOST) {
                return format!("{base}/{path}");
            }
            return href.to_owned();
        }
    }
    if let Some(rest) = href.strip_prefix("//") {
        return resolve(base, &format!("http://{rest}"));
    }
    let mut segments: Vec<&str> = if href.starts_with('/') {
        Vec::new()
    } else {
        vec!["statics", "report"]
    };
    for part in href.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(part),
        }
    }
    format!("{base}/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_labels() {
        assert_eq!(month_label("Jan."), Some((1, 1)));
        assert_eq!(month_label("February"), Some((2, 2)));
        assert_eq!(month_label("Sept."), Some((9, 9)));
        assert_eq!(month_label("11"), Some((11, 11)));
        assert_eq!(month_label("1-2"), Some((1, 2)));
        assert_eq!(month_label("Jan.-Feb."), Some((1, 2)));
        assert_eq!(month_label("Jan. 2025"), Some((1, 1)));
        assert_eq!(month_label("1 to 2"), Some((1, 2)));
        assert_eq!(month_label("13"), None);
        assert_eq!(month_label("2-1"), None);
        assert_eq!(month_label("(13) Major Export Commodities"), None);
        assert_eq!(month_label("Table"), None);
        assert_eq!(month_label(""), None);
    }

    #[test]
    fn links_resolve_against_the_base() {
        let b = "http://127.0.0.1:9/mirror";
        assert_eq!(
            resolve(b, "/Statics/ab-1.html"),
            "http://127.0.0.1:9/mirror/Statics/ab-1.html"
        );
        assert_eq!(
            resolve(b, "../../Statics/ab-1.html#x"),
            "http://127.0.0.1:9/mirror/Statics/ab-1.html"
        );
        assert_eq!(
            resolve(b, "http://english.customs.gov.cn/Statics/ab-1.html"),
            "http://127.0.0.1:9/mirror/Statics/ab-1.html"
        );
        assert_eq!(
            resolve(b, "https://other.example/Statics/x.html"),
            "https://other.example/Statics/x.html"
        );
    }

    #[test]
    fn rows_and_months_from_the_header_or_the_link() {
        let html = r#"<table>
<tr><td rowspan="2">Tables</td><td colspan="3">2025</td></tr>
<tr><td>Jan.-Feb.</td><td>Mar.</td><td>Apr.</td></tr>
<tr><td>(13) Major Export Commodities</td><td><a href="/Statics/a.html">view</a>
<a href="/Excel/a.xls">xls</a></td><td><a href="/Statics/b.html">view</a></td><td></td></tr>
<tr><td>(14) Major Import Commodities</td><td>&nbsp;</td><td></td><td></td></tr>
</table>
<p><a href="/Statics/c.html">Apr.</a></p>"#;
        let rows = read_index(html).unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[1].name, "(14) Major Import Commodities");
        assert!(rows[1].links.is_empty());
        assert_eq!(rows[0].name, "(13) Major Export Commodities");
        assert_eq!(
            rows[0].links,
            [
                Link {
                    href: "/Statics/a.html".into(),
                    months: (1, 2)
                },
                Link {
                    href: "/Statics/b.html".into(),
                    months: (3, 3)
                }
            ]
        );
        assert!(read_index("<html><body>Not found</body></html>").is_err());
    }
}
