//! The real China Customs downloads in tests/fixtures/gacc-real load with every row, and
//! their kilograms and native values sum exactly to an independent reading of the files
//! (tests/fixtures/gacc-real/EXPECTED.md, computed with Python, not with this code).

use crate::support::{query, repo, run_etl, write_raw};

/// (fixture, raw path it is loaded as, data rows, kg sum, value sum)
const FIXTURES: [(&str, &str, u64, &str, &str); 7] = [
    (
        "cnprj-e210201810.csv",
        "gacc/export/cnprj-e210201810.csv",
        3,
        "1388",
        "2189",
    ),
    (
        "cnprj-i20420186.csv",
        "gacc/import/cnprj-i20420186.csv",
        3,
        "82",
        "509332",
    ),
    (
        "harukaworks-temp-2023.csv",
        "gacc/import/harukaworks-temp-2023.csv",
        40,
        "95355428567",
        "402526956940",
    ),
    (
        "harukaworks-temp-2024in.csv",
        "gacc/import/harukaworks-temp-2024in.csv",
        36,
        "100883410028",
        "359701179444",
    ),
    (
        "harukaworks-temp-2024out.csv",
        "gacc/export/harukaworks-temp-2024out.csv",
        29,
        "507699",
        "5409809",
    ),
    (
        "harukaworks-temp-2025in.csv",
        "gacc/import/harukaworks-temp-2025in.csv",
        28,
        "92098915183",
        "294502230749",
    ),
    (
        "harukaworks-temp-2025out.csv",
        "gacc/export/harukaworks-temp-2025out.csv",
        23,
        "511365",
        "5477246",
    ),
];

#[test]
fn real_downloads_load_every_row_with_exact_sums() {
    let raw = tempfile::TempDir::new().unwrap();
    let warehouse = tempfile::TempDir::new().unwrap();
    for (name, target, ..) in FIXTURES {
        let bytes = std::fs::read(repo().join("tests/fixtures/gacc-real").join(name)).unwrap();
        write_raw(raw.path(), target, &bytes);
    }
    let summary = run_etl(raw.path(), warehouse.path()).unwrap();
    for (name, target, rows, kg, value) in FIXTURES {
        let file = summary.files.iter().find(|f| f.file == target).unwrap();
        assert_eq!(
            (file.rows_read, file.rows_loaded, file.rows_rejected),
            (rows, rows, 0),
            "{name}"
        );
        let got = query(
            warehouse.path(),
            &format!(
                "SELECT CAST(SUM(quantity_kg) AS BIGINT), CAST(SUM(value_native) AS BIGINT), COUNT(*) \
                 FROM trade_flows WHERE source_file = '{target}'"
            ),
        );
        assert_eq!(
            got,
            vec![vec![kg.to_string(), value.to_string(), rows.to_string()]],
            "{name}"
        );
    }
    // The carat row has no kilograms; the "Number of item" row takes them from the second unit.
    let diamonds = query(
        warehouse.path(),
        "SELECT quantity_kg, quantity_native, unit_native, partner FROM trade_flows WHERE hs_code = '71023100'",
    );
    assert_eq!(diamonds, vec![vec!["NULL", "891", "Carat", "BWA"]]);
    let bras = query(
        warehouse.path(),
        "SELECT quantity_kg, quantity_native, unit_native, value_usd, currency, partner, customs_regime \
         FROM trade_flows WHERE hs_code = '62121090'",
    );
    assert_eq!(
        bras,
        vec![vec![
            "790",
            "8000",
            "Number of item",
            "345",
            "USD",
            "XCE",
            "10"
        ]]
    );
    // Yuan values convert through the monthly rate table.
    let soy = query(
        warehouse.path(),
        "SELECT t.currency, round(t.value_native / f.per_usd - t.value_usd, 6) \
         FROM trade_flows t JOIN fx_rates f ON f.month = t.period AND f.currency = t.currency \
         WHERE t.source_file = 'gacc/export/harukaworks-temp-2024out.csv' AND t.source_line = 2",
    );
    assert_eq!(soy, vec![vec!["CNY", "0"]]);
    let argentina = query(
        warehouse.path(),
        "SELECT DISTINCT partner, partner_code, flow FROM trade_flows WHERE partner_code = '402'",
    );
    assert_eq!(argentina, vec![vec!["ARG", "402", "import"]]);
}
