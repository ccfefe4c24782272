//! The Ballista services of a real cluster, from this repository: `rareflow-query cluster
//! scheduler` and `rareflow-query cluster executor`, each its own process (and machine).
//!
//! A session registers each table over `rareflow-run://N/`, a view of the warehouse that
//! lists exactly the files recorded run N pinned (see [`crate::delta_tables`]). The
//! scheduler lists those files when it plans, and the executors read them, so both resolve
//! `rareflow-run://N/` themselves: [`RunStores`] opens the same warehouse (a folder every
//! machine mounts, or `s3://` with the S3 client from the `AWS_*` variables) and pins run N
//! the first time a plan names it. Every other URL goes to DataFusion's default registry.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::common::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;
use object_store::ObjectStore;
use rareflow_warehouse::WarehouseLocation;
use rareflow_warehouse::delta::DeltaWarehouse;
use url::Url;

use crate::delta_tables::{Pin, pin_run};
use crate::error::QueryError;

/// The scheme of the pinned-run views sessions register their tables under.
const RUN_SCHEME: &str = "rareflow-run";

/// Object stores of a scheduler or executor process: `rareflow-run://N/` pinned from the
/// warehouse on first use (then kept), everything else as DataFusion registers it.
#[derive(Debug)]
pub struct RunStores {
    warehouse: DeltaWarehouse,
    shown: String,
    runs: Mutex<HashMap<i64, Arc<dyn ObjectStore>>>,
    others: DefaultObjectStoreRegistry,
}

impl RunStores {
    /// The stores for the warehouse at `location`.
    pub fn new(location: &WarehouseLocation) -> Result<RunStores, QueryError> {
        Ok(RunStores {
            warehouse: DeltaWarehouse::open(location)?,
            shown: match location {
                WarehouseLocation::Local(root) => root.display().to_string(),
                WarehouseLocation::S3(s3) => s3.url(),
            },
            runs: Mutex::new(HashMap::new()),
            others: DefaultObjectStoreRegistry::new(),
        })
    }

    /// The view of run `n`: pinned from the warehouse's log on a thread of its own, since
    /// [`ObjectStoreRegistry::get_store`] is not async and may be called on a runtime.
    fn pin(&self, n: i64) -> Result<Arc<dyn ObjectStore>, DataFusionError> {
        let pinned = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| DataFusionError::External(Box::new(e)))?;
                    rt.block_on(pin_run(&self.warehouse, &Pin::Run(n), &self.shown))
                        .map_err(DataFusionError::from)
                })
                .join()
                .map_err(|_| DataFusionError::Internal(format!("pinning run {n} panicked")))?
        })?;
        Ok(Arc::new(pinned.view(&self.warehouse)))
    }
}

impl ObjectStoreRegistry for RunStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.others.register_store(url, store)
    }

    fn get_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        if url.scheme() != RUN_SCHEME {
            return self.others.get_store(url);
        }
        let n: i64 = url.host_str().and_then(|h| h.parse().ok()).ok_or_else(|| {
            DataFusionError::Configuration(format!(
                "{url}: expected {RUN_SCHEME}://RUN_ID/ (a run of the warehouse)"
            ))
        })?;
        let mut runs = self
            .runs
            .lock()
            .map_err(|_| DataFusionError::Internal("run store cache poisoned".into()))?;
        if let Some(store) = runs.get(&n) {
            return Ok(Arc::clone(store));
        }
        let store = self.pin(n)?;
        runs.insert(n, Arc::clone(&store));
        Ok(store)
    }
}

/// A runtime whose object stores are `stores`.
fn runtime(stores: &Arc<RunStores>) -> datafusion::common::Result<Arc<RuntimeEnv>> {
    let registry: Arc<dyn ObjectStoreRegistry> = Arc::clone(stores) as _;
    Ok(Arc::new(
        RuntimeEnvBuilder::new()
            .with_object_store_registry(registry)
            .build()?,
    ))
}

/// Waits for SIGTERM or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs a scheduler on `bind` until SIGTERM or Ctrl-C. Sessions keep the settings their
/// client sends (rareflow's, see [`crate::ballista`]); their tables resolve through
/// [`RunStores`] over `warehouse`.
pub async fn run_scheduler(
    bind: SocketAddr,
    warehouse: &WarehouseLocation,
) -> Result<(), QueryError> {
    let stores = Arc::new(RunStores::new(warehouse)?);
    let for_sessions = Arc::clone(&stores);
    let session_builder = Arc::new(move |config: SessionConfig| {
        Ok(SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime(&for_sessions)?)
            .with_default_features()
            .with_physical_optimizer_rules(crate::cluster_plans::cluster_physical_rules())
            .build())
    });
    let config_producer = Arc::new(crate::ballista::ballista_config);
    let cluster = BallistaCluster::new_memory(bind.to_string(), session_builder, config_producer);
    let config = SchedulerConfig::default()
        .with_hostname(bind.ip().to_string())
        .with_port(bind.port());
    let failed = |e: &dyn std::fmt::Display| QueryError::Ballista {
        cluster: format!("scheduler {bind}"),
        message: e.to_string(),
    };
    tokio::select! {
        served = start_server(cluster, bind, Arc::new(config)) => served.map_err(|e| failed(&e)),
        _ = stop_signal() => {
            tracing::info!("scheduler {bind}: stop signal, shutting down");
            Ok(())
        }
    }
}

/// Where an executor runs and whom it serves.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler, `HOST:PORT`.
    pub scheduler: String,
    /// Address to bind and to announce to the scheduler.
    pub host: String,
    /// Port of the data (Arrow Flight) service other executors fetch shuffle files from.
    pub port: u16,
    /// Port of the executor's gRPC service.
    pub grpc_port: u16,
    /// Task slots (concurrent tasks).
    pub slots: usize,
    /// Folder for shuffle files; the system temp folder when `None`.
    pub work_dir: Option<PathBuf>,
}

/// Runs an executor for the scheduler of `options` until SIGTERM, Ctrl-C or a stop request
/// from the scheduler. Its tables resolve through [`RunStores`] over `warehouse`.
pub async fn run_executor(
    options: &ExecutorOptions,
    warehouse: &WarehouseLocation,
) -> Result<(), QueryError> {
    let usage = |why: &str| {
        QueryError::Usage(format!(
            "--scheduler {:?}: {why}; expected HOST:PORT (e.g. sched.internal:50050)",
            options.scheduler
        ))
    };
    let (host, port) = options
        .scheduler
        .rsplit_once(':')
        .ok_or_else(|| usage("no port"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| usage("the port is not a number"))?;
    if host.is_empty() {
        return Err(usage("no host"));
    }
    let stores = Arc::new(RunStores::new(warehouse)?);
    let config = ExecutorProcessConfig {
        bind_host: options.host.clone(),
        external_host: Some(options.host.clone()),
        port: options.port,
        grpc_port: options.grpc_port,
        scheduler_host: host.to_owned(),
        scheduler_port: port,
        vcores: options.slots.max(1),
        work_dir: options.work_dir.as_ref().map(|d| d.display().to_string()),
        override_runtime_producer: Some(Arc::new(move |_: &SessionConfig| runtime(&stores))),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| QueryError::Ballista {
            cluster: format!("executor of {}", options.scheduler),
            message: e.to_string(),
        })
}
