//! Arguments of `rareflow-etl`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  failed; the warehouse is unchanged
  2  bad usage
  3  another run holds the warehouse lock: retry later (or pass --wait)
  4  --keep-going: published, but some files were skipped (listed above)
  5  `check`: a data check failed";

/// Turns raw customs releases into the rareflow Parquet warehouse.
#[derive(Debug, Parser)]
#[command(name = "rareflow-etl", version, about, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    /// What to do (default: `run` with its defaults).
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    /// Log format on standard error: text for people, json (one object per line) for schedulers.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub(crate) log: LogFormat,
    /// Log level (error, warn, info, debug); also RUST_LOG.
    #[arg(long, global = true, default_value = "warn")]
    pub(crate) log_level: String,
}

/// How logs and per-file lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Text; a progress bar on a terminal, one line per file otherwise.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Load every raw release into a new warehouse snapshot and publish it atomically.
    #[command(after_help = "\
Examples:
  rareflow-etl run                                   # data/raw into ./warehouse
  rareflow-etl run --raw ~/downloads/customs --warehouse /data/rareflow
  rareflow-etl run --keep-going                      # publish what reads, list what does not
  rareflow-etl run --check --strict                  # refuse to publish when a data check fails")]
    Run(RunArgs),
    /// Run the data checks (checks/*.sql) on the published snapshot.
    #[command(after_help = "Example:\n  rareflow-etl check --warehouse warehouse")]
    Check {
        #[command(flatten)]
        target: CheckArgs,
    },
    /// List the sources rareflow reads and where their files go under the raw folder.
    Sources,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Warehouse folder, or s3://BUCKET/PREFIX (S3 client from the AWS_* variables).
    #[arg(long, env = "RAREFLOW_WAREHOUSE", default_value = "warehouse")]
    pub(crate) warehouse: PathBuf,
    /// Folder of data checks.
    #[arg(long, default_value = "checks")]
    pub(crate) checks_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Folder of raw releases (gacc/export/, comtrade/ ...; see `rareflow-etl sources`).
    #[arg(long, default_value = "data/raw")]
    pub(crate) raw: PathBuf,
    /// Warehouse folder, or s3://BUCKET/PREFIX (S3 client from the AWS_* variables).
    #[arg(long, env = "RAREFLOW_WAREHOUSE", default_value = "warehouse")]
    pub(crate) warehouse: PathBuf,
    /// Reference folder read at run time (fx_rates.csv); the compiled-in tables fill the rest.
    #[arg(long, default_value = "data/reference")]
    pub(crate) reference: PathBuf,
    /// Wait for a run already writing this warehouse instead of stopping.
    #[arg(long)]
    pub(crate) wait: bool,
    /// Parse/normalize threads (default: one per core).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Do not draw a progress bar or per-file lines.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Re-read every raw file instead of reusing unchanged ones from the last snapshot.
    #[arg(long)]
    pub(crate) full: bool,
    /// Record new releases as loaded at this date (YYYY-MM-DD, UTC), for backfilling
    /// history; default now.
    #[arg(long, value_parser = parse_day)]
    pub(crate) loaded_at: Option<i64>,
    /// Skip files that cannot be read, publish the rest, list the skipped ones (exit 4).
    #[arg(long, short = 'k')]
    pub(crate) keep_going: bool,
    /// Run the data checks on the new snapshot before publishing, and print them.
    #[arg(long)]
    pub(crate) check: bool,
    /// With --check: do not publish when a check fails.
    #[arg(long, requires = "check")]
    pub(crate) strict: bool,
    /// Folder of data checks.
    #[arg(long, default_value = "checks")]
    pub(crate) checks_dir: PathBuf,
}

impl RunArgs {
    /// `run` with no argument: clap's own defaults (and `RAREFLOW_WAREHOUSE`), so that
    /// `rareflow-etl` alone and `rareflow-etl run` cannot differ.
    pub(crate) fn defaults() -> RunArgs {
        use clap::{Args, FromArgMatches};
        let command = RunArgs::augment_args(clap::Command::new("run"));
        let matches = command.get_matches_from(["run"]);
        RunArgs::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// `YYYY-MM-DD` to UTC microseconds at midnight; impossible dates are refused.
fn parse_day(text: &str) -> Result<i64, String> {
    rareflow_normalize::period::parse_date(text)
        .map(|days| i64::from(days) * 86_400_000_000)
        .ok_or_else(|| format!("expected a real date YYYY-MM-DD, got {text:?}"))
}
