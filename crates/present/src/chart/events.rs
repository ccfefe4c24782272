//! Export-control events on line charts: a vertical line per event, numbered above the
//! plot, and the numbered list of events under the chart. Numbers of events too close to
//! tell apart share one label (`5-7`), so no two labels overlap however the events bunch
//! (November 2025 has four in ten days).

use datafusion::common::ParamValues;
use plotters::coord::Shift;
use plotters::prelude::*;

use rareflow_query::QuerySession;
use rareflow_query::format::format_date;
use rareflow_query::table::Table;

use super::ChartError;
use super::text::FAMILY;

/// Event colour: lines, numbers.
const MARKER: RGBColor = RGBColor(178, 34, 34);
/// Text size (plotters style size) of the numbers and the list.
const SIZE: u32 = 15;
/// The band above the plot that holds the numbers, in pixels.
pub(crate) const BAND: u32 = 20;
/// Height of one row of the list.
const ROW: i32 = 20;
/// Pixels kept free between two labels.
const GAP: i32 = 4;

/// An export-control event, as in the `policy_events` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyEvent {
    /// Date, days since 1970-01-01.
    pub date: i32,
    /// Who announced it.
    pub authority: String,
    /// The announcement.
    pub reference: String,
    /// What it did.
    pub description: String,
}

impl PolicyEvent {
    /// The marker label: date and a short form of the announcement.
    pub fn label(&self) -> String {
        let short = self
            .reference
            .replace("Announcements ", "Ann. ")
            .replace("Announcement ", "Ann. ");
        let short = match short.find(" of 20") {
            Some(i) => &short[..i],
            None => &short,
        };
        format!("{} {short}", format_date(self.date))
    }
}

/// Reads the export-control timeline from the warehouse's `policy_events` table.
pub async fn policy_events(
    session: &QuerySession,
) -> Result<Vec<PolicyEvent>, rareflow_query::QueryError> {
    let sql = "SELECT event_date, authority, reference, description FROM policy_events \
               ORDER BY event_date";
    let batches = session
        .collect("policy_events", sql, ParamValues::List(Vec::new()))
        .await?;
    let table = Table::from_batches(&batches);
    Ok((0..table.rows.len())
        .filter_map(|r| {
            Some(PolicyEvent {
                date: table.get(r, "event_date").date()?,
                authority: table.get(r, "authority").text(),
                reference: table.get(r, "reference").text(),
                description: table.get(r, "description").text(),
            })
        })
        .collect())
}

/// A label as drawn: its text and the pixels it takes (right and bottom exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelBox {
    /// The text drawn.
    pub text: String,
    /// Left edge, pixels from the image's left.
    pub left: i32,
    /// Top edge, pixels from the image's top.
    pub top: i32,
    /// Right edge (exclusive).
    pub right: i32,
    /// Bottom edge (exclusive).
    pub bottom: i32,
}

impl LabelBox {
    /// Whether the two boxes share a pixel.
    pub fn overlaps(&self, other: &LabelBox) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }
}

fn style() -> TextStyle<'static> {
    (FAMILY, SIZE).into_font().color(&MARKER)
}

fn measure<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str) -> (i32, i32) {
    let (w, h) = area.estimate_text_size(text, &style()).unwrap_or((0, 0));
    (w as i32, h as i32)
}

/// Events `first..=last` (0-based), as their numbers: `3`, `3,4`, `3-5`.
fn numbers(first: usize, last: usize) -> String {
    match last - first {
        0 => format!("{}", first + 1),
        1 => format!("{},{}", first + 1, last + 1),
        _ => format!("{}-{}", first + 1, last + 1),
    }
}

/// The numbers above markers at `xs` (in date order): centred on their markers, kept
/// between `lo` and `hi`, runs of markers whose numbers would touch sharing one label.
/// Gives (text, left, width) per label.
pub(crate) fn number_labels(
    xs: &[i32],
    (lo, hi): (i32, i32),
    width: impl Fn(&str) -> i32,
) -> Vec<(String, i32, i32)> {
    struct Run {
        first: usize,
        last: usize,
        lo: i32,
        hi: i32,
    }
    let place = |r: &Run| {
        let text = numbers(r.first, r.last);
        let w = width(&text);
        let left = ((r.lo + r.hi) / 2 - w / 2).min(hi - w).max(lo);
        (text, left, w)
    };
    let mut runs: Vec<Run> = Vec::new();
    for (i, &x) in xs.iter().enumerate() {
        runs.push(Run {
            first: i,
            last: i,
            lo: x,
            hi: x,
        });
        // merge the newest run into the one before while their labels touch; a merged
        // label moves, so check again against the run before that
        while let [.., a, b] = runs.as_slice() {
            let ((_, a_left, a_w), (_, b_left, _)) = (place(a), place(b));
            if a_left + a_w + GAP <= b_left {
                break;
            }
            if let Some(b) = runs.pop()
                && let Some(a) = runs.last_mut()
            {
                a.last = b.last;
                a.lo = a.lo.min(b.lo);
                a.hi = a.hi.max(b.hi);
            }
        }
    }
    runs.iter().map(place).collect()
}

/// The event list under the chart: entries in columns, rows of [`ROW`] pixels.
pub(crate) struct EventList {
    entries: Vec<(String, String)>,
    left: i32,
    column: i32,
    columns: usize,
}

impl EventList {
    /// Lays out `events` for an image of `(width, height)` pixels: `N  date reference`
    /// each, labels too wide for the image cut with "...", and at most two fifths of the
    /// height (the rest summed up as `+ N more`).
    pub(crate) fn new<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        events: &[PolicyEvent],
        (width, height): (u32, u32),
    ) -> EventList {
        let width = width as i32;
        let room = (width - 32).max(1);
        let mut entries: Vec<(String, String)> = events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let number = format!("{}", i + 1);
                let rest = room - measure(area, &number).0 - 6;
                (number, fit(area, &e.label(), rest))
            })
            .collect();
        let widest = entries
            .iter()
            .map(|(n, l)| measure(area, n).0 + 6 + measure(area, l).0)
            .max()
            .unwrap_or(0);
        let column = widest + 24;
        let columns_from = |left: i32| (((width - left - 16 + 24) / column.max(1)).max(1)) as usize;
        // aligned with the legend when that costs no column
        let left = if columns_from(80) == columns_from(16) {
            80
        } else {
            16
        };
        let columns = columns_from(left);
        let rows = (height as i32 * 2 / 5 / ROW).max(1) as usize;
        if entries.len() > rows * columns {
            let shown = rows * columns - 1;
            let more = format!("{} more", entries.len() - shown);
            entries.truncate(shown);
            entries.push(("+".to_owned(), more));
        }
        EventList {
            entries,
            left,
            column,
            columns,
        }
    }

    /// The height the list takes.
    pub(crate) fn height(&self) -> u32 {
        if self.entries.is_empty() {
            0
        } else {
            (self.entries.len().div_ceil(self.columns) as i32 * ROW + 6) as u32
        }
    }

    /// Draws the list at the top of `area` (which starts `top` pixels down the image).
    pub(crate) fn draw<DB: DrawingBackend<ErrorType: 'static>>(
        &self,
        area: &DrawingArea<DB, Shift>,
        top: i32,
    ) -> Result<Vec<LabelBox>, ChartError> {
        let mut boxes = Vec::new();
        for (i, (number, label)) in self.entries.iter().enumerate() {
            let x = self.left + self.column * (i % self.columns) as i32;
            let y = 2 + ROW * (i / self.columns) as i32;
            let (nw, h) = measure(area, number);
            area.draw(&Text::new(number.clone(), (x, y), style()))
                .map_err(super::draw::drawing_failed)?;
            let text = style().color(&RGBColor(60, 60, 60));
            area.draw(&Text::new(label.clone(), (x + nw + 6, y), text))
                .map_err(super::draw::drawing_failed)?;
            boxes.push(LabelBox {
                text: format!("{number} {label}"),
                left: x,
                top: top + y,
                right: x + nw + 6 + measure(area, label).0,
                bottom: top + y + h,
            });
        }
        Ok(boxes)
    }
}

/// `text`, cut with "..." to at most `room` pixels.
fn fit<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, room: i32) -> String {
    if measure(area, text).0 <= room {
        return text.to_owned();
    }
    let mut cut = text.to_owned();
    while !cut.is_empty() && measure(area, &format!("{cut}...")).0 > room {
        cut.pop();
    }
    format!("{}...", cut.trim_end())
}

/// Draws a line per marker `xs` from the plot's bottom to its top (`py`), and the
/// numbers in the band above; gives the numbers' boxes.
pub(crate) fn draw_markers<DB: DrawingBackend<ErrorType: 'static>>(
    area: &DrawingArea<DB, Shift>,
    xs: &[i32],
    py: std::ops::Range<i32>,
) -> Result<Vec<LabelBox>, ChartError> {
    // a path, not a zero-width rectangle: browsers draw no rectangle without width
    for &x in xs {
        area.draw(&PathElement::new(
            vec![(x, py.end), (x, py.start)],
            MARKER.mix(0.8).stroke_width(1),
        ))
        .map_err(super::draw::drawing_failed)?;
    }
    let (width, _) = area.dim_in_pixel();
    let top = py.start - BAND as i32 + 3;
    let (_, h) = measure(area, "0");
    let mut boxes = Vec::new();
    for (text, left, w) in number_labels(xs, (2, width as i32 - 2), |t| measure(area, t).0) {
        area.draw(&Text::new(text.clone(), (left, top), style()))
            .map_err(super::draw::drawing_failed)?;
        boxes.push(LabelBox {
            text,
            left,
            top,
            right: left + w,
            bottom: top + h,
        });
    }
    Ok(boxes)
}

#[cfg(test)]
mod tests {
    use super::number_labels;

    /// 8 px per character: "1" is 8 px wide, "1-3" 24 px.
    fn width(text: &str) -> i32 {
        8 * text.chars().count() as i32
    }

    #[test]
    fn close_markers_share_one_number_label() {
        // three markers 2 px apart, one far off: "1-3" centred on the three, "4" alone
        let labels = number_labels(&[100, 102, 104, 300], (0, 1000), width);
        assert_eq!(
            labels,
            vec![
                ("1-3".to_owned(), 102 - 12, 24),
                ("4".to_owned(), 300 - 4, 8)
            ]
        );
        // two close markers at the right edge: "1,2" pushed left to stay inside
        let labels = number_labels(&[995, 998], (0, 1000), width);
        assert_eq!(labels, vec![("1,2".to_owned(), 1000 - 24, 24)]);
        // a merged label that grows into the one before merges with it too: 1 at 100,
        // 2 and 3 at 111 and 112 ("2,3" from 99 touches "1"), so all three share one
        let labels = number_labels(&[100, 111, 112], (0, 1000), width);
        assert_eq!(labels, vec![("1-3".to_owned(), 106 - 12, 24)]);
    }
}
