//! `rareflow-query`: run saved SQL (or a one-off statement) against the warehouse.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rareflow_query::params::{bind, parse_assignment};
use rareflow_query::print::write_stream;
use rareflow_query::{AsOf, OutputFormat, QueryError, QuerySession, SavedQuery};

/// Answers questions about the rare-earth trade from the rareflow warehouse, read-only.
#[derive(Debug, Parser)]
#[command(name = "rareflow-query", version, about)]
struct Cli {
    /// Warehouse folder.
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a saved query: a path (sql/x.sql) or a name from `list`.
    Run {
        /// The saved query.
        query: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run one SQL statement given on the command line.
    Sql {
        /// The statement; `$name` placeholders take --param values as text.
        statement: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// List the saved queries with what each answers and its parameters.
    List,
    /// List the warehouse tables.
    Tables,
}

#[derive(Debug, Args)]
struct OutputArgs {
    /// A parameter, NAME=VALUE (repeatable); bound as a value, never pasted into the SQL.
    #[arg(long = "param", short = 'p', value_parser = parse_assignment)]
    params: Vec<(String, String)>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: OutputFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
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
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli) -> Result<(), QueryError> {
    let as_of = cli.as_of.unwrap_or(AsOf::Latest);
    match cli.command {
        Command::List => {
            let queries = SavedQuery::list(&cli.sql_dir)?;
            let width = queries.iter().map(|q| q.name.len()).max().unwrap_or(0);
            let mut out = std::io::stdout().lock();
            for q in queries {
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
                writeln!(out, "{:width$}  {}{params}", q.name, q.description)
                    .map_err(|e| QueryError::Output(e.to_string()))?;
            }
            Ok(())
        }
        Command::Tables => {
            let mut out = std::io::stdout().lock();
            for (name, about) in rareflow_warehouse::TABLES {
                writeln!(out, "{name:14} {about}")
                    .map_err(|e| QueryError::Output(e.to_string()))?;
            }
            Ok(())
        }
        Command::Run { query, output } => {
            let saved = SavedQuery::resolve(&query, &cli.sql_dir)?;
            let params = bind(&saved.params, &output.params)?;
            let session = QuerySession::open_as_of(&cli.warehouse, as_of).await?;
            let origin = saved.path.display().to_string();
            let stream = session.stream(&origin, &saved.sql, params).await?;
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
            let session = QuerySession::open_as_of(&cli.warehouse, as_of).await?;
            let stream = session.stream("<command line>", &statement, params).await?;
            emit(stream, &output).await
        }
    }
}

async fn emit(
    stream: datafusion::execution::SendableRecordBatchStream,
    output: &OutputArgs,
) -> Result<(), QueryError> {
    let sink: Box<dyn Write + Send> = match &output.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| QueryError::Output(format!("{}: {e}", path.display())))?,
        )),
        None if output.format == OutputFormat::Parquet => {
            return Err(QueryError::Output(
                "--format parquet needs --output FILE".into(),
            ));
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    write_stream(stream, output.format, sink).await?;
    Ok(())
}
