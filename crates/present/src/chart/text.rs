//! Text with the bundled fonts, measured the same way in SVG and PNG.
//!
//! Glyphs fall back per character: DejaVu Sans first, Noto Sans CJK SC (a subset, see
//! assets/README.md) for the ones DejaVu lacks, so Chinese names draw in PNGs. SVGs name
//! the same fonts first in a family list and leave drawing to the reader; only their
//! measuring (legend widths, title fitting, label layout) goes through these fonts.
//!
//! plotters' own ab_glyph text drops each glyph's side bearing (uneven letter spacing)
//! and sizes text by line height rather than em. [`Fonted`] draws PNG text at the SVG's
//! font size (plotters writes `font-size` as the style size / 1.24), on the SVG's
//! baselines (`dy` of 0.76em, 0.5ex, -0.5ex for top, centre, bottom anchors), so the PNG
//! matches the SVG.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::ChartError;

/// DejaVu Sans 2.37 (Bitstream Vera licence, see assets/LICENSE-DejaVu.txt).
static LATIN: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// Noto Sans CJK SC 2.004, GB2312 level-1 subset (SIL OFL 1.1, assets/LICENSE-NotoSansCJK.txt).
static CJK: &[u8] = include_bytes!("../../assets/NotoSansCJKsc-Regular-subset.otf");

/// The font family SVG text names: the bundled fonts, then common CJK system fonts, so a
/// browser draws Chinese names with whatever CJK font it has.
pub(crate) const FAMILY: &str = "DejaVu Sans, Noto Sans CJK SC, Noto Sans SC, \
     Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif";

/// DejaVu Sans x-height in em (1120 / 2048 units).
const EX: f32 = 0.547;

/// The em size plotters' SVG backend writes for a text style's size.
fn em(size: f64) -> f32 {
    (size / 1.24) as f32
}

/// The bundled faces, in fallback order.
pub(crate) struct Fonts {
    faces: [FontRef<'static>; 2],
}

/// One glyph of a laid-out line: its face, id and pen position.
struct Placed<'f> {
    face: &'f FontRef<'static>,
    id: GlyphId,
    scale: PxScale,
    x: f32,
}

impl Fonts {
    /// The bundled fonts, parsed once; also registers DejaVu with plotters under [`FAMILY`]
    /// for the plotters code that looks fonts up by name.
    pub(crate) fn get() -> Result<&'static Fonts, ChartError> {
        static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                plotters::style::register_font(FAMILY, FontStyle::Normal, LATIN).ok()?;
                Some(Fonts {
                    faces: [
                        FontRef::try_from_slice(LATIN).ok()?,
                        FontRef::try_from_slice(CJK).ok()?,
                    ],
                })
            })
            .as_ref()
            .ok_or(ChartError::Font)
    }

    /// The face that draws `c`: the first that has it, else DejaVu (its missing-glyph box).
    fn face(&self, c: char) -> (&FontRef<'static>, GlyphId) {
        self.faces
            .iter()
            .map(|f| (f, f.glyph_id(c)))
            .find(|(_, id)| id.0 != 0)
            .unwrap_or_else(|| (&self.faces[0], self.faces[0].glyph_id(c)))
    }

    /// The scale giving `face` an em of the SVG's font size.
    fn scale(face: &FontRef<'static>, size: f64) -> PxScale {
        let units = face.units_per_em().unwrap_or(1000.0);
        PxScale::from(em(size) * face.height_unscaled() / units)
    }

    /// Each glyph with its face and pen position from 0, and the advance of the whole text.
    fn layout(&self, text: &str, size: f64) -> (Vec<Placed<'_>>, f32) {
        let mut x = 0.0;
        let mut placed: Vec<Placed<'_>> = Vec::new();
        for c in text.chars() {
            let (face, id) = self.face(c);
            let scale = Fonts::scale(face, size);
            let scaled = face.as_scaled(scale);
            // kerning only within one face: the pair tables know nothing of the other
            if let Some(prev) = placed.last().filter(|p| std::ptr::eq(p.face, face)) {
                x += scaled.kern(prev.id, id);
            }
            placed.push(Placed { face, id, scale, x });
            x += scaled.h_advance(id);
        }
        (placed, x)
    }

    /// The advance width of `text` at a plotters style size, in pixels.
    pub(crate) fn width(&self, text: &str, size: f64) -> f32 {
        self.layout(text, size).1
    }
}

/// A backend that measures text with the bundled fonts and, for bitmaps, draws it with
/// them (`raster`); an SVG keeps its own `<text>` elements.
pub(crate) struct Fonted<B> {
    inner: B,
    fonts: &'static Fonts,
    raster: bool,
}

impl<B: DrawingBackend> Fonted<B> {
    /// Wraps `inner`; `raster` draws text as pixels (PNG) instead of passing it on (SVG).
    pub(crate) fn new(inner: B, fonts: &'static Fonts, raster: bool) -> Fonted<B> {
        Fonted {
            inner,
            fonts,
            raster,
        }
    }

    fn rasterize<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let size = em(style.size());
        let (placed, width) = self.fonts.layout(text, style.size());
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
        let (w, h) = self.inner.get_size();
        let mut pixels = Vec::new();
        for p in placed {
            let glyph =
                p.id.with_scale_and_position(p.scale, point(x0 + p.x, baseline));
            if let Some(outline) = p.face.outline_glyph(glyph) {
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

type Error<B> = DrawingErrorKind<<B as DrawingBackend>::ErrorType>;

impl<B: DrawingBackend> DrawingBackend for Fonted<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<B>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<B>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<B>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<B>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<B>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<B>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<B>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<B>> {
        self.inner.fill_polygon(vert, style)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Error<B>> {
        let w = self.fonts.width(text, style.size()).ceil() as u32;
        Ok((w, em(style.size()).ceil() as u32))
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Error<B>> {
        if self.raster {
            self.rasterize(text, style, pos)
        } else {
            self.inner.draw_text(text, style, pos)
        }
    }
}
