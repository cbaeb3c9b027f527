//! Data coverage: one row per source × channel, one column per day of the period. Blue
//! shades: records received; red: a business day without records from a row that usually
//! has them (a missing export); light grey: a day that is not a business day.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::{err, text, Chart, DrawResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayMark {
    /// Records arrived (count).
    Records(i64),
    /// A business day without records from a row that usually has them.
    Missing,
    /// No records, and none expected (not a business day, or the row is sparse).
    Quiet { business_day: bool },
}

#[derive(Debug, Clone)]
pub struct Coverage {
    pub title: String,
    pub rows: Vec<String>,
    /// Day of month labels, in order.
    pub days: Vec<String>,
    /// Weekday initials of the days (L, M, X, J, V, S, D).
    pub weekdays: Vec<String>,
    /// `marks[row][day]`.
    pub marks: Vec<Vec<DayMark>>,
}

/// Narrowest room for the row labels; longer labels widen it (never shortened).
const MIN_LEFT: i32 = 160;
const TOP: i32 = 64;
const CW: i32 = 22;
const CH: i32 = 18;

fn shade(n: i64, max: i64) -> RGBColor {
    let t = (n as f64 / max.max(1) as f64).sqrt().clamp(0.15, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * t) as u8;
    RGBColor(lerp(198.0, 8.0), lerp(219.0, 69.0), lerp(239.0, 148.0))
}

impl Coverage {
    /// Room for the longest row label at 10,5 px (DejaVu Sans averages under 0,65 em).
    fn left(&self) -> i32 {
        let longest = self
            .rows
            .iter()
            .map(|r| r.chars().count())
            .max()
            .unwrap_or(0) as f64;
        ((longest * 10.5 * 0.65) as i32 + 16).max(MIN_LEFT)
    }
}

impl Chart for Coverage {
    fn size(&self) -> (u32, u32) {
        let left = self.left();
        (
            (left + CW * self.days.len().max(1) as i32 + 20) as u32,
            (TOP + CH * self.rows.len().max(1) as i32 + 44) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let left = self.left();
        let dark = RGBColor(30, 30, 30);
        text(area, &self.title, (10, 16), 15.0, true, dark, HPos::Left)?;
        for (j, d) in self.days.iter().enumerate() {
            let x = left + CW * j as i32 + CW / 2;
            text(area, d, (x, TOP - 26), 9.5, false, dark, HPos::Center)?;
            if let Some(w) = self.weekdays.get(j) {
                text(
                    area,
                    w,
                    (x, TOP - 12),
                    9.5,
                    false,
                    RGBColor(100, 100, 100),
                    HPos::Center,
                )?;
            }
        }
        for (i, r) in self.rows.iter().enumerate() {
            let y0 = TOP + CH * i as i32;
            text(
                area,
                r,
                (left - 6, y0 + CH / 2),
                10.5,
                false,
                dark,
                HPos::Right,
            )?;
            let row = &self.marks[i];
            let max = row
                .iter()
                .filter_map(|m| match m {
                    DayMark::Records(n) => Some(*n),
                    _ => None,
                })
                .max()
                .unwrap_or(1);
            for (j, m) in row.iter().enumerate() {
                let x0 = left + CW * j as i32;
                let fill = match m {
                    DayMark::Records(n) => shade(*n, max),
                    DayMark::Missing => RGBColor(192, 57, 43),
                    DayMark::Quiet {
                        business_day: false,
                    } => RGBColor(238, 238, 238),
                    DayMark::Quiet { business_day: true } => RGBColor(250, 250, 250),
                };
                area.draw(&Rectangle::new(
                    [(x0 + 1, y0 + 1), (x0 + CW - 1, y0 + CH - 1)],
                    fill.filled(),
                ))
                .map_err(err)?;
                if *m == DayMark::Missing {
                    text(
                        area,
                        "×",
                        (x0 + CW / 2, y0 + CH / 2),
                        11.0,
                        true,
                        WHITE,
                        HPos::Center,
                    )?;
                }
            }
        }
        let y = TOP + CH * self.rows.len().max(1) as i32 + 22;
        let mut x = left;
        for (fill, label) in [
            (
                shade(1, 1),
                "Registros recibidos (más oscuro: más registros)",
            ),
            (RGBColor(192, 57, 43), "Exportación faltante"),
            (RGBColor(238, 238, 238), "Día no hábil"),
        ] {
            area.draw(&Rectangle::new(
                [(x, y - 6), (x + 12, y + 6)],
                fill.filled(),
            ))
            .map_err(err)?;
            text(area, label, (x + 16, y), 10.5, false, dark, HPos::Left)?;
            x += 30 + 6 * label.chars().count() as i32;
        }
        Ok(())
    }
}
