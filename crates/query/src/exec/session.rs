//! Sessions: one recorded run of a warehouse, resolved once when the session opens, registered in a
//! DataFusion context; SQL planned read-only with bound parameters.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use rareflow_warehouse::delta::{DeltaWarehouse, PinnedRun};
use rareflow_warehouse::{WarehouseError, WarehouseLocation};

use super::guard::{read_only_options, refuse_writes};
use crate::catalog::Catalog;
use crate::cte::plan_sharing_ctes;
use crate::delta_tables::{Pin, pin_run, register_pinned};
use crate::error::QueryError;
use crate::error::sql_error;

/// Where a session's plans run. CTEs read more than once are computed first into this
/// process's memory (`cte.rs`), which only a plan run here can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// In this process (DataFusion): shared CTEs are computed once.
    Here,
    /// On a cluster (Ballista): every CTE stays inline in the plan sent there.
    OnCluster,
}

/// What a session reads, resolved once at open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Reading {
    /// `WAREHOUSE-URL (run N)`.
    label: String,
    /// The run's data files, when they are on this machine (to name a damaged one).
    local_files: Vec<PathBuf>,
}

/// A session over one recorded run of a warehouse, resolved once at open: every query of
/// the session sees the same tables at the same versions, even while a run publishes.
pub struct QuerySession {
    ctx: Arc<SessionContext>,
    reading: Arc<Reading>,
    runs: Runs,
    /// The tables the session registered, with their descriptions.
    catalog: Arc<Catalog>,
}

impl QuerySession {
    /// Opens the warehouse at `root` (a folder, or `s3://bucket/prefix` with the S3 client
    /// configured from the `AWS_*` variables; any other URL scheme is refused) as its
    /// newest run left it, on a new context whose plans run here.
    pub async fn open(root: &Path) -> Result<QuerySession, QueryError> {
        QuerySession::open_with(root, Catalog::default()).await
    }

    /// As [`QuerySession::open`], registering the tables of `catalog` (the sources of
    /// another registry).
    pub async fn open_with(root: &Path, catalog: Catalog) -> Result<QuerySession, QueryError> {
        let ctx = SessionContext::new_with_config(crate::catalog::session_config());
        let location = WarehouseLocation::parse(root)?;
        QuerySession::pinned(ctx, location, Runs::Here, catalog, Pin::Newest).await
    }

    /// Opens the warehouse at `root` as `pin` says (`--run N`, `--at TIME`).
    pub async fn open_pinned(root: &Path, pin: Pin) -> Result<QuerySession, QueryError> {
        let ctx = SessionContext::new_with_config(crate::catalog::session_config());
        let location = WarehouseLocation::parse(root)?;
        QuerySession::pinned(ctx, location, Runs::Here, Catalog::default(), pin).await
    }

    /// Opens the warehouse at `root` on a ready context whose plans run on a cluster (see
    /// [`crate::ballista`]): the newest run's tables are registered in `ctx`.
    pub async fn with_context(
        ctx: SessionContext,
        root: &Path,
    ) -> Result<QuerySession, QueryError> {
        QuerySession::at(ctx, WarehouseLocation::parse(root)?, Runs::OnCluster).await
    }

    /// The newest run of `location` registered in `ctx`, CTEs shared as `runs` allows.
    pub async fn at(
        ctx: SessionContext,
        location: WarehouseLocation,
        runs: Runs,
    ) -> Result<QuerySession, QueryError> {
        QuerySession::pinned(ctx, location, runs, Catalog::default(), Pin::Newest).await
    }

    /// As [`QuerySession::at`], with the tables of `catalog`.
    pub async fn at_with(
        ctx: SessionContext,
        location: WarehouseLocation,
        runs: Runs,
        catalog: Catalog,
    ) -> Result<QuerySession, QueryError> {
        QuerySession::pinned(ctx, location, runs, catalog, Pin::Newest).await
    }

    /// The one way every constructor opens a session: the run of `location` that `pin`
    /// names, each table registered in `ctx` at that run's version. The store is chosen by
    /// the location's URL scheme (as delta-rs's `ObjectStoreFactory` is).
    pub async fn pinned(
        ctx: SessionContext,
        location: WarehouseLocation,
        runs: Runs,
        catalog: Catalog,
        pin: Pin,
    ) -> Result<QuerySession, QueryError> {
        let shown = match &location {
            WarehouseLocation::Local(p) => p.display().to_string(),
            WarehouseLocation::S3(s3) => s3.url(),
        };
        if let WarehouseLocation::Local(p) = &location
            && !p.is_dir()
        {
            return Err(WarehouseError::NotAWarehouse { path: p.clone() }.into());
        }
        let warehouse = DeltaWarehouse::open(&location)?;
        if warehouse.has_snapshot_layout().await? {
            return Err(WarehouseError::SnapshotLayout { url: shown }.into());
        }
        let run = pin_run(&warehouse, &pin, &shown).await?;
        let label = format!("{shown} (run {})", run.record.run_id);
        QuerySession::from_run(ctx, &warehouse, &run, runs, catalog, label).await
    }

    /// A session over `run` of `warehouse` as given: a run not committed yet (the checks
    /// a run makes before committing), on a new context whose plans run here.
    pub async fn over_run(
        warehouse: &DeltaWarehouse,
        run: &PinnedRun,
    ) -> Result<QuerySession, QueryError> {
        let ctx = SessionContext::new_with_config(crate::catalog::session_config());
        let label = format!(
            "{} (run {}, not committed)",
            warehouse.root(),
            run.record.run_id
        );
        QuerySession::from_run(ctx, warehouse, run, Runs::Here, Catalog::default(), label).await
    }

    async fn from_run(
        ctx: SessionContext,
        warehouse: &DeltaWarehouse,
        run: &PinnedRun,
        runs: Runs,
        catalog: Catalog,
        label: String,
    ) -> Result<QuerySession, QueryError> {
        register_pinned(&ctx, warehouse, run, &catalog).await?;
        let local_files = match warehouse.local_root() {
            Some(root) => run
                .store_paths()
                .map(|(p, _)| root.join(p.as_ref()))
                .collect(),
            None => Vec::new(),
        };
        Ok(QuerySession {
            ctx: Arc::new(ctx),
            reading: Arc::new(Reading { label, local_files }),
            runs,
            catalog: Arc::new(catalog),
        })
    }

    /// A session over tables already registered in `ctx` (tests, in-memory tables).
    pub fn over_context(ctx: SessionContext, runs: Runs) -> QuerySession {
        QuerySession {
            ctx: Arc::new(ctx),
            reading: Arc::default(),
            runs,
            catalog: Arc::new(Catalog::default()),
        }
    }

    /// Where this session's plans run, which decides whether CTEs read twice are shared.
    pub fn runs(&self) -> Runs {
        self.runs
    }

    /// The tables this session registers, with their descriptions.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// What this session reads: the warehouse and its run (`WAREHOUSE (run N)`).
    pub fn reading(&self) -> &str {
        &self.reading.label
    }

    /// An engine error while running the SQL of `origin`: a damaged file of a local
    /// warehouse is named ([`QueryError::Damaged`]), any other error is [`sql_error`]'s.
    pub(crate) fn engine_error(&self, origin: &str, e: DataFusionError) -> QueryError {
        if reads_data(&e)
            && let Some((file, source)) = super::damaged::first_damaged(&self.reading.local_files)
        {
            return QueryError::Damaged {
                origin: origin.to_owned(),
                file,
                source,
            };
        }
        sql_error(origin, e, &self.table_names())
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
        let err = |e| self.engine_error(origin, e);
        let (plan, _shared) = if self.runs == Runs::Here {
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
        let stream = df.execute_stream().await.map_err(err)?;
        // Errors while the rows stream name the SQL (and a damaged file) too; the stream
        // carries them as the engine's `External`, which `QueryError::from` unwraps.
        let schema = stream.schema();
        let session = self.clone_handle();
        let origin = origin.to_owned();
        let stream = futures::StreamExt::map(stream, move |batch| {
            batch.map_err(|e| match e {
                DataFusionError::External(_) => e,
                e => DataFusionError::External(Box::new(session.engine_error(&origin, e))),
            })
        });
        Ok(Box::pin(
            datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(schema, stream),
        ))
    }

    /// Another handle on the same context and snapshot.
    fn clone_handle(&self) -> QuerySession {
        QuerySession {
            ctx: Arc::clone(&self.ctx),
            reading: Arc::clone(&self.reading),
            runs: self.runs,
            catalog: Arc::clone(&self.catalog),
        }
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
            out.push(batch.map_err(QueryError::from)?);
        }
        Ok(out)
    }
}

impl QuerySession {
    /// As [`QuerySession::collect`], as a [`crate::table::Table`] (which keeps the result's columns even
    /// when it has no row).
    pub async fn collect_table(
        &self,
        origin: &str,
        sql: &str,
        params: ParamValues,
    ) -> Result<crate::table::Table, QueryError> {
        use futures::StreamExt;
        let mut stream = self.stream(origin, sql, params).await?;
        let schema = stream.schema();
        let mut batches = Vec::new();
        while let Some(batch) = stream.next().await {
            batches.push(batch.map_err(QueryError::from)?);
        }
        Ok(crate::table::Table::with_schema(&schema, &batches))
    }
}

impl QuerySession {
    /// The months for which China Customs detail (`trade_flows` rows of source `gacc`) is
    /// loaded, in order, as the days since 1970-01-01 of their first days: the months a
    /// brief can be about.
    pub async fn detail_months(&self) -> Result<Vec<i32>, QueryError> {
        let table = self
            .collect_table(
                "China Customs months",
                "SELECT DISTINCT period FROM trade_flows WHERE source = 'gacc' ORDER BY period",
                ParamValues::List(Vec::new()),
            )
            .await?;
        Ok(table
            .rows
            .iter()
            .filter_map(|row| row.first()?.date())
            .collect())
    }

    /// The last of [`QuerySession::detail_months`]; `None` when none is loaded. What
    /// `latest` means for a month parameter and for the brief.
    pub async fn latest_detail_month(&self) -> Result<Option<i32>, QueryError> {
        Ok(self.detail_months().await?.last().copied())
    }
}

/// Whether an engine error comes from reading data (Parquet or Arrow decoding), the only
/// errors a damaged file can cause.
fn reads_data(e: &DataFusionError) -> bool {
    matches!(
        e.find_root(),
        DataFusionError::ParquetError(_) | DataFusionError::ArrowError(..)
    )
}
