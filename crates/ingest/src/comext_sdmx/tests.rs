use super::*;

const CODES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sdmx_codes.csv");
const LABELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sdmx_labels.csv");

type Read = (SdmxFile, Vec<SdmxRecord>, Vec<Rejected>);

fn read_path(path: &Path) -> Read {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let file = read_comext_sdmx(path, &mut |r| match r {
        Ok(r) => ok.push(r),
        Err(e) => bad.push(e),
    })
    .unwrap();
    (file, ok, bad)
}

fn read_text(text: &str) -> Read {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(&path, text).unwrap();
    read_path(&path)
}

#[test]
fn the_fetchers_codes_sample_joins_value_and_quantity_rows() {
    let (file, ok, bad) = read_path(Path::new(CODES));
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(file.last_update.as_deref(), Some("15/09/26 11:00"));
    assert_eq!(file.layout(), "comext-sdmx-csv");
    assert_eq!(ok.len(), 2);
    let de = &ok[0];
    assert_eq!(
        (
            de.line,
            de.reporter.as_str(),
            de.partner.as_str(),
            de.product.as_str()
        ),
        (2, "DE", "CN", "85051110")
    );
    assert_eq!((de.flow, de.period), (Flow::Import, Period::Month(2025, 1)));
    assert_eq!(
        (de.value_eur, de.quantity_100kg, de.quantity_suppl),
        (Some(9_876_543.0), Some(1520.37), None)
    );
    assert_eq!(ok[1].period, Period::Month(2025, 3));
    assert_eq!(ok[1].value_eur, Some(1_234_567.0));
    assert!(file.warnings[0].starts_with("4 data row(s) end with a comma"));
}

#[test]
fn the_browsers_labels_sample_reads_labels_with_commas_and_flags() {
    let (file, ok, bad) = read_path(Path::new(LABELS));
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(file.layout(), "comext-sdmx-csv-labels");
    assert_eq!(ok.len(), 2);
    assert_eq!(
        ok[0].reporter,
        "Germany (incl. German Democratic Republic (DD) from 1991)"
    );
    assert_eq!(ok[1].reporter, "Netherlands, Kingdom of the");
    assert_eq!(ok[0].partner, "China (People's Republic of)");
    assert!(ok[0].product.starts_with("Permanent magnets and articles"));
    assert_eq!(
        (ok[0].flow, ok[0].quantity_100kg),
        (Flow::Import, Some(1520.37))
    );
    assert_eq!(
        (ok[1].value_eur, ok[1].flags.as_deref()),
        (Some(555_000.0), Some("p"))
    );
}

#[test]
fn columns_by_name_annual_periods_codes_and_labels_lf_and_no_trailing_comma() {
    let text = "\u{feff}TIME_PERIOD: Time,OBS_VALUE,indicators,flow,product,partner,reporter: Reporting country,freq\n\
                2024,100.5,QUANTITY_IN_100KG,2,850511,WORLD,EU27_2020,A\n\
                2024,7000,Value in euros,EXPORT,850511,WORLD,EU27_2020,Annual\n\
                2025-02,3,SUPPLEMENTARY_QUANTITY,1: Imports,2846,EXTRA_EU,FR: France,M\n";
    let (file, ok, bad) = read_text(text);
    assert!(bad.is_empty(), "{bad:?}");
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0].period, Period::Year(2024));
    assert_eq!(
        (ok[0].flow, ok[0].value_eur, ok[0].quantity_100kg),
        (Flow::Export, Some(7000.0), Some(100.5))
    );
    assert_eq!(ok[0].raw.lines().count(), 2);
    assert_eq!((ok[1].reporter.as_str(), ok[1].flow), ("FR", Flow::Import));
    assert_eq!(ok[1].quantity_suppl, Some(3.0));
}

#[test]
fn bad_rows_are_rejected_with_line_and_field_and_the_rest_loads() {
    let head = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\r\n";
    let row = |rest: &str| format!("ESTAT:DS-045409(1.0),15/09/26 11:00,{rest}\r\n");
    let text = [
        head.to_owned(),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-01,10,"),
        row("M,DE,CN,85051110,3,VALUE_IN_EUROS,2025-01,10,"),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-13,10,"),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025,10,"),
        row("M,DE,CN,85051110,1,WEIGHT,2025-01,10,"),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-01,x,"),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-01,-1,"),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-01,,"),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-01,10,"),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-01,11,"),
        row("M,DE,CN,1,VALUE_IN_EUROS,2025-01,10"),
        row("M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-01,10,x,y"),
    ]
    .concat();
    let (_, ok, bad) = read_text(&text);
    assert_eq!(ok.len(), 1);
    let got: Vec<(u64, &str)> = bad.iter().map(|r| (r.line, r.error.code())).collect();
    assert_eq!(
        got,
        vec![
            (3, "bad_code"),
            (4, "bad_month"),
            (5, "bad_code"),
            (6, "bad_code"),
            (7, "bad_number"),
            (8, "negative_quantity"),
            (9, "missing_value"),
            (10, "duplicate"),
            (11, "conflicting"),
            (12, "too_few_fields"),
            (13, "too_many_fields"),
        ]
    );
    assert_eq!(
        bad[0].error.to_string(),
        "malformed code in field flow: expected 1 or IMPORT (import), 2 or EXPORT (export), found \"3\""
    );
    assert_eq!(bad[6].error.to_string(), "missing value in field obs_value");
}

#[test]
fn a_file_without_the_sdmx_columns_is_a_file_error_naming_them() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(&path, "REPORTER,PARTNER,PERIOD,VALUE_EUR\nDE,CN,202501,1\n").unwrap();
    let err = read_comext_sdmx(&path, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(":1: unknown header: expected an SDMX-CSV header"),
        "{err}"
    );
    assert!(
        err.contains("no column(s) product, flow, indicators, time_period, obs_value"),
        "{err}"
    );
}
