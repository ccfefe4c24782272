//! Calendar arithmetic for periods.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian), as Arrow `Date32`.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    // Howard Hinnant's algorithm: exact for every date, no tables.
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `Date32` of the first day of a month.
pub fn month_start(year: i32, month: u32) -> i32 {
    days_from_civil(year, month, 1)
}

/// (year, month, day) of a `Date32`: the inverse of [`days_from_civil`].
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i32::from(m <= 2), m, d)
}

/// `YYYY-MM-DD` to a `Date32`; `None` for anything that is not a real calendar date
/// (`2025-02-31`, `2025-13-01`, `2024-02-30`), so no date silently rolls over.
pub fn parse_date(text: &str) -> Option<i32> {
    let mut parts = text.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let (y, m, d): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // The date is real exactly when it converts back to itself.
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

/// A `Date32` as `YYYY-MM-DD`: the inverse of [`parse_date`].
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// UTC microseconds since 1970 as RFC 3339 (`2026-12-03T07:55:00Z`, whole seconds).
pub fn format_timestamp_us(us: i64) -> String {
    let seconds = us.div_euclid(1_000_000);
    let day = seconds.div_euclid(86_400);
    let s = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(day as i32),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_rfc3339() {
        // 2026-12-03 is day 20,790 since 1970; 07:55:00 is 28,500 s into it.
        let us = (20_790 * 86_400 + 28_500) * 1_000_000;
        assert_eq!(format_timestamp_us(us), "2026-12-03T07:55:00Z");
        assert_eq!(format_timestamp_us(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(month_start(2025, 11), 20_393);
        assert_eq!(month_start(2024, 3) - month_start(2024, 2), 29);
        assert_eq!(civil_from_days(20_393), (2025, 11, 1));
        assert_eq!(parse_date("2025-11-01"), Some(20_393));
        assert_eq!(parse_date("2025-13-01"), None);
        assert_eq!(parse_date("2025-11"), None);
        assert_eq!(parse_date("2025-02-31"), None);
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2025-04-31"), None);
        assert_eq!(parse_date("2025-11-00"), None);
    }
}
