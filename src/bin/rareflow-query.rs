//! `rareflow-query`: run saved SQL (or a one-off statement) against the warehouse.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rareflow_query::ballista::Engine;
use rareflow_query::params::{bind, parse_assignment};
use rareflow_query::print::write_stream;
use rareflow_query::{AsOf, OutputFormat, QueryError, SavedQuery};

/// Exit codes, shown at the end of `--help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error (the warehouse cannot be opened, the SQL fails, the output cannot be written)
  2  usage (unknown option or subcommand, bad or unknown --param, unknown saved query or table)

Examples:
  rareflow-query list
  rareflow-query run magnets_by_destination --param month=2025-11
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
    /// Write the monthly brief: the month's figures from saved queries, with charts.
    Report {
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// html (one self-contained page, inline SVG charts) or md (for pasting into a note).
        #[arg(long, short = 'f', default_value = "html")]
        format: rareflow_query::report::ReportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct OutputArgs {
    /// A parameter, NAME=VALUE (repeatable); bound as a value, never pasted into the SQL.
    #[arg(long = "param", short = 'p', value_parser = parse_assignment)]
    params: Vec<(String, String)>,
    /// Output format.
    #[arg(long, short = 'f', default_value = "table", value_parser = format_parser())]
    format: OutputFormat,
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
            eprintln!("rareflow-query: error: {e}");
            if e.is_usage() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
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

fn stdout_err(source: std::io::Error) -> QueryError {
    QueryError::Output {
        target: "standard output".into(),
        source,
    }
}

async fn execute(cli: Cli) -> Result<(), QueryError> {
    let as_of = cli.as_of.unwrap_or(AsOf::Latest);
    // The warehouse on the chosen engine, for the commands that query it.
    let open = || {
        rareflow_query::ballista::open(cli.engine, cli.scheduler.as_deref(), &cli.warehouse, as_of)
    };
    match cli.command {
        Command::List => {
            let queries = SavedQuery::list(&cli.sql_dir)?;
            let width = queries.iter().map(|q| q.name.len()).max().unwrap_or(0);
            let mut out = std::io::stdout().lock();
            for (i, (topic, members)) in SavedQuery::by_topic(&queries).into_iter().enumerate() {
                let gap = if i == 0 { "" } else { "\n" };
                writeln!(out, "{gap}{topic}:").map_err(stdout_err)?;
                for q in members {
                    let params: Vec<String> = q
                        .params
                        .iter()
                        .map(|p| match &p.default {
                            Some(d) => format!("{}={d}", p.name),
                            None => p.name.clone(),
                        })
                        .collect();
                    let params = if params.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", params.join(", "))
                    };
                    writeln!(out, "  {:width$}  {}{params}", q.name, q.description)
                        .map_err(stdout_err)?;
                }
            }
            Ok(())
        }
        Command::Describe { table: None } | Command::Tables => std::io::stdout()
            .lock()
            .write_all(
                rareflow_query::describe::format_tables(&rareflow_query::Catalog::default())
                    .as_bytes(),
            )
            .map_err(stdout_err),
        Command::Describe { table: Some(table) } => {
            let session = open().await?;
            let columns = rareflow_query::describe::describe_table(&session, &table).await?;
            let about = rareflow_query::describe::table_description(session.catalog(), &table)
                .unwrap_or_default();
            let text = rareflow_query::describe::format_columns(&columns);
            write!(std::io::stdout().lock(), "{table}: {about}\n\n{text}").map_err(stdout_err)
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
        Command::Report {
            month,
            format,
            output,
        } => {
            let session = open().await?;
            let brief = rareflow_query::report::brief(&session, &cli.sql_dir, &month).await?;
            let text = brief.render(format)?;
            match output {
                Some(path) => std::fs::write(&path, text).map_err(|source| QueryError::Output {
                    target: path.display().to_string(),
                    source,
                }),
                None => std::io::stdout()
                    .lock()
                    .write_all(text.as_bytes())
                    .map_err(|source| QueryError::Output {
                        target: "standard output".into(),
                        source,
                    }),
            }
        }
        Command::Run { query, output } => {
            let saved = SavedQuery::resolve(&query, &cli.sql_dir)?;
            let params = bind(&saved.params, &output.params)?;
            let session = open().await?;
            let origin = saved.path.display().to_string();
            let stream = session.stream(&origin, &saved.sql, params).await?;
            let stream = match &output.chart {
                Some(path) => {
                    let note = chart_note(&output.params);
                    rareflow_query::chart::draw_then_replay(
                        &session,
                        &saved.sql,
                        &saved.name,
                        &note,
                        stream,
                        path,
                    )
                    .await?
                }
                None => stream,
            };
            emit(stream, &output).await
        }
        Command::Sql { statement, output } => {
            let specs: Vec<_> = output
                .params
                .iter()
                .map(|(name, _)| rareflow_query::ParamSpec {
                    name: name.clone(),
                    ty: rareflow_query::ParamType::Text,
                    default: None,
                    help: String::new(),
                })
                .collect();
            let params = bind(&specs, &output.params)?;
            let session = open().await?;
            let stream = session.stream("<command line>", &statement, params).await?;
            let stream = match &output.chart {
                Some(path) => {
                    rareflow_query::chart::draw_then_replay(
                        &session,
                        "",
                        "Query result",
                        "",
                        stream,
                        path,
                    )
                    .await?
                }
                None => stream,
            };
            emit(stream, &output).await
        }
    }
}

/// `key=value, ...`: the parameters given, added to a chart's title.
fn chart_note(params: &[(String, String)]) -> String {
    let given: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    given.join(", ")
}

async fn emit(
    stream: datafusion::execution::SendableRecordBatchStream,
    output: &OutputArgs,
) -> Result<(), QueryError> {
    let (sink, target): (Box<dyn Write + Send>, String) = match &output.output {
        Some(path) => {
            let target = path.display().to_string();
            let file = std::fs::File::create(path).map_err(|source| QueryError::Output {
                target: target.clone(),
                source,
            })?;
            (Box::new(std::io::BufWriter::new(file)), target)
        }
        None if output.format == OutputFormat::Parquet => {
            return Err(QueryError::Usage(
                "--format parquet needs --output FILE".into(),
            ));
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout())),
            "standard output".into(),
        ),
    };
    write_stream(stream, output.format, sink, &target).await?;
    Ok(())
}
