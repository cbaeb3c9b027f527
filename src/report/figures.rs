//! From a chart's query rows to the picture: groups rows by facet, orders and labels the
//! categories, applies the small-cell limit, and writes the SVG (and PNG) files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use super::charts::bar::{Bar, Bars};
use super::charts::coverage::{Coverage, DayMark};
use super::charts::funnel::{Funnel, FunnelPoint};
use super::charts::heatmap::{HeatCell, Heatmap};
use super::charts::line::{Trend, TrendPoint};
use super::charts::{self, Chart, ChartError};
use super::data::{Frame, Labels};
use super::escape::slug;
use crate::dashboards::{ChartConfig, ChartKind};

/// A chart written to disk, for a page to show.
#[derive(Debug, Clone)]
pub struct Figure {
    pub chart_id: String,
    /// Name of the chart (`charts/<file>.png` with `--png`; the SVG id stem).
    pub file: String,
    /// The chart as an SVG document, inlined in the page so the page travels alone.
    pub svg: String,
    pub title: String,
    pub notes: Option<String>,
    /// Values of the facet columns (column → code), to match flagged services.
    pub facet: BTreeMap<String, String>,
    /// A service trend (shown with its service rather than in a chart section).
    pub is_trend: bool,
    /// A table-like chart (heatmap, bars, coverage) read at its own size: on a narrow
    /// screen it scrolls sideways inside its box instead of shrinking its text.
    pub wide: bool,
}

pub struct Ctx<'a> {
    pub labels: Labels<'a>,
    pub min_n: i64,
    pub period: String,
    /// The periods of a history window, oldest first.
    pub history: Vec<String>,
    pub charts_dir: &'a Path,
    pub png: bool,
}

/// Draws the chart as SVG (returned, for the page) and, on request, as a PNG file.
fn write<C: Chart>(ctx: &Ctx, chart: &C, file: &str) -> Result<String, ChartError> {
    let svg = charts::svg(chart)?;
    if ctx.png {
        std::fs::create_dir_all(ctx.charts_dir).map_err(|e| ChartError(e.to_string()))?;
        let png = file.trim_end_matches(".svg").to_string() + ".png";
        charts::png(chart, &ctx.charts_dir.join(png))?;
    }
    Ok(svg)
}

/// Distinct values of a column, in display order.
fn distinct(ctx: &Ctx, f: &Frame, col: &str) -> Vec<String> {
    let set: BTreeSet<(usize, String)> = f
        .rows
        .iter()
        .filter_map(|r| f.text(r, col))
        .map(|v| ctx.labels.order(col, &v))
        .collect();
    set.into_iter().map(|(_, v)| v).collect()
}

/// Rows grouped by the facet columns (one group with no facets).
fn facets(
    ctx: &Ctx,
    c: &ChartConfig,
    f: &Frame,
    extra: &[&str],
) -> Vec<(BTreeMap<String, String>, Frame)> {
    let mut cols: Vec<String> = extra
        .iter()
        .map(|s| s.to_string())
        .filter(|s| f.col(s).is_some())
        .collect();
    for x in &c.facet {
        if !cols.contains(x) {
            cols.push(x.clone());
        }
    }
    let mut groups: BTreeMap<Vec<(usize, String)>, Frame> = BTreeMap::new();
    for r in &f.rows {
        let key: Vec<(usize, String)> = cols
            .iter()
            .map(|col| ctx.labels.order(col, &f.text(r, col).unwrap_or_default()))
            .collect();
        groups
            .entry(key)
            .or_insert_with(|| Frame {
                columns: f.columns.clone(),
                rows: Vec::new(),
            })
            .rows
            .push(r.clone());
    }
    groups
        .into_iter()
        .map(|(k, fr)| {
            let m = cols
                .iter()
                .cloned()
                .zip(k.into_iter().map(|(_, v)| v))
                .collect();
            (m, fr)
        })
        .collect()
}

fn facet_title(ctx: &Ctx, c: &ChartConfig, facet: &BTreeMap<String, String>) -> String {
    let order = ["unit", "channel", "attribute"];
    let mut parts: Vec<String> = Vec::new();
    for o in order {
        if let Some(v) = facet.get(o) {
            parts.push(ctx.labels.label(o, v));
        }
    }
    for (k, v) in facet {
        if !order.contains(&k.as_str()) {
            parts.push(ctx.labels.label(k, v));
        }
    }
    if c.kind == ChartKind::Line && !parts.is_empty() {
        // A trend's title is its service.
        parts.join(" · ")
    } else if parts.is_empty() {
        c.title.clone()
    } else {
        format!("{} · {}", c.title, parts.join(" · "))
    }
}

fn file_name(c: &ChartConfig, facet: &BTreeMap<String, String>, page: Option<&str>) -> String {
    let mut name = c.id.clone();
    for v in facet.values() {
        name.push_str("__");
        name.push_str(&slug(v));
    }
    if let Some(u) = page {
        name.push_str("__u_");
        name.push_str(&slug(u));
    }
    name + ".svg"
}

/// Draws a chart's figures from its rows. `page`: the unit of a unit page. `keep`: which
/// facets to draw (e.g. only flagged services' trends on the summary).
pub fn build(
    ctx: &Ctx,
    c: &ChartConfig,
    frame: &Frame,
    page: Option<&str>,
    keep: &dyn Fn(&BTreeMap<String, String>) -> bool,
) -> Result<Vec<Figure>, ChartError> {
    let mut out = Vec::new();
    // A trend is per service: on the summary its facets include the unit.
    let extra: &[&str] = if c.kind == ChartKind::Line && page.is_none() {
        &["unit"]
    } else {
        &[]
    };
    let in_period = |f: &Frame| f.filter_eq("period", &ctx.period);
    for (facet, rows) in facets(ctx, c, frame, extra) {
        if !keep(&facet) {
            continue;
        }
        let title = facet_title(ctx, c, &facet);
        let file = file_name(c, &facet, page);
        let drawn = match c.kind {
            ChartKind::Heatmap => {
                let rows = in_period(&rows);
                if rows.rows.is_empty() {
                    continue;
                }
                let ys = distinct(ctx, &rows, &c.y);
                let xs = distinct(ctx, &rows, &c.x);
                let value = c.value.as_deref().unwrap_or(&c.y);
                let cells = rows
                    .rows
                    .iter()
                    .filter_map(|r| {
                        let y = ys
                            .iter()
                            .position(|v| Some(v) == rows.text(r, &c.y).as_ref())?;
                        let x = xs
                            .iter()
                            .position(|v| Some(v) == rows.text(r, &c.x).as_ref())?;
                        Some(HeatCell {
                            row: y,
                            col: x,
                            value: rows.num(r, value),
                            n: c.n
                                .as_deref()
                                .and_then(|n| rows.num(r, n))
                                .map(|n| n as i64),
                            status: c.color.as_deref().and_then(|s| rows.text(r, s)),
                        })
                    })
                    .collect();
                let chart = Heatmap {
                    title: title.clone(),
                    rows: ys.iter().map(|v| ctx.labels.label(&c.y, v)).collect(),
                    cols: xs.iter().map(|v| ctx.labels.label(&c.x, v)).collect(),
                    cells,
                    min_n: ctx.min_n,
                };
                Some(write(ctx, &chart, &file)?)
            }
            ChartKind::Funnel => {
                let rows = in_period(&rows);
                let points: Vec<FunnelPoint> = rows
                    .rows
                    .iter()
                    .filter_map(|r| {
                        let n = rows.num(r, &c.x)? as i64;
                        let value = rows.num(r, &c.y)?;
                        (n >= ctx.min_n).then(|| FunnelPoint {
                            label: [("unit", "unit"), ("channel", "channel")]
                                .iter()
                                .filter_map(|(col, _)| {
                                    rows.text(r, col).map(|v| ctx.labels.label(col, &v))
                                })
                                .collect::<Vec<_>>()
                                .join(" · "),
                            n,
                            value,
                            status: c.color.as_deref().and_then(|s| rows.text(r, s)),
                        })
                    })
                    .collect();
                if points.is_empty() {
                    continue;
                }
                let target = c
                    .target
                    .as_deref()
                    .and_then(|t| rows.rows.iter().find_map(|r| rows.num(r, t)))
                    .unwrap_or(80.0);
                Some(write(
                    ctx,
                    &Funnel {
                        title: title.clone(),
                        target,
                        points,
                    },
                    &file,
                )?)
            }
            ChartKind::Line => {
                let mut any = false;
                let points: Vec<TrendPoint> = ctx
                    .history
                    .iter()
                    .map(|p| {
                        let r = rows
                            .rows
                            .iter()
                            .find(|r| rows.text(r, &c.x).as_deref() == Some(p.as_str()));
                        let small = r.is_some_and(|r| {
                            c.n.as_deref()
                                .and_then(|n| rows.num(r, n))
                                .is_some_and(|n| (n as i64) < ctx.min_n)
                        });
                        let get = |col: &Option<String>| {
                            r.and_then(|r| col.as_deref().and_then(|k| rows.num(r, k)))
                                .filter(|_| !small)
                        };
                        let value = r.and_then(|r| rows.num(r, &c.y)).filter(|_| !small);
                        any |= value.is_some();
                        TrendPoint {
                            period: p.clone(),
                            value,
                            lower: get(&c.lower),
                            upper: get(&c.upper),
                            target: r
                                .and_then(|r| c.target.as_deref().and_then(|k| rows.num(r, k))),
                        }
                    })
                    .collect();
                if !any {
                    continue;
                }
                let (lo, hi) = bounds(c, points.iter().filter_map(|p| p.value));
                Some(write(
                    ctx,
                    &Trend {
                        title: title.clone(),
                        points,
                        y_min: lo,
                        y_max: hi,
                    },
                    &file,
                )?)
            }
            ChartKind::Bar => {
                let rows = in_period(&rows);
                if rows.rows.is_empty() {
                    continue;
                }
                let cats = distinct(ctx, &rows, &c.x);
                let series: Vec<String> = match &c.series {
                    Some(s) => distinct(ctx, &rows, s),
                    None => vec![String::new()],
                };
                let mut acc: BTreeMap<(usize, usize), (f64, f64, usize)> = BTreeMap::new();
                for r in &rows.rows {
                    let Some(ci) = cats
                        .iter()
                        .position(|v| Some(v) == rows.text(r, &c.x).as_ref())
                    else {
                        continue;
                    };
                    let si = match &c.series {
                        Some(s) => match series
                            .iter()
                            .position(|v| Some(v) == rows.text(r, s).as_ref())
                        {
                            Some(i) => i,
                            None => continue,
                        },
                        None => 0,
                    };
                    let Some(y) = rows.num(r, &c.y) else { continue };
                    let w = c.n.as_deref().and_then(|n| rows.num(r, n)).unwrap_or(1.0);
                    let e = acc.entry((ci, si)).or_insert((0.0, 0.0, 0));
                    e.0 += y * w;
                    e.1 += w;
                    e.2 += 1;
                }
                let bars = acc
                    .into_iter()
                    .map(|((ci, si), (sum, w, _))| Bar {
                        category: ci,
                        series: si,
                        value: (c.n.is_none() || w >= ctx.min_n as f64).then(|| sum / w.max(1e-9)),
                    })
                    .collect::<Vec<_>>();
                let (lo, hi) = bounds(c, bars.iter().filter_map(|b| b.value));
                let chart = Bars {
                    title: title.clone(),
                    categories: cats.iter().map(|v| ctx.labels.label(&c.x, v)).collect(),
                    series: series
                        .iter()
                        .map(|v| {
                            c.series
                                .as_deref()
                                .map_or(String::new(), |s| ctx.labels.label(s, v))
                        })
                        .collect(),
                    bars,
                    x_min: lo,
                    x_max: hi,
                    min_n: ctx.min_n,
                    unit: if c.y == "nps" {
                        String::new()
                    } else if matches!(c.y_max, Some(m) if m == 100.0)
                        && c.y_min.unwrap_or(0.0) >= 0.0
                    {
                        " %".into()
                    } else {
                        String::new()
                    },
                };
                Some(write(ctx, &chart, &file)?)
            }
            ChartKind::Coverage => {
                let Some(chart) = coverage(ctx, c, &rows, &title) else {
                    continue;
                };
                Some(write(ctx, &chart, &file)?)
            }
        };
        if let Some(svg) = drawn {
            out.push(Figure {
                chart_id: c.id.clone(),
                file,
                svg,
                title,
                notes: c.notes.clone(),
                facet,
                is_trend: c.kind == ChartKind::Line,
                wide: matches!(
                    c.kind,
                    ChartKind::Heatmap | ChartKind::Bar | ChartKind::Coverage
                ),
            });
        }
    }
    Ok(out)
}

fn bounds(c: &ChartConfig, values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, f64::MIN);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi == f64::MIN {
        hi = 1.0;
    }
    let lo = c.y_min.unwrap_or(lo);
    let hi = c.y_max.unwrap_or(hi * 1.05).max(lo + 1.0);
    (lo, hi)
}

/// Days of a `YYYY-MM` period.
pub fn days_of(period: &str) -> Vec<NaiveDate> {
    let Some((y, m)) = super::format::parse_period(period) else {
        return Vec::new();
    };
    let Some(first) = NaiveDate::from_ymd_opt(y, m, 1) else {
        return Vec::new();
    };
    first.iter_days().take_while(|d| d.month() == m).collect()
}

/// Monday–Friday, not a public holiday, not a catalog closure (DESIGN §6.2).
pub fn is_business_day(labels: &Labels, d: NaiveDate) -> bool {
    d.weekday().number_from_monday() <= 5
        && !crate::score::calendar::is_public_holiday(d)
        && !labels.catalog.closures.contains(&d)
}

/// A row (source × channel) "usually has records" when it had some on at least this share
/// of the business days of the window: then an empty business day is a missing export.
pub const DAILY_SHARE: f64 = 0.8;

/// Missing exports of a coverage chart: (row label, days).
pub fn coverage_rows(ctx: &Ctx, c: &ChartConfig, rows: &Frame) -> Vec<(String, Vec<DayMark>)> {
    let days = days_of(&ctx.period);
    let series = c.series.as_deref();
    let value = c.value.as_deref().unwrap_or("n_records");
    let mut keys: BTreeSet<((usize, String), (usize, String))> = BTreeSet::new();
    let mut counts: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for r in &rows.rows {
        let y = rows.text(r, &c.y).unwrap_or_default();
        let s = series.and_then(|s| rows.text(r, s)).unwrap_or_default();
        let day = rows.text(r, &c.x).unwrap_or_default();
        keys.insert((
            ctx.labels.order(&c.y, &y),
            series.map_or((0, String::new()), |col| ctx.labels.order(col, &s)),
        ));
        *counts.entry((y, s, day)).or_default() += rows.num(r, value).unwrap_or(0.0) as i64;
    }
    let business: Vec<bool> = days
        .iter()
        .map(|d| is_business_day(&ctx.labels, *d))
        .collect();
    // The window for "usually": the report period and the one before.
    let prev = ctx.history.iter().rev().nth(1).cloned();
    let mut window_days = days.clone();
    if let Some(p) = &prev {
        window_days.extend(days_of(p));
    }
    let window_business: Vec<NaiveDate> = window_days
        .into_iter()
        .filter(|d| is_business_day(&ctx.labels, *d))
        .collect();
    let mut out = Vec::new();
    for ((_, y), (_, s)) in keys {
        let with_records = window_business
            .iter()
            .filter(|d| {
                counts
                    .get(&(y.clone(), s.clone(), d.to_string()))
                    .is_some_and(|n| *n > 0)
            })
            .count();
        let daily = !window_business.is_empty()
            && with_records as f64 >= DAILY_SHARE * window_business.len() as f64;
        let marks = days
            .iter()
            .zip(&business)
            .map(
                |(d, b)| match counts.get(&(y.clone(), s.clone(), d.to_string())) {
                    Some(n) if *n > 0 => DayMark::Records(*n),
                    _ if *b && daily => DayMark::Missing,
                    _ => DayMark::Quiet { business_day: *b },
                },
            )
            .collect();
        let label = match series {
            Some(col) => format!(
                "{} · {}",
                ctx.labels.label(&c.y, &y),
                ctx.labels.label(col, &s)
            ),
            None => ctx.labels.label(&c.y, &y),
        };
        out.push((label, marks));
    }
    out
}

fn coverage(ctx: &Ctx, c: &ChartConfig, rows: &Frame, title: &str) -> Option<Coverage> {
    let days = days_of(&ctx.period);
    let marks = coverage_rows(ctx, c, rows);
    if marks.is_empty() || days.is_empty() {
        return None;
    }
    const W: [&str; 7] = ["L", "M", "X", "J", "V", "S", "D"];
    Some(Coverage {
        title: title.to_string(),
        rows: marks.iter().map(|(l, _)| l.clone()).collect(),
        days: days.iter().map(|d| d.day().to_string()).collect(),
        weekdays: days
            .iter()
            .map(|d| W[d.weekday().num_days_from_monday() as usize].to_string())
            .collect(),
        marks: marks.into_iter().map(|(_, m)| m).collect(),
    })
}
