//! `rareflow-query cluster scheduler|executor` (built with the `ballista` feature): the
//! services of a Ballista cluster over the warehouse, each its own process. See
//! docs/cluster.md for running one scheduler and N executors.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rareflow_query::QueryError;
use rareflow_query::cluster::{ExecutorOptions, run_executor, run_scheduler};
use rareflow_warehouse::WarehouseLocation;

/// A service of the cluster.
#[derive(Debug, clap::Subcommand)]
pub enum ClusterService {
    /// Run the scheduler: clients connect with `--engine ballista --scheduler df://HOST:PORT`,
    /// executors with `--scheduler HOST:PORT`. Stops on SIGTERM.
    Scheduler {
        /// Address to listen on.
        #[arg(long, default_value = "0.0.0.0:50050")]
        bind: SocketAddr,
    },
    /// Run an executor for a scheduler. Stops on SIGTERM (or when the scheduler stops it).
    Executor {
        /// The scheduler, HOST:PORT.
        #[arg(long)]
        scheduler: String,
        /// Task slots: tasks run at once (default: the machine's cores).
        #[arg(long)]
        slots: Option<usize>,
        /// Folder for shuffle files (default: the system temp folder).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Address to bind and to give the scheduler and other executors.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port of the data service other executors fetch shuffle files from.
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// Port of the executor's gRPC service.
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
    },
}

/// Runs `service` over the warehouse at `warehouse` until it is stopped.
pub async fn serve(service: ClusterService, warehouse: &Path) -> Result<(), QueryError> {
    let location = WarehouseLocation::parse(warehouse)?;
    match service {
        ClusterService::Scheduler { bind } => run_scheduler(bind, &location).await,
        ClusterService::Executor {
            scheduler,
            slots,
            work_dir,
            host,
            port,
            grpc_port,
        } => {
            let slots = slots.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            });
            let options = ExecutorOptions {
                scheduler,
                host,
                port,
                grpc_port,
                slots,
                work_dir,
            };
            run_executor(&options, &location).await
        }
    }
}
