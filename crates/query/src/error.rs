//! Query errors.

use std::path::PathBuf;

use datafusion::error::DataFusionError;

use crate::suggest::closest;

/// Why a query could not run.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The warehouse could not be opened.
    #[error(transparent)]
    Warehouse(#[from] rareflow_warehouse::WarehouseError),
    /// DataFusion refused to register a table of the snapshot.
    #[error("registering table {table}: {}", engine_message(error))]
    Register {
        /// The table.
        table: String,
        /// The engine's error (in the message: DataFusion's own text already holds its
        /// causes, so it is not a `source` too).
        error: DataFusionError,
    },
    /// A SQL file could not be read.
    #[error("{path}: cannot read")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A saved query's header is malformed.
    #[error("{path}:{line}: bad header: {message}")]
    Header {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// No saved query of that name.
    #[error(
        "no saved query {name:?} in {dir}{}: `rareflow-query list` shows them",
        did_you_mean(suggestion)
    )]
    UnknownQuery {
        /// What was asked for.
        name: String,
        /// Where it was looked for.
        dir: PathBuf,
        /// The closest saved query's name, if one is close.
        suggestion: Option<String>,
    },
    /// No warehouse table of that name.
    #[error(
        "no table {name:?} in the warehouse{}: `rareflow-query describe` lists them",
        did_you_mean(suggestion)
    )]
    UnknownTable {
        /// What was asked for.
        name: String,
        /// The closest table name, if one is close.
        suggestion: Option<String>,
    },
    /// A parameter is missing, unknown or has the wrong form.
    #[error("parameter {name}: {message}")]
    Param {
        /// The parameter.
        name: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The engine refused or failed the SQL.
    #[error(
        "{origin}{}: {}{}",
        line.map(|l| format!(":{l}")).unwrap_or_default(),
        engine_message(error),
        hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    Sql {
        /// The SQL file, or `<command line>`.
        origin: String,
        /// Line in the file, when the engine names one.
        line: Option<usize>,
        /// A hint added to the engine's message (e.g. "did you mean trade_flows?").
        hint: Option<String>,
        /// The engine's error (in the message, see [`QueryError::Register`]).
        error: DataFusionError,
    },
    /// A warehouse file the SQL read is damaged: DataFusion does not say which file a
    /// decoding error comes from, so the session reads its snapshot's files again, on this
    /// failure path only, and names the first that fails.
    #[error("{origin}: damaged warehouse file {}", file.display())]
    Damaged {
        /// The SQL file, or `<command line>`.
        origin: String,
        /// The damaged file.
        file: PathBuf,
        /// What reading it gave.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// The engine failed outside any one statement (e.g. while streaming results).
    #[error("{}", engine_message(.0))]
    Engine(DataFusionError),
    /// A statement that would change something.
    #[error("{origin}: rareflow-query is read-only: {kind} statements are refused")]
    ReadOnly {
        /// The SQL file, or `<command line>`.
        origin: String,
        /// What kind of statement it is (e.g. `CreateMemoryTable`, `Insert Into`, `COPY`).
        kind: String,
    },
    /// The command line asks for something that cannot be done (e.g. Parquet to a terminal).
    #[error("{0}")]
    Usage(String),
    /// Writing the output failed.
    #[error("cannot write {target}")]
    Output {
        /// Where the output was going (a path or `standard output`).
        target: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding the output (CSV, JSON, table) failed.
    #[error("encoding output")]
    Encode(#[source] arrow::error::ArrowError),
    /// Encoding Parquet output failed.
    #[error("encoding Parquet output")]
    Parquet(#[source] parquet::errors::ParquetError),
    /// The Ballista cluster could not be started or reached, or cannot run what was asked.
    #[error("Ballista ({cluster}): {message}")]
    Ballista {
        /// The scheduler's URL, or `standalone` for the in-process cluster.
        cluster: String,
        /// What went wrong and what to do.
        message: String,
    },
}

/// The engine's error as one line, each cause once: DataFusion writes a Parquet or Arrow
/// error as `Parquet error: ` before the Parquet crate's own `Parquet error: ...`, so those
/// are shown as their crate writes them.
pub fn engine_message(e: &DataFusionError) -> String {
    match e.find_root() {
        DataFusionError::ParquetError(p) => p.to_string(),
        DataFusionError::ArrowError(a, _) => a.to_string(),
        _ => e.strip_backtrace(),
    }
}

/// Turns an engine error into one naming the SQL's origin and, when the parser gives one,
/// the line. A table that is not found gets the closest of `tables` as a suggestion.
pub fn sql_error(origin: &str, e: DataFusionError, tables: &[String]) -> QueryError {
    let message = e.strip_backtrace();
    let line = message.find("Line: ").and_then(|i| {
        message[i + 6..]
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    });
    // DataFusion names a missing table only in its message: "table 'a.b.name' not found".
    let hint = message
        .split_once("table '")
        .and_then(|(_, rest)| rest.split_once("' not found"))
        .map(|(name, _)| name.rsplit('.').next().unwrap_or(name))
        .and_then(|name| closest(name, tables.iter().map(String::as_str)))
        .map(|s| format!("did you mean {s}?"));
    QueryError::Sql {
        origin: origin.to_owned(),
        line,
        hint,
        error: e,
    }
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_deref()
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default()
}

impl QueryError {
    /// Whether the command line was wrong (bad or unknown parameter, unknown saved query
    /// or table, impossible options), as opposed to a failure while running: the binary
    /// exits with 2 for these, 1 for the others.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            QueryError::Param { .. }
                | QueryError::UnknownQuery { .. }
                | QueryError::UnknownTable { .. }
                | QueryError::Usage(_)
        )
    }

    /// An error writing the output to `target`, kept as an I/O error when it is one.
    pub(crate) fn from_arrow(target: &str, e: arrow::error::ArrowError) -> QueryError {
        match e {
            arrow::error::ArrowError::IoError(_, source) => QueryError::Output {
                target: target.to_owned(),
                source,
            },
            other => QueryError::Encode(other),
        }
    }
}

/// As delta-rs does: an engine error stays the engine's error, and one of ours that went
/// through the engine (a result stream carries only `DataFusionError`) comes back as ours.
impl From<DataFusionError> for QueryError {
    fn from(e: DataFusionError) -> Self {
        match e {
            DataFusionError::External(inner) => match inner.downcast::<QueryError>() {
                Ok(ours) => *ours,
                Err(other) => QueryError::Engine(DataFusionError::External(other)),
            },
            other => QueryError::Engine(other),
        }
    }
}

/// So that rareflow's functions can be called where DataFusion expects its own error type
/// (table providers, UDFs): engine errors come back as they were, the rest as `External`.
impl From<QueryError> for DataFusionError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Engine(source) => source,
            QueryError::Encode(source) => DataFusionError::ArrowError(Box::new(source), None),
            QueryError::Parquet(source) => DataFusionError::ParquetError(Box::new(source)),
            QueryError::Output { source, .. } => DataFusionError::IoError(source),
            other => DataFusionError::External(Box::new(other)),
        }
    }
}
