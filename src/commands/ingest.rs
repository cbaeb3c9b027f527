//! `momentos ingest KIND FILE...` and `momentos ingest --source NAME FILE...`

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::ingest::{self, IngestError, IngestOptions, IngestSummary};
use crate::lake::{Lake, LakeError};
use crate::privacy::Pseudonymizer;
use crate::sources::adapters::{self, recognise};
use crate::sources::Format;
use crate::vocabulary::SourceKind;

/// The command line's form: `KIND FILE…`, or `--source NAME FILE…` (then `kind` is the
/// first file).
pub async fn run_cli(
    lake: &Lake,
    catalog: &Catalog,
    kind: &str,
    mut files: Vec<PathBuf>,
    source: Option<String>,
    format: Option<&str>,
    sheet: Option<String>,
) -> anyhow::Result<ExitStatus> {
    let Some(name) = source else {
        let kind = match crate::cli::parse_kind(kind) {
            Ok(k) => k,
            Err(e) => {
                let hint = if Path::new(kind).is_file() {
                    format!(
                        " (¿olvidó el tipo? momentos ingest interactions {kind}{})",
                        recognise::hint_for(Path::new(kind), None)
                    )
                } else {
                    String::new()
                };
                eprintln!("error: {e}{hint}");
                return Ok(ExitStatus::UsageError);
            }
        };
        if files.is_empty() {
            eprintln!(
                "error: falta al menos un archivo: momentos ingest {} ARCHIVO…",
                kind.code()
            );
            return Ok(ExitStatus::UsageError);
        }
        return run(lake, catalog, kind, &files, format, sheet).await;
    };
    files.insert(0, PathBuf::from(kind));
    let source = match adapters::find(&adapters::default_dir(), &name) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    run_source(lake, catalog, &source, &files, sheet.as_deref()).await
}

/// Ingests vendor files through a source's adapter.
pub async fn run_source(
    lake: &Lake,
    catalog: &Catalog,
    source: &adapters::Source,
    files: &[PathBuf],
    sheet: Option<&str>,
) -> anyhow::Result<ExitStatus> {
    let pseudonymizer = Pseudonymizer::from_env()?;
    let mut status = ExitStatus::Success;
    for file in files {
        let adapted = match adapters::adapt(source, file, sheet) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("       nada de {} fue escrito", file.display());
                status = ExitStatus::Failure;
                continue;
            }
        };
        let skipped = adapted.skipped.clone();
        let mut opts = IngestOptions::new(source.kind);
        opts.adapted = Some(Arc::new(adapted));
        match ingest::ingest_file(lake, catalog, pseudonymizer.as_ref(), file, &opts).await {
            Ok(summary) => {
                print_summary(&summary);
                for (why, n) in &skipped {
                    println!("    {n:>8} omitidas: {why}");
                }
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

/// What to add to a refusal of `file` read as `kind`: what the file looks like, the
/// closest known names of missing columns, the workbook's sheets.
fn refusal_hint(file: &Path, kind: SourceKind, e: &IngestError) -> String {
    let mut hint = String::new();
    if let IngestError::MissingColumns { missing, .. } = e {
        let columns = crate::validate::converter(kind).columns();
        if let Ok(src) = crate::sources::open(file, columns, &Default::default()) {
            let header: Vec<&str> = src
                .unknown_columns()
                .iter()
                .take(10_000)
                .map(String::as_str)
                .collect();
            for m in missing.split(", ") {
                if let Some(c) = adapters::closest(m, header.iter().copied()) {
                    hint.push_str(&format!("\n       ¿`{c}` es `{m}`? Corrija el encabezado."));
                }
            }
        }
    }
    if matches!(
        e,
        IngestError::MissingColumns { .. }
            | IngestError::Source(
                crate::sources::SourceError::NotTabular { .. }
                    | crate::sources::SourceError::UnknownFormat { .. }
            )
    ) {
        let looks = recognise::hint_for(file, None);
        if !looks.is_empty() {
            hint.push_str(&format!("\n      {looks}"));
        }
        let sheets = recognise::sheet_hint(file);
        if !sheets.is_empty() {
            hint.push_str(&format!("\n      {sheets}"));
        }
    }
    hint
}

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
                eprintln!("error: {e}{}", refusal_hint(file, kind, &e));
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
