//! The PNG backend: plotters' bitmap backend with text drawn the way the SVG places it.
//!
//! plotters' own ab_glyph text drops each glyph's side bearing (uneven letter spacing)
//! and sizes text by line height rather than em. This wrapper draws text with the bundled
//! font at the SVG's font size (plotters writes `font-size` as the style size / 1.24), on
//! the SVG's baselines (`dy` of 0.76em, 0.5ex, -0.5ex for top, centre, bottom anchors), so
//! the PNG matches the SVG.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// DejaVu Sans x-height in em (1120 / 2048 units).
const EX: f32 = 0.547;

/// The em size plotters' SVG backend writes for a text style's size.
fn em(size: f64) -> f32 {
    (size / 1.24) as f32
}

pub(crate) struct Raster<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
}

impl<'a> Raster<'a> {
    pub(crate) fn new(inner: BitMapBackend<'a>, font: FontRef<'static>) -> Raster<'a> {
        Raster { inner, font }
    }

    fn scale(&self, size: f64) -> PxScale {
        let units = self.font.units_per_em().unwrap_or(2048.0);
        PxScale::from(em(size) * self.font.height_unscaled() / units)
    }

    fn width(&self, text: &str, size: f64) -> f32 {
        let font = self.font.as_scaled(self.scale(size));
        let mut x = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                x += font.kern(p, id);
            }
            x += font.h_advance(id);
            prev = Some(id);
        }
        x
    }
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Error<'a>> {
        let w = self.width(text, style.size()).ceil() as u32;
        Ok((w, em(style.size()).ceil() as u32))
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let size = em(style.size());
        let width = self.width(text, style.size());
        let anchor = style.anchor();
        let x0 = pos.0 as f32
            - match anchor.h_pos {
                HPos::Left => 0.0,
                HPos::Center => width / 2.0,
                HPos::Right => width,
            };
        let baseline = pos.1 as f32
            + match anchor.v_pos {
                VPos::Top => 0.76 * size,
                VPos::Center => 0.5 * EX * size,
                VPos::Bottom => -0.5 * EX * size,
            };
        let scale = self.scale(style.size());
        let font = self.font.as_scaled(scale);
        let (w, h) = self.inner.get_size();
        let mut caret = x0;
        let mut prev = None;
        let mut pixels = Vec::new();
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                caret += font.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            caret += font.h_advance(id);
            if let Some(outline) = self.font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|x, y, coverage| {
                    let px = bounds.min.x as i32 + x as i32;
                    let py = bounds.min.y as i32 + y as i32;
                    if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h && coverage > 0.0 {
                        pixels.push((px, py, coverage));
                    }
                });
            }
        }
        for (x, y, coverage) in pixels {
            let c = BackendColor {
                alpha: color.alpha * f64::from(coverage.min(1.0)),
                rgb: color.rgb,
            };
            self.inner.draw_pixel((x, y), c)?;
        }
        Ok(())
    }
}
