//! Data checks, as dbt tests are: `checks/*.sql` files (with the saved-query header:
//! `-- description:`, optional `-- param:` with defaults), each a query returning the rows
//! that break it. A check passes when it returns no row.
//!
//! A check may read a saved query as a table, so that it states only its condition and
//! never copies the query: the header line
//! `-- over: ../sql/headline_vs_detail.sql from=2000-01 to=2099-12` (a path relative to the
//! check's folder, then parameter values, the others at their defaults) makes that query's
//! rows the table `headline_vs_detail` while the check runs.
//!
//! `rareflow-etl check` and `rareflow-etl run --check` call [`run_checks`] and
//! [`print_outcomes`].

use std::io::Write;
use std::path::Path;

use arrow::array::RecordBatch;

use crate::error::QueryError;
use crate::exec::{QuerySession, read_only_options, refuse_writes, sql_error};
use crate::params::{bind, parse_assignment};
use crate::saved::SavedQuery;

/// How many failing rows an outcome keeps to show.
pub const FIRST_ROWS: usize = 5;

/// The result of one check.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// The check's name (its file name without `.sql`).
    pub name: String,
    /// What the check asserts.
    pub description: String,
    /// How many rows break it (0: the check passes).
    pub failing_rows: u64,
    /// The first [`FIRST_ROWS`] failing rows at most.
    pub first_rows: Vec<RecordBatch>,
}

impl CheckOutcome {
    /// Whether no row breaks the check.
    pub fn passed(&self) -> bool {
        self.failing_rows == 0
    }
}

/// Runs every check in `dir` (by name) against `session`, with parameters at their
/// defaults. A check that cannot run (bad header, bad SQL, a missing parameter default)
/// is an error naming its file, not a failed check.
pub async fn run_checks(
    session: &QuerySession,
    dir: &Path,
) -> Result<Vec<CheckOutcome>, QueryError> {
    let mut outcomes = Vec::new();
    for check in SavedQuery::list(dir)? {
        let mut registered = Vec::new();
        let outcome = run_check(session, &check, &mut registered).await;
        // The saved queries a check reads are its own: the next check does not see them.
        for name in registered {
            session
                .context()
                .deregister_table(name.as_str())
                .map_err(|e| sql_error(&check.path.display().to_string(), e, &[]))?;
        }
        outcomes.push(outcome?);
    }
    Ok(outcomes)
}

/// Registers the saved queries `check` reads (`-- over:`, naming each in `registered`), and
/// runs it.
async fn run_check(
    session: &QuerySession,
    check: &SavedQuery,
    registered: &mut Vec<String>,
) -> Result<CheckOutcome, QueryError> {
    for (line, text) in over_lines(&check.sql) {
        let bad = |message: String| QueryError::Header {
            path: check.path.clone(),
            line,
            message,
        };
        let mut words = text.split_whitespace();
        let file = words
            .next()
            .ok_or_else(|| bad("`over:` names no saved query file".into()))?;
        let folder = check.path.parent().unwrap_or_else(|| Path::new("."));
        let saved = SavedQuery::load(&folder.join(file))?;
        let given = words
            .map(parse_assignment)
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        let params = bind(&saved.params, &given)?;
        let origin = saved.path.display().to_string();
        let err = |e| sql_error(&origin, e, &[]);
        let ctx = session.context();
        if ctx.table_exist(saved.name.as_str()).map_err(err)? {
            return Err(bad(format!(
                "{} is already a table of the warehouse",
                saved.name
            )));
        }
        // Planned under the same read-only rules as every other query.
        let plan = ctx
            .state()
            .create_logical_plan(&saved.sql)
            .await
            .map_err(err)?;
        refuse_writes(&origin, &plan)?;
        read_only_options().verify_plan(&plan).map_err(err)?;
        let view = ctx
            .execute_logical_plan(plan)
            .await
            .and_then(|df| df.with_param_values(params))
            .map_err(err)?
            .into_view();
        ctx.register_table(saved.name.as_str(), view).map_err(err)?;
        registered.push(saved.name);
    }
    let params = bind(&check.params, &[])?;
    let origin = check.path.display().to_string();
    let batches = session.collect(&origin, &check.sql, params).await?;
    let failing_rows = batches.iter().map(|b| b.num_rows() as u64).sum();
    Ok(CheckOutcome {
        name: check.name.clone(),
        description: check.description.clone(),
        failing_rows,
        first_rows: first_rows(&batches, FIRST_ROWS),
    })
}

/// The `-- over:` lines of a header (the comment lines before the SQL), with their line
/// numbers (from 1).
fn over_lines(sql: &str) -> Vec<(usize, &str)> {
    sql.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .map_while(|(i, line)| line.strip_prefix("--").map(|c| (i, c.trim())))
        .filter_map(|(i, comment)| comment.strip_prefix("over:").map(|t| (i, t.trim())))
        .collect()
}

/// The first `n` rows of `batches`, as slices of them.
fn first_rows(batches: &[RecordBatch], n: usize) -> Vec<RecordBatch> {
    let mut left = n;
    let mut out = Vec::new();
    for b in batches {
        if left == 0 {
            break;
        }
        let take = left.min(b.num_rows());
        if take > 0 {
            out.push(b.slice(0, take));
            left -= take;
        }
    }
    out
}

/// Prints one line per check (`ok` or `FAIL` with the number of failing rows), the first
/// failing rows of each failed check as a table, and a summary line:
///
/// ```text
/// ok    no_negative_kilograms   No trade_flows row has negative kilograms.
/// FAIL  world_total_matches     ... (3 rows)
/// +-----+ ...
/// 6 checks: 5 passed, 1 failed
/// ```
pub fn print_outcomes(outcomes: &[CheckOutcome], out: &mut dyn Write) -> Result<(), QueryError> {
    let io = |source| QueryError::Output {
        target: "check report".into(),
        source,
    };
    let width = outcomes.iter().map(|o| o.name.len()).max().unwrap_or(0);
    let mut failed = 0;
    for o in outcomes {
        if o.passed() {
            writeln!(out, "ok    {:width$}  {}", o.name, o.description).map_err(io)?;
            continue;
        }
        failed += 1;
        writeln!(
            out,
            "FAIL  {:width$}  {} ({} {}{})",
            o.name,
            o.description,
            o.failing_rows,
            if o.failing_rows == 1 {
                "row breaks it"
            } else {
                "rows break it"
            },
            if o.failing_rows > FIRST_ROWS as u64 {
                format!("; the first {FIRST_ROWS}")
            } else {
                String::new()
            }
        )
        .map_err(io)?;
        let table = arrow::util::pretty::pretty_format_batches(&o.first_rows)
            .map_err(|e| QueryError::from_arrow("check report", e))?;
        writeln!(out, "{table}").map_err(io)?;
    }
    writeln!(
        out,
        "{} check{}: {} passed, {failed} failed",
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        outcomes.len() - failed
    )
    .map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch(ids: &[i64]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("what", DataType::Utf8, false),
        ]));
        let what: Vec<String> = ids.iter().map(|i| format!("row {i}")).collect();
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(ids.to_vec())),
                Arc::new(StringArray::from(what)),
            ],
        )
        .unwrap()
    }

    #[test]
    fn over_lines_are_read_from_the_header_only() {
        let sql = "-- description: d\n\
                   -- over: ../sql/a.sql from=2025-01\n\
                   --over:b.sql\n\
                   SELECT 1\n\
                   -- over: c.sql\n";
        assert_eq!(
            over_lines(sql),
            vec![(2, "../sql/a.sql from=2025-01"), (3, "b.sql")]
        );
    }

    #[test]
    fn first_rows_stop_across_batches() {
        let batches = [batch(&[1, 2, 3]), batch(&[]), batch(&[4, 5, 6, 7])];
        let first = first_rows(&batches, 5);
        let ids: Vec<i64> = first
            .iter()
            .flat_map(|b| {
                b.column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .unwrap()
                    .values()
                    .to_vec()
            })
            .collect();
        assert_eq!(ids, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn outcomes_print_one_line_each_and_the_failing_rows() {
        let outcomes = [
            CheckOutcome {
                name: "a".into(),
                description: "A holds.".into(),
                failing_rows: 0,
                first_rows: vec![],
            },
            CheckOutcome {
                name: "bb".into(),
                description: "B holds.".into(),
                failing_rows: 1,
                first_rows: vec![batch(&[9])],
            },
        ];
        let mut out = Vec::new();
        print_outcomes(&outcomes, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ok    a   A holds.\n\
             FAIL  bb  B holds. (1 row breaks it)\n\
             +----+-------+\n\
             | id | what  |\n\
             +----+-------+\n\
             | 9  | row 9 |\n\
             +----+-------+\n\
             2 checks: 1 passed, 1 failed\n"
        );
    }
}
