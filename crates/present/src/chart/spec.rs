//! Chart declarations: the `-- chart:` header line, and the default from column types.

use rareflow_query::table::{ColumnKind, Table};

use super::{ChartError, HeaderError};

/// Line over time or bars by category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// One line per series over a date axis.
    Line,
    /// One bar per category.
    Bar,
}

/// A chart declaration: what a `-- chart:` header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSpec {
    /// Line or bar.
    pub kind: ChartKind,
    /// The x column (a date for lines, text for bars).
    pub x: Option<String>,
    /// The value column(s); several give one line each.
    pub y: Vec<String>,
    /// A text column splitting the rows into series (lines only).
    pub series: Option<String>,
    /// A title.
    pub title: Option<String>,
    /// A category drawn in the accent colour (bars).
    pub highlight: Option<String>,
}

impl ChartSpec {
    /// Parses the text after `chart:`: `KIND [x=COL] [y=COL[,COL...]] [series=COL]
    /// [title="..."] [highlight=VALUE]`.
    pub fn parse(text: &str) -> Result<ChartSpec, ChartError> {
        let words = split_words(text)?;
        let mut words = words.into_iter();
        let kind = match words.next().as_deref() {
            Some("line") => ChartKind::Line,
            Some("bar") => ChartKind::Bar,
            other => {
                return Err(HeaderError::Kind(other.unwrap_or("").to_owned()).into());
            }
        };
        let mut spec = ChartSpec {
            kind,
            x: None,
            y: Vec::new(),
            series: None,
            title: None,
            highlight: None,
        };
        for word in words {
            let Some((key, value)) = word.split_once('=') else {
                return Err(HeaderError::NotKeyValue(word).into());
            };
            if value.is_empty() {
                return Err(HeaderError::NoValue(key.to_owned()).into());
            }
            match key {
                "x" => spec.x = Some(value.to_owned()),
                "y" => spec.y = value.split(',').map(|s| s.trim().to_owned()).collect(),
                "series" => spec.series = Some(value.to_owned()),
                "title" => spec.title = Some(value.to_owned()),
                "highlight" => spec.highlight = Some(value.to_owned()),
                _ => {
                    return Err(HeaderError::UnknownKey(key.to_owned()).into());
                }
            }
        }
        if spec.y.iter().any(String::is_empty) {
            return Err(HeaderError::EmptyY.into());
        }
        Ok(spec)
    }

    /// The `-- chart:` declaration in a saved query's leading comment lines, if any.
    pub fn from_sql(sql: &str) -> Result<Option<ChartSpec>, ChartError> {
        for line in sql.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let Some(comment) = trimmed.strip_prefix("--") else {
                break;
            };
            if let Some(text) = comment.trim().strip_prefix("chart:") {
                return ChartSpec::parse(text).map(Some);
            }
        }
        Ok(None)
    }

    /// The chart a result's column types suggest: date + number gives a line (split by the
    /// first text column when dates repeat), text + number gives bars.
    pub fn infer(table: &Table) -> Result<ChartSpec, ChartError> {
        let first = |kind: ColumnKind| table.kinds.iter().position(|k| *k == kind);
        let number = first(ColumnKind::Number).ok_or_else(|| ChartError::NoNumber)?;
        let y = vec![table.columns[number].clone()];
        let text = first(ColumnKind::Text).map(|i| table.columns[i].clone());
        if let Some(date) = first(ColumnKind::Date) {
            let mut seen = std::collections::HashSet::new();
            let repeats = table.rows.iter().any(|r| !seen.insert(r[date].text()));
            return Ok(ChartSpec {
                kind: ChartKind::Line,
                x: Some(table.columns[date].clone()),
                y,
                series: if repeats { text } else { None },
                title: None,
                highlight: None,
            });
        }
        match text {
            Some(x) => Ok(ChartSpec {
                kind: ChartKind::Bar,
                x: Some(x),
                y,
                series: None,
                title: None,
                highlight: None,
            }),
            None => Err(ChartError::NoAxis),
        }
    }
}

fn split_words(text: &str) -> Result<Vec<String>, ChartError> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err(HeaderError::UnclosedQuote(text.to_owned()).into());
    }
    if !current.is_empty() {
        words.push(current);
    }
    Ok(words)
}
