//! `momentos ingest KIND FILE...`

use std::path::PathBuf;

use anyhow::Context;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::ingest::{self, IngestError, IngestOptions, IngestSummary};
use crate::lake::{Lake, LakeError};
use crate::privacy::Pseudonymizer;
use crate::sources::Format;
use crate::vocabulary::SourceKind;

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    kind: SourceKind,
    files: &[PathBuf],
    format: Option<&str>,
    sheet: Option<String>,
) -> anyhow::Result<ExitStatus> {
    let mut opts = IngestOptions::new(kind);
    opts.read.format = match format {
        Some(f) => Some(
            Format::parse(f)
                .with_context(|| format!("`{f}` is not a format; expected csv, jsonl or xlsx"))?,
        ),
        None => None,
    };
    opts.read.sheet = sheet;
    let pseudonymizer = Pseudonymizer::from_env()?;
    let mut status = ExitStatus::Success;
    for file in files {
        match ingest::ingest_file(lake, catalog, pseudonymizer.as_ref(), file, &opts).await {
            Ok(summary) => {
                print_summary(&summary);
                if summary.rows_quarantined > 0 && status == ExitStatus::Success {
                    status = ExitStatus::Quarantined;
                }
            }
            Err(IngestError::Lake(LakeError::Locked(msg))) => {
                eprintln!("error: {msg}");
                return Ok(ExitStatus::Busy);
            }
            Err(e @ IngestError::Lake(_)) => return Err(e.into()),
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("       nothing from {} was written", file.display());
                status = ExitStatus::Failure;
            }
        }
    }
    Ok(status)
}

fn print_summary(s: &IngestSummary) {
    if let Some(batch) = &s.already_ingested_in {
        println!("{}: already ingested (batch {batch}); 0 rows added", s.file);
        return;
    }
    println!("{} → {} ({})", s.file, s.kind, s.described);
    println!(
        "  read {}, accepted {}, replaced {}, duplicates in file {}, quarantined {}  [{:.1}s, batch {}]",
        s.rows_read,
        s.rows_accepted,
        s.rows_replaced,
        s.rows_superseded_in_file,
        s.rows_quarantined,
        s.elapsed.as_secs_f64(),
        s.batch_id.as_deref().unwrap_or("-")
    );
    for (code, (n, example)) in &s.reasons {
        println!("    {n:>8} × {code}: e.g. {example}");
    }
    if !s.warnings.is_empty() {
        let total: u64 = s.warnings.values().map(|(n, _)| n).sum();
        println!("  warnings: {total} row(s) kept with a value dropped");
        for (code, (n, example)) in &s.warnings {
            println!("    {n:>8} × {code}: e.g. {example}");
        }
    }
    if !s.unknown_columns.is_empty() {
        println!(
            "  ignored unknown column(s): {}",
            crate::sources::capped_list(&s.unknown_columns, 20)
        );
    }
}
