//! Drawing a [`Chart`] with plotters: the same code draws the SVG and the PNG, so both
//! give the same picture. Text is measured (and, in PNGs, drawn) with the bundled fonts
//! (see [`super::text`]); SVGs name them in a family list.

use plotters::coord::Shift;
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::events::{self, BAND, EventList, LabelBox};
use super::text::{FAMILY, Fonted, Fonts};
use super::{Chart, ChartBody, ChartError, Span};
use rareflow_query::format::{add_months, fmt_number, format_month};

/// Series colours (Tableau 10), then grey for "other".
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];
const OTHER: RGBColor = RGBColor(150, 150, 150);
const BAR: RGBColor = RGBColor(120, 144, 176);
const ACCENT: RGBColor = RGBColor(214, 39, 40);

pub(crate) fn svg(chart: &Chart, size: (u32, u32)) -> Result<String, ChartError> {
    svg_with_boxes(chart, size).map(|(svg, _)| svg)
}

/// The SVG, and the event labels' boxes as laid out in it.
pub(crate) fn svg_with_boxes(
    chart: &Chart,
    size: (u32, u32),
) -> Result<(String, Vec<LabelBox>), ChartError> {
    let fonts = Fonts::get()?;
    let mut out = String::new();
    let boxes = {
        let svg = SVGBackend::with_string(&mut out, size);
        let root = Fonted::new(svg, fonts, false).into_drawing_area();
        let boxes = draw(&root, chart)?;
        root.present().map_err(drawing_failed)?;
        boxes
    };
    Ok((out, boxes))
}

pub(crate) fn png(chart: &Chart, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    let fonts = Fonts::get()?;
    let (w, h) = size;
    if w == 0 || h == 0 || w > 10_000 || h > 10_000 {
        return Err(ChartError::Size {
            width: w,
            height: h,
        });
    }
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let bitmap = BitMapBackend::with_buffer(&mut pixels, size);
        let root = Fonted::new(bitmap, fonts, true).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(drawing_failed)?;
    }
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        &pixels,
        w,
        h,
        image::ExtendedColorType::Rgb8,
    )
    .map_err(ChartError::Png)?;
    Ok(out)
}

/// The backend's error, kept as the cause.
pub(crate) fn drawing_failed<E: std::error::Error + Send + Sync + 'static>(
    e: plotters::drawing::DrawingAreaErrorKind<E>,
) -> ChartError {
    ChartError::Draw(Box::new(e))
}

fn color(i: usize, name: &str) -> RGBColor {
    if name.starts_with("other") {
        OTHER
    } else {
        PALETTE[i % PALETTE.len()]
    }
}

/// Thousands separators, one decimal when the numbers are small.
pub(crate) fn axis_number(v: f64, span: f64) -> String {
    let decimals = if span < 10.0 { 1 } else { 0 };
    fmt_number(v, decimals)
}

/// Draws the chart; gives the event labels' boxes.
fn draw<DB: DrawingBackend<ErrorType: 'static>>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
) -> Result<Vec<LabelBox>, ChartError> {
    let err = drawing_failed::<DB::ErrorType>;
    root.fill(&WHITE).map_err(err)?;
    match &chart.body {
        ChartBody::Lines(series) => draw_lines(root, chart, series),
        ChartBody::Bars { bars, highlight } => {
            draw_bars(root, chart, bars, highlight.as_deref()).map(|()| Vec::new())
        }
    }
}

fn draw_lines<DB: DrawingBackend<ErrorType: 'static>>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    series: &[super::Series],
) -> Result<Vec<LabelBox>, ChartError> {
    let err = drawing_failed::<DB::ErrorType>;
    let legend_style = (FAMILY, 17).into_font().color(&BLACK);
    let (width, height) = root.dim_in_pixel();
    // legend entries, wrapped into rows under the plot
    let entry_width = |name: &str| -> i32 {
        let (w, _) = root
            .estimate_text_size(name, &legend_style)
            .unwrap_or((80, 14));
        w as i32 + 34
    };
    let mut legend_rows = vec![Vec::new()];
    let mut used = 0;
    for (i, s) in series.iter().enumerate() {
        let w = entry_width(&s.name);
        if used + w > width as i32 - 80 && used > 0 {
            legend_rows.push(Vec::new());
            used = 0;
        }
        used += w;
        if let Some(row) = legend_rows.last_mut() {
            row.push(i);
        }
    }
    // one line needs no legend: the title and the value label say what it is
    if series.len() < 2 {
        legend_rows.clear();
    }
    let legend_height = 24 * legend_rows.len() as u32 + 8;
    let list = EventList::new(root, &chart.events, (width, height));
    let (plot_area, under) =
        root.split_vertically(height.saturating_sub(legend_height + list.height()));
    let (legend_area, list_area) = under.split_vertically(legend_height);

    let (lo, hi) = super::series::date_range(series);
    let end = add_months(hi, 1);
    let values = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let y_min = values.clone().fold(0.0f64, f64::min);
    let y_max = values.fold(0.0f64, f64::max);
    let span = (y_max - y_min).max(1e-9);
    let y_top = y_max + span * 0.08;
    let y_bottom = if y_min < 0.0 {
        y_min - span * 0.05
    } else {
        0.0
    };

    let months = months_between(lo, end);
    // at most ~10 month labels: every month, every 2nd, 3rd...
    let step = months.len().div_ceil(10).max(1);
    let keys: Vec<i32> = months.iter().copied().step_by(step).collect();
    let body = draw_title(&plot_area, &chart.title)?;
    // the events' numbers get a band of their own above the plot, clear of the lines
    let band = if chart.events.is_empty() { 0 } else { BAND };
    let mut ctx = ChartBuilder::on(&body)
        .margin(12)
        .margin_top(26 + band)
        .x_label_area_size(32)
        .y_label_area_size(70)
        .build_cartesian_2d((lo..end).with_key_points(keys), y_bottom..y_top)
        .map_err(err)?;
    let x_fmt = |d: &i32| format_month(*d);
    let y_fmt = |v: &f64| axis_number(*v, span);
    ctx.configure_mesh()
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FAMILY, 16))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(err)?;
    let (px, py) = ctx.plotting_area().get_pixel_range();
    plot_area
        .draw(&Text::new(
            chart.value_label.clone(),
            (px.start, py.start - 20 - band as i32),
            (FAMILY, 16).into_font().color(&BLACK),
        ))
        .map_err(err)?;

    let xs: Vec<i32> = chart
        .events
        .iter()
        .map(|e| ctx.backend_coord(&(e.date, y_top)).0)
        .collect();
    let mut boxes = events::draw_markers(&plot_area, &xs, py)?;

    for (i, s) in series.iter().enumerate() {
        let c = color(i, &s.name);
        ctx.draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
            .map_err(err)?;
        for span in chart.spans.iter().filter(|p| p.series == s.name) {
            let from = ctx.backend_coord(&(span.from, span.value));
            let to = ctx.backend_coord(&(span.to, span.value));
            plot_area
                .draw(&PathElement::new(vec![from, to], c.stroke_width(4)))
                .map_err(err)?;
        }
    }
    span_labels(&ctx, &plot_area, chart, series)?;

    for (r, row) in legend_rows.iter().enumerate() {
        let mut x = 80;
        let y = 6 + 24 * r as i32;
        for &i in row {
            let s = &series[i];
            let c = color(i, &s.name);
            legend_area
                .draw(&Rectangle::new([(x, y + 4), (x + 22, y + 10)], c.filled()))
                .map_err(err)?;
            legend_area
                .draw(&Text::new(
                    s.name.clone(),
                    (x + 28, y),
                    legend_style.clone(),
                ))
                .map_err(err)?;
            x += entry_width(&s.name);
        }
    }
    let list_top = (height.saturating_sub(list.height())) as i32;
    boxes.extend(list.draw(&list_area, list_top)?);
    Ok(boxes)
}

/// The months of each multi-month period, written once above its highest segment: in
/// its series' colour when one series has it, else in grey.
fn span_labels<DB: DrawingBackend<ErrorType: 'static>, X, Y>(
    ctx: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    area: &DrawingArea<DB, Shift>,
    chart: &Chart,
    series: &[super::Series],
) -> Result<(), ChartError>
where
    X: Ranged<ValueType = i32>,
    Y: Ranged<ValueType = f64>,
{
    let left_edge = ctx.plotting_area().get_pixel_range().0.start + 3;
    let mut done: Vec<(i32, i32)> = Vec::new();
    for span in &chart.spans {
        if done.contains(&(span.from, span.to)) {
            continue;
        }
        done.push((span.from, span.to));
        let same: Vec<&Span> = chart
            .spans
            .iter()
            .filter(|p| (p.from, p.to) == (span.from, span.to))
            .collect();
        let top = same.iter().map(|p| p.value).fold(f64::MIN, f64::max);
        let c = match same.as_slice() {
            [one] => series
                .iter()
                .position(|s| s.name == one.series)
                .map_or(BLACK, |i| color(i, &one.series)),
            _ => RGBColor(90, 90, 90),
        };
        let style = (FAMILY, 14)
            .into_font()
            .color(&c)
            .pos(Pos::new(HPos::Left, VPos::Bottom));
        let from = ctx.backend_coord(&(span.from, top));
        let to = ctx.backend_coord(&(span.to, top));
        // centred over the segment, but right of the y axis at the chart's left edge
        let (w, _) = area
            .estimate_text_size(&span.label, &style)
            .unwrap_or((0, 0));
        let left = ((from.0 + to.0) / 2 - w as i32 / 2).max(left_edge);
        area.draw(&Text::new(span.label.clone(), (left, from.1 - 6), style))
            .map_err(drawing_failed)?;
    }
    Ok(())
}

/// Draws the title centred in a band at the top; returns the area below it.
fn draw_title<DB: DrawingBackend<ErrorType: 'static>>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let (text, size) = fit_title(area, title);
    let (band, body) = area.split_vertically(40);
    let (w, _) = band.dim_in_pixel();
    let style = (FAMILY, size)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    band.draw(&Text::new(text, (w as i32 / 2, 22), style))
        .map_err(drawing_failed)?;
    Ok(body)
}

/// The title and a font size at which it fits the width: 26 down to 16, then cut with "...".
fn fit_title<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, title: &str) -> (String, u32) {
    let room = area.dim_in_pixel().0.saturating_sub(24);
    let width = |text: &str, size: u32| {
        area.estimate_text_size(text, &TextStyle::from((FAMILY, size).into_font()))
            .map_or(u32::MAX, |(w, _)| w)
    };
    for size in (16..=26).rev().step_by(2) {
        if width(title, size) <= room {
            return (title.to_owned(), size);
        }
    }
    let mut cut: String = title.to_owned();
    while !cut.is_empty() && width(&format!("{cut}..."), 16) > room {
        cut.pop();
    }
    (format!("{}...", cut.trim_end()), 16)
}

fn months_between(lo: i32, end: i32) -> Vec<i32> {
    let mut out = Vec::new();
    let mut m = add_months(lo, 0);
    if m < lo {
        m = add_months(lo, 1);
    }
    while m < end && out.len() < 1200 {
        out.push(m);
        m = add_months(m, 1);
    }
    out
}

fn draw_bars<DB: DrawingBackend<ErrorType: 'static>>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    bars: &[(String, f64)],
    highlight: Option<&str>,
) -> Result<(), ChartError> {
    let err = drawing_failed::<DB::ErrorType>;
    let n = bars.len();
    let y_max = bars.iter().map(|b| b.1).fold(0.0f64, f64::max);
    let y_min = bars.iter().map(|b| b.1).fold(0.0f64, f64::min);
    let span = (y_max - y_min).max(1e-9);
    let y_top = y_max + span * 0.1;
    let y_bottom = if y_min < 0.0 { y_min - span * 0.1 } else { 0.0 };
    let body = draw_title(root, &chart.title)?;
    let mut ctx = ChartBuilder::on(&body)
        .margin(12)
        .margin_top(26)
        .x_label_area_size(32)
        .y_label_area_size(70)
        .build_cartesian_2d((0..n.saturating_sub(1)).into_segmented(), y_bottom..y_top)
        .map_err(err)?;
    let x_fmt = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) => bars.get(*i).map(|b| b.0.clone()).unwrap_or_default(),
        _ => String::new(),
    };
    let y_fmt = |v: &f64| axis_number(*v, span);
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FAMILY, 16))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(err)?;
    let (px, py) = ctx.plotting_area().get_pixel_range();
    root.draw(&Text::new(
        chart.value_label.clone(),
        (px.start, py.start - 20),
        (FAMILY, 16).into_font().color(&BLACK),
    ))
    .map_err(err)?;
    ctx.draw_series(bars.iter().enumerate().map(|(i, (name, v))| {
        let c = if Some(name.as_str()) == highlight {
            ACCENT
        } else {
            BAR
        };
        let mut r = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), *v),
            ],
            c.filled(),
        );
        r.set_margin(0, 0, 6, 6);
        r
    }))
    .map_err(err)?;
    let value_style = (FAMILY, 15)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    ctx.draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
        Text::new(
            axis_number(*v, span),
            (SegmentValue::CenterOf(i), v.max(0.0) + span * 0.01),
            value_style.clone(),
        )
    }))
    .map_err(err)?;
    Ok(())
}
