//! `momentos run <pipeline>`: one run of a pipeline, now.

use std::path::Path;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::pipeline::history::RunStatus;
use crate::pipeline::run::{self, RunEnv, RunReport, RunRequest};
use crate::pipeline::{OverlapPolicy, Pipeline, PipelineError};
use crate::privacy::Pseudonymizer;
use crate::schedule::signals;

/// Loads a pipeline by name or path, printing the problems when it cannot.
pub fn load_pipeline(name: &str, dir: &Path) -> Result<Pipeline, ExitStatus> {
    let loaded = Pipeline::resolve(name, dir).and_then(|p| Pipeline::load(&p));
    match loaded {
        Ok(p) => Ok(p),
        Err(e @ PipelineError::Invalid(_)) => {
            eprintln!("{e}");
            Err(ExitStatus::UsageError)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitStatus::UsageError)
        }
    }
}

/// The exit status a run's outcome maps to (documented in `momentos run --help`).
pub fn exit_status(report: &RunReport) -> ExitStatus {
    if report.config_error {
        return ExitStatus::UsageError;
    }
    match report.status {
        RunStatus::Success => ExitStatus::Success,
        RunStatus::SuccessWithQuarantine => ExitStatus::Quarantined,
        RunStatus::SkippedBusy => ExitStatus::Busy,
        RunStatus::Failed | RunStatus::Interrupted | RunStatus::Running | RunStatus::Missed => {
            ExitStatus::Failure
        }
    }
}

pub async fn run(
    catalog: Catalog,
    default_lake: &str,
    name: &str,
    dir: &Path,
    overlap: Option<OverlapPolicy>,
    wait_timeout: Option<Duration>,
) -> anyhow::Result<ExitStatus> {
    let pipeline = match load_pipeline(name, dir) {
        Ok(p) => p,
        Err(status) => return Ok(status),
    };
    let pseudonymizer = match Pseudonymizer::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    let shutdown = CancellationToken::new();
    signals::cancel_on_signal(shutdown.clone());
    let env = RunEnv {
        catalog,
        default_lake: default_lake.to_string(),
        pseudonymizer,
        shutdown,
        overlap,
        wait_timeout,
    };
    match run::run_pipeline(&pipeline, &env, RunRequest::manual()).await {
        Ok(report) => {
            print_report(&pipeline, &report);
            Ok(exit_status(&report))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitStatus::Failure)
        }
    }
}

fn print_report(pipeline: &Pipeline, report: &RunReport) {
    let r = &report.record;
    let took = r
        .ended_at
        .map(|e| (e - r.started_at).num_milliseconds() as f64 / 1000.0)
        .unwrap_or_default();
    let line = crate::t!(
        "run-summary",
        pipeline = &pipeline.name,
        status = r.status.to_string(),
        run = &r.run_id,
        seconds = crate::i18n::decimal(took, 1)
    );
    println!("{line}");
    for s in &report.steps {
        let mut line = format!("  {:>2}. {:<7} {:<24}", s.position, s.step, s.status);
        if s.rows_in + s.rows_accepted + s.rows_quarantined > 0 {
            let counts = crate::t!(
                "run-step-rows",
                read = s.rows_in,
                accepted = s.rows_accepted,
                quarantined = s.rows_quarantined
            );
            line.push_str(&format!(" {counts}"));
        }
        if let Some(d) = &s.detail {
            line.push_str(&format!("  [{d}]"));
        }
        println!("{}", line.trim_end());
    }
    if let Some(e) = &r.error {
        for l in e.lines() {
            eprintln!("error: {l}");
        }
    }
    if r.rows_quarantined > 0 {
        let line = crate::t!("run-quarantined", rows = r.rows_quarantined);
        println!("  {line}");
    }
}
