//! The bad-input corpus (`tests/corpus/`, written by `make_corpus.py`): every malformed
//! file of every format gives rejects with reasons or a clear file-level error naming the
//! file, never a panic, and rows read = loaded + rejected.

use crate::support::{query, repo, run_etl, write_raw};

/// Where a corpus folder's files go in a raw tree.
const TARGETS: [(&str, &str); 4] = [
    ("gacc", "gacc/export"),
    ("gacc-headline", "gacc-headline"),
    ("comtrade", "comtrade"),
    ("census", "census"),
];

fn check_one(name: &str, raw_rel: &str, bytes: &[u8]) -> String {
    let raw = tempfile::TempDir::new().unwrap();
    let wh = tempfile::TempDir::new().unwrap();
    write_raw(raw.path(), raw_rel, bytes);
    match run_etl(raw.path(), wh.path()) {
        Ok(summary) => {
            let f = &summary.files[0];
            assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{name}");
            let counted = query(
                wh.path(),
                &format!(
                    "SELECT (SELECT COUNT(*) FROM rejects WHERE source_file = '{raw_rel}'), \
                            (SELECT rows_rejected FROM ingest_log WHERE source_file = '{raw_rel}')"
                ),
            );
            assert_eq!(
                counted[0][0], counted[0][1],
                "{name}: rejects table and ingest_log disagree"
            );
            let unexplained = query(
                wh.path(),
                "SELECT COUNT(*) FROM rejects WHERE reason = '' OR reason_code = ''",
            );
            assert_eq!(unexplained[0][0], "0", "{name}: a reject without a reason");
            format!(
                "{name}: read {} loaded {} rejected {}",
                f.rows_read, f.rows_loaded, f.rows_rejected
            )
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains(raw_rel),
                "{name}: the error does not name the file: {message}"
            );
            assert!(
                crate::support::newest_run(wh.path()).is_none(),
                "{name}: a failed run published"
            );
            let shown = message.replace(&format!("{}/", raw.path().display()), "RAW/");
            format!("{name}: file error: {shown}")
        }
    }
}

#[test]
fn every_malformed_file_is_rejected_or_refused_never_a_panic() {
    let corpus = repo().join("tests/corpus");
    let mut outcomes = Vec::new();
    for (dir, target) in TARGETS {
        let mut files: Vec<_> = std::fs::read_dir(corpus.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{dir}");
        for path in files {
            let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            let rel = format!("{target}/{}", path.file_name().unwrap().to_string_lossy());
            outcomes.push(check_one(&name, &rel, &std::fs::read(&path).unwrap()));
        }
    }
    // Made here rather than kept in the repository: a 3 MB field and 2.5 MB without a line break.
    let zh = std::fs::read(corpus.join("gacc/header_only.csv")).unwrap();
    let mut huge = zh.clone();
    huge.extend_from_slice(b"\"202511\",\"502\",\"");
    huge.extend(std::iter::repeat_n(b'x', 3_000_000));
    huge.extend_from_slice(
        b"\",\n\"202511\",\"502\",\"x\",\"85051110\",\"x\",\"1\",\"kg\",\"0\",\"?\",\"1\",\n",
    );
    outcomes.push(check_one("huge_field", "gacc/export/huge.csv", &huge));
    let mut endless = zh;
    endless.extend(std::iter::repeat_n(b'y', 2_500_000));
    outcomes.push(check_one(
        "huge_line_no_newline",
        "gacc/export/endless.csv",
        &endless,
    ));
    // Printed for `cargo test -- --nocapture`.
    println!("{}", outcomes.join("\n"));
    let got: Vec<(String, String)> = outcomes
        .iter()
        .map(|o| {
            let (name, rest) = o.split_once(": ").unwrap();
            let rest = if rest.starts_with("file error: ") {
                rest.chars().take(110).collect()
            } else {
                rest.to_owned()
            };
            (name.to_owned(), rest)
        })
        .collect();
    let want: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(n, r)| ((*n).to_owned(), (*r).to_owned()))
        .collect();
    assert_eq!(got, want);
}

/// Every corpus file's outcome, checked by reading each file and its error (a file
/// error is compared on its first 110 characters, the raw folder shown as `RAW/`).
const EXPECTED: &[(&str, &str)] = &[
    (
        "gacc/bom_then_garbage.csv",
        "file error: RAW/gacc/export/bom_then_garbage.csv:1: unknown header: no commodity code (商品编码 / Commodity code) ",
    ),
    (
        "gacc/crlf_mixed_blank_lines.csv",
        "read 2 loaded 2 rejected 0",
    ),
    (
        "gacc/duplicated_column.csv",
        "file error: RAW/gacc/export/duplicated_column.csv:1: unknown header: column \"第一数量\" appears twice (fields 6 and",
    ),
    ("gacc/duplicated_header.csv", "read 2 loaded 1 rejected 1"),
    (
        "gacc/empty.csv",
        "file error: RAW/gacc/export/empty.csv: file is empty: expected a header line",
    ),
    ("gacc/header_only.csv", "read 0 loaded 0 rejected 0"),
    (
        "gacc/header_only_no_newline.csv",
        "read 0 loaded 0 rejected 0",
    ),
    ("gacc/impossible_months.csv", "read 7 loaded 2 rejected 5"),
    ("gacc/latin1_english.csv", "read 1 loaded 1 rejected 0"),
    (
        "gacc/many_random_rows.csv",
        "read 300 loaded 0 rejected 300",
    ),
    (
        "gacc/negative_and_non_numeric.csv",
        "read 9 loaded 0 rejected 9",
    ),
    (
        "gacc/nul_bytes.csv",
        "file error: RAW/gacc/export/nul_bytes.csv: not a CSV text file: line 2 holds NUL bytes: binary data, not text",
    ),
    (
        "gacc/only_blank_lines.csv",
        "file error: RAW/gacc/export/only_blank_lines.csv: file is empty: expected a header line",
    ),
    (
        "gacc/random_bytes.csv",
        "file error: RAW/gacc/export/random_bytes.csv: not a CSV text file: line 3 holds NUL bytes: binary data, not te",
    ),
    (
        "gacc/random_bytes_after_header.csv",
        "file error: RAW/gacc/export/random_bytes_after_header.csv: not a CSV text file: line 2 holds NUL bytes: binary",
    ),
    (
        "gacc/rows_too_short_and_long.csv",
        "read 3 loaded 0 rejected 3",
    ),
    ("gacc/truncated_quote.csv", "read 2 loaded 1 rejected 1"),
    ("gacc/unknown_codes.csv", "read 4 loaded 0 rejected 4"),
    (
        "gacc/utf16.csv",
        "file error: RAW/gacc/export/utf16.csv: not a CSV text file: UTF-16 text: save the download as UTF-8 or GB18030",
    ),
    (
        "gacc/wrong_encoding_gbk_header_utf8_rows.csv",
        "file error: RAW/gacc/export/wrong_encoding_gbk_header_utf8_rows.csv: not a CSV text file: header line 1 is not",
    ),
    ("gacc-headline/bad_rows.csv", "read 5 loaded 0 rejected 5"),
    (
        "gacc-headline/bad_title_month.csv",
        "file error: RAW/gacc-headline/bad_title_month.csv:1: unknown header: title \"2025年13月出口主要商品量值表（美元值）\" does not n",
    ),
    (
        "gacc-headline/bad_unit.csv",
        "file error: RAW/gacc-headline/bad_unit.csv:2: unknown header: unit line \"单位：吨\": expected 单位：万美元 or 单位：万元",
    ),
    (
        "gacc-headline/no_title.csv",
        "file error: RAW/gacc-headline/no_title.csv:1: unknown header: title \"商品名称,计量单位,当月数量,当月金额,累计数量,累计金额,累计比去年同期±%数量",
    ),
    (
        "gacc-headline/random_bytes.csv",
        "file error: RAW/gacc-headline/random_bytes.csv: not a CSV text file: line 1 holds NUL bytes: binary data, not ",
    ),
    (
        "gacc-headline/title_only.csv",
        "file error: RAW/gacc-headline/title_only.csv:2: unknown header: no unit line (单位：万美元)",
    ),
    (
        "comtrade/array_top.json",
        "file error: RAW/comtrade/array_top.json: not Comtrade v1 JSON: invalid type: sequence, expected a Comtrade v1 ",
    ),
    ("comtrade/bad_records.json", "read 11 loaded 1 rejected 10"),
    (
        "comtrade/empty.json",
        "file error: RAW/comtrade/empty.json: not Comtrade v1 JSON: EOF while parsing a value at line 1 column 0",
    ),
    (
        "comtrade/error_response.json",
        "file error: RAW/comtrade/error_response.json: not Comtrade v1 JSON: the response reports an error: Too many re",
    ),
    (
        "comtrade/no_data_key.json",
        "file error: RAW/comtrade/no_data_key.json: no \"data\" array: expected {\"count\":..,\"data\":[...],\"error\":\"\"}, or ",
    ),
    (
        "comtrade/not_json.json",
        "file error: RAW/comtrade/not_json.json: not Comtrade v1 JSON: expected value at line 1 column 1",
    ),
    ("comtrade/short_rows.csv", "read 3 loaded 1 rejected 2"),
    (
        "comtrade/truncated.json",
        "file error: RAW/comtrade/truncated.json: not Comtrade v1 JSON: EOF while parsing a value at line 1 column 496",
    ),
    (
        "comtrade/unknown_header.csv",
        "file error: RAW/comtrade/unknown_header.csv:1: unknown header: expected Comtrade v1 field names (cmdCode, prim",
    ),
    ("census/bad_rows.json", "read 9 loaded 1 rejected 8"),
    (
        "census/empty_array.json",
        "file error: RAW/census/empty_array.json: file is empty: expected a header line",
    ),
    ("census/header_only.json", "read 0 loaded 0 rejected 0"),
    (
        "census/no_commodity_column.json",
        "file error: RAW/census/no_commodity_column.json:1: unknown header: no I_COMMODITY or E_COMMODITY column; suppo",
    ),
    (
        "census/numbers_not_strings.json",
        "file error: RAW/census/numbers_not_strings.json: not a Census API JSON array of arrays: invalid type: integer ",
    ),
    (
        "census/object.json",
        "file error: RAW/census/object.json: not a Census API JSON array of arrays: invalid type: map, expected an arra",
    ),
    (
        "census/truncated.json",
        "file error: RAW/census/truncated.json: not a Census API JSON array of arrays: EOF while parsing a string at li",
    ),
    ("huge_field", "read 2 loaded 1 rejected 1"),
    ("huge_line_no_newline", "read 1 loaded 0 rejected 1"),
];
