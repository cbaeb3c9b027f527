//! Funnel plot (Spiegelhalter 2005): each service's score against its number of
//! observations, with control limits around the target that narrow as n grows. A point
//! below the lower limit is further below target than chance explains; unlike a league
//! table, a small unit is not punished for its noise.

use plotters::coord::Shift;
use plotters::prelude::*;

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

impl Chart for Funnel {
    fn size(&self) -> (u32, u32) {
        (620, 380)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let max_n = self.points.iter().map(|p| p.n).max().unwrap_or(10).max(10) as f64 * 1.08;
        let min_y = self
            .points
            .iter()
            .map(|p| p.value)
            .fold(self.target - 30.0, f64::min)
            .max(0.0)
            .min(60.0);
        let mut chart = ChartBuilder::on(area)
            .caption(super::clip(&self.title, 80), font(14.0, true))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..max_n, (min_y.floor())..100f64)
            .map_err(err)?;
        let x_fmt = |x: &f64| format::num(*x, 0);
        let y_fmt = |y: &f64| format::num(*y, 0);
        chart
            .configure_mesh()
            .x_desc("Número de observaciones (n)")
            .y_desc("Puntaje")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(font(10.0, false))
            .axis_desc_style(font(11.0, false))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(90, 90, 90);
        for (k, (z, name)) in LIMITS.iter().enumerate() {
            let steps = 120;
            let lows: Vec<(f64, f64)> = (1..=steps)
                .map(|i| {
                    let n = 5.0 + (max_n - 5.0) * i as f64 / steps as f64;
                    (n, limit(self.target, n, *z).0)
                })
                .collect();
            let highs: Vec<(f64, f64)> = lows
                .iter()
                .map(|(n, _)| (*n, limit(self.target, *n, *z).1))
                .collect();
            let style = if k == 0 {
                grey.stroke_width(1)
            } else {
                grey.mix(0.6).stroke_width(1)
            };
            let size = if k == 0 { 4 } else { 2 };
            chart
                .draw_series(DashedLineSeries::new(lows, size, 3, style))
                .map_err(err)?
                .label(format!("Límites {name}"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
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
            .map_err(err)?
            .label(format!("Meta {}", format::num(self.target, 0)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], red.stroke_width(2)));
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
            if p.status.as_deref() == Some("needs_plan") {
                let style = TextStyle::from(font(10.0, false)).color(&red);
                chart
                    .draw_series(std::iter::once(Text::new(
                        super::clip(&p.label, 28),
                        (p.n as f64, p.value),
                        style,
                    )))
                    .map_err(err)?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(font(10.0, false))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}
