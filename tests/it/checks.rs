//! Data checks (`checks/*.sql`): the bundled data passes every one, and a warehouse with one
//! planted defect fails exactly the check that guards against it.
//!
//! A broken warehouse is a copy of the bundled warehouse with one extra Parquet file holding
//! the bad rows, committed as a run of its own.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::ParamValues;
use rareflow_query::{CheckOutcome, QuerySession, run_checks};
use tempfile::TempDir;

use crate::support::{bundled_warehouse, copy_dir, plant_file, repo};

fn outcomes(snapshot: &Path) -> Vec<CheckOutcome> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = QuerySession::open(snapshot).await.unwrap();
        run_checks(&session, &repo().join("checks")).await.unwrap()
    })
}

/// Failing checks by name with their failing row counts.
fn failures(outcomes: &[CheckOutcome]) -> Vec<(String, u64)> {
    outcomes
        .iter()
        .filter(|o| !o.passed())
        .map(|o| (o.name.clone(), o.failing_rows))
        .collect()
}

/// A copy of the bundled snapshot with, for each `(file, sql)`, the one row `sql` selects
/// (from the bundled data) written as one more file at `file` (relative to the snapshot).
fn planted(plants: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    copy_dir(bundled_warehouse(), dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let selected: Vec<_> = rt.block_on(async {
        // Select everything first: the planted files must not feed each other.
        let session = QuerySession::open(dir.path()).await.unwrap();
        let mut out = Vec::new();
        for (file, sql) in plants {
            let batches = session
                .collect("<plant>", sql, ParamValues::List(vec![]))
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            out.push((*file, *sql, batches));
        }
        out
    });
    for (file, sql, batches) in selected {
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 1, "{sql} should select one row to plant");
        let path = dir.path().join(file);
        assert!(path.parent().unwrap().is_dir(), "{file}: no such partition");
        let batches: Vec<RecordBatch> = batches.iter().map(plain_strings).collect();
        plant_file(dir.path(), file, &batches);
    }
    dir
}

/// The batch with DataFusion's string views as plain UTF-8 strings, as rareflow-etl writes
/// them (tables registered without a fixed schema refuse a file whose types differ).
fn plain_strings(batch: &RecordBatch) -> RecordBatch {
    let fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8View => f.as_ref().clone().with_data_type(DataType::Utf8),
            _ => f.as_ref().clone(),
        })
        .collect();
    let columns = batch
        .columns()
        .iter()
        .zip(&fields)
        .map(|(c, f)| cast(c, f.data_type()).unwrap())
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// One China Customs export row of November 2025 of `group` (not to the US, so that the
/// mirror check is untouched), as written in the partition (without the `year` and `month`
/// partition columns), with `replace` applied.
fn gacc_row(group: &str, replace: &str) -> String {
    format!(
        "SELECT * EXCLUDE (year, month) REPLACE ({replace}) FROM trade_flows \
         WHERE source = 'gacc' AND flow = 'export' AND partner <> 'USA' AND product_group = '{group}' \
           AND year = 2025 AND month = 11 \
         ORDER BY partner, hs_code LIMIT 1"
    )
}

const NOV_2025: &str = "trade_flows/year=2025/month=11/part-planted.parquet";

#[test]
fn the_bundled_data_passes_every_check() {
    let outcomes = outcomes(bundled_warehouse());
    let mut names: Vec<&str> = outcomes.iter().map(|o| o.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "headline_matches_detail",
            "mirror_gap_within_bound",
            "no_more_partners_than_world",
            "no_negative_kilograms",
            "ytd_never_falls",
            "yuan_rows_have_dollars",
        ]
    );
    assert_eq!(failures(&outcomes), vec![]);
    let mut text = Vec::new();
    rareflow_query::print_outcomes(&outcomes, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.ends_with("6 checks: 6 passed, 0 failed\n"), "{text}");
}

#[test]
fn negative_kilograms_are_caught() {
    let wh = planted(&[(NOV_2025, &gacc_row("magnet", "-5.0 AS quantity_kg"))]);
    let outcomes = outcomes(wh.path());
    assert_eq!(
        failures(&outcomes),
        vec![("no_negative_kilograms".to_owned(), 1)]
    );
    let failed = outcomes.iter().find(|o| !o.passed()).unwrap();
    let shown = crate::support::rows(&failed.first_rows);
    assert_eq!(shown[0].last().map(String::as_str), Some("-5"));
}

#[test]
fn yuan_without_dollars_is_caught() {
    let row = gacc_row(
        "magnet",
        "'CNY' AS currency, 1000.0 AS value_native, CAST(NULL AS DOUBLE) AS value_usd",
    );
    let wh = planted(&[(NOV_2025, &row)]);
    assert_eq!(
        failures(&outcomes(wh.path())),
        vec![("yuan_rows_have_dollars".to_owned(), 1)]
    );
}

#[test]
fn detail_lines_that_do_not_add_up_to_the_headline_are_caught() {
    // One more tonne of oxide in November 2025: twice the stated tolerance of 0.5 t.
    let wh = planted(&[(NOV_2025, &gacc_row("oxide", "1000.0 AS quantity_kg"))]);
    assert_eq!(
        failures(&outcomes(wh.path())),
        vec![("headline_matches_detail".to_owned(), 1)]
    );
}

#[test]
fn a_falling_year_to_date_total_is_caught() {
    // A series of its own, copied from 稀土's Jan-Feb and March 2025 rows, whose
    // year-to-date total goes from 2 to 1.
    let earlier = "SELECT * REPLACE ('planted series' AS series, 2.0 AS quantity_ytd) \
                   FROM headline_series WHERE series = '稀土' AND period = DATE '2025-01-01' \
                   ORDER BY release DESC LIMIT 1";
    let later = "SELECT * REPLACE ('planted series' AS series, 1.0 AS quantity_ytd) \
                 FROM headline_series WHERE series = '稀土' AND period = DATE '2025-03-01' \
                 ORDER BY release DESC LIMIT 1";
    let wh = planted(&[
        ("headline_series/part-planted-1.parquet", earlier),
        ("headline_series/part-planted-2.parquet", later),
    ]);
    assert_eq!(
        failures(&outcomes(wh.path())),
        vec![("ytd_never_falls".to_owned(), 1)]
    );
}

#[test]
fn a_mirror_gap_beyond_the_bound_is_caught() {
    // US imports of sintered NdFeB magnets from China in December 2025 three more times
    // over (about 1,600 t more): the window China Sep-Nov against the US Oct-Dec goes from
    // -7% to about +100%, beyond the 30% bound. The planted line has a tariff line of its
    // own, so no world total is compared with it.
    let sql = "SELECT * EXCLUDE (year, month) REPLACE ('8505110099' AS hs_code, \
                 quantity_kg * 3 AS quantity_kg) FROM trade_flows \
               WHERE source = 'census' AND flow = 'import' AND partner = 'CHN' \
                 AND product_group = 'magnet' AND hs_code = '8505110070' \
                 AND year = 2025 AND month = 12";
    let wh = planted(&[("trade_flows/year=2025/month=12/part-planted.parquet", sql)]);
    assert_eq!(
        failures(&outcomes(wh.path())),
        vec![("mirror_gap_within_bound".to_owned(), 1)]
    );
}

#[test]
fn countries_adding_up_to_more_than_the_world_are_caught() {
    // A made-up partner country for Japan's imports of HS 850511 in March 2025 with twice the
    // world total: the countries now exceed the world row.
    let sql = "SELECT * REPLACE ('XXX' AS partner, '999' AS partner_code, 'country' AS partner_kind, \
                 quantity_kg * 2 AS quantity_kg, value_usd * 2 AS value_usd) \
               FROM trade_flows WHERE source = 'comtrade' AND reporter = 'JPN' \
                 AND partner_kind = 'world' AND hs_code = '850511' AND year = 2025 AND month = 3";
    let sql = sql.replacen("SELECT *", "SELECT * EXCLUDE (year, month)", 1);
    let wh = planted(&[("trade_flows/year=2025/month=3/part-planted.parquet", &sql)]);
    assert_eq!(
        failures(&outcomes(wh.path())),
        vec![("no_more_partners_than_world".to_owned(), 1)]
    );
}

/// Runs the checks in `dir` against the bundled snapshot.
fn checks_in(dir: &Path) -> Result<Vec<CheckOutcome>, rareflow_query::QueryError> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = QuerySession::open(bundled_warehouse()).await.unwrap();
        run_checks(&session, dir).await
    })
}

/// A check reads a saved query through `-- over:` with the parameters it gives it (here
/// one month: the November 2025 headline, 5,493.9 t, one row); the query's table is the
/// check's own, so a later check that names it without `over:` fails as an unknown table.
#[test]
fn a_check_reads_a_saved_query_through_over() {
    let dir = TempDir::new().unwrap();
    let saved = repo().join("sql/headline_vs_detail.sql");
    std::fs::write(
        dir.path().join("a_november.sql"),
        format!(
            "-- description: the November 2025 headline\n\
             -- over: {} from=2025-11 to=2025-11\n\
             SELECT period, headline_t FROM headline_vs_detail\n",
            saved.display()
        ),
    )
    .unwrap();
    let outcomes = checks_in(dir.path()).unwrap();
    assert_eq!(failures(&outcomes), vec![("a_november".to_owned(), 1)]);
    assert_eq!(
        crate::support::rows(&outcomes[0].first_rows),
        vec![vec!["2025-11-01".to_owned(), "5493.9".to_owned()]]
    );
    std::fs::write(
        dir.path().join("b_later.sql"),
        "-- description: reads what is not its own\nSELECT * FROM headline_vs_detail\n",
    )
    .unwrap();
    let err = checks_in(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("b_later.sql") && err.contains("headline_vs_detail"),
        "{err}"
    );
}

/// A headline figure restated by a later release (same 5,493.9 t for November 2025) is one
/// figure: the detail lines are summed once against it, so the check still passes (summed
/// once per release, they made 10,987.8 t against 5,493.9 t).
#[test]
fn a_restated_headline_is_compared_once() {
    let again = "SELECT * REPLACE (release || '.restated' AS release) FROM headline_series \
                 WHERE series = '稀土' AND flow = 'export' AND period = DATE '2025-11-01'";
    let wh = planted(&[("headline_series/part-planted.parquet", again)]);
    assert_eq!(failures(&outcomes(wh.path())), vec![]);
}
