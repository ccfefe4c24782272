//! Which release of a figure is current, with one exception to "the latest wins": two
//! downloads of the same figures in two currencies.
//!
//! China Customs' query platform gives one currency per download, so users often save the
//! same query twice, in 人民币 and in 美元. Those two files are one figure, not a revision:
//! the current row keeps the yuan as published (`value_native`, `currency`) and takes the
//! published dollars (`value_usd`, not a conversion) from its twin, whichever file came
//! first. The twin (the dollar row) moves to `trade_flows_superseded`, so it is there for
//! the next settle if the yuan file goes.
//!
//! The rule: for a key, the two latest releases form a pair when each reports the key on
//! one row, exactly one of them in US dollars, with equal `quantity_kg` (both missing counts
//! as equal). A later release that is not such a twin supersedes both, as any revision does.

use arrow::array::{Array, AsArray, Float64Array, RecordBatch};
use arrow::datatypes::Float64Type;

use crate::column::{Strings, strings};

/// A row: (batch index, row index).
pub(crate) type At = (usize, usize);

/// One release's rows of a key.
#[derive(Debug, Clone, Copy)]
struct Seen {
    seq: i64,
    at: At,
    rows: u32,
}

/// The two latest releases that report a key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Releases {
    top: Seen,
    second: Option<Seen>,
}

impl Releases {
    /// The first row seen of a key.
    pub(crate) fn new(seq: i64, at: At) -> Releases {
        Releases {
            top: Seen { seq, at, rows: 1 },
            second: None,
        }
    }

    /// Another row of the key.
    pub(crate) fn see(&mut self, seq: i64, at: At) {
        let seen = Seen { seq, at, rows: 1 };
        match self.second.as_mut() {
            _ if seq == self.top.seq => self.top.rows += 1,
            _ if seq > self.top.seq => self.second = Some(std::mem::replace(&mut self.top, seen)),
            Some(s) if seq == s.seq => s.rows += 1,
            Some(s) if seq < s.seq => {}
            _ => self.second = Some(seen),
        }
    }
}

/// What settling does with a key's rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Decision {
    /// Rows of this release are current.
    pub(crate) current_seq: i64,
    /// For a currency pair: the current row, and the dollar value it takes from its twin.
    pub(crate) usd_from_twin: Option<(At, Option<f64>)>,
}

/// The money columns of a batch, when it has them (rows written before they existed do not
/// pair).
pub(crate) struct Money<'a> {
    currency: Strings<'a>,
    kg: &'a Float64Array,
    usd: &'a Float64Array,
}

impl<'a> Money<'a> {
    /// The columns of `batch`, or `None` if one is missing or of another type.
    pub(crate) fn of(batch: &'a RecordBatch) -> Option<Money<'a>> {
        let place = "trade_flows (rows being settled)";
        Some(Money {
            currency: strings(batch, "currency", &place).ok()?,
            kg: batch
                .column_by_name("quantity_kg")?
                .as_primitive_opt::<Float64Type>()?,
            usd: batch
                .column_by_name("value_usd")?
                .as_primitive_opt::<Float64Type>()?,
        })
    }
}

fn value(a: &Float64Array, i: usize) -> Option<f64> {
    a.is_valid(i).then(|| a.value(i))
}

impl Releases {
    /// Which rows are current, given the batches' money columns.
    pub(crate) fn decide(&self, money: &[Option<Money<'_>>]) -> Decision {
        let latest = Decision {
            current_seq: self.top.seq,
            usd_from_twin: None,
        };
        let Some(second) = self.second else {
            return latest;
        };
        if self.top.rows != 1 || second.rows != 1 {
            return latest;
        }
        let row = |s: Seen| {
            let m = money[s.at.0].as_ref()?;
            let i = s.at.1;
            Some((m.currency.get(i)?, value(m.kg, i), value(m.usd, i)))
        };
        let (Some((top_ccy, top_kg, top_usd)), Some((second_ccy, second_kg, second_usd))) =
            (row(self.top), row(second))
        else {
            return latest;
        };
        let same_kg = match (top_kg, second_kg) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
            (None, None) => true,
            _ => false,
        };
        if !same_kg || (top_ccy == "USD") == (second_ccy == "USD") {
            return latest;
        }
        let (native, dollars) = if top_ccy == "USD" {
            (second, top_usd)
        } else {
            (self.top, second_usd)
        };
        Decision {
            current_seq: native.seq,
            usd_from_twin: Some((native.at, dollars)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_latest_releases_are_tracked_in_any_order() {
        for order in [[1, 2, 3], [3, 1, 2], [2, 3, 1]] {
            let mut r = Releases::new(order[0], (0, order[0] as usize));
            r.see(order[1], (0, order[1] as usize));
            r.see(order[2], (0, order[2] as usize));
            assert_eq!(
                (r.top.seq, r.second.map(|s| s.seq)),
                (3, Some(2)),
                "{order:?}"
            );
            assert_eq!(r.top.at, (0, 3));
        }
        let mut r = Releases::new(2, (0, 0));
        r.see(2, (0, 1));
        assert_eq!((r.top.rows, r.second.is_none()), (2, true));
    }
}
