//! Monthly exchange rates: units of a currency per US dollar, by month, with a source.
//!
//! One table for every currency (`data/reference/fx_rates.csv`: `month,currency,per_usd,source`).
//! The copy compiled into the binaries is the fallback; a run can read the file from a
//! reference folder instead, so users update rates without rebuilding.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};

use crate::period::month_start;
use crate::refdata::{ReferenceError, batch};

/// The rates shipped with rareflow.
pub(crate) const BUNDLED_FX_CSV: &str = include_str!("../../../data/reference/fx_rates.csv");

/// Exchange rates by (currency, year, month).
#[derive(Debug, Clone, Default)]
pub struct FxRates {
    rates: HashMap<(String, i32, u32), (f64, String)>,
    origin: String,
}

impl FxRates {
    /// Parses `month,currency,per_usd,source` rows. `origin` names the text in errors
    /// (a path, or "bundled").
    pub fn parse(text: &str, origin: &str) -> Result<FxRates, ReferenceError> {
        let bad = |line: u64, message: String| ReferenceError {
            table: "fx_rates",
            line,
            message: format!("{origin}: {message}"),
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| bad(1, e.to_string()))?
            .iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        let expected = ["month", "currency", "per_usd", "source"];
        if headers != expected {
            return Err(bad(1, format!("header {headers:?}, expected {expected:?}")));
        }
        let mut rates = HashMap::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
            let line = rec.position().map_or(0, |p| p.line());
            let (year, month) = rec[0]
                .split_once('-')
                .and_then(|(y, m)| Some((y.parse().ok()?, m.parse().ok()?)))
                .filter(|&(_, m): &(i32, u32)| (1..=12).contains(&m))
                .ok_or_else(|| bad(line, format!("month {:?}: expected YYYY-MM", &rec[0])))?;
            let currency = rec[1].trim().to_ascii_uppercase();
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(bad(
                    line,
                    format!("currency {:?}: expected ISO 4217", &rec[1]),
                ));
            }
            let rate: f64 = rec[2]
                .trim()
                .parse()
                .ok()
                .filter(|r: &f64| r.is_finite() && *r > 0.0)
                .ok_or_else(|| {
                    bad(
                        line,
                        format!("per_usd {:?}: expected a positive number", &rec[2]),
                    )
                })?;
            if rates
                .insert((currency.clone(), year, month), (rate, rec[3].to_owned()))
                .is_some()
            {
                return Err(bad(line, format!("{currency} {} appears twice", &rec[0])));
            }
        }
        Ok(FxRates {
            rates,
            origin: origin.to_owned(),
        })
    }

    /// The compiled-in rates.
    pub fn bundled() -> Result<FxRates, ReferenceError> {
        FxRates::parse(BUNDLED_FX_CSV, "bundled fx_rates.csv")
    }

    /// `DIR/fx_rates.csv` when it exists, else the compiled-in rates.
    pub fn from_dir_or_bundled(dir: Option<&Path>) -> Result<FxRates, ReferenceError> {
        let Some(path) = dir.map(|d| d.join("fx_rates.csv")).filter(|p| p.is_file()) else {
            return FxRates::bundled();
        };
        let text = std::fs::read_to_string(&path).map_err(|e| ReferenceError {
            table: "fx_rates",
            line: 0,
            message: format!("{}: {e}", path.display()),
        })?;
        FxRates::parse(&text, &path.display().to_string())
    }

    /// Where the rates were read from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Units of `currency` per US dollar in a month; 1 for USD.
    pub fn per_usd(&self, currency: &str, year: i32, month: u32) -> Option<f64> {
        if currency == "USD" {
            return Some(1.0);
        }
        self.rates
            .get(&(currency.to_owned(), year, month))
            .map(|(rate, _)| *rate)
    }

    /// Units of `currency` per US dollar for a figure covering several months of one year
    /// (China's January-February release): the mean of the covered months' rates, each
    /// month weighted alike, since the figure is not split by month. `None` when any covered
    /// month has no rate (a figure is never converted at part of its period's rates).
    pub fn mean_per_usd(
        &self,
        currency: &str,
        year: i32,
        months: RangeInclusive<u32>,
    ) -> Option<f64> {
        let count = months.clone().count();
        if count == 0 {
            return None;
        }
        let mut sum = 0.0;
        for month in months {
            sum += self.per_usd(currency, year, month)?;
        }
        Some(sum / count as f64)
    }

    /// The `fx_rates` table: `month` (Date32), `currency`, `per_usd`, `source`.
    pub fn batch(&self) -> RecordBatch {
        let mut rows: Vec<_> = self.rates.iter().collect();
        rows.sort_by(|a, b| (&a.0.0, a.0.1, a.0.2).cmp(&(&b.0.0, b.0.1, b.0.2)));
        let month: ArrayRef = Arc::new(Date32Array::from_iter_values(
            rows.iter().map(|((_, y, m), _)| month_start(*y, *m)),
        ));
        let currency: ArrayRef = Arc::new(StringArray::from_iter_values(
            rows.iter().map(|((c, _, _), _)| c.as_str()),
        ));
        let rate: ArrayRef = Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|(_, (r, _))| *r),
        ));
        let source: ArrayRef = Arc::new(StringArray::from_iter_values(
            rows.iter().map(|(_, (_, s))| s.as_str()),
        ));
        batch(vec![
            ("month", month),
            ("currency", currency),
            ("per_usd", rate),
            ("source", source),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rates_have_the_fred_november_2025_yuan() {
        let fx = FxRates::bundled().unwrap();
        // 2025-11 is an estimate in the file (the last transcribed month carried forward).
        assert_eq!(fx.per_usd("CNY", 2025, 11), Some(7.18));
        assert_eq!(fx.per_usd("USD", 1999, 1), Some(1.0));
        assert_eq!(fx.per_usd("CNY", 1999, 1), None);
    }

    #[test]
    fn a_file_overrides_and_bad_rows_are_named() {
        let fx =
            FxRates::parse("month,currency,per_usd,source\n2030-01,eur,0.9,test\n", "t").unwrap();
        assert_eq!(fx.per_usd("EUR", 2030, 1), Some(0.9));
        let err = FxRates::parse(
            "month,currency,per_usd,source\n2030-13,EUR,0.9,x\n",
            "f.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("f.csv") && err.contains("2030-13"), "{err}");
        let err = FxRates::parse("month,currency,per_usd,source\n2030-01,EUR,-1,x\n", "f.csv")
            .unwrap_err()
            .to_string();
        assert!(err.contains("positive"), "{err}");
    }

    #[test]
    fn a_period_of_months_takes_the_mean_of_their_rates() {
        let fx = FxRates::parse(
            "month,currency,per_usd,source\n2030-01,CNY,7.0,t\n2030-02,CNY,7.2,t\n2030-03,CNY,7.5,t\n",
            "t",
        )
        .unwrap();
        // (7.0 + 7.2) / 2 = 7.1; (7.0 + 7.2 + 7.5) / 3 = 7.2333...
        assert_eq!(fx.mean_per_usd("CNY", 2030, 1..=2), Some(7.1));
        let q1 = fx.mean_per_usd("CNY", 2030, 1..=3).unwrap();
        assert!((q1 - 21.7 / 3.0).abs() < 1e-12, "{q1}");
        assert_eq!(fx.mean_per_usd("CNY", 2030, 2..=2), Some(7.2));
        // April has no rate: no conversion at part of the period's rates.
        assert_eq!(fx.mean_per_usd("CNY", 2030, 3..=4), None);
        assert_eq!(fx.mean_per_usd("USD", 2030, 1..=2), Some(1.0));
    }
}
