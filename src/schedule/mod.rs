//! `momentos schedule`: the daemon that fires pipelines on their cron schedules.
//!
//! One task per scheduled pipeline: compute the next fire with the `cron` crate in the
//! pipeline's time zone, sleep until then, run it (the same [`run_pipeline`] as
//! `momentos run`), retry a failed run with exponential backoff, remember the fire in the
//! lake. After downtime, the fires that passed are planned by [`catch_up::plan`]. When the
//! shutdown token is cancelled (SIGTERM/SIGINT), no new run starts, the run in flight
//! finishes its current step and is recorded (`interrupted` if steps were left), and the
//! tasks end.

pub mod catch_up;
pub mod clock;
pub mod cron_expr;
pub mod signals;
pub mod state;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::lake::Lake;
use crate::pipeline::history::{RunStatus, Trigger};
use crate::pipeline::run::{self, RunEnv, RunRequest};
use crate::pipeline::Pipeline;
use clock::Clock;
use state::ScheduleState;

/// How many due fires are walked before counting stops (an every-second schedule after a
/// week down has 600 000; the count then reads "at least").
const COUNT_CAP: usize = 100_000;

/// What one pipeline's task did, for tests and the exit message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskSummary {
    pub pipeline: String,
    pub runs: u32,
    pub failed: u32,
    pub missed: usize,
}

/// Runs the daemon until `env.shutdown` is cancelled. Pipelines without a schedule are
/// skipped (with a log line).
pub async fn run_daemon(
    pipelines: Vec<Pipeline>,
    env: RunEnv,
    clock: Arc<dyn Clock>,
) -> Vec<TaskSummary> {
    let mut tasks = Vec::new();
    for p in pipelines {
        if p.schedule.is_none() {
            tracing::info!(pipeline = %p.name, "No schedule in the pipeline file; the daemon does not fire it.");
            continue;
        }
        let (env, clock) = (env.clone(), clock.clone());
        tasks.push(tokio::spawn(
            async move { pipeline_task(p, env, clock).await },
        ));
    }
    let mut out = Vec::new();
    for t in tasks {
        match t.await {
            Ok(s) => out.push(s),
            Err(e) => tracing::error!(error = %e, "A pipeline task panicked."),
        }
    }
    out
}

/// Sleeps until `t` on `clock`; false when shutdown came first.
async fn sleep_until(clock: &dyn Clock, env: &RunEnv, t: DateTime<Utc>) -> bool {
    tokio::select! {
        _ = clock.sleep_until(t) => true,
        _ = env.shutdown.cancelled() => false,
    }
}

async fn pipeline_task(p: Pipeline, env: RunEnv, clock: Arc<dyn Clock>) -> TaskSummary {
    let schedule = p
        .schedule
        .clone()
        .expect("only scheduled pipelines get a task");
    let (cron, tz) = (schedule.cron, schedule.timezone);
    let mut summary = TaskSummary {
        pipeline: p.name.clone(),
        ..Default::default()
    };
    // The lake may be unreachable at start (a network store): keep trying at each fire.
    let mut lake: Option<Lake> = None;
    let mut last: Option<DateTime<Utc>> = None;
    loop {
        if env.shutdown.is_cancelled() {
            break;
        }
        let now = clock.now();
        if lake.is_none() {
            match run::open_lake(&p, &env.default_lake) {
                Ok(l) => match state::load(&l, &p.name).await {
                    Ok(s) => {
                        last = Some(match s {
                            Some(s) => s.last_fire,
                            None => {
                                tracing::info!(pipeline = %p.name, "First start for this pipeline: fires before now are not caught up.");
                                now
                            }
                        });
                        lake = Some(l);
                    }
                    Err(e) => {
                        tracing::error!(pipeline = %p.name, error = %e, "Cannot read the schedule state from the lake; retrying at the next fire.")
                    }
                },
                Err(e) => {
                    tracing::error!(pipeline = %p.name, error = %e, "Cannot open the lake; retrying at the next fire.")
                }
            }
        }
        let (Some(l), Some(since)) = (lake.clone(), last) else {
            let Some(next) = cron.next_after(now, tz) else {
                break;
            };
            if !sleep_until(clock.as_ref(), &env, next).await {
                break;
            }
            continue;
        };

        let limit = p.catch_up.max as usize + 2;
        let (recent, total) = cron.fires_between(since, now, tz, limit, COUNT_CAP);
        let Some(&latest) = recent.last() else {
            let Some(next) = cron.next_after(now, tz) else {
                tracing::warn!(pipeline = %p.name, schedule = %cron, "The schedule never fires again; the task ends.");
                break;
            };
            tracing::debug!(pipeline = %p.name, next = %next, "Sleeping until the next fire.");
            if !sleep_until(clock.as_ref(), &env, next).await {
                break;
            }
            continue;
        };
        let first = cron.next_after(since, tz).unwrap_or(latest);
        let on_time = (now - latest).to_std().unwrap_or_default() <= p.catch_up.grace;
        let plan = catch_up::plan(
            p.catch_up.policy,
            p.catch_up.max,
            &recent,
            total,
            first,
            on_time,
        );

        if let Some(m) = &plan.missed {
            let count = if total >= COUNT_CAP {
                format!("at least {}", m.count)
            } else {
                m.count.to_string()
            };
            let note = format!(
                "{count} fire(s) missed from {} to {} (catch_up = {:?}{})",
                m.first.format("%Y-%m-%d %H:%M:%S UTC"),
                m.last.format("%Y-%m-%d %H:%M:%S UTC"),
                p.catch_up.policy,
                if m.covered {
                    "; a later run covers them"
                } else {
                    ""
                }
            );
            tracing::warn!(pipeline = %p.name, missed = m.count, first = %m.first, last = %m.last, "Missed fires while the daemon was down or busy.");
            summary.missed += m.count;
            if let Err(e) = run::record_missed(&l, &p, m.last, note).await {
                tracing::error!(pipeline = %p.name, error = %e, "Cannot record the missed fires.");
            }
        }
        for (fire, trigger) in &plan.runs {
            if env.shutdown.is_cancelled() {
                break;
            }
            let outcome = run_with_retries(&p, &env, clock.as_ref(), *fire, *trigger).await;
            summary.runs += outcome.attempts;
            if !outcome.succeeded {
                summary.failed += 1;
            }
            if outcome.interrupted {
                break;
            }
            save_state(&l, &p, &cron.written, *fire).await;
        }
        if env.shutdown.is_cancelled() {
            break;
        }
        // Every due fire is handled now (run or recorded as missed).
        save_state(&l, &p, &cron.written, latest).await;
        last = Some(latest);
    }
    tracing::info!(pipeline = %p.name, runs = summary.runs, "Pipeline task stopped.");
    summary
}

async fn save_state(lake: &Lake, p: &Pipeline, schedule: &str, fire: DateTime<Utc>) {
    let s = ScheduleState {
        last_fire: fire,
        schedule: schedule.to_string(),
        updated_at: Utc::now(),
    };
    if let Err(e) = state::save(lake, &p.name, &s).await {
        tracing::error!(pipeline = %p.name, error = %e, "Cannot save the schedule state; after a restart this fire may run again.");
    }
}

struct Outcome {
    attempts: u32,
    succeeded: bool,
    interrupted: bool,
}

/// Runs one fire, retrying a failed run with exponential backoff.
async fn run_with_retries(
    p: &Pipeline,
    env: &RunEnv,
    clock: &dyn Clock,
    fire: DateTime<Utc>,
    trigger: Trigger,
) -> Outcome {
    let mut attempt = 1;
    loop {
        let req = RunRequest {
            trigger: if attempt == 1 {
                trigger
            } else {
                Trigger::Retry
            },
            scheduled_for: Some(fire),
            attempt,
        };
        tracing::info!(pipeline = %p.name, scheduled_for = %fire, trigger = req.trigger.code(), attempt, "Pipeline fired.");
        let (status, error) = match run::run_pipeline(p, env, req).await {
            Ok(r) => {
                if r.config_error {
                    tracing::error!(pipeline = %p.name, error = r.record.error.as_deref().unwrap_or(""), "The pipeline cannot run in this build; not retrying.");
                    return Outcome {
                        attempts: attempt,
                        succeeded: false,
                        interrupted: false,
                    };
                }
                (r.status, r.record.error)
            }
            Err(e) => (RunStatus::Failed, Some(e.to_string())),
        };
        match status {
            RunStatus::Success | RunStatus::SuccessWithQuarantine => {
                tracing::info!(pipeline = %p.name, scheduled_for = %fire, status = status.code(), attempt, "Run succeeded.");
                return Outcome {
                    attempts: attempt,
                    succeeded: true,
                    interrupted: false,
                };
            }
            RunStatus::Interrupted => {
                tracing::warn!(pipeline = %p.name, scheduled_for = %fire, "Run interrupted by shutdown.");
                return Outcome {
                    attempts: attempt,
                    succeeded: false,
                    interrupted: true,
                };
            }
            RunStatus::SkippedBusy => {
                tracing::warn!(pipeline = %p.name, scheduled_for = %fire, "Another run of the pipeline is in progress; this fire is skipped.");
                return Outcome {
                    attempts: attempt,
                    succeeded: false,
                    interrupted: false,
                };
            }
            _ => {}
        }
        let error = error.unwrap_or_default();
        if attempt >= p.retry.attempts {
            tracing::error!(pipeline = %p.name, scheduled_for = %fire, attempt, error = %error, "Run failed; no attempts left.");
            return Outcome {
                attempts: attempt,
                succeeded: false,
                interrupted: false,
            };
        }
        let delay = p.retry.delay_after(attempt);
        tracing::warn!(pipeline = %p.name, scheduled_for = %fire, attempt, retry_in = ?delay, error = %error, "Run failed; retrying after a backoff.");
        let at = clock.now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        if !sleep_until(clock, env, at).await {
            return Outcome {
                attempts: attempt,
                succeeded: false,
                interrupted: true,
            };
        }
        attempt += 1;
    }
}
