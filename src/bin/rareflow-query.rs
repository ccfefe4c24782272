//! `rareflow-query`: run saved SQL (or a one-off statement) against the warehouse.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rareflow::{Failure, Output, Request, print_error, run_and_print};
use rareflow_query::ballista::Engine;
use rareflow_query::params::{bind, check, parse_assignment, resolve_latest};
use rareflow_query::{AsOf, OutputFormat, ParamSpec, ParamType, Pin, QueryError, SavedQuery};

/// Exit codes, shown at the end of `--help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error (the warehouse cannot be opened, the SQL fails, a chart or the brief cannot be
     drawn, the output cannot be written)
  2  usage (unknown option or subcommand, bad or unknown --param or --month, unknown saved
     query or table, a --chart file that is neither .svg nor .png)

Examples:
  rareflow-query list
  rareflow-query run magnets_by_destination --param month=2025-11
  rareflow-query run magnets_by_destination --param month=latest
  rareflow-query sql \"SELECT * FROM trade_flows\" --max-rows 100
  rareflow-query describe trade_flows
  rareflow-query completions bash > ~/.local/share/bash-completion/completions/rareflow-query";

/// Answers questions about the rare-earth trade from the rareflow warehouse, read-only.
#[derive(Debug, Parser)]
#[command(name = "rareflow-query", version, about, after_help = EXIT_CODES)]
struct Cli {
    /// Warehouse folder, or s3://BUCKET/PREFIX (S3 client from the AWS_* variables).
    #[arg(
        long,
        global = true,
        env = "RAREFLOW_WAREHOUSE",
        default_value = "warehouse"
    )]
    warehouse: PathBuf,
    /// Show the figures as they stood: `YYYY-MM-DD` (what was loaded by the end of that day)
    /// or a release number (see `ingest_log.release_seq`). Default: the latest figures.
    #[arg(long, global = true, value_parser = AsOf::parse)]
    as_of: Option<AsOf>,
    /// Read the warehouse as the last run that finished by this time left it (RFC 3339,
    /// e.g. 2026-12-03T07:55:00Z; see `rareflow-etl history`). Default: the newest run.
    #[arg(long, global = true, value_parser = parse_instant, conflicts_with = "run")]
    at: Option<i64>,
    /// Read the warehouse as run N left it (see `rareflow-etl history`).
    #[arg(long, global = true, value_name = "N")]
    run: Option<i64>,
    /// Folder of saved queries.
    #[arg(long, global = true, env = "RAREFLOW_SQL_DIR", default_value = "sql")]
    sql_dir: PathBuf,
    /// Where queries run: `local` (DataFusion in this process) or `ballista` (an Apache
    /// DataFusion Ballista cluster; needs a build with `--features ballista`).
    #[arg(long, global = true, env = "RAREFLOW_ENGINE", default_value = "local",
          value_parser = engine_parser())]
    engine: Engine,
    /// The Ballista scheduler, `df://HOST:PORT`. Without it, `--engine ballista` starts a
    /// scheduler and two executors in this process (on loopback).
    #[arg(long, global = true, env = "RAREFLOW_SCHEDULER", value_name = "URL")]
    scheduler: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a saved query: a path (sql/x.sql) or a name from `list`.
    #[command(after_help = "\
Examples:
  rareflow-query run magnets_by_destination --param month=2025-11
  rareflow-query run magnets_by_destination --param month=latest
  rareflow-query run sql/magnets_total_monthly.sql -p from=2025-01 --format csv
  rareflow-query run unit_value_by_destination --format json --output uv.json
  rareflow-query --as-of 2025-12-31 run magnets_by_destination")]
    Run {
        /// The saved query.
        query: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run one SQL statement given on the command line.
    #[command(after_help = "\
Examples:
  rareflow-query sql \"SELECT partner, SUM(quantity_kg) FROM trade_flows WHERE year = 2025 GROUP BY 1\"
  rareflow-query sql 'SELECT * FROM trade_flows WHERE element = $e LIMIT 5' --param e=Dy
  rareflow-query sql \"SELECT * FROM trade_flows\" --max-rows 0 > all.txt
  rareflow-query sql \"SELECT * FROM trade_flows\" --format csv --output trade_flows.csv
  rareflow-query sql \"SELECT * FROM rejects\" --format parquet --output rejects.parquet")]
    Sql {
        /// The statement; `$name` placeholders take --param values as text.
        statement: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// List the saved queries by topic, with what each answers and its parameters.
    #[command(after_help = "Example:\n  rareflow-query list")]
    List,
    /// List the warehouse tables (as `describe` without a table).
    #[command(after_help = "Example:\n  rareflow-query tables")]
    Tables,
    /// Describe a table: its columns, types and what each holds; without TABLE, every table.
    #[command(after_help = "\
Examples:
  rareflow-query describe
  rareflow-query describe trade_flows")]
    Describe {
        /// The table (see `rareflow-query describe`).
        table: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "\
Examples:
  rareflow-query completions bash > ~/.local/share/bash-completion/completions/rareflow-query
  rareflow-query completions zsh > ~/.zfunc/_rareflow-query
  rareflow-query completions fish > ~/.config/fish/completions/rareflow-query.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Run a service of a Ballista cluster over the warehouse: `scheduler`, or `executor`
    /// (docs/cluster.md). Built with `--features ballista`.
    #[cfg(feature = "ballista")]
    Cluster {
        /// Which service.
        #[command(subcommand)]
        service: rareflow::cluster_cli::ClusterService,
    },
    /// Write the monthly brief: the month's figures from saved queries, with charts.
    Report {
        /// The month, YYYY-MM, or `latest`: the latest month with China Customs detail
        /// loaded. A month without that detail is an error naming the months loaded.
        #[arg(long, default_value = "latest")]
        month: String,
        /// html (one self-contained page, inline SVG charts) or md (for pasting into a note).
        #[arg(long, short = 'f', default_value = "html")]
        format: rareflow_present::ReportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct OutputArgs {
    /// A parameter, NAME=VALUE (repeatable); bound as a value, never pasted into the SQL.
    /// A month parameter also takes `latest`: the latest month for which China Customs
    /// detail is loaded.
    #[arg(long = "param", short = 'p', value_parser = parse_assignment)]
    params: Vec<(String, String)>,
    /// Output format. `table` shows the first rows (see --max-rows) and counts the rest;
    /// csv, json and parquet write every row, streamed.
    #[arg(long, short = 'f', default_value = "table", value_parser = format_parser())]
    format: OutputFormat,
    /// Rows the table format shows; the rest are counted, and the count under the table
    /// says how many were left out. Default: as many as fit in the terminal when standard output is
    /// one, else 40. 0 shows every row: that table is held whole in memory, as big as the
    /// result (use --format csv for big results).
    #[arg(long, value_name = "N")]
    max_rows: Option<usize>,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Also draw the result as a chart: FILE.svg or FILE.png (as the query's `-- chart:`
    /// header says, or from the column types).
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print_error("rareflow-query", &e, &mut std::io::stderr().lock());
            ExitCode::from(e.exit_code())
        }
    }
}

/// `--format`: one of the names of [`OutputFormat`], listed in `--help` and completions.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = OutputFormat> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(OutputFormat::ALL.map(OutputFormat::name))
        .try_map(|name| name.parse::<OutputFormat>())
}

/// `--engine`: `local` or `ballista`, listed in `--help` and completions.
fn engine_parser() -> impl clap::builder::TypedValueParser<Value = Engine> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Engine::ALL.map(Engine::name))
        .try_map(|name| name.parse::<Engine>())
}

/// Writes `text` to `path`, or to standard output.
fn write_out(path: Option<&std::path::Path>, text: &str) -> Result<(), QueryError> {
    let (target, result) = match path {
        Some(path) => (path.display().to_string(), std::fs::write(path, text)),
        None => (
            "standard output".to_owned(),
            std::io::stdout().lock().write_all(text.as_bytes()),
        ),
    };
    result.map_err(|source| QueryError::Output { target, source })
}

async fn execute(cli: Cli) -> Result<(), Failure> {
    let as_of = cli.as_of.unwrap_or(AsOf::Latest);
    // The warehouse on the chosen engine, for the commands that query it.
    let pin = match (cli.run, cli.at) {
        (Some(n), _) => Pin::Run(n),
        (None, Some(t)) => Pin::At(t),
        (None, None) => Pin::Newest,
    };
    let open = || {
        rareflow_query::ballista::open(
            cli.engine,
            cli.scheduler.as_deref(),
            &cli.warehouse,
            as_of,
            pin,
        )
    };
    match cli.command {
        Command::List => {
            let queries = SavedQuery::list(&cli.sql_dir)?;
            Ok(write_out(None, &SavedQuery::format_list(&queries))?)
        }
        Command::Describe { table: None } | Command::Tables => {
            let catalog = rareflow_query::Catalog::default();
            Ok(write_out(
                None,
                &rareflow_query::describe::format_tables(&catalog),
            )?)
        }
        Command::Describe { table: Some(table) } => {
            let session = open().await?;
            let columns = rareflow_query::describe::describe_table(&session, &table).await?;
            let about = rareflow_query::describe::table_description(session.catalog(), &table)
                .unwrap_or_default();
            let text = rareflow_query::describe::format_columns(&columns);
            Ok(write_out(None, &format!("{table}: {about}\n\n{text}"))?)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(
                shell,
                &mut command,
                "rareflow-query",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        #[cfg(feature = "ballista")]
        Command::Cluster { service } => {
            Ok(rareflow::cluster_cli::serve(service, &cli.warehouse).await?)
        }
        Command::Report {
            month,
            format,
            output,
        } => {
            let session = open().await?;
            let brief = rareflow_present::brief(&session, &cli.sql_dir, &month).await?;
            let text = brief.render(format)?;
            Ok(write_out(output.as_deref(), &text)?)
        }
        Command::Run { query, output } => {
            let saved = SavedQuery::resolve(&query, &cli.sql_dir)?;
            // Usage errors first; which month `latest` is, the warehouse says after.
            check(&saved.params, &output.params)?;
            let session = open().await?;
            let given = resolve_latest(&session, &saved.params, &output.params).await?;
            let params = bind(&saved.params, &given)?;
            let origin = saved.path.display().to_string();
            let request = Request {
                origin: &origin,
                sql: &saved.sql,
                params,
                title: &saved.name,
                note: chart_note(&given),
            };
            run_and_print(&session, request, &output.into()).await
        }
        Command::Sql { statement, output } => {
            // Ad-hoc SQL declares no parameters: each given one is bound as text.
            let specs: Vec<_> = output
                .params
                .iter()
                .map(|(name, _)| ParamSpec {
                    name: name.clone(),
                    ty: ParamType::Text,
                    default: None,
                    help: String::new(),
                })
                .collect();
            let params = bind(&specs, &output.params)?;
            let session = open().await?;
            let request = Request {
                origin: "<command line>",
                sql: &statement,
                params,
                title: "Query result",
                note: String::new(),
            };
            run_and_print(&session, request, &output.into()).await
        }
    }
}

impl From<OutputArgs> for Output {
    fn from(args: OutputArgs) -> Output {
        Output {
            format: args.format,
            file: args.output,
            chart: args.chart,
            max_rows: args.max_rows,
        }
    }
}

/// `key=value, ...`: the parameters given, added to a chart's title.
fn chart_note(params: &[(String, String)]) -> String {
    let given: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    given.join(", ")
}

/// RFC 3339 (`2026-12-03T07:55:00Z`) to UTC microseconds.
fn parse_instant(text: &str) -> Result<i64, String> {
    let t = humantime::parse_rfc3339_weak(text)
        .map_err(|e| format!("expected a time like 2026-12-03T07:55:00Z: {e}"))?;
    let since = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| format!("{text}: before 1970"))?;
    Ok(since.as_micros() as i64)
}
