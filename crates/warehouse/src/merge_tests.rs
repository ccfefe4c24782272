//! Settling revisions, and reading back an older or foreign warehouse whose columns have
//! other types.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, AsArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Float64Type, Schema};
use parquet::arrow::ArrowWriter;

use super::{keep_files, read_dir_batches, releases, supersede};
use crate::error::WarehouseError;
use crate::manifest::read_manifest;

/// A batch of figures: (partner, hs_code, transport_mode, kg) reported by release `seq`.
fn figures(seq: i64, rows: &[(&str, &str, Option<&str>, f64)]) -> RecordBatch {
    let schema = Schema::new(vec![
        Field::new("partner", DataType::Utf8, false),
        Field::new("hs_code", DataType::Utf8, false),
        Field::new("transport_mode", DataType::Utf8, true),
        Field::new("quantity_kg", DataType::Float64, true),
        Field::new("release_seq", DataType::Int64, false),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(rows.iter().map(|r| Some(r.0)).collect::<StringArray>()),
            Arc::new(rows.iter().map(|r| Some(r.1)).collect::<StringArray>()),
            Arc::new(rows.iter().map(|r| r.2).collect::<StringArray>()),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.3))),
            Arc::new(Int64Array::from(vec![seq; rows.len()])),
        ],
    )
    .unwrap()
}

/// The `quantity_kg` values of some batches, in order.
fn kg(batches: &[RecordBatch]) -> Vec<f64> {
    batches
        .iter()
        .flat_map(|b| {
            let i = b.schema().index_of("quantity_kg").unwrap();
            b.column(i).as_primitive::<Float64Type>().values().to_vec()
        })
        .collect()
}

const KEY: [&str; 4] = ["partner", "hs_code", "transport_mode", "customs_procedure"];

#[test]
fn the_later_release_of_a_figure_is_current_and_nulls_compare_equal() {
    let first = figures(
        1,
        &[
            ("USA", "85051110", None, 10.0),
            ("JPN", "85051110", None, 5.0),
            ("USA", "85051110", Some("0"), 7.0),
        ],
    );
    // Release 2 revises the USA figure with no transport mode (NULL = NULL), not the one
    // with transport mode "0".
    let second = figures(2, &[("USA", "85051110", None, 12.0)]);
    // `customs_procedure` is in the key but in no batch: it is ignored.
    let (current, superseded) = supersede(&[first, second], &KEY).unwrap();
    assert_eq!(kg(&current), vec![5.0, 7.0, 12.0]);
    assert_eq!(kg(&superseded), vec![10.0]);
    assert_eq!(
        releases(&superseded)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        [1]
    );
    assert_eq!(
        releases(&current).unwrap().into_iter().collect::<Vec<_>>(),
        [1, 2]
    );
}

#[test]
fn a_key_column_an_older_file_lacks_counts_as_null() {
    // Written before the key gained `transport_mode`.
    let old = figures(
        1,
        &[
            ("KOR", "28053000", None, 3.0),
            ("VNM", "28053000", None, 1.0),
        ],
    );
    let old = old.project(&[0, 1, 3, 4]).unwrap();
    let new = figures(
        3,
        &[
            ("KOR", "28053000", None, 4.0),
            ("VNM", "28053000", Some("1"), 2.0),
        ],
    );
    let (current, superseded) = supersede(&[old, new], &KEY).unwrap();
    assert_eq!(kg(&current), vec![1.0, 4.0, 2.0]);
    assert_eq!(kg(&superseded), vec![3.0]);
}

#[test]
fn no_batches_settle_to_nothing() {
    let (current, superseded) = supersede(&[], &KEY).unwrap();
    assert!(current.is_empty() && superseded.is_empty());
}

fn write_parquet(dir: &Path, batch: &RecordBatch) {
    std::fs::create_dir_all(dir).unwrap();
    let file = std::fs::File::create(dir.join("part-00000.parquet")).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// `batch` with its `release_seq` column as text, as a foreign tool might write it.
fn with_text_release_seq(batch: &RecordBatch) -> RecordBatch {
    let i = batch.schema().index_of("release_seq").unwrap();
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[i] = Field::new("release_seq", DataType::Utf8, false);
    let mut columns = batch.columns().to_vec();
    columns[i] = Arc::new(StringArray::from(vec!["1"; batch.num_rows()]));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

fn assert_release_seq_error(err: WarehouseError, place: &str) {
    let text = err.to_string();
    match err {
        WarehouseError::Column {
            column,
            expected,
            found,
            ..
        } => {
            assert_eq!(column, "release_seq");
            assert_eq!(expected, "Int64");
            assert_eq!(found, "Utf8");
            assert!(text.starts_with(place), "{text}");
        }
        other => panic!("expected a column error, got {other:?}"),
    }
}

#[test]
fn a_partition_whose_release_seq_is_text_is_an_error_naming_the_column() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join("trade_flows/year=2025/month=11");
    write_parquet(
        &dir,
        &with_text_release_seq(&figures(1, &[("USA", "85051110", None, 10.0)])),
    );
    let batches = read_dir_batches(&dir).unwrap();
    assert_release_seq_error(supersede(&batches, &KEY).unwrap_err(), "trade_flows");
    assert_release_seq_error(releases(&batches).unwrap_err(), "trade_flows");
}

#[test]
fn a_source_file_column_of_another_type_is_an_error() {
    let batch = figures(1, &[("USA", "85051110", None, 10.0)]);
    let schema = Schema::new(vec![Field::new("source_file", DataType::Int64, false)]);
    let bad =
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(Int64Array::from(vec![7]))]).unwrap();
    let keep = ["a.csv".to_owned()].into_iter().collect();
    let err = keep_files(vec![bad], &keep).unwrap_err();
    assert!(
        matches!(&err, WarehouseError::Column { column, found, .. } if column == "source_file" && found == "Int64"),
        "{err:?}"
    );
    // A batch without the column at all is reported too, not a panic.
    let err = keep_files(vec![batch], &keep).unwrap_err();
    assert!(
        matches!(&err, WarehouseError::Column { found, .. } if found == "missing"),
        "{err:?}"
    );
}

/// An `ingest_log` of one file, with `release_seq` of the given column.
fn ingest_log(release_seq: ArrayRef) -> RecordBatch {
    let text = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
    let int = |v: i64| -> ArrayRef { Arc::new(Int64Array::from(vec![v])) };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("source_file", text("gacc/export/a.csv")),
        ("source", text("gacc")),
        ("content_sha256", text("ab12")),
        ("bytes", int(1234)),
        ("modified_ns", int(99)),
        ("release_seq", release_seq),
        (
            "loaded_at",
            Arc::new(
                TimestampMicrosecondArray::from(vec![1_700_000_000_000_000]).with_timezone("UTC"),
            ),
        ),
        (
            "first_period",
            Arc::new(Date32Array::from(vec![Some(20_089)])),
        ),
        ("last_period", Arc::new(Date32Array::from(vec![None]))),
    ];
    RecordBatch::try_from_iter(columns).unwrap()
}

#[test]
fn the_manifest_reads_back_and_a_text_release_seq_is_an_error() {
    let tmp = tempfile::TempDir::new().unwrap();
    let good = tmp.path().join("good");
    write_parquet(
        &good.join("ingest_log"),
        &ingest_log(Arc::new(Int64Array::from(vec![4]))),
    );
    let entries = read_manifest(&good).unwrap().unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        (e.file.as_str(), e.source.as_str(), e.sha256.as_str()),
        ("gacc/export/a.csv", "gacc", "ab12")
    );
    assert_eq!((e.bytes, e.modified_ns, e.release_seq), (1234, 99, 4));
    assert_eq!(e.loaded_at, 1_700_000_000_000_000);
    assert_eq!((e.first_period, e.last_period), (Some(20_089), None));

    let bad = tmp.path().join("bad");
    let log = bad.join("ingest_log");
    write_parquet(&log, &ingest_log(Arc::new(StringArray::from(vec!["4"]))));
    let err = read_manifest(&bad).unwrap_err();
    assert_release_seq_error(err, &log.display().to_string());
}

/// Writes each batch as its own Parquet file in `dir`, as one run's files would.
fn write_files(dir: &Path, batches: &[RecordBatch]) {
    std::fs::create_dir_all(dir).unwrap();
    for (i, b) in batches.iter().enumerate() {
        let file = std::fs::File::create(dir.join(format!("part-{i:05}.parquet"))).unwrap();
        let mut w = ArrowWriter::try_new(file, b.schema(), None).unwrap();
        w.write(b).unwrap();
        w.close().unwrap();
    }
}

#[test]
fn a_partition_needs_settling_only_when_two_releases_report_one_figure() {
    let tmp = tempfile::tempdir().unwrap();
    // Two files of one run, split by commodity: every figure reported once.
    let disjoint = tmp.path().join("disjoint");
    write_files(
        &disjoint,
        &[
            figures(
                1,
                &[
                    ("USA", "85051110", None, 10.0),
                    ("USA", "85051110", None, 3.0),
                ],
            ),
            figures(
                2,
                &[
                    ("USA", "28053011", None, 4.0),
                    ("JPN", "85051110", None, 5.0),
                ],
            ),
        ],
    );
    assert!(!super::keys_repeat_across_releases(&disjoint, &KEY).unwrap());
    // The same figure in two releases (NULL transport mode equal to NULL): a revision.
    let revised = tmp.path().join("revised");
    write_files(
        &revised,
        &[
            figures(1, &[("USA", "85051110", None, 10.0)]),
            figures(
                2,
                &[
                    ("JPN", "28053011", Some("0"), 1.0),
                    ("USA", "85051110", None, 12.0),
                ],
            ),
        ],
    );
    assert!(super::keys_repeat_across_releases(&revised, &KEY).unwrap());
    // A NULL and a value are different figures.
    let apart = tmp.path().join("apart");
    write_files(
        &apart,
        &[
            figures(1, &[("USA", "85051110", None, 10.0)]),
            figures(2, &[("USA", "85051110", Some("0"), 12.0)]),
        ],
    );
    assert!(!super::keys_repeat_across_releases(&apart, &KEY).unwrap());
}

#[test]
fn a_damaged_partition_file_is_named_and_parquet_error_written_once() {
    let dir = tempfile::TempDir::new().unwrap();
    let rows: Vec<(&str, &str, Option<&str>, f64)> = (0..1000)
        .map(|i| ("USA", "85051110", None, f64::from(i)))
        .collect();
    write_parquet(dir.path(), &figures(1, &rows));
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // Page headers start right after the 4-byte magic; 0xe4 is no Thrift field type.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[4..16].fill(0xe4);
    std::fs::write(&file, bytes).unwrap();
    let err = read_dir_batches(dir.path()).unwrap_err();
    assert_eq!(err.to_string(), format!("{}: Parquet file", file.display()));
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.starts_with("Parquet error: "), "{cause}");
    assert_eq!(cause.matches("Parquet").count(), 1, "{cause}");
}
