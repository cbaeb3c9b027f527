//! Horizontal bars: one band per category (a unit, a channel, a protocol step), one bar per
//! series present in it (coloured, with a legend), the value at the end of each bar. A
//! value whose n is below the small-cell limit is not drawn: the bar's place says "n<5".

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::{err, series_color, text, Chart, DrawResult};
use crate::report::format;

#[derive(Debug, Clone)]
pub struct Bar {
    pub category: usize,
    pub series: usize,
    /// `None`: suppressed (n below the limit).
    pub value: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Bars {
    pub title: String,
    pub categories: Vec<String>,
    /// Series names (one unnamed series when the chart has none).
    pub series: Vec<String>,
    pub bars: Vec<Bar>,
    pub x_min: f64,
    pub x_max: f64,
    pub min_n: i64,
    /// Suffix of the value labels (" %" or "").
    pub unit: String,
}

const LEFT: i32 = 250;
const RIGHT: i32 = 70;
const WIDTH: i32 = 760;
const BAR_H: i32 = 16;
const GAP: i32 = 12;
const TOP: i32 = 40;

impl Bars {
    fn band_heights(&self) -> Vec<i32> {
        (0..self.categories.len())
            .map(|c| {
                let k = self.bars.iter().filter(|b| b.category == c).count().max(1) as i32;
                k * BAR_H + GAP
            })
            .collect()
    }

    fn legend_rows(&self) -> i32 {
        if self.series.len() > 1 {
            (self.series.len() as i32 + 2) / 3
        } else {
            0
        }
    }
}

impl Chart for Bars {
    fn size(&self) -> (u32, u32) {
        let h: i32 = self.band_heights().iter().sum();
        (
            WIDTH as u32,
            (TOP + h + 34 + 20 * self.legend_rows() + 10) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let dark = RGBColor(30, 30, 30);
        text(area, &self.title, (10, 16), 15.0, true, dark, HPos::Left)?;
        let plot_w = (WIDTH - LEFT - RIGHT) as f64;
        let span = (self.x_max - self.x_min).max(1e-9);
        let px =
            |v: f64| LEFT + ((v.clamp(self.x_min, self.x_max) - self.x_min) / span * plot_w) as i32;
        let zero = px(0.0_f64.clamp(self.x_min, self.x_max));
        let heights = self.band_heights();
        let total: i32 = heights.iter().sum();
        // Grid.
        for k in 0..=4 {
            let v = self.x_min + span * k as f64 / 4.0;
            let x = px(v);
            area.draw(&PathElement::new(
                vec![(x, TOP - 4), (x, TOP + total)],
                RGBColor(225, 225, 225),
            ))
            .map_err(err)?;
            text(
                area,
                &format::num(v, 0),
                (x, TOP + total + 10),
                10.0,
                false,
                dark,
                HPos::Center,
            )?;
        }
        let mut y = TOP;
        for (c, name) in self.categories.iter().enumerate() {
            let h = heights[c];
            text(
                area,
                &super::clip(name, 34),
                (LEFT - 8, y + (h - GAP) / 2),
                11.5,
                false,
                dark,
                HPos::Right,
            )?;
            let mut by = y;
            for b in self.bars.iter().filter(|b| b.category == c) {
                let color = series_color(b.series);
                match b.value {
                    Some(v) => {
                        let (a, z) = if v >= 0.0 {
                            (zero, px(v))
                        } else {
                            (px(v), zero)
                        };
                        area.draw(&Rectangle::new(
                            [(a, by + 1), (z.max(a + 1), by + BAR_H - 1)],
                            color.filled(),
                        ))
                        .map_err(err)?;
                        let label = format!("{}{}", format::num(v, 1), self.unit);
                        text(
                            area,
                            &label,
                            (z.max(a) + 4, by + BAR_H / 2),
                            10.0,
                            false,
                            dark,
                            HPos::Left,
                        )?;
                    }
                    None => {
                        let label = format!("n<{}", self.min_n);
                        text(
                            area,
                            &label,
                            (zero + 4, by + BAR_H / 2),
                            10.0,
                            false,
                            RGBColor(110, 110, 110),
                            HPos::Left,
                        )?;
                    }
                }
                by += BAR_H;
            }
            y += h;
        }
        area.draw(&PathElement::new(
            vec![(zero, TOP - 4), (zero, TOP + total)],
            dark,
        ))
        .map_err(err)?;
        if self.series.len() > 1 {
            for (i, s) in self.series.iter().enumerate() {
                let lx = LEFT + (i as i32 % 3) * 150;
                let ly = TOP + total + 32 + (i as i32 / 3) * 20;
                area.draw(&Rectangle::new(
                    [(lx, ly - 6), (lx + 12, ly + 6)],
                    series_color(i).filled(),
                ))
                .map_err(err)?;
                text(
                    area,
                    &super::clip(s, 24),
                    (lx + 16, ly),
                    10.5,
                    false,
                    dark,
                    HPos::Left,
                )?;
            }
        }
        Ok(())
    }
}
