//! Heatmap: rows × columns (unit × channel) coloured by status, with the score and n in
//! each cell. A cell whose n is below the small-cell limit shows "n<5" and no figure.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::{err, status_colors, text, wrap, Chart, DrawResult};
use crate::report::format;

/// One cell.
#[derive(Debug, Clone)]
pub struct HeatCell {
    pub row: usize,
    pub col: usize,
    /// The figure (`None`: no figure, e.g. no contributing source).
    pub value: Option<f64>,
    pub n: Option<i64>,
    /// Status code colouring the cell (`None`: coloured by nothing, grey).
    pub status: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Heatmap {
    pub title: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub cells: Vec<HeatCell>,
    /// Smallest n shown (catalog `min_source_n`).
    pub min_n: i64,
}

const LEFT: u32 = 250;
const TOP: u32 = 92;
const CELL_W: u32 = 118;
const CELL_H: u32 = 40;

impl Chart for Heatmap {
    fn size(&self) -> (u32, u32) {
        (
            LEFT + CELL_W * self.cols.len().max(1) as u32 + 10,
            TOP + CELL_H * self.rows.len().max(1) as u32 + 40,
        )
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let dark = RGBColor(30, 30, 30);
        text(area, &self.title, (10, 18), 17.0, true, dark, HPos::Left)?;
        for (j, c) in self.cols.iter().enumerate() {
            let x = (LEFT + CELL_W * j as u32 + CELL_W / 2) as i32;
            let lines = wrap(c, 16);
            let n = lines.len() as i32;
            for (k, l) in lines.iter().enumerate() {
                let y = TOP as i32 - 14 - (n - 1 - k as i32) * 15;
                text(area, l, (x, y), 12.0, true, dark, HPos::Center)?;
            }
        }
        for (i, r) in self.rows.iter().enumerate() {
            let y = (TOP + CELL_H * i as u32 + CELL_H / 2) as i32;
            text(
                area,
                &super::clip(r, 34),
                (LEFT as i32 - 8, y),
                12.0,
                false,
                dark,
                HPos::Right,
            )?;
        }
        for c in &self.cells {
            let x0 = (LEFT + CELL_W * c.col as u32) as i32;
            let y0 = (TOP + CELL_H * c.row as u32) as i32;
            let small = c.n.is_some_and(|n| n < self.min_n);
            let status = if small { None } else { c.status.as_deref() };
            let (fill, ink) = status_colors(status);
            area.draw(&Rectangle::new(
                [
                    (x0 + 1, y0 + 1),
                    (x0 + CELL_W as i32 - 1, y0 + CELL_H as i32 - 1),
                ],
                fill.filled(),
            ))
            .map_err(err)?;
            let cx = x0 + CELL_W as i32 / 2;
            if small {
                let label = format!("n<{}", self.min_n);
                text(
                    area,
                    &label,
                    (cx, y0 + CELL_H as i32 / 2),
                    12.0,
                    false,
                    ink,
                    HPos::Center,
                )?;
                continue;
            }
            let figure = c
                .value
                .map_or_else(|| "–".to_string(), |v| format::num(v, 1));
            text(area, &figure, (cx, y0 + 14), 14.0, true, ink, HPos::Center)?;
            if let Some(n) = c.n {
                let label = format!("n = {}", format::int(n));
                text(area, &label, (cx, y0 + 30), 10.5, false, ink, HPos::Center)?;
            }
        }
        // Legend.
        let y = (TOP + CELL_H * self.rows.len().max(1) as u32 + 20) as i32;
        let mut x = LEFT as i32;
        for (code, label) in [
            ("needs_plan", "Requiere plan"),
            ("watch", "En observación"),
            ("ok", "En meta"),
            ("insufficient_data", "Datos insuficientes"),
        ] {
            let (fill, _) = status_colors(Some(code));
            area.draw(&Rectangle::new(
                [(x, y - 7), (x + 14, y + 7)],
                fill.filled(),
            ))
            .map_err(err)?;
            text(area, label, (x + 20, y), 12.0, false, dark, HPos::Left)?;
            x += 26 + 8 * label.chars().count() as i32;
        }
        Ok(())
    }
}
