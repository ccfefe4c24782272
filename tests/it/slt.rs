//! Saved SQL tested as sqllogictest files (`tests/slt/*.slt`), as DataFusion tests its SQL.
//!
//! Besides plain SQL, a record may call a saved query with bound parameters, and a statement
//! may switch the connection to the warehouse as it stood at a date or release (the query
//! tool's `--as-of`):
//! ```text
//! query TRR
//! run magnets_by_destination month=2025-11
//! ----
//!
//! statement ok
//! as-of 2026-04-30
//! ```
//! Column types are checked: `I` an integer column, `R` a floating-point or decimal one, `T`
//! any other (text, dates).
//!
//! Files in `tests/slt/` run on the bundled data; files in `tests/slt/revised/` on the
//! bundled data loaded on 2026-04-10 plus one revision loaded on 2026-05-12
//! (`tests/fixtures/revision/`: the November 2025 US magnet row, 582,000 kg, revised to
//! 592,000 kg).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arrow::datatypes::DataType;
use async_trait::async_trait;
use rareflow_query::params::{bind, parse_assignment};
use rareflow_query::{AsOf, QueryError, QuerySession, SavedQuery};
use sqllogictest::{DBOutput, DefaultColumnType, Record, strict_column_validator};
use tempfile::TempDir;

use crate::support::{bundled_warehouse, copy_dir, etl, repo, rows};

struct Rareflow {
    warehouse: PathBuf,
    session: QuerySession,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SltError(String);

impl From<QueryError> for SltError {
    fn from(e: QueryError) -> Self {
        SltError(e.to_string())
    }
}

/// The .slt letter for an Arrow type.
fn column_type(data_type: &DataType) -> DefaultColumnType {
    if data_type.is_integer() {
        DefaultColumnType::Integer
    } else if data_type.is_floating()
        || matches!(
            data_type,
            DataType::Decimal128(..) | DataType::Decimal256(..)
        )
    {
        DefaultColumnType::FloatingPoint
    } else {
        DefaultColumnType::Text
    }
}

#[async_trait]
impl sqllogictest::AsyncDB for Rareflow {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let text = sql.trim();
        if let Some(date) = text.strip_prefix("as-of ") {
            let as_of = AsOf::parse(date).map_err(SltError)?;
            self.session = QuerySession::open_as_of(&self.warehouse, as_of).await?;
            return Ok(DBOutput::StatementComplete(0));
        }
        let stream = if let Some(call) = text.strip_prefix("run ") {
            let mut words = call.split_whitespace();
            let name = words
                .next()
                .ok_or_else(|| SltError("run: no query name".into()))?;
            let given = words
                .map(parse_assignment)
                .collect::<Result<Vec<_>, _>>()
                .map_err(SltError)?;
            let saved = SavedQuery::resolve(name, &repo().join("sql"))?;
            let params = bind(&saved.params, &given)?;
            self.session
                .stream(&saved.path.display().to_string(), &saved.sql, params)
                .await?
        } else {
            self.session
                .stream("<slt>", text, datafusion::common::ParamValues::List(vec![]))
                .await?
        };
        // Types from the schema, so that a query returning no rows is typed too.
        let types = stream
            .schema()
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let batches = datafusion::physical_plan::common::collect(stream)
            .await
            .map_err(|e| SltError(e.strip_backtrace()))?;
        Ok(DBOutput::Rows {
            types,
            rows: rows(&batches),
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "rareflow"
    }
}

/// The bundled data loaded on 2026-04-10, then the November 2025 revision on 2026-05-12.
fn revised_warehouse() -> &'static Path {
    static WAREHOUSE: OnceLock<(TempDir, TempDir)> = OnceLock::new();
    let (_, wh) = WAREHOUSE.get_or_init(|| {
        let raw = TempDir::new().unwrap();
        let wh = TempDir::new().unwrap();
        copy_dir(&repo().join("data/raw"), raw.path());
        etl(raw.path(), wh.path(), Some("2026-04-10"), false);
        copy_dir(
            &repo().join("tests/fixtures/revision"),
            &raw.path().join("gacc/export/2025"),
        );
        etl(raw.path(), wh.path(), Some("2026-05-12"), false);
        (raw, wh)
    });
    wh.path()
}

async fn run_file(path: &Path, warehouse: &Path) {
    let warehouse = warehouse.to_owned();
    let mut runner = sqllogictest::Runner::new(move || {
        let warehouse = warehouse.clone();
        async move {
            let session = QuerySession::open(&warehouse).await?;
            Ok::<_, SltError>(Rareflow { warehouse, session })
        }
    });
    runner.with_column_validator(strict_column_validator);
    if let Err(e) = runner.run_file_async(path).await {
        panic!("{}\n{e}", path.display());
    }
}

/// The saved queries a script calls: the first word after `run` in each query or statement
/// record (comments and other text do not count).
fn saved_query_calls(script: &str) -> BTreeSet<String> {
    sqllogictest::parse::<DefaultColumnType>(script)
        .unwrap()
        .into_iter()
        .filter_map(|record| match record {
            Record::Query { sql, .. } | Record::Statement { sql, .. } => Some(sql),
            _ => None,
        })
        .filter_map(|sql| {
            let call = sql.trim().strip_prefix("run ")?;
            call.split_whitespace().next().map(str::to_owned)
        })
        .collect()
}

fn slt_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    files
}

/// Every saved query has at least one .slt record, and every .slt file passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_queries_give_expected_rows() {
    let bundled = slt_files(&repo().join("tests/slt"));
    let revised = slt_files(&repo().join("tests/slt/revised"));
    assert!(!bundled.is_empty() && !revised.is_empty());
    let called: BTreeSet<String> = bundled
        .iter()
        .chain(&revised)
        .flat_map(|f| saved_query_calls(&std::fs::read_to_string(f).unwrap()))
        .collect();
    for saved in SavedQuery::list(&repo().join("sql")).unwrap() {
        assert!(
            called.contains(&saved.name),
            "saved query {} has no test in tests/slt",
            saved.name
        );
        assert!(
            !saved.description.is_empty(),
            "{} has no description",
            saved.name
        );
    }
    for f in bundled {
        run_file(&f, bundled_warehouse()).await;
    }
    for f in revised {
        run_file(&f, revised_warehouse()).await;
    }
}

/// A name in a comment, or a name another query's name starts with, is not a call.
#[test]
fn only_run_records_count_as_calls() {
    let script = "\
# run lowest_since month=2025-11 (a comment)

query T
run magnets_by_destination_v2 month=2025-11
----
x

query I
SELECT 1 -- run policy_window
----
1

statement ok
run   load_report
";
    assert_eq!(
        saved_query_calls(script),
        BTreeSet::from([
            "load_report".to_owned(),
            "magnets_by_destination_v2".to_owned()
        ])
    );
}
