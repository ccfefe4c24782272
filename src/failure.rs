//! Errors as the binaries end on them: one type over every crate's error, the exit code
//! each maps to (one table, tested), and one printer of the cause chain.

use std::error::Error;
use std::io::Write;

use rareflow_etl::{EtlError, exit};
use rareflow_present::{ChartError, ReportError};
use rareflow_query::QueryError;
use rareflow_warehouse::WarehouseError;
use rareflow_warehouse::error::causes;

/// Exit code of `rareflow-etl check` (and `run --check --strict`) when a data check fails.
pub const CHECK_FAILED: u8 = 5;

/// Why a command failed. Every variant keeps the crate's error as it is, so its causes
/// print once, from [`print_error`].
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A query, saved query, parameter or output failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// The monthly brief could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A batch run stopped.
    #[error(transparent)]
    Etl(#[from] EtlError),
    /// The warehouse location or store could not be used.
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    /// Data checks ran and some failed.
    #[error("{failed} of {total} data checks failed")]
    ChecksFailed {
        /// How many failed.
        failed: usize,
        /// How many ran.
        total: usize,
    },
}

impl Failure {
    /// The exit code: 2 for a command line that cannot work (unknown saved query or table,
    /// bad parameter or month, a chart file that is neither .svg nor .png, an unsupported
    /// warehouse URL), 3 when another run holds the warehouse, 5 for failed data checks,
    /// else 1 (a failure while running: SQL, a chart, the brief's template, I/O).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Query(e) => query_code(e),
            Failure::Chart(e) => chart_code(e),
            Failure::Report(ReportError::Query(e)) => query_code(e),
            Failure::Report(ReportError::Chart(e)) => chart_code(e),
            Failure::Report(
                ReportError::Month(_) | ReportError::MonthNotLoaded { .. } | ReportError::NoDetail,
            ) => exit::USAGE,
            Failure::Report(_) => exit::FAILED,
            Failure::Etl(e) => e.exit_code(),
            Failure::Warehouse(e) => warehouse_code(e),
            Failure::ChecksFailed { .. } => CHECK_FAILED,
        }
    }
}

fn query_code(e: &QueryError) -> u8 {
    match e {
        QueryError::Warehouse(w) => warehouse_code(w),
        e if e.is_usage() => exit::USAGE,
        _ => exit::FAILED,
    }
}

fn chart_code(e: &ChartError) -> u8 {
    match e {
        ChartError::Query(q) => query_code(q),
        ChartError::Format(_) => exit::USAGE,
        _ => exit::FAILED,
    }
}

fn warehouse_code(e: &WarehouseError) -> u8 {
    match e {
        WarehouseError::UnsupportedScheme { .. } | WarehouseError::BadUrl { .. } => exit::USAGE,
        WarehouseError::Busy { .. }
        | WarehouseError::LockHeld { .. }
        | WarehouseError::LockLost { .. }
        | WarehouseError::PublishedFirst { .. } => exit::LOCKED,
        _ => exit::FAILED,
    }
}

/// Prints `PROGRAM: error: MESSAGE`, then one `  caused by: ...` line per cause, each
/// once ([`causes`]: a cause whose text the line above already holds is left out).
pub fn print_error(program: &str, error: &(dyn Error + 'static), out: &mut dyn Write) {
    let lines = causes(error);
    // Nothing more can be said if standard error itself fails.
    for (i, line) in lines.iter().enumerate() {
        let _ = match i {
            0 => writeln!(out, "{program}: error: {line}"),
            _ => writeln!(out, "  caused by: {line}"),
        };
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use datafusion::error::DataFusionError;
    use rareflow_present::chart::HeaderError;

    use super::*;

    fn io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied")
    }

    #[test]
    fn each_error_maps_to_its_exit_code() {
        let param = || QueryError::Param {
            name: "month".into(),
            message: "expected YYYY-MM".into(),
        };
        let table: Vec<(Failure, u8)> = vec![
            (param().into(), 2),
            (
                QueryError::Usage("--format parquet needs --output FILE".into()).into(),
                2,
            ),
            (
                QueryError::UnknownQuery {
                    name: "x".into(),
                    dir: "sql".into(),
                    suggestion: None,
                }
                .into(),
                2,
            ),
            (
                QueryError::Engine(DataFusionError::Plan("no".into())).into(),
                1,
            ),
            (
                QueryError::Output {
                    target: "out.csv".into(),
                    source: io(),
                }
                .into(),
                1,
            ),
            (
                QueryError::Warehouse(WarehouseError::NotAWarehouse {
                    path: "warehouse".into(),
                })
                .into(),
                1,
            ),
            (ChartError::Format(PathBuf::from("a.gif")).into(), 2),
            (ChartError::Empty.into(), 1),
            (ChartError::Header(HeaderError::EmptyY).into(), 1),
            (ChartError::Query(param()).into(), 2),
            (
                ChartError::Write {
                    path: "c.svg".into(),
                    source: io(),
                }
                .into(),
                1,
            ),
            (ReportError::Month("2025-13".into()).into(), 2),
            (ReportError::Query(param()).into(), 2),
            (ReportError::Chart(ChartError::Empty).into(), 1),
            (
                ReportError::MissingColumn {
                    query: "q".into(),
                    path: "sql/q.sql".into(),
                    column: "tonnes".into(),
                }
                .into(),
                1,
            ),
            (
                WarehouseError::Busy {
                    path: "warehouse/.lock".into(),
                }
                .into(),
                3,
            ),
            (
                WarehouseError::UnsupportedScheme {
                    url: "gs://b".into(),
                    scheme: "gs".into(),
                }
                .into(),
                2,
            ),
            (
                EtlError::Warehouse(WarehouseError::Busy {
                    path: "warehouse/.lock".into(),
                })
                .into(),
                3,
            ),
            (
                EtlError::Discover {
                    path: "data/raw".into(),
                    source: io(),
                }
                .into(),
                1,
            ),
            (
                Failure::ChecksFailed {
                    failed: 1,
                    total: 6,
                },
                5,
            ),
        ];
        for (failure, code) in table {
            assert_eq!(failure.exit_code(), code, "{failure:?}");
        }
    }

    #[test]
    fn a_template_failure_is_exit_1_not_usage() {
        let env = minijinja::Environment::new();
        let source = env.render_str("{{ broken", ()).unwrap_err();
        let failure = Failure::from(ReportError::Template {
            name: "brief.html",
            source,
        });
        assert_eq!(failure.exit_code(), 1);
    }

    fn printed(error: &(dyn Error + 'static)) -> String {
        let mut out = Vec::new();
        print_error("rareflow-query", error, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_printer_shows_each_cause_once() {
        let failure = Failure::from(ChartError::Write {
            path: "out/c.svg".into(),
            source: io(),
        });
        assert_eq!(
            printed(&failure),
            "rareflow-query: error: chart: cannot write out/c.svg\n  caused by: permission denied\n"
        );
        // A cause a foreign error already wrote into its message is not repeated.
        #[derive(Debug, thiserror::Error)]
        #[error("listing s3://b/x: {0}")]
        struct Echoing(#[source] std::io::Error);
        assert_eq!(
            printed(&Echoing(io())),
            "rareflow-query: error: listing s3://b/x: permission denied\n"
        );
    }
}
