//! Charts drawn with plotters into SVG (for the report) or PNG (on request), with the
//! DejaVu Sans font embedded in the binary (`assets/fonts/`, Bitstream Vera licence in
//! `assets/fonts/LICENSE`): text is measured and, in PNG, drawn with it, so a machine with
//! no system fonts renders the same pictures.
//!
//! Each chart is a plain data struct implementing [`Chart`]; [`svg`] and [`png`] draw it on
//! the matching backend. Figures below the small-cell limit never reach a chart's text: the
//! data structs carry `None` and a chart writes "n<5" instead.

pub mod bar;
pub mod coverage;
pub mod funnel;
pub mod heatmap;
pub mod line;

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, RGBColor};

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
/// The family every chart uses (registered with the embedded DejaVu Sans).
pub const FAMILY: &str = "sans-serif";

static FONTS: Once = Once::new();

/// Registers the embedded fonts with plotters (once per process).
pub fn register_fonts() {
    FONTS.call_once(|| {
        for (style, bytes) in [
            (FontStyle::Normal, REGULAR),
            (FontStyle::Bold, BOLD),
            (FontStyle::Italic, REGULAR),
            (FontStyle::Oblique, REGULAR),
        ] {
            if plotters::style::register_font(FAMILY, style, bytes).is_err() {
                tracing::error!("The embedded chart font could not be read.");
            }
        }
    });
}

/// A chart error, as text (plotters' errors are generic over the backend).
#[derive(Debug, thiserror::Error)]
#[error("drawing chart: {0}")]
pub struct ChartError(pub String);

pub type DrawResult = Result<(), ChartError>;

pub(crate) fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

/// Something that can draw itself on any plotters backend.
pub trait Chart {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult;
}

/// The chart as an SVG document.
pub fn svg<C: Chart>(chart: &C) -> Result<String, ChartError> {
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, chart.size()).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        chart.draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(px_font_sizes(&out))
}

/// plotters' SVG backend writes `font-size` as the size divided by 1.24 (points), while it
/// lays text out (and the PNG backend draws it) at the size in pixels: undo the division so
/// the browser draws text at the size the layout measured.
fn px_font_sizes(svg: &str) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(KEY) {
        out.push_str(&rest[..i + KEY.len()]);
        rest = &rest[i + KEY.len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        match rest[..end].parse::<f64>() {
            Ok(v) => out.push_str(&format!("{:.1}", v * 1.24)),
            Err(_) => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The chart as a PNG file.
pub fn png<C: Chart>(chart: &C, path: &Path) -> DrawResult {
    register_fonts();
    let root = BitMapBackend::new(path, chart.size()).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    chart.draw(&root)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Colours of the statuses of DESIGN §6.4, and the text colour that reads on each.
pub fn status_colors(status: Option<&str>) -> (RGBColor, RGBColor) {
    match status {
        Some("needs_plan") => (RGBColor(192, 57, 43), WHITE),
        Some("watch") => (RGBColor(243, 178, 62), BLACK),
        Some("ok") => (RGBColor(46, 139, 87), WHITE),
        _ => (RGBColor(215, 215, 215), RGBColor(60, 60, 60)),
    }
}

/// Series colours (colour-blind-friendly Okabe–Ito palette).
pub fn series_color(i: usize) -> RGBColor {
    const P: [RGBColor; 8] = [
        RGBColor(0, 114, 178),
        RGBColor(230, 159, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(213, 94, 0),
        RGBColor(120, 120, 120),
        RGBColor(240, 228, 66),
    ];
    P[i % P.len()]
}

/// A text style of the embedded family.
pub fn font(size: f64, bold: bool) -> FontDesc<'static> {
    FontDesc::new(
        FontFamily::Name(FAMILY),
        size,
        if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        },
    )
}

/// Draws `text` centred (h, v) at a point.
pub fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    size: f64,
    bold: bool,
    color: RGBColor,
    h: HPos,
) -> DrawResult {
    let style = TextStyle::from(font(size, bold))
        .color(&color)
        .pos(Pos::new(h, VPos::Center));
    area.draw(&Text::new(s.to_string(), at, style)).map_err(err)
}

/// Splits text into lines of at most `max` characters at spaces (a longer word stays whole).
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > max {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Shortens text to `max` characters with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests;
