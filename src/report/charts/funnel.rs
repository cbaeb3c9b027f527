//! Funnel plot (Spiegelhalter 2005): each service's score against its number of
//! observations, with control limits around the target that narrow as n grows. A point
//! below the lower limit is further below target than chance explains; unlike a league
//! table, a small unit is not punished for its noise.

use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::HPos;

use super::{err, font, status_colors, Chart, DrawResult};
use crate::report::format;

#[derive(Debug, Clone)]
pub struct FunnelPoint {
    /// Short label written next to flagged points.
    pub label: String,
    pub n: i64,
    pub value: f64,
    pub status: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Funnel {
    pub title: String,
    pub target: f64,
    pub points: Vec<FunnelPoint>,
}

/// Two-sided control limits: 95 % (z = 1,96) and 99,8 % (z = 3,09).
pub const LIMITS: [(f64, &str); 2] = [(1.96, "95 %"), (3.09, "99,8 %")];

/// `target ± z·√(t(100−t)/n)` for a proportion in percent, clipped to 0–100.
pub fn limit(target: f64, n: f64, z: f64) -> (f64, f64) {
    let sd = (target * (100.0 - target) / n.max(1.0)).sqrt();
    ((target - z * sd).max(0.0), (target + z * sd).min(100.0))
}

/// Width and height: narrow enough that its text stays legible on a phone (≈ 350 px).
const W: u32 = 480;
const H: u32 = 420;
/// Height of the legend strip under the plot (the legend never covers data).
const LEGEND_H: u32 = 46;
const TITLE_FONT: f64 = 15.0;
const LABEL_FONT: f64 = 12.0;

impl Funnel {
    /// The score axis: from below the lowest point to a little above 100, so no point is
    /// drawn across an axis.
    pub fn y_range(&self) -> (f64, f64) {
        let lowest = self
            .points
            .iter()
            .map(|p| p.value)
            .fold(self.target - 20.0, f64::min);
        let lo = (((lowest - 6.0) / 10.0).floor() * 10.0).max(0.0);
        let lo = if lowest - lo < 4.0 {
            (lo - 10.0).max(0.0)
        } else {
            lo
        };
        (lo, 104.0)
    }

    /// Title lines that fit the width.
    fn title_lines(&self) -> Vec<String> {
        super::wrap(&self.title, (W as f64 / (TITLE_FONT * 0.62)) as usize)
    }
}

impl Chart for Funnel {
    fn size(&self) -> (u32, u32) {
        let title = self.title_lines().len() as u32 * 19 + 8;
        (W, H + title)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let dark = RGBColor(30, 30, 30);
        let lines = self.title_lines();
        let title_h = lines.len() as i32 * 19 + 8;
        for (i, l) in lines.iter().enumerate() {
            super::text(
                area,
                l,
                (8, 14 + 19 * i as i32),
                TITLE_FONT,
                true,
                dark,
                HPos::Left,
            )?;
        }
        let (w, h) = area.dim_in_pixel();
        let (_, rest) = area.split_vertically(title_h);
        let (plot_area, legend_area) = rest.split_vertically(h as i32 - title_h - LEGEND_H as i32);
        let max_n = self.points.iter().map(|p| p.n).max().unwrap_or(10).max(10) as f64 * 1.1;
        let (lo, hi) = self.y_range();
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_left(6)
            .margin_right(14)
            .margin_top(6)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..max_n, lo..hi)
            .map_err(err)?;
        let x_fmt = |x: &f64| format::num(*x, 0);
        // No tick above 100: the headroom is only there so a point at 100 is not cut.
        let y_fmt = |y: &f64| {
            if *y > 100.0 {
                String::new()
            } else {
                format::num(*y, 0)
            }
        };
        chart
            .configure_mesh()
            .x_desc("Observaciones en el mes (n)")
            .y_desc("Puntaje")
            .x_labels(5)
            .y_labels(6)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(font(LABEL_FONT, false))
            .axis_desc_style(font(LABEL_FONT, false))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(90, 90, 90);
        let light = RGBColor(150, 150, 150);
        for (k, (z, _)) in LIMITS.iter().enumerate() {
            let steps = 120;
            let lows: Vec<(f64, f64)> = (1..=steps)
                .map(|i| {
                    let n = 5.0 + (max_n - 5.0) * i as f64 / steps as f64;
                    (n, limit(self.target, n, *z).0)
                })
                .filter(|(_, y)| *y >= lo)
                .collect();
            let highs: Vec<(f64, f64)> = (1..=steps)
                .map(|i| {
                    let n = 5.0 + (max_n - 5.0) * i as f64 / steps as f64;
                    (n, limit(self.target, n, *z).1)
                })
                .filter(|(_, y)| *y <= 100.0)
                .collect();
            let style = if k == 0 { grey } else { light }.stroke_width(1);
            let size = if k == 0 { 4 } else { 2 };
            chart
                .draw_series(DashedLineSeries::new(lows, size, 3, style))
                .map_err(err)?;
            chart
                .draw_series(DashedLineSeries::new(highs, size, 3, style))
                .map_err(err)?;
        }
        let red = RGBColor(192, 57, 43);
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, self.target), (max_n, self.target)],
                red.stroke_width(2),
            ))
            .map_err(err)?;
        for p in &self.points {
            let (fill, _) = status_colors(p.status.as_deref());
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p.n as f64, p.value),
                    5,
                    fill.filled(),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p.n as f64, p.value),
                    5,
                    RGBColor(60, 60, 60).stroke_width(1),
                )))
                .map_err(err)?;
        }
        // Labels of flagged points, on the side with room, pushed apart vertically so two
        // close points keep readable labels.
        let mut labels: Vec<(i32, i32, Vec<String>)> = self
            .points
            .iter()
            .filter(|p| p.status.as_deref() == Some("needs_plan"))
            .map(|p| {
                let (x, y) = chart.backend_coord(&(p.n as f64, p.value));
                (x, y, super::wrap(&p.label, 26))
            })
            .collect();
        labels.sort_by_key(|l| l.1);
        let mut next_free = i32::MIN;
        for (x, y, lines) in labels {
            let block = lines.len() as i32 * 14;
            let top = (y - block / 2).max(next_free);
            next_free = top + block + 2;
            let (tx, pos) = if x < (w as i32) * 55 / 100 {
                (x + 9, HPos::Left)
            } else {
                (x - 9, HPos::Right)
            };
            for (i, l) in lines.iter().enumerate() {
                super::text(area, l, (tx, top + 7 + 14 * i as i32), 11.0, true, red, pos)?;
            }
        }
        // Legend under the plot.
        let items: [(String, RGBColor, u32, bool); 3] = [
            (
                format!("Meta {}", format::num(self.target, 0)),
                red,
                2,
                false,
            ),
            (format!("Límites {}", LIMITS[0].1), grey, 1, true),
            (format!("Límites {}", LIMITS[1].1), light, 1, true),
        ];
        for (i, (name, color, width, dashed)) in items.iter().enumerate() {
            let col = (i % 2) as i32;
            let row = (i / 2) as i32;
            let x0 = 12 + col * 220;
            let y0 = 14 + row * 20;
            if *dashed {
                for k in 0..4 {
                    legend_area
                        .draw(&PathElement::new(
                            vec![(x0 + k * 6, y0), (x0 + k * 6 + 3, y0)],
                            color.stroke_width(*width),
                        ))
                        .map_err(err)?;
                }
            } else {
                legend_area
                    .draw(&PathElement::new(
                        vec![(x0, y0), (x0 + 22, y0)],
                        color.stroke_width(*width),
                    ))
                    .map_err(err)?;
            }
            super::text(
                &legend_area,
                name,
                (x0 + 30, y0),
                LABEL_FONT,
                false,
                dark,
                HPos::Left,
            )?;
        }
        Ok(())
    }
}
