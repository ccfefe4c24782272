//! Running SQL read-only against one warehouse snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::{SQLOptions, SessionContext};
use rareflow_warehouse::{Warehouse, session_for_snapshot};

use crate::error::QueryError;

/// Statements that change state are refused: the warehouse is written only by rareflow-etl.
pub fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
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

    /// Plans `sql` read-only with `params` bound, and starts it. `origin` names the SQL
    /// (a file path) in errors.
    pub async fn stream(
        &self,
        origin: &str,
        sql: &str,
        params: ParamValues,
    ) -> Result<SendableRecordBatchStream, QueryError> {
        let df = self
            .ctx
            .sql_with_options(sql, read_only_options())
            .await
            .map_err(|e| sql_error(origin, e))?;
        let df = df
            .with_param_values(params)
            .map_err(|e| sql_error(origin, e))?;
        df.execute_stream().await.map_err(|e| sql_error(origin, e))
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
            out.push(batch.map_err(|e| sql_error(origin, e))?);
        }
        Ok(out)
    }
}

/// Turns an engine error into one naming the SQL's origin and, when the parser gives one,
/// the line.
pub fn sql_error(origin: &str, e: DataFusionError) -> QueryError {
    let message = e.strip_backtrace();
    let lower = message.to_ascii_lowercase();
    if lower.contains("not supported")
        && (lower.contains("ddl") || lower.contains("dml") || lower.contains("statement"))
    {
        return QueryError::ReadOnly {
            origin: origin.to_owned(),
            message,
        };
    }
    let line = message.find("Line: ").and_then(|i| {
        message[i + 6..]
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    });
    QueryError::Sql {
        origin: origin.to_owned(),
        line,
        message,
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
            .map_err(|e| sql_error("--as-of", e))?
            .into_view();
        let latest = ctx
            .deregister_table("trade_flows")
            .map_err(|e| sql_error("--as-of", e))?;
        if let Some(latest) = latest {
            ctx.register_table("trade_flows_latest", latest)
                .map_err(|e| sql_error("--as-of", e))?;
        }
        ctx.register_table("trade_flows", view)
            .map_err(|e| sql_error("--as-of", e))?;
        Ok(session)
    }
}
