use super::*;
use crate::Currency;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/gacc_english_monthly_202511.html"
);

fn read_path(path: &Path) -> (HeadlineRelease, Vec<HeadlineRow>, Vec<Rejected>) {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let release = read_headline_html(path, &mut |r| match r {
        Ok(r) => ok.push(r),
        Err(e) => bad.push(e),
    })
    .unwrap();
    (release, ok, bad)
}

fn read_html(html: &str) -> Result<(HeadlineRelease, Vec<HeadlineRow>, Vec<Rejected>), String> {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("monthly.html");
    std::fs::write(&path, html).unwrap();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let release = read_headline_html(&path, &mut |r| match r {
        Ok(r) => ok.push(r),
        Err(e) => bad.push(e),
    })
    .map_err(|e| e.to_string())?;
    Ok((release, ok, bad))
}

#[test]
fn the_sample_page_gives_the_rare_earth_row_in_tonnes_and_thousand_dollars() {
    let (release, ok, bad) = read_path(Path::new(SAMPLE));
    assert_eq!(
        (release.year, release.first_month, release.last_month),
        (2025, 11, 11)
    );
    assert_eq!(
        (release.currency, release.value_scale),
        (Currency::Usd, 1e3)
    );
    assert!(
        release.title.contains("Major Export Commodities"),
        "{}",
        release.title
    );
    assert_eq!(ok.len(), 4);
    let re = &ok[0];
    assert_eq!(
        (re.series.as_str(), re.unit.as_str(), re.line),
        ("Rare earth", "Tonne", 22)
    );
    assert_eq!(
        (
            re.month_quantity,
            re.month_value,
            re.ytd_quantity,
            re.ytd_value
        ),
        (
            Some(5493.9),
            Some(36_785.0),
            Some(58_192.9),
            Some(449_367.0)
        )
    );
    assert_eq!(
        (re.ytd_quantity_yoy_pct, re.ytd_value_yoy_pct),
        (Some(11.7), Some(-1.1))
    );
    // Mobile phones: an empty month quantity, "n.a." as month value.
    assert_eq!(bad.len(), 1);
    assert_eq!((bad[0].line, bad[0].error.code()), (26, "bad_number"));
    assert_eq!(
        bad[0].error.to_string(),
        "unparsable number in field month Value: expected a number like 1,234 or 12.5, found \"n.a.\""
    );
}

#[test]
fn a_combined_release_with_only_year_to_date_columns() {
    let html = "<html><body><h3>Major Export Commodities in Quantity and Value, 1-2.2026</h3>\
        <p>Unit: USD 10,000</p><table>\
        <tr><th rowspan=\"2\">Commodity</th><th rowspan=\"2\">Unit</th><th colspan=\"2\">1 to 2</th><th colspan=\"2\">Percentage Change (%)</th></tr>\
        <tr><th>Quantity</th><th>Value</th><th>Quantity</th><th>Value</th></tr>\
        <tr><td>Rare-earths</td><td>T</td><td>10,460.0</td><td>8,000.5</td><td>22.9</td><td>10.1</td></tr>\
        <tr><td>Steel</td><td>10,000 tonnes</td><td>-5</td><td>1</td><td>1</td><td>1</td></tr>\
        <tr><td>Short</td><td>T</td></tr>\
        </table></body></html>";
    let (release, ok, bad) = read_html(html).unwrap();
    assert_eq!(
        (release.first_month, release.last_month, release.value_scale),
        (1, 2, 1e4)
    );
    assert_eq!(ok.len(), 1);
    assert_eq!(
        (ok[0].month_quantity, ok[0].ytd_quantity, ok[0].ytd_value),
        (None, Some(10_460.0), Some(8_000.5))
    );
    let codes: Vec<&str> = bad.iter().map(|r| r.error.code()).collect();
    assert_eq!(codes, vec!["negative_quantity", "too_few_fields"]);
}

#[test]
fn a_one_row_header_with_the_commodity_and_unit_cells_in_it() {
    let html = "<html><body><table>\
        <tr><td>Table 13: Major Export Commodities in Quantity and Value, November 2025</td></tr>\
        <tr><td>Unit: 1,000 US dollars</td></tr>\
        <tr><td>Commodity</td><td>Unit</td><td>Quantity</td><td>Value</td><td>Quantity</td><td>Value</td></tr>\
        <tr><td>Rare-earth ore, metals, compounds</td><td>T</td><td>5,493.9</td><td>36,785</td><td>58,192.9</td><td>449,367</td></tr>\
        </table></body></html>";
    let (release, ok, bad) = read_html(html).unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(
        (release.year, release.last_month, release.value_scale),
        (2025, 11, 1e3)
    );
    assert_eq!(
        (
            ok[0].month_quantity,
            ok[0].month_value,
            ok[0].ytd_quantity,
            ok[0].ytd_value
        ),
        (
            Some(5493.9),
            Some(36_785.0),
            Some(58_192.9),
            Some(449_367.0)
        )
    );
}

#[test]
fn a_page_without_the_table_or_its_title_is_a_file_error_saying_what_was_expected() {
    let no_title = read_html("<html><p>Unit: US$1,000</p><table></table></html>").unwrap_err();
    assert!(
        no_title.contains("no title naming the table and its period"),
        "{no_title}"
    );
    let no_table = read_html(
        "<html><p>Major Export Commodities, 11.2025</p><p>Unit: US$1,000</p>\
         <table><tr><td>x</td></tr></table></html>",
    )
    .unwrap_err();
    assert!(
        no_table.contains("no table with a row of Quantity / Value columns"),
        "{no_table}"
    );
}
