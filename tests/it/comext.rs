//! Eurostat Comext bulk files: `full_v2` and older `full` layouts, as `.dat` and inside the
//! `.7z` archives Eurostat publishes (tests/fixtures/comext/, see its README). Every figure
//! below is worked out by hand from the fixture lines.

use std::path::Path;

use tempfile::TempDir;

use crate::support::{query, repo, run_etl, scalar, write_raw};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/comext").join(name)).unwrap()
}

/// A raw folder holding the four fixtures under `comext/`, loaded into a warehouse.
fn load_fixtures() -> (TempDir, TempDir) {
    let (raw, warehouse) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    for (relative, name) in [
        ("comext/2025/full_v2_202501.dat", "full_v2_202501.dat"),
        ("comext/2025/full_v2_202502.7z", "full_v2_202502.7z"),
        ("comext/2019/full201905.dat", "full201905.dat"),
        ("comext/2019/full201906.7z", "full201906.7z"),
    ] {
        write_raw(raw.path(), relative, &fixture(name));
    }
    let summary = run_etl(raw.path(), warehouse.path()).unwrap();
    // (file, read, loaded, rejected, without usd): read = loaded + rejected on every file.
    let mut counts: Vec<_> = summary
        .files
        .iter()
        .map(|f| {
            assert_eq!(f.source, "comext");
            assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{}", f.file);
            (
                f.file.as_str(),
                f.rows_read,
                f.rows_loaded,
                f.rows_rejected,
                f.rows_without_usd,
            )
        })
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        vec![
            // 8 records; line 8 (FLOW 5) rejected; the 201852 annual row has no monthly rate.
            ("comext/2019/full201905.dat", 8, 7, 1, 1),
            ("comext/2019/full201906.7z", 3, 3, 0, 0),
            // 12 records; line 12 (VALUE_EUR "12O00") rejected; the 202452 annual row.
            ("comext/2025/full_v2_202501.dat", 12, 11, 1, 1),
            ("comext/2025/full_v2_202502.7z", 4, 4, 0, 0),
        ]
    );
    (raw, warehouse)
}

fn rows(warehouse: &Path, sql: &str) -> Vec<String> {
    query(warehouse, sql)
        .into_iter()
        .map(|r| r.join(" "))
        .collect()
}

#[test]
fn both_layouts_plain_and_in_7z_load_with_exact_figures() {
    let (_raw, wh) = load_fixtures();
    let w = wh.path();
    // Layouts as recorded per file.
    assert_eq!(
        rows(
            w,
            "SELECT source_file, layout, encoding FROM ingest_log ORDER BY source_file"
        ),
        vec![
            "comext/2019/full201905.dat comext-full UTF-8",
            "comext/2019/full201906.7z comext-full (7z) UTF-8",
            "comext/2025/full_v2_202501.dat comext-full-v2 UTF-8",
            "comext/2025/full_v2_202502.7z comext-full-v2 (7z) UTF-8",
        ]
    );
    // Germany's magnet imports from China, January 2025: two rows that differ only in
    // STAT_PROCEDURE (1: 120,000 kg, EUR 5,250,000; 4: 8,000 kg, EUR 310,000.5), kept apart.
    // USD at 0.965810 EUR per USD (ECB January 2025 average 1.0354 USD per EUR, inverted):
    // 5,250,000 / 0.965810 = 5,435,851.77; 310,000.5 / 0.965810 = 320,974.62.
    assert_eq!(
        rows(
            w,
            "SELECT customs_regime, quantity_kg, value_native, currency, round(value_usd, 2), \
             classification, hs6, hs_level, product_group, partner_name, source_line \
             FROM trade_flows WHERE reporter = 'DEU' AND partner = 'CHN' AND flow = 'import' \
             AND hs_code = '85051110' AND year = 2025 AND month = 1 ORDER BY customs_regime"
        ),
        vec![
            "1 120000 5250000 EUR 5435851.77 CN8 850511 8 magnet China 2",
            "4 8000 310000.5 EUR 320974.62 CN8 850511 8 magnet China 3",
        ]
    );
    // Partners: countries once, Eurostat aggregates as groups. Germany's country rows for
    // magnet imports, January 2025: 120,000 + 8,000 (CN) + 6,000 (JP) = 134,000 kg, equal to
    // its extra-EU total row (EXT_EU27_2020, 134,000 kg) and never summed with it.
    assert_eq!(
        rows(
            w,
            "SELECT partner_kind, partner, partner_code, SUM(quantity_kg) FROM trade_flows \
             WHERE reporter = 'DEU' AND flow = 'import' AND product_group = 'magnet' \
             AND year = 2025 AND month = 1 GROUP BY 1, 2, 3 ORDER BY 1, 2"
        ),
        vec![
            "country CHN CN 128000",
            "country JPN JP 6000",
            "group EUR EU27_2020 90000",
            "group XEE EXT_EU27_2020 134000",
        ]
    );
    // Greece as Eurostat writes it (EL, full_v2) and as ISO does (GR, older full); Poland
    // (value in euros, not the zloty VALUE_NAC 8,580,000); Kosovo XK -> XKX (an export).
    assert_eq!(
        rows(
            w,
            "SELECT reporter, flow, partner, period, quantity_kg, value_native FROM trade_flows \
             WHERE reporter IN ('GRC', 'POL') OR partner = 'XKX' ORDER BY period, reporter"
        ),
        vec![
            "GRC import CHN 2019-05-01 900 40000",
            "GRC import CHN 2025-01-01 1000 50000",
            "POL import CHN 2025-01-01 60000 2000000",
            "ESP export XKX 2025-02-01 100 12000",
        ]
    );
    // A masked code and a confidential partner: hs6 NULL, level 8, no taxonomy.
    assert_eq!(
        rows(
            w,
            "SELECT reporter, partner, partner_kind, hs_code, hs6, hs_level, product_group \
             FROM trade_flows WHERE hs_code LIKE '%X%'"
        ),
        vec!["FRA XQZ group 85XXXXXX NULL 8 NULL"]
    );
    // CN8 lines through the taxonomy: 85051100 (CN before 2023) magnet, 28053010 metal,
    // 28469010 compound. Rows: 85051110 8 in full_v2_202501.dat + 4 in the 7z; 85051100 5 + 3.
    assert_eq!(
        rows(
            w,
            "SELECT hs_code, product_group, COUNT(*) FROM trade_flows \
             WHERE hs_code NOT LIKE '%X%' GROUP BY 1, 2 ORDER BY 1"
        ),
        vec![
            "28053010 metal 1",
            "28469010 compound 1",
            "85051100 magnet 8",
            "85051110 magnet 12",
        ]
    );
    // Annual YYYY52 rows go to trade_flows_annual: month 0, first day of the year, no USD.
    assert_eq!(
        rows(
            w,
            "SELECT reporter, partner, year, month, period, quantity_kg, value_native, value_usd \
             FROM trade_flows_annual WHERE source = 'comext' ORDER BY year"
        ),
        vec![
            "DEU CHN 2018 0 2018-01-01 1300000 52000000 NULL",
            "DEU CHN 2024 0 2024-01-01 1450000 61000000 NULL",
        ]
    );
    // Monthly magnet imports from China over the four files, kg:
    // 2019-05: DE 98,000 + 7,000, IT 30,000, GR 900 = 135,900
    // 2019-06: DE 95,000 + ES 17,000 = 112,000
    // 2025-01: DE 120,000 + 8,000, PL 60,000, EL 1,000 = 189,000
    // 2025-02: NL 40,000 + ES 21,000 = 61,000
    assert_eq!(
        rows(
            w,
            "SELECT period, SUM(quantity_kg) FROM trade_flows WHERE source = 'comext' \
             AND flow = 'import' AND partner = 'CHN' AND product_group = 'magnet' \
             GROUP BY 1 ORDER BY 1"
        ),
        vec![
            "2019-05-01 135900",
            "2019-06-01 112000",
            "2025-01-01 189000",
            "2025-02-01 61000",
        ]
    );
    // The rejects name the field and what was wrong.
    assert_eq!(
        rows(
            w,
            "SELECT source_file, source_line, reason_code, reason FROM rejects ORDER BY source_file"
        ),
        vec![
            "comext/2019/full201905.dat 8 bad_code malformed code in field FLOW: expected 1 (import) \
             or 2 (export), found \"5\"",
            "comext/2025/full_v2_202501.dat 12 bad_number unparsable number in field VALUE_EUR: \
             expected a number like 1,234 or 12.5, found \"12O00\"",
        ]
    );
    assert_eq!(
        scalar(
            w,
            "SELECT COUNT(*) FROM trade_flows WHERE source = 'comext'"
        ),
        // 10 + 4 + 6 + 3 monthly rows.
        "23"
    );
}

#[test]
fn an_unknown_header_is_a_file_error_naming_the_file() {
    let (raw, warehouse) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    write_raw(
        raw.path(),
        "comext/2025/full_v2_202503.dat",
        b"reporter_code;partner_code;value\nDE;CN;1\n",
    );
    let err = run_etl(raw.path(), warehouse.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("comext/2025/full_v2_202503.dat") && err.contains("unknown header"),
        "{err}"
    );
    // The same file inside a broken archive: named too.
    let raw = TempDir::new().unwrap();
    write_raw(
        raw.path(),
        "comext/2025/full_v2_202503.7z",
        b"7z\xbc\xaf\x27\x1c broken",
    );
    let err = run_etl(raw.path(), warehouse.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("full_v2_202503.7z"), "{err}");
}

#[test]
fn the_united_kingdom_since_2021_is_xu_and_xi_and_both_map() {
    // Since 2021 Comext writes the United Kingdom as XU (excluding Northern Ireland, extra-EU
    // trade) and XI (Northern Ireland, intra-EU under the Protocol; also a reporter). Both
    // are the UK's parts: GBR, `country`, never rejected. USD at 0.925326 EUR per USD (ECB
    // March 2025 average, 1.0807 USD per EUR): 92,532.6 / 0.925326 = 100,000;
    // 46,266.3 / 0.925326 = 50,000; 185,065.2 / 0.925326 = 200,000.
    let (raw, warehouse) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let file = "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,PRODUCT_CPA21,PRODUCT_CPA22,\
PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,SUPPL_UNIT,PERIOD,VALUE_EUR,VALUE_NAC,\
QUANTITY_KG,QUANTITY_SUPPL_UNIT\n\
IE,XU,E,85051110,77881,279011,279011,42,411,XVI,2,1,,202503,92532.6,92532.6,1500,0\n\
IE,XI,I,85051110,77881,279011,279011,42,411,XVI,2,1,,202503,46266.3,46266.3,700,0\n\
XI,CN,E,85051110,77881,279011,279011,42,411,XVI,1,1,,202503,185065.2,185065.2,3000,0\n";
    write_raw(
        raw.path(),
        "comext/2025/full_v2_202503.dat",
        file.as_bytes(),
    );
    let summary = run_etl(raw.path(), warehouse.path()).unwrap();
    assert_eq!(
        (summary.files[0].rows_loaded, summary.files[0].rows_rejected),
        (3, 0)
    );
    assert_eq!(
        rows(
            warehouse.path(),
            "SELECT reporter, flow, partner, partner_code, partner_name, partner_kind, \
             quantity_kg, CAST(round(value_usd) AS BIGINT) FROM trade_flows ORDER BY source_line"
        ),
        vec![
            "IRL export GBR XU United Kingdom (excluding Northern Ireland) country 1500 100000",
            "IRL export GBR XI United Kingdom (Northern Ireland) country 700 50000",
            "GBR import CHN CN China country 3000 200000",
        ]
    );
}
