//! One module per command; each returns the process exit status.

pub mod alerts;
pub mod check;
pub mod deliver;
pub mod demo;
pub mod followup;
pub mod forget;
pub mod ingest;
pub mod maintain;
pub mod pipelines;
pub mod plans;
pub mod query;
pub mod report;
pub mod run;
pub mod runs;
pub mod schedule;
pub mod score;
pub mod serve;
pub mod sources;
pub mod sql;

/// Exit statuses shared by every command (documented in `--help` and README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    Failure = 1,
    UsageError = 2,
    Quarantined = 3,
    Busy = 4,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(s as u8)
    }
}
