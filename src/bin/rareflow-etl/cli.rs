//! Arguments of `rareflow-etl`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  failed; readers see the warehouse as before the run
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
    /// Load new and changed raw releases and publish the changed files of every table as
    /// one run (readers see all of it or none).
    #[command(after_help = "\
Examples:
  rareflow-etl run                                   # data/raw into ./warehouse
  rareflow-etl run --raw ~/downloads/customs --warehouse /data/rareflow
  rareflow-etl run --keep-going                      # publish what reads, list what does not
  rareflow-etl run --check --strict                  # refuse to publish when a data check fails")]
    Run(RunArgs),
    /// Run the data checks (checks/*.sql) on the newest run.
    #[command(after_help = "Example:\n  rareflow-etl check --warehouse warehouse")]
    Check {
        #[command(flatten)]
        target: CheckArgs,
    },
    /// Download what is new from the official sources (US Census, UN Comtrade, Eurostat)
    /// into the raw folder, with provenance in RAW/fetch_log.csv; or file China Customs
    /// platform downloads with --import.
    #[command(after_help = "\
Examples:
  rareflow-etl fetch                                  # every source in fetch.toml
  rareflow-etl fetch census --since 2025-01           # one source, from a month
  rareflow-etl fetch --dry-run                        # what would be asked, nothing sent
  rareflow-etl fetch --base-url census=http://127.0.0.1:8080   # a mirror or a test server
  rareflow-etl fetch --import ~/Downloads/export_202511.csv --flow export
Keys: CENSUS_API_KEY, COMTRADE_API_KEY (Comtrade without a key uses the public preview).
Exit codes: 0 done (a month not released yet is not a failure), 1 failed, 2 bad usage,
4 some sources failed and others fetched.")]
    Fetch(FetchArgs),
    /// List the sources rareflow reads and where their files go under the raw folder.
    Sources,
    /// List the recorded runs: id, when it finished, files, the Delta version of each table.
    #[command(after_help = "Example:\n  rareflow-etl history --warehouse warehouse")]
    History {
        /// Warehouse folder, or s3://BUCKET/PREFIX (S3 client from the AWS_* variables).
        #[arg(long, env = "RAREFLOW_WAREHOUSE", default_value = "warehouse")]
        warehouse: PathBuf,
    },
    /// Delete the data files no table version within --retain names (never those of the
    /// newest run). Checkpoints are written every 10 commits of a table by `run`.
    #[command(after_help = "\
Examples:
  rareflow-etl vacuum --dry-run                # list what would go
  rareflow-etl vacuum --retain 0s              # keep only the newest run's files")]
    Vacuum {
        /// Warehouse folder, or s3://BUCKET/PREFIX (S3 client from the AWS_* variables).
        #[arg(long, env = "RAREFLOW_WAREHOUSE", default_value = "warehouse")]
        warehouse: PathBuf,
        /// Keep the files of versions replaced less than this long ago (7d, 12h, 0s):
        /// readers and `rareflow-query --at` within it still find them.
        #[arg(long, default_value = "7d", value_parser = humantime::parse_duration)]
        retain: std::time::Duration,
        /// List the files, delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Wait for a run already writing this warehouse instead of stopping.
        #[arg(long)]
        wait: bool,
    },
    /// Convert a warehouse in the snapshot layout of earlier rareflow versions (`current`,
    /// `snapshots/`) into Delta tables, in place, keeping every release and revision.
    #[command(after_help = "Example:\n  rareflow-etl migrate --warehouse /data/rareflow")]
    Migrate {
        /// Warehouse folder, or s3://BUCKET/PREFIX (S3 client from the AWS_* variables).
        #[arg(long, env = "RAREFLOW_WAREHOUSE", default_value = "warehouse")]
        warehouse: PathBuf,
        /// Wait for a run already writing this warehouse instead of stopping.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct FetchArgs {
    /// Sources to fetch (census, comtrade, comext, customs); default: all.
    pub(crate) sources: Vec<String>,
    /// Folder of raw releases to download into.
    #[arg(long, default_value = "data/raw")]
    pub(crate) raw: PathBuf,
    /// First month to fetch (YYYY-MM).
    #[arg(long)]
    pub(crate) since: Option<rareflow_fetch::YearMonth>,
    /// Last month to fetch (YYYY-MM).
    #[arg(long)]
    pub(crate) until: Option<rareflow_fetch::YearMonth>,
    /// What to fetch (default: ./fetch.toml if present, else the built-in defaults).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Say what would be asked; send nothing, write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Another base URL for a source: SOURCE=URL (repeatable).
    #[arg(long, value_name = "SOURCE=URL")]
    pub(crate) base_url: Vec<String>,
    /// China Customs platform downloads to file into the raw folder (not fetched: the
    /// platform is behind a CAPTCHA).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub(crate) import: Vec<PathBuf>,
    /// With --import: the flow (export, import) when the file name does not say it.
    #[arg(long, requires = "import")]
    pub(crate) flow: Option<rareflow_fetch::Flow>,
    /// With --import: the month (YYYY-MM) when neither the file nor its name says it.
    #[arg(long, requires = "import")]
    pub(crate) month: Option<rareflow_fetch::YearMonth>,
    /// With --import: where the file was downloaded from (kept in fetch_log.csv).
    #[arg(long, requires = "import")]
    pub(crate) source_url: Option<String>,
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
    /// Re-read every raw file instead of keeping the rows of unchanged ones.
    #[arg(long)]
    pub(crate) full: bool,
    /// Record new releases as loaded at this date (YYYY-MM-DD, UTC), for backfilling
    /// history; default now.
    #[arg(long, value_parser = parse_day)]
    pub(crate) loaded_at: Option<i64>,
    /// Skip files that cannot be read, publish the rest, list the skipped ones (exit 4).
    #[arg(long, short = 'k')]
    pub(crate) keep_going: bool,
    /// Run the data checks on the run before committing it, and print them.
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
