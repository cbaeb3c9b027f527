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
use std::sync::Arc;

use chrono::{DateTime, Months, NaiveDate, Utc};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::MemTable;
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

/// The views [`decide`] reads (with what they depend on, registered before it runs).
pub const READS: &[&str] = &["stg_surveys", "interaction_facts"];

/// Decides which periods this run derives again. `ctx` has the sources and the [`READS`]
/// views registered (`interaction_facts` as a view). Also returns the batch counts it took,
/// with their months, for the run to reuse.
pub async fn decide(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
    fingerprint: &str,
    as_of: DateTime<Utc>,
) -> Result<(Decision, Option<(BTreeSet<String>, BatchCounts)>), ScoreError> {
    let Some(prev) = previous(manifests) else {
        return Ok((Decision::Full(FullReason::NoEarlierRun), None));
    };
    if prev.fingerprint != fingerprint {
        return Ok((Decision::Full(FullReason::CatalogOrMethod), None));
    }
    if as_of < prev.as_of {
        return Ok((Decision::Full(FullReason::EarlierAsOf), None));
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
    let interaction_months: BTreeSet<String> = changed_keys
        .iter()
        .filter(|k| k.starts_with("interactions/"))
        .map(|k| period_of_key(k).to_string())
        .collect();
    // A month that only gained batches links only the new rows' surveys; the others
    // (rows replaced or removed, or no count on record) link every row, then and now.
    let counts = if interaction_months.is_empty() {
        BatchCounts::new()
    } else {
        interaction_batches(ctx, Some(&interaction_months)).await?
    };
    let mut appended = BTreeMap::new();
    let mut rewritten = BTreeSet::new();
    for (month, update) in facts_updates(Some(prev), &interaction_months, &counts) {
        match update {
            FactsUpdate::Added { batches } => {
                appended.insert(month, batches);
            }
            FactsUpdate::Whole => {
                rewritten.insert(month);
            }
        }
    }
    let linked = linked_periods(ctx, lake, manifests, &rewritten, &appended).await?;
    let decision = Decision::Periods {
        changed,
        linked,
        pending: prev.pending_periods.clone(),
    };
    Ok((decision, Some((interaction_months, counts))))
}

/// `interactions` rows of each period's new batches, as SQL (`None`: no new batch).
pub fn new_rows_filter(added: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    let parts: Vec<String> = added
        .iter()
        .filter(|(_, batches)| !batches.is_empty())
        .map(|(period, batches)| {
            let list = batches
                .iter()
                .map(|b| format!("'{}'", b.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ");
            let month = months_filter(Some(&BTreeSet::from([period.clone()])));
            format!("({month} and batch_id in ({list}))")
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" or "))
}

/// Periods of survey responses that evaluate an interaction of the `rewritten` months, now
/// or as the last run's `interaction_facts` had it (a removed interaction unlinks its
/// responses), or an interaction of the new batches of `appended` months.
async fn linked_periods(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
    rewritten: &BTreeSet<String>,
    appended: &BTreeMap<String, BTreeSet<String>>,
) -> Result<BTreeSet<String>, ScoreError> {
    let wrap = |source| ScoreError::Run {
        table: "(incremental)".into(),
        source,
    };
    const PREVIOUS: &str = "previous_interaction_facts";
    const LINKED_IDS: &str = "momentos_linked_interaction_ids";
    let mut ids = Vec::new();
    if let Some(filter) = new_rows_filter(appended) {
        ids.push(format!(
            "select interaction_id from interactions where {filter}"
        ));
    }
    if !rewritten.is_empty() {
        let list = rewritten
            .iter()
            .map(|m| format!("'{m}'"))
            .collect::<Vec<_>>()
            .join(", ");
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
        ids.push(format!(
            "select interaction_id from interactions where {}",
            months_filter(Some(rewritten))
        ));
        ids.push(format!(
            "select interaction_id from {PREVIOUS} where period in ({list})"
        ));
    }
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    // The ids are held first: with their count known, the join with every survey response
    // hashes the ids (a night's tens of thousands) and streams the responses past them,
    // instead of hash-partitioning both sides (after the union of filtered scans only an
    // estimate of the ids' count remains, too uncertain for DataFusion to pick a side).
    let held = super::collect_sql(ctx, &ids.join(" union all "), "(incremental)").await;
    if !rewritten.is_empty() {
        ctx.deregister_table(PREVIOUS).map_err(wrap)?;
    }
    let held = held?;
    let schema = match held.first() {
        Some(batch) => batch.schema(),
        None => return Ok(BTreeSet::new()),
    };
    let ids = MemTable::try_new(schema, vec![held]).map_err(wrap)?;
    ctx.register_table(LINKED_IDS, Arc::new(ids))
        .map_err(wrap)?;
    // Distinct days first: the period's text is formed per day, not per response.
    let sql = format!(
        "select to_char(local_date, '%Y-%m') as period from \
         (select distinct local_date from stg_surveys \
          where interaction_id in (select interaction_id from {LINKED_IDS}))"
    );
    let result = periods_of(ctx, &sql).await;
    ctx.deregister_table(LINKED_IDS).map_err(wrap)?;
    result
}

/// The distinct `period` values a query returns.
pub async fn periods_of(ctx: &SessionContext, sql: &str) -> Result<BTreeSet<String>, ScoreError> {
    let batches = super::collect_sql(ctx, sql, "(incremental)").await?;
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
    observed: Observed,
) -> Option<DerivedFrom> {
    let now = source_months(manifests_now);
    let Some(recomputed) = recomputed else {
        return Some(DerivedFrom {
            as_of,
            fingerprint: fingerprint.to_string(),
            sources: now,
            pending_periods: observed.pending,
            fact_batches: observed.fact_batches,
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
    pending.extend(observed.pending);
    let mut fact_batches: BatchCounts = prev
        .fact_batches
        .iter()
        .filter(|(p, _)| !recomputed(p))
        .map(|(p, c)| (p.clone(), c.clone()))
        .collect();
    // A run that did not follow the links (`--period`) records no count: the next
    // incremental run must see those periods as rewritten, links and facts alike.
    if linked_done {
        fact_batches.extend(observed.fact_batches);
    }
    Some(DerivedFrom {
        as_of: as_of.max(prev.as_of),
        fingerprint: fingerprint.to_string(),
        sources,
        pending_periods: pending,
        fact_batches,
    })
}

/// What a run saw of the periods it recomputed, for the state it leaves.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Periods with pending judgments.
    pub pending: BTreeSet<String>,
    /// Interactions per batch of each period (see [`interaction_batches`]).
    pub fact_batches: BatchCounts,
}

/// Period → batch id → interactions.
pub type BatchCounts = BTreeMap<String, BTreeMap<String, u64>>;

/// How a period's `interaction_facts` are brought up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactsUpdate {
    /// Every interaction of the period again; its old facts files go.
    Whole,
    /// Only the interactions of these new batches and the period's pending ones. The
    /// period's interactions only gained rows since its facts were computed (every batch
    /// they reflected still has all its rows there), and facts that are not pending never
    /// change (see the module's head), so its settled facts files stay.
    Added { batches: BTreeSet<String> },
}

/// The update of each period a run recomputes: `Added` where the last state's batch
/// counts for the period all still hold, `Whole` otherwise (rows replaced or removed, or
/// no earlier count). A full or `--period` run passes no previous state.
pub fn facts_updates(
    previous: Option<&DerivedFrom>,
    periods: &BTreeSet<String>,
    now: &BatchCounts,
) -> BTreeMap<String, FactsUpdate> {
    let empty = BTreeMap::new();
    periods
        .iter()
        .map(|p| {
            let now = now.get(p).unwrap_or(&empty);
            let update = match previous.and_then(|prev| prev.fact_batches.get(p)) {
                Some(before) if before.iter().all(|(b, n)| now.get(b) == Some(n)) => {
                    FactsUpdate::Added {
                        batches: now
                            .keys()
                            .filter(|b| !before.contains_key(*b))
                            .cloned()
                            .collect(),
                    }
                }
                _ => FactsUpdate::Whole,
            };
            (p.clone(), update)
        })
        .collect()
}

/// `local_date` within these periods, as SQL (`true` for none given).
pub fn months_filter(periods: Option<&BTreeSet<String>>) -> String {
    let Some(periods) = periods else {
        return "true".into();
    };
    if periods.is_empty() {
        return "false".into();
    }
    let ranges: Vec<String> = periods
        .iter()
        .filter_map(|p| {
            let first = NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d").ok()?;
            let next = first.checked_add_months(Months::new(1))?;
            Some(format!(
                "(local_date >= date '{first}' and local_date < date '{next}')"
            ))
        })
        .collect();
    if ranges.is_empty() {
        "false".into()
    } else {
        format!("({})", ranges.join(" or "))
    }
}

/// Interactions per period and batch in the lake now (`interactions`, these periods or all).
pub async fn interaction_batches(
    ctx: &SessionContext,
    periods: Option<&BTreeSet<String>>,
) -> Result<BatchCounts, ScoreError> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type};
    let wrap = |source| ScoreError::Run {
        table: "(incremental)".into(),
        source,
    };
    // By day, then months here: formatting a month per row costs more than the scan.
    let sql = format!(
        "select batch_id, local_date, count(*) as n from interactions where {} group by batch_id, local_date",
        months_filter(periods)
    );
    let batches = super::collect_sql(ctx, &sql, "(incremental)").await?;
    let mut out = BatchCounts::new();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    for b in &batches {
        let Some(ids) = crate::lake::rewrite::text_column(b, "batch_id")? else {
            continue;
        };
        let cast = |name: &str, to: &DataType| {
            datafusion::arrow::compute::cast(b.column(b.schema().index_of(name)?), to)
        };
        let days = cast("local_date", &DataType::Date32).map_err(|e| wrap(e.into()))?;
        let days = days.as_primitive::<Date32Type>();
        let n = cast("n", &DataType::Int64).map_err(|e| wrap(e.into()))?;
        let n = n.as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            if ids.is_null(i) || days.is_null(i) {
                continue;
            }
            let date = epoch + chrono::Duration::days(days.value(i) as i64);
            *out.entry(date.format("%Y-%m").to_string())
                .or_default()
                .entry(ids.value(i).to_string())
                .or_default() += n.value(i) as u64;
        }
    }
    Ok(out)
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
            fact_batches: BTreeMap::new(),
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
            Observed::default(),
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
            Observed::default()
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
            Observed::default(),
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
            Observed::default(),
        )
        .unwrap();
        assert_ne!(next.sources["interactions/2026-01"], "a");
        // Batch counts: kept for periods not recomputed, replaced by what a link-following
        // run saw, dropped by a run that did not follow the links.
        let mut prev = prev;
        let counts = |b: &str, n: u64| BTreeMap::from([(b.to_string(), n)]);
        prev.fact_batches.insert("2026-01".into(), counts("a", 1));
        prev.fact_batches.insert("2026-02".into(), counts("b", 2));
        let observed = || Observed {
            pending: BTreeSet::new(),
            fact_batches: BTreeMap::from([("2026-01".to_string(), counts("c", 3))]),
        };
        let recomputed = Some(&recomputed_jan as &dyn Fn(&str) -> bool);
        let linked = next_state(Some(&prev), recomputed, true, &now, "f", later, observed());
        let linked = linked.unwrap().fact_batches;
        assert_eq!(linked["2026-01"], counts("c", 3));
        assert_eq!(linked["2026-02"], counts("b", 2));
        let unlinked = next_state(Some(&prev), recomputed, false, &now, "f", later, observed());
        let unlinked = unlinked.unwrap().fact_batches;
        assert!(!unlinked.contains_key("2026-01"));
        assert_eq!(unlinked["2026-02"], counts("b", 2));
        // A full run starts over.
        let full = next_state(
            Some(&prev),
            None,
            true,
            &[],
            "g",
            later,
            Observed::default(),
        )
        .unwrap();
        assert!(full.sources.is_empty() && full.pending_periods.is_empty());
    }

    #[test]
    fn a_period_that_only_gained_batches_keeps_its_settled_facts() {
        let counts = |items: &[(&str, u64)]| -> BTreeMap<String, u64> {
            items.iter().map(|(b, n)| (b.to_string(), *n)).collect()
        };
        let mut prev = state(&[], &[]);
        prev.fact_batches
            .insert("2026-03".into(), counts(&[("a", 10), ("b", 5)]));
        let periods: BTreeSet<String> = ["2026-03".into(), "2026-04".into()].into();
        let mut now = BatchCounts::new();
        now.insert("2026-03".into(), counts(&[("a", 10), ("b", 5), ("c", 3)]));
        now.insert("2026-04".into(), counts(&[("c", 7)]));
        let updates = facts_updates(Some(&prev), &periods, &now);
        assert_eq!(
            updates["2026-03"],
            FactsUpdate::Added {
                batches: ["c".to_string()].into()
            }
        );
        // No count on record for April.
        assert_eq!(updates["2026-04"], FactsUpdate::Whole);
        // A row of `a` replaced (re-sent) or removed (forget): the period again whole.
        now.insert("2026-03".into(), counts(&[("a", 9), ("b", 5), ("c", 3)]));
        assert_eq!(
            facts_updates(Some(&prev), &periods, &now)["2026-03"],
            FactsUpdate::Whole
        );
        // Every row gone (retention), or no earlier state at all.
        now.remove("2026-03");
        assert_eq!(
            facts_updates(Some(&prev), &periods, &now)["2026-03"],
            FactsUpdate::Whole
        );
        assert_eq!(
            facts_updates(None, &periods, &now)["2026-03"],
            FactsUpdate::Whole
        );
    }

    #[test]
    fn months_as_local_date_ranges() {
        let set: BTreeSet<String> = ["2026-12".into()].into();
        assert_eq!(
            months_filter(Some(&set)),
            "((local_date >= date '2026-12-01' and local_date < date '2027-01-01'))"
        );
        assert_eq!(months_filter(None), "true");
        assert_eq!(months_filter(Some(&BTreeSet::new())), "false");
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
