//! Saved queries: `sql/*.sql` files whose leading comment lines are a header.
//!
//! ```sql
//! -- description: Magnet exports by destination for a month, with the change on the month before.
//! -- topic: magnets
//! -- param: month month = 2025-11 : the month to report (YYYY-MM)
//! SELECT ... WHERE period = $month
//! ```
//! `param:` lines read `NAME TYPE [= DEFAULT] [: HELP]`, TYPE one of month, date, int,
//! float, text. `topic:` groups the query in `rareflow-query list` (magnets, elements,
//! headline, mirror, policy, data quality...). The query's name is the file name without
//! `.sql`. Data checks (`checks/*.sql`) use the same header.

use std::path::{Path, PathBuf};

use crate::error::QueryError;
use crate::params::{ParamSpec, ParamType};
use crate::suggest::closest;

/// The topic of saved queries whose header names none.
pub const OTHER_TOPIC: &str = "other";

/// A saved query.
#[derive(Debug, Clone)]
pub struct SavedQuery {
    /// File name without `.sql`.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// One line saying what it answers.
    pub description: String,
    /// The topic it is listed under, if the header names one.
    pub topic: Option<String>,
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
        let mut topic = None;
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
            } else if let Some(text) = comment.strip_prefix("topic:") {
                topic = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
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
            topic,
            params,
            sql,
        })
    }

    /// The saved queries of `queries` grouped by topic: topics in alphabetical order with
    /// the queries that name none last (under `other`), queries by name within a topic.
    pub fn by_topic(queries: &[SavedQuery]) -> Vec<(&str, Vec<&SavedQuery>)> {
        let mut groups: Vec<(&str, Vec<&SavedQuery>)> = Vec::new();
        for q in queries {
            let topic = q.topic.as_deref().unwrap_or(OTHER_TOPIC);
            match groups.iter_mut().find(|(t, _)| *t == topic) {
                Some((_, members)) => members.push(q),
                None => groups.push((topic, vec![q])),
            }
        }
        groups.sort_by_key(|(t, _)| (*t == OTHER_TOPIC, *t));
        for (_, members) in &mut groups {
            members.sort_by(|a, b| a.name.cmp(&b.name));
        }
        groups
    }

    /// What `rareflow-query list` prints: a `topic:` line per topic (a blank line
    /// between topics), then one line per query with its name (padded to the longest),
    /// what it answers, and its parameters with their defaults (`[from=2024-01, to]`).
    pub fn format_list(queries: &[SavedQuery]) -> String {
        let width = queries.iter().map(|q| q.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (i, (topic, members)) in SavedQuery::by_topic(queries).into_iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("{topic}:\n"));
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
                out.push_str(&format!("  {:width$}  {}{params}\n", q.name, q.description));
            }
        }
        out
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
        let known = SavedQuery::list(dir).unwrap_or_default();
        Err(QueryError::UnknownQuery {
            name: what.to_owned(),
            dir: dir.to_owned(),
            suggestion: closest(
                what.trim_end_matches(".sql"),
                known.iter().map(|q| q.name.as_str()),
            ),
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_groups_by_topic_and_shows_parameter_defaults() {
        let q = |name: &str, sql: &str| SavedQuery::parse(Path::new(name), sql.into()).unwrap();
        let queries = [
            q(
                "b_long_name.sql",
                "-- description: Second.\n-- topic: magnets\n-- param: month month : m\nSELECT 1",
            ),
            q(
                "a.sql",
                "-- description: First.\n-- topic: magnets\n-- param: from month = 2024-01 : f\nSELECT 1",
            ),
            q("z.sql", "-- description: No topic.\nSELECT 1"),
        ];
        assert_eq!(
            SavedQuery::format_list(&queries),
            "magnets:\n  a            First.  [from=2024-01]\n  b_long_name  Second.  [month]\n\n\
             other:\n  z            No topic.\n"
        );
    }

    use super::*;

    fn parse(text: &str) -> Result<SavedQuery, QueryError> {
        SavedQuery::parse(Path::new("sql/x.sql"), text.to_owned())
    }

    #[test]
    fn header_gives_description_topic_and_params() {
        let q = parse(
            "-- description: Magnets by destination.\n\
             -- topic: magnets\n\
             -- param: month month = 2025-11 : the month (YYYY-MM)\n\
             -- param: top int\n\
             SELECT 1\n\
             -- topic: not a header line any more\n",
        )
        .unwrap();
        assert_eq!(q.name, "x");
        assert_eq!(q.description, "Magnets by destination.");
        assert_eq!(q.topic.as_deref(), Some("magnets"));
        assert_eq!(
            q.params,
            vec![
                ParamSpec {
                    name: "month".into(),
                    ty: ParamType::Month,
                    default: Some("2025-11".into()),
                    help: "the month (YYYY-MM)".into(),
                },
                ParamSpec {
                    name: "top".into(),
                    ty: ParamType::Int,
                    default: None,
                    help: String::new(),
                },
            ]
        );
    }

    #[test]
    fn bad_param_lines_name_the_line() {
        let err = parse("-- description: d\n-- param: month weekday\nSELECT 1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "sql/x.sql:2: bad header: unknown parameter type \"weekday\": expected month, date, int, float or text"
        );
        let err = parse("-- param: month month = 2025-13\nSELECT 1").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("sql/x.sql:1: bad header: default of month: expected a month"),
            "{err}"
        );
    }

    #[test]
    fn queries_group_by_topic_with_untopical_ones_last() {
        let q = |name: &str, topic: Option<&str>| SavedQuery {
            name: name.into(),
            path: PathBuf::from(format!("{name}.sql")),
            description: String::new(),
            topic: topic.map(str::to_owned),
            params: vec![],
            sql: String::new(),
        };
        let queries = [
            q("b", Some("magnets")),
            q("z", None),
            q("a", Some("magnets")),
            q("c", Some("elements")),
        ];
        let groups: Vec<(&str, Vec<&str>)> = SavedQuery::by_topic(&queries)
            .into_iter()
            .map(|(t, qs)| (t, qs.iter().map(|q| q.name.as_str()).collect()))
            .collect();
        assert_eq!(
            groups,
            vec![
                ("elements", vec!["c"]),
                ("magnets", vec!["a", "b"]),
                ("other", vec!["z"]),
            ]
        );
    }

    #[test]
    fn an_unknown_name_suggests_the_closest_query() {
        let dir = std::env::temp_dir().join(format!("rareflow-saved-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("magnets_by_destination.sql"),
            "-- description: d\nSELECT 1",
        )
        .unwrap();
        let err = SavedQuery::resolve("magnet_by_destination", &dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            matches!(&err, QueryError::UnknownQuery { suggestion: Some(s), .. } if s == "magnets_by_destination"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("(did you mean magnets_by_destination?)"),
            "{err}"
        );
    }
}
