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
                    let looks = recognise::hint_for(Path::new(kind), None);
                    let hint = crate::t!("ingest-forgot-kind", file = kind, looks = looks);
                    format!(" ({hint})")
                } else {
                    String::new()
                };
                eprintln!("error: {e}{hint}");
                return Ok(ExitStatus::UsageError);
            }
        };
        if files.is_empty() {
            eprintln!(
                "error: {}",
                crate::t!("ingest-no-files", kind = kind.code())
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
                eprintln!(
                    "       {}",
                    crate::t!("ingest-nothing-written", file = file)
                );
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
                    let n = crate::i18n::int(*n as i64);
                    println!("    {n:>8} {}", crate::t!("ingest-skipped", reason = why));
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
                eprintln!(
                    "       {}",
                    crate::t!("ingest-nothing-written", file = file)
                );
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
                    let fix = crate::t!("ingest-column-typo", found = c, expected = m);
                    hint.push_str(&format!("\n       {fix}"));
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
        Some(f) => {
            Some(Format::parse(f).with_context(|| crate::t!("ingest-bad-format", format = f))?)
        }
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
                eprintln!(
                    "       {}",
                    crate::t!("ingest-nothing-written", file = file)
                );
                status = ExitStatus::Failure;
            }
        }
    }
    Ok(status)
}

fn print_summary(s: &IngestSummary) {
    use crate::i18n::{decimal, int};
    if let Some(batch) = &s.already_ingested_in {
        let line = crate::t!("ingest-already", file = &s.file, batch = batch);
        println!("{line}");
        return;
    }
    println!("{} → {} ({})", s.file, s.kind, s.described);
    let line = crate::t!(
        "ingest-counts",
        read = s.rows_read,
        accepted = s.rows_accepted,
        replaced = s.rows_replaced,
        duplicates = s.rows_superseded_in_file,
        quarantined = s.rows_quarantined,
        seconds = decimal(s.elapsed.as_secs_f64(), 1),
        batch = s.batch_id.as_deref().unwrap_or("-")
    );
    println!("  {line}");
    let print_examples = |counts: &std::collections::BTreeMap<_, (u64, String)>| {
        for (code, (n, example)) in counts {
            let n = int(*n as i64);
            let example = crate::t!("ingest-example", code = code, example = example);
            println!("    {n:>8} × {example}");
        }
    };
    print_examples(&s.reasons);
    if !s.warnings.is_empty() {
        let total: u64 = s.warnings.values().map(|(n, _)| n).sum();
        println!("  {}", crate::t!("ingest-warnings", rows = total));
        print_examples(&s.warnings);
    }
    if !s.unknown_columns.is_empty() {
        let columns = crate::sources::capped_list(&s.unknown_columns, 20);
        println!(
            "  {}",
            crate::t!("ingest-unknown-columns", columns = columns)
        );
    }
}
