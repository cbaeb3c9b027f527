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
        println!("Se enviarían {} mensaje(s):", s.would_send.len());
        s.would_send.iter().for_each(|o| line("pendiente", o));
        return Ok(ExitStatus::Success);
    }
    println!("Entregas: {}", s.detail());
    s.sent.iter().for_each(|o| line("enviado", o));
    for o in &s.failed {
        line("falló", o);
        println!(
            "             {} intento(s): {}",
            o.attempts,
            o.error.as_deref().unwrap_or("")
        );
    }
    s.postponed.iter().for_each(|o| line("pospuesto", o));
    Ok(if s.failed.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
