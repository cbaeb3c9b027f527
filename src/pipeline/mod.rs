//! Pipelines (DESIGN §8): `pipelines/<name>.toml` says where exports arrive, which steps
//! turn them into scores, plans, alerts and a report, and when the daemon fires it. One run
//! ([`run::run_pipeline`]) is the same code whether `momentos run`, the daemon or an
//! external scheduler asked for it; every run is recorded in the lake ([`history`]).
//!
//! Loading is strict like the catalog: unknown keys and bad values are [`ConfigProblem`]s
//! naming the file, line, column, key and the fix.

mod build;
pub mod config;
pub mod history;
pub mod inbox;
pub mod problem;
pub mod run;
pub mod steps;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use crate::schedule::cron_expr::CronExpr;
use crate::sources::Format;
use crate::vocabulary::SourceKind;
use config::PipelineFile;
pub use problem::ConfigProblem;
pub use steps::StepKind;

/// Folder searched for pipeline files when `--pipelines` is not given.
pub const DEFAULT_DIR: &str = "pipelines";
/// How long an inbox file must go unwritten before a run takes it, when the file says
/// nothing (`settle`).
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(30);
/// The shipped pipeline a problem points at for an example.
const EXAMPLE_PIPELINE: &str = "pipelines/nightly.toml";
/// Time zone of a schedule when the file names none.
pub const DEFAULT_TIMEZONE: &str = "America/Bogota";

/// What the daemon does with fires it missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUpPolicy {
    /// Record the missed fires; run nothing for them.
    None,
    /// One run standing for all the missed fires.
    Latest,
    /// One run per missed fire (the most recent `max`).
    All,
}

/// What a run does when another run of the same pipeline holds its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OverlapPolicy {
    /// Wait for it (up to the wait timeout), then run.
    Wait,
    /// Give up at once: exit 4, recorded as `skipped_busy`.
    Skip,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub cron: CronExpr,
    pub timezone: Tz,
}

/// One inbox of export files.
#[derive(Debug, Clone)]
pub struct Source {
    pub kind: SourceKind,
    /// Local folder of the inbox.
    pub inbox: PathBuf,
    pub glob: glob::Pattern,
    pub format: Option<Format>,
    pub sheet: Option<String>,
    /// Name of the `sources/<name>.toml` whose adapter reads the files (DESIGN §3.5).
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all (≥ 1).
    pub attempts: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// Wait before attempt `n + 1` after `n` failed attempts (n ≥ 1): backoff · 2^(n−1).
    pub fn delay_after(&self, failed_attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(failed_attempts.saturating_sub(1));
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

#[derive(Debug, Clone)]
pub struct CatchUp {
    pub policy: CatchUpPolicy,
    pub max: u32,
    pub grace: Duration,
}

#[derive(Debug, Clone)]
pub struct Overlap {
    pub policy: OverlapPolicy,
    pub wait_timeout: Duration,
    pub stale_after: Duration,
}

/// A checked pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// File stem: `nightly` for `pipelines/nightly.toml`.
    pub name: String,
    pub path: PathBuf,
    pub description: String,
    pub schedule: Option<Schedule>,
    /// The lake named by the file, if any (else the command line's).
    pub lake: Option<String>,
    /// Where the `score` step's plans run.
    pub engine: crate::engine::Engine,
    pub sources: Vec<Source>,
    /// How long an inbox file must go unwritten before a run takes it.
    pub settle: Duration,
    pub steps: Vec<StepKind>,
    pub report_dir: PathBuf,
    /// `[outputs] pdf`: the `report` step also prints `informe.pdf`.
    pub report_pdf: bool,
    pub retry: RetryPolicy,
    pub catch_up: CatchUp,
    pub overlap: Overlap,
    /// Steps the file asks for that this build cannot run: the file loads (so a run can
    /// record why it failed), but `momentos check` reports them and runs refuse to start.
    pub unavailable: Vec<ConfigProblem>,
}

/// A pipeline that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{}", crate::t!("pipeline-cannot-read", path = .path, error = .source.to_string()))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", crate::t!("pipeline-not-found", name = .name, tried = .tried, known = .known))]
    NotFound {
        name: String,
        tried: PathBuf,
        known: String,
    },
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ConfigProblem>),
}

impl Pipeline {
    /// Finds a pipeline by name (`nightly` → `<dir>/nightly.toml`) or by path.
    pub fn resolve(name_or_path: &str, dir: &Path) -> Result<PathBuf, PipelineError> {
        let as_path = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || name_or_path.contains('/') {
            return Ok(as_path.to_path_buf());
        }
        let candidate = dir.join(format!("{name_or_path}.toml"));
        if candidate.is_file() {
            return Ok(candidate);
        }
        let names: Vec<String> = list_files(dir)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        let known = if names.is_empty() {
            crate::t!("pipeline-none-in-dir", dir = dir)
        } else {
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let names = names.join(", ");
            match problem::closest(name_or_path, &refs) {
                Some(c) => crate::t!("pipeline-suggest-name", name = c, names = names),
                None => crate::t!("pipeline-known-names", names = names),
            }
        };
        Err(PipelineError::NotFound {
            name: name_or_path.to_string(),
            tried: candidate,
            known,
        })
    }

    pub fn load(path: &Path) -> Result<Pipeline, PipelineError> {
        let text = std::fs::read_to_string(path).map_err(|source| PipelineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Pipeline::from_toml(path, &text).map_err(PipelineError::Invalid)
    }

    /// Parses and checks a pipeline file's text; every problem found is returned.
    pub fn from_toml(path: &Path, text: &str) -> Result<Pipeline, Vec<ConfigProblem>> {
        let file: PipelineFile = toml::from_str(text)
            .map_err(|e| vec![problem::from_toml_error(path, text, &e, EXAMPLE_PIPELINE)])?;
        build::Builder::new(path, text).build(file)
    }
}

/// The `.toml` files of a pipelines folder, sorted.
pub fn list_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests;
