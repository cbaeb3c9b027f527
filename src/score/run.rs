//! A score run: computes the derived tables of DESIGN §5 for some periods and replaces
//! those periods in the lake, every table in one commit.
//!
//! Under the lake lock (so no ingest rewrites a file while it is read): recover what a
//! killed writer left, register the source tables, the reference tables for the run's
//! as-of instant and the views of `queries/`; then for each derived table stream its rows
//! for the chosen periods into one Parquet file per period (for `interaction_facts`, one
//! per period and partition of the query plan, written in parallel) on local disk. When
//! every table is computed, one manifest adds them all and `removes` their old files of
//! those periods, so `momentos` readers see the tables of one run together or the previous
//! run's (DESIGN §4); outside readers get one Delta commit per table. A full run (no period
//! given) replaces every period, so periods that lost all their data disappear too.
//! Once `interaction_facts` is computed the views that read it are re-registered over its
//! new local files, so the scores do not compute the facts a second time.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{cast, take_record_batch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::runtime::SpawnedTask;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

use super::incremental::{self, Decision};
use super::swappable::SwappableView;
use super::{queries, DerivedTable, ScoreError, DERIVED_TABLES};
use crate::catalog::Catalog;
use crate::lake::commit::{self, StagedFile};
use crate::lake::lock::LakeLock;
use crate::lake::manifest::{self, DerivedFrom, FileEntry, Manifest};
use crate::lake::writer::{self, FinishedPart, PartitionedWriter};
use crate::lake::{tables, Lake, LakeError};

/// Manifest table of a score run's commit: the run's tables are in its `other_tables`.
pub const RUN_MANIFEST_TABLE: &str = "score_run";

/// Which periods a run recomputes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Periods {
    /// Every period with data; every old file is replaced.
    All,
    /// `from` to `to` inclusive (`YYYY-MM`); other periods are left as they are.
    Range { from: String, to: String },
    /// The periods whose inputs changed since the last run (see `score::incremental`);
    /// every period when that cannot be told.
    Changed,
    /// These periods (what `Changed` resolved to).
    Set(BTreeSet<String>),
}

impl Periods {
    /// Checks a `YYYY-MM` period.
    pub fn parse_period(raw: &str) -> Result<String, ScoreError> {
        let s = raw.trim();
        let ok = s.len() == 7
            && s.as_bytes()[4] == b'-'
            && s[..4].bytes().all(|b| b.is_ascii_digit())
            && s[5..].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m));
        if ok {
            Ok(s.to_string())
        } else {
            Err(ScoreError::Usage(format!(
                "`{raw}` is not a period; expected a month as YYYY-MM (e.g. 2026-10)"
            )))
        }
    }

    /// From the command line: `--period P`, or `--from A --to B` (either may be missing).
    pub fn from_args(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Periods, ScoreError> {
        match (period, from, to) {
            (None, None, None) => Ok(Periods::All),
            (Some(p), None, None) => {
                let p = Periods::parse_period(p)?;
                Ok(Periods::Range {
                    from: p.clone(),
                    to: p,
                })
            }
            (Some(_), _, _) => Err(ScoreError::Usage(
                "give either --period or --from/--to, not both".into(),
            )),
            (None, from, to) => {
                let from = from
                    .map(Periods::parse_period)
                    .transpose()?
                    .unwrap_or_else(|| "0000-01".into());
                let to = to
                    .map(Periods::parse_period)
                    .transpose()?
                    .unwrap_or_else(|| "9999-12".into());
                if from > to {
                    return Err(ScoreError::Usage(format!(
                        "--from {from} is after --to {to}"
                    )));
                }
                Ok(Periods::Range { from, to })
            }
        }
    }

    pub fn contains(&self, period: &str) -> bool {
        match self {
            Periods::All | Periods::Changed => true,
            Periods::Range { from, to } => from.as_str() <= period && period <= to.as_str(),
            Periods::Set(set) => set.contains(period),
        }
    }

    fn sql_filter(&self) -> String {
        match self {
            Periods::All | Periods::Changed => String::new(),
            Periods::Range { from, to } => {
                format!(" where period >= '{from}' and period <= '{to}'")
            }
            Periods::Set(set) if set.is_empty() => " where false".to_string(),
            Periods::Set(set) => {
                let list: Vec<String> = set.iter().map(|p| format!("'{p}'")).collect();
                format!(" where period in ({})", list.join(", "))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScoreOptions {
    pub periods: Periods,
    /// "Not yet due" is judged at this instant (default: now).
    pub as_of: DateTime<Utc>,
    /// How long to wait for another writer of the lake.
    pub lock_wait: Duration,
    /// Where the plans run (`--engine`).
    pub engine: crate::engine::Engine,
}

impl ScoreOptions {
    pub fn new(periods: Periods) -> Self {
        ScoreOptions {
            periods,
            as_of: Utc::now(),
            lock_wait: Duration::from_secs(600),
            engine: crate::engine::Engine::Embedded,
        }
    }
}

/// What a run wrote for one table.
#[derive(Debug, Clone)]
pub struct TableWrite {
    pub table: &'static str,
    pub batch_id: Option<String>,
    pub rows: u64,
    pub files: usize,
    pub files_removed: usize,
}

#[derive(Debug, Clone)]
pub struct ScoreSummary {
    pub as_of: DateTime<Utc>,
    /// Periods with data among those recomputed, ascending.
    pub periods: Vec<String>,
    pub tables: Vec<TableWrite>,
    /// The `scores` rows written (small: one per cell).
    pub scores: Vec<RecordBatch>,
    pub elapsed: Duration,
    /// What an incremental run (`Periods::Changed`) decided.
    pub decision: Option<Decision>,
}

/// A DataFusion session configured like `momentos sql`'s, and joins of a small side
/// unpartitioned (below).
pub fn new_context() -> SessionContext {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut config = SessionConfig::new()
        .with_information_schema(true)
        .with_target_partitions(threads);
    // Join sides by the statistics registry's estimates: without distinct counts it
    // assumes the larger Cartesian product rather than a key join, so a join of the
    // interactions with a small reference table (`channel_sla`, `calendar_days`) builds
    // its hash table on the reference table. The default estimate takes the interactions'
    // `channel` for unique and puts the 10 million rows on the build side.
    config.options_mut().optimizer.use_statistics_registry = true;
    // A join whose build side is under 8 MiB (DataFusion's default: 1 MiB) builds one hash
    // table instead of hashing both sides into partitions. A nightly run's joins are a
    // day's interaction ids (~3 MB) against every survey response (1.2M rows at 10M
    // interactions): partitioning moved 134 MB of probe rows to save nothing. Measured at
    // 10M: nightly score −40 ms (0.62–0.68 s → 0.58–0.59 s), full score unchanged (9.0–10.1 s
    // both), its peak memory +2–4 %.
    config
        .options_mut()
        .optimizer
        .hash_join_single_partition_threshold = 8 << 20;
    let ctx = SessionContext::new_with_config(config);
    crate::sql::extend(&ctx);
    ctx
}

/// The views a run replaces by their rows: the facts by their files, the others (small,
/// each read by several tables) by their rows in memory.
const SWAPPED_VIEWS: [&str; 4] = [
    "interaction_facts",
    "int_survey_responses",
    "cell_sources",
    "cell_scores",
];

/// Runs the scoring and writes the derived tables.
pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    opts: &ScoreOptions,
) -> Result<ScoreSummary, ScoreError> {
    let started = Instant::now();
    let lock = LakeLock::acquire(lake, "score", opts.lock_wait).await?;
    // A cluster's executors cannot read this process's memory: the cached views go there.
    let scratch = (opts.engine != crate::engine::Engine::Embedded)
        .then(|| commit::scratch_prefix(&manifest::new_batch_id()));
    let result = run_locked(lake, catalog, opts, scratch.as_deref()).await;
    if let Some(prefix) = &scratch {
        commit::remove_scratch(lake, prefix).await;
    }
    lock.release().await?;
    let mut summary = result?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

async fn run_locked(
    lake: &Lake,
    catalog: &Catalog,
    opts: &ScoreOptions,
    scratch: Option<&str>,
) -> Result<ScoreSummary, ScoreError> {
    let started = Instant::now();
    commit::recover(lake).await?;
    let ctx = opts
        .engine
        .attach(new_context())
        .await
        .map_err(|source| ScoreError::Run {
            table: "(session)".into(),
            source,
        })?;
    let manifests = tables::register_source_tables(&ctx, lake).await?;
    tracing::debug!(elapsed_ms = ms(started), "Registered the source tables.");
    let reference = super::prepare_session(&ctx, catalog, opts.as_of).await?;
    tracing::debug!(elapsed_ms = ms(started), "Built the reference tables.");
    let every_query = queries::load()?;
    // The views the derived tables need, not the alerts' or reports'.
    let names: Vec<&str> = DERIVED_TABLES.iter().map(|t| t.name).collect();
    let all_queries = queries::needed_by(&every_query, &names);
    // The views replaced by their rows during the run, in place on an embedded engine (see
    // `score::swappable`); a cluster's plans are serialized, so there they are registered
    // again, with the views over them.
    let mut swappable: BTreeMap<String, Arc<SwappableView>> = BTreeMap::new();
    // The views the decision reads are registered first; then, on a nightly run, it runs
    // on another worker while this one plans the other views (~45 and ~75 ms at 10M).
    let fingerprint = incremental::fingerprint(catalog, &every_query);
    let decision_views: BTreeSet<String> = queries::needed_by(&all_queries, incremental::READS)
        .into_iter()
        .map(|q| q.name)
        .collect();
    let mut deciding = None;
    for for_decision in [true, false] {
        queries::register_views(
            &ctx,
            catalog,
            &all_queries,
            |q| decision_views.contains(&q.name) == for_decision,
            |q, _| {
                if scratch.is_none() && SWAPPED_VIEWS.contains(&q.name.as_str()) {
                    let view = ctx.deregister_table(q.name.as_str())?.ok_or_else(|| {
                        DataFusionError::Internal(format!("view {} not registered", q.name))
                    })?;
                    let view = Arc::new(SwappableView::new(view));
                    ctx.register_table(q.name.as_str(), view.clone())?;
                    swappable.insert(q.name.clone(), view);
                }
                Ok(false)
            },
        )
        .await?;
        if for_decision && matches!(opts.periods, Periods::Changed) {
            let (ctx, lake, manifests) = (ctx.clone(), lake.clone(), manifests.clone());
            let (fingerprint, as_of) = (fingerprint.clone(), opts.as_of);
            deciding = Some(tokio::spawn(async move {
                incremental::decide(&ctx, &lake, &manifests, &fingerprint, as_of).await
            }));
        }
    }
    tracing::debug!(elapsed_ms = ms(started), "Registered the views.");

    let (selected, decision, counted) = match deciding {
        Some(task) => {
            let (d, counted) = task.await.map_err(|e| ScoreError::Run {
                table: "(decision)".into(),
                source: DataFusionError::External(Box::new(e)),
            })??;
            let selected = d.periods().map_or(Periods::All, Periods::Set);
            tracing::info!(decision = ?d, "Incremental run.");
            (selected, Some(d), counted)
        }
        None => (opts.periods.clone(), None, None),
    };
    let periods = data_periods(&manifests, &selected);
    tracing::info!(periods = periods.len(), as_of = %opts.as_of, "Scoring.");
    let with_data: BTreeSet<String> = periods.iter().cloned().collect();
    // The decision counted the changed months' batches already; often those are the months.
    let batch_counts = match counted {
        Some((months, counts)) if !matches!(selected, Periods::All) && months == with_data => {
            counts
        }
        _ => {
            incremental::interaction_batches(
                &ctx,
                (!matches!(selected, Periods::All)).then_some(&with_data),
            )
            .await?
        }
    };
    tracing::debug!(
        elapsed_ms = ms(started),
        "Counted the interactions by batch."
    );
    let added = added_periods(&manifests, &opts.periods, &selected, &batch_counts);
    let batch_id = manifest::new_batch_id();
    let remote = !opts.engine.shares_local_disk();
    let table = |name: &str| super::derived_table(name).expect("a derived table");
    let materialize_table = |name: &'static str, keep: bool| {
        materialize(
            &ctx,
            lake,
            &manifests,
            table(name),
            &batch_id,
            &selected,
            keep,
            None,
        )
    };

    // First the facts, and beside them what does not read them: the survey responses with
    // their interaction's channel (then survey_kpis, which reads only those) and protocol.
    // A nightly run's steps are small queries that keep one core busy at a time; these
    // three run at once. The survey responses are a cached view: they feed survey_kpis and
    // the observations, and are computed once (a join with every interaction).
    let facts_step = async {
        let added_facts = if added.is_empty() {
            None
        } else {
            let stream =
                super::added_facts::stream(&ctx, lake, catalog, &all_queries, &manifests, &added)
                    .await?;
            let Periods::Set(set) = &selected else {
                unreachable!("added facts come from a set of periods")
            };
            Some(AddedFacts {
                whole: Periods::Set(
                    set.iter()
                        .filter(|p| !added.contains_key(*p))
                        .cloned()
                        .collect(),
                ),
                periods: added.keys().cloned().collect(),
                stream,
            })
        };
        materialize(
            &ctx,
            lake,
            &manifests,
            table("interaction_facts"),
            &batch_id,
            &selected,
            false,
            added_facts,
        )
        .await
    };
    let cache = |view: &'static str, swappable: Option<Arc<SwappableView>>| {
        cache_view(
            &ctx,
            lake,
            scratch,
            catalog,
            &all_queries,
            view,
            &selected,
            swappable,
        )
    };
    let surveys_step = async {
        cache(
            "int_survey_responses",
            swappable.get("int_survey_responses").cloned(),
        )
        .await?;
        materialize_table("survey_kpis", false).await
    };
    let protocol_step = materialize_table("protocol", false);
    let (facts, survey_kpis, protocol) = if matches!(selected, Periods::All) {
        // A whole run's facts keep both cores busy alone; at once, the three would only
        // hold their memory together.
        (facts_step.await?, surveys_step.await?, protocol_step.await?)
    } else {
        futures::try_join!(facts_step, surveys_step, protocol_step)?
    };

    // The views after the facts read the facts just written instead of recomputing them.
    let (facts_write, _, live_after, mut facts_waiting) = facts;
    if !remote || scratch.is_some() {
        // A remote cluster cannot read this process's disk: the files go to the run's
        // scratch folder of the lake first, and the commit moves them from there.
        let (schema, mut files) = live_after;
        if let (true, Some(prefix)) = (remote, scratch) {
            for (target, local) in std::mem::take(&mut facts_waiting.local) {
                let at = format!("{prefix}{target}");
                lake.put_file(&at, &local).await?;
                let rows = facts_waiting.files.iter().find(|f| f.path == target);
                files.push(FileEntry {
                    path: at.clone(),
                    rows: rows.map_or(0, |f| f.rows),
                });
                facts_waiting.uploaded.push((target, at));
            }
        }
        // A run of some periods puts the files in the view's place, read as the view's
        // columns (the views over it were planned with them). A whole run plans the views
        // over it again, with text as views, as for the sources: the observations group
        // every fact by `period`, and as the view's plain text that made the run 10 %
        // slower at 10M interactions.
        let facts_view = swappable
            .get("interaction_facts")
            .filter(|_| !matches!(selected, Periods::All));
        let schema = match facts_view {
            Some(view) => datafusion::catalog::TableProvider::schema(view.as_ref()),
            None => tables::text_as_views(&schema),
        };
        let new: Vec<&std::path::Path> = facts_waiting
            .local
            .iter()
            .map(|(_, p)| p.as_path())
            .collect();
        let wrap = |source| ScoreError::Run {
            table: "interaction_facts".into(),
            source,
        };
        let provider = tables::files_table_with_local(lake, schema, &files, &new).map_err(wrap)?;
        match facts_view {
            Some(view) => view.swap(provider).map_err(wrap)?,
            None => {
                let replanned = queries::replace_with_table(
                    &ctx,
                    catalog,
                    &all_queries,
                    "interaction_facts",
                    provider,
                )
                .await?;
                // Those are plain views again.
                swappable.retain(|name, _| !replanned.contains(name));
            }
        }
    }
    let pending_now = incremental::periods_of(
        &ctx,
        &format!(
            "select distinct period from (select period, is_pending from interaction_facts{}) where is_pending",
            selected.sql_filter()
        ),
    )
    .await?;

    // Then the cells: cell_scores and the exact statistics both read cell_sources; both
    // score tables select from cell_scores: compute each once.
    for view in ["cell_sources", "cell_scores"] {
        cache(view, swappable.get(view).cloned()).await?;
    }
    let (scores_write, scores, _, scores_waiting) = materialize_table("scores", true).await?;
    let by_stakeholder = materialize_table("scores_by_stakeholder", false).await?;

    // The tables in DERIVED_TABLES' order, as the summary lists them.
    let mut outputs = vec![(facts_write, facts_waiting), (scores_write, scores_waiting)];
    for (write, _, _, waiting) in [by_stakeholder, survey_kpis, protocol] {
        outputs.push((write, waiting));
    }
    debug_assert!(outputs
        .iter()
        .map(|(w, _)| w.table)
        .eq(DERIVED_TABLES.iter().map(|t| t.name)));
    let (mut writes, pending): (Vec<TableWrite>, Vec<Pending>) = outputs.into_iter().unzip();
    let (write, staged) = reference_files(lake, &manifests, &batch_id, &reference).await?;
    writes.push(write);
    let recomputed = |p: &str| selected.contains(p);
    let state = incremental::next_state(
        incremental::previous(&manifests),
        (!matches!(selected, Periods::All)).then_some(&recomputed as &dyn Fn(&str) -> bool),
        matches!(opts.periods, Periods::Changed | Periods::All),
        &manifests,
        &fingerprint,
        opts.as_of,
        incremental::Observed {
            pending: pending_now,
            fact_batches: batch_counts,
        },
    );
    commit_run(
        lake,
        &batch_id,
        opts.as_of,
        &mut writes,
        pending,
        staged,
        state,
    )
    .await?;
    Ok(ScoreSummary {
        as_of: opts.as_of,
        periods,
        tables: writes,
        scores,
        elapsed: Duration::ZERO,
        decision,
    })
}

/// Replaces a view by its rows for the periods (small views only: one row per survey
/// response at most): in place when it is `swappable`, else re-registering the views that
/// read it. The rows are held in memory,
/// or, given a `scratch` folder of the lake (a cluster engine), written there as one
/// Parquet file: a plan that scans an in-memory table carries its rows to the scheduler
/// and, re-encoded, in every task of its stages (at a million interactions the survey
/// responses are 121,067 rows, 48 MB in memory; 2.5 MB as Parquet), whereas the executors
/// open a file themselves.
async fn cache_view(
    ctx: &SessionContext,
    lake: &Lake,
    scratch: Option<&str>,
    catalog: &Catalog,
    all_queries: &[queries::Query],
    name: &str,
    periods: &Periods,
    swappable: Option<Arc<SwappableView>>,
) -> Result<(), ScoreError> {
    let started = Instant::now();
    let wrap = |source| ScoreError::Run {
        table: name.into(),
        source,
    };
    let df = ctx
        .sql(&format!("select * from {name}{}", periods.sql_filter()))
        .await
        .map_err(wrap)?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let mut stream = df.execute_stream().await.map_err(wrap)?;
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        batches.push(compact_text(batch.map_err(wrap)?).map_err(wrap)?);
    }
    let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    let bytes: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
    let table: Arc<dyn datafusion::catalog::TableProvider> = match scratch {
        None => Arc::new(
            datafusion::datasource::MemTable::try_new(schema, vec![batches]).map_err(wrap)?,
        ),
        Some(prefix) => {
            let path = format!("{prefix}{name}.parquet");
            lake.put(&path, writer::encode(schema.clone(), &batches)?)
                .await?;
            tables::files_table(lake, schema, &[FileEntry { path, rows }]).map_err(wrap)?
        }
    };
    match swappable {
        Some(view) => view.swap(table).map_err(wrap)?,
        None => {
            queries::replace_with_table(ctx, catalog, all_queries, name, table).await?;
        }
    }
    tracing::debug!(
        view = name,
        rows,
        bytes,
        in_lake = scratch.is_some(),
        elapsed_ms = ms(started),
        "Cached the view."
    );
    Ok(())
}

/// `batch` with its text views copied into buffers of their own. A join's output rows
/// point into the buffers of the batches they came from: held as they are, the survey
/// responses of a full score (1.2M rows, their interaction's channel and stakeholder)
/// kept the decoded text of every interaction batch alive: 1.11 GB counted, 247 MB once
/// copied; the full score's peak at 10M 806–824 → 756–765 MiB, its time unchanged.
fn compact_text(batch: RecordBatch) -> Result<RecordBatch, DataFusionError> {
    let columns = batch
        .columns()
        .iter()
        .map(|c| -> datafusion::arrow::array::ArrayRef {
            match c.data_type() {
                DataType::Utf8View => Arc::new(c.as_string_view().gc()),
                DataType::BinaryView => Arc::new(c.as_binary_view().gc()),
                _ => Arc::clone(c),
            }
        })
        .collect();
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// The periods whose facts only gain the rows of new batches (period → those batches):
/// on incremental runs, where the last state's counts for the period still hold and the
/// period's facts files are not too many yet (see `score::added_facts`).
fn added_periods(
    manifests: &[Manifest],
    requested: &Periods,
    selected: &Periods,
    counts: &incremental::BatchCounts,
) -> BTreeMap<String, BTreeSet<String>> {
    let (Periods::Changed, Periods::Set(set)) = (requested, selected) else {
        return BTreeMap::new();
    };
    let mut files_per_period: BTreeMap<String, usize> = BTreeMap::new();
    for f in manifest::live_files(manifests, "interaction_facts") {
        if let Some(p) = file_period(&f.path) {
            *files_per_period.entry(p.to_string()).or_default() += 1;
        }
    }
    incremental::facts_updates(incremental::previous(manifests), set, counts)
        .into_iter()
        .filter_map(|(period, update)| match update {
            incremental::FactsUpdate::Added { batches }
                if files_per_period.get(&period).copied().unwrap_or(0)
                    < super::added_facts::MAX_FILES_PER_PERIOD =>
            {
                Some((period, batches))
            }
            _ => None,
        })
        .collect()
}

/// Milliseconds since `started`, for the debug log.
pub(crate) fn ms(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
}

/// Periods with data in any source, among the selected ones, read from the source files'
/// `date=YYYY-MM-DD` (or, compacted, `month=YYYY-MM`) folders: the local date every source
/// row is partitioned by.
fn data_periods(manifests: &[Manifest], periods: &Periods) -> Vec<String> {
    let mut out: Vec<String> = ["interactions", "surveys", "shopper"]
        .iter()
        .flat_map(|t| manifest::live_files(manifests, t))
        .filter_map(|f| crate::lake::compact::month_of_path(&f.path).map(str::to_string))
        .filter(|p| periods.contains(p))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The `period=YYYY-MM` folder a derived file lives in.
pub(crate) fn file_period(path: &str) -> Option<&str> {
    path.split('/').find_map(|seg| seg.strip_prefix("period="))
}

/// Rows of a batch grouped by its `period` column.
pub fn split_by_period(batch: &RecordBatch) -> Result<Vec<(String, RecordBatch)>, ScoreError> {
    let internal = |m: String| ScoreError::Lake(LakeError::Parquet(m));
    let col = batch
        .column_by_name("period")
        .ok_or_else(|| internal("internal: a derived table has no `period` column".into()))?;
    let col = cast(col, &DataType::Utf8).map_err(|e| internal(e.to_string()))?;
    let col = col.as_string::<i32>();
    let mut groups: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for i in 0..col.len() {
        let p = if col.is_null(i) {
            "unknown"
        } else {
            col.value(i)
        };
        groups.entry(p).or_default().push(i as u32);
    }
    let mut out = Vec::with_capacity(groups.len());
    for (p, rows) in groups {
        let part = if rows.len() == batch.num_rows() {
            batch.clone()
        } else {
            take_record_batch(batch, &UInt32Array::from(rows))
                .map_err(|e| internal(e.to_string()))?
        };
        out.push((p.to_string(), part));
    }
    Ok(out)
}

/// Writer key of a period's pending facts: `period=P` + this (see `score::added_facts`).
const PENDING_KEY: &str = "#pending";

/// Rows of a facts batch whose `is_pending` is false (or null), and those where it is true.
fn split_by_pending(batch: &RecordBatch) -> Result<(RecordBatch, RecordBatch), ScoreError> {
    use datafusion::arrow::array::BooleanArray;
    use datafusion::arrow::compute::filter_record_batch;
    let internal = |m: String| ScoreError::Lake(LakeError::Parquet(m));
    let col = batch
        .column_by_name("is_pending")
        .ok_or_else(|| internal("internal: interaction_facts has no `is_pending`".into()))?
        .as_boolean();
    let pending: BooleanArray = col.iter().map(|v| Some(v == Some(true))).collect();
    let settled: BooleanArray = col.iter().map(|v| Some(v != Some(true))).collect();
    let take = |mask| filter_record_batch(batch, mask).map_err(|e| internal(e.to_string()));
    Ok((take(&settled)?, take(&pending)?))
}

/// Writes a stream's rows into one file per period (facts: one for the settled rows, one
/// for the pending); returns the files, the folder holding them (keep it until they are
/// read) and, when `keep`, the batches.
async fn write_periods(
    table: &'static str,
    mut stream: SendableRecordBatchStream,
    mut writer: PartitionedWriter,
    keep: bool,
    split_pending: bool,
) -> Result<(Vec<FinishedPart>, tempfile::TempDir, Vec<RecordBatch>), ScoreError> {
    let mut kept = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|source| ScoreError::Run {
            table: table.into(),
            source,
        })?;
        for (period, rows) in split_by_period(&batch)? {
            if split_pending {
                let (settled, pending) = split_by_pending(&rows)?;
                writer.write(&format!("period={period}"), &settled)?;
                writer.write(&format!("period={period}{PENDING_KEY}"), &pending)?;
            } else {
                writer.write(&format!("period={period}"), &rows)?;
            }
        }
        if keep && batch.num_rows() > 0 {
            kept.push(batch);
        }
    }
    let (parts, dir) = writer.finish()?;
    Ok((parts, dir, kept))
}

/// The table's committed files that stay, with its columns (its new files are local yet).
type LiveAfter = (SchemaRef, Vec<FileEntry>);

/// A derived table computed but not committed: its files wait on local disk.
struct Pending {
    table: &'static str,
    files: Vec<FileEntry>,
    old: Vec<FileEntry>,
    /// (lake path, local file) of each new file.
    local: Vec<(String, std::path::PathBuf)>,
    /// New files held in memory instead (small tables).
    staged: Vec<StagedFile>,
    /// (lake path, where in the lake it was uploaded) of new files uploaded already (the
    /// facts a remote cluster reads from the run's scratch folder).
    uploaded: Vec<(String, String)>,
    /// The folders holding the local files (removed when dropped).
    _dirs: Vec<tempfile::TempDir>,
}

/// Facts computed for part of some periods (see `score::added_facts`).
struct AddedFacts {
    /// The periods computed whole.
    whole: Periods,
    /// The periods whose settled facts stay.
    periods: BTreeSet<String>,
    /// Their new and pending interactions' facts.
    stream: SendableRecordBatchStream,
}

/// Computes one derived table for the periods into local files named after `batch_id`.
async fn materialize(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
    table: &DerivedTable,
    batch_id: &str,
    periods: &Periods,
    keep: bool,
    added: Option<AddedFacts>,
) -> Result<(TableWrite, Vec<RecordBatch>, LiveAfter, Pending), ScoreError> {
    let started = Instant::now();
    let wrap = |source| ScoreError::Run {
        table: table.name.into(),
        source,
    };
    // Periods computed whole; with added facts, the others keep their settled files.
    let (whole, added) = match added {
        Some(a) => (a.whole, Some((a.periods, a.stream))),
        None => (periods.clone(), None),
    };
    let sql = format!("select * from {}{}", table.name, whole.sql_filter());
    let df = ctx.sql(&sql).await.map_err(wrap)?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let mut streams = if table.per_partition_files {
        df.execute_stream_partitioned().await.map_err(wrap)?
    } else {
        vec![df.execute_stream().await.map_err(wrap)?]
    };
    let settled_stay = match added {
        Some((periods, stream)) => {
            streams.push(stream);
            periods
        }
        None => BTreeSet::new(),
    };
    let split_pending = table.name == "interaction_facts";
    // One task per stream: each computes its partition and encodes its own files.
    let budget = writer::DEFAULT_MEMORY_BUDGET / streams.len().max(1);
    let scratch = commit::local_scratch(lake);
    let tasks = streams
        .into_iter()
        .map(|s| {
            let writer = PartitionedWriter::new(schema.clone(), budget, scratch.as_deref())?;
            Ok(SpawnedTask::spawn(write_periods(
                table.name,
                s,
                writer,
                keep,
                split_pending,
            )))
        })
        .collect::<Result<Vec<_>, ScoreError>>()?;
    let several = tasks.len() > 1;
    let mut files = Vec::new();
    // The files stay on local disk until uploaded (`publish_with_local` reads each in turn).
    let mut local = Vec::new();
    let mut dirs = Vec::new();
    let mut kept = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let (parts, dir, batches) = task
            .join_unwind()
            .await
            .map_err(|e| wrap(DataFusionError::ExecutionJoin(Box::new(e))))??;
        let name = if several {
            format!("{batch_id}-p{i}")
        } else {
            batch_id.to_string()
        };
        for part in parts {
            let path = match part.partition.strip_suffix(PENDING_KEY) {
                Some(folder) => format!(
                    "{}{folder}/{name}{}",
                    table.dir,
                    super::added_facts::PENDING_SUFFIX
                ),
                None => format!("{}{}/{name}.parquet", table.dir, part.partition),
            };
            files.push(FileEntry {
                path: path.clone(),
                rows: part.rows,
            });
            local.push((path, part.path));
        }
        dirs.push(dir);
        kept.extend(batches);
    }
    let live = manifest::live_files(manifests, table.name);
    let (old, still_live): (Vec<FileEntry>, Vec<FileEntry>) =
        live.into_iter().partition(|f| match file_period(&f.path) {
            None => true,
            Some(p) if settled_stay.contains(p) => super::added_facts::is_pending_file(&f.path),
            Some(p) => whole.contains(p),
        });
    let rows: u64 = files.iter().map(|f| f.rows).sum();
    let write = TableWrite {
        table: table.name,
        batch_id: None,
        rows,
        files: files.len(),
        files_removed: old.len(),
    };
    tracing::debug!(
        table = table.name,
        rows,
        elapsed_ms = ms(started),
        "Computed."
    );
    let pending = Pending {
        table: table.name,
        files,
        old,
        local,
        staged: Vec::new(),
        uploaded: Vec::new(),
        _dirs: dirs,
    };
    Ok((write, kept, (schema, still_live), pending))
}

/// Commits every table of the run in one manifest (nothing when nothing changed) and
/// names the batch in the tables' writes.
async fn commit_run(
    lake: &Lake,
    batch_id: &str,
    as_of: DateTime<Utc>,
    writes: &mut [TableWrite],
    pending: Vec<Pending>,
    reference: Pending,
    derived_from: Option<DerivedFrom>,
) -> Result<(), ScoreError> {
    let by = format!(
        "momentos score as of {}",
        as_of.format("%Y-%m-%dT%H:%M:%S%.6fZ")
    );
    let mut m = Manifest::derived(batch_id, RUN_MANIFEST_TABLE, Utc::now(), by, vec![], &[]);
    m.derived_from = derived_from;
    let mut local = Vec::new();
    let mut uploaded = Vec::new();
    let mut dirs = Vec::new();
    let mut staged = Vec::new();
    for p in pending.into_iter().chain([reference]) {
        if p.files.is_empty() && p.old.is_empty() {
            continue;
        }
        m.rows_read += p.files.iter().map(|f| f.rows).sum::<u64>();
        m.rows_replaced += p.old.iter().map(|f| f.rows).sum::<u64>();
        m.removes.extend(p.old.iter().map(|f| f.path.clone()));
        m.other_tables.insert(p.table.to_string(), p.files);
        local.extend(p.local);
        uploaded.extend(p.uploaded);
        dirs.push(p._dirs);
        staged.extend(p.staged);
        if let Some(w) = writes.iter_mut().find(|w| w.table == p.table) {
            w.batch_id = Some(batch_id.to_string());
        }
    }
    if m.other_tables.is_empty() {
        return Ok(());
    }
    m.rows_accepted = m.rows_read;
    commit::publish_with_uploaded(lake, &m, staged, local, uploaded).await?;
    drop(dirs);
    for w in writes.iter().filter(|w| w.batch_id.is_some()) {
        tracing::info!(
            table = w.table,
            rows = w.rows,
            files = w.files,
            removed = w.files_removed,
            "Published derived table."
        );
    }
    Ok(())
}

/// The run's reference tables under `reference/<name>/`, each replacing the previous one
/// unless it holds the same bytes. Of the seven, a new day changes `scoring_params` (the
/// as-of) and `calendar_days` (which spans it); republishing the other five every night
/// cost a Delta commit each.
async fn reference_files(
    lake: &Lake,
    manifests: &[Manifest],
    batch_id: &str,
    tables: &[(&'static str, RecordBatch)],
) -> Result<(TableWrite, Pending), ScoreError> {
    let folder = |name: &str| format!("{}{name}/", super::REFERENCE_DIR);
    let live = manifest::live_files(manifests, super::REFERENCE_MANIFEST_TABLE);
    // Files of a table no longer built (none today) go.
    let mut old: Vec<FileEntry> = live
        .iter()
        .filter(|f| {
            !tables
                .iter()
                .any(|(name, _)| f.path.starts_with(&folder(name)))
        })
        .cloned()
        .collect();
    // Each table encoded and compared with its live file, all at once (on S3 a read is a
    // round trip each).
    let compared = futures::future::try_join_all(tables.iter().map(|(name, batch)| {
        let (folder, live) = (folder(name), &live);
        async move {
            let bytes = writer::encode(batch.schema(), std::slice::from_ref(batch))?;
            let previous: Vec<FileEntry> = live
                .iter()
                .filter(|f| f.path.starts_with(&folder))
                .cloned()
                .collect();
            // Encoding is deterministic: equal bytes are equal rows. A file that cannot be
            // read is written again.
            let same = match previous.as_slice() {
                [only] => lake.get(&only.path).await.is_ok_and(|b| b == bytes),
                _ => false,
            };
            Ok::<_, ScoreError>((folder, batch.num_rows(), bytes, previous, same))
        }
    }))
    .await?;
    let mut files = Vec::new();
    let mut staged = Vec::new();
    for (folder, rows, bytes, previous, same) in compared {
        if same {
            continue;
        }
        old.extend(previous);
        let path = format!("{folder}{batch_id}.parquet");
        files.push(FileEntry {
            path: path.clone(),
            rows: rows as u64,
        });
        staged.push(StagedFile { path, bytes });
    }
    let write = TableWrite {
        table: super::REFERENCE_MANIFEST_TABLE,
        batch_id: None,
        rows: files.iter().map(|f| f.rows).sum(),
        files: files.len(),
        files_removed: old.len(),
    };
    let pending = Pending {
        table: super::REFERENCE_MANIFEST_TABLE,
        files,
        old,
        local: Vec::new(),
        staged,
        uploaded: Vec::new(),
        _dirs: Vec::new(),
    };
    Ok((write, pending))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a cluster engine a cached view is a Parquet file in the run's scratch folder of
    /// the lake, which the executors open themselves, not rows in this process's memory
    /// that every plan reading it would carry; the scratch folder goes when the run ends.
    #[tokio::test]
    async fn a_cluster_run_caches_views_as_lake_files_and_removes_them() {
        use datafusion::physical_plan::displayable;
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().join("lake").to_str().unwrap()).unwrap();
        let ctx = new_context();
        ctx.sql(
            "create view v as select * from \
             (values ('2026-01', 1), ('2026-02', 2), ('2026-02', 4)) t(period, n)",
        )
        .await
        .unwrap();
        let catalog = Catalog::embedded();
        let prefix = commit::scratch_prefix("run");
        let periods = Periods::from_args(Some("2026-02"), None, None).unwrap();
        cache_view(
            &ctx,
            &lake,
            Some(&prefix),
            &catalog,
            &[],
            "v",
            &periods,
            None,
        )
        .await
        .unwrap();
        let df = ctx.sql("select sum(n) from v").await.unwrap();
        let plan = df.clone().create_physical_plan().await.unwrap();
        let shown = displayable(plan.as_ref()).indent(true).to_string();
        assert!(
            shown.contains("v.parquet") && !shown.contains("partition_sizes"),
            "{shown}"
        );
        let batches = df.collect().await.unwrap();
        let sum = cast(batches[0].column(0), &DataType::Int64).unwrap();
        assert_eq!(
            sum.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .value(0),
            6
        );
        assert_eq!(
            lake.list(&prefix).await.unwrap(),
            vec![format!("{prefix}v.parquet")]
        );
        commit::remove_scratch(&lake, &prefix).await;
        assert!(lake.list(&prefix).await.unwrap().is_empty());
        assert!(!lake.local_path(&prefix).unwrap().exists());
    }

    #[test]
    fn period_arguments() {
        assert_eq!(Periods::from_args(None, None, None).unwrap(), Periods::All);
        assert_eq!(
            Periods::from_args(Some("2026-10"), None, None).unwrap(),
            Periods::Range {
                from: "2026-10".into(),
                to: "2026-10".into()
            }
        );
        assert!(Periods::from_args(Some("2026-13"), None, None).is_err());
        assert!(Periods::from_args(Some("2026-1"), None, None).is_err());
        assert!(Periods::from_args(None, Some("2026-05"), Some("2026-02")).is_err());
        let r = Periods::from_args(None, Some("2026-02"), None).unwrap();
        assert!(r.contains("2026-02") && r.contains("2030-01") && !r.contains("2026-01"));
        assert_eq!(
            file_period("scores/period=2026-03/b.parquet"),
            Some("2026-03")
        );
    }
}

/// One row of `scores`, typed, for summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    pub period: String,
    pub unit: String,
    pub channel: String,
    pub attribute: String,
    pub score: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub target: f64,
    pub p_value: Option<f64>,
    pub status: String,
    pub n_interactions: i64,
    pub n_surveys: i64,
    pub n_shopper: i64,
    pub n_total: i64,
}

/// Reads `scores` rows (any batch with its columns).
pub fn score_rows(batches: &[RecordBatch]) -> Result<Vec<ScoreRow>, ScoreError> {
    use datafusion::arrow::datatypes::{Float64Type, Int64Type};
    let bad = |m: String| ScoreError::Lake(LakeError::Parquet(format!("internal: scores: {m}")));
    let mut out = Vec::new();
    for b in batches {
        let col = |name: &str, to: &DataType| {
            let c = b
                .column_by_name(name)
                .ok_or_else(|| bad(format!("no column {name}")))?;
            cast(c, to).map_err(|e| bad(e.to_string()))
        };
        let text = |name: &str| col(name, &DataType::Utf8);
        let (period, unit, channel, attribute, status) = (
            text("period")?,
            text("unit")?,
            text("channel")?,
            text("attribute")?,
            text("status")?,
        );
        let float = |name: &str| col(name, &DataType::Float64);
        let (score, lower, upper, target, p) = (
            float("score")?,
            float("lower")?,
            float("upper")?,
            float("target")?,
            float("p_value")?,
        );
        let int = |name: &str| col(name, &DataType::Int64);
        let (ni, ns, nh, nt) = (
            int("n_interactions")?,
            int("n_surveys")?,
            int("n_shopper")?,
            int("n_total")?,
        );
        let s = |a: &Arc<dyn Array>, i: usize| a.as_string::<i32>().value(i).to_string();
        let f = |a: &Arc<dyn Array>, i: usize| {
            let a = a.as_primitive::<Float64Type>();
            (!a.is_null(i)).then(|| a.value(i))
        };
        let n = |a: &Arc<dyn Array>, i: usize| a.as_primitive::<Int64Type>().value(i);
        for i in 0..b.num_rows() {
            out.push(ScoreRow {
                period: s(&period, i),
                unit: s(&unit, i),
                channel: s(&channel, i),
                attribute: s(&attribute, i),
                score: f(&score, i),
                lower: f(&lower, i),
                upper: f(&upper, i),
                target: f(&target, i).unwrap_or(f64::NAN),
                p_value: f(&p, i),
                status: s(&status, i),
                n_interactions: n(&ni, i),
                n_surveys: n(&ns, i),
                n_shopper: n(&nh, i),
                n_total: n(&nt, i),
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.period, &a.unit, &a.channel, &a.attribute).cmp(&(
            &b.period,
            &b.unit,
            &b.channel,
            &b.attribute,
        ))
    });
    Ok(out)
}
