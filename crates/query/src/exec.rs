//! Running SQL read-only against one warehouse snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SQLOptions, SessionContext};
use rareflow_warehouse::Warehouse;
use rareflow_warehouse::remote::{RemoteWarehouse, WarehouseLocation};

use crate::catalog::{Catalog, session_with_catalog};
use crate::cte::plan_sharing_ctes;
use crate::error::QueryError;
use crate::suggest::closest;

/// Statements that change state are refused: the warehouse is written only by rareflow-etl.
/// This is the second guard; [`refuse_writes`] looks at the plan first.
pub fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Refuses a plan that would change something (DDL, DML, COPY, or a statement such as SET),
/// anywhere in it (also under EXPLAIN ANALYZE or in a subquery), with
/// [`QueryError::ReadOnly`] naming the kind of statement.
pub fn refuse_writes(origin: &str, plan: &LogicalPlan) -> Result<(), QueryError> {
    let mut kind = None;
    plan.apply_with_subqueries(|node| {
        kind = match node {
            LogicalPlan::Ddl(ddl) => Some(ddl.name().to_owned()),
            LogicalPlan::Dml(dml) => Some(dml.op.name().to_owned()),
            LogicalPlan::Copy(_) => Some("COPY".to_owned()),
            LogicalPlan::Statement(statement) => Some(statement.name().to_owned()),
            _ => return Ok(TreeNodeRecursion::Continue),
        };
        Ok(TreeNodeRecursion::Stop)
    })
    .map_err(|e| sql_error(origin, e, &[]))?;
    match kind {
        Some(kind) => Err(QueryError::ReadOnly {
            origin: origin.to_owned(),
            kind,
        }),
        None => Ok(()),
    }
}

/// A session over the published snapshot of a warehouse, resolved once at open: every
/// query of the session sees the same state, even while a run publishes a new one.
pub struct QuerySession {
    ctx: Arc<SessionContext>,
    snapshot: PathBuf,
    /// Compute CTEs referenced more than once first ([`crate::cte`]); off where the plan
    /// runs elsewhere (a Ballista cluster cannot read this process's memory).
    share_ctes: bool,
    /// The tables the session registered, with their descriptions.
    catalog: Arc<Catalog>,
}

impl QuerySession {
    /// Opens the warehouse at `root` (a warehouse folder or a snapshot folder, or
    /// `s3://bucket/prefix` with the S3 client configured from the `AWS_*` variables; any
    /// other URL scheme is refused).
    pub async fn open(root: &Path) -> Result<QuerySession, QueryError> {
        QuerySession::open_with(root, Catalog::default()).await
    }

    /// As [`QuerySession::open`] for a local warehouse, registering the tables of `catalog`
    /// (the sources of another registry). On S3, the tables of rareflow's own sources.
    pub async fn open_with(root: &Path, catalog: Catalog) -> Result<QuerySession, QueryError> {
        if let WarehouseLocation::S3(_) = WarehouseLocation::parse(root)? {
            let ctx = SessionContext::new_with_config(crate::catalog::session_config());
            let mut session = QuerySession::with_context(ctx, root).await?;
            session.share_ctes = true; // this process runs the plan
            return Ok(session);
        }
        let snapshot = Warehouse::new(root).current()?;
        let ctx = session_with_catalog(&snapshot, &catalog).await?;
        Ok(QuerySession {
            ctx,
            snapshot,
            share_ctes: true,
            catalog: Arc::new(catalog),
        })
    }

    /// Opens the warehouse at `root` on a ready context (for instance one whose queries
    /// run on a Ballista cluster, see [`crate::ballista`]): the snapshot's tables are
    /// registered in `ctx`.
    pub async fn with_context(
        ctx: SessionContext,
        root: &Path,
    ) -> Result<QuerySession, QueryError> {
        if let WarehouseLocation::S3(location) = WarehouseLocation::parse(root)? {
            let remote = RemoteWarehouse::from_env(location)?;
            return QuerySession::with_remote(ctx, &remote).await;
        }
        let snapshot = Warehouse::new(root).current()?;
        crate::catalog::register_snapshot(&ctx, &snapshot).await?;
        Ok(QuerySession {
            ctx: Arc::new(ctx),
            snapshot,
            share_ctes: false,
            catalog: Arc::new(Catalog::default()),
        })
    }

    /// Opens a warehouse in object storage on a ready context: its `current` pointer is
    /// read once, here (see [`crate::remote`]). [`QuerySession::snapshot`] is the snapshot's URL.
    pub async fn with_remote(
        ctx: SessionContext,
        remote: &RemoteWarehouse,
    ) -> Result<QuerySession, QueryError> {
        let url = crate::remote::register_remote_snapshot(&ctx, remote).await?;
        Ok(QuerySession {
            ctx: Arc::new(ctx),
            snapshot: PathBuf::from(url),
            share_ctes: false,
            catalog: Arc::new(Catalog::default()),
        })
    }

    /// The tables this session registers, with their descriptions.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The snapshot this session reads.
    pub fn snapshot(&self) -> &Path {
        &self.snapshot
    }

    /// The DataFusion context (tables registered).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Names of the tables registered in the session, sorted.
    pub fn table_names(&self) -> Vec<String> {
        let mut names = self
            .ctx
            .catalog("datafusion")
            .and_then(|c| c.schema("public"))
            .map(|s| s.table_names())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Plans `sql` read-only with `params` bound, and starts it. `origin` names the SQL
    /// (a file path) in errors.
    pub async fn stream(
        &self,
        origin: &str,
        sql: &str,
        params: ParamValues,
    ) -> Result<SendableRecordBatchStream, QueryError> {
        let err = |e| sql_error(origin, e, &self.table_names());
        let (plan, _shared) = if self.share_ctes {
            let check = |plan: &LogicalPlan| {
                refuse_writes(origin, plan).map_err(|e| DataFusionError::External(Box::new(e)))?;
                read_only_options().verify_plan(plan)
            };
            let (plan, shared) = plan_sharing_ctes(&self.ctx, sql, &params, &check)
                .await
                .map_err(err)?;
            (plan, Some(shared))
        } else {
            let plan = self
                .ctx
                .state()
                .create_logical_plan(sql)
                .await
                .map_err(err)?;
            (plan, None)
        };
        refuse_writes(origin, &plan)?;
        read_only_options().verify_plan(&plan).map_err(err)?;
        let df = self.ctx.execute_logical_plan(plan).await.map_err(err)?;
        let df = df.with_param_values(params).map_err(err)?;
        df.execute_stream().await.map_err(err)
    }

    /// As [`QuerySession::stream`], collecting every batch.
    pub async fn collect(
        &self,
        origin: &str,
        sql: &str,
        params: ParamValues,
    ) -> Result<Vec<RecordBatch>, QueryError> {
        use futures::StreamExt;
        let mut stream = self.stream(origin, sql, params).await?;
        let mut out = Vec::new();
        while let Some(batch) = stream.next().await {
            out.push(batch.map_err(|e| sql_error(origin, e, &[]))?);
        }
        Ok(out)
    }
}

/// Turns an engine error into one naming the SQL's origin and, when the parser gives one,
/// the line. A table that is not found gets the closest of `tables` as a suggestion.
pub fn sql_error(origin: &str, e: DataFusionError, tables: &[String]) -> QueryError {
    let message = e.strip_backtrace();
    let line = message.find("Line: ").and_then(|i| {
        message[i + 6..]
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    });
    // DataFusion names a missing table only in its message: "table 'a.b.name' not found".
    let hint = message
        .split_once("table '")
        .and_then(|(_, rest)| rest.split_once("' not found"))
        .map(|(name, _)| name.rsplit('.').next().unwrap_or(name))
        .and_then(|name| closest(name, tables.iter().map(String::as_str)))
        .map(|s| format!("did you mean {s}?"));
    QueryError::Sql {
        origin: origin.to_owned(),
        line,
        hint,
        source: e,
    }
}

/// Which state of the figures a session shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// The latest figures (the default).
    Latest,
    /// What was loaded up to and including this time (UTC microseconds).
    LoadedBy(i64),
    /// What releases up to and including this one said.
    Release(i64),
}

impl AsOf {
    /// Parses `YYYY-MM-DD` (end of that day, UTC) or a release number.
    pub fn parse(text: &str) -> Result<AsOf, String> {
        if let Ok(seq) = text.trim().parse::<i64>() {
            return Ok(AsOf::Release(seq));
        }
        match crate::params::ParamType::Date.parse(text) {
            Ok(datafusion::scalar::ScalarValue::Date32(Some(days))) => {
                Ok(AsOf::LoadedBy((i64::from(days) + 1) * 86_400_000_000 - 1))
            }
            _ => Err(format!(
                "expected a date YYYY-MM-DD or a release number, got {text:?}"
            )),
        }
    }
}

impl QuerySession {
    /// Opens the warehouse showing `trade_flows` as it stood at `as_of`: for each figure,
    /// the latest release loaded by then. `trade_flows_latest` keeps the current figures.
    pub async fn open_as_of(root: &Path, as_of: AsOf) -> Result<QuerySession, QueryError> {
        QuerySession::open(root).await?.showing(as_of).await
    }

    /// This session showing `trade_flows` as it stood at `as_of` (see
    /// [`QuerySession::open_as_of`]).
    pub async fn showing(self, as_of: AsOf) -> Result<QuerySession, QueryError> {
        let session = self;
        let cutoff = match as_of {
            AsOf::Latest => return Ok(session),
            AsOf::LoadedBy(micros) => format!(
                "loaded_at <= arrow_cast({micros}, 'Timestamp(Microsecond, Some(\"UTC\"))')"
            ),
            AsOf::Release(seq) => format!("release_seq <= {seq}"),
        };
        let key = rareflow_normalize::schema::TRADE_FLOWS_KEY.join(", ");
        let sql = format!(
            "SELECT * EXCLUDE (latest_release) FROM ( \
               SELECT *, MAX(release_seq) OVER (PARTITION BY {key}) AS latest_release FROM ( \
                 SELECT * FROM trade_flows UNION ALL SELECT * FROM trade_flows_superseded) \
               WHERE {cutoff}) \
             WHERE release_seq = latest_release"
        );
        let ctx = &session.ctx;
        let view = ctx
            .sql(&sql)
            .await
            .map_err(|e| sql_error("--as-of", e, &[]))?
            .into_view();
        let latest = ctx
            .deregister_table("trade_flows")
            .map_err(|e| sql_error("--as-of", e, &[]))?;
        if let Some(latest) = latest {
            ctx.register_table("trade_flows_latest", latest)
                .map_err(|e| sql_error("--as-of", e, &[]))?;
        }
        ctx.register_table("trade_flows", view)
            .map_err(|e| sql_error("--as-of", e, &[]))?;
        Ok(session)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::datasource::MemTable;

    use super::*;

    /// A session over one in-memory table `trade_flows (partner TEXT, kg BIGINT)`.
    pub(crate) fn memory_session() -> QuerySession {
        let schema = Arc::new(Schema::new(vec![
            Field::new("partner", DataType::Utf8, false),
            Field::new("kg", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["USA", "DEU", "x1"])),
                Arc::new(Int64Array::from(vec![582_000, 1_262_400, 7])),
            ],
        )
        .unwrap();
        let ctx = SessionContext::new();
        let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
        ctx.register_table("trade_flows", Arc::new(table)).unwrap();
        QuerySession {
            ctx: Arc::new(ctx),
            snapshot: PathBuf::new(),
            share_ctes: true,
            catalog: Arc::new(Catalog::default()),
        }
    }

    #[tokio::test]
    async fn a_cte_read_twice_is_computed_once_with_the_parameters_and_then_forgotten() {
        let session = memory_session();
        let sql = "WITH big AS (SELECT partner, kg FROM trade_flows WHERE kg > $min), \
                   one AS (SELECT 1 AS x) \
                   SELECT a.partner, b.kg + x AS kg FROM big a JOIN big b ON a.partner = b.partner \
                   CROSS JOIN one ORDER BY a.partner";
        let params = ParamValues::Map(
            [(
                "min".to_owned(),
                datafusion::scalar::ScalarValue::Int64(Some(100)).into(),
            )]
            .into_iter()
            .collect(),
        );
        let (plan, shared) = plan_sharing_ctes(&session.ctx, sql, &params, &|_| Ok(()))
            .await
            .unwrap();
        // `big` (read twice) is a table now; `one` (read once) stays inline.
        assert_eq!(shared.names.len(), 1);
        assert!(format!("{}", plan.display_indent()).contains("__rareflow_cte_"));
        drop((plan, shared));
        let batches = session.collect("test", sql, params).await.unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        assert!(text.contains("| DEU     | 1262401 |"), "{text}");
        assert!(text.contains("| USA     | 582001  |"), "{text}");
        assert!(!text.contains("x1"), "{text}");
        assert_eq!(session.table_names(), vec!["trade_flows".to_owned()]);
        // Columns qualified with the CTE's own name still resolve.
        let sql = "WITH big AS (SELECT partner, kg FROM trade_flows WHERE kg > 100) \
                   SELECT big.partner FROM big \
                   WHERE NOT EXISTS (SELECT 1 FROM big b WHERE b.kg > big.kg) ";
        let batches = session.collect("test", sql, no_params()).await.unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        assert!(text.contains("| DEU "), "{text}");
        assert!(!text.contains("USA"), "{text}");
    }

    fn no_params() -> ParamValues {
        ParamValues::List(vec![])
    }

    #[tokio::test]
    async fn writes_are_refused_from_the_plan_with_their_kind() {
        let session = memory_session();
        for (sql, expected) in [
            ("CREATE TABLE x AS SELECT 1", "CreateMemoryTable"),
            ("CREATE VIEW v AS SELECT * FROM trade_flows", "CreateView"),
            ("DROP TABLE trade_flows", "DropTable"),
            (
                "INSERT INTO trade_flows SELECT * FROM trade_flows",
                "Insert Into",
            ),
            ("COPY trade_flows TO 'rareflow-never.parquet'", "COPY"),
            ("SET datafusion.execution.batch_size = 10", "SetVariable"),
            (
                "EXPLAIN ANALYZE INSERT INTO trade_flows SELECT * FROM trade_flows",
                "Insert Into",
            ),
        ] {
            match session.stream("<test>", sql, no_params()).await {
                Err(QueryError::ReadOnly { origin, kind }) => {
                    assert_eq!(
                        (origin.as_str(), kind.as_str()),
                        ("<test>", expected),
                        "{sql}"
                    )
                }
                Err(other) => panic!("{sql}: expected ReadOnly, got {other:?}"),
                Ok(_) => panic!("{sql}: was not refused"),
            }
        }
        // Nothing was created or dropped.
        assert_eq!(session.table_names(), vec!["trade_flows".to_owned()]);
    }

    #[tokio::test]
    async fn reads_run() {
        let session = memory_session();
        let batches = session
            .collect(
                "<test>",
                "SELECT SUM(kg) AS kg FROM trade_flows WHERE partner = $p",
                ParamValues::from(vec![(
                    "p".to_owned(),
                    datafusion::scalar::ScalarValue::Utf8(Some("USA".into())),
                )]),
            )
            .await
            .unwrap();
        let kg = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(0);
        assert_eq!(kg, 582_000);
    }

    #[tokio::test]
    async fn an_unknown_table_suggests_the_closest_and_keeps_the_engine_error() {
        let session = memory_session();
        let Err(err) = session
            .stream("q.sql", "SELECT *\nFROM trade_flow", no_params())
            .await
        else {
            panic!("an unknown table was accepted");
        };
        let QueryError::Sql { origin, hint, .. } = &err else {
            panic!("expected Sql, got {err:?}");
        };
        assert_eq!(origin, "q.sql");
        assert_eq!(hint.as_deref(), Some("did you mean trade_flows?"));
        let source = std::error::Error::source(&err).expect("the engine error is the source");
        assert!(source.is::<DataFusionError>());
        assert!(
            err.to_string().ends_with("(did you mean trade_flows?)"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_syntax_error_names_the_line() {
        let session = memory_session();
        let Err(err) = session
            .stream(
                "q.sql",
                "-- c\nSELECT partner\nFORM trade_flows",
                no_params(),
            )
            .await
        else {
            panic!("bad SQL was accepted");
        };
        assert!(
            matches!(err, QueryError::Sql { line: Some(3), .. }),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("q.sql:3: "), "{err}");
    }

    #[test]
    fn errors_convert_to_and_from_the_engine_error() {
        let e = DataFusionError::Plan("no".into());
        let q = QueryError::from(e);
        assert!(matches!(q, QueryError::Engine(DataFusionError::Plan(ref m)) if m == "no"));
        let back = DataFusionError::from(q);
        assert!(matches!(back, DataFusionError::Plan(ref m) if m == "no"));
        let usage = DataFusionError::from(QueryError::Usage("x".into()));
        assert!(matches!(usage, DataFusionError::External(_)));
    }

    #[test]
    fn as_of_reads_dates_and_release_numbers() {
        assert_eq!(AsOf::parse("67"), Ok(AsOf::Release(67)));
        // End of 1970-01-02 (UTC): two days of microseconds, minus one.
        assert_eq!(
            AsOf::parse("1970-01-02"),
            Ok(AsOf::LoadedBy(2 * 86_400_000_000 - 1))
        );
        assert!(AsOf::parse("yesterday").is_err());
    }
}
