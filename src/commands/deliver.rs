//! `momentos deliver`: send new alerts and the monthly report (DESIGN §9).

use std::path::PathBuf;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::deliver::{self, DeliverError, DeliverOptions, Outcome};
use crate::lake::Lake;

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    report_dir: Option<PathBuf>,
    dry_run: bool,
) -> anyhow::Result<ExitStatus> {
    let opts = DeliverOptions {
        report_dir,
        now: chrono::Utc::now(),
        run_id: None,
        dry_run,
    };
    let s = match deliver::deliver(lake, catalog, &opts).await {
        Ok(s) => s,
        Err(DeliverError::Busy(m)) => {
            eprintln!("error: {m}");
            return Ok(ExitStatus::Busy);
        }
        Err(e) => return Err(e.into()),
    };
    let line = |verb: &str, o: &Outcome| {
        println!(
            "  {verb:<10} {}  → {} ({})",
            o.delivery_id, o.recipient, o.medium
        )
    };
    if dry_run {
        println!(
            "{}",
            crate::t!("deliver-would-send", count = s.would_send.len())
        );
        let verb = crate::t!("deliver-pending");
        s.would_send.iter().for_each(|o| line(&verb, o));
        return Ok(ExitStatus::Success);
    }
    println!("{}", crate::t!("deliver-summary", detail = s.detail()));
    let verb = crate::t!("deliver-sent");
    s.sent.iter().for_each(|o| line(&verb, o));
    let verb = crate::t!("deliver-failed");
    for o in &s.failed {
        line(&verb, o);
        let error = o.error.clone().unwrap_or_default();
        let attempts = crate::t!("deliver-attempts", attempts = o.attempts, error = error);
        println!("             {attempts}");
    }
    let verb = crate::t!("deliver-postponed");
    s.postponed.iter().for_each(|o| line(&verb, o));
    Ok(if s.failed.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
