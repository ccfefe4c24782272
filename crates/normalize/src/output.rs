//! Rows normalized from the records of one piece of work, on their way to a [`Normalized`].

use arrow::error::ArrowError;
use rareflow_ingest::{Period, Rejected};

use crate::reference::Reference;
use crate::rows::{RejectRows, Release, TradeFlowRow, TradeFlowRows, period_columns};
use crate::source::{Normalized, widen_periods};

/// Rows normalized so far from records read one at a time.
#[derive(Debug)]
pub struct Output {
    /// Monthly rows.
    pub flows: TradeFlowRows,
    /// Annual rows.
    pub annual: TradeFlowRows,
    /// Rejects.
    pub rejects: RejectRows,
    /// Records read.
    pub rows_read: u64,
    /// Earliest and latest monthly period.
    pub periods: Option<(i32, i32)>,
    /// Foreign-currency rows without a rate.
    pub rows_without_usd: u64,
}

impl Output {
    /// An empty output for rows of `release`.
    pub fn new(release: Release, capacity: usize) -> Self {
        Output {
            flows: TradeFlowRows::with_capacity(capacity, release),
            annual: TradeFlowRows::with_capacity(16, release),
            rejects: RejectRows::default(),
            rows_read: 0,
            periods: None,
            rows_without_usd: 0,
        }
    }

    /// Adds a `trade_flows` row: a monthly one to [`Output::flows`], a whole year's to
    /// [`Output::annual`]. The one place where `value_usd` is set: the native value if in
    /// US dollars, else converted at the month's rate of the reference's `fx_rates` (a year
    /// has no rate); a value that could not be converted is counted in
    /// [`Output::rows_without_usd`].
    pub fn push(&mut self, reference: &Reference, row: &TradeFlowRow<'_>) {
        let value_usd = row
            .value_native
            .and_then(|value| match (row.currency, row.period) {
                ("USD", _) => Some(value),
                (currency, Period::Month(year, month)) => reference
                    .per_usd(currency, year, month)
                    .map(|rate| value / rate),
                (_, Period::Year(_)) => None,
            });
        self.rows_without_usd += u64::from(row.value_native.is_some() && value_usd.is_none());
        match row.period {
            Period::Month(..) => {
                let (_, _, first_day) = period_columns(row.period);
                widen_periods(&mut self.periods, (first_day, first_day));
                self.flows.push(row, value_usd);
            }
            Period::Year(_) => self.annual.push(row, value_usd),
        }
    }

    /// Records a reject.
    pub fn reject(&mut self, source: &str, file: &str, r: &Rejected) {
        self.rejects.push(
            source,
            file,
            r.line,
            r.error.code(),
            &r.error.to_string(),
            &r.raw,
        );
    }

    /// The rows as batches.
    pub fn finish(mut self) -> Result<Normalized, ArrowError> {
        Ok(Normalized {
            flows: self.flows.finish()?,
            annual: self.annual.finish()?,
            rejects: self.rejects.finish()?,
            rows_read: self.rows_read,
            periods: self.periods,
            rows_without_usd: self.rows_without_usd,
            rows_gathered: 0,
            gathered: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{AsArray, Float64Array, Int32Array, RecordBatch};
    use arrow::datatypes::{Float64Type, Int32Type};

    use super::*;

    #[test]
    fn months_and_years_go_to_their_table_and_dollars_are_set_in_one_place() {
        let reference = Reference::bundled().unwrap();
        let mut out = Output::new(Release::default(), 4);
        let row = |period, currency, value| TradeFlowRow {
            currency,
            value_native: value,
            hs_code: "85051110",
            ..TradeFlowRow::new("test", period, "f.csv", 1)
        };
        // fx_rates.csv: 2018-01 EUR 0.819739 per USD, so EUR 819,739 is USD 1,000,000.
        out.push(
            &reference,
            &row(Period::Month(2018, 1), "EUR", Some(819_739.0)),
        );
        // No rate for 2030-01: no dollars, counted.
        out.push(&reference, &row(Period::Month(2030, 1), "CNY", Some(50.0)));
        // A year has no rate: no dollars, counted; dollars stay dollars; no value, nothing to count.
        out.push(&reference, &row(Period::Year(2018), "EUR", Some(100.0)));
        out.push(&reference, &row(Period::Year(2019), "USD", Some(7.0)));
        out.push(&reference, &row(Period::Year(2019), "USD", None));
        assert_eq!(out.rows_without_usd, 2);
        // 2018-01-01 and 2030-01-01 as days since 1970-01-01.
        assert_eq!(out.periods, Some((17_532, 21_915)));
        let n = out.finish().unwrap();
        let usd = |b: &RecordBatch| {
            b.column_by_name("value_usd")
                .unwrap()
                .as_primitive::<Float64Type>()
                .clone()
        };
        let int = |b: &RecordBatch, c: &str| {
            b.column_by_name(c)
                .unwrap()
                .as_primitive::<Int32Type>()
                .clone()
        };
        assert_eq!(
            usd(&n.flows),
            Float64Array::from(vec![Some(1_000_000.0), None])
        );
        assert_eq!(int(&n.flows, "month"), Int32Array::from(vec![1, 1]));
        assert_eq!(int(&n.flows, "hs_level"), Int32Array::from(vec![8, 8]));
        assert_eq!(
            usd(&n.annual),
            Float64Array::from(vec![None, Some(7.0), None])
        );
        assert_eq!(int(&n.annual, "month"), Int32Array::from(vec![0, 0, 0]));
        assert_eq!(
            int(&n.annual, "year"),
            Int32Array::from(vec![2018, 2019, 2019])
        );
    }
}
