//! The steps a pipeline runs, behind one small interface: a step is an async function
//! `fn(&StepContext) -> Result<StepOutcome, StepError>`, and [`runner`] maps each
//! [`StepKind`] to its function. `ingest` and `score` live here; the others are small
//! adapters in `steps/` that call plain functions of their domain modules (`plans`,
//! `alerts`, `report`, `deliver`), which never import pipeline types (STYLE.md: the
//! pipeline calls the domain, never the other way round).

mod alerts;
mod deliver;
mod maintain;
mod plans;
mod report;

use std::future::Future;
use std::pin::Pin;

use tokio_util::sync::CancellationToken;

use super::{inbox, Pipeline};
use crate::catalog::Catalog;
use crate::ingest::{self, IngestError, IngestOptions};
use crate::lake::{manifest, Lake, LakeError};
use crate::privacy::Pseudonymizer;

/// A step of a pipeline, in the order they feed each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    Ingest,
    Maintain,
    Score,
    Plans,
    Alerts,
    Report,
    Deliver,
}

impl StepKind {
    pub const ALL: &'static [StepKind] = &[
        StepKind::Ingest,
        StepKind::Maintain,
        StepKind::Score,
        StepKind::Plans,
        StepKind::Alerts,
        StepKind::Report,
        StepKind::Deliver,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StepKind::Ingest => "ingest",
            StepKind::Maintain => "maintain",
            StepKind::Score => "score",
            StepKind::Plans => "plans",
            StepKind::Alerts => "alerts",
            StepKind::Report => "report",
            StepKind::Deliver => "deliver",
        }
    }

    pub fn parse(s: &str) -> Option<StepKind> {
        StepKind::ALL
            .iter()
            .copied()
            .find(|k| k.code() == s.trim().to_ascii_lowercase())
    }

    /// `ingest, maintain, score, plans, alerts, report, deliver`.
    pub fn codes() -> String {
        StepKind::ALL
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Everything a step may use.
pub struct StepContext<'a> {
    pub pipeline: &'a Pipeline,
    pub lake: &'a Lake,
    pub catalog: &'a Catalog,
    pub pseudonymizer: Option<&'a Pseudonymizer>,
    pub run_id: &'a str,
    /// Batches committed by the earlier steps of this run (empty: nothing new arrived;
    /// a step may then have nothing to recompute).
    pub new_batches: &'a [String],
    /// Set when the process is asked to stop. A step normally runs to its end (the run
    /// stops between steps); a long step may check it to stop early at a safe point.
    pub shutdown: &'a CancellationToken,
}

/// What a step did, for the run record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepOutcome {
    pub rows_in: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    /// One line for people, e.g. "3 files: 1 ingested, 2 unchanged".
    pub detail: String,
    /// Batches this step committed.
    pub new_batches: Vec<String>,
    /// Problems that did not stop the step (one file of several unreadable): the step and
    /// the run count as failed, but the rest of the work is kept.
    pub errors: Vec<String>,
    /// The step stopped early, at a safe point, because the process was asked to stop.
    pub interrupted: bool,
}

/// A step that could not do its work.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StepError(pub String);

impl From<LakeError> for StepError {
    fn from(e: LakeError) -> Self {
        StepError(e.to_string())
    }
}

pub type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<StepOutcome, StepError>> + Send + 'a>>;
/// A step function (see [`runner`]).
pub type StepFn = for<'a> fn(&'a StepContext<'a>) -> StepFuture<'a>;

/// Turns `async fn f(ctx: &StepContext<'_>) -> Result<StepOutcome, StepError>` into a [`StepFn`].
#[macro_export]
macro_rules! step_fn {
    ($f:path) => {{
        fn call<'a>(
            ctx: &'a $crate::pipeline::steps::StepContext<'a>,
        ) -> $crate::pipeline::steps::StepFuture<'a> {
            Box::pin($f(ctx))
        }
        call as $crate::pipeline::steps::StepFn
    }};
}

/// The function that runs a step in this build.
///
/// To wire a step that has landed, replace `unavailable(step)` on its line with
/// `Ok(step_fn!(module::function))`, the adapter in `steps/module.rs`.
pub fn runner(step: StepKind) -> Result<StepFn, StepError> {
    match step {
        StepKind::Ingest => Ok(step_fn!(ingest_step)),
        StepKind::Maintain => Ok(step_fn!(maintain::maintain_step)),
        StepKind::Score => Ok(step_fn!(score_step)),
        StepKind::Plans => Ok(step_fn!(plans::plans_step)),
        StepKind::Alerts => Ok(step_fn!(alerts::alerts_step)),
        StepKind::Report => Ok(step_fn!(report::report_step)),
        StepKind::Deliver => Ok(step_fn!(deliver::deliver_step)),
    }
}

/// Every step of [`StepKind`] runs in this build; kept for a step (or a cargo feature)
/// that lands later.
#[allow(dead_code)]
fn unavailable(step: StepKind) -> Result<StepFn, StepError> {
    Err(StepError(format!(
        "step `{step}` is not available in this build"
    )))
}

/// The steps of a pipeline that this build cannot run, with the reason.
pub fn unavailable_steps(pipeline: &Pipeline) -> Vec<(StepKind, StepError)> {
    pipeline
        .steps
        .iter()
        .filter_map(|s| runner(*s).err().map(|e| (*s, e)))
        .collect()
}

/// `ingest`: every inbox file not ingested before becomes a batch. Files whose size and
/// modification time match what an earlier run ingested are skipped without reading them;
/// other files are hashed, and content already in the lake is skipped by `ingest_file`.
/// On a shutdown request it stops between two files (each file is an atomic batch).
pub async fn ingest_step(ctx: &StepContext<'_>) -> Result<StepOutcome, StepError> {
    let lake = ctx.lake;
    let mut out = StepOutcome::default();
    let known: std::collections::HashSet<(String, String)> = manifest::read_all(lake)
        .await?
        .into_iter()
        .filter_map(|m| m.source_hash.map(|h| (m.table, h)))
        .collect();
    let mut seen = inbox::SeenFiles::load(lake, &ctx.pipeline.name).await?;
    let (mut ingested, mut unchanged, mut failed, mut waiting) = (0u32, 0u32, 0u32, 0u32);
    'sources: for source in &ctx.pipeline.sources {
        let table = source.kind.code();
        let files = match inbox::list(source) {
            Ok(f) => f,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        let mut opts = IngestOptions::new(source.kind);
        opts.read.format = source.format;
        opts.read.sheet = source.sheet.clone();
        for file in files {
            // Each file is its own batch: between two files is a safe place to stop.
            if ctx.shutdown.is_cancelled() {
                out.interrupted = true;
                break 'sources;
            }
            // A file written less than `settle` ago may still be arriving: a later run
            // takes it (ingestion also refuses a file that changes while it is read).
            if !file.settled(ctx.pipeline.settle, inbox::now_ns()) || !file.still_same() {
                tracing::info!(file = %file.path.display(), settle = ?ctx.pipeline.settle, "File still being written; left for a later run.");
                waiting += 1;
                continue;
            }
            if let Some(hash) = seen.hash_if_unchanged(&file) {
                if known.contains(&(table.to_string(), hash.to_string())) {
                    tracing::debug!(file = %file.path.display(), "Unchanged since an earlier run; skipped.");
                    unchanged += 1;
                    continue;
                }
            }
            // A vendor export: the source's adapter turns it into canonical rows first.
            let mut opts = opts.clone();
            if let Some(name) = &source.source {
                let dir = crate::sources::adapters::default_dir();
                let adapted = crate::sources::adapters::find(&dir, name)
                    .map_err(|e| e.to_string())
                    .and_then(|s| {
                        crate::sources::adapters::adapt(&s, &file.path, source.sheet.as_deref())
                            .map_err(|e| e.to_string())
                    });
                match adapted {
                    Ok(a) => opts.adapted = Some(std::sync::Arc::new(a)),
                    Err(e) => {
                        failed += 1;
                        out.errors.push(crate::t!(
                            "step-ingest-nothing-written",
                            error = e.to_string()
                        ));
                        continue;
                    }
                }
            }
            match ingest::ingest_file(lake, ctx.catalog, ctx.pseudonymizer, &file.path, &opts).await
            {
                Ok(s) => {
                    seen.remember(&file, &s.source_hash);
                    if s.already_ingested_in.is_some() {
                        unchanged += 1;
                        continue;
                    }
                    ingested += 1;
                    out.rows_in += s.rows_read;
                    out.rows_accepted += s.rows_accepted;
                    out.rows_quarantined += s.rows_quarantined;
                    out.new_batches.extend(s.batch_id);
                    tracing::info!(
                        pipeline = %ctx.pipeline.name,
                        file = %file.path.display(),
                        rows = s.rows_read,
                        accepted = s.rows_accepted,
                        quarantined = s.rows_quarantined,
                        "Ingested an inbox file."
                    );
                }
                Err(IngestError::Lake(LakeError::Locked(m))) => {
                    failed += 1;
                    out.errors.push(format!("{}: {m}", file.path.display()));
                }
                Err(e @ IngestError::Lake(_)) => {
                    // The lake itself failed: later files would fail the same way.
                    seen.save(lake).await.ok();
                    return Err(StepError(format!("{}: {e}", file.path.display())));
                }
                Err(e) => {
                    failed += 1;
                    // The error names the file already.
                    out.errors.push(crate::t!(
                        "step-ingest-nothing-written",
                        error = e.to_string()
                    ));
                }
            }
        }
    }
    seen.save(lake).await?;
    let total = ingested + unchanged + failed + waiting;
    out.detail = crate::t!(
        "step-ingest-files",
        total = total,
        ingested = ingested,
        unchanged = unchanged
    );
    if failed > 0 {
        out.detail += &crate::t!("step-ingest-failed", failed = failed);
    }
    if waiting > 0 {
        out.detail += &crate::t!("step-ingest-waiting", waiting = waiting);
    }
    if out.interrupted {
        out.detail += &crate::t!("step-ingest-stopped");
    }
    Ok(out)
}

/// `score`: recomputes the derived tables (every period) when this run committed new
/// batches, or when the lake has never been scored; otherwise there is nothing to redo.
pub async fn score_step(ctx: &StepContext<'_>) -> Result<StepOutcome, StepError> {
    let manifests = manifest::read_all(ctx.lake).await?;
    let scored_before = manifests.iter().any(|m| m.tables().any(|t| t == "scores"));
    if ctx.new_batches.is_empty() && scored_before {
        return Ok(StepOutcome {
            detail: crate::t!("step-score-nothing-new"),
            ..StepOutcome::default()
        });
    }
    let mut opts = crate::score::run::ScoreOptions::new(crate::score::run::Periods::Changed);
    opts.engine = ctx.pipeline.engine.clone();
    let summary = crate::score::run::run(ctx.lake, ctx.catalog, &opts)
        .await
        .map_err(|e| StepError(e.to_string()))?;
    // Rows in/accepted count input rows; derived rows go in the detail only.
    let rows: u64 = summary.tables.iter().map(|t| t.rows).sum();
    Ok(StepOutcome {
        detail: crate::t!(
            "step-score-detail",
            periods = summary.periods.len(),
            rows = rows,
            tables = summary.tables.len()
        ),
        new_batches: summary
            .tables
            .iter()
            .filter_map(|t| t.batch_id.clone())
            .collect(),
        ..StepOutcome::default()
    })
}
