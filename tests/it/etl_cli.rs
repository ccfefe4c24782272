//! `rareflow-etl` as a scheduler runs it: exit codes, --keep-going, logs, run-time
//! exchange rates, and the summary table.

use std::process::Command;

use tempfile::TempDir;
use unicode_width::UnicodeWidthStr;

use crate::support::etl_cmd as etl;
use crate::support::{bundled_warehouse, query, repo, scalar, write_raw};

const ZH_HEADER: &str = "\"数据年月\",\"贸易伙伴编码\",\"贸易伙伴名称\",\"商品编码\",\"商品名称\",\"第一数量\",\"第一计量单位\",\"第二数量\",\"第二计量单位\",\"人民币\",\n";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A good yuan file for November 2025 and a file with an unknown layout.
fn raw_with_one_bad_file() -> TempDir {
    let raw = TempDir::new().unwrap();
    let good = format!(
        "{ZH_HEADER}\"202511\",\"502\",\"美国\",\"85051110\",\"稀土永磁\",\"1,000\",\"千克\",\"0\",\"?\",\"80,000\",\n"
    );
    write_raw(raw.path(), "gacc/export/2025/good.csv", good.as_bytes());
    write_raw(
        raw.path(),
        "gacc/export/2025/bad.csv",
        b"\"Year\",\"Country\",\"Tonnes\",\n\"2025\",\"US\",\"5\",\n",
    );
    // Comtrade JSON that stops halfway: its first record was already read when it fails.
    write_raw(
        raw.path(),
        "comtrade/v1/cut.json",
        br#"{"count":2,"data":[{"typeCode":"C","freqCode":"M","refPeriodId":20251101,"refYear":2025,"refMonth":11,"reporterCode":392,"reporterISO":"JPN","flowCode":"M","partnerCode":156,"partnerISO":"CHN","classificationCode":"H6","cmdCode":"850511","qtyUnitAbbr":"kg","qty":10,"netWgt":10,"cifvalue":100,"fobvalue":null,"primaryValue":100},{"typeCode":"C","freq"#,
    );
    raw
}

#[test]
fn a_bad_file_fails_the_whole_run_by_default_and_is_skipped_with_keep_going() {
    let raw = raw_with_one_bad_file();
    let wh = TempDir::new().unwrap();
    let out = etl(raw.path(), wh.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("the warehouse was not changed"));
    assert!(!wh.path().join("current").exists());

    let out = etl(raw.path(), wh.path(), &["--keep-going", "--quiet"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("2 files skipped (--keep-going):"),
        "{stdout}"
    );
    assert!(stdout.contains("gacc/export/2025/bad.csv: "), "{stdout}");
    assert!(stdout.contains("comtrade/v1/cut.json: "), "{stdout}");
    // Only the good file's one row; nothing of the file that failed halfway.
    let rows = query(
        wh.path(),
        "SELECT source_file, quantity_kg FROM trade_flows",
    );
    assert_eq!(rows, vec![vec!["gacc/export/2025/good.csv", "1000"]]);
    assert_eq!(scalar(wh.path(), "SELECT COUNT(*) FROM rejects"), "0");
    assert_eq!(scalar(wh.path(), "SELECT COUNT(*) FROM ingest_log"), "1");
}

#[test]
fn exit_codes_for_a_held_lock_and_bad_usage() {
    let raw = TempDir::new().unwrap();
    let wh = TempDir::new().unwrap();
    let lock = crate::support::hold_lock(wh.path()).unwrap();
    let out = etl(raw.path(), wh.path(), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("another rareflow-etl run"));
    drop(lock);

    let out = etl(raw.path(), wh.path(), &["--loaded-at", "2025-02-31"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected a real date YYYY-MM-DD"),
        "{}",
        text(&out.stderr)
    );
    let help = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(text(&help.stdout).contains("3  another run holds the warehouse lock"));
}

#[test]
fn one_json_line_per_file_when_not_a_terminal() {
    let raw = TempDir::new().unwrap();
    let file = format!(
        "{ZH_HEADER}\"202511\",\"502\",\"美国\",\"85051110\",\"稀土永磁\",\"5\",\"千克\",\"0\",\"?\",\"50\",\n"
    );
    write_raw(raw.path(), "gacc/export/2025/a.csv", file.as_bytes());
    let wh = TempDir::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .args(["--log", "json", "run", "--raw"])
        .arg(raw.path())
        .arg("--warehouse")
        .arg(wh.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stderr)
        .lines()
        .find(|l| l.contains("\"event\":\"file\""))
        .unwrap()
        .to_owned();
    assert_eq!(
        line,
        r#"{"event":"file","source":"gacc","file":"gacc/export/2025/a.csv","rows_read":1,"rows_loaded":1,"rows_rejected":0,"rows_without_usd":0,"unchanged":false,"outcome":"loaded","skipped":null,"warnings":[]}"#
    );
}

#[test]
fn exchange_rates_are_read_at_run_time_and_missing_ones_are_counted() {
    let raw = TempDir::new().unwrap();
    // 80,000 yuan in November 2025 and 9,000 yuan in January 2031 (no rate anywhere).
    let file = format!(
        "{ZH_HEADER}\"202511\",\"502\",\"美国\",\"85051110\",\"稀土永磁\",\"1,000\",\"千克\",\"0\",\"?\",\"80,000\",\n\
         \"203101\",\"502\",\"美国\",\"85051110\",\"稀土永磁\",\"10\",\"千克\",\"0\",\"?\",\"9,000\",\n"
    );
    write_raw(raw.path(), "gacc/export/海关/十一月.csv", file.as_bytes());
    let reference = TempDir::new().unwrap();
    std::fs::write(
        reference.path().join("fx_rates.csv"),
        "month,currency,per_usd,source\n2025-11,CNY,8.0,test rate\n",
    )
    .unwrap();
    let wh = TempDir::new().unwrap();
    let out = etl(
        raw.path(),
        wh.path(),
        &["--quiet", "--reference", reference.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("1 loaded rows have no US dollar value"),
        "{stdout}"
    );
    // 80,000 yuan / 8.0 = 10,000 dollars; the 2031 row has no rate.
    let usd = query(
        wh.path(),
        "SELECT year, value_usd FROM trade_flows ORDER BY year",
    );
    assert_eq!(usd, vec![vec!["2025", "10000"], vec!["2031", "NULL"]]);
    assert_eq!(
        scalar(wh.path(), "SELECT rows_without_usd FROM ingest_log"),
        "1"
    );
    // Columns line up by display width, Chinese names included.
    let lines: Vec<&str> = stdout.lines().take(2).collect();
    assert!(
        lines[1].starts_with("gacc/export/海关/十一月.csv"),
        "{stdout}"
    );
    assert_eq!(lines[0].width(), lines[1].width(), "{stdout}");
}

#[test]
fn headline_import_tables_are_logged_as_imports() {
    let raw = TempDir::new().unwrap();
    let table = "2025年11月进口主要商品量值表（美元值）\n单位：万美元\n商品名称,计量单位,当月数量,当月金额,累计数量,累计金额,累计比去年同期±%数量,累计比去年同期±%金额\n稀土,吨,1234.5,100.0,9999.9,800.0,1.0,2.0\n";
    write_raw(
        raw.path(),
        "gacc-headline/2025/import_major_commodities_202511.csv",
        table.as_bytes(),
    );
    let wh = TempDir::new().unwrap();
    let out = etl(raw.path(), wh.path(), &["--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(scalar(wh.path(), "SELECT flow FROM ingest_log"), "import");
    assert_eq!(
        query(wh.path(), "SELECT flow, quantity FROM headline_series"),
        vec![vec!["import", "1234.5"]]
    );
}

#[test]
fn monthly_and_annual_tables_union() {
    let wh = bundled_warehouse();
    let n = scalar(
        wh,
        "SELECT COUNT(*) FROM (SELECT * FROM trade_flows UNION ALL SELECT * FROM trade_flows_annual)",
    );
    let (monthly, annual) = (
        scalar(wh, "SELECT COUNT(*) FROM trade_flows"),
        scalar(wh, "SELECT COUNT(*) FROM trade_flows_annual"),
    );
    assert_eq!(
        n.parse::<u64>().unwrap(),
        monthly.parse::<u64>().unwrap() + annual.parse::<u64>().unwrap()
    );
    let sources = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .arg("sources")
        .output()
        .unwrap();
    assert!(text(&sources.stdout).contains("gacc            RAW/gacc/{export,import}/**/*.csv"));
}

#[test]
fn data_checks_gate_the_publish_with_strict() {
    let raw = TempDir::new().unwrap();
    // A yuan row of January 2031: no exchange rate, so no dollar value; the check
    // `yuan_rows_have_dollars` fails on it.
    let file = format!(
        "{ZH_HEADER}\"203101\",\"502\",\"美国\",\"85051110\",\"稀土永磁\",\"10\",\"千克\",\"0\",\"?\",\"9,000\",\n"
    );
    write_raw(raw.path(), "gacc/export/2031/a.csv", file.as_bytes());
    let wh = TempDir::new().unwrap();
    let out = etl(raw.path(), wh.path(), &["--quiet", "--check", "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("FAIL  yuan_rows_have_dollars"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("not published: 1 data checks failed (--strict)"),
        "{}",
        text(&out.stderr)
    );
    assert!(!wh.path().join("current").exists());
    // Without --strict the failure is reported and the snapshot published.
    let out = etl(raw.path(), wh.path(), &["--quiet", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let check = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["check", "--warehouse"])
        .arg(wh.path())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(5), "{}", text(&check.stdout));
    // The bundled data passes every check.
    let check = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"))
        .current_dir(repo())
        .args(["check", "--warehouse"])
        .arg(bundled_warehouse())
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
}
