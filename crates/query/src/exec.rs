//! Running SQL read-only against one warehouse snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SQLOptions, SessionContext};
use rareflow_warehouse::Warehouse;

use crate::catalog::session_for_snapshot;
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
}

impl QuerySession {
    /// Opens the warehouse at `root` (a warehouse folder or a snapshot folder).
    pub async fn open(root: &Path) -> Result<QuerySession, QueryError> {
        let snapshot = Warehouse::new(root).current()?;
        let ctx = session_for_snapshot(&snapshot).await?;
        Ok(QuerySession { ctx, snapshot })
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
        let plan = self.ctx.state().create_logical_plan(sql).await.map_err(err)?;
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
        let session = QuerySession::open(root).await?;
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
