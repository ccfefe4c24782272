//! Query errors.

use std::path::PathBuf;

/// Why a query could not run.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The warehouse could not be opened.
    #[error(transparent)]
    Warehouse(#[from] rareflow_warehouse::WarehouseError),
    /// A SQL file could not be read.
    #[error("{path}: cannot read: {source}")]
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
    #[error("no saved query {name:?} in {dir}: `rareflow-query list` shows them")]
    UnknownQuery {
        /// What was asked for.
        name: String,
        /// Where it was looked for.
        dir: PathBuf,
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
    #[error("{origin}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Sql {
        /// The SQL file, or `<command line>`.
        origin: String,
        /// Line in the file, when the engine names one.
        line: Option<usize>,
        /// The engine's message.
        message: String,
    },
    /// A statement that would change something.
    #[error("{origin}: rareflow-query is read-only: {message}")]
    ReadOnly {
        /// The SQL file, or `<command line>`.
        origin: String,
        /// The engine's message.
        message: String,
    },
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Output(String),
}
