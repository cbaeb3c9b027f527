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
            .ok_or_else(|| crate::t!("as-of-out-of-range", value = raw)),
        _ => Err(crate::t!("as-of-not-a-time", value = raw)),
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
                let judged = s.judged_through.map_or(String::new(), |t| {
                    let t = t.with_timezone(&catalog.time_zone);
                    let through = t.format("%d/%m/%Y %H:%M").to_string();
                    crate::t!("alerts-judged-through", time = through)
                });
                let line = crate::t!(
                    "alerts-summary",
                    new = s.new.len(),
                    open = s.open,
                    total = s.total,
                    judged = judged
                );
                println!("{line}");
                for a in &s.new {
                    let new = crate::t!("alerts-new");
                    println!("  {new}  {}  {}", a.alert_id, a.evidence);
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
        println!("{}", crate::t!("alerts-none-open"));
    } else {
        println!("{}", crate::t!("alerts-open"));
        for a in open {
            let since = a.started_at.with_timezone(&catalog.time_zone);
            let since = since.format("%d/%m/%Y %H:%M").to_string();
            let kind = crate::i18n::label(a.kind.label(), a.kind.code());
            let since = crate::t!("alerts-since", time = since);
            println!("  {}  [{kind}]  {since}\n      {}", a.alert_id, a.evidence);
        }
    }
    Ok(ExitStatus::Success)
}
