//! Errors as an analyst sees them: each cause once, the damaged file named, the exit code
//! of the failure's kind.

use std::path::{Path, PathBuf};

use rareflow_present::ReportError;
use rareflow_query::QuerySession;

use crate::support::{bundled_warehouse, query_cmd, repo, run_etl, stderr};

/// Every Parquet file under `dir` whose path contains `part`.
fn parquet_files(dir: &Path, part: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            parquet_files(&path, part, out);
        } else if path.extension().is_some_and(|e| e == "parquet")
            && path.display().to_string().contains(part)
        {
            out.push(path);
        }
    }
}

#[test]
fn a_damaged_warehouse_file_is_named_and_parquet_error_shown_once() {
    let wh = tempfile::TempDir::new().unwrap();
    run_etl(&repo().join("data/raw"), wh.path()).unwrap();
    let mut files = Vec::new();
    parquet_files(
        &wh.path().join("trade_flows"),
        "year=2025/month=11",
        &mut files,
    );
    assert_eq!(files.len(), 1, "{files:?}");
    let damaged = &files[0];
    // The first page header follows the 4-byte magic `PAR1`: 0xe4 (228) is no Thrift
    // field type, as in the damaged file reported in issue 16.
    let mut bytes = std::fs::read(damaged).unwrap();
    bytes[4..16].fill(0xe4);
    std::fs::write(damaged, bytes).unwrap();

    let out = query_cmd(
        wh.path(),
        &["run", "magnets_by_destination", "--param", "month=2025-11"],
    );
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.starts_with(
            "rareflow-query: error: sql/magnets_by_destination.sql: damaged warehouse file "
        ),
        "{text}"
    );
    assert!(text.contains(&damaged.display().to_string()), "{text}");
    assert_eq!(text.matches("Parquet error").count(), 1, "{text}");
    assert!(text.contains("\n  caused by: Parquet error: "), "{text}");
}

#[test]
fn a_chart_that_cannot_be_drawn_is_exit_1_with_its_reason_once() {
    let dir = tempfile::TempDir::new().unwrap();
    let svg = dir.path().join("c.svg");
    let out = query_cmd(
        bundled_warehouse(),
        &[
            "sql",
            "SELECT DISTINCT partner FROM trade_flows",
            "--format",
            "csv",
            "--chart",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "rareflow-query: error: chart: the result has no numeric column\n"
    );
    assert!(!svg.exists());
}

#[test]
fn an_unknown_saved_query_is_still_a_usage_error() {
    let out = query_cmd(bundled_warehouse(), &["run", "magnets_by_destinaton"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(did you mean magnets_by_destination?)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_column_renamed_in_sql_fails_the_brief_naming_query_and_column() {
    let sql = tempfile::TempDir::new().unwrap();
    for entry in std::fs::read_dir(repo().join("sql")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if path.ends_with("magnets_by_destination.sql") {
            assert!(
                text.contains(" AS share_pct"),
                "the query changed: update this test"
            );
            text.replace(" AS share_pct", " AS share_of_total_pct")
        } else {
            text
        };
        std::fs::write(sql.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(async {
        let session = QuerySession::open(bundled_warehouse()).await.unwrap();
        rareflow_present::brief(&session, sql.path(), "2025-11")
            .await
            .unwrap_err()
    });
    let ReportError::MissingColumn { query, column, .. } = &err else {
        panic!("expected MissingColumn, got {err:?}");
    };
    assert_eq!(
        (query.as_str(), column.as_str()),
        ("magnets_by_destination", "share_pct")
    );
}
