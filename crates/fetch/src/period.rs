//! Months and the UTC clock (no date crate: a civil calendar from days since 1970).

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer};

use crate::FetchError;

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

impl YearMonth {
    /// A month; `None` unless `month` is 1 to 12 and the year has four digits.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        ((1000..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }

    /// The current month in UTC.
    pub fn current() -> YearMonth {
        let (year, month, _) = civil_from_days(unix_seconds().div_euclid(86_400));
        YearMonth { year, month }
    }

    /// The month after.
    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                month: self.month + 1,
                ..self
            }
        }
    }

    /// `YYYYMM`, as Comtrade and file names spell it.
    pub fn compact(self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }

    /// Every month from `first` to `last`, both included (empty when `first > last`).
    pub fn range(first: YearMonth, last: YearMonth) -> Vec<YearMonth> {
        let mut out = Vec::new();
        let mut m = first;
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = FetchError;

    /// `YYYY-MM` or `YYYYMM`.
    fn from_str(s: &str) -> Result<YearMonth, FetchError> {
        let s = s.trim();
        let (y, m) = match s.split_once('-') {
            Some((y, m)) => (y, m),
            None if s.len() == 6 => s.split_at(4),
            None => ("", ""),
        };
        let parsed = (y.len() == 4
            && m.len() == 2
            && (y.to_owned() + m).bytes().all(|b| b.is_ascii_digit()))
        .then(|| YearMonth::new(y.parse().ok()?, m.parse().ok()?))
        .flatten();
        parsed.ok_or_else(|| FetchError::Usage(format!("{s:?} is not a month: expected YYYY-MM")))
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<YearMonth, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// Now, RFC 3339 in UTC to the second: `2026-12-03T09:15:00Z`.
pub(crate) fn now_rfc3339() -> String {
    rfc3339(unix_seconds())
}

fn rfc3339(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_count() {
        let m: YearMonth = "2025-11".parse().unwrap();
        assert_eq!(m, YearMonth::new(2025, 11).unwrap());
        assert_eq!("202511".parse::<YearMonth>().unwrap(), m);
        assert_eq!(m.compact(), "202511");
        assert_eq!(m.next().next().to_string(), "2026-01");
        assert!("2025-13".parse::<YearMonth>().is_err());
        assert!("25-01".parse::<YearMonth>().is_err());
        let r = YearMonth::range(m, "2026-02".parse().unwrap());
        assert_eq!(r.len(), 4);
        assert!(YearMonth::range(r[3], r[0]).is_empty());
    }

    #[test]
    fn clock_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert!(now_rfc3339().ends_with('Z'));
        assert!(YearMonth::current().year >= 2025);
    }
}
