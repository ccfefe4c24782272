//! Saved SQL tested as sqllogictest files (`tests/slt/*.slt`), as DataFusion tests its SQL.
//!
//! Besides plain SQL, a record may call a saved query with bound parameters:
//! ```text
//! query TRR
//! run magnets_by_destination month=2025-11
//! ----
//! ```

use std::path::Path;

use async_trait::async_trait;
use rareflow_query::params::{bind, parse_assignment};
use rareflow_query::{QueryError, QuerySession, SavedQuery};
use sqllogictest::{DBOutput, DefaultColumnType};

use crate::support::{bundled_warehouse, repo, rows};

struct Rareflow {
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

#[async_trait]
impl sqllogictest::AsyncDB for Rareflow {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let text = sql.trim();
        let batches = if let Some(call) = text.strip_prefix("run ") {
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
                .collect(&saved.path.display().to_string(), &saved.sql, params)
                .await?
        } else {
            self.session
                .collect("<slt>", text, datafusion::common::ParamValues::List(vec![]))
                .await?
        };
        let width = batches.first().map_or(0, |b| b.num_columns());
        Ok(DBOutput::Rows {
            types: vec![DefaultColumnType::Any; width],
            rows: rows(&batches),
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "rareflow"
    }
}

async fn run_file(path: &Path) {
    let warehouse = bundled_warehouse().to_owned();
    let mut runner = sqllogictest::Runner::new(move || {
        let warehouse = warehouse.clone();
        async move {
            Ok::<_, SltError>(Rareflow {
                session: QuerySession::open(&warehouse).await?,
            })
        }
    });
    if let Err(e) = runner.run_file_async(path).await {
        panic!("{}\n{e}", path.display());
    }
}

/// Every saved query has at least one .slt record, and every .slt file passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_queries_give_expected_rows() {
    let dir = repo().join("tests/slt");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let all_slt: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    for saved in SavedQuery::list(&repo().join("sql")).unwrap() {
        assert!(
            all_slt.contains(&format!("run {}", saved.name)),
            "saved query {} has no test in tests/slt",
            saved.name
        );
        assert!(
            !saved.description.is_empty(),
            "{} has no description",
            saved.name
        );
    }
    for f in files {
        run_file(&f).await;
    }
}
