//! The two binaries as an analyst runs them.

use std::process::Command;

use crate::support::{bundled_warehouse, query_cmd, repo, stderr, stdout};

#[test]
fn etl_run_prints_counts_and_query_gives_the_headline_figure() {
    let wh = tempfile::TempDir::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["run", "--warehouse"])
        .arg(wh.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("84 files, 4473 rows read, 4473 loaded, 0 rejected"),
        "{text}"
    );

    let out = query_cmd(
        wh.path(),
        &[
            "run",
            "sql/magnets_by_destination.sql",
            "--param",
            "month=2025-11",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    let us = csv.lines().find(|l| l.starts_with("USA,")).unwrap();
    assert_eq!(us, "USA,United States,582.0,656.0,-11.3,9.5");
}

#[test]
fn output_formats() {
    let wh = bundled_warehouse();
    let json = query_cmd(
        wh,
        &[
            "run",
            "magnets_total_monthly",
            "-p",
            "from=2025-11",
            "-p",
            "to=2025-11",
            "-f",
            "json",
        ],
    );
    assert_eq!(
        stdout(&json).trim(),
        r#"[{"period":"2025-11-01","tonnes":6150.0,"mom_pct":12.4,"yoy_pct":20.6,"usd_million":282.3}]"#
    );
    let table = stdout(&query_cmd(
        wh,
        &[
            "run",
            "magnets_total_monthly",
            "-p",
            "from=2025-11",
            "-p",
            "to=2025-11",
        ],
    ));
    assert!(
        table.contains("| 2025-11-01 | 6150.0 |") && table.contains("1 row"),
        "{table}"
    );
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("out.parquet");
    let out = query_cmd(
        wh,
        &[
            "sql",
            "SELECT partner, SUM(quantity_kg) AS kg FROM trade_flows GROUP BY partner",
            "-f",
            "parquet",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(&std::fs::read(&path).unwrap()[..4], b"PAR1");
    let no_output = query_cmd(wh, &["sql", "SELECT 1", "-f", "parquet"]);
    assert!(stderr(&no_output).contains("needs --output"));
}

#[test]
fn list_shows_every_saved_query_with_a_description() {
    let out = query_cmd(bundled_warehouse(), &["list"]);
    let text = stdout(&out);
    assert!(text.lines().count() >= 8, "{text}");
    assert!(
        text.contains("magnets_by_destination") && text.contains("[month=2025-11]"),
        "{text}"
    );
}

#[test]
fn parameters_are_bound_not_pasted() {
    let wh = bundled_warehouse();
    // A value that would break out of a quoted string if it were pasted into the SQL.
    let out = query_cmd(
        wh,
        &[
            "run",
            "element_destinations",
            "-p",
            "element=Dy' OR '1'='1",
            "-p",
            "month=2025-10",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 rows"), "{}", stdout(&out));
    let bad = query_cmd(
        wh,
        &["run", "magnets_by_destination", "-p", "month=2025-13"],
    );
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("parameter month: expected a month as YYYY-MM"),
        "{}",
        stderr(&bad)
    );
    let unknown = query_cmd(wh, &["run", "magnets_by_destination", "-p", "mnth=2025-11"]);
    assert!(
        stderr(&unknown).contains("parameter mnth: unknown; this query takes month"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn the_query_side_is_read_only_and_names_bad_sql() {
    let wh = bundled_warehouse();
    for statement in [
        "CREATE TABLE x AS SELECT 1",
        "INSERT INTO rejects SELECT * FROM rejects",
        "DROP TABLE trade_flows",
        "COPY trade_flows TO '/tmp/x.parquet'",
    ] {
        let out = query_cmd(wh, &["sql", statement]);
        assert!(!out.status.success(), "{statement}");
        assert!(
            stderr(&out).contains("read-only"),
            "{statement}: {}",
            stderr(&out)
        );
    }
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("broken.sql");
    std::fs::write(
        &file,
        "-- description: broken\nSELECT partner\nFORM trade_flows\n",
    )
    .unwrap();
    let out = query_cmd(wh, &["run", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:3:", file.display())) && err.contains("Line: 3"),
        "{err}"
    );
}

#[test]
fn a_missing_warehouse_says_what_to_do() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = query_cmd(&dir.path().join("nowhere"), &["sql", "SELECT 1"]);
    assert!(
        stderr(&out).contains("run `rareflow-etl run"),
        "{}",
        stderr(&out)
    );
}

/// A one-month question reads that month's files only (partition pruning on `year`/`month`).
#[test]
fn a_month_query_reads_only_its_partitions() {
    use rareflow_query::SavedQuery;
    use rareflow_query::params::bind;
    let saved = SavedQuery::resolve("magnets_by_destination", &repo().join("sql")).unwrap();
    let params = bind(&saved.params, &[("month".into(), "2025-11".into())]).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let plan = rt.block_on(async {
        let session = rareflow_query::QuerySession::open(bundled_warehouse())
            .await
            .unwrap();
        let batches = session
            .collect("explain", &format!("EXPLAIN {}", saved.sql), params)
            .await
            .unwrap();
        crate::support::rows(&batches)
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n")
    });
    let mut months: Vec<&str> = plan
        .match_indices("trade_flows/year=")
        .map(|(i, _)| &plan[i + 12..i + 30])
        .collect();
    months.sort();
    months.dedup();
    assert_eq!(
        months,
        vec!["year=2025/month=10", "year=2025/month=11"],
        "{plan}"
    );
}

#[test]
fn etl_without_a_subcommand_is_run_with_clap_defaults() {
    // `rareflow-etl` alone takes `run`'s defaults from clap: data/raw, data/reference and
    // the warehouse from RAREFLOW_WAREHOUSE.
    let wh = tempfile::TempDir::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .env("RAREFLOW_WAREHOUSE", wh.path())
        .args(["--log-level", "error"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("84 files, 4473 rows read, 4473 loaded, 0 rejected"),
        "{}",
        stdout(&out)
    );
    assert!(wh.path().join("_rareflow/runs").is_dir());
    assert!(wh.path().join("trade_flows/_delta_log").is_dir());
}

#[test]
fn etl_errors_print_each_cause_once_with_their_exit_code() {
    let wh = tempfile::TempDir::new().unwrap();
    let etl = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
            .current_dir(repo())
            .args(args)
            .output()
            .unwrap()
    };
    let missing = wh.path().join("no-such-raw");
    let out = etl(&[
        "run",
        "--raw",
        missing.to_str().unwrap(),
        "--warehouse",
        wh.path().to_str().unwrap(),
    ]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("rareflow-etl: error: "), "{text}");
    assert_eq!(text.matches("raw folder not found").count(), 1, "{text}");
    assert!(
        text.ends_with(
            "rareflow-etl: the warehouse was not changed (readers see it as before this run)\n"
        ),
        "{text}"
    );

    let out = etl(&["run", "--warehouse", "gs://bucket/prefix"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "rareflow-etl: error: gs://bucket/prefix: warehouse URLs with scheme gs:// are not \
         supported (use a folder path or s3://BUCKET/PREFIX)\n"
    );
}
