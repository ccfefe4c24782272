//! The source registry: a source the pipeline has never heard of loads through `run_with`
//! with nothing but its `impl Source`, which is what "adding a source touches no pipeline
//! file" means in practice.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arrow::array::{Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use datafusion::common::ParamValues;

use rareflow_etl::{NoProgress, RunOptions, run_with};
use rareflow_ingest::Period;
use rareflow_ingest::{IngestError, Rejected, RowError};
use rareflow_normalize::batcher::RecordBatcher;
use rareflow_normalize::output::Output;
use rareflow_normalize::rows::TradeFlowRow;
use rareflow_normalize::schema::DESCRIPTION;
use rareflow_normalize::source::{
    FileFacts, FilePattern, Gatherer, Normalized, Source, SourceFile, WorkSink,
};
use rareflow_normalize::{PieceError, Reference, Registry, TableDef, registry};
use rareflow_query::describe::{describe_table, format_tables, table_description};
use rareflow_query::{Catalog, QuerySession};
use tempfile::TempDir;

use crate::support::{query, rows, write_raw};

/// A toy "tally" format: `YYYY-MM;ISO3 partner;HS code;kg;USD` per line, exports of Japan.
struct Tally;

impl Source for Tally {
    fn name(&self) -> &'static str {
        "tally"
    }
    fn files(&self) -> FilePattern {
        FilePattern::new("tally", &["txt"])
    }
    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let text = std::fs::read_to_string(file.path).map_err(|source| IngestError::Io {
            path: file.path.to_owned(),
            source,
        })?;
        let (release, name) = (file.release, Arc::<str>::from(file.relative));
        let reference = Arc::clone(file.reference);
        let mut batcher = RecordBatcher::new(sink, move |lines: Vec<(u64, String)>| {
            let mut out = Output::new(release, lines.len());
            for (line, raw) in lines {
                out.rows_read += 1;
                let f: Vec<&str> = raw.split(';').collect();
                let parsed = (|| {
                    let (y, m) = f.first()?.split_once('-')?;
                    Some((
                        y.parse().ok()?,
                        m.parse().ok()?,
                        f.get(3)?.parse().ok()?,
                        f.get(4)?.parse().ok()?,
                    ))
                })();
                let Some((year, month, kg, usd)) = parsed else {
                    let error = RowError::BadNumber {
                        field: "kg".into(),
                        value: raw.clone(),
                    };
                    out.reject(
                        "tally",
                        &name,
                        &Rejected {
                            line,
                            error,
                            raw: raw.clone(),
                        },
                    );
                    continue;
                };
                let row = TradeFlowRow {
                    reporter: "JPN",
                    flow: "export",
                    partner: f[1],
                    partner_code: f[1],
                    partner_kind: "country",
                    hs_code: f[2],
                    classification: "H6",
                    quantity_kg: Some(kg),
                    quantity_native: Some(kg),
                    unit_native: Some("kg"),
                    value_native: Some(usd),
                    currency: "USD",
                    ..TradeFlowRow::new("tally", Period::Month(year, month), &name, line)
                };
                out.push(&reference, &row);
            }
            out.finish().map_err(PieceError::in_file(&name))
        });
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            batcher.push((i as u64 + 1, line.to_owned()));
        }
        batcher.finish();
        Ok(FileFacts {
            encoding: "UTF-8".into(),
            layout: "tally-v1".into(),
            flow: Some("export".into()),
            ..FileFacts::default()
        })
    }
}

#[test]
fn a_new_source_loads_through_the_registry_alone() {
    let (raw, wh) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    write_raw(
        raw.path(),
        "tally/2025/a.txt",
        b"2025-10;USA;850511;1200;56000\n2025-11;USA;850511;800.5;41000\nnot;a;line\n",
    );
    write_raw(raw.path(), "gacc/README.md", b"notes\n");
    let mut sources = registry::sources();
    sources.push(Box::new(Tally));
    let options = RunOptions::new(raw.path(), wh.path());
    let summary = run_with(&Registry::new(sources), &options, &NoProgress).unwrap();
    let f = &summary.files[0];
    assert_eq!(
        (
            f.source.as_str(),
            f.rows_read,
            f.rows_loaded,
            f.rows_rejected
        ),
        ("tally", 3, 2, 1)
    );
    assert_eq!(summary.ignored, vec!["gacc/README.md"]);
    // 1,200 kg + 800.5 kg = 2,000.5 kg over the two months.
    let got = query(
        wh.path(),
        "SELECT SUM(quantity_kg), COUNT(DISTINCT month) FROM trade_flows WHERE source = 'tally'",
    );
    assert_eq!(got, vec![vec!["2000.5", "2"]]);
    let log = query(
        wh.path(),
        "SELECT source, layout, flow, rows_read, rows_loaded, rows_rejected FROM ingest_log",
    );
    assert_eq!(
        log,
        vec![vec!["tally", "tally-v1", "export", "3", "2", "1"]]
    );
    let reject = query(wh.path(), "SELECT source_line, reason_code FROM rejects");
    assert_eq!(reject, vec![vec!["3", "bad_number"]]);
}

#[test]
fn the_default_registry_lists_every_source_once() {
    let names: Vec<&str> = Registry::default().iter().map(|s| s.name()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(names.len(), unique.len(), "{names:?}");
    for expected in ["gacc", "gacc-headline", "comtrade", "census"] {
        assert!(names.contains(&expected), "{names:?}");
    }
}

/// A "ledger" of signed amounts, one a line, whose piece keeps a running total: a total
/// that overflows is a failure of the piece at that line, not a bad record.
struct Ledger;

impl Source for Ledger {
    fn name(&self) -> &'static str {
        "ledger"
    }
    fn files(&self) -> FilePattern {
        FilePattern::new("ledger", &["txt"])
    }
    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let text = std::fs::read_to_string(file.path).map_err(|source| IngestError::Io {
            path: file.path.to_owned(),
            source,
        })?;
        let (release, name) = (file.release, file.relative.to_owned());
        sink.send(Box::new(move || {
            let mut total = 0i64;
            for (i, amount) in text.lines().enumerate() {
                let amount: i64 = amount.parse().unwrap_or_default();
                total = total.checked_add(amount).ok_or_else(|| {
                    let cause =
                        ArrowError::ArithmeticOverflow(format!("running total {total} + {amount}"));
                    PieceError::new(&name, Some(i as u64 + 1), cause)
                })?;
            }
            Output::new(release, 0)
                .finish()
                .map_err(PieceError::in_file(&name))
        }));
        Ok(FileFacts::default())
    }
}

#[test]
fn a_failing_piece_names_its_file_and_line_and_keep_going_skips_it() {
    let (raw, wh) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    write_raw(raw.path(), "ledger/a.txt", b"5\n9223372036854775807\n");
    write_raw(
        raw.path(),
        "tally/b.txt",
        b"2025-10;USA;850511;1200;56000\n",
    );
    let registry = || {
        let mut sources = registry::sources();
        sources.push(Box::new(Ledger));
        sources.push(Box::new(Tally));
        Registry::new(sources)
    };
    let mut options = RunOptions::new(raw.path(), wh.path());
    let err = run_with(&registry(), &options, &NoProgress).unwrap_err();
    // 5 + i64::MAX overflows at line 2.
    let message = "ledger/a.txt:2: Arithmetic overflow: running total 5 + 9223372036854775807";
    assert_eq!(err.to_string(), message);
    assert!(err.names_a_file());

    options.keep_going = true;
    let summary = run_with(&registry(), &options, &NoProgress).unwrap();
    let by_file = |f: &str| summary.files.iter().find(|s| s.file == f).unwrap();
    assert_eq!(by_file("ledger/a.txt").skipped(), Some(message));
    assert_eq!(by_file("tally/b.txt").rows_loaded, 1);
    assert_eq!(
        query(wh.path(), "SELECT SUM(quantity_kg) FROM trade_flows"),
        vec![vec!["1200"]]
    );
}

/// Stockpile declarations, `ISO3;element;tonnes` a line: data that does not fit
/// `trade_flows`, gathered into the source's own table `stockpiles`.
struct Stocks;

static STOCKPILES: LazyLock<SchemaRef> = LazyLock::new(|| {
    let field = |name: &str, t: DataType, about: &str| {
        Field::new(name, t, false)
            .with_metadata(HashMap::from([(DESCRIPTION.to_owned(), about.to_owned())]))
    };
    Arc::new(Schema::new(vec![
        field(
            "holder",
            DataType::Utf8,
            "ISO3 of the country holding the stock",
        ),
        field("element", DataType::Utf8, "element symbol"),
        field("tonnes", DataType::Float64, "declared stock, metric tonnes"),
        field("source_file", DataType::Utf8, "raw file"),
    ]))
});

impl Source for Stocks {
    fn name(&self) -> &'static str {
        "stocks"
    }
    fn files(&self) -> FilePattern {
        FilePattern::new("stocks", &["txt"])
    }
    fn read(
        &self,
        file: &SourceFile<'_>,
        sink: &mut dyn WorkSink,
    ) -> Result<FileFacts, IngestError> {
        let text = std::fs::read_to_string(file.path).map_err(|source| IngestError::Io {
            path: file.path.to_owned(),
            source,
        })?;
        let name = file.relative.to_owned();
        sink.send(Box::new(move || {
            let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(';').collect()).collect();
            let column = |i: usize| StringArray::from_iter_values(rows.iter().map(|r| r[i]));
            let tonnes = rows.iter().map(|r| r[2].parse::<f64>().ok());
            let batch = RecordBatch::try_new(
                STOCKPILES.clone(),
                vec![
                    Arc::new(column(0)),
                    Arc::new(column(1)),
                    Arc::new(Float64Array::from_iter(tonnes)),
                    Arc::new(StringArray::from_iter_values(rows.iter().map(|_| &name))),
                ],
            )
            .map_err(PieceError::in_file(&name))?;
            let mut out = Normalized::empty();
            out.rows_read = rows.len() as u64;
            out.rows_gathered = rows.len() as u64;
            out.gathered = Some(batch);
            Ok(out)
        }));
        Ok(FileFacts::default())
    }
    fn gatherer(&self) -> Option<Box<dyn Gatherer>> {
        Some(Box::new(StockGatherer(Vec::new())))
    }
    fn tables(&self) -> Vec<TableDef> {
        vec![TableDef::new(
            "stockpiles",
            "stocks",
            "declared rare-earth stockpiles, one row per holder and element",
            STOCKPILES.clone(),
        )]
    }
}

struct StockGatherer(Vec<RecordBatch>);

impl Gatherer for StockGatherer {
    fn add(&mut self, file: &str, part: RecordBatch) -> Result<(), PieceError> {
        if part.schema().fields() != STOCKPILES.fields() {
            let cause = ArrowError::SchemaError("not a stockpiles batch".into());
            return Err(PieceError::new(file, None, cause));
        }
        self.0.push(part);
        Ok(())
    }
    fn finish(
        self: Box<Self>,
        _reference: &Reference,
    ) -> Result<Vec<(&'static str, RecordBatch)>, ArrowError> {
        Ok(vec![(
            "stockpiles",
            arrow::compute::concat_batches(&STOCKPILES, &self.0)?,
        )])
    }
}

#[test]
fn a_sources_own_table_is_queryable_and_described() {
    let (raw, wh) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    write_raw(
        raw.path(),
        "stocks/2024.txt",
        b"USA;Nd;1200.5\nJPN;Dy;300\n",
    );
    write_raw(raw.path(), "stocks/2025.txt", b"USA;Nd;800\n");
    let registry = || {
        let mut sources = registry::sources();
        sources.push(Box::new(Stocks));
        Registry::new(sources)
    };
    let options = RunOptions::new(raw.path(), wh.path());
    let summary = run_with(&registry(), &options, &NoProgress).unwrap();
    assert_eq!(summary.files.iter().map(|f| f.rows_loaded).sum::<u64>(), 3);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = QuerySession::open_with(wh.path(), Catalog::new(&registry()))
            .await
            .unwrap();
        let sql = "SELECT holder, SUM(tonnes) FROM stockpiles GROUP BY holder ORDER BY holder";
        let batches = session
            .collect("<test>", sql, ParamValues::List(vec![]))
            .await
            .unwrap();
        // USA: 1,200.5 t + 800 t = 2,000.5 t; JPN 300 t.
        assert_eq!(
            rows(&batches),
            vec![vec!["JPN", "300"], vec!["USA", "2000.5"]]
        );

        let columns = describe_table(&session, "stockpiles").await.unwrap();
        let described: Vec<(&str, &str, &str)> = columns
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.data_type.as_str(),
                    c.description.as_str(),
                )
            })
            .collect();
        // Strings read from Parquet without a fixed schema are string views, as for headline_series.
        assert_eq!(
            described,
            vec![
                (
                    "holder",
                    "Utf8View",
                    "ISO3 of the country holding the stock"
                ),
                ("element", "Utf8View", "element symbol"),
                ("tonnes", "Float64", "declared stock, metric tonnes"),
                ("source_file", "Utf8View", "raw file"),
            ]
        );
        assert_eq!(
            table_description(session.catalog(), "stockpiles"),
            Some("declared rare-earth stockpiles, one row per holder and element")
        );
        let list = format_tables(session.catalog());
        assert!(
            list.lines().any(|l| l.starts_with("stockpiles ")
                && l.contains(" stocks ")
                && l.ends_with("one row per holder and element")),
            "{list}"
        );
        // The query crate knows the table from the registry alone: a session over
        // rareflow's own sources does not register it.
        let default = QuerySession::open(wh.path()).await.unwrap();
        assert!(!default.table_names().contains(&"stockpiles".to_owned()));
    });
}
