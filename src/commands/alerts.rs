//! `momentos alerts`: judge the lake for difficult situations (DESIGN §6.7) and list the
//! open alerts.

use super::ExitStatus;
use crate::alerts::{self, store, AlertStatus};
use crate::catalog::Catalog;
use crate::lake::Lake;

/// Parses `--as-of` like `momentos score` does (ISO 8601; no offset = local time).
pub fn parse_as_of(
    raw: Option<&str>,
    catalog: &Catalog,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let Some(raw) = raw else {
        return Ok(chrono::Utc::now());
    };
    match crate::validate::values::parse_timestamp(raw, catalog.time_zone) {
        Ok(Some(us)) => chrono::DateTime::from_timestamp_micros(us)
            .ok_or_else(|| format!("--as-of {raw} is out of range")),
        _ => Err(format!(
            "--as-of `{raw}` is not a date-time; use ISO 8601, e.g. 2026-11-01T00:00:00-05:00"
        )),
    }
}

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    as_of: Option<&str>,
    list_only: bool,
) -> anyhow::Result<ExitStatus> {
    let now = match parse_as_of(as_of, catalog) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    if !list_only {
        match alerts::refresh(lake, catalog, now).await {
            Ok(s) => {
                println!(
                    "Alertas: {} nueva(s), {} abierta(s), {} en total{}",
                    s.new.len(),
                    s.open,
                    s.total,
                    s.judged_through.map_or(String::new(), |t| format!(
                        " — datos juzgados hasta {}",
                        t.with_timezone(&catalog.time_zone).format("%d/%m/%Y %H:%M")
                    ))
                );
                for a in &s.new {
                    println!("  nueva  {}  {}", a.alert_id, a.evidence);
                }
            }
            Err(e) if alerts::is_busy(&e) => {
                eprintln!("error: {e}");
                return Ok(ExitStatus::Busy);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let all = store::read(lake).await?;
    let open: Vec<_> = all
        .iter()
        .filter(|a| a.status == AlertStatus::Open)
        .collect();
    if open.is_empty() {
        println!("Sin alertas abiertas.");
    } else {
        println!("Alertas abiertas:");
        for a in open {
            println!(
                "  {}  [{}]  desde {}\n      {}",
                a.alert_id,
                a.kind.label(),
                a.started_at
                    .with_timezone(&catalog.time_zone)
                    .format("%d/%m/%Y %H:%M"),
                a.evidence
            );
        }
    }
    Ok(ExitStatus::Success)
}
