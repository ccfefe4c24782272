//! Saved SQL on an Apache DataFusion Ballista cluster.
//!
//! The same tables, the same read-only checks and the same bound parameters as the local
//! engine; only where the plan runs changes. A session either connects to a running
//! scheduler (`df://HOST:50050`, see docs/cluster.md) or starts a standalone cluster in this
//! process: a scheduler and [`STANDALONE_EXECUTORS`] executors on loopback, so that anyone can
//! try it on one machine.
//!
//! Ballista turns DataFusion's default features back on, so it is built only with the cargo
//! feature `ballista` (`cargo build --release --features ballista`); without it,
//! [`Engine::Ballista`] is refused with an error naming the feature.

use std::path::Path;

use crate::delta_tables::Pin;
use crate::error::QueryError;
use crate::exec::{AsOf, QuerySession};

/// The build command that includes Ballista, named in errors.
pub const BUILD_WITH_BALLISTA: &str = "cargo build --release --features ballista";

/// Executors of the in-process standalone cluster.
pub const STANDALONE_EXECUTORS: usize = 2;

/// Where queries run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// DataFusion in this process (the default).
    #[default]
    Local,
    /// An Apache DataFusion Ballista cluster.
    Ballista,
}

impl Engine {
    /// Every engine, in the order `--help` lists them.
    pub const ALL: [Engine; 2] = [Engine::Local, Engine::Ballista];

    /// The engine's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Local => "local",
            Engine::Ballista => "ballista",
        }
    }

    /// Whether this build can run queries on the engine.
    pub fn available(self) -> bool {
        match self {
            Engine::Local => true,
            Engine::Ballista => cfg!(feature = "ballista"),
        }
    }
}

impl std::str::FromStr for Engine {
    type Err = String;

    fn from_str(text: &str) -> Result<Engine, String> {
        Engine::ALL
            .into_iter()
            .find(|e| e.name() == text)
            .ok_or_else(|| format!("unknown engine {text:?}: expected local or ballista"))
    }
}

/// Opens the warehouse at `root` showing the figures `as_of`, with queries running on
/// `engine`. `scheduler` (`df://HOST:PORT`) is the Ballista scheduler to connect to; without
/// it, Ballista runs as an in-process standalone cluster. A scheduler given with the local
/// engine, or Ballista in a build without the feature, is a usage error.
///
/// `pin` picks the recorded run read (the newest, `--run N`, `--at TIME`).
pub async fn open(
    engine: Engine,
    scheduler: Option<&str>,
    root: &Path,
    as_of: AsOf,
    pin: Pin,
) -> Result<QuerySession, QueryError> {
    match engine {
        Engine::Local => match scheduler {
            Some(url) => Err(QueryError::Usage(format!(
                "--scheduler {url} is for --engine ballista; the local engine has no scheduler"
            ))),
            None => {
                QuerySession::open_pinned(root, pin)
                    .await?
                    .showing(as_of)
                    .await
            }
        },
        Engine::Ballista => open_on_ballista(scheduler, root, as_of, pin).await,
    }
}

#[cfg(not(feature = "ballista"))]
async fn open_on_ballista(
    _scheduler: Option<&str>,
    _root: &Path,
    _as_of: AsOf,
    _pin: Pin,
) -> Result<QuerySession, QueryError> {
    Err(QueryError::Usage(format!(
        "--engine ballista: this rareflow-query was built without the `ballista` feature; \
         build it with `{BUILD_WITH_BALLISTA}`"
    )))
}

#[cfg(feature = "ballista")]
async fn open_on_ballista(
    scheduler: Option<&str>,
    root: &Path,
    as_of: AsOf,
    pin: Pin,
) -> Result<QuerySession, QueryError> {
    let ctx = match scheduler {
        Some(url) => cluster::remote(url).await?,
        None => cluster::standalone(STANDALONE_EXECUTORS).await?,
    };
    let name = scheduler.unwrap_or(cluster::STANDALONE).to_owned();
    let location = rareflow_warehouse::WarehouseLocation::parse(root)?;
    let session = QuerySession::pinned(
        ctx,
        location,
        crate::exec::session::Runs::OnCluster,
        crate::Catalog::default(),
        pin,
    )
    .await?;
    if as_of != AsOf::Latest {
        // The as-of view is a DataFrame view (a table provider that only exists in this
        // process); Ballista serialises the plan for its scheduler and cannot send it.
        return Err(QueryError::Ballista {
            cluster: name,
            message: "--as-of is not available on Ballista: the as-of view of trade_flows \
                      cannot be sent to the scheduler; run it with --engine local"
                .into(),
        });
    }
    Ok(session)
}

#[cfg(feature = "ballista")]
pub(crate) use cluster::ballista_config;
#[cfg(feature = "ballista")]
pub use cluster::{remote, standalone};

#[cfg(feature = "ballista")]
mod cluster {
    use std::time::Duration;

    use ::ballista::prelude::{SessionConfigExt, SessionContextExt};
    use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
    use datafusion::execution::SessionStateBuilder;
    use datafusion::execution::session_state::SessionState;
    use datafusion::prelude::SessionContext;

    use crate::catalog::session_config;
    use crate::error::QueryError;

    /// How the in-process cluster is named in errors.
    pub(super) const STANDALONE: &str = "standalone";

    /// How long to wait for a scheduler to answer.
    const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// rareflow's session settings (Parquet pruning and filter pushdown), prepared for
    /// Ballista: the client, the scheduler and the executors all plan with them.
    fn ballista_state() -> SessionState {
        // The local engine's settings. A window whose PARTITION BY column is pinned by an
        // equality filter fails on Ballista 55 ("Expects PARTITION BY expression to be
        // ordered"): saved queries pick the latest release with NOT EXISTS instead
        // (headline_monthly, docs/cluster.md).
        // Adaptive planning is off: with it, Ballista 55 never finishes a query in which a
        // stage has no rows (a mirror query over a warehouse without US data spun for
        // minutes); the static planner answers such queries at once.
        SessionStateBuilder::new()
            .with_config(ballista_config())
            .with_default_features()
            .with_physical_optimizer_rules(crate::cluster_plans::cluster_physical_rules())
            .build()
    }

    /// rareflow's session settings for Ballista (see [`ballista_state`]).
    pub(crate) fn ballista_config() -> datafusion::prelude::SessionConfig {
        // Ballista turns hash joins off (sort-merge joins spill; hash joins do not), so a
        // 10M-row side joined to a five-row list was shuffled and sorted whole (6x the local
        // time). With hash joins the small side is broadcast; Ballista's planner demotes a
        // broadcast join that answers for build-side rows (LEFT, ANTI, ...) to a partitioned
        // one, which keeps them right on many executors (tests/it/ballista.rs checks
        // headline_monthly's NOT EXISTS). Build sides are dimension tables and filtered
        // slices here (docs/cluster.md, sizing).
        session_config()
            .upgrade_for_ballista()
            .with_ballista_adaptive_query_planner(false)
            .set_bool("datafusion.optimizer.prefer_hash_join", true)
    }

    /// `df://HOST[:PORT]` as the scheduler's gRPC address `http://HOST:PORT` (port 50050
    /// when none is given).
    fn grpc_address(url: &str) -> Result<String, QueryError> {
        let bad = |why: &str| {
            QueryError::Usage(format!(
                "--scheduler {url:?}: {why}; expected df://HOST:PORT (e.g. df://localhost:50050)"
            ))
        };
        let rest = url
            .strip_prefix("df://")
            .ok_or_else(|| bad("the scheme is not df://"))?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            return Err(bad("no host, or a path after it"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| bad("the port is not a number"))?,
            ),
            None => (authority, 50050),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(format!("http://{host}:{port}"))
    }

    /// Connects to the scheduler at `address`, waiting at most [`CONNECT_TIMEOUT`].
    async fn connect(
        cluster: &str,
        address: &str,
    ) -> Result<SchedulerGrpcClient<tonic::transport::Channel>, QueryError> {
        let unreachable = |why: String| QueryError::Ballista {
            cluster: cluster.to_owned(),
            message: format!(
                "cannot reach the scheduler at {address}: {why} (is ballista-scheduler \
                 running there? see docs/cluster.md)"
            ),
        };
        let attempt = async {
            loop {
                match SchedulerGrpcClient::connect(address.to_owned()).await {
                    Ok(client) => return Ok(client),
                    Err(e) if cluster != STANDALONE => return Err(e.to_string()),
                    // The in-process scheduler may still be starting.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(why)) => Err(unreachable(why)),
            Err(_) => Err(unreachable(format!(
                "no answer in {} s",
                CONNECT_TIMEOUT.as_secs()
            ))),
        }
    }

    /// A context whose queries run on the Ballista scheduler at `url` (`df://HOST:PORT`).
    /// The scheduler is asked once here, so that an unreachable one is an error now rather
    /// than at the first query.
    pub async fn remote(url: &str) -> Result<SessionContext, QueryError> {
        let address = grpc_address(url)?;
        connect(url, &address).await?;
        SessionContext::remote_with_state(url, ballista_state())
            .await
            .map_err(|e| QueryError::Ballista {
                cluster: url.to_owned(),
                message: e.strip_backtrace(),
            })
    }

    /// Starts a Ballista scheduler and `executors` executors in this process, on loopback
    /// with ports the system chooses, and returns a context whose queries run on them. The
    /// cores are shared out between the executors (at least one task slot each). The
    /// cluster runs on the current tokio runtime and stops with it.
    pub async fn standalone(executors: usize) -> Result<SessionContext, QueryError> {
        let failed = |what: &str, e: &dyn std::fmt::Display| QueryError::Ballista {
            cluster: STANDALONE.to_owned(),
            message: format!("{what}: {e}"),
        };
        let state = ballista_state();
        let addr = ballista_scheduler::standalone::new_standalone_scheduler_from_state(&state)
            .await
            .map_err(|e| failed("starting the scheduler", &e))?;
        let address = format!("http://localhost:{}", addr.port());
        let client = connect(STANDALONE, &address).await?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let slots = (cores / executors.max(1)).max(1);
        for _ in 0..executors.max(1) {
            ballista_executor::new_standalone_executor_from_state(client.clone(), slots, &state)
                .await
                .map_err(|e| failed("starting an executor", &e))?;
        }
        SessionContext::remote_with_state(&format!("df://localhost:{}", addr.port()), state)
            .await
            .map_err(|e| failed("connecting to the scheduler", &e.strip_backtrace()))
    }

    #[cfg(test)]
    mod tests {
        use super::grpc_address;

        #[test]
        fn scheduler_urls_become_grpc_addresses() {
            assert_eq!(
                grpc_address("df://sched.example:50051").unwrap(),
                "http://sched.example:50051"
            );
            assert_eq!(
                grpc_address("df://10.0.0.5/").unwrap(),
                "http://10.0.0.5:50050"
            );
            for bad in ["http://x:50050", "df://", "df://x:port", "df://x:1/path"] {
                let err = grpc_address(bad).unwrap_err().to_string();
                assert!(err.contains("expected df://HOST:PORT"), "{bad}: {err}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_parse_by_name() {
        assert_eq!("local".parse::<Engine>(), Ok(Engine::Local));
        assert_eq!("ballista".parse::<Engine>(), Ok(Engine::Ballista));
        assert!(
            "spark"
                .parse::<Engine>()
                .unwrap_err()
                .contains("local or ballista")
        );
        assert!(Engine::Local.available());
        assert_eq!(Engine::Ballista.available(), cfg!(feature = "ballista"));
    }

    #[tokio::test]
    async fn a_scheduler_without_ballista_is_a_usage_error() {
        let Err(err) = open(
            Engine::Local,
            Some("df://localhost:50050"),
            Path::new("/nonexistent"),
            AsOf::Latest,
            Pin::Newest,
        )
        .await
        else {
            panic!("--scheduler was accepted with the local engine");
        };
        assert!(err.is_usage(), "{err}");
        assert!(err.to_string().contains("--engine ballista"), "{err}");
    }

    #[cfg(not(feature = "ballista"))]
    #[tokio::test]
    async fn ballista_without_the_feature_names_the_feature_and_the_build_command() {
        let Err(err) = open(
            Engine::Ballista,
            None,
            Path::new("/nonexistent"),
            AsOf::Latest,
            Pin::Newest,
        )
        .await
        else {
            panic!("--engine ballista ran without the feature");
        };
        assert!(err.is_usage(), "{err}");
        let text = err.to_string();
        assert!(text.contains("`ballista` feature"), "{text}");
        assert!(text.contains(BUILD_WITH_BALLISTA), "{text}");
    }
}
