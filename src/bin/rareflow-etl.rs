//! `rareflow-etl`: batch jobs over the raw releases.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use rareflow_etl::{Progress, RunOptions, RunSummary, run};

/// Turns raw customs releases into the rareflow Parquet warehouse.
#[derive(Debug, Parser)]
#[command(name = "rareflow-etl", version, about)]
struct Cli {
    /// What to do (default: `run` with its defaults).
    #[command(subcommand)]
    command: Option<Command>,
    /// Log level (error, warn, info, debug); also RUST_LOG.
    #[arg(long, global = true, default_value = "warn")]
    log: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load every raw release into a new warehouse snapshot and publish it atomically.
    Run {
        /// Folder of raw releases (gacc/export/, gacc/import/ ...).
        #[arg(long, default_value = "data/raw")]
        raw: PathBuf,
        /// Warehouse folder.
        #[arg(long, env = "RAREFLOW_WAREHOUSE", default_value = "warehouse")]
        warehouse: PathBuf,
        /// Wait for a run already writing this warehouse instead of stopping.
        #[arg(long)]
        wait: bool,
        /// Parse/normalize threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Do not draw a progress bar.
        #[arg(long)]
        quiet: bool,
        /// Re-read every raw file instead of reusing unchanged ones from the last snapshot.
        #[arg(long)]
        full: bool,
        /// Record new releases as loaded at this date (YYYY-MM-DD, UTC), for backfilling
        /// history; default now.
        #[arg(long, value_parser = parse_day)]
        loaded_at: Option<i64>,
    },
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn file(&self, name: &str) {
        self.0.set_message(name.to_owned());
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cli.log));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let command = cli.command.unwrap_or(Command::Run {
        raw: PathBuf::from("data/raw"),
        warehouse: std::env::var_os("RAREFLOW_WAREHOUSE")
            .map_or_else(|| PathBuf::from("warehouse"), PathBuf::from),
        wait: false,
        threads: None,
        quiet: false,
        full: false,
        loaded_at: None,
    });
    match command {
        Command::Run {
            raw,
            warehouse,
            wait,
            threads,
            quiet,
            full,
            loaded_at,
        } => {
            let mut options = RunOptions::new(raw, warehouse);
            options.wait = wait;
            options.full = full;
            options.loaded_at = loaded_at;
            if let Some(t) = threads {
                options.threads = t.max(1);
            }
            let bar = if quiet || !std::io::stderr().is_terminal() {
                ProgressBar::hidden()
            } else {
                ProgressBar::new(0).with_style(
                    ProgressStyle::with_template(
                        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                )
            };
            match run(&options, &Bar(bar)) {
                Ok(summary) => {
                    print_summary(&summary);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("rareflow-etl: error: {e}");
                    eprintln!("rareflow-etl: the warehouse was not changed");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `YYYY-MM-DD` to UTC microseconds at midnight.
fn parse_day(text: &str) -> Result<i64, String> {
    rareflow_normalize::period::parse_date(text)
        .map(|days| i64::from(days) * 86_400_000_000)
        .ok_or_else(|| format!("expected a date YYYY-MM-DD, got {text:?}"))
}

fn print_summary(summary: &RunSummary) {
    if !summary.published {
        println!(
            "nothing changed: {} files as in {}; the warehouse was not rewritten ({:.2}s)",
            summary.files.len(),
            summary.snapshot.display(),
            summary.elapsed.as_secs_f64()
        );
        return;
    }
    let width = summary
        .files
        .iter()
        .map(|f| f.file.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:width$}  {:>10}  {:>10}  {:>10}",
        "file", "read", "loaded", "rejected"
    );
    for f in &summary.files {
        let note = if f.unchanged {
            "  (unchanged, reused)"
        } else {
            ""
        };
        println!(
            "{:width$}  {:>10}  {:>10}  {:>10}{note}",
            f.file, f.rows_read, f.rows_loaded, f.rows_rejected
        );
    }
    let (read, loaded, rejected) = summary.totals();
    println!(
        "{} files, {read} rows read, {loaded} loaded, {rejected} rejected in {:.2}s",
        summary.files.len(),
        summary.elapsed.as_secs_f64()
    );
    println!("published {}", summary.snapshot.display());
}
