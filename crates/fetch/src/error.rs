//! Why a fetch, a source of it, or a hand import stopped.

use std::path::PathBuf;

/// Exit codes of `rareflow-etl fetch`, as `run`'s.
pub mod exit {
    /// Done: everything asked for is on disk, unchanged, or not released yet.
    pub const OK: u8 = 0;
    /// Failed: nothing succeeded.
    pub const FAILED: u8 = 1;
    /// Bad usage: an unknown source, a bad `--base-url`, a bad config file or month.
    pub const USAGE: u8 = 2;
    /// Some of it failed (named in the summary) and the rest was fetched or up to date.
    pub const PARTIAL: u8 = 4;
}

/// A fetch error. Messages never hold an API key: URLs in them are redacted.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The config file cannot be read or says something impossible.
    #[error("{path}: {message}")]
    Config {
        /// The config file (or `<default>` / `<string>`).
        path: String,
        /// What is wrong, with the key's name.
        message: String,
    },
    /// A source name no source answers to.
    #[error("unknown source {name:?}: the sources are {known}")]
    UnknownSource {
        /// The name given.
        name: String,
        /// The names known, comma-separated.
        known: String,
    },
    /// A bad command-line argument (`--base-url`, `--since`, `--flow`, ...).
    #[error("{0}")]
    Usage(String),
    /// A source needs a key that the environment does not hold.
    #[error("{source_name}: no API key: set {variable} (a free key from {signup}; {why})")]
    MissingKey {
        /// The source.
        source_name: &'static str,
        /// The environment variable to set.
        variable: &'static str,
        /// Where to get a key.
        signup: &'static str,
        /// Why the key is needed.
        why: &'static str,
    },
    /// The source refused the key (missing, invalid or not activated).
    #[error("{source_name}: the API key in {variable} was refused: {message}")]
    Auth {
        /// The source.
        source_name: &'static str,
        /// The environment variable holding the key.
        variable: &'static str,
        /// What the source said.
        message: String,
    },
    /// The source's call quota is used up (Comtrade 403 "Out of call volume quota").
    #[error("{source_name}: call quota used up, stopped for today: {message}")]
    Quota {
        /// The source.
        source_name: &'static str,
        /// What the source said.
        message: String,
    },
    /// The daily call budget of the config is reached (counted in `fetch_log.csv`).
    #[error(
        "{source_name}: daily call budget reached: {used} calls today (UTC) in fetch_log.csv, \
         budget {budget}; the rest is fetched tomorrow"
    )]
    Budget {
        /// The source.
        source_name: &'static str,
        /// Calls counted today.
        used: usize,
        /// The budget.
        budget: usize,
    },
    /// A request parameter is malformed: refused before sending (the source would answer
    /// 200 with zero records).
    #[error("{source_name}: malformed parameter, not sent: {message}")]
    InvalidParameter {
        /// The source.
        source_name: &'static str,
        /// Which parameter and why.
        message: String,
    },
    /// A request failed (after retries where the failure was transient).
    #[error("{source_name}: {url}: {message}")]
    Http {
        /// The source.
        source_name: &'static str,
        /// The URL, key redacted.
        url: String,
        /// What happened: status and body text, or the transport error.
        message: String,
    },
    /// A complete answer that is not what the source sends (not JSON, wrong CSV header,
    /// not a 7z archive, truncated and impossible to split): nothing was written.
    #[error("{source_name}: {url}: {message}; nothing written")]
    Rejected {
        /// The source.
        source_name: &'static str,
        /// The URL, key redacted.
        url: String,
        /// Why.
        message: String,
    },
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// `fetch_log.csv` cannot be read or has another header.
    #[error("{}: {message}", path.display())]
    Log {
        /// The log's path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A hand download cannot be filed.
    #[error("{}: {message}", path.display())]
    Import {
        /// The file given.
        path: PathBuf,
        /// Why, and what to pass to file it.
        message: String,
    },
}

impl FetchError {
    /// The exit code for this error when it stops the whole command: [`exit::USAGE`] for
    /// bad arguments or config, else [`exit::FAILED`].
    pub fn exit_code(&self) -> u8 {
        match self {
            FetchError::Config { .. } | FetchError::UnknownSource { .. } | FetchError::Usage(_) => {
                exit::USAGE
            }
            _ => exit::FAILED,
        }
    }

    /// Whether this error stops its source for this fetch (the other requests of the
    /// source would fail the same way): keys, quotas and budgets.
    pub(crate) fn stops_source(&self) -> bool {
        matches!(
            self,
            FetchError::MissingKey { .. }
                | FetchError::Auth { .. }
                | FetchError::Quota { .. }
                | FetchError::Budget { .. }
                | FetchError::Io { .. }
                | FetchError::Log { .. }
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> FetchError {
        FetchError::Io {
            path: path.into(),
            source,
        }
    }
}
