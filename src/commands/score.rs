//! `momentos score`: computes the derived tables and says what needs a plan.

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::i18n;
use crate::lake::{Lake, LakeError};
use crate::score::incremental::{Decision, FullReason};
use crate::score::run::{self, Periods, ScoreOptions, ScoreRow, ScoreSummary};
use crate::score::ScoreError;
use crate::t;
use crate::vocabulary::{Attribute, Channel};

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    as_of: Option<&str>,
    full: bool,
    engine: crate::engine::Engine,
) -> anyhow::Result<ExitStatus> {
    let periods = match Periods::from_args(period, from, to) {
        // Without periods: only what changed since the last run, unless --full.
        Ok(Periods::All) if !full => Periods::Changed,
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    let mut opts = ScoreOptions::new(periods);
    opts.engine = engine;
    if as_of.is_some() {
        match super::alerts::parse_as_of(as_of, catalog) {
            Ok(t) => opts.as_of = t,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitStatus::UsageError);
            }
        }
    }
    match run::run(lake, catalog, &opts).await {
        Ok(summary) => {
            print_summary(&summary, catalog)?;
            Ok(ExitStatus::Success)
        }
        Err(ScoreError::Lake(LakeError::Locked(msg))) => {
            eprintln!("error: {msg}");
            Ok(ExitStatus::Busy)
        }
        Err(ScoreError::Usage(msg)) => {
            eprintln!("error: {msg}");
            Ok(ExitStatus::UsageError)
        }
        Err(e) => Err(e.into()),
    }
}

fn status_label(status: &str) -> String {
    match status {
        "ok" => t!("score-status-ok"),
        "watch" => t!("score-status-watch"),
        "needs_plan" => t!("score-status-needs-plan"),
        "insufficient_data" => t!("score-status-insufficient-data"),
        _ => t!("score-status-other"),
    }
}

fn unit_name<'a>(catalog: &'a Catalog, code: &'a str) -> &'a str {
    catalog.unit(code).map_or(code, |u| u.name.as_str())
}

fn channel_label(code: &str) -> &str {
    i18n::label(Channel::parse(code).map_or(code, |c| c.label()), code)
}

fn attribute_label(code: &str) -> &str {
    i18n::label(Attribute::parse(code).map_or(code, |a| a.label()), code)
}

/// A score, bound or target with one decimal; "–" when there is none.
fn score(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| i18n::num(v, 1))
}

/// A p-value with three decimals, or "< 0,001".
fn p_value(p: Option<f64>) -> String {
    match p {
        None => "–".into(),
        Some(p) if p < 0.001 => format!("< {}", i18n::num(0.001, 3)),
        Some(p) => i18n::num(p, 3),
    }
}

/// What an incremental run recomputed, and why.
fn decision_line(decision: &Decision) -> String {
    let list = |set: &std::collections::BTreeSet<String>| {
        if set.is_empty() {
            "—".to_string()
        } else {
            set.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    match decision {
        Decision::Full(reason) => {
            let why = match reason {
                FullReason::NoEarlierRun => t!("score-full-no-earlier-run"),
                FullReason::CatalogOrMethod => t!("score-full-catalog-or-method"),
                FullReason::EarlierAsOf => t!("score-full-earlier-as-of"),
            };
            t!("score-incremental-full", reason = why)
        }
        Decision::Periods {
            changed,
            linked,
            pending,
        } => {
            let all = decision.periods().unwrap_or_default();
            t!(
                "score-incremental",
                count = all.len(),
                changed = list(changed),
                linked = list(linked),
                pending = list(pending)
            )
        }
    }
}

/// Prints the run's outcome and the cells that need an improvement plan.
pub fn print_summary(summary: &ScoreSummary, catalog: &Catalog) -> anyhow::Result<()> {
    let as_of = summary.as_of.with_timezone(&catalog.time_zone);
    let periods = match (summary.periods.first(), summary.periods.last()) {
        (Some(a), Some(b)) if a == b => a.clone(),
        (Some(a), Some(b)) => t!("score-period-range", first = a, last = b),
        _ if summary.decision.is_some() => t!("score-nothing-changed"),
        _ => t!("score-no-periods"),
    };
    let as_of = as_of.format("%Y-%m-%d %H:%M").to_string();
    let seconds = i18n::decimal(summary.elapsed.as_secs_f64(), 1);
    let line = t!(
        "score-done",
        as_of = as_of,
        periods = periods,
        seconds = seconds
    );
    println!("{line}");
    if let Some(decision) = &summary.decision {
        println!("{}", decision_line(decision));
    }
    for table in &summary.tables {
        let rows = t!(
            "score-table-rows",
            rows = table.rows,
            files = table.files,
            removed = table.files_removed
        );
        let n = i18n::int(table.rows as i64);
        println!("  {:<22} {n:>9} {rows}", table.table);
    }
    let rows = run::score_rows(&summary.scores)?;
    let count = |s: &str| {
        let n = rows.iter().filter(|r| r.status == s).count();
        format!("{} {}", i18n::int(n as i64), status_label(s))
    };
    let line = t!(
        "score-cells",
        cells = rows.len(),
        counts = ["ok", "watch", "needs_plan", "insufficient_data"]
            .map(count)
            .join(", ")
    );
    println!("{line}");
    print_needs_plan(&rows, catalog);
    Ok(())
}

/// The `needs_plan` cells, one line each.
pub fn print_needs_plan(rows: &[ScoreRow], catalog: &Catalog) {
    let flagged: Vec<&ScoreRow> = rows.iter().filter(|r| r.status == "needs_plan").collect();
    if flagged.is_empty() {
        println!("{}", t!("score-none-needs-plan"));
        return;
    }
    println!("{}", t!("score-needs-plan", cells = flagged.len()));
    println!(
        "  {:<8} {:<34} {:<24} {:<28} {:>7} {:>17} {:>6} {:>9} {:>6}",
        t!("score-col-period"),
        t!("score-col-unit"),
        t!("score-col-channel"),
        t!("score-col-attribute"),
        t!("score-col-score"),
        t!("score-col-interval"),
        t!("score-col-target"),
        t!("score-col-p-value"),
        "n"
    );
    for r in flagged {
        println!(
            "  {:<8} {:<34} {:<24} {:<28} {:>7} {:>17} {:>6} {:>9} {:>6}",
            r.period,
            unit_name(catalog, &r.unit),
            channel_label(&r.channel),
            attribute_label(&r.attribute),
            score(r.score),
            format!("{} – {}", score(r.lower), score(r.upper)),
            score(Some(r.target)),
            p_value(r.p_value),
            i18n::int(r.n_total)
        );
    }
    println!("  {}", t!("score-interval-note"))
}
