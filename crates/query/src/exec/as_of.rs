//! As-of views: `trade_flows` as it stood at a date or a release, built from the current
//! and superseded figures; the current figures stay readable as `trade_flows_latest`.

use std::path::Path;

use super::session::QuerySession;
use crate::error::{QueryError, sql_error};

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
        let ctx = session.context();
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
