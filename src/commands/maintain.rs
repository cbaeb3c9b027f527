//! `momentos maintain`: retention, compaction and Delta log upkeep (see `crate::maintain`).

use std::time::Duration;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::i18n;
use crate::lake::{Lake, LakeError};
use crate::maintain::{self, MaintainOptions};
use crate::t;

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    dry_run: bool,
    log_retention: Duration,
) -> anyhow::Result<ExitStatus> {
    let opts = MaintainOptions {
        dry_run,
        log_retention,
        ..Default::default()
    };
    let s = match maintain::run(lake, catalog, chrono::Utc::now(), &opts).await {
        Ok(s) => s,
        Err(LakeError::Locked(msg)) => {
            eprintln!("error: {msg}");
            return Ok(ExitStatus::Busy);
        }
        Err(e) => return Err(e.into()),
    };
    match s.retention_from {
        None => println!("{}", t!("maintain-retention-none")),
        Some(day) => {
            let date = day.format("%d/%m/%Y").to_string();
            let rows: i64 = s.retention.iter().map(|r| r.rows_removed).sum();
            let line = if dry_run {
                t!("maintain-retention-dry", date = date)
            } else if rows == 0 {
                t!("maintain-retention-nothing", date = date)
            } else {
                t!("maintain-retention", date = date, rows = i18n::int(rows))
            };
            println!("{line}");
        }
    }
    if s.compactions.is_empty() {
        println!("{}", t!("maintain-compaction-none"));
    }
    for c in &s.compactions {
        let key = if c.quarantine {
            "maintain-compaction-quarantine"
        } else {
            "maintain-compaction"
        };
        let line = i18n::message(
            key,
            &[
                ("table", c.table.clone().into()),
                ("before", i18n::int(c.files_before as i64).into()),
                ("months", (c.months as i64).into()),
                ("after", i18n::int(c.files_after as i64).into()),
                ("rows", i18n::int(c.rows as i64).into()),
            ],
        );
        println!("{line}");
    }
    if dry_run {
        println!("{}", t!("maintain-dry-run"));
    } else {
        let checkpoints = s.logs.iter().filter(|l| l.checkpoint.is_some()).count();
        let expired: usize = s.logs.iter().map(|l| l.expired).sum();
        println!(
            "{}",
            t!(
                "maintain-logs",
                checkpoints = checkpoints,
                expired = expired
            )
        );
    }
    Ok(ExitStatus::Success)
}
