//! China Customs' English monthly tables against a loopback server serving an index page
//! and table pages shaped as the site's (`statics/report/monthly{YYYY}.html`,
//! `/Statics/{uuid}.html`; the pages after `crates/ingest/tests/data/
//! gacc_english_monthly_202511.html`).

mod common;

use common::*;
use rareflow_fetch::{YearMonth, exit, fetch, parse_base_url_override};
use rareflow_ingest::headline_html::read_headline_html;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOV: &str = "gacc-headline/2025/gacc_english_export_202511.html";
const OCT: &str = "gacc-headline/2025/gacc_english_export_202510.html";
const SEP: &str = "gacc-headline/2025/gacc_english_export_202509.html";
const RARE_EARTH: &str = "Rare-earth ore, metals, compounds";

/// A table page of "(13) China's Major Export Commodities in Quantity and Value" for
/// month `m` of `year`, rare earths at `qty` tonnes and `value` US$1,000 in the month.
fn table_page(year: i32, m: u32, qty: &str, value: &str) -> String {
    format!(
        r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>China's Major Export Commodities in Quantity and Value, {m}.{year} (in USD)</title>
</head>
<body>
<div class="main">
<div class="location"><a href="/">Home</a> &gt; <a href="/statics/report/monthly.html">Monthly</a></div>
<div class="content">
<p align="center"><strong>(13) China's Major Export Commodities in Quantity and Value, {m}.{year} (in USD)</strong></p>
<table border="1" cellspacing="0" cellpadding="0" width="100%">
<tr><td colspan="8" align="right">Unit: US$1,000</td></tr>
<tr>
<td rowspan="2">Commodity</td>
<td rowspan="2">Unit</td>
<td colspan="2">{m}</td>
<td colspan="2">1 to {m}</td>
<td colspan="2">Percentage Change<br />1 to {m} (%)</td>
</tr>
<tr><td>Quantity</td><td>Value</td><td>Quantity</td><td>Value</td><td>Quantity</td><td>Value</td></tr>
<tr><td>{RARE_EARTH}</td><td>Tonne</td><td>{qty}</td><td>{value}</td><td>52,699.0</td><td>412,582</td><td>11.7</td><td>-1.1</td></tr>
<tr><td>Rare-earth permanent magnets</td><td>Tonne</td><td>6,150.0</td><td>282,317</td><td>51,440.0</td><td>2,328,857</td><td>-2.7</td><td>-10.1</td></tr>
<tr><td>Steel products</td><td>10,000 tonnes</td><td>1,030.0</td><td>7,183,949</td><td>10,390.8</td><td>70,489,781</td><td>5.5</td><td>-3.6</td></tr>
</table>
</div>
</div>
</body>
</html>
"#
    )
}

const COLUMNS: [&str; 11] = [
    "Jan.-Feb.",
    "Mar.",
    "Apr.",
    "May",
    "Jun.",
    "Jul.",
    "Aug.",
    "Sep.",
    "Oct.",
    "Nov.",
    "Dec.",
];

/// The monthly index of a year: a header row of months, the rows of tables 13 and 14,
/// a link (and an Excel link) in each published month's cell. `exports[i]` is the href of
/// table 13 under `COLUMNS[i]`; table 14 links every month exports link.
fn index_page(year: i32, exports: &[Option<String>]) -> String {
    let cell = |href: &Option<String>, label: &str, uuid: String| match href {
        Some(href) => format!(
            r#"<td><a href="{href}" target="_blank">{label}</a><br /><a href="/Excel/{uuid}.xls">Excel</a></td>"#
        ),
        None => "<td>&nbsp;</td>".to_owned(),
    };
    let row = |name: &str, hrefs: Vec<Option<String>>| {
        let cells: String = hrefs
            .iter()
            .enumerate()
            .map(|(i, h)| cell(h, COLUMNS[i], format!("{name}-{i}").replace(' ', "")))
            .collect();
        format!("<tr><td class=\"name\">{name}</td>{cells}</tr>\n")
    };
    let imports: Vec<Option<String>> = (0..COLUMNS.len())
        .map(|i| {
            exports
                .get(i)
                .and_then(Option::as_ref)
                .map(|_| format!("/Statics/import-{year}-{i}.html"))
        })
        .collect();
    let mut exports = exports.to_vec();
    exports.resize(COLUMNS.len(), None);
    let header: String = COLUMNS.iter().map(|c| format!("<td>{c}</td>")).collect();
    format!(
        r#"<html><head><meta charset="utf-8" /><title>Monthly Statistics {year}</title></head>
<body><div class="table-con">
<table class="monthly" border="1">
<tr><td rowspan="2">Tables</td><td colspan="11">{year}</td></tr>
<tr>{header}</tr>
<tr><td>(1) China's Total Export &amp; Import Values</td><td>&nbsp;</td></tr>
{}{}</table></div></body></html>
"#,
        row(
            "(13) China's Major Export Commodities in Quantity and Value",
            exports
        ),
        row(
            "(14) China's Major Import Commodities in Quantity and Value",
            imports
        ),
    )
}

async fn mount(server: &MockServer, at: &str, body: String, times: u64) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .expect(times)
        .mount(server)
        .await;
}

fn asked(requests: &[wiremock::Request]) -> Vec<String> {
    requests.iter().map(|r| r.url.path().to_owned()).collect()
}

/// Links for September (relative to the index), October (absolute) and November
/// (from the root) of 2025, and for earlier months that the window leaves out.
fn links_2025(uri: &str) -> Vec<Option<String>> {
    let mut links: Vec<Option<String>> = (0..7)
        .map(|i| Some(format!("/Statics/early-{i}.html")))
        .collect();
    links.push(Some("../../Statics/9e1c-sep.html".into()));
    links.push(Some(format!("{uri}/Statics/4b7a-oct.html")));
    links.push(Some("/Statics/a0f3-nov.html".into()));
    links
}

#[tokio::test]
async fn customs_pages_are_kept_as_served_with_provenance_and_a_second_fetch_asks_only_the_latest()
{
    let server = MockServer::start().await;
    let uri = server.uri();
    let sep = table_page(2025, 9, "4,980.2", "33,107");
    let oct = table_page(2025, 10, "5,102.7", "35,440");
    let nov = table_page(2025, 11, "5,493.9", "36,785");
    mount(
        &server,
        "/statics/report/monthly2025.html",
        index_page(2025, &links_2025(&uri)),
        2,
    )
    .await;
    mount(&server, "/Statics/9e1c-sep.html", sep.clone(), 1).await;
    mount(&server, "/Statics/4b7a-oct.html", oct.clone(), 2).await;
    let etag = "\"a0f3-1\"";
    Mock::given(method("GET"))
        .and(path("/Statics/a0f3-nov.html"))
        .and(header("if-none-match", etag))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", etag))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/Statics/a0f3-nov.html"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(nov.clone())
                .insert_header("etag", etag)
                .insert_header("last-modified", "Sat, 20 Dec 2025 02:00:00 GMT"),
        )
        .expect(1)
        .mount(&server)
        .await;
    // Months outside the window, the import table, the current year's index: never asked.
    for never in [
        "/statics/report/monthly.html",
        "/Statics/early-6.html",
        "/Statics/import-2025-9.html",
    ] {
        Mock::given(method("GET"))
            .and(path(never))
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .mount(&server)
            .await;
    }
    let raw = tempfile::tempdir().unwrap();
    let config = config(&uri);
    let options = options(raw.path(), "customs", "2025-09", "2025-12");

    let summary = fetch(&config, &options).await.unwrap();
    let customs = summary.source("customs").unwrap();
    assert_eq!(customs.fetched, [SEP, OCT, NOV], "{summary}");
    assert_eq!(customs.not_released, ["export 2025-12"]);
    assert!(customs.failed.is_empty(), "{summary}");
    assert_eq!(summary.exit_code(), exit::OK);
    assert!(
        summary
            .to_string()
            .contains("not yet released: export 2025-12")
    );
    assert_eq!(visible(raw.path()), [SEP, OCT, NOV]);
    for (file, body) in [(SEP, &sep), (OCT, &oct), (NOV, &nov)] {
        let bytes = std::fs::read(raw.path().join(file)).unwrap();
        assert_eq!(bytes, body.as_bytes(), "{file}: the bytes the server sent");
    }
    assert_eq!(
        asked(&server.received_requests().await.unwrap()),
        [
            "/statics/report/monthly2025.html",
            "/Statics/9e1c-sep.html",
            "/Statics/4b7a-oct.html",
            "/Statics/a0f3-nov.html",
        ]
    );

    // Provenance: the index (no file), then one row a page.
    let rows = log(raw.path());
    assert_eq!(rows.len(), 4);
    let index = &rows[0];
    assert_eq!(index.path, "");
    assert_eq!(index.source, "customs");
    assert_eq!(index.url, format!("{uri}/statics/report/monthly2025.html"));
    assert_eq!(index.http_status, Some(200));
    assert_eq!(index.periods, "2025-09..2025-12");
    assert_eq!(index.note, "index: 3 tables, 20 month links");
    let row = &rows[3];
    assert_eq!(row.path, NOV);
    assert_eq!(row.url, format!("{uri}/Statics/a0f3-nov.html"));
    assert_eq!(row.http_status, Some(200));
    assert_eq!(row.etag, etag);
    assert_eq!(row.last_modified, "Sat, 20 Dec 2025 02:00:00 GMT");
    assert_eq!(row.bytes, Some(nov.len() as u64));
    assert_eq!(row.sha256, sha256(nov.as_bytes()));
    assert_eq!(row.periods, "2025-11");
    assert_eq!(row.note, "3 rows");
    assert_eq!(
        rows[1..]
            .iter()
            .map(|r| (r.path.as_str(), r.periods.as_str()))
            .collect::<Vec<_>>(),
        [(SEP, "2025-09"), (OCT, "2025-10"), (NOV, "2025-11")]
    );
    assert_eq!(rows[2].url, format!("{uri}/Statics/4b7a-oct.html"));

    // What `run` reads from the file is what the page says.
    let mut read = Vec::new();
    let release =
        read_headline_html(&raw.path().join(NOV), &mut |r| read.push(r.unwrap())).unwrap();
    assert_eq!(
        (release.year, release.first_month, release.last_month),
        (2025, 11, 11)
    );
    let rare = read.iter().find(|r| r.series == RARE_EARTH).unwrap();
    assert_eq!(rare.unit, "Tonne");
    assert_eq!(rare.month_quantity, Some(5493.9));
    assert_eq!(rare.month_value, Some(36785.0));

    // Again: the index, then only the two latest months (November conditional: 304);
    // September is not asked, nothing is written.
    let again = fetch(&config, &options).await.unwrap();
    let customs = again.source("customs").unwrap();
    assert!(customs.fetched.is_empty(), "{again}");
    assert_eq!(customs.unchanged, 3);
    assert_eq!(customs.calls, 3);
    assert_eq!(customs.not_released, ["export 2025-12"]);
    assert_eq!(again.exit_code(), exit::OK);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        asked(&requests[4..]),
        [
            "/statics/report/monthly2025.html",
            "/Statics/4b7a-oct.html",
            "/Statics/a0f3-nov.html",
        ]
    );
    assert_eq!(visible(raw.path()), [SEP, OCT, NOV]);
    let rows = log(raw.path());
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[5].path, OCT);
    assert!(
        rows[5].note.contains("unchanged: same bytes"),
        "{}",
        rows[5].note
    );
    assert_eq!(
        (rows[6].path.as_str(), rows[6].http_status),
        (NOV, Some(304))
    );
    assert_eq!(rows[6].note, "unchanged (304 Not Modified)");
    assert!(hidden(raw.path()).is_empty());
    server.verify().await;
}

#[tokio::test]
async fn customs_a_page_that_does_not_read_is_rejected_and_the_page_names_its_month() {
    let server = MockServer::start().await;
    let uri = server.uri();
    mount(
        &server,
        "/statics/report/monthly2025.html",
        index_page(2025, &links_2025(&uri)),
        1,
    )
    .await;
    // The September link leads to August's page: kept as August, the mismatch noted.
    let aug = table_page(2025, 8, "4,870.0", "31,002");
    mount(&server, "/Statics/9e1c-sep.html", aug.clone(), 1).await;
    mount(
        &server,
        "/Statics/4b7a-oct.html",
        "<html><body><h1>Service temporarily unavailable</h1></body></html>".into(),
        1,
    )
    .await;
    let nov = table_page(2025, 11, "5,493.9", "36,785");
    mount(&server, "/Statics/a0f3-nov.html", nov.clone(), 1).await;
    let raw = tempfile::tempdir().unwrap();
    let options = options(raw.path(), "gacc-english", "2025-09", "2025-12");

    let summary = fetch(&config(&uri), &options).await.unwrap();
    let customs = summary.source("customs").unwrap();
    let aug_file = "gacc-headline/2025/gacc_english_export_202508.html";
    assert_eq!(customs.fetched, [aug_file, NOV], "{summary}");
    assert_eq!(customs.failed.len(), 1, "{summary}");
    assert!(
        customs.failed[0].contains("/Statics/4b7a-oct.html")
            && customs.failed[0].contains("not a monthly table page")
            && customs.failed[0].contains("nothing written"),
        "{}",
        customs.failed[0]
    );
    assert_eq!(summary.exit_code(), exit::PARTIAL);
    assert_eq!(customs.not_released, ["export 2025-12"]);
    assert!(
        customs
            .notes
            .iter()
            .any(|n| n.contains("the index says 2025-09, the page's title 2025-08")),
        "{:?}",
        customs.notes
    );
    assert_eq!(visible(raw.path()), [aug_file, NOV]);
    assert_eq!(
        std::fs::read(raw.path().join(aug_file)).unwrap(),
        aug.as_bytes()
    );
    assert!(hidden(raw.path()).is_empty(), "no temporary file left");
    let rows = log(raw.path());
    let rejected = rows
        .iter()
        .find(|r| r.url.ends_with("4b7a-oct.html"))
        .unwrap();
    assert_eq!(rejected.path, "");
    assert_eq!(rejected.http_status, Some(200));
    assert_eq!(rejected.periods, "2025-10");
    assert!(
        rejected
            .note
            .starts_with("rejected: not a monthly table page: "),
        "{}",
        rejected.note
    );
    assert!(
        rejected.note.contains("no title naming the table"),
        "{}",
        rejected.note
    );
    let kept = rows.iter().find(|r| r.path == aug_file).unwrap();
    assert_eq!(kept.periods, "2025-08");
    assert!(
        kept.note.contains("the index says 2025-09"),
        "{}",
        kept.note
    );
    server.verify().await;
}

#[tokio::test]
async fn customs_a_since_in_last_year_reads_its_archive_then_this_years_index() {
    let server = MockServer::start().await;
    let uri = server.uri();
    let now = YearMonth::current();
    let last = now.year - 1;
    let mut links: Vec<Option<String>> = vec![None; 10];
    links.push(Some("/Statics/dec.html".into()));
    mount(
        &server,
        &format!("/statics/report/monthly{last}.html"),
        index_page(last, &links),
        1,
    )
    .await;
    let dec = table_page(last, 12, "4,411.3", "30,873");
    mount(&server, "/Statics/dec.html", dec.clone(), 1).await;
    // This year's index: nothing published yet.
    mount(
        &server,
        "/statics/report/monthly.html",
        index_page(now.year, &[]),
        1,
    )
    .await;
    let raw = tempfile::tempdir().unwrap();
    // Every source at a server that is not there: only customs is pointed at this one.
    let mut config = config("http://127.0.0.1:9");
    let (name, url) = parse_base_url_override(&format!("china-customs={uri}/")).unwrap();
    assert_eq!(name, "customs");
    config.set_base_url(&name, &url).unwrap();
    let mut options = options(raw.path(), "customs", "2025-01", "2025-01");
    options.since = Some(YearMonth::new(last, 12).unwrap());
    options.until = None;

    let summary = fetch(&config, &options).await.unwrap();
    let customs = summary.source("customs").unwrap();
    let file = format!("gacc-headline/{last}/gacc_english_export_{last}12.html");
    assert_eq!(customs.fetched, std::slice::from_ref(&file), "{summary}");
    assert_eq!(summary.exit_code(), exit::OK, "{summary}");
    let expected: Vec<String> = (1..=now.month)
        .map(|m| format!("export {}-{m:02}", now.year))
        .collect();
    assert_eq!(customs.not_released, expected);
    assert_eq!(
        asked(&server.received_requests().await.unwrap()),
        [
            format!("/statics/report/monthly{last}.html"),
            "/Statics/dec.html".to_owned(),
            "/statics/report/monthly.html".to_owned(),
        ]
    );
    assert_eq!(
        std::fs::read(raw.path().join(&file)).unwrap(),
        dec.as_bytes()
    );
    server.verify().await;
}
