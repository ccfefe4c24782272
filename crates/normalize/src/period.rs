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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(month_start(2025, 11), 20_393);
        assert_eq!(month_start(2024, 3) - month_start(2024, 2), 29);
    }
}
