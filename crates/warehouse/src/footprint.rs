//! What each release wrote into each partition, in brief: the range of a few key columns.
//! Two releases can report the same figure only if, on every one of these columns, their
//! ranges overlap (or both have NULLs, which compare equal). A download split into files by
//! commodity or by partner gives disjoint ranges, so settling can move its files as they
//! are instead of reading the keys back ([`crate::merge::keys_repeat_across_releases`]).

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::{max_string, min_string};
use arrow::datatypes::{DataType, Int64Type, Schema};

/// Key columns whose ranges are kept (those a download is usually split by).
const RANGE_COLUMNS: [&str; 2] = ["hs_code", "partner_code"];

/// Where the release and range columns are in a file schema.
#[derive(Debug, Clone, Default)]
pub(crate) struct FootprintColumns {
    release: Option<usize>,
    ranges: Vec<usize>,
}

impl FootprintColumns {
    /// The columns of `schema` to look at: `release_seq` (Int64) and the text columns of
    /// [`RANGE_COLUMNS`] it has.
    pub(crate) fn of(schema: &Schema) -> FootprintColumns {
        let typed = |name: &str, ty: &DataType| {
            schema
                .index_of(name)
                .ok()
                .filter(|&i| schema.field(i).data_type() == ty)
        };
        FootprintColumns {
            release: typed("release_seq", &DataType::Int64),
            ranges: RANGE_COLUMNS
                .iter()
                .filter_map(|c| typed(c, &DataType::Utf8))
                .collect(),
        }
    }

    /// The footprint of one part (a batch with the file schema).
    pub(crate) fn measure(&self, batch: &RecordBatch) -> Footprint {
        let release = self.release.and_then(|i| {
            let col = batch.column(i).as_primitive_opt::<Int64Type>()?;
            let first = col.iter().next()??;
            (col.null_count() == 0 && col.values().iter().all(|v| *v == first)).then_some(first)
        });
        let ranges = self
            .ranges
            .iter()
            .map(|&i| {
                let col = batch.column(i).as_string::<i32>();
                let span = min_string(col)
                    .zip(max_string(col))
                    .map(|(lo, hi)| (lo.to_owned(), hi.to_owned()));
                Range {
                    span,
                    nulls: col.null_count() > 0,
                }
            })
            .collect();
        Footprint { release, ranges }
    }

    /// Whether there are range columns at all (without them every partition written by
    /// two releases has to be checked).
    fn useful(&self) -> bool {
        self.release.is_some() && !self.ranges.is_empty()
    }
}

/// One part's (or one release's) values of the range columns.
#[derive(Debug, Clone)]
pub(crate) struct Footprint {
    /// The part's release, when all its rows have one.
    release: Option<i64>,
    ranges: Vec<Range>,
}

#[derive(Debug, Clone)]
struct Range {
    /// Smallest and largest value; `None` when every value is NULL.
    span: Option<(String, String)>,
    nulls: bool,
}

impl Range {
    fn widen(&mut self, other: &Range) {
        self.nulls |= other.nulls;
        self.span = match (self.span.take(), &other.span) {
            (Some((lo, hi)), Some((l, h))) => Some((lo.min(l.clone()), hi.max(h.clone()))),
            (a, b) => a.or_else(|| b.clone()),
        };
    }

    /// Whether a value of this range can equal one of `other`.
    fn meets(&self, other: &Range) -> bool {
        let spans = match (&self.span, &other.span) {
            (Some((lo, hi)), Some((l, h))) => lo <= h && l <= hi,
            _ => false,
        };
        spans || (self.nulls && other.nulls)
    }
}

/// Per partition, per release, the widened footprint of what it wrote.
#[derive(Debug, Default)]
pub(crate) struct Footprints {
    useful: bool,
    by_partition: BTreeMap<(i32, i32), Releases>,
}

#[derive(Debug, Default)]
struct Releases {
    /// A part without a single release was written: the partition has to be checked.
    unknown: bool,
    by_release: BTreeMap<i64, Vec<Range>>,
}

impl Footprints {
    pub(crate) fn new(columns: &FootprintColumns) -> Footprints {
        Footprints {
            useful: columns.useful(),
            by_partition: BTreeMap::new(),
        }
    }

    /// Adds a part's footprint to its partition.
    pub(crate) fn add(&mut self, key: (i32, i32), part: &Footprint) {
        let entry = self.by_partition.entry(key).or_default();
        match part.release {
            Some(release) if self.useful => match entry.by_release.get_mut(&release) {
                Some(ranges) => ranges
                    .iter_mut()
                    .zip(&part.ranges)
                    .for_each(|(r, p)| r.widen(p)),
                None => {
                    entry.by_release.insert(release, part.ranges.clone());
                }
            },
            _ => entry.unknown = true,
        }
    }

    /// Partitions where two releases may report the same figure: their ranges meet on
    /// every range column (or a part's release was not known).
    pub(crate) fn may_share_keys(&self) -> BTreeSet<(i32, i32)> {
        self.by_partition
            .iter()
            .filter(|(_, r)| {
                r.unknown || {
                    let releases: Vec<&Vec<Range>> = r.by_release.values().collect();
                    releases.iter().enumerate().any(|(i, a)| {
                        releases[i + 1..]
                            .iter()
                            .any(|b| a.iter().zip(b.iter()).all(|(x, y)| x.meets(y)))
                    })
                }
            })
            .map(|(k, _)| *k)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::Field;

    use super::*;

    /// A part of release `seq` with these (hs_code, partner_code) rows.
    fn part(seq: i64, rows: &[(Option<&str>, &str)]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("hs_code", DataType::Utf8, true),
            Field::new("partner_code", DataType::Utf8, false),
            Field::new("release_seq", DataType::Int64, false),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(rows.iter().map(|r| r.0).collect::<StringArray>()),
                Arc::new(rows.iter().map(|r| Some(r.1)).collect::<StringArray>()),
                Arc::new(Int64Array::from(vec![seq; rows.len()])),
            ],
        )
        .unwrap()
    }

    fn shared(parts: &[((i32, i32), RecordBatch)]) -> Vec<(i32, i32)> {
        let columns = FootprintColumns::of(&parts[0].1.schema());
        let mut footprints = Footprints::new(&columns);
        for (key, batch) in parts {
            footprints.add(*key, &columns.measure(batch));
        }
        footprints.may_share_keys().into_iter().collect()
    }

    #[test]
    fn files_split_by_commodity_or_by_partner_cannot_share_a_figure() {
        let m = (2025, 11);
        // By commodity: chapter 28 in one file, 85 in the other, same partners.
        let by_commodity = [
            (
                m,
                part(1, &[(Some("28053011"), "502"), (Some("28469019"), "116")]),
            ),
            (
                m,
                part(2, &[(Some("85051110"), "502"), (Some("85051190"), "116")]),
            ),
        ];
        assert!(shared(&by_commodity).is_empty());
        // By partner: same lines, partners apart.
        let by_partner = [
            (
                m,
                part(1, &[(Some("85051110"), "116"), (Some("28053011"), "133")]),
            ),
            (
                m,
                part(2, &[(Some("85051110"), "502"), (Some("28053011"), "601")]),
            ),
        ];
        assert!(shared(&by_partner).is_empty());
    }

    #[test]
    fn ranges_that_meet_on_every_column_or_nulls_on_both_sides_need_a_check() {
        let (m, n) = ((2025, 11), (2025, 12));
        // A re-download: both columns overlap in November; December has one release.
        let parts = [
            (m, part(1, &[(Some("85051110"), "502")])),
            (
                m,
                part(2, &[(Some("85051110"), "502"), (Some("85051190"), "601")]),
            ),
            (n, part(2, &[(Some("85051110"), "502")])),
        ];
        assert_eq!(shared(&parts), vec![m]);
        // NULL hs_code on both sides compares equal: the partners meet, so check.
        let nulls = [
            (m, part(1, &[(None, "502"), (Some("10000000"), "502")])),
            (m, part(2, &[(None, "502"), (Some("99000000"), "502")])),
        ];
        assert_eq!(shared(&nulls), vec![m]);
        // NULL on one side only and apart ranges: cannot meet.
        let one_null = [
            (m, part(1, &[(None, "502"), (Some("10000000"), "502")])),
            (m, part(2, &[(Some("99000000"), "502")])),
        ];
        assert!(shared(&one_null).is_empty());
    }
}
