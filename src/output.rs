//! One path from SQL to the terminal for `rareflow-query run` and `sql`: start the query,
//! draw its chart when asked, print the rows in the chosen format.

use std::io::Write;
use std::path::PathBuf;

use datafusion::common::ParamValues;
use rareflow_query::print::{MaxRows, write_stream};
use rareflow_query::{OutputFormat, QueryError, QuerySession};

use crate::failure::Failure;

/// Where and how a result goes.
#[derive(Debug, Clone)]
pub struct Output {
    /// Table, CSV, JSON or Parquet.
    pub format: OutputFormat,
    /// A file, or standard output.
    pub file: Option<PathBuf>,
    /// Also draw the result here (SVG or PNG by extension).
    pub chart: Option<PathBuf>,
    /// `--max-rows N` (0: every row); without it, see [`default_max_rows`].
    pub max_rows: Option<usize>,
}

/// Lines around the rows of a table at a terminal: its frame (top, header, rule, bottom),
/// the count under it, and the shell's next prompt.
const TABLE_FRAME_LINES: usize = 6;

/// How many rows the table format shows without `--max-rows`: when the table goes to
/// standard output and that is a terminal, as many as fit in its height (less the table's
/// frame, at least one); otherwise [`MaxRows::DEFAULT`].
pub fn default_max_rows(to_file: bool) -> usize {
    let height = (!to_file)
        .then(|| console::Term::stdout().size_checked())
        .flatten()
        .map(|(rows, _)| usize::from(rows));
    match height {
        Some(rows) => rows.saturating_sub(TABLE_FRAME_LINES).max(1),
        None => MaxRows::DEFAULT,
    }
}

/// The SQL to run and how to name it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Names the SQL in errors: its file, or `<command line>`.
    pub origin: &'a str,
    /// The statement.
    pub sql: &'a str,
    /// Bound parameters.
    pub params: ParamValues,
    /// The chart's title when the SQL's `-- chart:` header names none.
    pub title: &'a str,
    /// Added to the chart's title in parentheses when not empty (the parameters given).
    pub note: String,
}

/// Runs `request` on `session`, draws its chart if `output` asks for one, and writes the
/// rows. Parquet to a terminal is refused before the query runs.
pub async fn run_and_print(
    session: &QuerySession,
    request: Request<'_>,
    output: &Output,
) -> Result<(), Failure> {
    if output.file.is_none() && output.format == OutputFormat::Parquet {
        return Err(QueryError::Usage("--format parquet needs --output FILE".into()).into());
    }
    let stream = session
        .stream(request.origin, request.sql, request.params)
        .await?;
    let stream = match &output.chart {
        Some(path) => {
            rareflow_present::chart::draw_then_replay(
                session,
                request.sql,
                request.title,
                &request.note,
                stream,
                path,
            )
            .await?
        }
        None => stream,
    };
    // The file is created once the query runs: SQL that fails leaves no empty file.
    let (sink, target) = sink(output)?;
    let max_rows = output
        .max_rows
        .unwrap_or_else(|| default_max_rows(output.file.is_some()));
    write_stream(
        stream,
        output.format,
        MaxRows::from_count(max_rows),
        sink,
        &target,
    )
    .await?;
    Ok(())
}

/// The writer and its name in errors.
fn sink(output: &Output) -> Result<(Box<dyn Write + Send>, String), QueryError> {
    match &output.file {
        Some(path) => {
            let target = path.display().to_string();
            let file = std::fs::File::create(path).map_err(|source| QueryError::Output {
                target: target.clone(),
                source,
            })?;
            Ok((Box::new(std::io::BufWriter::new(file)), target))
        }
        None => Ok((
            Box::new(std::io::BufWriter::new(std::io::stdout())),
            "standard output".into(),
        )),
    }
}
