//! Saved queries: `sql/*.sql` files whose leading comment lines are a header.
//!
//! ```sql
//! -- description: Magnet exports by destination for a month, with the change on the month before.
//! -- param: month month = 2025-11 : the month to report (YYYY-MM)
//! SELECT ... WHERE period = $month
//! ```
//! `param:` lines read `NAME TYPE [= DEFAULT] [: HELP]`, TYPE one of month, date, int,
//! float, text. The query's name is the file name without `.sql`.

use std::path::{Path, PathBuf};

use crate::error::QueryError;
use crate::params::{ParamSpec, ParamType};

/// A saved query.
#[derive(Debug, Clone)]
pub struct SavedQuery {
    /// File name without `.sql`.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// One line saying what it answers.
    pub description: String,
    /// Declared parameters.
    pub params: Vec<ParamSpec>,
    /// The whole file (header comments included, so engine line numbers match the file).
    pub sql: String,
}

impl SavedQuery {
    /// Reads and parses a saved query file.
    pub fn load(path: &Path) -> Result<SavedQuery, QueryError> {
        let sql = std::fs::read_to_string(path).map_err(|source| QueryError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, sql)
    }

    /// Parses a saved query from its text.
    pub fn parse(path: &Path, sql: String) -> Result<SavedQuery, QueryError> {
        let mut description = String::new();
        let mut params = Vec::new();
        for (i, line) in sql.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let Some(comment) = trimmed.strip_prefix("--") else {
                break;
            };
            let comment = comment.trim();
            let bad = |message: String| QueryError::Header {
                path: path.to_owned(),
                line: i + 1,
                message,
            };
            if let Some(text) = comment.strip_prefix("description:") {
                description = text.trim().to_owned();
            } else if let Some(text) = comment.strip_prefix("param:") {
                params.push(parse_param(text).map_err(bad)?);
            }
        }
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(SavedQuery {
            name,
            path: path.to_owned(),
            description,
            params,
            sql,
        })
    }

    /// Every saved query in `dir`, by name.
    pub fn list(dir: &Path) -> Result<Vec<SavedQuery>, QueryError> {
        let read_err = |source| QueryError::Read {
            path: dir.to_owned(),
            source,
        };
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let path = entry.map_err(read_err)?.path();
            if path.extension().is_some_and(|e| e == "sql") {
                out.push(SavedQuery::load(&path)?);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Finds a query given as a path (`sql/x.sql`) or a name (`x`, looked up in `dir`).
    pub fn resolve(what: &str, dir: &Path) -> Result<SavedQuery, QueryError> {
        let as_path = Path::new(what);
        if as_path.is_file() {
            return SavedQuery::load(as_path);
        }
        let in_dir = dir.join(format!("{}.sql", what.trim_end_matches(".sql")));
        if in_dir.is_file() {
            return SavedQuery::load(&in_dir);
        }
        Err(QueryError::UnknownQuery {
            name: what.to_owned(),
            dir: dir.to_owned(),
        })
    }
}

fn parse_param(text: &str) -> Result<ParamSpec, String> {
    let (spec, help) = match text.split_once(':') {
        Some((s, h)) => (s, h.trim().to_owned()),
        None => (text, String::new()),
    };
    let (decl, default) = match spec.split_once('=') {
        Some((d, v)) => (d, Some(v.trim().to_owned())),
        None => (spec, None),
    };
    let mut words = decl.split_whitespace();
    let (Some(name), Some(ty), None) = (words.next(), words.next(), words.next()) else {
        return Err(format!(
            "expected `param: NAME TYPE [= DEFAULT] [: HELP]`, got {text:?}"
        ));
    };
    let ty = ParamType::from_name(ty).ok_or_else(|| {
        format!("unknown parameter type {ty:?}: expected month, date, int, float or text")
    })?;
    if let Some(d) = &default {
        ty.parse(d).map_err(|e| format!("default of {name}: {e}"))?;
    }
    Ok(ParamSpec {
        name: name.trim_start_matches('$').to_owned(),
        ty,
        default,
        help,
    })
}
