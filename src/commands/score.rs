//! `momentos score`: computes the derived tables and says, in Spanish, what needs a plan.

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::lake::{Lake, LakeError};
use crate::report::format;
use crate::score::run::{self, Periods, ScoreOptions, ScoreRow, ScoreSummary};
use crate::score::ScoreError;
use crate::vocabulary::{Attribute, Channel};

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    as_of: Option<&str>,
) -> anyhow::Result<ExitStatus> {
    let periods = match Periods::from_args(period, from, to) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    let mut opts = ScoreOptions::new(periods);
    if let Some(raw) = as_of {
        match crate::validate::values::parse_timestamp(raw, catalog.time_zone) {
            Ok(Some(us)) => {
                opts.as_of = chrono::DateTime::from_timestamp_micros(us)
                    .ok_or_else(|| anyhow::anyhow!("--as-of {raw} is out of range"))?;
            }
            Ok(None) | Err(_) => {
                eprintln!(
                    "error: --as-of `{raw}` is not a date-time; use ISO 8601, e.g. 2026-11-01T00:00:00-05:00"
                );
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

fn status_label(status: &str) -> &'static str {
    match status {
        "ok" => "en meta",
        "watch" => "en observación",
        "needs_plan" => "requiere plan de mejoramiento",
        "insufficient_data" => "datos insuficientes",
        _ => "otro",
    }
}

fn unit_name<'a>(catalog: &'a Catalog, code: &'a str) -> &'a str {
    catalog.unit(code).map_or(code, |u| u.name.as_str())
}

fn channel_label(code: &str) -> &str {
    Channel::parse(code).map_or(code, |c| c.label())
}

fn attribute_label(code: &str) -> &str {
    Attribute::parse(code).map_or(code, |a| a.label())
}

/// Prints the run's outcome and the cells that need an improvement plan.
pub fn print_summary(summary: &ScoreSummary, catalog: &Catalog) -> anyhow::Result<()> {
    let as_of = summary.as_of.with_timezone(&catalog.time_zone);
    let periods = match (summary.periods.first(), summary.periods.last()) {
        (Some(a), Some(b)) if a == b => a.clone(),
        (Some(a), Some(b)) => format!("{a} a {b}"),
        _ => "ninguno (sin datos)".into(),
    };
    println!(
        "Calificación calculada con corte al {} — periodos: {periods}  [{:.1}s]",
        as_of.format("%Y-%m-%d %H:%M"),
        summary.elapsed.as_secs_f64()
    );
    for t in &summary.tables {
        println!(
            "  {:<22} {:>9} filas en {} archivo(s); {} archivo(s) reemplazado(s)",
            t.table, t.rows, t.files, t.files_removed
        );
    }
    let rows = run::score_rows(&summary.scores)?;
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    println!(
        "Celdas unidad × canal × atributo: {} — {} {}, {} {}, {} {}, {} {}",
        rows.len(),
        count("ok"),
        status_label("ok"),
        count("watch"),
        status_label("watch"),
        count("needs_plan"),
        status_label("needs_plan"),
        count("insufficient_data"),
        status_label("insufficient_data"),
    );
    print_needs_plan(&rows, catalog);
    Ok(())
}

/// The `needs_plan` cells, one line each.
pub fn print_needs_plan(rows: &[ScoreRow], catalog: &Catalog) {
    let flagged: Vec<&ScoreRow> = rows.iter().filter(|r| r.status == "needs_plan").collect();
    if flagged.is_empty() {
        println!("Ninguna celda requiere plan de mejoramiento.");
        return;
    }
    println!("Requieren plan de mejoramiento ({}):", flagged.len());
    println!(
        "  {:<8} {:<34} {:<24} {:<28} {:>7} {:>17} {:>6} {:>9} {:>6}",
        "periodo", "unidad", "canal", "atributo", "puntaje", "IC del 90 %", "meta", "valor p", "n"
    );
    for r in flagged {
        println!(
            "  {:<8} {:<34} {:<24} {:<28} {:>7} {:>17} {:>6} {:>9} {:>6}",
            r.period,
            unit_name(catalog, &r.unit),
            channel_label(&r.channel),
            attribute_label(&r.attribute),
            format::score(r.score),
            format!("{} – {}", format::score(r.lower), format::score(r.upper)),
            format::num(r.target, 1),
            format::p_value(r.p_value),
            format::int(r.n_total)
        );
    }
    println!(
        "  IC del 90 %: intervalo de confianza del 90 % (dos cotas al 95 % de una cola, exactas)."
    )
}
