//! What period a figure covers: one type for every source, so "annual" is said one way.

/// The period a record's figure covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// One calendar month: year and month 1-12.
    Month(i32, u32),
    /// A whole calendar year (Comtrade `refMonth` 52, Eurostat `YYYY52`, Census December
    /// year-to-date values).
    Year(i32),
}

impl Period {
    /// The year.
    pub fn year(self) -> i32 {
        match self {
            Period::Month(year, _) | Period::Year(year) => year,
        }
    }

    /// The month, for a monthly period.
    pub fn month(self) -> Option<u32> {
        match self {
            Period::Month(_, month) => Some(month),
            Period::Year(_) => None,
        }
    }

    /// Whether the period is a whole year.
    pub fn is_annual(self) -> bool {
        matches!(self, Period::Year(_))
    }
}
