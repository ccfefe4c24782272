//! Unit tests of the Comtrade readers (the shapes end to end are in tests/it/comtrade_shapes.rs).

use super::*;

fn read(name: &str, bytes: &[u8]) -> (Vec<ComtradeRecord>, Vec<Rejected>, ComtradeLayout) {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let file = read_comtrade(&path, &mut |r| match r {
        Ok(r) => ok.push(r),
        Err(e) => bad.push(e),
    })
    .unwrap();
    (ok, bad, file.layout)
}

#[test]
fn v1_json_monthly_annual_and_nulls() {
    let json = br#"{"elapsedTime":"0.1 secs","count":3,"data":[
      {"freqCode":"M","refYear":2025,"refMonth":11,"period":"202511","reporterCode":392,"reporterISO":"JPN","flowCode":"M","partnerCode":156,"partnerISO":"CHN","partnerDesc":"China","classificationCode":"H6","cmdCode":"850511","qtyUnitAbbr":"kg","qty":1000.5,"netWgt":null,"cifvalue":50000,"fobvalue":null,"primaryValue":50000},
      {"freqCode":"A","refYear":2024,"refMonth":52,"period":"2024","reporterCode":392,"flowCode":"M","partnerCode":0,"partnerISO":"W00","classificationCode":"H6","cmdCode":"850511","qty":null,"netWgt":2000,"primaryValue":90000},
      {"period":"202513","reporterCode":392,"flowCode":"M","partnerCode":156,"cmdCode":"850511","primaryValue":1}
    ],"error":""}"#;
    let (ok, bad, layout) = read("a.json", json);
    assert_eq!(layout, ComtradeLayout::V1Json);
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0].period, Period::Month(2025, 11));
    assert_eq!(
        (ok[0].net_wgt, ok[0].qty, ok[0].fob_value),
        (None, Some(1000.5), None)
    );
    assert_eq!(ok[0].reporter_code, "392");
    assert_eq!(
        (ok[1].period.is_annual(), ok[1].partner_iso.as_deref()),
        (true, Some("W00"))
    );
    assert_eq!(bad.len(), 1);
    assert_eq!((bad[0].line, bad[0].error.code()), (3, "bad_month"));
}

#[test]
fn duplicate_data_array_is_malformed() {
    // Found by fuzz/comtrade_json: records of the second array were numbered from 1 again.
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("d.json");
    std::fs::write(
        &path,
        br#"{"count":1,"data":[{"period":"2024"}],"data":[{"period":"2024"}],"error":""}"#,
    )
    .unwrap();
    let mut lines = Vec::new();
    let err = read_comtrade(&path, &mut |r| {
        lines.push(r.map_or_else(|e| e.line, |r| r.line))
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("duplicate field `data`"), "{err}");
    assert_eq!(lines, vec![1]);
}

#[test]
fn legacy_csv_latin1() {
    let mut csv = b"Classification,Year,Period,Period Desc.,Aggregate Level,Is Leaf Code,Trade Flow Code,Trade Flow,Reporter Code,Reporter,Reporter ISO,Partner Code,Partner,Partner ISO,2nd Partner Code,2nd Partner,2nd Partner ISO,Customs Proc. Code,Customs,Mode of Transport Code,Mode of Transport,Commodity Code,Commodity,Qty Unit Code,Qty Unit,Qty,Alt Qty Unit Code,Alt Qty Unit,Alt Qty,Netweight (kg),Gross weight (kg),Trade Value (US$),CIF Trade Value (US$),FOB Trade Value (US$),Flag\n".to_vec();
    csv.extend_from_slice(b"HS,2019,201901,January 2019,6,1,1,Import,392,Japan,JPN,384,C\xf4te d'Ivoire,CIV,,,,,,,,850511,Magnets,8,kg,100,,,,100,,5000,5000,,0\n");
    let (ok, bad, layout) = read("b.csv", &csv);
    assert_eq!(layout, ComtradeLayout::LegacyCsv);
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(ok[0].flow_code, "M");
    assert_eq!(ok[0].partner_desc.as_deref(), Some("Côte d'Ivoire"));
    assert_eq!(
        (ok[0].net_wgt, ok[0].primary_value),
        (Some(100.0), Some(5000.0))
    );
}

#[test]
fn comtrade_plus_download_trailing_comma_pascal_case_cp1252() {
    // 4 of the 47 columns are enough to show the dialect: PascalCase names, every value
    // quoted, one comma more per row than names, CRLF, Windows-1252 'ç'.
    let mut csv = b"Period,ReporterCode,FlowCode,PartnerCode,PartnerISO,PartnerDesc,CmdCode,NetWgt,IsNetWgtEstimated,PrimaryValue\r\n".to_vec();
    csv.extend_from_slice(b"\"202501\",\"392\",\"M\",\"531\",\"CUW\",\"Cura\xe7ao\",\"850511\",\"0\",\"true\",\"1234.5\",\r\n");
    let (ok, bad, layout) = read("plus.csv", &csv);
    assert_eq!(layout, ComtradeLayout::V1Csv);
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(ok[0].partner_desc.as_deref(), Some("Curaçao"));
    assert_eq!(
        (ok[0].net_wgt, ok[0].net_wgt_estimated, ok[0].primary_value),
        (Some(0.0), true, Some(1234.5))
    );
}

#[test]
fn exact_duplicate_is_a_reject_naming_the_first_line() {
    let csv = b"period,reporterCode,flowCode,partnerCode,cmdCode,primaryValue\n202501,392,M,156,850511,5\n202501,392,M,156,850511,6\n202501,392,M,156,850511,5\n";
    let (ok, bad, _) = read("d.csv", csv);
    assert_eq!(ok.len(), 2);
    assert_eq!(bad[0].line, 4);
    assert_eq!(bad[0].error, RowError::Duplicate { first_line: 2 });
}

#[test]
fn wrapped_response_and_nested_response() {
    let flat = br#"{"url":"https://comtradeapi.un.org/data/v1/get/C/M/HS","status_code":200,"count":1,"data":[{"period":"202501","reporterCode":392,"flowCode":"M","partnerCode":156,"cmdCode":"850511","primaryValue":7}],"error":null}"#;
    let (ok, _, _) = read("w.json", flat);
    assert_eq!(ok[0].primary_value, Some(7.0));
    let nested = b"{\n  \"status_code\": 200,\n  \"data\": {\n    \"count\": 1,\n    \"data\": [\n      {\"period\": \"2024\", \"reporterCode\": 392, \"flowCode\": \"X\", \"partnerCode\": 0, \"cmdCode\": \"TOTAL\", \"primaryValue\": 9}\n    ],\n    \"error\": \"\"\n  }\n}";
    let (ok, _, _) = read("n.json", nested);
    assert_eq!(
        (ok[0].cmd_code.as_str(), ok[0].period.is_annual()),
        ("TOTAL", true)
    );
}

#[test]
fn legacy_flow_letters_from_the_newer_site() {
    use super::codes::legacy_flow;
    assert_eq!(legacy_flow(Some("1"), Some("Import")).as_deref(), Some("M"));
    assert_eq!(legacy_flow(Some("0"), Some("RX")).as_deref(), Some("RX"));
    assert_eq!(
        legacy_flow(Some("0"), Some("Domestic Export")).as_deref(),
        Some("DX")
    );
    assert_eq!(legacy_flow(Some("XOP"), None).as_deref(), Some("XOP"));
    assert_eq!(legacy_flow(Some("0"), Some("ZZ")).as_deref(), Some("ZZ"));
    assert_eq!(legacy_flow(Some("0"), None), None);
}

#[test]
fn a_utf8_csv_row_with_invalid_bytes_is_a_bad_encoding_reject_not_a_replacement() {
    // UTF-8 from the start (Curaçao in the first rows), then, past the 64 KiB the encoding is
    // decided from, a row whose partner name holds a byte that is not UTF-8.
    let mut csv =
        b"period,reporterCode,flowCode,partnerCode,partnerDesc,cmdCode,primaryValue\n".to_vec();
    for i in 0..2_000 {
        csv.extend_from_slice(
            format!("202501,392,M,531,Curaçao,{:06},{i}\n", 850000 + i).as_bytes(),
        );
    }
    csv.extend_from_slice(b"202501,392,M,531,Cura\xe7ao,859999,1\n");
    csv.extend_from_slice(b"202501,392,M,156,China,850511,2\n");
    let (ok, bad, _) = read("u.csv", &csv);
    assert_eq!(ok.len(), 2_001);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!((bad[0].line, bad[0].error.code()), (2_002, "bad_encoding"));
    assert!(
        bad[0].error.to_string().contains("UTF-8"),
        "{}",
        bad[0].error
    );
    assert!(
        ok.iter()
            .all(|r| !r.partner_desc.as_deref().unwrap_or("").contains('\u{fffd}'))
    );
}
