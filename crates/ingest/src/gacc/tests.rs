//! Unit tests of the platform dialect and the header mapping.

use super::*;
use crate::error::RowError;

fn spans_of(line: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    split_fields(line, &mut spans).unwrap();
    spans.iter().map(|&(a, b)| &line[a..b]).collect()
}

#[test]
fn splits_quoted_fields_with_trailing_comma() {
    assert_eq!(
        spans_of(r#""202301","402","阿根廷","5,917,063,944","#),
        vec!["202301", "402", "阿根廷", "5,917,063,944"]
    );
}

#[test]
fn bare_quote_inside_a_field_stays_in_the_field() {
    assert_eq!(
        spans_of(r#""71023100","Diamonds 1/2" thick, "sawn"","891","#),
        vec!["71023100", r#"Diamonds 1/2" thick, "sawn""#, "891"]
    );
}

#[test]
fn unquoted_fields_and_empty_middle_field() {
    assert_eq!(spans_of("a,,c"), vec!["a", "", "c"]);
    assert_eq!(spans_of("a,\"\",c,"), vec!["a", "", "c"]);
}

#[test]
fn unterminated_quote_is_an_error() {
    let mut spans = Vec::new();
    assert_eq!(
        split_fields(r#""202301","40"#, &mut spans),
        Err(RowError::UnterminatedQuote { field: 2 })
    );
}

#[test]
fn header_in_any_order_and_english_spelling() {
    let layout = GaccLayout::from_header(
        r#""Commodity code","Date of data","Trading partner code","Quantity","Unit","Supplimentary Quantity","Supplimentary Unit","US dollar","#,
    )
    .unwrap();
    assert_eq!(layout.currency, Currency::Usd);
    assert_eq!(layout.language, Language::English);
    let mut spans = Vec::new();
    let rec = layout
        .parse(
            r#""62121090","201810","210","8000","Number of item","790","Kilogram","1,161","#,
            &mut spans,
        )
        .unwrap();
    assert_eq!(rec.hs_code, "62121090");
    assert_eq!((rec.year, rec.month), (2018, 10));
    assert_eq!(rec.quantity2, Some(790.0));
    assert_eq!(rec.unit2, Some("Kilogram"));
    assert_eq!(rec.value, 1161.0);
}

#[test]
fn unknown_and_duplicated_headers() {
    let unknown = GaccLayout::from_header("a,b,c").unwrap_err();
    assert!(
        unknown.contains("no commodity code (") && unknown.contains("field 1 \"a\""),
        "{unknown}"
    );
    let dup = GaccLayout::from_header(r#""数据年月","数据年月","人民币""#).unwrap_err();
    assert!(dup.contains("appears twice"), "{dup}");
    let missing = GaccLayout::from_header(r#""数据年月","人民币""#).unwrap_err();
    assert!(missing.contains("commodity code"), "{missing}");
}

#[test]
fn row_errors_name_the_field() {
    let layout = GaccLayout::from_header(
        r#""数据年月","贸易伙伴编码","商品编码","第一数量","第一计量单位","第二数量","第二计量单位","人民币","#,
    )
    .unwrap();
    let mut spans = Vec::new();
    let err = |line: &str| layout.parse(line, &mut spans.clone()).unwrap_err();
    assert_eq!(
        err(r#""202513","502","85051110","1","千克","0","?","1","#).code(),
        "bad_month"
    );
    assert_eq!(
        err(r#""202511","5X2","85051110","1","千克","0","?","1","#).code(),
        "bad_code"
    );
    assert_eq!(
        err(r#""202511","502","8505111","1","千克","0","?","1","#).code(),
        "bad_code"
    );
    assert_eq!(
        err(r#""202511","502","85051110","abc","千克","0","?","1","#).code(),
        "bad_number"
    );
    assert_eq!(
        err(r#""202511","502","85051110","-5","千克","0","?","1","#).code(),
        "negative_quantity"
    );
    assert_eq!(
        err(r#""202511","502","85051110","1","千克","#).code(),
        "too_few_fields"
    );
    assert_eq!(
        err(r#""202511","502","85051110","1","千克","0","?","1","x","#).code(),
        "too_many_fields"
    );
    let msg = err(r#""202511","502","85051110","abc","千克","0","?","1","#).to_string();
    assert!(msg.contains("第一数量") && msg.contains("abc"), "{msg}");
    let ok = layout
        .parse(
            r#""202511","502","85051110","1,000","千克","0","?","2,000","#,
            &mut spans,
        )
        .unwrap();
    assert_eq!((ok.quantity1, ok.unit2, ok.value), (1000.0, None, 2000.0));
}

#[test]
fn header_names_are_case_and_space_tolerant_and_supplementary_spelled_either_way() {
    let layout = GaccLayout::from_header(
        "\"  date   OF data \",\"Trading Partner Code\",\"COMMODITY CODE\",\"Quantity\",\"unit\",\"Supplementary  Quantity\",\"Supplementary Unit\",\"US Dollar\",",
    )
    .unwrap();
    assert!(layout.warnings.is_empty(), "{:?}", layout.warnings);
    let mut spans = Vec::new();
    let rec = layout
        .parse(
            r#""202601","304","85051110","10","Number of item","2.5","Kilogram","7","#,
            &mut spans,
        )
        .unwrap();
    assert_eq!((rec.quantity2, rec.unit2), (Some(2.5), Some("Kilogram")));
}

#[test]
fn optional_columns_anywhere_and_unknown_columns_are_warnings() {
    let layout = GaccLayout::from_header(
        r#""收发货人注册地名称","商品编码","Foo","贸易方式","第一数量","第一计量单位","收发货人注册地编码","美元","贸易方式编码","数据年月","贸易伙伴编码","#,
    )
    .unwrap();
    assert_eq!(
        layout.warnings,
        vec!["field 3 \"Foo\" is not a China Customs column: ignored"]
    );
    let mut spans = Vec::new();
    let rec = layout
        .parse(
            r#""江西省","85051110","x","一般贸易","1,000","千克","36","5,000","10","202601","502","#,
            &mut spans,
        )
        .unwrap();
    assert_eq!(
        (
            rec.region_code,
            rec.region_name,
            rec.regime_code,
            rec.regime_name
        ),
        (Some("36"), Some("江西省"), Some("10"), Some("一般贸易"))
    );
    assert_eq!(
        (rec.partner_code, rec.year, rec.month),
        (Some("502"), 2026, 1)
    );
}

#[test]
fn no_period_and_no_partner_columns() {
    let mut layout =
        GaccLayout::from_header(r#""商品编码","第一数量","第一计量单位","人民币","#).unwrap();
    assert!(!layout.has_period() && !layout.has_partner());
    let mut spans = Vec::new();
    let line = r#""85051110","3","千克","9","#;
    assert_eq!(
        layout.parse(line, &mut spans).unwrap_err().code(),
        "missing_value"
    );
    layout.set_file_month(2026, 1);
    let rec = layout.parse(line, &mut spans).unwrap();
    assert_eq!((rec.year, rec.month, rec.partner_code), (2026, 1, None));
    // A partner name without its code is refused: the rows are not world totals.
    let err =
        GaccLayout::from_header(r#""贸易伙伴名称","商品编码","第一数量","第一计量单位","人民币","#)
            .unwrap_err();
    assert!(err.contains("贸易伙伴编码"), "{err}");
}

#[test]
fn month_from_the_path() {
    let m = |p: &str| month_from_path(p);
    assert_eq!(m("gacc/export/exports_202601.csv"), Ok(Some((2026, 1))));
    assert_eq!(m("gacc/export/2026-01.csv"), Ok(Some((2026, 1))));
    assert_eq!(m("gacc/export/2026_3_magnets.csv"), Ok(Some((2026, 3))));
    assert_eq!(m("gacc/export/2026/01/x.csv"), Ok(Some((2026, 1))));
    assert_eq!(m("gacc/export/202601/x.csv"), Ok(Some((2026, 1))));
    assert_eq!(m("gacc/export/2026年1月.csv"), Ok(Some((2026, 1))));
    // The same month said twice is one month.
    assert_eq!(
        m("gacc/export/2026/01/exports_202601.csv"),
        Ok(Some((2026, 1)))
    );
    // Nothing: a year folder alone, an 8-digit HS code, a 5-digit count.
    assert_eq!(m("gacc/export/2026/magnets.csv"), Ok(None));
    assert_eq!(m("gacc/export/hs85051110_top10000.csv"), Ok(None));
    assert_eq!(m("gacc/export/202613.csv"), Ok(None));
    let two = m("gacc/export/2026/01/exports_202602.csv").unwrap_err();
    assert!(two.contains("2026-01") && two.contains("2026-02"), "{two}");
}
