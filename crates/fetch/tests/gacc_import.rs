//! China Customs hand downloads filed into the raw folder.

mod common;

use std::path::PathBuf;

use common::*;
use rareflow_fetch::{Flow, ImportHints, import_files};

fn given(dir: &std::path::Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_gb18030_export_download_is_filed_by_its_period_column_and_name() {
    let downloads = tempfile::tempdir().unwrap();
    let raw = tempfile::tempdir().unwrap();
    let bytes = data("harukaworks-temp-2024out.csv");
    let file = given(downloads.path(), "harukaworks-temp-2024out.csv", &bytes);
    let hints = ImportHints {
        source_url: Some("http://stats.customs.gov.cn/queryData/queryDataList".into()),
        ..ImportHints::default()
    };
    let imported = import_files(std::slice::from_ref(&file), raw.path(), &hints).unwrap();
    let target = "gacc/export/2024/gacc_export_202401-202412.csv";
    assert_eq!(imported[0].path, target);
    assert_eq!(imported[0].flow, Flow::Export, "'out' in the name");
    assert_eq!(imported[0].months.len(), 12);
    assert!(!imported[0].unchanged);
    assert_eq!(
        std::fs::read(raw.path().join(target)).unwrap(),
        bytes,
        "GB18030 bytes unchanged"
    );
    assert_eq!(visible(raw.path()), [target]);
    let rows = log(raw.path());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].source, "gacc");
    assert_eq!(
        rows[0].url,
        "http://stats.customs.gov.cn/queryData/queryDataList"
    );
    assert_eq!(rows[0].http_status, None);
    assert_eq!(rows[0].periods, "2024-01..2024-12");
    assert_eq!(rows[0].sha256, sha256(&bytes));
    assert_eq!(
        rows[0].note,
        "imported by hand from harukaworks-temp-2024out.csv"
    );

    // The same file again: nothing written.
    let again = import_files(&[file], raw.path(), &hints).unwrap();
    assert!(again[0].unchanged);
    assert_eq!(visible(raw.path()), [target]);
    assert!(
        log(raw.path())[1]
            .note
            .ends_with("unchanged: same bytes as the file on disk")
    );
}

#[test]
fn an_import_download_without_a_flow_in_its_name_asks_for_it() {
    let downloads = tempfile::tempdir().unwrap();
    let raw = tempfile::tempdir().unwrap();
    let bytes = data("cnprj-i20420186.csv");
    let file = given(downloads.path(), "cnprj-i20420186.csv", &bytes);
    let err = import_files(
        std::slice::from_ref(&file),
        raw.path(),
        &ImportHints::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("give it (--flow export|import)"),
        "{err}"
    );
    assert!(visible(raw.path()).is_empty() && hidden(raw.path()).is_empty());

    let hints = ImportHints {
        flow: Some(Flow::Import),
        ..ImportHints::default()
    };
    let imported = import_files(&[file], raw.path(), &hints).unwrap();
    assert_eq!(imported[0].path, "gacc/import/2018/gacc_import_201806.csv");
    assert_eq!(
        std::fs::read(raw.path().join(&imported[0].path)).unwrap(),
        bytes
    );
}

#[test]
fn a_single_month_download_takes_its_month_from_the_name_or_asks() {
    let downloads = tempfile::tempdir().unwrap();
    let raw = tempfile::tempdir().unwrap();
    // A one-month download: no period column.
    let bytes = "\"贸易伙伴编码\",\"贸易伙伴名称\",\"商品编码\",\"商品名称\",\"第一数量\",\"第一计量单位\",\"第二数量\",\"第二计量单位\",\"美元\",\r\n\
                 \"502\",\"美国\",\"85051110\",\"稀土永磁铁\",\"1,234\",\"千克\",\"0\",\"?\",\"56,789\",\r\n"
        .as_bytes();
    let named = given(downloads.path(), "稀土出口_202511.csv", bytes);
    let imported = import_files(&[named], raw.path(), &ImportHints::default()).unwrap();
    assert_eq!(imported[0].path, "gacc/export/2025/gacc_export_202511.csv");

    let unnamed = given(downloads.path(), "download.csv", bytes);
    let err = import_files(
        std::slice::from_ref(&unnamed),
        raw.path(),
        &ImportHints::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no month"), "{err}");
    let hints = ImportHints {
        flow: Some(Flow::Export),
        month: Some(month("2025-12")),
        ..ImportHints::default()
    };
    let imported = import_files(&[unnamed], raw.path(), &hints).unwrap();
    assert_eq!(imported[0].path, "gacc/export/2025/gacc_export_202512.csv");

    let other = given(downloads.path(), "notes.csv", b"a,b,c\r\n1,2,3\r\n");
    let err = import_files(&[other], raw.path(), &hints).unwrap_err();
    assert!(
        err.to_string()
            .contains("not a China Customs platform download"),
        "{err}"
    );
    assert_eq!(visible(raw.path()).len(), 2);
    assert!(hidden(raw.path()).is_empty());
}
