//! `rareflow-query` as an analyst meets it: exit codes, suggestions, read-only refusals,
//! `describe`, `list` by topic, help and shell completions, the README's table of tables,
//! big results at the terminal (`--max-rows`), and `--param month=latest`.

use std::path::Path;

use rareflow_normalize::schema::TRADE_FLOWS;
use rareflow_query::Catalog;

use crate::support::{bundled_warehouse, copy_dir, query_cmd, repo, run_etl, stderr, stdout};

#[test]
fn exit_codes_tell_usage_from_failure() {
    let wh = bundled_warehouse();
    let cases: [(&[&str], i32); 8] = [
        (&["sql", "SELECT 1"], 0),
        // Usage: clap's own errors, parameters, names.
        (&["frobnicate"], 2),
        (&["run", "magnets_by_destination", "-p", "month=2025-13"], 2),
        (&["run", "magnets_by_destination", "-p", "mnth=2025-11"], 2),
        (&["run", "magnets_by_destination", "-f", "xlsx"], 2),
        (&["run", "magnet_by_destination"], 2),
        // Failures: the SQL is wrong, or the warehouse refuses.
        (&["sql", "SELECT nothing FROM trade_flows"], 1),
        (&["sql", "DROP TABLE trade_flows"], 1),
    ];
    for (args, code) in cases {
        let out = query_cmd(wh, args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    }
    let help = stdout(&query_cmd(wh, &["--help"]));
    assert!(
        help.contains("Exit codes:") && help.contains("2  usage"),
        "{help}"
    );
}

#[test]
fn misspelt_names_get_a_suggestion() {
    let wh = bundled_warehouse();
    let out = query_cmd(wh, &["run", "magnet_by_destination"]);
    assert!(
        stderr(&out).contains("(did you mean magnets_by_destination?)"),
        "{}",
        stderr(&out)
    );
    let out = query_cmd(wh, &["sql", "SELECT COUNT(*) FROM trade_flow"]);
    assert!(
        stderr(&out).contains("(did you mean trade_flows?)"),
        "{}",
        stderr(&out)
    );
    let out = query_cmd(wh, &["describe", "ingest_logs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("(did you mean ingest_log?)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn each_kind_of_write_is_refused_by_name() {
    let wh = bundled_warehouse();
    for (statement, kind) in [
        ("CREATE TABLE x AS SELECT 1", "CreateMemoryTable"),
        ("INSERT INTO rejects SELECT * FROM rejects", "Insert Into"),
        ("DROP TABLE trade_flows", "DropTable"),
        (
            "COPY trade_flows TO '/tmp/rareflow-copy-refused.parquet'",
            "COPY",
        ),
        ("SET datafusion.execution.batch_size = 1", "SetVariable"),
    ] {
        let out = query_cmd(wh, &["sql", statement]);
        assert_eq!(
            stderr(&out).trim(),
            format!(
                "rareflow-query: error: <command line>: rareflow-query is read-only: {kind} statements are refused"
            ),
            "{statement}"
        );
    }
    assert!(!Path::new("/tmp/rareflow-copy-refused.parquet").exists());
}

#[test]
fn json_output_ends_with_a_newline() {
    let wh = bundled_warehouse();
    let none = query_cmd(wh, &["sql", "SELECT 1 AS a WHERE false", "-f", "json"]);
    assert_eq!(stdout(&none), "[]\n");
    let one = query_cmd(wh, &["sql", "SELECT 1 AS a", "-f", "json"]);
    assert_eq!(stdout(&one), "[{\"a\":1}]\n");
}

#[test]
fn list_groups_saved_queries_by_topic() {
    let text = stdout(&query_cmd(bundled_warehouse(), &["list"]));
    // The topic heading that comes before a query's line.
    let topic_of = |name: &str| {
        let mut topic = None;
        for line in text.lines() {
            if !line.starts_with(' ') && line.ends_with(':') {
                topic = Some(line.trim_end_matches(':').to_owned());
            } else if line.trim_start().starts_with(&format!("{name} ")) {
                return topic;
            }
        }
        None
    };
    assert_eq!(
        topic_of("magnets_by_destination").as_deref(),
        Some("magnets")
    );
    assert_eq!(topic_of("mirror_magnets_us").as_deref(), Some("mirror"));
    assert_eq!(
        topic_of("rejects_by_reason").as_deref(),
        Some("data quality")
    );
    assert_eq!(
        topic_of("element_destinations").as_deref(),
        Some("elements")
    );
    assert!(
        !text.contains("other:"),
        "every saved query has a topic:\n{text}"
    );
}

#[test]
fn describe_lists_tables_and_columns() {
    let wh = bundled_warehouse();
    let tables = stdout(&query_cmd(wh, &["describe"]));
    assert_eq!(tables.lines().count(), 13, "{tables}");
    for table in Catalog::default().tables() {
        let (name, about) = (table.name, table.description);
        assert!(
            tables
                .lines()
                .any(|l| l.starts_with(name) && l.ends_with(about)),
            "{name}: {tables}"
        );
    }
    let out = query_cmd(wh, &["describe", "trade_flows"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("trade_flows: one row per reported figure"));
    // Every column of the schema the ETL writes, with its type and its description where
    // the schema gives one.
    for field in TRADE_FLOWS.fields() {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(field.name().as_str()))
            .unwrap_or_else(|| panic!("{} missing:\n{text}", field.name()));
        // The type the ETL writes is the type the registered table reports.
        let expected_type = field.data_type().to_string();
        assert!(line.contains(&expected_type), "{line}");
        if let Some(description) = field.metadata().get("description") {
            assert!(line.ends_with(description.as_str()), "{line}");
        }
    }
}

#[test]
fn help_has_examples_and_completions_name_the_subcommands() {
    let wh = bundled_warehouse();
    for sub in ["run", "sql", "describe", "completions"] {
        let help = stdout(&query_cmd(wh, &[sub, "--help"]));
        assert!(help.contains("rareflow-query "), "{sub}: {help}");
        assert!(help.contains("Example"), "{sub}: {help}");
    }
    let bash = query_cmd(wh, &["completions", "bash"]);
    assert!(bash.status.success());
    let script = stdout(&bash);
    assert!(
        script.contains("rareflow__query__run") || script.contains(" run "),
        "{script}"
    );
    assert!(script.contains("describe"), "{script}");
    for shell in ["zsh", "fish", "powershell"] {
        let out = query_cmd(wh, &["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(stdout(&out).contains("describe"), "{shell}");
    }
}

/// The README's table of tables names every table `describe` knows, and its `trade_flows`
/// row every column of `trade_flows`.
#[test]
fn readme_table_of_tables_matches_describe() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
    for name in Catalog::default().tables().iter().map(|t| t.name) {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("| `{name}` |"))),
            "README has no row for {name}"
        );
    }
    let trade_flows = rows
        .iter()
        .find(|r| r.starts_with("| `trade_flows` |"))
        .unwrap();
    let out = query_cmd(bundled_warehouse(), &["describe", "trade_flows"]);
    let columns: Vec<String> = stdout(&out)
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert_eq!(columns.len(), TRADE_FLOWS.fields().len());
    for column in columns {
        assert!(
            trade_flows.contains(&format!("`{column}`")),
            "README's trade_flows row does not name {column}"
        );
    }
}

/// Every way of opening a session goes through one constructor: the same tables, and CTEs
/// shared exactly when the plans run in this process.
#[test]
fn the_session_constructors_agree_on_tables_and_shared_ctes() {
    use datafusion::prelude::SessionContext;
    use rareflow_query::{QuerySession, Runs};
    use rareflow_warehouse::WarehouseLocation;
    let wh = bundled_warehouse();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let open = QuerySession::open(wh).await.unwrap();
        let cluster = QuerySession::with_context(SessionContext::new(), wh)
            .await
            .unwrap();
        let at = QuerySession::at(
            SessionContext::new(),
            WarehouseLocation::Local(wh.to_path_buf()),
            Runs::Here,
        )
        .await
        .unwrap();
        assert_eq!(
            (open.runs(), cluster.runs(), at.runs()),
            (Runs::Here, Runs::OnCluster, Runs::Here)
        );
        assert_eq!(open.table_names(), cluster.table_names());
        assert_eq!(open.table_names(), at.table_names());
        assert!(open.table_names().contains(&"trade_flows".to_owned()));
    });
}

/// The footer under a table that shows `shown` of `rows` rows.
fn footer(rows: &str, shown: &str) -> String {
    format!("{rows} rows, {shown} shown (--max-rows, or --format csv|json|parquet for all)")
}

/// The data lines of a table (`| ... |`), header first.
fn table_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("| ")).collect()
}

/// A result far too big to print as one table string (20 million rows: the whole table
/// took 10 GB and 161 s before) shows its first 40 rows and the count, in bounded memory.
/// The peak is the child's own `VmHWM`, read from /proc while it runs: `wait4`'s
/// `ru_maxrss` would also count this test process's memory, which a spawned child's
/// record inherits across exec.
#[cfg(target_os = "linux")]
#[test]
fn a_huge_result_shows_its_first_rows_in_bounded_memory() {
    use std::io::Read;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_rareflow-query"))
        .current_dir(repo())
        .env("RAREFLOW_WAREHOUSE", bundled_warehouse())
        .args(["sql", "SELECT value AS n FROM generate_series(1, 20000000)"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    // The high-water mark only grows: the last reading before the process ends is its peak
    // to within the polling interval.
    let peak = std::thread::spawn(move || {
        let (mut peak_kb, mut readings) = (0u64, 0u32);
        while let Ok(status) = std::fs::read_to_string(&status_file) {
            let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            else {
                break; // exited: a zombie has no memory left to report
            };
            peak_kb = peak_kb.max(kb);
            readings += 1;
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        (peak_kb, readings)
    });
    let mut err_pipe = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        err_pipe.read_to_string(&mut text).unwrap();
        text
    });
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let status = child.wait().unwrap();
    let errors = errors.join().unwrap();
    assert!(status.success(), "{errors}");
    // Standard output is a pipe here: the default 40 rows, 1 to 40 in order.
    let lines = table_lines(&text);
    let expected: Vec<String> = std::iter::once("| n  |".to_owned())
        .chain((1..=40).map(|n| format!("| {n:<2} |")))
        .collect();
    assert_eq!(lines, expected, "{text}");
    assert_eq!(
        text.lines().last().unwrap(),
        footer("20,000,000", "40"),
        "{text}"
    );
    let (peak_kb, readings) = peak.join().unwrap();
    assert!(
        readings > 10,
        "only {readings} readings of the child's memory"
    );
    let peak_mb = peak_kb / 1024;
    assert!(peak_mb < 300, "peak resident size {peak_mb} MB");
}

/// `--max-rows 3` shows exactly the first three rows of the result, in order, then the
/// count of all; csv writes every row whatever `--max-rows` says. March 2026 has 18
/// destinations of magnets in China Customs' file (gacc_export_202603_usd_zh.csv, HS
/// 85051110); the three largest are Germany 909,980 kg, Korea 592,162 kg and the US
/// 406,000 kg.
#[test]
fn max_rows_shows_the_first_rows_and_counts_the_rest() {
    let wh = bundled_warehouse();
    let args = ["run", "magnets_by_destination", "-p", "month=2026-03"];
    let out = query_cmd(wh, &[&args[..], &["--max-rows", "3"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let partners: Vec<&str> = table_lines(&text)
        .iter()
        .map(|l| l.split('|').nth(1).unwrap().trim())
        .collect();
    assert_eq!(partners, ["partner", "DEU", "KOR", "USA"], "{text}");
    let tonnes: Vec<&str> = table_lines(&text)[1..]
        .iter()
        .map(|l| l.split('|').nth(3).unwrap().trim())
        .collect();
    assert_eq!(tonnes, ["910.0", "592.2", "406.0"]);
    assert_eq!(text.lines().last().unwrap(), footer("18", "3"));

    // Every row fits: the count alone, as before.
    let all = stdout(&query_cmd(wh, &[&args[..], &["--max-rows", "18"]].concat()));
    assert_eq!(table_lines(&all).len(), 19);
    assert_eq!(all.lines().last().unwrap(), "18 rows");
    // 0: every row, whatever the default.
    let out = query_cmd(
        wh,
        &[
            "sql",
            "SELECT * FROM generate_series(1, 45)",
            "--max-rows",
            "0",
        ],
    );
    assert_eq!(table_lines(&stdout(&out)).len(), 46, "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().last().unwrap(), "45 rows");
    let csv = stdout(&query_cmd(
        wh,
        &[&args[..], &["--max-rows", "3", "-f", "csv"]].concat(),
    ));
    assert_eq!(csv.lines().count(), 19, "{csv}");
}

/// `--param month=latest` is the latest month with China Customs detail loaded: the
/// bundled raw files of China Customs end with gacc_export_202603_usd_zh.csv, March 2026.
#[test]
fn month_latest_is_the_latest_china_customs_month() {
    let wh = bundled_warehouse();
    let run = |month: &str| {
        let out = query_cmd(
            wh,
            &[
                "run",
                "magnets_by_destination",
                "--param",
                &format!("month={month}"),
                "-f",
                "csv",
            ],
        );
        assert!(out.status.success(), "{month}: {}", stderr(&out));
        stdout(&out)
    };
    let latest = run("latest");
    assert_eq!(latest, run("2026-03"));
    assert_ne!(latest, run("2026-02"));
    assert!(latest.contains("\nDEU,Germany,910.0,"), "{latest}");
    // A chart's title names the month, not the word.
    let dir = tempfile::TempDir::new().unwrap();
    let chart = dir.path().join("latest.svg");
    let out = query_cmd(
        wh,
        &[
            "run",
            "magnets_by_destination",
            "-p",
            "month=latest",
            "--chart",
            chart.to_str().unwrap(),
            "-f",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(
        svg.contains("month=2026-03") && !svg.contains("month=latest"),
        "{svg}"
    );
}

/// Without China Customs detail, `latest` is a usage error that says so; a misspelt
/// `latest` is a usage error before the warehouse is opened.
#[test]
fn month_latest_without_china_customs_detail_is_a_usage_error() {
    let raw = tempfile::TempDir::new().unwrap();
    copy_dir(&repo().join("data/raw/census"), &raw.path().join("census"));
    let wh = tempfile::TempDir::new().unwrap();
    run_etl(raw.path(), wh.path()).unwrap();
    let out = query_cmd(
        wh.path(),
        &["run", "magnets_by_destination", "-p", "month=latest"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "rareflow-query: error: parameter month: latest: no China Customs detail \
         (trade_flows rows of source gacc) is loaded; pass a month as YYYY-MM"
    );
    let nowhere = wh.path().join("nowhere");
    let out = query_cmd(
        &nowhere,
        &["run", "magnets_by_destination", "-p", "month=lastest"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // `latest` itself passes the check and reaches the (missing) warehouse.
    let out = query_cmd(
        &nowhere,
        &["run", "magnets_by_destination", "-p", "month=latest"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}
