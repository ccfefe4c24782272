//! Row groups of the partitioned writer: independent of the order of the input, no row
//! lost, rows in file order within a partition.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, AsArray, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{PartitionAppender, PartitionLayout};
use crate::error::WarehouseError;
use crate::merge::{list_partitions, partition_dir};

fn schema() -> Schema {
    Schema::new(vec![
        Field::new("line", DataType::Int64, false),
        Field::new("hs_code", DataType::Utf8, false),
        Field::new("partner", DataType::Utf8, true),
        Field::new("year", DataType::Int32, false),
        Field::new("month", DataType::Int32, false),
    ])
}

/// Rows `first..first + n` of an input whose month cycles row by row through `months`
/// months of 2024 (row i is in month i % months + 1).
fn interleaved(first: usize, n: usize, months: usize) -> RecordBatch {
    let lines: Vec<i64> = (first..first + n).map(|i| i as i64).collect();
    let hs: Vec<String> = lines.iter().map(|i| format!("{:08}", i % 97)).collect();
    let partner: Vec<Option<&str>> = lines
        .iter()
        .map(|i| (i % 5 != 0).then_some(["USA", "JPN", "KOR", "DEU"][(*i % 4) as usize]))
        .collect();
    let month: Vec<i32> = lines
        .iter()
        .map(|i| (*i as usize % months) as i32 + 1)
        .collect();
    RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            Arc::new(Int64Array::from(lines)),
            Arc::new(StringArray::from(hs)),
            Arc::new(StringArray::from(partner)),
            Arc::new(Int32Array::from(vec![2024; n])),
            Arc::new(Int32Array::from(month)),
        ],
    )
    .unwrap()
}

/// Writes `total` interleaved rows in batches of `batch_rows`, split as the workers do.
fn write(dir: &Path, appender: PartitionAppender, total: usize, batch_rows: usize, months: usize) {
    let mut appender = appender;
    let layout = appender.layout().clone();
    let mut first = 0;
    while first < total {
        let n = batch_rows.min(total - first);
        appender
            .append_all(layout.split(&interleaved(first, n, months)).unwrap())
            .unwrap();
        first += n;
    }
    assert_eq!(appender.finish().unwrap(), total as u64);
    assert!(dir.is_dir());
}

/// (rows per row group, every `line` in file order) of one partition's file.
fn read_partition(dir: &Path, key: (i32, i32)) -> (Vec<usize>, Vec<i64>) {
    let path = partition_dir(dir, key).join("part-00000.parquet");
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    let groups = builder
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows() as usize)
        .collect();
    let mut lines = Vec::new();
    for batch in builder.build().unwrap() {
        let batch = batch.unwrap();
        assert_eq!(
            batch.schema().fields().len(),
            3,
            "partition columns are not stored"
        );
        let col = batch.column(0).as_primitive::<Int64Type>();
        lines.extend(col.values().iter().copied());
    }
    (groups, lines)
}

/// The lines of an interleaved input of `total` rows that fall in `month`, in file order:
/// computed from the generator's rule, not from the writer.
fn expected_lines(total: usize, months: usize, month: i32) -> Vec<i64> {
    (0..total as i64)
        .filter(|i| (*i as usize % months) as i32 + 1 == month)
        .collect()
}

#[test]
fn interleaved_months_give_one_row_group_per_partition() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join("trade_flows");
    let layout = PartitionLayout::new(&schema()).unwrap();
    // 36,000 rows, 12 months interleaved row by row, in batches of 1,000: the old writer
    // made 12 row groups of 83 or 84 rows per batch.
    let appender = PartitionAppender::new(&dir, layout).unwrap();
    write(&dir, appender, 36_000, 1_000, 12);
    let partitions = list_partitions(&dir).unwrap();
    assert_eq!(partitions.len(), 12);
    for month in 1..=12 {
        let (groups, lines) = read_partition(&dir, (2024, month));
        assert_eq!(groups, vec![3_000], "month {month}");
        assert_eq!(lines, expected_lines(36_000, 12, month), "month {month}");
    }
}

#[test]
fn row_groups_are_cut_at_the_target_size() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join("t");
    let layout = PartitionLayout::new(&schema()).unwrap();
    // 3 months of 1,050 rows each, target 400 rows: 400, 400, 250 in every month, whatever
    // the batch size (here 333 rows, 111 per month per batch).
    let appender = PartitionAppender::new(&dir, layout)
        .unwrap()
        .with_limits(400, usize::MAX);
    write(&dir, appender, 3_150, 333, 3);
    for month in 1..=3 {
        let (groups, lines) = read_partition(&dir, (2024, month));
        assert_eq!(groups, vec![400, 400, 250], "month {month}");
        assert_eq!(lines, expected_lines(3_150, 3, month));
    }
}

#[test]
fn over_the_memory_budget_the_largest_group_closes_and_no_row_is_lost() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join("t");
    let layout = PartitionLayout::new(&schema()).unwrap();
    // A budget of one byte: every append closes the open group(s) at once, so each part
    // becomes a row group of its own (as the old writer did), and nothing is lost.
    let appender = PartitionAppender::new(&dir, layout)
        .unwrap()
        .with_limits(1_000_000, 1);
    write(&dir, appender, 2_000, 500, 4);
    for month in 1..=4 {
        let (groups, lines) = read_partition(&dir, (2024, month));
        assert_eq!(groups, vec![125; 4], "month {month}");
        assert_eq!(lines, expected_lines(2_000, 4, month));
    }
}

#[test]
fn touched_partitions_are_reported_per_call() {
    let tmp = tempfile::TempDir::new().unwrap();
    let layout = PartitionLayout::new(&schema()).unwrap();
    let mut appender = PartitionAppender::new(tmp.path(), layout).unwrap();
    appender.write(&interleaved(0, 10, 2)).unwrap();
    let touched: Vec<_> = appender.take_touched().into_iter().collect();
    assert_eq!(touched, vec![(2024, 1), (2024, 2)]);
    assert!(appender.take_touched().is_empty());
    appender.write(&interleaved(0, 1, 3)).unwrap();
    let touched: Vec<_> = appender.take_touched().into_iter().collect();
    assert_eq!(touched, vec![(2024, 1)]);
    assert_eq!(appender.finish().unwrap(), 11);
}

#[test]
fn a_month_column_of_another_type_is_an_error_not_a_panic() {
    let layout = PartitionLayout::new(&schema()).unwrap();
    let mut fields: Vec<Field> = schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[4] = Field::new("month", DataType::Utf8, false);
    let good = interleaved(0, 2, 1);
    let mut columns: Vec<Arc<dyn Array>> = good.columns().to_vec();
    columns[4] = Arc::new(StringArray::from(vec!["1", "1"]));
    let bad = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    match layout.split(&bad) {
        Err(WarehouseError::Column {
            column,
            expected,
            found,
            ..
        }) => {
            assert_eq!(column, "month");
            assert_eq!(expected, "Int32");
            assert_eq!(found, "Utf8");
        }
        other => panic!("expected a column error, got {other:?}"),
    }
}

#[test]
fn input_sorted_by_month_keeps_one_group_open_not_one_per_month() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join("t");
    let layout = PartitionLayout::new(&schema()).unwrap();
    // Months 1..=6 one after another, 1,000 rows each in batches of 250, target 600 rows:
    // a month's last group (400 rows) closes once 600 rows of later months have come.
    let mut appender = PartitionAppender::new(&dir, layout.clone())
        .unwrap()
        .with_limits(600, usize::MAX);
    let mut most_open = 0;
    for month in 1..=6 {
        for first in (0..1_000).step_by(250) {
            let batch = interleaved((month - 1) * 1_000 + first, 250, 1);
            // Same rows, moved to `month`.
            let mut columns = batch.columns().to_vec();
            columns[4] = Arc::new(Int32Array::from(vec![month as i32; 250]));
            let batch = RecordBatch::try_new(batch.schema(), columns).unwrap();
            for part in layout.split(&batch).unwrap() {
                appender.append(part).unwrap();
            }
            most_open = most_open.max(appender.open_row_groups());
        }
    }
    assert_eq!(most_open, 2, "the month being written and the one before");
    assert_eq!(appender.finish().unwrap(), 6_000);
    for month in 1..=6 {
        let (groups, lines) = read_partition(&dir, (2024, month));
        assert_eq!(groups, vec![600, 400], "month {month}");
        let first = (month as i64 - 1) * 1_000;
        assert_eq!(lines, (first..first + 1_000).collect::<Vec<_>>());
    }
}
