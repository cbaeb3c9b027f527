//! `momentos maintain` (DESIGN §4, §7, §8): what keeps a lake small and lawful over years,
//! in one pass under the lake lock — the catalog's retention ([`privacy::retention`]),
//! compaction of the sources' small files by month ([`lake::compact`]), and Delta log
//! upkeep (checkpoints, expiry of old log entries; [`lake::delta::upkeep_log`]).
//!
//! Superseded data files are already deleted when the batch that superseded them commits,
//! so there is no separate VACUUM of data files; what ages out here is the log.
//!
//! [`privacy::retention`]: crate::privacy::retention
//! [`lake::compact`]: crate::lake::compact

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::{StreamExt, TryStreamExt};

use crate::catalog::Catalog;
use crate::lake::compact::{self, Compaction};
use crate::lake::delta::{self, LogUpkeep};
use crate::lake::lock::LakeLock;
use crate::lake::{commit, manifest, Lake, LakeError};
use crate::privacy::audit::AuditRow;
use crate::privacy::retention;

/// How a maintenance pass runs.
#[derive(Debug, Clone)]
pub struct MaintainOptions {
    /// Say what would be done, change nothing.
    pub dry_run: bool,
    /// Delta log entries younger than this stay (time travel within it keeps working).
    pub log_retention: Duration,
    pub lock_wait: Duration,
}

impl Default for MaintainOptions {
    fn default() -> Self {
        MaintainOptions {
            dry_run: false,
            log_retention: Duration::from_secs(7 * 24 * 3600),
            lock_wait: Duration::from_secs(600),
        }
    }
}

/// What a pass did (or would do).
#[derive(Debug, Clone, Default)]
pub struct MaintainSummary {
    /// First day the catalog's retention keeps (`None`: no retention set).
    pub retention_from: Option<NaiveDate>,
    /// The retention's audit rows (one per table rows left; empty when none were old).
    pub retention: Vec<AuditRow>,
    pub compactions: Vec<Compaction>,
    pub logs: Vec<LogUpkeep>,
}

/// Folders rewritten record by record, with Delta logs of their own.
const RECORD_DIRS: &[&str] = &[
    crate::pipeline::history::RUNS_DIR,
    crate::pipeline::history::STEPS_DIR,
    crate::deliver::table::DIR,
];

/// One maintenance pass at `now`.
pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    now: DateTime<Utc>,
    opts: &MaintainOptions,
) -> Result<MaintainSummary, LakeError> {
    let lock = LakeLock::acquire(lake, "maintain", opts.lock_wait).await?;
    let result = run_locked(lake, catalog, now, opts).await;
    lock.release().await?;
    result
}

async fn run_locked(
    lake: &Lake,
    catalog: &Catalog,
    now: DateTime<Utc>,
    opts: &MaintainOptions,
) -> Result<MaintainSummary, LakeError> {
    commit::recover(lake).await?;
    let mut summary = MaintainSummary {
        retention_from: catalog
            .retention_months
            .map(|m| retention::first_day_kept(now, catalog.time_zone, m)),
        ..Default::default()
    };
    if !opts.dry_run {
        summary.retention = retention::apply_locked(lake, catalog, now)
            .await?
            .unwrap_or_default();
    }
    summary.compactions =
        compact::compact_sources(lake, now, opts.dry_run, compact::COMPACTION_MEMORY).await?;
    if opts.dry_run {
        return Ok(summary);
    }
    let manifests = manifest::read_all(lake).await?;
    let roots: Vec<String> = delta::desired_files(&manifests)
        .into_keys()
        .chain(RECORD_DIRS.iter().map(|d| d.to_string()))
        .collect();
    // The tables' logs are independent: a few at once (each is mostly waiting on listings).
    let upkeeps: Vec<_> = roots
        .iter()
        .map(|root| delta::upkeep_log(lake, root, opts.log_retention))
        .collect();
    let upkeeps: Vec<Option<LogUpkeep>> = futures::stream::iter(upkeeps)
        .buffered(4)
        .try_collect()
        .await?;
    summary.logs.extend(
        upkeeps
            .into_iter()
            .flatten()
            .filter(|upkeep| upkeep.checkpoint.is_some() || upkeep.expired > 0),
    );
    Ok(summary)
}
