//! The monthly job as the README schedules it, against loopback servers that answer as the
//! sources do: `rareflow-etl fetch && rareflow-etl run --check --strict && rareflow-query
//! report --month latest`, China Customs detail filed with `fetch --import`. The figures
//! the warehouse ends with are the ones the mocks served, and `fetch_log` links every
//! loaded file to the request that brought it.

use std::path::Path;
use std::process::{Command, Output};

use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{etl_cmd, query, query_cmd, repo, stderr, stdout};

/// US imports of HS 8505110070 by country, as the Census API answers `time=2025-MM`:
/// China (5700) and Japan (5880), kilograms and general-imports dollars.
fn census_month(month: &str, china: (u64, u64), japan: (u64, u64)) -> String {
    format!(
        "[[\"I_COMMODITY\",\"CTY_CODE\",\"CTY_NAME\",\"GEN_VAL_MO\",\"CON_VAL_MO\",\"GEN_QY1_MO\",\"CON_QY1_MO\",\"UNIT_QY1\",\"GEN_CIF_MO\",\"time\",\"COMM_LVL\"],\n\
         [\"8505110070\",\"5700\",\"CHINA\",\"{cv}\",\"{cv}\",\"{ck}\",\"{ck}\",\"KG\",\"{cv}\",\"{month}\",\"HS10\"],\n\
         [\"8505110070\",\"5880\",\"JAPAN\",\"{jv}\",\"{jv}\",\"{jk}\",\"{jk}\",\"KG\",\"{jv}\",\"{month}\",\"HS10\"]]",
        cv = china.1,
        ck = china.0,
        jv = japan.1,
        jk = japan.0,
    )
}

/// One Comtrade v1 record: China's exports of 850511 to the US in `period`.
fn comtrade_month(period: &str, kg: u64, usd: u64) -> String {
    let (year, month) = period.split_at(4);
    format!(
        r#"{{"elapsedTime":"0.21 secs","count":1,"data":[{{"typeCode":"C","freqCode":"M","refPeriodId":{period}01,"refYear":{year},"refMonth":{month},"period":"{period}","reporterCode":156,"reporterISO":"CHN","reporterDesc":"China","flowCode":"X","flowDesc":"Export","partnerCode":842,"partnerISO":"USA","partnerDesc":"USA","partner2Code":0,"partner2ISO":"W00","partner2Desc":"World","classificationCode":"H6","classificationSearchCode":"HS","isOriginalClassification":true,"cmdCode":"850511","cmdDesc":"Magnets; permanent magnets","aggrLevel":6,"isLeaf":true,"customsCode":"C00","customsDesc":"TOTAL CPC","mosCode":"0","motCode":0,"motDesc":"TOTAL MOT","qtyUnitCode":8,"qtyUnitAbbr":"kg","qty":{kg}.0,"isQtyEstimated":false,"altQtyUnitCode":8,"altQtyUnitAbbr":"kg","altQty":{kg}.0,"isAltQtyEstimated":false,"netWgt":{kg}.0,"isNetWgtEstimated":false,"grossWgt":0.0,"isGrossWgtEstimated":false,"cifvalue":null,"fobvalue":{usd}.0,"primaryValue":{usd}.0,"legacyEstimationFlag":0,"isReported":true,"isAggregate":false}}],"error":""}}"#,
        month = month.trim_start_matches('0'),
    )
}

/// Eurostat SDMX-CSV as the API sends it: Germany's and France's imports of CN 85051110
/// from China, value and quantity (100 kg) on separate rows, CRLF.
const COMEXT_2025: &str = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\r\n\
ESTAT:DS-045409(1.0),15/12/25 11:00,M,DE,CN,85051110,1,QUANTITY_IN_100KG,2025-10,3210.50\r\n\
ESTAT:DS-045409(1.0),15/12/25 11:00,M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-10,15000000\r\n\
ESTAT:DS-045409(1.0),15/12/25 11:00,M,DE,CN,85051110,1,QUANTITY_IN_100KG,2025-11,2980.25\r\n\
ESTAT:DS-045409(1.0),15/12/25 11:00,M,DE,CN,85051110,1,VALUE_IN_EUROS,2025-11,14000000\r\n\
ESTAT:DS-045409(1.0),15/12/25 11:00,M,FR,CN,85051110,1,QUANTITY_IN_100KG,2025-11,410.00\r\n\
ESTAT:DS-045409(1.0),15/12/25 11:00,M,FR,CN,85051110,1,VALUE_IN_EUROS,2025-11,2100000\r\n";

const FETCH_TOML: &str = r#"
[http]
timeout_secs = 5
connect_timeout_secs = 2
read_timeout_secs = 5
retries = 1
min_backoff_ms = 10
max_backoff_secs = 1

[census]
requests_per_minute = 6000
flows = ["imports"]
commodities = ["850511"]

[comtrade]
requests_per_minute = 6000
flows = ["X"]
cmd_codes = ["850511"]

[customs]
requests_per_minute = 6000

[comext]
requests_per_minute = 6000
reporters = ["DE", "FR"]
products = ["85051110"]
flows = ["1"]
"#;

/// China Customs' English index of 2025 (an archive now): table 13 linked for November.
const CUSTOMS_INDEX_2025: &str = r#"<html><head><title>Monthly Statistics 2025</title></head><body>
<table class="monthly" border="1">
<tr><td rowspan="2">Tables</td><td colspan="2">2025</td></tr>
<tr><td>Nov.</td><td>Dec.</td></tr>
<tr><td>(1) China's Total Export &amp; Import Values</td><td><a href="/Statics/t1-nov.html">Nov.</a></td><td>&nbsp;</td></tr>
<tr><td>(13) China's Major Export Commodities in Quantity and Value</td><td><a href="/Statics/4b1c-nov.html">Nov.</a><br /><a href="/Excel/4b1c.xls">Excel</a></td><td>&nbsp;</td></tr>
</table></body></html>
"#;

async fn mock_sources(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/statics/report/monthly2025.html"))
        .respond_with(ResponseTemplate::new(200).set_body_string(CUSTOMS_INDEX_2025))
        .mount(server)
        .await;
    let page =
        std::fs::read(repo().join("crates/ingest/tests/data/gacc_english_monthly_202511.html"))
            .unwrap();
    Mock::given(method("GET"))
        .and(path("/Statics/4b1c-nov.html"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(page))
        .mount(server)
        .await;
    let census = [
        (
            "2025-10",
            census_month("2025-10", (61_000, 3_100_000), (9_000, 700_000)),
        ),
        (
            "2025-11",
            census_month("2025-11", (52_500, 2_650_000), (10_250, 810_000)),
        ),
    ];
    for (month, body) in census {
        Mock::given(method("GET"))
            .and(path("/imports/hs"))
            .and(query_param("time", month))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/imports/hs"))
        .and(query_param("time", "2025-12"))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/public/v1/getDa/C/M/HS"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"count":2,"data":[{"reporterCode":156,"period":"202510","lastReleased":"2025-11-20T00:00:00","totalRecords":1},{"reporterCode":156,"period":"202511","lastReleased":"2025-12-20T00:00:00","totalRecords":1}],"error":""}"#,
        ))
        .mount(server)
        .await;
    for (period, kg, usd) in [
        ("202510", 656_000, 31_400_000),
        ("202511", 582_000, 28_100_000),
    ] {
        Mock::given(method("GET"))
            .and(path("/data/v1/get/C/M/HS"))
            .and(query_param("period", period))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(comtrade_month(period, kg, usd)),
            )
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex("^/sdmx/2.1/data/DS-045409/.*"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/csv")
                .set_body_string(COMEXT_2025),
        )
        .mount(server)
        .await;
}

fn fetch_cmd(raw: &Path, config: &Path, base: &str, extra: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"));
    command
        .current_dir(repo())
        .env("CENSUS_API_KEY", "censuskey123")
        .env("COMTRADE_API_KEY", "comtradekey456")
        .args(["--log-level", "error", "fetch", "--raw"])
        .arg(raw)
        .arg("--config")
        .arg(config)
        .args(["--since", "2025-10", "--until", "2025-12"]);
    for source in ["census", "comtrade", "comext", "customs"] {
        command.arg("--base-url").arg(format!("{source}={base}"));
    }
    command.args(extra).output().unwrap()
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    crate::support::tree(dir)
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn fetch_run_check_and_brief_chain_against_mock_sources() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(mock_sources(&server));
    let base = server.uri();
    let tmp = tempfile::tempdir().unwrap();
    let (raw, warehouse) = (tmp.path().join("raw"), tmp.path().join("warehouse"));
    let config = tmp.path().join("fetch.toml");
    std::fs::write(&config, FETCH_TOML).unwrap();

    // China Customs detail, downloaded by hand from the platform and filed with --import.
    for month in ["202510", "202511"] {
        let download = repo().join(format!(
            "data/raw/gacc/export/2025/gacc_export_{month}_usd_en.csv"
        ));
        let mut import = Command::new(env!("CARGO_BIN_EXE_rareflow-etl"));
        let out = import
            .current_dir(repo())
            .args(["--log-level", "error", "fetch", "--raw"])
            .arg(&raw)
            .arg("--import")
            .arg(&download)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    let out = fetch_cmd(&raw, &config, &base, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let summary = stdout(&out) + &stderr(&out);
    assert!(summary.contains("not yet released"), "{summary}");
    let fetched = files(&raw);
    assert!(
        fetched
            .iter()
            .any(|f| f == "census/imports/2025/census_imports_hs10_202511_850511.json"),
        "{fetched:?}"
    );
    assert!(
        !fetched
            .iter()
            .any(|f| f.starts_with("census/") && f.contains("202512")),
        "{fetched:?}"
    );
    assert!(
        fetched
            .iter()
            .any(|f| f == "comtrade/v1/comtrade_v1_M_156_202511_HS.json"),
        "{fetched:?}"
    );
    assert!(
        fetched.iter().any(|f| f.starts_with("comext-sdmx/2025/")),
        "{fetched:?}"
    );
    let page = "gacc-headline/2025/gacc_english_export_202511.html";
    assert!(fetched.iter().any(|f| f == page), "{fetched:?}");
    let census_bytes =
        std::fs::read(raw.join("census/imports/2025/census_imports_hs10_202511_850511.json"))
            .unwrap();
    assert_eq!(
        census_bytes,
        census_month("2025-11", (52_500, 2_650_000), (10_250, 810_000)).as_bytes(),
        "the bytes the server sent, never re-encoded"
    );

    // The run loads every fetched file, checks pass, nothing is rejected (--strict).
    let out = etl_cmd(&raw, &warehouse, &["--check", "--strict"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    // The one reject is the English page's row without a value ("n.a."), said why.
    assert_eq!(
        query(&warehouse, "SELECT source_file, reason FROM rejects"),
        [[
            "gacc-headline/2025/gacc_english_export_202511.html",
            "unparsable number in field month Value: expected a number like 1,234 or 12.5, found \"n.a.\""
        ]]
    );

    // The figures the mocks served, by hand: Census kg and general-imports dollars,
    // Comtrade net weight and primary value, Eurostat 100 kg units times 100.
    assert_eq!(
        query(
            &warehouse,
            "SELECT period, partner, CAST(quantity_kg AS BIGINT) AS kg, CAST(value_usd AS BIGINT) AS usd \
             FROM trade_flows WHERE source = 'census' ORDER BY period, partner"
        ),
        [
            ["2025-10-01", "CHN", "61000", "3100000"],
            ["2025-10-01", "JPN", "9000", "700000"],
            ["2025-11-01", "CHN", "52500", "2650000"],
            ["2025-11-01", "JPN", "10250", "810000"],
        ]
    );
    assert_eq!(
        query(
            &warehouse,
            "SELECT period, partner, CAST(quantity_kg AS BIGINT) AS kg, CAST(value_usd AS BIGINT) AS usd \
             FROM trade_flows WHERE source = 'comtrade' ORDER BY period"
        ),
        [
            ["2025-10-01", "USA", "656000", "31400000"],
            ["2025-11-01", "USA", "582000", "28100000"],
        ]
    );
    assert_eq!(
        query(
            &warehouse,
            "SELECT period, reporter, CAST(round(quantity_kg) AS BIGINT) AS kg \
             FROM trade_flows WHERE source = 'comext-sdmx' ORDER BY period, reporter"
        ),
        [
            ["2025-10-01", "DEU", "321050"],
            ["2025-11-01", "DEU", "298025"],
            ["2025-11-01", "FRA", "41000"],
        ]
    );

    // China Customs' English page: the rare-earth row as printed (5,493.9 t; US$36,785
    // thousand), and the headline check passed against the imported detail.
    assert_eq!(
        query(
            &warehouse,
            "SELECT period, quantity, CAST(value_usd AS BIGINT) AS usd FROM headline_series \
             WHERE series = '稀土' AND release = 'gacc-headline/2025/gacc_english_export_202511.html'"
        ),
        [["2025-11-01", "5493.9", "36785000"]]
    );

    // fetch_log: one row per line of fetch_log.csv; every loaded file links to its request.
    let log_lines = std::fs::read_to_string(raw.join("fetch_log.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(
        query(&warehouse, "SELECT COUNT(*) FROM fetch_log"),
        [[log_lines.to_string()]]
    );
    let unlinked = query(
        &warehouse,
        "SELECT source_file FROM ingest_log i WHERE NOT EXISTS \
         (SELECT 1 FROM fetch_log f WHERE f.path = i.source_file AND f.sha256 = i.content_sha256) \
         ORDER BY 1",
    );
    assert!(
        unlinked.is_empty(),
        "loaded files without their fetch: {unlinked:?}"
    );
    let census_fetch = query(
        &warehouse,
        "SELECT f.url, f.http_status, f.periods FROM ingest_log i JOIN fetch_log f \
         ON f.path = i.source_file AND f.sha256 = i.content_sha256 \
         WHERE i.source_file = 'census/imports/2025/census_imports_hs10_202511_850511.json'",
    );
    assert_eq!(census_fetch.len(), 1, "{census_fetch:?}");
    assert!(census_fetch[0][0].starts_with(&base), "{census_fetch:?}");
    assert!(
        census_fetch[0][0].contains("key=REDACTED"),
        "{census_fetch:?}"
    );
    assert_eq!(census_fetch[0][1..], ["200", "2025-11"]);
    let imported = query(
        &warehouse,
        "SELECT source, note FROM fetch_log WHERE path LIKE 'gacc/%' ORDER BY path",
    );
    assert_eq!(imported.len(), 2, "{imported:?}");
    assert!(
        imported
            .iter()
            .all(|r| r[0] == "gacc" && r[1].contains("by hand")),
        "{imported:?}"
    );

    // The brief of the latest month with China Customs detail: November 2025, and the
    // sources that reach it (Census answered 204 for December).
    let brief = tmp.path().join("brief.html");
    let out = query_cmd(
        &warehouse,
        &[
            "report",
            "--month",
            "latest",
            "--output",
            brief.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(&brief).unwrap();
    assert!(
        html.contains("Rare-earth trade brief: November 2025"),
        "{html}"
    );
    assert!(
        html.contains("2025-11 is the latest month with China Customs detail loaded (loaded: 2025-10..2025-11)"),
        "{html}"
    );
    assert!(
        html.contains("census 2025-11, comext-sdmx 2025-11, comtrade 2025-11, gacc 2025-11"),
        "{html}"
    );

    // A second fetch writes no file; the month not released is asked again.
    let before = crate::support::tree(&raw);
    let asked_before = rt.block_on(server.received_requests()).unwrap().len();
    let out = fetch_cmd(&raw, &config, &base, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = crate::support::tree(&raw);
    let data_files = |t: &[(String, Vec<u8>)]| -> Vec<(String, Vec<u8>)> {
        t.iter()
            .filter(|(p, _)| p != "fetch_log.csv")
            .cloned()
            .collect()
    };
    assert_eq!(data_files(&after), data_files(&before));
    let asked: Vec<String> = rt.block_on(server.received_requests()).unwrap()[asked_before..]
        .iter()
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
        .collect();
    assert!(
        asked.iter().any(|a| a.contains("time=2025-12")),
        "{asked:?}"
    );

    // A month with no China Customs detail is an error naming the months loaded.
    let out = query_cmd(&warehouse, &["report", "--month", "2030-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--month 2030-01: no China Customs detail")
            && stderr(&out).contains("2025-10..2025-11"),
        "{}",
        stderr(&out)
    );
}
