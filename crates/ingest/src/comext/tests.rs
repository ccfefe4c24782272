use super::*;

fn read_bytes(
    name: &str,
    bytes: &[u8],
) -> Result<(Vec<ComextRecord>, Vec<Rejected>, ComextFile), IngestError> {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    read_path(&path)
}

fn read_path(path: &Path) -> Result<(Vec<ComextRecord>, Vec<Rejected>, ComextFile), IngestError> {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let file = read_comext(path, &mut |r| match r {
        Ok(r) => ok.push(r),
        Err(e) => bad.push(e),
    })?;
    Ok((ok, bad, file))
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/comext")
        .join(name)
}

const V2: &str = "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,PRODUCT_SITC,PRODUCT_CPA21,PRODUCT_CPA22,\
PRODUCT_BEC,PRODUCT_BEC5,PRODUCT_SECTION,FLOW,STAT_PROCEDURE,SUPPL_UNIT,PERIOD,VALUE_EUR,VALUE_NAC,\
QUANTITY_KG,QUANTITY_SUPPL_UNIT\n";

#[test]
fn full_v2_fields_by_name_period_kinds_and_rejects() {
    let text = format!(
        "{V2}DE,CN,E,85051110,77881,279011,279011,42,411,XVI,1,4,,202501,310000.5,310000.5,8000,0\n\
         FR,QZ,E,85XXXXXX,77881,279011,279011,42,411,XVI,2,1,,202452,150000,150000,,\n\
         DE,CN,E,85051110,77881,279011,279011,42,411,XVI,1,1,,202501,12O00,12000,400,0\n\
         \n\
         DE,CN,E,85051110,77881,279011,279011,42,411,XVI,3,1,,202501,1,1,1,0\n\
         DE,CN,E,85051110,77881,279011,279011,42,411,XVI,1,1,,202513,1,1,1,0\n\
         DE,CN,E,85051110,1\n"
    );
    let (ok, bad, file) = read_bytes("full_v2_202501.dat", text.as_bytes()).unwrap();
    assert_eq!(file.layout, ComextLayout::FullV2);
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    assert_eq!(ok.len(), 2);
    let r = &ok[0];
    assert_eq!(
        (r.line, r.reporter.as_str(), r.partner.as_str()),
        (2, "DE", "CN")
    );
    assert_eq!((r.flow, r.procedure.as_deref()), (Flow::Import, Some("4")));
    assert_eq!(
        (r.period, r.value_eur, r.quantity_kg),
        (Period::Month(2025, 1), 310000.5, Some(8000.0))
    );
    let a = &ok[1];
    assert_eq!(
        (a.product.as_str(), a.flow, a.period, a.quantity_kg),
        ("85XXXXXX", Flow::Export, Period::Year(2024), None)
    );
    let reasons: Vec<(u64, String)> = bad.iter().map(|b| (b.line, b.error.to_string())).collect();
    assert_eq!(reasons.len(), 4);
    assert_eq!(reasons[0].0, 4);
    assert!(
        reasons[0].1.contains("VALUE_EUR") && reasons[0].1.contains("12O00"),
        "{reasons:?}"
    );
    assert_eq!(reasons[1].0, 6);
    assert!(reasons[1].1.contains("FLOW"));
    assert!(reasons[2].1.contains("PERIOD"));
    assert_eq!(
        bad[3].error,
        RowError::TooFewFields {
            expected: 18,
            found: 5
        }
    );
}

#[test]
fn older_full_layout_reads_iso_columns() {
    let text = "DECLARANT,DECLARANT_ISO,PARTNER,PARTNER_ISO,TRADE_TYPE,PRODUCT_NC,FLOW,STAT_REGIME,\
                SUPP_UNIT,PERIOD,VALUE_IN_EUROS,QUANTITY_IN_KG,SUP_QUANTITY,EXTRA_NOTE\r\n\
                004,DE,720,CN,E,85051100,1,2,,201905,300000,7000,,x\r\n";
    let (ok, bad, file) = read_bytes("full201905.csv", text.as_bytes()).unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(file.layout, ComextLayout::Full);
    assert_eq!(
        file.warnings,
        vec!["unknown column \"EXTRA_NOTE\" ignored".to_owned()]
    );
    assert_eq!(
        (ok[0].reporter.as_str(), ok[0].partner.as_str()),
        ("DE", "CN")
    );
    assert_eq!(
        (ok[0].procedure.as_deref(), ok[0].value_eur),
        (Some("2"), 300000.0)
    );
}

#[test]
fn semicolon_files_are_read_too() {
    let text = V2.replace(',', ";")
        + "NL;CN;E;85051110;77881;279011;279011;42;411;XVI;1;1;;202502;10;10;1;0\n";
    let (ok, bad, _) = read_bytes("full_v2_202502.csv", text.as_bytes()).unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(ok[0].reporter, "NL");
}

#[test]
fn unknown_or_incomplete_header_is_a_file_error_naming_the_file() {
    let err = read_bytes("full_v2_202503.dat", b"reporter_code;value\nDE;1\n").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("full_v2_202503.dat") && msg.contains("unknown header"),
        "{msg}"
    );
    let err = read_bytes(
        "full_v2_202503.dat",
        b"REPORTER,PARTNER,FLOW,PERIOD,VALUE_EUR\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("PRODUCT_NC, QUANTITY_KG"), "{err}");
    let err = read_bytes("full_v2_202503.dat", b"\n\n").unwrap_err();
    assert!(matches!(err, IngestError::Empty { .. }));
}

#[test]
fn archives_are_read_in_place() {
    // LZMA2 archive holding full_v2_202502.dat (4 records), and an LZMA archive holding
    // full201906.dat (3 records); see tests/fixtures/comext/README.md.
    let (ok, bad, file) = read_path(&fixture("full_v2_202502.7z")).unwrap();
    assert!(bad.is_empty());
    assert_eq!(
        (file.layout, file.entries.clone()),
        (ComextLayout::FullV2, vec!["full_v2_202502.dat".to_owned()])
    );
    assert_eq!(ok.len(), 4);
    assert_eq!(
        (ok[3].line, ok[3].partner.as_str(), ok[3].flow),
        (5, "XK", Flow::Export)
    );
    let (ok, _, file) = read_path(&fixture("full201906.7z")).unwrap();
    assert_eq!((file.layout, ok.len()), (ComextLayout::Full, 3));
    assert_eq!(ok[1].reporter, "ES");
}

#[test]
fn a_broken_archive_is_a_file_error() {
    let err = read_bytes("full_v2_202501.7z", b"7z\xbc\xaf\x27\x1c\x00\x04 truncated").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("full_v2_202501.7z") && msg.contains("7z"),
        "{msg}"
    );
}

#[test]
fn periods_and_codes() {
    assert_eq!(parse_period("202501"), Some(Period::Month(2025, 1)));
    assert_eq!(parse_period("202452"), Some(Period::Year(2024)));
    assert_eq!(parse_period("202400"), None);
    assert_eq!(parse_period("2025-01"), None);
    assert!(product_code_ok("85051110") && product_code_ok("85XXXXXX") && product_code_ok("TOTAL"));
    assert!(!product_code_ok("X5051110") && !product_code_ok("850511101") && !product_code_ok("8"));
}
