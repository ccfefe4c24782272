use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type};

use super::*;
use crate::rows::Release;
use crate::source::{Normalized, Work};

const CODES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ingest/tests/data/sdmx_codes.csv"
);
const LABELS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ingest/tests/data/sdmx_labels.csv"
);

struct Collect(Vec<Work>);
impl WorkSink for Collect {
    fn send(&mut self, work: Work) -> bool {
        self.0.push(work);
        true
    }
    fn progress(&mut self, _: u64) {}
}

/// Reads `path` through the source as the pipeline does; the pieces' results.
fn run(path: &Path, relative: &str) -> (FileFacts, Vec<Normalized>) {
    let reference = Arc::new(Reference::bundled().unwrap());
    let file = SourceFile {
        path,
        relative,
        release: Release::default(),
        reference: &reference,
        chunk_bytes: 1 << 20,
    };
    let mut sink = Collect(Vec::new());
    let facts = ComextSdmx.read(&file, &mut sink).unwrap();
    let pieces = sink.0.into_iter().map(|w| w().unwrap()).collect();
    (facts, pieces)
}

fn run_text(text: &str) -> Normalized {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(&path, text).unwrap();
    let (_, mut pieces) = run(&path, "comext-sdmx/2025/s.csv");
    assert_eq!(pieces.len(), 1);
    pieces.remove(0)
}

fn strings(b: &RecordBatch, column: &str) -> Vec<String> {
    let c = b.column_by_name(column).unwrap().as_string::<i32>();
    (0..c.len()).map(|i| c.value(i).to_owned()).collect()
}

fn numbers(b: &RecordBatch, column: &str) -> Vec<Option<f64>> {
    let c = b
        .column_by_name(column)
        .unwrap()
        .as_primitive::<Float64Type>();
    (0..c.len())
        .map(|i| c.is_valid(i).then(|| c.value(i)))
        .collect()
}

#[test]
fn the_fetchers_codes_file_gives_one_row_per_figure_in_kilograms_and_dollars() {
    let (facts, pieces) = run(
        Path::new(CODES),
        "comext-sdmx/2025/ds-045409_202501-202503.csv",
    );
    assert_eq!(facts.layout, "comext-sdmx-csv");
    assert!(facts.warnings[0].starts_with("4 data row(s) end with a comma"));
    let n = &pieces[0];
    assert_eq!(
        (n.rows_read, n.rows_loaded(), n.rejects.num_rows()),
        (2, 2, 0)
    );
    let f = &n.flows;
    assert_eq!(strings(f, "source"), vec!["comext-sdmx", "comext-sdmx"]);
    assert_eq!(strings(f, "reporter"), vec!["DEU", "FRA"]);
    assert_eq!(strings(f, "partner"), vec!["CHN", "CHN"]);
    assert_eq!(strings(f, "flow"), vec!["import", "import"]);
    assert_eq!(strings(f, "currency"), vec!["EUR", "EUR"]);
    assert_eq!(
        numbers(f, "quantity_kg"),
        vec![Some(152_037.0), Some(21_050.0)]
    );
    assert_eq!(
        numbers(f, "value_native"),
        vec![Some(9_876_543.0), Some(1_234_567.0)]
    );
    // Dollars as the bulk reader gets them: at the month's rate of fx_rates.csv.
    let reference = Reference::bundled().unwrap();
    let rate = reference.per_usd("EUR", 2025, 1).unwrap();
    let usd = numbers(f, "value_usd")[0].unwrap();
    assert!((usd - 9_876_543.0 / rate).abs() < 1e-6, "{usd}");
    let lines = f
        .column_by_name("source_line")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(lines.values().to_vec(), vec![2, 4]);
}

#[test]
fn the_browsers_labels_file_places_countries_but_rejects_products_without_a_code() {
    let (facts, pieces) = run(Path::new(LABELS), "comext-sdmx/2025/browser.csv");
    assert_eq!(facts.layout, "comext-sdmx-csv-labels");
    let n = &pieces[0];
    assert_eq!(
        (n.rows_read, n.rows_loaded(), n.rejects.num_rows()),
        (2, 0, 2)
    );
    let messages = strings(&n.rejects, "reason");
    assert!(
        messages[0].starts_with("malformed code in field product: expected a CN code"),
        "{messages:?}"
    );
}

#[test]
fn labels_aggregates_annual_figures_and_rejects_balance() {
    let text = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE,OBS_FLAG\r\n\
        ESTAT:DS-045409(1.0),15/09/26 11:00,Monthly,\"Netherlands, Kingdom of the\",All countries of the world,85051110,IMPORT,VALUE_IN_EUROS,2025-01,1000,,\r\n\
        ESTAT:DS-045409(1.0),15/09/26 11:00,Monthly,\"Netherlands, Kingdom of the\",All countries of the world,85051110,IMPORT,QUANTITY_IN_100KG,2025-01,2.5,,\r\n\
        ESTAT:DS-045409(1.0),15/09/26 11:00,A,EU27_2020,EXTRA_EU,2846,2,VALUE_IN_EUROS,2024,500,,\r\n\
        ESTAT:DS-045409(1.0),15/09/26 11:00,M,EXTRA_EU,CN,2846,1,VALUE_IN_EUROS,2025-01,1,,\r\n\
        ESTAT:DS-045409(1.0),15/09/26 11:00,M,DE,Atlantis,2846,1,VALUE_IN_EUROS,2025-01,1,,\r\n\
        ESTAT:DS-045409(1.0),15/09/26 11:00,M,DE,CN,2846,1,SUPPLEMENTARY_QUANTITY,2025-01,1,,\r\n\
        ESTAT:DS-045409(1.0),15/09/26 11:00,M,DE,CN,2846,9,VALUE_IN_EUROS,2025-01,1,,\r\n";
    let n = run_text(text);
    // 7 lines: 1 figure from 2 lines, 1 annual figure, 4 rejects (one at read, three here).
    assert_eq!(
        (n.rows_read, n.rows_loaded(), n.rejects.num_rows()),
        (6, 2, 4)
    );
    assert_eq!(strings(&n.flows, "reporter"), vec!["NLD"]);
    assert_eq!(strings(&n.flows, "partner"), vec!["WORLD"]);
    assert_eq!(strings(&n.flows, "partner_kind"), vec!["group"]);
    assert_eq!(numbers(&n.flows, "quantity_kg"), vec![Some(250.0)]);
    assert_eq!(strings(&n.annual, "reporter"), vec!["EUR"]);
    assert_eq!(strings(&n.annual, "partner"), vec!["EXTRA_EU"]);
    assert_eq!(strings(&n.annual, "flow"), vec!["export"]);
    let lines = n
        .rejects
        .column_by_name("source_line")
        .unwrap()
        .as_primitive::<Int64Type>();
    let mut lines = lines.values().to_vec();
    lines.sort_unstable();
    assert_eq!(lines, vec![5, 6, 7, 8]);
    let messages = strings(&n.rejects, "reason");
    assert!(messages.iter().any(|m| m
        == "unknown code in field reporter: \"EXTRA_EU\" is not in data/reference/iso2_countries.csv"));
    assert!(messages.iter().any(|m| m
        == "unknown code in field partner: \"Atlantis\" is not in data/reference/iso2_countries.csv"));
    assert!(
        messages
            .iter()
            .any(|m| m == "missing value in field VALUE_IN_EUROS / QUANTITY_IN_100KG")
    );
}
