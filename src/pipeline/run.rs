//! One run of a pipeline: take the pipeline's lock, run its steps in order, record it.
//!
//! The same function serves `momentos run`, the daemon and its retries. Two runs of one
//! pipeline never overlap: the lock `_locks/pipeline-<name>.json` in the lake is held for
//! the whole run; a second run waits for it or gives up (`skipped_busy`), per the
//! pipeline's overlap policy. A run is idempotent because its steps are: `ingest` skips
//! content already in the lake, and later steps recompute from the lake.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::history::{self, RunRecord, RunStatus, StepRecord, Trigger};
use super::steps::{self, StepContext, StepKind};
use super::{OverlapPolicy, Pipeline};
use crate::catalog::Catalog;
use crate::lake::lock::{self, LockSpec, NamedLock};
use crate::lake::{Lake, LakeError};
use crate::privacy::Pseudonymizer;

/// What every run of a process shares.
#[derive(Clone)]
pub struct RunEnv {
    pub catalog: Catalog,
    /// The command line's lake, used when a pipeline names none.
    pub default_lake: String,
    pub pseudonymizer: Option<Pseudonymizer>,
    /// Cancelled when the process is asked to stop: the run finishes its current step,
    /// runs no more and is recorded as `interrupted`.
    pub shutdown: CancellationToken,
    /// Overrides the pipeline's overlap policy.
    pub overlap: Option<OverlapPolicy>,
    /// Overrides the pipeline's wait timeout.
    pub wait_timeout: Option<Duration>,
}

/// Why this run, for the record.
#[derive(Debug, Clone, Copy)]
pub struct RunRequest {
    pub trigger: Trigger,
    pub scheduled_for: Option<DateTime<Utc>>,
    pub attempt: u32,
}

impl RunRequest {
    pub fn manual() -> RunRequest {
        RunRequest {
            trigger: Trigger::Manual,
            scheduled_for: None,
            attempt: 1,
        }
    }
}

/// How a run went.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub status: RunStatus,
    pub record: RunRecord,
    pub steps: Vec<StepRecord>,
    /// The pipeline asks for a step this build does not have (a configuration problem).
    pub config_error: bool,
}

/// A run that could not even be recorded (no lake to record it in).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}", crate::t!("run-lake-error", pipeline = .pipeline, lake = .lake, error = .source.to_string()))]
    Lake {
        pipeline: String,
        lake: String,
        source: LakeError,
    },
}

/// The lake a pipeline writes to.
pub fn open_lake(pipeline: &Pipeline, default_lake: &str) -> Result<Lake, RunError> {
    let location = pipeline.lake.as_deref().unwrap_or(default_lake);
    Lake::open(location).map_err(|source| RunError::Lake {
        pipeline: pipeline.name.clone(),
        lake: location.to_string(),
        source,
    })
}

/// The lock that keeps two runs of a pipeline apart.
pub fn lock_name(pipeline: &str) -> String {
    format!("pipeline-{pipeline}")
}

fn new_record(pipeline: &Pipeline, run_id: &str, req: RunRequest, now: DateTime<Utc>) -> RunRecord {
    RunRecord {
        run_id: run_id.to_string(),
        pipeline: pipeline.name.clone(),
        trigger: req.trigger.code().to_string(),
        scheduled_for: req.scheduled_for,
        attempt: req.attempt,
        started_at: now,
        ended_at: None,
        status: RunStatus::Running.code().to_string(),
        rows_in: 0,
        rows_accepted: 0,
        rows_quarantined: 0,
        error: None,
        note: None,
        host: lock::hostname(),
        pid: std::process::id(),
    }
}

fn step_record(
    pipeline: &Pipeline,
    run_id: &str,
    position: usize,
    step: StepKind,
    status: &str,
) -> StepRecord {
    StepRecord {
        run_id: run_id.to_string(),
        pipeline: pipeline.name.clone(),
        position: position as u32 + 1,
        step: step.code().to_string(),
        status: status.to_string(),
        started_at: None,
        ended_at: None,
        rows_in: 0,
        rows_accepted: 0,
        rows_quarantined: 0,
        detail: None,
        error: None,
    }
}

/// Records a fire the daemon did not run.
pub async fn record_missed(
    lake: &Lake,
    pipeline: &Pipeline,
    scheduled_for: DateTime<Utc>,
    note: String,
) -> Result<RunRecord, LakeError> {
    let now = Utc::now();
    let mut record = new_record(
        pipeline,
        &history::new_run_id(now),
        RunRequest {
            trigger: Trigger::CatchUp,
            scheduled_for: Some(scheduled_for),
            attempt: 0,
        },
        now,
    );
    record.status = RunStatus::Missed.code().into();
    record.ended_at = Some(now);
    record.note = Some(note);
    history::write_run(lake, &record).await?;
    Ok(record)
}

/// Runs a pipeline once, now.
pub async fn run_pipeline(
    pipeline: &Pipeline,
    env: &RunEnv,
    req: RunRequest,
) -> Result<RunReport, RunError> {
    let lake_err = |source: LakeError| RunError::Lake {
        pipeline: pipeline.name.clone(),
        lake: pipeline
            .lake
            .clone()
            .unwrap_or_else(|| env.default_lake.clone()),
        source,
    };
    let lake = open_lake(pipeline, &env.default_lake)?;
    lake.check_reachable().await.map_err(lake_err)?;

    let started = Utc::now();
    let run_id = history::new_run_id(started);
    let mut record = new_record(pipeline, &run_id, req, started);
    let mut step_rows: Vec<StepRecord> = pipeline
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| step_record(pipeline, &run_id, i, *s, "not_run"))
        .collect();

    // A step this build lacks: refuse before doing anything, and say so in the history.
    let missing = steps::unavailable_steps(pipeline);
    if !missing.is_empty() {
        for (step, err) in &missing {
            if let Some(row) = step_rows.iter_mut().find(|r| r.step == step.code()) {
                row.status = "unavailable".into();
                row.error = Some(err.to_string());
            }
        }
        let text = missing
            .iter()
            .map(|(_, e)| e.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        return finish(
            &lake,
            record,
            step_rows,
            RunStatus::Failed,
            Some(text),
            true,
        )
        .await
        .map_err(lake_err);
    }

    // No overlap.
    let policy = env.overlap.unwrap_or(pipeline.overlap.policy);
    let wait = match policy {
        OverlapPolicy::Skip => Duration::ZERO,
        OverlapPolicy::Wait => env.wait_timeout.unwrap_or(pipeline.overlap.wait_timeout),
    };
    let spec = LockSpec {
        run_id: Some(run_id.clone()),
        wait,
        stale_after: pipeline.overlap.stale_after,
        ..LockSpec::named(
            &lock_name(&pipeline.name),
            crate::t!("run-lock-purpose", run = &run_id, pipeline = &pipeline.name),
            crate::t!("run-busy", pipeline = &pipeline.name),
        )
    };
    let acquired = tokio::select! {
        l = NamedLock::acquire(&lake, &spec) => l,
        _ = env.shutdown.cancelled() => {
            return finish(&lake, record, step_rows, RunStatus::Interrupted,
                Some(crate::t!("run-stopped-waiting")), false)
                .await
                .map_err(lake_err);
        }
    };
    let lock = match acquired {
        Ok(l) => l,
        Err(LakeError::Locked(message)) => {
            tracing::warn!(pipeline = %pipeline.name, "{message}");
            return finish(
                &lake,
                record,
                step_rows,
                RunStatus::SkippedBusy,
                Some(message),
                false,
            )
            .await
            .map_err(lake_err);
        }
        Err(e) => return Err(lake_err(e)),
    };
    // The lock's wait is not part of the run.
    record.started_at = Utc::now();
    if let Some(dead) = lock.taken_over().cloned() {
        close_dead_run(&lake, &dead, &run_id).await;
    }
    if let Err(e) = history::write_run(&lake, &record).await {
        lock.release().await.ok();
        return Err(lake_err(e));
    }
    tracing::info!(pipeline = %pipeline.name, run_id, trigger = record.trigger, "Run started.");

    let mut status = RunStatus::Success;
    let mut errors: Vec<String> = Vec::new();
    let mut new_batches: Vec<String> = Vec::new();
    for (i, step) in pipeline.steps.iter().enumerate() {
        if env.shutdown.is_cancelled() {
            status = RunStatus::Interrupted;
            errors.push(crate::t!("run-stopped-before-step", step = step.code()));
            break;
        }
        let run_step = steps::runner(*step).expect("availability checked above");
        let ctx = StepContext {
            pipeline,
            lake: &lake,
            catalog: &env.catalog,
            pseudonymizer: env.pseudonymizer.as_ref(),
            run_id: &run_id,
            new_batches: &new_batches,
            shutdown: &env.shutdown,
        };
        let row = &mut step_rows[i];
        row.started_at = Some(Utc::now());
        tracing::info!(pipeline = %pipeline.name, run_id, step = %step, "Step started.");
        let result = run_step(&ctx).await;
        row.ended_at = Some(Utc::now());
        match result {
            Ok(out) => {
                row.rows_in = out.rows_in;
                row.rows_accepted = out.rows_accepted;
                row.rows_quarantined = out.rows_quarantined;
                row.detail = Some(out.detail.clone()).filter(|d| !d.is_empty());
                record.rows_in += out.rows_in;
                record.rows_accepted += out.rows_accepted;
                record.rows_quarantined += out.rows_quarantined;
                new_batches.extend(out.new_batches);
                if out.interrupted {
                    row.status = RunStatus::Interrupted.code().into();
                    row.error = Some(out.errors.join("\n")).filter(|e| !e.is_empty());
                    errors.extend(out.errors.iter().map(|e| format!("{step}: {e}")));
                    errors.push(crate::t!("run-stopped-during-step", step = step.code()));
                    status = RunStatus::Interrupted;
                    tracing::warn!(pipeline = %pipeline.name, run_id, step = %step, detail = %out.detail, "Step stopped early by a shutdown request.");
                    break;
                }
                if out.errors.is_empty() {
                    row.status = if out.rows_quarantined > 0 {
                        RunStatus::SuccessWithQuarantine.code().into()
                    } else {
                        RunStatus::Success.code().into()
                    };
                } else {
                    // Partial: the step's good work is kept and later steps still run on
                    // it, but the run counts as failed so someone looks.
                    row.status = RunStatus::Failed.code().into();
                    row.error = Some(out.errors.join("\n"));
                    errors.extend(out.errors.iter().map(|e| format!("{step}: {e}")));
                    status = RunStatus::Failed;
                }
                tracing::info!(pipeline = %pipeline.name, run_id, step = %step, rows = out.rows_in, quarantined = out.rows_quarantined, detail = %out.detail, "Step ended.");
            }
            Err(e) => {
                row.status = RunStatus::Failed.code().into();
                row.error = Some(e.to_string());
                errors.push(format!("{step}: {e}"));
                status = RunStatus::Failed;
                tracing::error!(pipeline = %pipeline.name, run_id, step = %step, error = %e, "Step failed; the run stops.");
                break;
            }
        }
    }
    if status == RunStatus::Success && record.rows_quarantined > 0 {
        status = RunStatus::SuccessWithQuarantine;
    }
    let error = (!errors.is_empty()).then(|| errors.join("\n"));
    let report = finish(&lake, record, step_rows, status, error, false).await;
    if let Err(e) = lock.release().await {
        tracing::warn!(pipeline = %pipeline.name, error = %e, "Could not release the pipeline lock; the next run will take it over.");
    }
    report.map_err(lake_err)
}

async fn finish(
    lake: &Lake,
    mut record: RunRecord,
    steps: Vec<StepRecord>,
    status: RunStatus,
    error: Option<String>,
    config_error: bool,
) -> Result<RunReport, LakeError> {
    record.ended_at = Some(Utc::now());
    record.status = status.code().to_string();
    record.error = error;
    if !steps.is_empty() {
        history::write_steps(lake, &record.run_id, &steps).await?;
    }
    history::write_run(lake, &record).await?;
    tracing::info!(
        pipeline = %record.pipeline,
        run_id = %record.run_id,
        status = %record.status,
        rows = record.rows_in,
        quarantined = record.rows_quarantined,
        "Run ended."
    );
    Ok(RunReport {
        status,
        record,
        steps,
        config_error,
    })
}

/// A run whose process died holding the lock: its record still says `running`.
async fn close_dead_run(lake: &Lake, dead: &lock::LockInfo, successor: &str) {
    let Some(run_id) = &dead.run_id else { return };
    match history::read_run(lake, run_id).await {
        Ok(Some(mut r)) if r.status == RunStatus::Running.code() => {
            r.status = RunStatus::Interrupted.code().into();
            r.ended_at = Some(Utc::now());
            r.error = Some(crate::t!(
                "run-dead-holder",
                pid = dead.pid.to_string(),
                host = &dead.host,
                successor = successor
            ));
            if let Err(e) = history::write_run(lake, &r).await {
                tracing::warn!(run_id, error = %e, "Could not close the record of a dead run.");
            } else {
                tracing::warn!(run_id, pid = dead.pid, host = %dead.host, "Recorded a run whose process died as interrupted.");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(run_id, error = %e, "Could not read the record of a dead run."),
    }
}
