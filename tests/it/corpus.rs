//! The bad-input corpus (`tests/corpus/`, written by `make_corpus.py`): every malformed
//! file of every format gives rejects with reasons or a clear file-level error naming the
//! file, never a panic, and rows read = loaded + rejected.

use rareflow_warehouse::Warehouse;

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
                Warehouse::new(wh.path()).current().is_err(),
                "{name}: a failed run published"
            );
            format!("{name}: file error: {message}")
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
    // The outcomes are printed for `cargo test -- --nocapture`; the assertions are above.
    println!("{}", outcomes.join("\n"));
    assert!(outcomes.len() >= 40);
    let expected_rejects = [
        ("gacc/impossible_months.csv", "loaded 2 rejected 5"),
        ("gacc/negative_and_non_numeric.csv", "rejected 9"),
        ("gacc/unknown_codes.csv", "rejected 4"),
        ("gacc/truncated_quote.csv", "loaded 1 rejected 1"),
        ("comtrade/bad_records.json", "loaded 1 rejected 10"),
        ("census/bad_rows.json", "loaded 1 rejected 8"),
        ("huge_field", "loaded 1 rejected 1"),
        ("huge_line_no_newline", "read 1 loaded 0 rejected 1"),
    ];
    for (name, want) in expected_rejects {
        let got = outcomes
            .iter()
            .find(|o| o.starts_with(&format!("{name}:")))
            .unwrap();
        assert!(got.contains(want), "{got} (expected {want})");
    }
    for name in [
        "gacc/random_bytes.csv",
        "gacc/empty.csv",
        "gacc/utf16.csv",
        "comtrade/not_json.json",
        "census/object.json",
    ] {
        let got = outcomes
            .iter()
            .find(|o| o.starts_with(&format!("{name}:")))
            .unwrap();
        assert!(got.contains("file error"), "{got}");
    }
}
