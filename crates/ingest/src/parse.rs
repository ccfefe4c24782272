//! Parsers every reader shares: numbers as customs offices write them, year-months, and
//! codes of digits. Used alike by the China Customs, headline, Comtrade and Census readers,
//! so a number or a month means the same in every source.

/// `YYYYMM` (also `YYYY-MM`, `YYYY/MM`, `YYYY年MM月`) to (year, month), month 1-12, year 1980-2100.
pub fn parse_period(s: &str) -> Option<(i32, u32)> {
    // Digits gathered in place: every China Customs row has a month, so no allocation.
    let mut digits = [0u32; 6];
    let mut count = 0;
    for c in s.chars() {
        match c {
            '0'..='9' => {
                *digits.get_mut(count)? = u32::from(c) - u32::from('0');
                count += 1;
            }
            '-' | '/' | '年' | '月' => {}
            _ => return None,
        }
    }
    if count != digits.len() {
        return None;
    }
    let year = i32::try_from(digits[..4].iter().fold(0, |acc, d| acc * 10 + d)).ok()?;
    let month = digits[4] * 10 + digits[5];
    ((1980..=2100).contains(&year) && (1..=12).contains(&month)).then_some((year, month))
}

/// A whole number of ASCII digits, grouped by three with commas or not (`1,234,567`,
/// `1234567`): the shape of nearly every quantity and value, read without building text.
/// `None` for anything else (then [`parse_number`] reads it the general way).
fn whole_number(s: &[u8]) -> Option<f64> {
    let mut value: u64 = 0;
    let mut group = 0usize;
    let mut grouped = false;
    for &b in s {
        match b {
            b'0'..=b'9' => {
                value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                group += 1;
            }
            // A separator closes a group: the first of 1-3 digits, every later one of 3.
            b',' if group > 0 && (group == 3 || !grouped) && group <= 3 => {
                grouped = true;
                group = 0;
            }
            _ => return None,
        }
    }
    (group > 0 && (!grouped || group == 3)).then_some(value as f64)
}

/// A number with optional thousands separators: `5,917,063,944`, `12.5`, `-3`.
/// Separators must group the integer part by three (`1,2,3` is refused); `NaN`, `inf` and
/// exponents are refused.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(v) = whole_number(s.as_bytes()) {
        return Some(v);
    }
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

/// A year and a month written apart (`2025`, `1` or `01`), checked as [`parse_period`].
pub fn year_month(year: &str, month: &str) -> Option<(i32, u32)> {
    let (year, month) = (year.trim(), month.trim());
    if year.len() != 4 || !(1..=2).contains(&month.len()) {
        return None;
    }
    parse_period(&format!("{year}{month:0>2}"))
}

/// Whether `code` is a code of ASCII digits only (`8505110070`, `156`), never empty.
pub fn is_digit_code(code: &str) -> bool {
    !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_separators() {
        assert_eq!(parse_number("5,917,063,944"), Some(5_917_063_944.0));
        assert_eq!(parse_number(" 12.5 "), Some(12.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("1,2a"), None);
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number("1234,567"), None);
        assert_eq!(parse_number("1.5.5"), None);
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number(",1"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("1e5"), None);
        // The whole-number path and the general one agree.
        assert_eq!(parse_number("1,234,567"), Some(1_234_567.0));
        assert_eq!(parse_number("1234567"), Some(1_234_567.0));
        assert_eq!(parse_number("0"), Some(0.0));
        assert_eq!(parse_number("12,345"), Some(12_345.0));
        assert_eq!(parse_number("1,23"), None);
        assert_eq!(parse_number("1,2345"), None);
        assert_eq!(parse_number("1,,234"), None);
        assert_eq!(parse_number("1,234,"), None);
        assert_eq!(parse_number("99999999999999999999999"), Some(1e23));
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("202511"), Some((2025, 11)));
        assert_eq!(parse_period("2025-11"), Some((2025, 11)));
        assert_eq!(parse_period("202513"), None);
        assert_eq!(parse_period("202500"), None);
        assert_eq!(parse_period("20251"), None);
        assert_eq!(parse_period("2025x1"), None);
        assert_eq!(parse_period("197912"), None);
        assert_eq!(parse_period("210101"), None);
        assert_eq!(parse_period("202512"), Some((2025, 12)));
        assert_eq!(year_month("2025", "1"), Some((2025, 1)));
        assert_eq!(year_month(" 2025", "01 "), Some((2025, 1)));
        assert_eq!(year_month("2025", "13"), None);
        assert_eq!(year_month("2025", "011"), None);
        assert_eq!(year_month("25", "1"), None);
    }

    #[test]
    fn digit_codes() {
        assert!(is_digit_code("8505110070"));
        assert!(!is_digit_code(""));
        assert!(!is_digit_code("85XXXXXX"));
        assert!(!is_digit_code("8505.11"));
    }
}
