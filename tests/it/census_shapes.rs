//! US Census response shapes (issue 9): `YEAR`/`MONTH` instead of `time`, year-to-date
//! variables (`ALL_VAL_YR`), the state x HS endpoint, and a state x NAICS response, which is
//! refused. Fixtures in `tests/fixtures/census-shapes/` (see its README); figures by hand.

use tempfile::TempDir;

use crate::support::{query, repo, run_etl, write_raw};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/census-shapes").join(name)).unwrap()
}

fn sql(wh: &std::path::Path, sql: &str) -> Vec<String> {
    query(wh, sql).into_iter().map(|r| r.join(" ")).collect()
}

#[test]
fn census_shapes_load_with_hand_computed_figures() {
    let raw = TempDir::new().unwrap();
    let wh = TempDir::new().unwrap();
    for name in [
        "imports_year_month.json",
        "exports_ytd_older_names.json",
        "exports_state_hs.json",
    ] {
        write_raw(raw.path(), &format!("census/shapes/{name}"), &fixture(name));
    }
    let summary = run_etl(raw.path(), wh.path()).unwrap();
    let counts: Vec<(String, u64, u64, u64)> = summary
        .files
        .iter()
        .map(|f| {
            assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{}", f.file);
            (f.file.clone(), f.rows_read, f.rows_loaded, f.rows_rejected)
        })
        .collect();
    let of = |name: &str| {
        let c = counts.iter().find(|c| c.0.ends_with(name)).unwrap();
        (c.1, c.2, c.3)
    };
    let wh = wh.path();

    // YEAR and MONTH columns instead of time: December 2024, three rows as written.
    assert_eq!(of("imports_year_month.json"), (3, 3, 0));
    assert_eq!(
        sql(
            wh,
            "SELECT period, flow, partner, partner_kind, quantity_kg, value_usd FROM trade_flows \
                 WHERE source_file = 'census/shapes/imports_year_month.json' ORDER BY partner"
        ),
        vec![
            "2024-12-01 import CHN country 10 1000",
            "2024-12-01 import JPN country 5 500",
            "2024-12-01 import W00 world 15 1500",
        ]
    );

    // ALL_VAL_YR: December's year-to-date is the year (trade_flows_annual, month 0); May's
    // (line 3) is a year_to_date reject.
    assert_eq!(of("exports_ytd_older_names.json"), (3, 2, 1));
    assert_eq!(
        sql(
            wh,
            "SELECT year, month, partner, quantity_kg, value_usd FROM trade_flows_annual \
                 WHERE source_file = 'census/shapes/exports_ytd_older_names.json' ORDER BY partner"
        ),
        vec!["2024 0 CHN 120 12000", "2024 0 DEU 30 3000.5"]
    );
    assert_eq!(
        sql(
            wh,
            "SELECT source_line, reason_code FROM rejects \
                 WHERE source_file = 'census/shapes/exports_ytd_older_names.json'"
        ),
        vec!["3 year_to_date"]
    );

    // State x HS: Texas 300 + California 200 = 500, kept with the state in region_code as
    // parts (`breakdown`) of the national figure, so a sum over countries never sees them.
    assert_eq!(of("exports_state_hs.json"), (2, 2, 0));
    let file = "source_file = 'census/shapes/exports_state_hs.json'";
    assert_eq!(
        sql(
            wh,
            &format!(
                "SELECT region_code, partner, partner_kind, value_usd FROM trade_flows WHERE {file} ORDER BY 1"
            )
        ),
        vec!["CA CHN breakdown 200", "TX CHN breakdown 300"]
    );
    assert_eq!(
        sql(
            wh,
            &format!(
                "SELECT SUM(value_usd), COUNT(*) FILTER (WHERE partner_kind = 'country') FROM trade_flows WHERE {file}"
            )
        ),
        vec!["500 0"]
    );
}

#[test]
fn a_naics_response_is_a_file_error_saying_what_is_supported() {
    let raw = TempDir::new().unwrap();
    let wh = TempDir::new().unwrap();
    let rel = "census/shapes/exports_state_naics.json";
    write_raw(raw.path(), rel, &fixture("exports_state_naics.json"));
    let err = run_etl(raw.path(), wh.path()).unwrap_err().to_string();
    for needed in [
        rel,
        "NAICS",
        "timeseries/intltrade/imports/hs",
        "ALL_VAL_MO",
        "YEAR and MONTH",
    ] {
        assert!(err.contains(needed), "{needed} not in: {err}");
    }
}
