//! `momentos forget IDENTIFIER`: the derecho de supresión (DESIGN §7).

use std::io::Read;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::i18n;
use crate::lake::{Lake, LakeError};
use crate::privacy::forget::{self, ForgetOptions};
use crate::privacy::Pseudonymizer;
use crate::score::ScoreError;
use crate::t;

/// The identifier as given, or read from standard input for `-` (so it stays out of the
/// shell history and the process list).
fn read_identifier(arg: &str) -> std::io::Result<String> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    Ok(text.trim().to_string())
}

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    identifier: &str,
    reference: Option<String>,
    rederive: bool,
) -> anyhow::Result<ExitStatus> {
    let identifier = read_identifier(identifier)?;
    let pseudonymizer = match Pseudonymizer::from_env()? {
        Some(p) => p,
        None => {
            eprintln!("error: {}", t!("forget-key-required"));
            return Ok(ExitStatus::UsageError);
        }
    };
    let opts = ForgetOptions {
        reference,
        rederive,
        ..Default::default()
    };
    let outcome = match forget::forget(lake, catalog, &pseudonymizer, &identifier, &opts).await {
        Ok(o) => o,
        Err(ScoreError::Lake(LakeError::Locked(msg))) => {
            eprintln!("error: {msg}");
            return Ok(ExitStatus::Busy);
        }
        Err(ScoreError::Usage(msg)) => {
            eprintln!("error: {msg}");
            return Ok(ExitStatus::UsageError);
        }
        Err(e) => return Err(e.into()),
    };
    if outcome.other_keys {
        eprintln!("{}", t!("forget-other-keys"));
    }
    let audit_id = outcome.audit.first().map_or("", |r| r.audit_id.as_str());
    if outcome.rows_removed() == 0 {
        println!(
            "{}",
            t!(
                "forget-nothing-found",
                lake = lake.url().as_str(),
                audit = audit_id
            )
        );
        return Ok(ExitStatus::Success);
    }
    println!(
        "{}",
        t!(
            "forget-removed",
            rows = i18n::int(outcome.rows_removed()),
            tables = outcome.audit.len(),
            lake = lake.url().as_str(),
            audit = audit_id
        )
    );
    for row in &outcome.audit {
        let version = row
            .delta_version
            .map_or_else(|| "–".to_string(), |v| v.to_string());
        println!(
            "  {}",
            t!(
                "forget-table-line",
                table = row.table_name.clone().unwrap_or_default(),
                path = row.table_path.clone().unwrap_or_default(),
                rows = i18n::int(row.rows_removed),
                version = version
            )
        );
    }
    match &outcome.rederived {
        Some(summary) => println!(
            "{}",
            t!("forget-rederived", periods = summary.periods.len())
        ),
        None if !rederive => println!("{}", t!("forget-not-rederived")),
        None => {}
    }
    Ok(ExitStatus::Success)
}
