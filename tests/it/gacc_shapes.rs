//! China Customs platform downloads in every shape analysts save them in
//! (tests/fixtures/gacc-shapes, described in its README): optional regime and
//! registration-place columns, English files in GB18030 with a full-width comma, Excel
//! re-saves with minimal quoting, downloads without a date or partner column, one month
//! split over several files, re-downloads, unknown and missing columns. Every figure below
//! is computed by hand from the fixture text (the sums are written out in comments).

use crate::support::{query, repo, run_etl, scalar, write_raw};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/gacc-shapes").join(name)).unwrap()
}

/// Builds a raw folder from (fixture, path under raw) pairs.
fn raw_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let raw = tempfile::TempDir::new().unwrap();
    for (name, target) in files {
        write_raw(raw.path(), target, &fixture(name));
    }
    raw
}

/// Rows read, loaded, rejected of one file in the summary; read = loaded + rejected.
fn counts(summary: &rareflow_etl::RunSummary, file: &str) -> (u64, u64, u64) {
    let f = summary.files.iter().find(|f| f.file == file).unwrap();
    assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{file}");
    (f.rows_read, f.rows_loaded, f.rows_rejected)
}

const JX: &str = "gacc/export/2026/gacc_export_202601_jiangxi.csv";
const JS: &str = "gacc/export/2026/gacc_export_202601_jiangsu.csv";

#[test]
fn a_month_split_by_province_adds_up_with_regime_and_region_kept() {
    let raw = raw_with(&[
        ("zh_region_regime_jiangxi_gb18030_crlf.csv", JX),
        ("zh_region_regime_jiangsu_gb18030_crlf.csv", JS),
    ]);
    let wh = tempfile::TempDir::new().unwrap();
    let summary = run_etl(raw.path(), wh.path()).unwrap();
    assert_eq!(counts(&summary, JX), (4, 4, 0));
    assert_eq!(counts(&summary, JS), (2, 2, 0));
    // Jiangxi line 2 as stored: regime code, registration place code and name.
    assert_eq!(
        query(
            wh.path(),
            &format!(
                "SELECT partner, period, customs_regime, region_code, region, quantity_kg, value_usd \
                 FROM trade_flows WHERE source_file = '{JX}' AND source_line = 2"
            )
        ),
        vec![vec![
            "USA",
            "2026-01-01",
            "10",
            "36",
            "江西省",
            "123456",
            "6543210"
        ]]
    );
    // US magnets, January 2026: Jiangxi 123,456 (regime 10) + 20,000 (regime 14) + Jiangsu
    // 80,000 = 223,456 kg; 6,543,210 + 1,100,000 + 4,000,000 = 11,643,210 USD.
    // Germany: 250,000 + 60,500 = 310,500 kg.
    assert_eq!(
        query(
            wh.path(),
            "SELECT partner, SUM(quantity_kg), SUM(value_usd), COUNT(*) FROM trade_flows \
             WHERE hs_code = '85051110' GROUP BY partner ORDER BY partner"
        ),
        vec![
            vec!["DEU", "310500", "15775000", "2"],
            vec!["USA", "223456", "11643210", "3"]
        ]
    );
    // By province: Jiangxi 123,456 + 20,000 + 250,000 + 1,500 = 394,956; Jiangsu 140,500.
    assert_eq!(
        query(
            wh.path(),
            "SELECT region_code, region, SUM(quantity_kg) FROM trade_flows \
             GROUP BY 1, 2 ORDER BY 1"
        ),
        vec![
            vec!["32", "江苏省", "140500"],
            vec!["36", "江西省", "394956"]
        ]
    );
    assert_eq!(
        scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows_superseded"),
        "0"
    );
    assert_eq!(
        query(
            wh.path(),
            "SELECT DISTINCT encoding, layout FROM ingest_log"
        ),
        vec![vec!["GB18030", "gacc-platform-zh"]]
    );
}

#[test]
fn a_later_download_of_the_same_file_supersedes_only_as_a_release() {
    let raw = raw_with(&[
        ("zh_region_regime_jiangxi_gb18030_crlf.csv", JX),
        ("zh_region_regime_jiangsu_gb18030_crlf.csv", JS),
    ]);
    let wh = tempfile::TempDir::new().unwrap();
    run_etl(raw.path(), wh.path()).unwrap();
    // The Jiangsu download again, later, with Germany revised from 60,500 to 61,000 kg.
    let later = "gacc/export/2026/gacc_export_202601_jiangsu_redownload.csv";
    write_raw(
        raw.path(),
        later,
        &fixture("zh_region_regime_jiangsu_redownload_gb18030_crlf.csv"),
    );
    let second = run_etl(raw.path(), wh.path()).unwrap();
    assert_eq!(counts(&second, later), (2, 2, 0));
    // Germany: Jiangxi 250,000 + Jiangsu 61,000 = 311,000 kg; the US is unchanged at
    // 223,456 kg (its Jiangsu row re-reported the same figure).
    assert_eq!(
        query(
            wh.path(),
            "SELECT partner, SUM(quantity_kg), COUNT(*) FROM trade_flows \
             WHERE hs_code = '85051110' GROUP BY partner ORDER BY partner"
        ),
        vec![vec!["DEU", "311000", "2"], vec!["USA", "223456", "3"]]
    );
    // The Jiangsu figures now come from the later release; Jiangxi's rows are untouched.
    assert_eq!(
        query(
            wh.path(),
            "SELECT source_file, COUNT(*) FROM trade_flows GROUP BY 1 ORDER BY 1"
        ),
        vec![vec![later, "2"], vec![JX, "4"]]
    );
    // The old Germany figure stays answerable in trade_flows_superseded.
    assert_eq!(
        query(
            wh.path(),
            "SELECT source_file, partner, quantity_kg FROM trade_flows_superseded \
             WHERE partner = 'DEU'"
        ),
        vec![vec![JS, "DEU", "60500"]]
    );
}

#[test]
fn english_gb18030_with_a_full_width_comma_and_excel_quoting() {
    let target = "gacc/export/2026/gacc_export_202602_en.csv";
    let raw = raw_with(&[("en_region_gb18030_fullwidth_comma_excel.csv", target)]);
    let wh = tempfile::TempDir::new().unwrap();
    let summary = run_etl(raw.path(), wh.path()).unwrap();
    assert_eq!(counts(&summary, target), (3, 3, 0));
    assert_eq!(
        query(wh.path(), "SELECT encoding, layout FROM ingest_log"),
        vec![vec!["GB18030", "gacc-platform-en"]]
    );
    // Line 3 is `"Macao,China"`: the quoted comma stays in its field.
    // Line 4 is 30,000 "Number of item" with 2,500.5 kg as the supplementary unit.
    assert_eq!(
        query(
            wh.path(),
            "SELECT source_line, partner, region_code, region, quantity_kg, quantity_native, \
             unit_native, value_usd FROM trade_flows ORDER BY source_line"
        ),
        vec![
            vec![
                "2",
                "HKG",
                "44",
                "Guangdong Province",
                "5000",
                "5000",
                "Kilogram",
                "300000"
            ],
            vec![
                "3",
                "MAC",
                "44",
                "Guangdong Province",
                "1200",
                "1200",
                "Kilogram",
                "72000"
            ],
            vec![
                "4",
                "HKG",
                "36",
                "Jiangxi Province",
                "2500.5",
                "30000",
                "Number of item",
                "180000"
            ],
        ]
    );
    // 5,000 + 1,200 + 2,500.5 = 8,700.5 kg; 300,000 + 72,000 + 180,000 = 552,000 USD.
    assert_eq!(
        query(
            wh.path(),
            "SELECT SUM(quantity_kg), SUM(value_usd) FROM trade_flows"
        ),
        vec![vec!["8700.5", "552000"]]
    );
}

#[test]
fn no_date_and_no_partner_column_is_the_world_total_for_the_folder_month() {
    let target = "gacc/export/2026/01/world_magnets.csv";
    let raw = raw_with(&[("zh_world_no_date_no_partner_gb18030.csv", target)]);
    let wh = tempfile::TempDir::new().unwrap();
    let summary = run_etl(raw.path(), wh.path()).unwrap();
    assert_eq!(counts(&summary, target), (2, 2, 0));
    assert_eq!(
        query(
            wh.path(),
            "SELECT period, partner, partner_code, partner_name, partner_kind, hs_code, \
             quantity_kg, value_usd FROM trade_flows ORDER BY source_line"
        ),
        vec![
            vec![
                "2026-01-01",
                "W00",
                "000",
                "World",
                "world",
                "85051110",
                "5917063",
                "305123456"
            ],
            vec![
                "2026-01-01",
                "W00",
                "000",
                "World",
                "world",
                "28469015",
                "12345",
                "3456789"
            ],
        ]
    );
    // No country sum counts the world total.
    assert_eq!(
        scalar(
            wh.path(),
            "SELECT COUNT(*) FROM trade_flows WHERE partner_kind = 'country'"
        ),
        "0"
    );
}

#[test]
fn no_date_column_takes_the_month_from_the_name_and_warns_of_an_unknown_column() {
    let target = "gacc/export/exports_202602.csv";
    let raw = raw_with(&[("zh_no_date_unknown_column_utf8_bom.csv", target)]);
    let wh = tempfile::TempDir::new().unwrap();
    let summary = run_etl(raw.path(), wh.path()).unwrap();
    assert_eq!(counts(&summary, target), (2, 2, 0));
    let warning = "field 4 \"查询条件\" is not a China Customs column: ignored";
    let file = summary.files.iter().find(|f| f.file == target).unwrap();
    assert_eq!(file.warnings, vec![warning.to_owned()]);
    assert_eq!(
        query(wh.path(), "SELECT encoding, warnings FROM ingest_log"),
        vec![vec!["UTF-8", warning]]
    );
    // 70,000 + 45,000 = 115,000 kg in February 2026.
    assert_eq!(
        query(
            wh.path(),
            "SELECT period, COUNT(*), SUM(quantity_kg), SUM(value_usd) FROM trade_flows GROUP BY 1"
        ),
        vec![vec!["2026-02-01", "2", "115000", "5750000"]]
    );
}

#[test]
fn a_period_column_wins_over_the_name() {
    let target = "gacc/export/exports_202601.csv";
    let raw = raw_with(&[("zh_period_column_cny_utf8.csv", target)]);
    let wh = tempfile::TempDir::new().unwrap();
    let summary = run_etl(raw.path(), wh.path()).unwrap();
    assert_eq!(counts(&summary, target), (1, 1, 0));
    assert_eq!(
        query(
            wh.path(),
            "SELECT period, partner, quantity_kg, value_native, currency FROM trade_flows"
        ),
        vec![vec!["2025-12-01", "USA", "1000", "360000", "CNY"]]
    );
}

/// A file-level error names the file and what to do; by default the run stops and the
/// warehouse is not created.
fn fails_with(target: &str, fixture_name: &str, expected: &[&str]) {
    let raw = raw_with(&[(fixture_name, target)]);
    let wh = tempfile::TempDir::new().unwrap();
    let err = run_etl(raw.path(), wh.path()).unwrap_err().to_string();
    for e in expected.iter().chain(&[target]) {
        assert!(err.contains(e), "{err} (expected {e})");
    }
    assert!(!wh.path().join("current").exists());
}

#[test]
fn no_month_anywhere_and_a_missing_required_column_are_file_errors() {
    fails_with(
        "gacc/export/world_magnets.csv",
        "zh_world_no_date_no_partner_gb18030.csv",
        &["no month", "数据年月", "exports_202601.csv", "2026/01/"],
    );
    fails_with(
        "gacc/export/2026/01/exports_202602.csv",
        "zh_world_no_date_no_partner_gb18030.csv",
        &["2 different months", "2026-01", "2026-02"],
    );
    fails_with(
        "gacc/export/2026/en_missing.csv",
        "en_missing_commodity_code.csv",
        &["no commodity code", "Commodity code"],
    );
}
