//! `rareflow-etl`: batch jobs over the raw releases. A thin layer over `rareflow-etl` (the
//! library): arguments in `cli`, printing in `report`.

mod cli;
mod report;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use rareflow::{Failure, print_error};
use rareflow_etl::{EtlError, GateError, Hooks, RemoteTarget, RunOptions, exit, run, run_remote};
use rareflow_query::checks::{CheckOutcome, print_outcomes, run_checks};
use rareflow_query::{QueryError, QuerySession};
use rareflow_warehouse::remote::{RemoteWarehouse, S3Location, WarehouseLocation};

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
        Command::Sources => {
            for source in rareflow_normalize::Registry::default().iter() {
                println!("{:15} RAW/{}", source.name(), source.pattern());
            }
            exit::OK
        }
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
        options.gate = Some(Arc::new(move |staged: &Path| {
            let outcomes =
                checks_on(staged, &dir).map_err(|e| GateError::ChecksDidNotRun(Box::new(e)))?;
            let _ = print_outcomes(&outcomes, &mut std::io::stdout());
            let failed = outcomes.iter().filter(|o| !o.passed()).count();
            if strict && failed > 0 {
                return Err(GateError::ChecksFailed { failed });
            }
            Ok(())
        }));
    }
    let reporter = Reporter::new(args.quiet, log);
    let outcome = match WarehouseLocation::parse(&args.warehouse) {
        Ok(WarehouseLocation::Local(_)) => run(&options, &reporter),
        Ok(WarehouseLocation::S3(location)) => run_on_s3(&options, location, &reporter),
        Err(e) => {
            let failure = Failure::from(e);
            print_error("rareflow-etl", &failure, &mut std::io::stderr().lock());
            return failure.exit_code();
        }
    };
    match outcome {
        Ok(summary) => {
            print_summary(&summary);
            if summary.skipped().next().is_some() {
                exit::SKIPPED
            } else {
                exit::OK
            }
        }
        Err(e) => {
            let failure = Failure::from(e);
            print_error("rareflow-etl", &failure, &mut std::io::stderr().lock());
            eprintln!("rareflow-etl: the warehouse was not changed");
            failure.exit_code()
        }
    }
}

/// A run on `s3://bucket/prefix`: the S3 client from the `AWS_*` variables, the lock's
/// lifetime from `RAREFLOW_S3_LOCK_SECONDS` (default 300).
fn run_on_s3(
    options: &RunOptions,
    location: S3Location,
    reporter: &Reporter,
) -> Result<rareflow_etl::RunSummary, EtlError> {
    let mut target = RemoteTarget::new(RemoteWarehouse::from_env(location)?);
    if let Some(seconds) = std::env::var("RAREFLOW_S3_LOCK_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        target.lock_ttl = std::time::Duration::from_secs(seconds.max(1));
    }
    let done = run_remote(options, &target, reporter)?;
    if let Some(up) = done.upload {
        println!(
            "uploaded {} files ({} bytes); copied {} unchanged files ({} bytes) server-side",
            up.put, up.bytes_put, up.copied, up.bytes_copied
        );
    }
    Ok(done.run)
}

/// Runs the checks on a warehouse or snapshot folder.
fn checks_on(warehouse: &Path, dir: &Path) -> Result<Vec<CheckOutcome>, QueryError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| QueryError::Output {
            target: "the check runtime".into(),
            source,
        })?;
    runtime.block_on(async {
        let session = QuerySession::open(warehouse).await?;
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
