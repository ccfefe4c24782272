//! Runs that lose nothing: a skipped file keeps its previous version, a panicking piece is
//! an error naming its file, reference data is part of what rows depend on, links and
//! copies are one release, two currencies of one download are one figure, and a damaged
//! warehouse is an error rather than an empty one.

use std::path::Path;

use rareflow_etl::{EtlError, FileOutcome, Hooks, NoProgress, RunOptions, RunSummary};

use crate::support::{gb18030, query, query_cmd, scalar, stderr, stdout, write_raw};

pub(crate) const HEADER_CNY: &str = "\"数据年月\",\"贸易伙伴编码\",\"贸易伙伴名称\",\"商品编码\",\"商品名称\",\"第一数量\",\"第一计量单位\",\"第二数量\",\"第二计量单位\",\"人民币\",";
const HEADER_USD: &str = "\"数据年月\",\"贸易伙伴编码\",\"贸易伙伴名称\",\"商品编码\",\"商品名称\",\"第一数量\",\"第一计量单位\",\"第二数量\",\"第二计量单位\",\"美元\",";

/// A China Customs platform download (Chinese layout, GB18030) of November 2025 exports:
/// `(partner code, partner, kg, value)` rows.
pub(crate) fn download(header: &str, rows: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut text = format!("{header}\n");
    for (code, partner, kg, value) in rows {
        text.push_str(&format!(
            "\"202511\",\"{code}\",\"{partner}\",\"85051110\",\"钕铁硼永磁体\",\"{kg}\",\"千克\",\"0\",\"?\",\"{value}\",\n"
        ));
    }
    gb18030(&text)
}

/// Magnets to the US and Japan in yuan, and one line whose quantity is not a number.
fn november_cny() -> Vec<u8> {
    download(
        HEADER_CNY,
        &[
            ("502", "美国", "582,000", "41,322,000"),
            ("116", "日本", "1,000,000", "71,000,000"),
            ("133", "韩国", "abc", "10"),
        ],
    )
}

fn options(raw: &Path, warehouse: &Path) -> RunOptions {
    let mut options = RunOptions::new(raw, warehouse);
    options.chunk_bytes = 4096;
    options
}

fn run(options: &RunOptions) -> RunSummary {
    rareflow_etl::run(options, &NoProgress).unwrap()
}

fn outcome<'a>(summary: &'a RunSummary, file: &str) -> &'a FileOutcome {
    &summary
        .files
        .iter()
        .find(|f| f.file == file)
        .unwrap_or_else(|| panic!("{file} not in {:?}", summary.files))
        .outcome
}

const FILE: &str = "gacc/export/2025/magnets_202511_cny.csv";

#[test]
fn keep_going_keeps_the_version_loaded_before_with_its_rejects_and_log_row() {
    let (raw, wh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_raw(raw.path(), FILE, &november_cny());
    let mut opts = options(raw.path(), wh.path());
    opts.loaded_at = Some(20_430 * 86_400_000_000); // 2025-12-08
    run(&opts);
    let figures = "SELECT partner_code, quantity_kg, value_native FROM trade_flows ORDER BY 1";
    let before = query(wh.path(), figures);
    assert_eq!(before.len(), 2);

    // The same path, now a download whose header has no value column.
    write_raw(
        raw.path(),
        FILE,
        &gb18030("\"数据年月\",\"贸易伙伴编码\",\"商品编码\"\n\"202511\",\"502\",\"85051110\"\n"),
    );
    opts.keep_going = true;
    opts.loaded_at = None;
    let second = run(&opts);
    assert!(second.published);
    let outcome = outcome(&second, FILE);
    let FileOutcome::KeptPrevious { error, .. } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(error.contains("unknown header"), "{error}");
    assert!(
        outcome
            .to_string()
            .starts_with("kept the version loaded on 2025-12-08"),
        "{outcome}"
    );
    assert_eq!(query(wh.path(), figures), before);
    let kept_rejects = format!("SELECT count(*) FROM rejects WHERE source_file = '{FILE}'");
    assert_eq!(scalar(wh.path(), &kept_rejects), "1");
    let log =
        format!("SELECT rows_loaded, rows_rejected FROM ingest_log WHERE source_file = '{FILE}'");
    assert_eq!(query(wh.path(), &log), vec![vec!["2", "1"]]);
}

/// 3,000 lines: several pieces.
fn many_lines() -> Vec<u8> {
    let rows: Vec<(String, String)> = (0..3000)
        .map(|i| (format!("{}", 1000 + i), format!("{}", 5000 + i)))
        .collect();
    let borrowed: Vec<_> = rows
        .iter()
        .map(|(kg, v)| ("116", "日本", kg.as_str(), v.as_str()))
        .collect();
    download(HEADER_CNY, &borrowed)
}

#[test]
fn a_panic_inside_a_piece_is_an_error_naming_the_file_never_an_abort() {
    let (raw, wh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_raw(raw.path(), FILE, &many_lines());
    let mut opts = options(raw.path(), wh.path());
    opts.hooks = Hooks::parse(Some("panic:in-piece:2"), None).unwrap();
    match rareflow_etl::run(&opts, &NoProgress) {
        Err(e @ EtlError::Panicked { .. }) => {
            let text = e.to_string();
            assert!(text.starts_with(FILE), "{text}");
            assert!(text.contains("fail point in-piece"), "{text}");
            assert!(e.names_a_file());
        }
        other => panic!("expected a panic turned error, got {other:?}"),
    }
    // Nothing was published.
    assert!(crate::support::newest_run(wh.path()).is_none());

    // Loaded once; then a new version panics part-way under --keep-going: the rows of
    // its first piece go, the version loaded before stays whole.
    let mut clean = options(raw.path(), wh.path());
    clean.loaded_at = Some(20_430 * 86_400_000_000);
    run(&clean);
    let mut bytes = many_lines();
    bytes.extend(gb18030("\"202511\",\"502\",\"美国\",\"85051110\",\"钕铁硼永磁体\",\"7\",\"千克\",\"0\",\"?\",\"70\",\n"));
    write_raw(raw.path(), FILE, &bytes);
    opts.hooks = Hooks::parse(Some("panic:in-piece:2"), None).unwrap();
    opts.keep_going = true;
    let second = run(&opts);
    assert!(matches!(
        outcome(&second, FILE),
        FileOutcome::KeptPrevious { .. }
    ));
    assert_eq!(
        scalar(wh.path(), "SELECT count(*) FROM trade_flows"),
        "3000"
    );
    assert_eq!(
        scalar(wh.path(), "SELECT sum(quantity_kg) FROM trade_flows"),
        // 1000 + 1001 + ... + 3999, by hand: 3000 * (1000 + 3999) / 2.
        "7498500"
    );
}

#[test]
fn new_reference_data_normalizes_every_file_again_and_says_so() {
    let (raw, wh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_raw(raw.path(), FILE, &november_cny());
    let opts = options(raw.path(), wh.path());
    let first = run(&opts);
    assert!(first.reference_changed.is_none());
    let usd = "SELECT value_usd, release_seq FROM trade_flows WHERE partner_code = '502'";
    let bundled_usd: f64 = query(wh.path(), usd)[0][0].parse().unwrap();
    assert!(
        (bundled_usd - 41_322_000.0 / 7.1).abs() < 100_000.0,
        "{bundled_usd}"
    );

    // Unchanged raw files, other exchange rates: 8 yuan a dollar in November 2025.
    let reference = tempfile::tempdir().unwrap();
    std::fs::write(
        reference.path().join("fx_rates.csv"),
        "month,currency,per_usd,source\n2025-11,CNY,8.0,test\n",
    )
    .unwrap();
    let mut with_rates = options(raw.path(), wh.path());
    with_rates.reference_dir = Some(reference.path().to_path_buf());
    let second = run(&with_rates);
    assert!(second.published);
    assert!(
        second
            .reference_changed
            .as_deref()
            .unwrap()
            .contains("1 unchanged files normalized again")
    );
    assert_eq!(outcome(&second, FILE), &FileOutcome::Renormalized);
    // 41,322,000 / 8, the same release, and no revision recorded.
    assert_eq!(query(wh.path(), usd), vec![vec!["5165250", "1"]]);
    assert_eq!(
        scalar(wh.path(), "SELECT count(*) FROM trade_flows_superseded"),
        "0"
    );
    // Nothing changed since: the next run writes nothing.
    assert!(!run(&with_rates).published);
}

#[test]
fn a_reference_folder_that_is_not_there_is_a_usage_error() {
    let (raw, wh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_raw(raw.path(), FILE, &november_cny());
    let mut opts = options(raw.path(), wh.path());
    opts.reference_dir = Some(raw.path().join("no-such-folder"));
    let e = rareflow_etl::run(&opts, &NoProgress).unwrap_err();
    assert!(matches!(e, EtlError::ReferenceDirMissing { .. }), "{e:?}");
    assert!(e.to_string().contains("no-such-folder"), "{e}");
    assert_eq!(e.exit_code(), rareflow_etl::exit::USAGE);
}

#[cfg(unix)]
#[test]
fn links_and_copies_are_one_release_and_link_loops_end() {
    use std::os::unix::fs::symlink;
    let (raw, wh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_raw(raw.path(), FILE, &november_cny());
    let export = raw.path().join("gacc/export");
    symlink("2025", export.join("latest")).unwrap();
    symlink("..", export.join("2025/loop")).unwrap();
    // A copy saved twice by hand.
    write_raw(
        raw.path(),
        "gacc/export/2025/magnets_202511_cny (1).csv",
        &november_cny(),
    );
    let summary = run(&options(raw.path(), wh.path()));
    let files: Vec<_> = summary.files.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(
        files,
        ["gacc/export/2025/magnets_202511_cny (1).csv", FILE,]
    );
    assert_eq!(
        outcome(&summary, FILE),
        &FileOutcome::SameAs {
            file: "gacc/export/2025/magnets_202511_cny (1).csv".into()
        }
    );
    assert_eq!(scalar(wh.path(), "SELECT count(*) FROM trade_flows"), "2");
    assert_eq!(
        scalar(wh.path(), "SELECT count(*) FROM trade_flows_superseded"),
        "0"
    );
    // Nothing new on the next run.
    assert!(!run(&options(raw.path(), wh.path())).published);
}

/// One query downloaded twice, in yuan and in dollars: one figure with both published
/// values, whichever file is read first.
#[test]
fn a_yuan_and_a_dollar_download_of_one_query_are_one_figure() {
    let usd = download(
        HEADER_USD,
        &[
            ("502", "美国", "582,000", "5,800,000"),
            ("116", "日本", "1,000,000", "9,990,000"),
        ],
    );
    let cny = download(
        HEADER_CNY,
        &[
            ("502", "美国", "582,000", "41,322,000"),
            ("116", "日本", "1,000,000", "71,000,000"),
        ],
    );
    for (first, second) in [(&cny, &usd), (&usd, &cny)] {
        let (raw, wh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_raw(raw.path(), "gacc/export/2025/a_202511.csv", first);
        write_raw(raw.path(), "gacc/export/2025/b_202511.csv", second);
        run(&options(raw.path(), wh.path()));
        let figures = "SELECT partner_code, quantity_kg, value_native, currency, value_usd \
                       FROM trade_flows ORDER BY partner_code";
        assert_eq!(
            query(wh.path(), figures),
            vec![
                vec!["116", "1000000", "71000000", "CNY", "9990000"],
                vec!["502", "582000", "41322000", "CNY", "5800000"],
            ]
        );
        // The dollar rows stay, as the twin of the current figure, for a later settle.
        assert_eq!(
            query(
                wh.path(),
                "SELECT DISTINCT currency FROM trade_flows_superseded"
            ),
            vec![vec!["USD"]]
        );
        // They are no revision: nothing changed.
        let changes = query_cmd(wh.path(), &["run", "revision_changes", "-f", "csv"]);
        assert!(changes.status.success(), "{}", stderr(&changes));
        assert_eq!(stdout(&changes).lines().count(), 1, "{}", stdout(&changes));
    }
}

/// A data file the newest run names but that is gone is an error naming it, for a query
/// and for a run that reads it back, never 0 rows.
#[test]
fn a_missing_data_file_is_an_error_not_an_empty_table() {
    let (raw, wh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_raw(raw.path(), FILE, &november_cny());
    run(&options(raw.path(), wh.path()));
    let run_files = crate::support::run_files(wh.path());
    let (gone, _) = run_files
        .iter()
        .find(|(p, _)| p.starts_with("trade_flows/year=2025/month=11/"))
        .unwrap();
    std::fs::remove_file(wh.path().join(gone)).unwrap();
    let out = crate::support::query_cmd(wh.path(), &["sql", "SELECT COUNT(*) FROM trade_flows"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    let name = gone.rsplit('/').next().unwrap();
    assert!(
        crate::support::stderr(&out).contains(name),
        "{}",
        crate::support::stderr(&out)
    );
    // A run that settles November reads the file back: an error naming it, and nothing
    // of that run is recorded.
    let revised = download(HEADER_CNY, &[("502", "美国", "592,000", "42,032,000")]);
    write_raw(
        raw.path(),
        "gacc/export/2025/magnets_202511_cny_rev1.csv",
        &revised,
    );
    let e = rareflow_etl::run(&options(raw.path(), wh.path()), &NoProgress).unwrap_err();
    assert!(e.to_string().contains(name), "{e}");
    assert_eq!(
        crate::support::newest_run(wh.path()).unwrap().record.run_id,
        1
    );
    // A full run reads every raw file again and writes the missing file back (its content
    // names it: the same name), so the warehouse answers again.
    std::fs::remove_file(
        raw.path()
            .join("gacc/export/2025/magnets_202511_cny_rev1.csv"),
    )
    .unwrap();
    let mut full = options(raw.path(), wh.path());
    full.full = true;
    run(&full);
    assert!(wh.path().join(gone).is_file());
    assert_eq!(
        crate::support::scalar(wh.path(), "SELECT COUNT(*) FROM trade_flows"),
        "2"
    );
}
