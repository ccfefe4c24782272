//! Each quirk of the China Customs platform CSV, and each reject reason, on small files
//! written in the real formats.

use std::path::Path;

use crate::support::{gb18030, query, run_etl, scalar, tree, write_raw};

const ZH_HEADER: &str = r#""数据年月","贸易伙伴编码","贸易伙伴名称","商品编码","商品名称","第一数量","第一计量单位","第二数量","第二计量单位","人民币","#;

fn load(
    files: &[(&str, Vec<u8>)],
) -> (
    tempfile::TempDir,
    tempfile::TempDir,
    rareflow_etl::RunSummary,
) {
    let raw = tempfile::TempDir::new().unwrap();
    let warehouse = tempfile::TempDir::new().unwrap();
    for (rel, bytes) in files {
        write_raw(raw.path(), rel, bytes);
    }
    let summary = run_etl(raw.path(), warehouse.path()).unwrap();
    (raw, warehouse, summary)
}

fn row(warehouse: &Path, file: &str, line: u64) -> Vec<String> {
    let r = query(
        warehouse,
        &format!(
            "SELECT flow, partner, period, hs_code, hs6, product_group, element, quantity_kg, \
             quantity_native, unit_native, value_native, currency, customs_regime \
             FROM trade_flows WHERE source_file = '{file}' AND source_line = {line}"
        ),
    );
    assert_eq!(r.len(), 1, "{file}:{line}: {r:?}");
    r[0].clone()
}

#[test]
fn chinese_gb18030_crlf_separators_reordered_columns() {
    // Columns in another order (commodity first), an optional registration-place column,
    // CRLF, trailing commas, separators in quantity and value, `?` for no second unit, and
    // a bare quote inside a name.
    let text = "\"商品编码\",\"商品名称\",\"数据年月\",\"贸易伙伴编码\",\"贸易伙伴名称\",\"注册地编码\",\"第一数量\",\"第一计量单位\",\"第二数量\",\"第二计量单位\",\"人民币\",\r\n\
        \"85051110\",\"稀土的永磁铁\",\"202511\",\"502\",\"美国\",\"44\",\"1,234,567\",\"千克\",\"0\",\"?\",\"70,912,345\",\r\n\
        \"28469015\",\"氧化镝 \"高纯\"\",\"202511\",\"133\",\"韩国\",\"44\",\"995\",\"千克\",\"0\",\"?\",\"2,100,000\",\r\n";
    let (_raw, wh, summary) = load(&[("gacc/export/zh.csv", gb18030(text))]);
    assert_eq!(summary.totals(), (2, 2, 0));
    assert_eq!(
        row(wh.path(), "gacc/export/zh.csv", 2),
        vec![
            "export",
            "USA",
            "2025-11-01",
            "85051110",
            "850511",
            "magnet",
            "NULL",
            "1234567",
            "1234567",
            "千克",
            "70912345",
            "CNY",
            "NULL"
        ]
    );
    assert_eq!(
        row(wh.path(), "gacc/export/zh.csv", 3),
        vec![
            "export",
            "KOR",
            "2025-11-01",
            "28469015",
            "284690",
            "oxide",
            "Dy",
            "995",
            "995",
            "千克",
            "2100000",
            "CNY",
            "NULL"
        ]
    );
    // value_usd through the November 2025 rate.
    let usd = scalar(
        wh.path(),
        "SELECT round(t.value_usd * f.per_usd) FROM trade_flows t JOIN fx_rates f ON f.month = t.period AND f.currency = t.currency WHERE t.source_line = 2",
    );
    assert_eq!(usd, "70912345");
    let log = query(wh.path(), "SELECT encoding, layout FROM ingest_log");
    assert_eq!(log, vec![vec!["GB18030", "gacc-platform-zh"]]);
}

#[test]
fn english_utf8_bom_dash_and_second_unit_kilograms() {
    let text = "\u{feff}\"Date of data\",\"Trading partner code\",\"Trading partner\",\"Commodity code\",\"Commodity\",\"Customs Regime code\",\"Customs Regime\",\"Quantity\",\"Unit\",\"Supplimentary Quantity\",\"Supplimentary Unit\",\"US dollar\",\n\
        \"202510\",\"304\",\"Germany\",\"85051110\",\"Permanent magnets\",\"10\",\"Ordinary Trade\",\"8000\",\"Number of item\",\"790\",\"Kilogram\",\"1,161\",\n\
        \"202510\",\"116\",\"Japan\",\"28469016\",\"Terbium oxide\",\"14\",\"Processing and Assembling\",\"5,200\",\"Kilogram\",\"0\",\"-\",\"4,800,000\",\n";
    let (_raw, wh, summary) = load(&[("gacc/export/2025/en.csv", text.as_bytes().to_vec())]);
    assert_eq!(summary.totals(), (2, 2, 0));
    assert_eq!(
        row(wh.path(), "gacc/export/2025/en.csv", 2),
        vec![
            "export",
            "DEU",
            "2025-10-01",
            "85051110",
            "850511",
            "magnet",
            "NULL",
            "790",
            "8000",
            "Number of item",
            "1161",
            "USD",
            "10"
        ]
    );
    assert_eq!(
        row(wh.path(), "gacc/export/2025/en.csv", 3),
        vec![
            "export",
            "JPN",
            "2025-10-01",
            "28469016",
            "284690",
            "oxide",
            "Tb",
            "5200",
            "5200",
            "Kilogram",
            "4800000",
            "USD",
            "14"
        ]
    );
    assert_eq!(
        scalar(
            wh.path(),
            "SELECT value_usd FROM trade_flows WHERE source_line = 3"
        ),
        "4800000"
    );
    assert_eq!(
        scalar(wh.path(), "SELECT encoding FROM ingest_log"),
        "UTF-8"
    );
}

#[test]
fn chinese_utf8_dollars_and_import_flow_from_folder() {
    let text = ZH_HEADER.replace("人民币", "美元")
        + "\n\"202603\",\"106\",\"缅甸\",\"25309020\",\"稀土金属矿\",\"250000\",\"千克\",\"0\",\"?\",\"1,500,000\",\n";
    let (_raw, wh, _) = load(&[("gacc/import/deep/er/mm.csv", text.into_bytes())]);
    assert_eq!(
        row(wh.path(), "gacc/import/deep/er/mm.csv", 2),
        vec![
            "import",
            "MMR",
            "2026-03-01",
            "25309020",
            "253090",
            "ore",
            "NULL",
            "250000",
            "250000",
            "千克",
            "1500000",
            "USD",
            "NULL"
        ]
    );
}

#[test]
fn every_reject_reason_is_recorded_and_the_rest_loads() {
    let good = r#""202511","502","美国","85051110","磁铁","100","千克","0","?","4,000","#;
    let lines = [
        good,                                                                           // 2 loads
        r#""202513","502","美国","85051110","磁铁","100","千克","0","?","4,000","#, // 3 bad_month
        r#""202511","502","美国","8505111","磁铁","100","千克","0","?","4,000","#, // 4 bad_code (hs)
        r#""202511","5X2","美国","85051110","磁铁","100","千克","0","?","4,000","#, // 5 bad_code (partner)
        r#""202511","502","美国","85051110","磁铁","1O0","千克","0","?","4,000","#, // 6 bad_number
        r#""202511","502","美国","85051110","磁铁","-100","千克","0","?","4,000","#, // 7 negative_quantity
        r#""202511","502","美国","85051110","磁铁","100","#, // 8 too_few_fields
        r#""202511","502","美国","85051110","磁铁","100","千克","0","?","4,000","x","#, // 9 too_many_fields
        r#""202511","999","未知","85051110","磁铁","100","千克","0","?","4,000","#, // 10 unknown_code
        r#""202511","502","美国","85051110","磁铁","100","千克","0","?","4,000"#, // 11 unterminated_quote
        good,                                                                     // 12 loads
    ];
    let mut text = format!("{ZH_HEADER}\n{}\n", lines.join("\n")).into_bytes();
    // Line 13: bytes that are not UTF-8 in a UTF-8 file.
    text.extend_from_slice(
        b"\"202511\",\"502\",\"\xff\xfe\",\"85051110\",\"x\",\"1\",\"kg\",\"0\",\"?\",\"1\",\n",
    );
    // Line 14: a line longer than any real record.
    text.extend_from_slice(
        format!("\"202511\",\"502\",\"{}\",\n", "x".repeat(2_000_000)).as_bytes(),
    );
    text.extend_from_slice(format!("{good}\n").as_bytes()); // 15 loads
    let (_raw, wh, summary) = load(&[("gacc/export/bad.csv", text)]);
    assert_eq!(summary.totals(), (14, 3, 11));
    let rejects = query(
        wh.path(),
        "SELECT source_line, reason_code FROM rejects ORDER BY source_line",
    );
    let expected = [
        (3, "bad_month"),
        (4, "bad_code"),
        (5, "bad_code"),
        (6, "bad_number"),
        (7, "negative_quantity"),
        (8, "too_few_fields"),
        (9, "too_many_fields"),
        (10, "unknown_code"),
        (11, "unterminated_quote"),
        (13, "bad_encoding"),
        (14, "field_too_long"),
    ];
    let expected: Vec<Vec<String>> = expected
        .iter()
        .map(|(l, c)| vec![l.to_string(), c.to_string()])
        .collect();
    assert_eq!(rejects, expected);
    // Reasons name the field and what was expected; the raw record is kept.
    let (reason, raw) = {
        let r = query(
            wh.path(),
            "SELECT reason, raw_record FROM rejects WHERE source_line = 6",
        );
        (r[0][0].clone(), r[0][1].clone())
    };
    assert!(
        reason.contains("第一数量") && reason.contains("1O0"),
        "{reason}"
    );
    assert_eq!(raw, lines[4]);
    let month = scalar(
        wh.path(),
        "SELECT reason FROM rejects WHERE source_line = 3",
    );
    assert!(
        month.contains("数据年月") && month.contains("202513"),
        "{month}"
    );
    assert_eq!(
        query(
            wh.path(),
            "SELECT rows_read, rows_loaded, rows_rejected FROM ingest_log"
        ),
        vec![vec!["14", "3", "11"]]
    );
    assert_eq!(
        scalar(wh.path(), "SELECT SUM(quantity_kg) FROM trade_flows"),
        "300"
    );
}

/// A file that cannot be read at all fails the run with its name, and the warehouse stays
/// exactly as it was.
#[test]
fn unreadable_files_fail_the_run_and_leave_the_warehouse_unchanged() {
    let raw = tempfile::TempDir::new().unwrap();
    let wh = tempfile::TempDir::new().unwrap();
    let good = format!(
        "{ZH_HEADER}\n\"202511\",\"502\",\"美国\",\"85051110\",\"磁铁\",\"100\",\"千克\",\"0\",\"?\",\"4,000\",\n"
    );
    write_raw(raw.path(), "gacc/export/a.csv", good.as_bytes());
    run_etl(raw.path(), wh.path()).unwrap();
    let before = tree(wh.path());

    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("gacc/export/b_binary.csv", b"PK\x03\x04\x00\x00binary".to_vec(), "not a CSV"),
        ("gacc/export/b_unknown.csv", b"id,name,amount\n1,a,2\n".to_vec(), "unknown header"),
        ("gacc/export/b_empty.csv", Vec::new(), "empty"),
        ("gacc/export/b_blank.csv", b"\r\n\n  \n".to_vec(), "empty"),
        (
            "gacc/export/b_duplicate.csv",
            "\"数据年月\",\"数据年月\",\"贸易伙伴编码\",\"商品编码\",\"第一数量\",\"第一计量单位\",\"人民币\",\n".as_bytes().to_vec(),
            "appears twice",
        ),
    ];
    for (rel, bytes, expected) in cases {
        write_raw(raw.path(), rel, &bytes);
        let err = run_etl(raw.path(), wh.path()).unwrap_err().to_string();
        assert!(err.contains(rel) && err.contains(expected), "{rel}: {err}");
        assert_eq!(tree(wh.path()), before, "{rel} changed the warehouse");
        std::fs::remove_file(raw.path().join(rel)).unwrap();
    }
    // A header-only file is not an error: zero rows.
    write_raw(
        raw.path(),
        "gacc/export/c_header_only.csv",
        ZH_HEADER.as_bytes(),
    );
    let summary = run_etl(raw.path(), wh.path()).unwrap();
    assert_eq!(summary.totals(), (1, 1, 0));
}
