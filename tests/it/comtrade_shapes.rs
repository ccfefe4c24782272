//! UN Comtrade download shapes (issue 9): each fixture in `tests/fixtures/comtrade-shapes/`
//! (written byte for byte by its `make_fixtures.py`, see its README) loads with figures
//! computed by hand in the comments, and rows read = loaded + rejected on every file.

use std::path::Path;

use rareflow_etl::RunSummary;
use tempfile::TempDir;

use crate::support::{query, repo, run_etl, scalar, write_raw};

const FILES: [&str; 6] = [
    "plus_download_cp1252.csv",
    "plus_download_utf8_codes.csv",
    "historic_v1.csv",
    "legacy_newsite.csv",
    "wrapped_one_line.json",
    "wrapped_pretty.json",
];

/// Loads every fixture under `comtrade/shapes/` in one warehouse.
fn load() -> (TempDir, RunSummary) {
    let raw = TempDir::new().unwrap();
    let wh = TempDir::new().unwrap();
    for name in FILES {
        let bytes =
            std::fs::read(repo().join("tests/fixtures/comtrade-shapes").join(name)).unwrap();
        write_raw(raw.path(), &format!("comtrade/shapes/{name}"), &bytes);
    }
    let summary = run_etl(raw.path(), wh.path()).expect("every shape loads");
    for f in &summary.files {
        assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{}", f.file);
    }
    (wh, summary)
}

fn counts(summary: &RunSummary, name: &str) -> (u64, u64, u64) {
    let f = summary
        .files
        .iter()
        .find(|f| f.file.ends_with(name))
        .unwrap();
    (f.rows_read, f.rows_loaded, f.rows_rejected)
}

fn sql(wh: &Path, sql: &str) -> Vec<String> {
    query(wh, sql).into_iter().map(|r| r.join(" ")).collect()
}

#[test]
fn every_comtrade_shape_loads_with_hand_computed_figures() {
    let (wh, summary) = load();
    let wh = wh.path();

    // 1. ComtradePlus download, Windows-1252, CRLF, all quoted, 48 fields for 47 names.
    //    Lines 2-5 load; line 6 repeats line 2 exactly: a `duplicate` reject.
    assert_eq!(counts(&summary, "plus_download_cp1252.csv"), (5, 4, 1));
    let file = "source_file = 'comtrade/shapes/plus_download_cp1252.csv'";
    assert_eq!(
        sql(
            wh,
            &format!("SELECT source_line, reason_code, reason FROM rejects WHERE {file}")
        ),
        vec!["6 duplicate exact duplicate of line 2: the figure is loaded once, from that line"]
    );
    // Countries: 1234567.89 + 2500.25 + 100.1 = 1237168.24 (the World row says the same);
    // kg: 20500.5 + 10.5 = 20511, Curaçao's 0 marked estimated is NULL, not 0.
    assert_eq!(
        sql(
            wh,
            &format!(
                "SELECT partner_kind, round(SUM(value_usd), 2), SUM(quantity_kg), COUNT(quantity_kg) \
             FROM trade_flows WHERE {file} GROUP BY 1 ORDER BY 1"
            )
        ),
        vec!["country 1237168.24 20511 2", "world 1237168.24 20511 1"]
    );
    assert_eq!(
        sql(
            wh,
            &format!(
                "SELECT partner, partner_name, quantity_kg FROM trade_flows WHERE {file} \
             AND partner IN ('CUW', 'TUR') ORDER BY 1"
            )
        ),
        vec!["CUW Curaçao NULL", "TUR Türkiye 10.5"]
    );
    let log = format!("SELECT encoding, layout FROM ingest_log WHERE {file}");
    assert_eq!(sql(wh, &log), vec!["ISO-8859-1 comtrade-v1-csv"]);

    // 2. Comtrade's own codes (UTF-8 ComtradePlus download): India is 699; 840 with ISO USA
    //    and 736 with ISO SDN take the file's ISO3; S19 is Taiwan; `_X ` and 837 (no ISO)
    //    are kept as groups. Countries 10+20+30+40+50+80 = 230, groups 60+70 = 130, and the
    //    World row 360 = 230 + 130.
    assert_eq!(counts(&summary, "plus_download_utf8_codes.csv"), (9, 9, 0));
    let file = "source_file = 'comtrade/shapes/plus_download_utf8_codes.csv'";
    assert_eq!(
        sql(
            wh,
            &format!(
                "SELECT reporter, partner, partner_kind, value_usd FROM trade_flows WHERE {file} ORDER BY partner"
            )
        ),
        vec![
            "IND 837 group 70",
            "IND CHE country 30",
            "IND FRA country 20",
            "IND NOR country 40",
            "IND SDN country 80",
            "IND TWN country 50",
            "IND USA country 10",
            "IND W00 world 360",
            "IND _X group 60",
        ]
    );
    assert_eq!(
        scalar(
            wh,
            &format!("SELECT partner_name FROM trade_flows WHERE {file} AND partner = '837'")
        ),
        "Bunkers"
    );

    // 3. Historic reporters and partners (v1 names as CSV, annual): Belgium-Luxembourg 58,
    //    Fed. Rep. of Germany 280, Netherlands Antilles 530, Serbia and Montenegro 891.
    assert_eq!(counts(&summary, "historic_v1.csv"), (4, 4, 0));
    assert_eq!(
        sql(
            wh,
            "SELECT year, reporter, flow, partner, partner_kind, value_usd FROM trade_flows_annual \
                 WHERE source_file = 'comtrade/shapes/historic_v1.csv' ORDER BY year, reporter"
        ),
        vec![
            "1990 DEU import CHN country 7000",
            "1995 BLX import CHN country 5000",
            "2005 ANT import SCG country 11",
            "2005 SCG export ANT country 13",
        ]
    );
}

#[test]
fn sub_flows_breakdowns_and_aggregates_are_never_counted_twice() {
    let (wh, summary) = load();
    let wh = wh.path();

    // Legacy layout from the newer site: Trade Flow Code 0, the flow as letters. Line 12
    // (flow ZZ) is the one reject.
    assert_eq!(counts(&summary, "legacy_newsite.csv"), (11, 10, 1));
    let file = "source_file = 'comtrade/shapes/legacy_newsite.csv'";
    assert_eq!(
        sql(
            wh,
            &format!("SELECT source_line, reason_code FROM rejects WHERE {file}")
        ),
        vec!["12 bad_code"]
    );
    assert_eq!(
        sql(
            wh,
            &format!(
                "SELECT flow, partner_kind, customs_procedure, transport_mode, second_partner, value_usd \
             FROM trade_flows WHERE {file} ORDER BY source_line"
            )
        ),
        vec![
            "import country C00 0 0 1000",
            "import breakdown C01 0 0 600",
            "import breakdown C02 0 0 400",
            "import breakdown C00 2000 0 700",
            "import breakdown C00 0 276 300",
            "export country C00 0 0 500",
            "re-export country C00 0 0 200",
            "domestic-export country C00 0 0 300",
            "foreign-import country C00 0 0 50",
            "export-for-outward-processing country C00 0 0 20",
        ]
    );
    // The sum the issue names: imports 1000 + exports 500 = 1500, each counted once; the
    // total rows give the published import total, 1000, and so do the customs procedures
    // C01 + C02 = 600 + 400.
    assert_eq!(
        scalar(
            wh,
            &format!(
                "SELECT SUM(value_usd) FROM trade_flows WHERE {file} \
             AND flow IN ('import', 'export') AND partner_kind = 'country'"
            )
        ),
        "1500"
    );
    assert_eq!(
        sql(
            wh,
            &format!(
                "SELECT SUM(value_usd) FILTER (WHERE customs_procedure = 'C00' AND transport_mode = '0' \
                                        AND second_partner = '0'), \
                    SUM(value_usd) FILTER (WHERE customs_procedure IN ('C01', 'C02')) \
             FROM trade_flows WHERE {file} AND flow = 'import'"
            )
        ),
        vec!["1000 1000"]
    );

    // v1 JSON wrapped by a client library (one line, no final newline): the same breakdown
    // columns (motCode, partner2Code, customsCode), a re-export, and aggregate codes.
    assert_eq!(counts(&summary, "wrapped_one_line.json"), (8, 8, 0));
    let file = "source_file = 'comtrade/shapes/wrapped_one_line.json'";
    assert_eq!(
        sql(
            wh,
            &format!(
                "SELECT flow, hs_code, hs6, hs_level, partner_kind, customs_procedure, transport_mode, \
                    second_partner, quantity_kg, value_usd FROM trade_flows WHERE {file} ORDER BY source_line"
            )
        ),
        vec![
            "export 850511 850511 6 country C00 0 0 8 800.5",
            "export 850511 850511 6 breakdown C00 1000 0 5 500.5",
            "export 850511 850511 6 breakdown C00 0 344 3 300",
            "export 850511 850511 6 breakdown C01 0 0 2 100",
            "re-export 850511 850511 6 country C00 0 0 1 40",
            // TOTAL's netWgt 0 and the 2-digit line's 0 marked estimated: not reported.
            "export TOTAL NULL 0 country C00 0 0 NULL 90000",
            "export 85 NULL 2 country C00 0 0 NULL 9000",
            "export 8505 NULL 4 country C00 0 0 7 1500",
        ]
    );
    // A sum over hs6 sees only the six-digit line: 800.5.
    assert_eq!(
        scalar(
            wh,
            &format!(
                "SELECT SUM(value_usd) FROM trade_flows WHERE {file} AND hs6 IS NOT NULL \
             AND flow IN ('import', 'export') AND partner_kind = 'country'"
            )
        ),
        "800.5"
    );
    let warnings = scalar(wh, &format!("SELECT warnings FROM ingest_log WHERE {file}"));
    assert!(warnings.contains("wrapped"), "{warnings}");

    // Pretty-printed wrapper with the API response nested under "data", final newline.
    assert_eq!(counts(&summary, "wrapped_pretty.json"), (2, 2, 0));
    assert_eq!(
        sql(
            wh,
            "SELECT partner, quantity_kg, value_usd FROM trade_flows \
                 WHERE source_file = 'comtrade/shapes/wrapped_pretty.json' ORDER BY partner"
        ),
        vec!["CHN 12.5 1000.25", "W00 13 1100.75"]
    );
}
