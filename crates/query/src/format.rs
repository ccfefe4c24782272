//! Numbers, dates and months as analysts read them, and month arithmetic: shared by the
//! binary's output and the presentation crate (charts, the brief).

pub use rareflow_normalize::period::format_date;
use rareflow_normalize::period::{civil_from_days, month_start};

/// `YYYY-MM`.
pub fn format_month(days: i32) -> String {
    let (y, m, _) = civil_from_days(days);
    format!("{y:04}-{m:02}")
}

/// The first day of the month `months` after the month holding `days` (negative: before).
pub fn add_months(days: i32, months: i32) -> i32 {
    let (y, m, _) = civil_from_days(days);
    let index = y * 12 + (m as i32 - 1) + months;
    month_start(index.div_euclid(12), (index.rem_euclid(12) + 1) as u32)
}

/// `November 2025`.
pub fn month_name(day: i32) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (y, m, _) = civil_from_days(day);
    format!("{} {y}", NAMES[(m as usize + 11) % 12])
}

/// A number with thousands separators and `decimals` decimals (`6,150`, `5,493.9`).
pub fn fmt_number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text.clone(), None),
    };
    let grouped = group_thousands(&int);
    let negative = v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A count with thousands separators (`2,000,000`).
pub fn fmt_count(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// Digits with a comma before each group of three from the right.
fn group_thousands(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// A quantity as the brief writes it: whole numbers without decimals, others with one,
/// and the unit (`582 t`, `5,493.9 t`).
pub fn fmt_quantity(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(v) if v.fract() == 0.0 => format!("{} {unit}", fmt_number(v, 0)),
        Some(v) => format!("{} {unit}", fmt_number(v, 1)),
        None => "n/a".into(),
    }
}

/// A change in percent with its sign (`-11.3%`, `+26.5%`).
pub fn fmt_pct(v: Option<f64>) -> String {
    match v {
        Some(v) if v > 0.0 => format!("+{}%", fmt_number(v, 1)),
        Some(v) => format!("{}%", fmt_number(v, 1)),
        None => "n/a".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_numbers_group_thousands() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(2_000_000), "2,000,000");
        assert_eq!(fmt_count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(fmt_number(-5493.94, 1), "-5,493.9");
        assert_eq!(fmt_number(6150.0, 0), "6,150");
    }
}
