//! Trend of one service: the monthly score as a line, its interval as a band, the target
//! as a dashed line. A month whose n is below the small-cell limit has no point.

use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::HPos;

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

/// Narrow enough that its text stays legible on a phone (≈ 350 px wide).
const W: u32 = 480;
const H: u32 = 250;
const LEGEND_H: u32 = 26;
const TITLE_FONT: f64 = 14.0;
const LABEL_FONT: f64 = 12.0;

impl Trend {
    fn title_lines(&self) -> Vec<String> {
        super::wrap(&self.title, (W as f64 / (TITLE_FONT * 0.62)) as usize)
    }
}

impl Chart for Trend {
    fn size(&self) -> (u32, u32) {
        (W, H + self.title_lines().len() as u32 * 18 + 8)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let k = self.points.len().max(1);
        let dark = RGBColor(30, 30, 30);
        let lines = self.title_lines();
        let title_h = lines.len() as i32 * 18 + 8;
        for (i, l) in lines.iter().enumerate() {
            super::text(
                area,
                l,
                (8, 13 + 18 * i as i32),
                TITLE_FONT,
                true,
                dark,
                HPos::Left,
            )?;
        }
        let (_, h) = area.dim_in_pixel();
        let (_, rest) = area.split_vertically(title_h);
        let (plot_area, legend_area) = rest.split_vertically(h as i32 - title_h - LEGEND_H as i32);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_left(4)
            .margin_right(12)
            .margin_top(6)
            .x_label_area_size(26)
            .y_label_area_size(34)
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
        // Every other month on the axis: twelve labels do not fit a phone's width.
        let x_fmt = |x: &f64| {
            let i = x.round() as i64;
            if (k as i64 - 1 - i) % 2 == 0 {
                x_fmt(x)
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_labels(k)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .y_labels(6)
            .label_style(font(LABEL_FONT, false))
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
        let red = RGBColor(192, 57, 43);
        if let (Some(first), Some(last)) = (targets.first(), targets.last()) {
            let pts = vec![(first.0 - 0.5, first.1), (last.0 + 0.5, last.1)];
            chart
                .draw_series(DashedLineSeries::new(pts, 6, 4, red.stroke_width(2)))
                .map_err(err)?;
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
        // Legend under the plot, never over the data.
        legend_area
            .draw(&PathElement::new(
                vec![(10, 13), (32, 13)],
                blue.stroke_width(2),
            ))
            .map_err(err)?;
        legend_area
            .draw(&Circle::new((21, 13), 3, blue.filled()))
            .map_err(err)?;
        super::text(
            &legend_area,
            "Puntaje del mes",
            (38, 13),
            LABEL_FONT,
            false,
            dark,
            HPos::Left,
        )?;
        if let Some(t) = targets.first() {
            for j in 0..3 {
                legend_area
                    .draw(&PathElement::new(
                        vec![(200 + j * 9, 13), (205 + j * 9, 13)],
                        red.stroke_width(2),
                    ))
                    .map_err(err)?;
            }
            super::text(
                &legend_area,
                &format!("Meta {}", format::num(t.1, 0)),
                (232, 13),
                LABEL_FONT,
                false,
                dark,
                HPos::Left,
            )?;
        }
        Ok(())
    }
}
