//! `rareflow-etl`: batch jobs over the raw releases. A thin layer over `rareflow-etl` (the
//! library): arguments in `cli`, printing in `report`.

mod cli;
mod fetch;
mod report;
mod upkeep;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use rareflow::{Failure, print_error};
use rareflow_etl::{GateError, Hooks, RunOptions, exit, run};
use rareflow_query::checks::{CheckOutcome, print_outcomes, run_checks};
use rareflow_query::{QueryError, QuerySession};
use rareflow_warehouse::delta::{DeltaWarehouse, PinnedRun};

use crate::cli::{CheckArgs, Cli, Command, LogFormat, RunArgs};
use crate::report::{Reporter, print_summary};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cli.log_level));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    let code = match cli
        .command
        .unwrap_or_else(|| Command::Run(RunArgs::defaults()))
    {
        Command::Run(args) => run_command(args, cli.log),
        Command::Check { target } => check_command(&target),
        Command::Fetch(args) => fetch::fetch_command(args),
        Command::Sources => {
            for source in rareflow_normalize::Registry::default().iter() {
                println!("{:15} RAW/{}", source.name(), source.pattern());
            }
            exit::OK
        }
        Command::History { warehouse } => upkeep::history(&warehouse),
        Command::Vacuum {
            warehouse,
            retain,
            dry_run,
            wait,
        } => upkeep::vacuum(&warehouse, retain, dry_run, wait),
        Command::Migrate { warehouse, wait } => upkeep::migrate(&warehouse, wait),
    };
    ExitCode::from(code)
}

/// glibc keeps what is freed at the top of its heaps for reuse, and raises that threshold
/// as a run frees large buffers: row groups of months interleaved in the input are opened
/// and closed all through a run, and a 10M-row run then held 550 MiB instead of 500 MiB.
/// Free memory beyond 32 MiB at the top of a heap goes back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_freed_memory() {
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_freed_memory() {}

fn run_command(args: RunArgs, log: LogFormat) -> u8 {
    return_freed_memory();
    let mut options = RunOptions::new(&args.raw, &args.warehouse);
    options.wait = args.wait;
    options.full = args.full;
    options.loaded_at = args.loaded_at;
    options.keep_going = args.keep_going;
    options.reference_dir = Some(args.reference.clone()).filter(|d| d.is_dir());
    if let Some(t) = args.threads {
        options.threads = t.max(1);
    }
    // Tuning and test hooks come from the environment here, never in the library.
    if let Some(bytes) = std::env::var("RAREFLOW_CHUNK_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.chunk_bytes = bytes;
    }
    let fail_at = std::env::var("RAREFLOW_FAIL_AT").ok();
    let pause_at = std::env::var("RAREFLOW_PAUSE_AT").ok();
    options.hooks = match Hooks::parse(fail_at.as_deref(), pause_at.as_deref()) {
        Ok(hooks) => hooks,
        Err(e) => {
            eprintln!("rareflow-etl: RAREFLOW_FAIL_AT / RAREFLOW_PAUSE_AT: {e}");
            return exit::USAGE;
        }
    };
    if args.check {
        let (dir, strict) = (args.checks_dir.clone(), args.strict);
        options.gate = Some(Arc::new(
            move |warehouse: &DeltaWarehouse, run: &PinnedRun| {
                let outcomes = checks_on_run(warehouse, run, &dir)
                    .map_err(|e| GateError::ChecksDidNotRun(Box::new(e)))?;
                let _ = print_outcomes(&outcomes, &mut std::io::stdout());
                let failed = outcomes.iter().filter(|o| !o.passed()).count();
                if strict && failed > 0 {
                    return Err(GateError::ChecksFailed { failed });
                }
                Ok(())
            },
        ));
    }
    let reporter = Reporter::new(args.quiet, log);
    if let Some(seconds) = std::env::var("RAREFLOW_S3_LOCK_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        options.lock_ttl = std::time::Duration::from_secs(seconds.max(1));
    }
    options.work_dir = std::env::var_os("RAREFLOW_WORK_DIR").map(Into::into);
    match run(&options, &reporter) {
        Ok(summary) => {
            print_summary(&summary);
            if summary.skipped().next().is_some() {
                exit::SKIPPED
            } else {
                exit::OK
            }
        }
        Err(e) => {
            let state = e.warehouse_state();
            let failure = Failure::from(e);
            print_error("rareflow-etl", &failure, &mut std::io::stderr().lock());
            if failure.exit_code() != exit::USAGE {
                eprintln!("rareflow-etl: {state}");
            }
            failure.exit_code()
        }
    }
}

fn check_runtime() -> Result<tokio::runtime::Runtime, QueryError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| QueryError::Output {
            target: "the check runtime".into(),
            source,
        })
}

/// Runs the checks on the newest run of a warehouse.
fn checks_on(warehouse: &Path, dir: &Path) -> Result<Vec<CheckOutcome>, QueryError> {
    check_runtime()?.block_on(async {
        let session = QuerySession::open(warehouse).await?;
        run_checks(&session, dir).await
    })
}

/// Runs the checks on a run before it is committed.
fn checks_on_run(
    warehouse: &DeltaWarehouse,
    run: &PinnedRun,
    dir: &Path,
) -> Result<Vec<CheckOutcome>, QueryError> {
    check_runtime()?.block_on(async {
        let session = QuerySession::over_run(warehouse, run).await?;
        run_checks(&session, dir).await
    })
}

fn check_command(target: &CheckArgs) -> u8 {
    let outcome = checks_on(&target.warehouse, &target.checks_dir)
        .map_err(Failure::from)
        .and_then(|outcomes| {
            let _ = print_outcomes(&outcomes, &mut std::io::stdout());
            let failed = outcomes.iter().filter(|o| !o.passed()).count();
            match failed {
                0 => Ok(()),
                failed => Err(Failure::ChecksFailed {
                    failed,
                    total: outcomes.len(),
                }),
            }
        });
    match outcome {
        Ok(()) => exit::OK,
        Err(failure @ Failure::ChecksFailed { .. }) => failure.exit_code(),
        Err(failure) => {
            print_error(
                "rareflow-etl check",
                &failure,
                &mut std::io::stderr().lock(),
            );
            failure.exit_code()
        }
    }
}
