//! The report for the jefe de mercadeo (DESIGN §1, PR-ME-002 activity 7): a self-contained
//! Spanish HTML report — `index.html` (executive summary: flagged services first with
//! their plan, then heatmaps, funnel plots, trends, survey KPIs, protocol and data
//! coverage), one page per unit, and `charts/*.svg` — that opens offline from disk with no
//! script, font or style sheet from elsewhere.
//!
//! The charts come from a dashboard file ([`crate::dashboards`]); every value from data is
//! escaped by [`escape::html`]; numbers and dates are Colombian ([`format`]); no figure from
//! fewer than the catalog's `min_source_n` observations is shown (DESIGN §6.4, §7).

pub mod alerts;
pub mod charts;
pub mod data;
pub mod escape;
pub mod figures;
pub mod format;
pub mod html;
pub mod pdf;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::catalog::Catalog;
use crate::dashboards::{select_sql, ChartKind, Dashboard, Scope, Window};
use crate::lake::Lake;
use crate::plans::{self, Plan};
use crate::score::run::{score_rows, ScoreRow};
use crate::score::ScoreError;
use data::{Frame, Labels};
use figures::Figure;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Score(#[from] ScoreError),
    #[error("{0}")]
    Usage(String),
    #[error("chart `{chart}`: {detail}")]
    Chart { chart: String, detail: String },
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
    #[error("writing the report in {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// What to render.
pub struct ReportOptions {
    pub out: PathBuf,
    /// `YYYY-MM`; default: the latest complete period with scores.
    pub period: Option<String>,
    /// Also write `charts/*.png`.
    pub png: bool,
    /// Also print `index.html` to `informe.pdf` with headless Chromium ([`pdf`]).
    pub pdf: bool,
    pub dashboard: Dashboard,
    /// "Today" for plan status and the default period.
    pub now: DateTime<Utc>,
    /// Open and re-measure plans first (writes the lake's `plans` table).
    pub refresh_plans: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct ReportSummary {
    pub index: PathBuf,
    /// `informe.pdf`, when asked for.
    pub pdf: Option<PathBuf>,
    pub period: String,
    pub pages: usize,
    pub charts: usize,
    pub flagged: usize,
    pub plans_opened: usize,
    pub elapsed: Duration,
}

/// Everything the pages draw from.
pub struct ReportData<'a> {
    pub catalog: &'a Catalog,
    pub dashboard: &'a Dashboard,
    pub period: String,
    pub history: Vec<String>,
    pub generated: DateTime<Utc>,
    /// Every `scores` row of the history window.
    pub scores: Vec<ScoreRow>,
    pub plans: Vec<Plan>,
    /// Summary figures by chart id.
    pub summary_figures: Vec<Figure>,
    /// Figures of each unit page.
    pub unit_figures: BTreeMap<String, Vec<Figure>>,
    /// Missing exports: (source · channel, days).
    pub missing: Vec<(String, Vec<String>)>,
    pub min_n: i64,
    /// The `alerts` table (DESIGN §6.7) and how many follow-up lists were produced.
    pub alerts: Vec<crate::alerts::Alert>,
    pub followups: usize,
}

/// The twelve periods ending with `period`.
pub fn history_of(period: &str) -> Vec<String> {
    let Some((y, m)) = format::parse_period(period) else {
        return vec![period.to_string()];
    };
    let Some(first) = chrono::NaiveDate::from_ymd_opt(y, m, 1) else {
        return vec![period.to_string()];
    };
    (0..12)
        .rev()
        .map(|k| plans::period_of(first - chrono::Months::new(k)))
        .collect()
}

/// Renders the report.
pub async fn render(
    lake: &Lake,
    catalog: &Catalog,
    opts: &ReportOptions,
) -> Result<ReportSummary, ReportError> {
    let started = Instant::now();
    let ctx = crate::sql::session(lake, catalog)
        .await
        .map_err(ReportError::Score)?;
    let plans_opened = if opts.refresh_plans {
        plans::refresh_with(&ctx, lake, catalog, opts.now)
            .await?
            .opened
    } else {
        0
    };
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "Report session ready."
    );
    let run = |source| {
        ReportError::Score(ScoreError::Run {
            table: "scores".into(),
            source,
        })
    };
    let periods: Vec<String> = {
        let b = plans::causes::collect(&ctx, "select distinct period from scores order by period")
            .await
            .map_err(run)?;
        let f = Frame::from_batches(&b);
        f.rows.iter().filter_map(|r| f.text(r, "period")).collect()
    };
    let today = opts.now.with_timezone(&catalog.time_zone).date_naive();
    let period = match &opts.period {
        Some(p) => {
            let p = crate::score::run::Periods::parse_period(p)
                .map_err(|e| ReportError::Usage(e.to_string()))?;
            if !periods.contains(&p) {
                return Err(ReportError::Usage(format!(
                    "no scores for {p}; periods with scores: {} (run `momentos score` first)",
                    if periods.is_empty() {
                        "none".to_string()
                    } else {
                        periods.join(", ")
                    }
                )));
            }
            p
        }
        None => periods
            .iter()
            .filter(|p| plans::period_end(p).is_some_and(|e| e <= today))
            .next_back()
            .or(periods.last())
            .cloned()
            .ok_or_else(|| {
                ReportError::Usage(
                    "the lake has no scores yet: run `momentos score` (or `momentos demo`) first"
                        .into(),
                )
            })?,
    };
    let history = history_of(&period);
    let in_list = history
        .iter()
        .map(|p| crate::dashboards::sql_text(p))
        .collect::<Vec<_>>()
        .join(", ");
    let b = plans::causes::collect(
        &ctx,
        &format!("select * from scores where period in ({in_list})"),
    )
    .await
    .map_err(run)?;
    let scores = score_rows(&b)?;
    let plans = plans::store::read(lake)
        .await
        .map_err(|e| ReportError::Score(e.into()))?;

    let out = &opts.out;
    let charts_dir = out.join("charts");
    let io = |source| ReportError::Io {
        path: out.display().to_string(),
        source,
    };
    std::fs::create_dir_all(out).map_err(io)?;
    // Charts of an earlier render of this folder would linger: start clean. Pages carry
    // their charts inline; `charts/` only holds PNGs asked for with `--png`.
    if charts_dir.is_dir() {
        for e in std::fs::read_dir(&charts_dir).map_err(io)?.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "svg" || x == "png") {
                std::fs::remove_file(&p).map_err(io)?;
            }
        }
        let _ = std::fs::remove_dir(&charts_dir);
    }
    let min_n = catalog.scoring.min_source_n as i64;
    let fctx = figures::Ctx {
        labels: Labels { catalog },
        min_n,
        period: period.clone(),
        history: history.clone(),
        charts_dir: &charts_dir,
        png: opts.png,
    };

    // One query per chart, over every unit; pages filter the rows.
    let mut frames: HashMap<String, Frame> = HashMap::new();
    for c in &opts.dashboard.file.charts {
        let window = if c.window == Window::History || c.kind == ChartKind::Coverage {
            history.clone()
        } else {
            vec![period.clone()]
        };
        let mut sql = select_sql(c, Some(&window), None);
        if c.kind == ChartKind::Funnel {
            // Flagged points are labelled with their service: the rows need its unit and
            // channel even when the chart does not name them.
            let named: Vec<&str> = c.columns().into_iter().map(|(_, col)| col).collect();
            let extra: Vec<String> = ["unit", "channel"]
                .into_iter()
                .filter(|x| !named.contains(x) && (*x != "unit" || c.scope == Scope::Summary))
                .map(|x| format!("\"{x}\", "))
                .collect();
            sql = sql.replacen("select ", &format!("select {}", extra.concat()), 1);
        }
        let batches = plans::causes::collect(&ctx, &sql)
            .await
            .map_err(|e| ReportError::Chart {
                chart: c.id.clone(),
                detail: e.to_string(),
            })?;
        frames.insert(c.id.clone(), Frame::from_batches(&batches));
    }
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "Report queries done."
    );
    let chart_err = |id: &str| {
        let id = id.to_string();
        move |e: charts::ChartError| ReportError::Chart {
            chart: id.clone(),
            detail: e.0,
        }
    };

    let flagged: Vec<ScoreRow> = scores
        .iter()
        .filter(|r| r.period == period && r.status == "needs_plan")
        .cloned()
        .collect();
    let is_flagged = |facet: &BTreeMap<String, String>| {
        flagged.iter().any(|r| {
            facet.get("unit").is_none_or(|u| *u == r.unit)
                && facet.get("channel").is_none_or(|c| *c == r.channel)
                && facet.get("attribute").is_none_or(|a| *a == r.attribute)
        })
    };
    let mut summary_figures = Vec::new();
    let mut missing = Vec::new();
    for c in opts
        .dashboard
        .file
        .charts
        .iter()
        .filter(|c| c.scope != Scope::Unit)
    {
        let frame = &frames[&c.id];
        let keep: &dyn Fn(&BTreeMap<String, String>) -> bool = if c.kind == ChartKind::Line {
            &is_flagged
        } else {
            &|_| true
        };
        summary_figures
            .extend(figures::build(&fctx, c, frame, None, keep).map_err(chart_err(&c.id))?);
        if c.kind == ChartKind::Coverage {
            for (label, marks) in figures::coverage_rows(&fctx, c, frame) {
                let days: Vec<String> = figures::days_of(&period)
                    .iter()
                    .zip(&marks)
                    .filter(|(_, m)| **m == charts::coverage::DayMark::Missing)
                    .map(|(d, _)| format::date(*d))
                    .collect();
                if !days.is_empty() {
                    missing.push((label, days));
                }
            }
        }
    }
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "Summary charts drawn."
    );
    let mut units: Vec<String> = catalog.units.keys().cloned().collect();
    for r in &scores {
        if !units.contains(&r.unit) {
            units.push(r.unit.clone());
        }
    }
    let mut unit_figures = BTreeMap::new();
    for u in &units {
        let mut figs = Vec::new();
        // Services of the unit with a figure in the period.
        let active: Vec<&ScoreRow> = scores
            .iter()
            .filter(|r| {
                r.unit == *u && r.period == period && r.score.is_some() && r.n_total >= min_n
            })
            .collect();
        let has_data = |facet: &BTreeMap<String, String>| {
            active.iter().any(|r| {
                facet.get("channel").is_none_or(|c| *c == r.channel)
                    && facet.get("attribute").is_none_or(|a| *a == r.attribute)
            })
        };
        for c in opts
            .dashboard
            .file
            .charts
            .iter()
            .filter(|c| c.scope != Scope::Summary)
        {
            let frame = frames[&c.id].filter_eq("unit", u);
            let keep: &dyn Fn(&BTreeMap<String, String>) -> bool = if c.kind == ChartKind::Line {
                &has_data
            } else {
                &|_| true
            };
            figs.extend(figures::build(&fctx, c, &frame, Some(u), keep).map_err(chart_err(&c.id))?);
        }
        unit_figures.insert(u.clone(), figs);
    }

    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "Unit charts drawn."
    );
    let data = ReportData {
        catalog,
        dashboard: &opts.dashboard,
        period: period.clone(),
        history,
        generated: opts.now,
        scores,
        plans,
        summary_figures,
        unit_figures,
        missing,
        min_n,
        // A table that cannot be read fails the report: "no open alerts" must never
        // stand for "could not look".
        alerts: crate::alerts::store::read(lake)
            .await
            .map_err(ScoreError::from)?,
        followups: crate::lake::manifest::live_files(
            &crate::lake::manifest::read_all(lake)
                .await
                .map_err(ScoreError::from)?,
            crate::alerts::followup::TABLE,
        )
        .iter()
        .map(|f| f.rows as usize)
        .sum(),
    };
    let index = out.join("index.html");
    std::fs::write(&index, html::index(&data)).map_err(io)?;
    let mut pages = 1;
    for u in &units {
        std::fs::write(out.join(html::unit_file(u)), html::unit_page(&data, u)).map_err(io)?;
        pages += 1;
    }
    let charts =
        data.summary_figures.len() + data.unit_figures.values().map(Vec::len).sum::<usize>();
    let pdf = if opts.pdf {
        let file = out.join("informe.pdf");
        // Chromium runs for seconds: wait for it off the async threads.
        let (page, target) = (index.clone(), file.clone());
        tokio::task::spawn_blocking(move || pdf::print(&page, &target))
            .await
            .map_err(|e| pdf::PdfError::Print {
                browser: "chromium".into(),
                page: index.display().to_string(),
                detail: e.to_string(),
            })??;
        Some(file)
    } else {
        None
    };
    Ok(ReportSummary {
        index,
        pdf,
        period,
        pages,
        charts,
        flagged: flagged.len(),
        plans_opened,
        elapsed: started.elapsed(),
    })
}

/// Absolute path for printing.
pub fn display_path(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
