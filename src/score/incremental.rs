//! Incremental score runs (issue 17 item 1): which periods must be derived again.
//!
//! A derived row of period P depends on (DESIGN §6): the sources of P; for survey
//! responses, the interaction each one evaluates, which may be in another period; the
//! catalog and the method; and the as-of instant, but only through judgments still waiting
//! for their due date (`interaction_facts.is_pending`: a null `within_sla` or
//! `escalation_met` that a later as-of may turn false — once false or not pending, a row
//! never changes again). Every score run records in its manifest what it reflects
//! ([`DerivedFrom`]): a hash of each month's live source files, the periods with pending
//! judgments, the as-of, and a fingerprint of catalog and method. The next run recomputes
//!
//! * every period whose source files changed (new batches, re-sent ids, `forget`,
//!   compaction, retention — any add or remove changes the month's hash);
//! * the periods of survey responses that evaluate an interaction of a changed month, as
//!   it is now or as the last run saw it (`interaction_facts` before this run);
//! * the periods that had pending judgments;
//!
//! and everything when there is no earlier state, the fingerprint differs, or the as-of
//! is earlier than the last run's. Periods left alone are, by the list above, exactly what
//! a full run would write again; `tests/incremental.rs` checks it table by table.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::prelude::SessionContext;
use xxhash_rust::xxh3::Xxh3;

use super::queries::Query;
use super::run::RUN_MANIFEST_TABLE;
use super::ScoreError;
use crate::catalog::Catalog;
use crate::lake::manifest::{self, DerivedFrom, Manifest};
use crate::lake::{compact, tables, Lake};

/// The source tables whose months are tracked.
const SOURCES: [&str; 3] = ["interactions", "surveys", "shopper"];

/// What an incremental run decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Everything is derived again, and why.
    Full(FullReason),
    /// Only these periods, by reason (a period may appear under several).
    Periods {
        changed: BTreeSet<String>,
        linked: BTreeSet<String>,
        pending: BTreeSet<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullReason {
    /// No earlier run left a state (a new lake, or runs of an older version).
    NoEarlierRun,
    /// The catalog's scoring settings or the method changed.
    CatalogOrMethod,
    /// The as-of is earlier than the last run's.
    EarlierAsOf,
}

impl Decision {
    /// Every period to derive again (`None`: all).
    pub fn periods(&self) -> Option<BTreeSet<String>> {
        match self {
            Decision::Full(_) => None,
            Decision::Periods {
                changed,
                linked,
                pending,
            } => Some(
                changed
                    .iter()
                    .chain(linked)
                    .chain(pending)
                    .cloned()
                    .collect(),
            ),
        }
    }
}

/// Hash of what every derived row depends on besides the data: the catalog (all but where
/// it was read from) and the method (every query's text and this version of momentos).
pub fn fingerprint(catalog: &Catalog, queries: &[Query]) -> String {
    let mut h = Xxh3::new();
    let settings = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        catalog.scoring,
        catalog.targets,
        catalog.time_zone,
        catalog.closures,
        catalog.hours,
        catalog.channels,
        catalog.units,
        catalog.rubric,
        catalog.themes,
        catalog.alerts,
    );
    h.update(settings.as_bytes());
    for q in queries {
        h.update(q.path.as_bytes());
        h.update(q.text.as_bytes());
    }
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    format!("{:032x}", h.digest128())
}

/// `table/YYYY-MM` → hash of that month's live source file paths (each path names its
/// batch, so any add or remove changes the hash).
pub fn source_months(manifests: &[Manifest]) -> BTreeMap<String, String> {
    let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for table in SOURCES {
        for f in manifest::live_files(manifests, table) {
            if let Some(month) = compact::month_of_path(&f.path) {
                paths
                    .entry(format!("{table}/{month}"))
                    .or_default()
                    .push(f.path.clone());
            }
        }
    }
    paths
        .into_iter()
        .map(|(key, mut files)| {
            files.sort();
            let mut h = Xxh3::new();
            for f in &files {
                h.update(f.as_bytes());
                h.update(b"\n");
            }
            (key, format!("{:032x}", h.digest128()))
        })
        .collect()
}

/// The state the latest score run left, if it left one.
pub fn previous(manifests: &[Manifest]) -> Option<&DerivedFrom> {
    manifests
        .iter()
        .filter(|m| m.table == RUN_MANIFEST_TABLE)
        .max_by(|a, b| a.batch_id.cmp(&b.batch_id))
        .and_then(|m| m.derived_from.as_ref())
}

fn period_of_key(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// Decides which periods this run derives again. `ctx` has the sources and the views
/// registered (`stg_surveys`, `stg_interactions`, `interaction_facts` as a view).
pub async fn decide(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
    fingerprint: &str,
    as_of: DateTime<Utc>,
) -> Result<Decision, ScoreError> {
    let Some(prev) = previous(manifests) else {
        return Ok(Decision::Full(FullReason::NoEarlierRun));
    };
    if prev.fingerprint != fingerprint {
        return Ok(Decision::Full(FullReason::CatalogOrMethod));
    }
    if as_of < prev.as_of {
        return Ok(Decision::Full(FullReason::EarlierAsOf));
    }
    let now = source_months(manifests);
    let keys: BTreeSet<&String> = now.keys().chain(prev.sources.keys()).collect();
    let changed_keys: Vec<&String> = keys
        .into_iter()
        .filter(|k| now.get(*k) != prev.sources.get(*k))
        .collect();
    let changed: BTreeSet<String> = changed_keys
        .iter()
        .map(|k| period_of_key(k).to_string())
        .collect();
    let interaction_months: BTreeSet<&str> = changed_keys
        .iter()
        .filter(|k| k.starts_with("interactions/"))
        .map(|k| period_of_key(k))
        .collect();
    let linked = linked_periods(ctx, lake, manifests, &interaction_months).await?;
    Ok(Decision::Periods {
        changed,
        linked,
        pending: prev.pending_periods.clone(),
    })
}

/// Periods of survey responses that evaluate an interaction of these months, now or as
/// the last run's `interaction_facts` had it (a removed interaction unlinks its responses).
async fn linked_periods(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
    months: &BTreeSet<&str>,
) -> Result<BTreeSet<String>, ScoreError> {
    if months.is_empty() {
        return Ok(BTreeSet::new());
    }
    let wrap = |source| ScoreError::Run {
        table: "(incremental)".into(),
        source,
    };
    let list = months
        .iter()
        .map(|m| format!("'{m}'"))
        .collect::<Vec<_>>()
        .join(", ");
    const PREVIOUS: &str = "previous_interaction_facts";
    let facts = manifest::live_files(manifests, "interaction_facts");
    let schema: SchemaRef = ctx
        .table("interaction_facts")
        .await
        .map_err(wrap)?
        .schema()
        .inner()
        .clone();
    let provider = tables::files_table(lake, schema, &facts).map_err(wrap)?;
    ctx.register_table(PREVIOUS, provider).map_err(wrap)?;
    let sql = format!(
        "select distinct s.period from stg_surveys as s \
         where s.interaction_id in (select interaction_id from stg_interactions where period in ({list})) \
            or s.interaction_id in (select interaction_id from {PREVIOUS} where period in ({list}))"
    );
    let result = periods_of(ctx, &sql).await;
    ctx.deregister_table(PREVIOUS).map_err(wrap)?;
    result
}

/// The distinct `period` values a query returns.
pub async fn periods_of(ctx: &SessionContext, sql: &str) -> Result<BTreeSet<String>, ScoreError> {
    let wrap = |source| ScoreError::Run {
        table: "(incremental)".into(),
        source,
    };
    let batches = ctx
        .sql(sql)
        .await
        .map_err(wrap)?
        .collect()
        .await
        .map_err(wrap)?;
    let mut out = BTreeSet::new();
    for b in &batches {
        let name = b.schema().field(0).name().clone();
        if let Some(text) = crate::lake::rewrite::text_column(b, &name)? {
            out.extend(text.iter().flatten().map(str::to_string));
        }
    }
    Ok(out)
}

/// The state this run leaves: after a full run, the lake as it is now; after a run of
/// some periods, the earlier state with those periods brought up to date (or none when
/// there was no earlier state of the same fingerprint to carry the other periods).
/// `linked_done`: the run also recomputed the periods of surveys linked to the changed
/// interactions (an incremental run does; `--period` does not, so its interaction months
/// keep their earlier hash and the next incremental run still follows their links).
pub fn next_state(
    previous: Option<&DerivedFrom>,
    recomputed: Option<&dyn Fn(&str) -> bool>,
    linked_done: bool,
    manifests_now: &[Manifest],
    fingerprint: &str,
    as_of: DateTime<Utc>,
    pending_now: BTreeSet<String>,
) -> Option<DerivedFrom> {
    let now = source_months(manifests_now);
    let Some(recomputed) = recomputed else {
        return Some(DerivedFrom {
            as_of,
            fingerprint: fingerprint.to_string(),
            sources: now,
            pending_periods: pending_now,
        });
    };
    let prev = previous.filter(|p| p.fingerprint == fingerprint)?;
    // Whose hash is brought up to date: keys of recomputed periods, except interaction
    // months when the linked surveys were not followed.
    let updated =
        |k: &str| recomputed(period_of_key(k)) && (linked_done || !k.starts_with("interactions/"));
    let mut sources: BTreeMap<String, String> = prev
        .sources
        .iter()
        .filter(|(k, _)| !updated(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    sources.extend(now.into_iter().filter(|(k, _)| updated(k)));
    let mut pending: BTreeSet<String> = prev
        .pending_periods
        .iter()
        .filter(|p| !recomputed(p))
        .cloned()
        .collect();
    pending.extend(pending_now);
    Some(DerivedFrom {
        as_of: as_of.max(prev.as_of),
        fingerprint: fingerprint.to_string(),
        sources,
        pending_periods: pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(sources: &[(&str, &str)], pending: &[&str]) -> DerivedFrom {
        DerivedFrom {
            as_of: DateTime::from_timestamp(1_000, 0).unwrap(),
            fingerprint: "f".into(),
            sources: sources
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            pending_periods: pending.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn interactions_manifest(path: &str) -> Manifest {
        let mut m = Manifest::derived(
            "20260101T000000000000Z-00000000",
            "interactions",
            Utc::now(),
            String::new(),
            vec![],
            &[],
        );
        m.files.push(crate::lake::manifest::FileEntry {
            path: path.into(),
            rows: 1,
        });
        m
    }

    #[test]
    fn a_partial_run_carries_the_other_periods_state() {
        let prev = state(
            &[("interactions/2026-01", "a"), ("surveys/2026-02", "b")],
            &["2026-01", "2026-02"],
        );
        let recomputed = |p: &str| p == "2026-02";
        let later = DateTime::from_timestamp(2_000, 0).unwrap();
        let next = next_state(
            Some(&prev),
            Some(&recomputed as &dyn Fn(&str) -> bool),
            true,
            &[],
            "f",
            later,
            BTreeSet::new(),
        )
        .unwrap();
        // 2026-02 now has no files: its key is gone; 2026-01 is carried.
        assert_eq!(next.sources.len(), 1);
        assert_eq!(next.sources["interactions/2026-01"], "a");
        assert_eq!(next.pending_periods, ["2026-01".to_string()].into());
        assert_eq!(next.as_of, later);
        // Another fingerprint cannot carry anything.
        assert!(next_state(
            Some(&prev),
            Some(&recomputed as &dyn Fn(&str) -> bool),
            true,
            &[],
            "g",
            later,
            BTreeSet::new()
        )
        .is_none());
        // A --period run keeps the interaction months' earlier hash (it did not follow
        // their links), so the next incremental run still sees them as changed.
        let now = vec![interactions_manifest(
            "interactions/month=2026-01/x.parquet",
        )];
        let recomputed_jan = |p: &str| p == "2026-01";
        let next = next_state(
            Some(&prev),
            Some(&recomputed_jan as &dyn Fn(&str) -> bool),
            false,
            &now,
            "f",
            later,
            BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(next.sources["interactions/2026-01"], "a");
        let next = next_state(
            Some(&prev),
            Some(&recomputed_jan as &dyn Fn(&str) -> bool),
            true,
            &now,
            "f",
            later,
            BTreeSet::new(),
        )
        .unwrap();
        assert_ne!(next.sources["interactions/2026-01"], "a");
        // A full run starts over.
        let full = next_state(Some(&prev), None, true, &[], "g", later, BTreeSet::new()).unwrap();
        assert!(full.sources.is_empty() && full.pending_periods.is_empty());
    }

    #[test]
    fn the_fingerprint_follows_the_catalog() {
        let queries = super::super::queries::load().unwrap();
        let a = Catalog::embedded();
        let mut b = Catalog::embedded();
        assert_eq!(fingerprint(&a, &queries), fingerprint(&b, &queries));
        b.scoring.pass_mark += 0.01;
        assert_ne!(fingerprint(&a, &queries), fingerprint(&b, &queries));
        assert_ne!(fingerprint(&a, &queries), fingerprint(&a, &queries[1..]));
    }
}
