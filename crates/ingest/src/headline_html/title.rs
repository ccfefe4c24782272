//! The period and value unit of an English monthly table, from its title and unit lines.

use crate::Currency;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(String),
    Word(String),
    Punct(char),
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    for c in text.chars() {
        match (out.last_mut(), c) {
            (_, c) if c.is_whitespace() => out.push(Token::Punct(' ')),
            (Some(Token::Num(n)), c) if c.is_ascii_digit() => n.push(c),
            (Some(Token::Word(w)), c) if c.is_alphabetic() => w.extend(c.to_lowercase()),
            (_, c) if c.is_ascii_digit() => out.push(Token::Num(c.to_string())),
            (_, c) if c.is_alphabetic() => out.push(Token::Word(c.to_lowercase().collect())),
            (_, c) => out.push(Token::Punct(c)),
        }
    }
    out.retain(|t| *t != Token::Punct(' '));
    out
}

/// The month an English month name or its abbreviation (`jan`, `sept`, `november`; at
/// least three letters, lowercase) names, 1 to 12.
pub fn month_name(word: &str) -> Option<u32> {
    (word.len() >= 3)
        .then(|| MONTHS.iter().position(|m| m.starts_with(word)))
        .flatten()
        .map(|i| i as u32 + 1)
}

fn month_number(token: Option<&Token>) -> Option<u32> {
    match token {
        Some(Token::Num(n)) if n.len() <= 2 => n.parse().ok().filter(|m| (1..=12).contains(m)),
        _ => None,
    }
}

/// (year, first month, last month) of a title: `11.2025`, `1-2.2026`, `2025.11`,
/// `November 2025`, `Jan.-Feb. 2026`. `None` when it names no month of a year.
pub fn parse_english_period(text: &str) -> Option<(i32, u32, u32)> {
    let t = tokens(text);
    let is = |i: Option<usize>, c: char| i.and_then(|i| t.get(i)) == Some(&Token::Punct(c));
    let sep = |i: Option<usize>| is(i, '.') || is(i, '/') || is(i, '-');
    for (yi, token) in t.iter().enumerate() {
        let Token::Num(y) = token else { continue };
        let Some(year) = (y.len() == 4)
            .then(|| y.parse::<i32>().ok())
            .flatten()
            .filter(|y| (1990..=2100).contains(y))
        else {
            continue;
        };
        let back = |k: usize| yi.checked_sub(k);
        let at = |i: Option<usize>| i.and_then(|i| t.get(i));
        // `11.2025`, `1-2.2026`.
        if (is(back(1), '.') || is(back(1), '/'))
            && let Some(last) = month_number(at(back(2)))
        {
            let first = match month_number(at(back(4))) {
                Some(first) if is(back(3), '-') && first <= last => first,
                _ => last,
            };
            return Some((year, first, last));
        }
        // `2025.11`, `2025-11`, `2025.1-2`.
        if sep(Some(yi + 1))
            && let Some(first) = month_number(t.get(yi + 2))
        {
            let last = match month_number(t.get(yi + 4)) {
                Some(last) if is(Some(yi + 3), '-') && first <= last => last,
                _ => first,
            };
            return Some((year, first, last));
        }
        // `November 2025`, `Jan.-Feb. 2026`: month names just before the year.
        let names: Vec<u32> = t[yi.saturating_sub(6)..yi]
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => month_name(w),
                _ => None,
            })
            .collect();
        if let (Some(&first), Some(&last)) = (names.first(), names.last())
            && first <= last
        {
            return Some((year, first, last));
        }
    }
    None
}

/// Currency and multiplier of a unit line: `Unit: US$1,000` is dollars times 1,000;
/// `Unit: RMB 10,000 yuan` yuan times 10,000; `US$ million` dollars times 1,000,000.
pub fn parse_english_unit(text: &str) -> Option<(Currency, f64)> {
    let lower = text.to_lowercase();
    let currency = if ["us$", "usd", "dollar"].iter().any(|c| lower.contains(c)) {
        Currency::Usd
    } else if ["rmb", "yuan", "cny"].iter().any(|c| lower.contains(c)) {
        Currency::Cny
    } else {
        return None;
    };
    let first_number: f64 = tokens(&lower.replace(',', ""))
        .iter()
        .find_map(|t| match t {
            Token::Num(n) => n.parse().ok(),
            _ => None,
        })
        .unwrap_or(1.0);
    let words = [("thousand", 1e3), ("million", 1e6), ("billion", 1e9)];
    let multiplier = words
        .iter()
        .find(|(w, _)| lower.contains(w))
        .map_or(1.0, |(_, m)| *m);
    Some((currency, first_number * multiplier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_of_english_titles() {
        let p = parse_english_period;
        assert_eq!(
            p("(13) China's Major Export Commodities in Quantity and Value, 11.2025 (in USD)"),
            Some((2025, 11, 11))
        );
        assert_eq!(p("Major Export Commodities, 1-2.2026"), Some((2026, 1, 2)));
        assert_eq!(p("Major Export Commodities, 2025.11"), Some((2025, 11, 11)));
        assert_eq!(
            p("Major Export Commodities, November 2025"),
            Some((2025, 11, 11))
        );
        assert_eq!(
            p("Major Export Commodities, Jan.-Feb. 2026"),
            Some((2026, 1, 2))
        );
        assert_eq!(p("Major Export Commodities (13)"), None);
        assert_eq!(p("13.2025"), None);
    }

    #[test]
    fn units_of_english_tables() {
        let u = parse_english_unit;
        assert_eq!(u("Unit: US$1,000"), Some((Currency::Usd, 1e3)));
        assert_eq!(u("Unit: USD 10,000"), Some((Currency::Usd, 1e4)));
        assert_eq!(u("Unit: 1,000 US dollars"), Some((Currency::Usd, 1e3)));
        assert_eq!(u("Unit: US$ million"), Some((Currency::Usd, 1e6)));
        assert_eq!(u("Unit: RMB 10,000 yuan"), Some((Currency::Cny, 1e4)));
        assert_eq!(u("Unit: Tonne"), None);
    }
}
