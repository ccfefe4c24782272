//! Running a section's saved query: the result, checked against the columns the section
//! declares, and held to them.

use std::path::Path;

use rareflow_query::format::{add_months, format_month};
use rareflow_query::params::bind;
use rareflow_query::table::{Cell, Table};
use rareflow_query::{QuerySession, SavedQuery};

use super::model::ReportError;
use super::month::Reach;
use crate::chart::PolicyEvent;

/// A saved query a section reads, and the columns of its result the section reads: the
/// brief checks them before laying anything out, so a column renamed in `sql/` is an error
/// naming the query and the column, never a figure printed as "n/a".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The saved query's name.
    pub query: &'static str,
    /// The columns read from its result.
    pub columns: &'static [&'static str],
}

/// What every section needs: the session, where the saved queries are, the month.
pub(crate) struct Context<'a> {
    pub(crate) session: &'a QuerySession,
    pub(crate) sql_dir: &'a Path,
    /// First day of the brief's month.
    pub(crate) day: i32,
    pub(crate) events: &'a [PolicyEvent],
    /// The months each source reaches, for sections whose source lags the brief's month.
    pub(crate) reach: &'a Reach,
}

/// A saved query's result and how it was asked. Sections read its cells only through
/// [`Answer::get`] and [`Answer::find`], which hold them to the columns they declared.
pub(crate) struct Answer {
    pub(crate) table: Table,
    /// `name key=value ...`
    pub(crate) source: String,
    pub(crate) saved: SavedQuery,
    /// The columns the section declared ([`Source::columns`]).
    columns: &'static [&'static str],
}

impl Answer {
    /// A column the section reads must be declared, so that the check in
    /// [`Context::run`] covers it (a bug in this crate otherwise, caught by tests).
    fn declared(&self, column: &str) {
        debug_assert!(
            self.columns.contains(&column),
            "{}: the brief reads column {column} without declaring it",
            self.saved.name
        );
    }

    /// The cell at `row` of `column` (NULL when the row is absent).
    pub(crate) fn get(&self, row: usize, column: &str) -> &Cell {
        self.declared(column);
        self.table.get(row, column)
    }

    /// The first row whose `column` holds `value` as text.
    pub(crate) fn find(&self, column: &str, value: &str) -> Option<usize> {
        self.declared(column);
        self.table.find(column, value)
    }

    /// The row whose date `column` is `day`.
    pub(crate) fn find_date(&self, column: &str, day: i32) -> Option<usize> {
        self.declared(column);
        self.table.find_date(column, day)
    }

    /// How many rows the result has.
    pub(crate) fn len(&self) -> usize {
        self.table.rows.len()
    }
}

impl Context<'_> {
    /// Runs a saved query with `params`, recording `name key=value ...`.
    pub(crate) async fn run(
        &self,
        source: &Source,
        params: &[(&str, String)],
    ) -> Result<Answer, ReportError> {
        let saved = SavedQuery::resolve(source.query, self.sql_dir)?;
        let given: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let values = bind(&saved.params, &given)?;
        let origin = saved.path.display().to_string();
        let table = self
            .session
            .collect_table(&origin, &saved.sql, values)
            .await?;
        if let Some(column) = source.columns.iter().find(|c| table.index(c).is_none()) {
            return Err(ReportError::MissingColumn {
                query: saved.name,
                path: saved.path,
                column: (*column).to_owned(),
            });
        }
        let mut asked = saved.name.clone();
        for (k, v) in params {
            asked.push_str(&format!(" {k}={v}"));
        }
        Ok(Answer {
            table,
            source: asked,
            saved,
            columns: source.columns,
        })
    }

    /// `YYYY-MM` of the month `offset` months from the brief's month.
    pub(crate) fn month(&self, offset: i32) -> String {
        format_month(add_months(self.day, offset))
    }
}
