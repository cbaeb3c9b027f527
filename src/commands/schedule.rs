//! `momentos schedule`: the daemon.

use std::path::Path;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::pipeline::run::RunEnv;
use crate::pipeline::Pipeline;
use crate::privacy::Pseudonymizer;
use crate::schedule::{self, clock::SystemClock, signals};

pub async fn run(catalog: Catalog, default_lake: &str, dir: &Path) -> anyhow::Result<ExitStatus> {
    let files = match crate::pipeline::list_files(dir) {
        Ok(f) => f,
        Err(e) => {
            let error = e.to_string();
            let message = crate::t!("schedule-cannot-read", path = dir, error = error);
            eprintln!("error: {message}");
            return Ok(ExitStatus::UsageError);
        }
    };
    let mut pipelines = Vec::new();
    let mut bad = false;
    for f in &files {
        match Pipeline::load(f) {
            Ok(p) if !p.unavailable.is_empty() => {
                for u in &p.unavailable {
                    eprintln!("{u}");
                }
                bad = true;
            }
            Ok(p) => pipelines.push(p),
            Err(e) => {
                eprintln!("{e}");
                bad = true;
            }
        }
    }
    if bad {
        eprintln!("error: {}", crate::t!("schedule-fix-pipelines"));
        return Ok(ExitStatus::UsageError);
    }
    let scheduled: Vec<String> = pipelines
        .iter()
        .filter_map(|p| {
            p.schedule
                .as_ref()
                .map(|s| format!("{} ({} {})", p.name, s.cron, s.timezone))
        })
        .collect();
    if scheduled.is_empty() {
        eprintln!(
            "error: {}",
            crate::t!("schedule-nothing-scheduled", path = dir)
        );
        return Ok(ExitStatus::UsageError);
    }
    let pseudonymizer = match Pseudonymizer::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    let shutdown = CancellationToken::new();
    signals::cancel_on_signal(shutdown.clone());
    tracing::info!(pipelines = %scheduled.join(", "), "Scheduler started.");
    let env = RunEnv {
        catalog,
        default_lake: default_lake.to_string(),
        pseudonymizer,
        shutdown,
        overlap: None,
        wait_timeout: None,
    };
    let summaries = schedule::run_daemon(pipelines, env, Arc::new(SystemClock)).await;
    let runs: u32 = summaries.iter().map(|s| s.runs).sum();
    tracing::info!(runs, "Scheduler stopped.");
    Ok(ExitStatus::Success)
}
