//! Trend of one service: the monthly score as a line, its interval as a band, the target
//! as a dashed line. A month whose n is below the small-cell limit has no point.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{err, font, series_color, Chart, DrawResult};
use crate::report::format;

#[derive(Debug, Clone)]
pub struct TrendPoint {
    /// `YYYY-MM`.
    pub period: String,
    pub value: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub target: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Trend {
    pub title: String,
    /// One per period, in order; `value: None` leaves a gap.
    pub points: Vec<TrendPoint>,
    pub y_min: f64,
    pub y_max: f64,
}

impl Chart for Trend {
    fn size(&self) -> (u32, u32) {
        (600, 280)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let k = self.points.len().max(1);
        let mut chart = ChartBuilder::on(area)
            .caption(super::clip(&self.title, 78), font(13.0, true))
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(-0.5f64..(k as f64 - 0.5), self.y_min..self.y_max)
            .map_err(err)?;
        let labels: Vec<String> = self
            .points
            .iter()
            .map(|p| format::period_short(&p.period))
            .collect();
        let x_fmt = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 0.01 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let y_fmt = |y: &f64| format::num(*y, 0);
        chart
            .configure_mesh()
            .x_labels(k)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .y_labels(6)
            .label_style(font(10.0, false))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let blue = series_color(0);
        // Band: each run of consecutive months with bounds is one polygon.
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (i, p) in self.points.iter().enumerate() {
            match (p.value, p.lower, p.upper) {
                (Some(_), Some(lo), Some(hi)) => run.push((i as f64, lo, hi)),
                _ => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for r in runs.into_iter().filter(|r| !r.is_empty()) {
            let mut poly: Vec<(f64, f64)> = r.iter().map(|(x, _, hi)| (*x, *hi)).collect();
            if r.len() == 1 {
                let (x, lo, hi) = r[0];
                poly = vec![
                    (x - 0.15, hi),
                    (x + 0.15, hi),
                    (x + 0.15, lo),
                    (x - 0.15, lo),
                ];
            } else {
                poly.extend(r.iter().rev().map(|(x, lo, _)| (*x, *lo)));
            }
            chart
                .draw_series(std::iter::once(Polygon::new(poly, blue.mix(0.18).filled())))
                .map_err(err)?;
        }
        // Target: dashed red line per month that has one.
        let targets: Vec<(f64, f64)> = self
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.target.map(|t| (i as f64, t)))
            .collect();
        if let (Some(first), Some(last)) = (targets.first(), targets.last()) {
            let red = RGBColor(192, 57, 43);
            let pts = vec![(first.0 - 0.5, first.1), (last.0 + 0.5, last.1)];
            chart
                .draw_series(DashedLineSeries::new(pts, 6, 4, red.stroke_width(2)))
                .map_err(err)?
                .label(format!("Meta {}", format::num(first.1, 0)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], red.stroke_width(2))
                });
        }
        // The line, broken where a month has no figure.
        let mut seg: Vec<(f64, f64)> = Vec::new();
        let mut segs = Vec::new();
        for (i, p) in self.points.iter().enumerate() {
            match p.value {
                Some(v) => seg.push((i as f64, v)),
                None => segs.push(std::mem::take(&mut seg)),
            }
        }
        segs.push(seg);
        for s in segs.into_iter().filter(|s| !s.is_empty()) {
            chart
                .draw_series(LineSeries::new(s.clone(), blue.stroke_width(2)))
                .map_err(err)?;
            chart
                .draw_series(s.into_iter().map(|p| Circle::new(p, 3, blue.filled())))
                .map_err(err)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(font(10.0, false))
            .background_style(WHITE.mix(0.8))
            .border_style(RGBColor(200, 200, 200))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}
