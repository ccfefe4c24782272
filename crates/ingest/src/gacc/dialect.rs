//! The platform's CSV dialect: field splitting, numbers with thousands separators, months,
//! and the month a file's name or folder gives.

use crate::error::RowError;

pub(crate) fn is_no_unit(s: &str) -> bool {
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

fn year_month(year: &str, month: &str) -> Option<(i32, u32)> {
    parse_period(&format!("{year}{month:0>2}"))
}
