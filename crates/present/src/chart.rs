//! Charts of query results, as SVG or PNG (pure Rust: plotters with bundled fonts, DejaVu
//! Sans and a Noto Sans CJK SC subset for Chinese names; see assets/README.md).
//!
//! A saved query may declare its chart in its header:
//!
//! ```sql
//! -- chart: line x=period y=tonnes series=partner
//! -- chart: line x=period y=china_reports_t,us_reports_next_month_t title="Magnets to the US"
//! -- chart: bar x=partner y=tonnes highlight=USA
//! ```
//!
//! Without one, the chart follows the column types: a date column and a number give a
//! line over time (one line per value of a text column when the dates repeat), a text
//! column and a number give bars. Export-control events (`policy_events`) inside a line
//! chart's date range are drawn as vertical markers, numbered above the plot and listed
//! under it. A line chart's result with a numeric `months` column (China's headline
//! series publishes January and February as one figure) draws each row covering several
//! months as a flat segment over them at the monthly average, labelled `Jan-Feb`.

mod draw;
mod events;
mod series;
mod spec;
mod text;

use std::path::{Path, PathBuf};

pub use events::{LabelBox, PolicyEvent, policy_events};
use rareflow_query::QuerySession;
use rareflow_query::format::add_months;
use rareflow_query::table::{ColumnKind, Table};
pub use spec::{ChartKind, ChartSpec};

/// How many series (or bars) are drawn before the rest are summed as "other".
pub const TOP_N: usize = 8;

/// The size charts are drawn at unless told otherwise, in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (1000, 560);

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The query whose result is drawn (or the policy events) failed.
    #[error(transparent)]
    Query(#[from] rareflow_query::QueryError),
    /// A `-- chart:` header line is malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A column the chart names is not in the result.
    #[error("chart: no column {column:?} in the result")]
    NoColumn {
        /// The column.
        column: String,
    },
    /// A column the chart names has another kind than the chart needs.
    #[error("chart: column {column:?} is {found:?}, expected {expected:?}")]
    WrongKind {
        /// The column.
        column: String,
        /// Its kind in the result.
        found: ColumnKind,
        /// The kind the chart needs there.
        expected: ColumnKind,
    },
    /// No chart is declared and the result has no number to draw.
    #[error("chart: the result has no numeric column")]
    NoNumber,
    /// No chart is declared and the result has no date or text to draw numbers against.
    #[error("chart: no date or text column to draw the numbers against")]
    NoAxis,
    /// The result has nothing to draw.
    #[error("chart: the result has no rows with a value to draw")]
    Empty,
    /// The output file name says neither `.svg` nor `.png`.
    #[error("chart: {0}: expected a file name ending in .svg or .png")]
    Format(PathBuf),
    /// An image size of zero or past 10,000 pixels.
    #[error("chart: bad image size {width}x{height}")]
    Size {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The bundled font could not be read (a broken build).
    #[error("chart: the bundled font could not be read")]
    Font,
    /// The drawing backend failed.
    #[error("chart: drawing failed")]
    Draw(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Encoding the PNG failed.
    #[error("chart: encoding the PNG")]
    Png(#[source] image::ImageError),
    /// Writing the file failed.
    #[error("chart: cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// What is wrong with a `-- chart:` header line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The first word is not the chart kind.
    #[error("bad chart header: expected `line` or `bar` first, got {0:?}")]
    Kind(String),
    /// A word that is not `KEY=VALUE`.
    #[error("bad chart header: expected KEY=VALUE, got {0:?}")]
    NotKeyValue(String),
    /// `KEY=` with nothing after it.
    #[error("bad chart header: {0}= has no value")]
    NoValue(String),
    /// A key the header does not know.
    #[error("bad chart header: unknown key {0:?}: expected x, y, series, title or highlight")]
    UnknownKey(String),
    /// `y=a,,b`.
    #[error("bad chart header: empty column name in y=")]
    EmptyY,
    /// A `"` without its pair.
    #[error("bad chart header: unclosed quote in {0:?}")]
    UnclosedQuote(String),
}

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// (date as days since 1970-01-01, value), in date order.
    pub points: Vec<(i32, f64)>,
}

/// What is drawn: a title, a value unit, and lines or bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The title.
    pub title: String,
    /// What the values are, with their unit (`tonnes (t)`).
    pub value_label: String,
    /// Lines or bars.
    pub body: ChartBody,
    /// Events drawn as markers (lines only), in date order.
    pub events: Vec<PolicyEvent>,
    /// Periods of several months among the lines' points (lines only).
    pub spans: Vec<Span>,
}

/// A period of several months (China's January-February) drawn as one flat segment at
/// its monthly average over the months it covers, labelled with them.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The series it belongs to.
    pub series: String,
    /// Its first month (first day, days since 1970-01-01).
    pub from: i32,
    /// Its last month (first day).
    pub to: i32,
    /// The monthly average: the period's figure over its months.
    pub value: f64,
    /// The months, `Jan-Feb`.
    pub label: String,
}

/// The drawn data.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartBody {
    /// Lines over dates.
    Lines(Vec<Series>),
    /// Bars: (category, value), and the highlighted category.
    Bars {
        /// (category, value), in drawing order.
        bars: Vec<(String, f64)>,
        /// The category drawn in the accent colour.
        highlight: Option<String>,
    },
}

/// The unit a column's name implies: `t`, `kg`, `US$ m`, `US$/kg`, `%`, `US$`.
pub fn unit_of(column: &str) -> Option<&'static str> {
    let c = column.to_ascii_lowercase();
    // whole `_`-separated parts: `us_reports_next_month_t` ends in `t`, `last_year` does not
    let has = |s: &str| {
        c == s
            || c.ends_with(&format!("_{s}"))
            || c.starts_with(&format!("{s}_"))
            || c.contains(&format!("_{s}_"))
    };
    if has("per_kg") {
        Some("US$/kg")
    } else if has("pct") {
        Some("%")
    } else if has("usd_million") || has("usd_m") {
        Some("US$ m")
    } else if has("kg") {
        Some("kg")
    } else if has("tonnes") || has("t") || c == "quantity" {
        Some("t")
    } else if has("usd") {
        Some("US$")
    } else {
        None
    }
}

/// `column (unit)`, or the column alone.
pub fn value_label(column: &str) -> String {
    match unit_of(column) {
        Some(u) => format!("{} ({u})", column.replace('_', " ")),
        None => column.replace('_', " "),
    }
}

/// What a unit measures, for a chart of several columns (`tonnes (t)`).
fn unit_label(column: &str) -> String {
    match unit_of(column) {
        Some("t") => "tonnes (t)".into(),
        Some("kg") => "kilograms (kg)".into(),
        Some("US$ m") => "US$ million".into(),
        Some("%") => "percent (%)".into(),
        Some(u) => u.to_owned(),
        None => value_label(column),
    }
}

impl Chart {
    /// Builds the chart `spec` describes from a result. Events outside a line chart's date
    /// range (first date to the end of the last month) are dropped.
    pub fn build(
        table: &Table,
        spec: &ChartSpec,
        title: &str,
        events: &[PolicyEvent],
    ) -> Result<Chart, ChartError> {
        let column = |name: &str, kind: ColumnKind| -> Result<usize, ChartError> {
            let i = table.index(name).ok_or_else(|| ChartError::NoColumn {
                column: name.to_owned(),
            })?;
            if table.kinds[i] != kind {
                return Err(ChartError::WrongKind {
                    column: name.to_owned(),
                    found: table.kinds[i],
                    expected: kind,
                });
            }
            Ok(i)
        };
        let inferred;
        let spec = if spec.x.is_none() || spec.y.is_empty() {
            inferred = ChartSpec {
                title: spec.title.clone(),
                highlight: spec.highlight.clone(),
                ..ChartSpec::infer(table)?
            };
            &inferred
        } else {
            spec
        };
        let x_name = spec.x.as_deref().unwrap_or_default();
        let ys = spec
            .y
            .iter()
            .map(|y| column(y, ColumnKind::Number))
            .collect::<Result<Vec<_>, _>>()?;
        let title = spec.title.clone().unwrap_or_else(|| title.to_owned());
        let value_label = if spec.y.len() > 1 {
            unit_label(&spec.y[0])
        } else {
            value_label(&spec.y[0])
        };
        match spec.kind {
            ChartKind::Line => {
                let x = column(x_name, ColumnKind::Date)?;
                let series_col = match &spec.series {
                    Some(s) => Some(column(s, ColumnKind::Text)?),
                    None => None,
                };
                // how many months each row covers, when the result says (headline_series)
                let months = table
                    .index("months")
                    .filter(|&i| table.kinds[i] == ColumnKind::Number);
                let (series, spans) = series::line_series(table, x, &ys, series_col, months);
                let mut chart = Chart::lines(title, value_label, series, events)?;
                if let ChartBody::Lines(drawn) = &chart.body {
                    // a series summed into "other" has no segment of its own
                    chart.spans = spans
                        .into_iter()
                        .filter(|s| drawn.iter().any(|d| d.name == s.series))
                        .collect();
                }
                Ok(chart)
            }
            ChartKind::Bar => {
                let x = column(x_name, ColumnKind::Text)?;
                let mut bars: Vec<(String, f64)> = table
                    .rows
                    .iter()
                    .filter_map(|r| Some((r[x].text(), r[ys[0]].number()?)))
                    .collect();
                if bars.is_empty() {
                    return Err(ChartError::Empty);
                }
                if bars.len() > TOP_N + 4 {
                    let cut = TOP_N + 3;
                    let other: f64 = bars[cut..].iter().map(|b| b.1).sum();
                    let n = bars.len() - cut;
                    bars.truncate(cut);
                    bars.push((format!("other ({n})"), other));
                }
                Ok(Chart {
                    title,
                    value_label,
                    body: ChartBody::Bars {
                        bars,
                        highlight: spec.highlight.clone(),
                    },
                    events: Vec::new(),
                    spans: Vec::new(),
                })
            }
        }
    }

    /// A line chart of `series` (the [`TOP_N`] largest kept, the rest summed as "other"),
    /// with the `events` that fall between the first date and the end of the last month.
    pub fn lines(
        title: String,
        value_label: String,
        series: Vec<Series>,
        events: &[PolicyEvent],
    ) -> Result<Chart, ChartError> {
        let series: Vec<Series> = series::top_series(series)
            .into_iter()
            .filter(|s| !s.points.is_empty())
            .collect();
        if series.is_empty() {
            return Err(ChartError::Empty);
        }
        let (lo, hi) = series::date_range(&series);
        let end = add_months(hi, 1);
        let mut events: Vec<PolicyEvent> = events
            .iter()
            .filter(|e| e.date >= lo && e.date < end)
            .cloned()
            .collect();
        // numbered left to right
        events.sort_by_key(|e| e.date);
        Ok(Chart {
            title,
            value_label,
            body: ChartBody::Lines(series),
            events,
            spans: Vec::new(),
        })
    }

    /// Draws the chart as an SVG document of `size` pixels.
    pub fn to_svg(&self, size: (u32, u32)) -> Result<String, ChartError> {
        draw::svg(self, size)
    }

    /// Draws the chart as a PNG image of `size` pixels.
    pub fn to_png(&self, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
        draw::png(self, size)
    }

    /// The event labels as drawn at `size` pixels (the same in SVG and PNG): the numbers
    /// above the markers, then the entries of the list under the chart.
    pub fn event_label_boxes(&self, size: (u32, u32)) -> Result<Vec<LabelBox>, ChartError> {
        draw::svg_with_boxes(self, size).map(|(_, boxes)| boxes)
    }

    /// Writes the chart to `path`, SVG or PNG by its extension.
    pub fn write(&self, path: &Path, size: (u32, u32)) -> Result<(), ChartError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let bytes = match ext.as_deref() {
            Some("svg") => self.to_svg(size)?.into_bytes(),
            Some("png") => self.to_png(size)?,
            _ => return Err(ChartError::Format(path.to_owned())),
        };
        std::fs::write(path, bytes).map_err(|source| ChartError::Write {
            path: path.to_owned(),
            source,
        })
    }
}

/// Collects a result stream, draws its chart to `path` (SVG or PNG by extension) as the
/// `-- chart:` header of `sql` declares it (or as the column types suggest), and gives the
/// rows back as a stream to print. `title` is used when the header names none; `note`
/// (e.g. the parameters given), when not empty, is added to the title in parentheses.
pub async fn draw_then_replay(
    session: &QuerySession,
    sql: &str,
    title: &str,
    note: &str,
    stream: datafusion::execution::SendableRecordBatchStream,
    path: &Path,
) -> Result<datafusion::execution::SendableRecordBatchStream, ChartError> {
    use futures::StreamExt;
    let schema = stream.schema();
    let batches: Vec<_> = stream.collect().await;
    let batches = batches
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(rareflow_query::QueryError::from)?;
    let table = Table::from_batches(&batches);
    let mut spec = match ChartSpec::from_sql(sql)? {
        Some(spec) => spec,
        None => ChartSpec::infer(&table)?,
    };
    if !note.is_empty() {
        let base = spec.title.take().unwrap_or_else(|| title.to_owned());
        spec.title = Some(format!("{base} ({note})"));
    }
    let events = policy_events(session).await?;
    Chart::build(&table, &spec, title, &events)
        .and_then(|chart| chart.write(path, DEFAULT_SIZE))?;
    let replay = futures::stream::iter(batches.into_iter().map(Ok));
    Ok(Box::pin(
        datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(schema, replay),
    ))
}
