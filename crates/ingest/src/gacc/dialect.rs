//! The platform's CSV dialect: field splitting, and the month a file's name or folder
//! gives. Numbers and months are parsed as every reader parses them ([`crate::parse`]).

use crate::error::RowError;
use crate::parse::{parse_period, year_month};

pub(crate) fn is_no_unit(s: &str) -> bool {
    matches!(s, "?" | "-" | "？" | "")
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
            let end = memchr::memchr(b',', &bytes[i..]).map_or(n, |k| i + k);
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
    memchr::memchr(b'"', bytes)
}

/// The month a file's path says, for a download without a period column: a six-digit
/// `YYYYMM` in a folder or file name (`exports_202601.csv`), `YYYY-MM`, `YYYY_MM`,
/// `YYYY.MM` or `YYYY年MM月` within one name (`2026-01.csv`), or a four-digit year folder
/// followed by a month folder (`2026/01/x.csv`). Folder names like `2026` alone say nothing.
///
/// `Ok(None)` when no part names a month; `Err` (listing them) when parts name different
/// months.
pub fn month_from_path(path: &str) -> Result<Option<(i32, u32)>, String> {
    let segments: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    let mut found: Vec<(i32, u32)> = Vec::new();
    let mut add = |m: Option<(i32, u32)>| {
        if let Some(m) = m.filter(|m| !found.contains(m)) {
            found.push(m);
        }
    };
    for (i, segment) in segments.iter().enumerate() {
        let stem = match segment.rsplit_once('.') {
            Some((stem, ext)) if i + 1 == segments.len() && !ext.is_empty() => stem,
            _ => segment,
        };
        // Runs of ASCII digits with their byte ranges.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let bytes = stem.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at].is_ascii_digit() {
                let start = at;
                while at < bytes.len() && bytes[at].is_ascii_digit() {
                    at += 1;
                }
                runs.push((start, at));
            } else {
                at += 1;
            }
        }
        for (k, &(a, b)) in runs.iter().enumerate() {
            match b - a {
                6 => add(parse_period(&stem[a..b])),
                4 => {
                    if let Some(&(c, d)) = runs.get(k + 1) {
                        let between = &stem[b..c];
                        if (1..=2).contains(&(d - c)) && matches!(between, "-" | "_" | "." | "年")
                        {
                            add(year_month(&stem[a..b], &stem[c..d]));
                        }
                    }
                }
                _ => {}
            }
        }
        // A year folder followed by a month folder.
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if let Some(next) = segments.get(i + 1)
            && segment.len() == 4
            && all_digits(segment)
            && (1..=2).contains(&next.len())
            && all_digits(next)
        {
            add(year_month(segment, next));
        }
    }
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(format!(
            "its path names {} different months ({})",
            many.len(),
            many.iter()
                .map(|(y, m)| format!("{y}-{m:02}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
