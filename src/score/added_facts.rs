//! `interaction_facts` for part of some periods' interactions: the rows of new batches and
//! the rows whose judgment was still pending (issue 17: a nightly run's facts cost what is
//! new, not the month).
//!
//! A fact depends only on its interaction's row, the catalog, the method and, while
//! pending, the as-of instant (`score::incremental`). So for a period that only gained
//! rows, the facts the last run settled stay as they are, and these rows are computed in a
//! session of their own: the reference tables of the run's session, the rows as
//! `interactions`, and the two views of `queries/` between them — the same SQL as a whole
//! run, over fewer rows.
//!
//! Every score run writes a period's pending facts into files of their own (named with
//! [`PENDING_SUFFIX`]), so a later run replaces those small files and adds one file of new
//! settled facts instead of rewriting the period.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::array::{new_null_array, Array, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;

use super::queries::{self, Query};
use super::swappable::SwappableView;
use super::ScoreError;
use crate::catalog::Catalog;
use crate::lake::manifest::{self, FileEntry, Manifest};
use crate::lake::{tables, Lake};

/// File names of pending facts end so: `<batch>[-p<i>]-pending.parquet`.
pub const PENDING_SUFFIX: &str = "-pending.parquet";

/// A period's facts files past this many get the whole period recomputed (one file per
/// partition again) instead of one more small file.
pub const MAX_FILES_PER_PERIOD: usize = 64;

const TABLE: &str = "interaction_facts";
const STAGING: &str = "stg_interactions";
const PENDING_TABLE: &str = "momentos_pending_facts";

/// Whether a facts file holds pending facts.
pub fn is_pending_file(path: &str) -> bool {
    path.ends_with(PENDING_SUFFIX)
}

/// The live pending facts files of these periods.
pub fn pending_files(manifests: &[Manifest], periods: &BTreeSet<String>) -> Vec<FileEntry> {
    manifest::live_files(manifests, TABLE)
        .into_iter()
        .filter(|f| is_pending_file(&f.path))
        .filter(|f| super::run::file_period(&f.path).is_some_and(|p| periods.contains(p)))
        .collect()
}

/// Streams the facts of the interactions of `added` (period → its new batches) that are
/// in a new batch or whose last facts were pending. `ctx` is the run's session, with the
/// sources, the reference tables and the views registered (`interaction_facts` still the
/// view).
pub async fn stream(
    ctx: &SessionContext,
    lake: &Lake,
    catalog: &Catalog,
    all_queries: &[Query],
    manifests: &[Manifest],
    added: &BTreeMap<String, BTreeSet<String>>,
) -> Result<SendableRecordBatchStream, ScoreError> {
    let wrap = |source| ScoreError::Run {
        table: TABLE.into(),
        source,
    };
    let started = std::time::Instant::now();
    // The facts are planned first, over an empty `interactions`: the plan tells which of
    // its columns they read, and only those are decoded from the month's files and held
    // (13 of 27: free text and provenance are never read; a nightly score's peak memory at
    // 10M −10 %). The others are null in the rows the facts are computed from.
    let all_columns = ctx
        .table_provider("interactions")
        .await
        .map_err(wrap)?
        .schema();
    let (subset, interactions) = subset_session(ctx, catalog, all_queries, &all_columns).await?;
    let facts = subset.table(TABLE).await.map_err(wrap)?;
    let read = columns_read(facts.clone().into_optimized_plan().map_err(wrap)?)
        .map_err(wrap)?
        .filter(|r| !r.is_empty());
    let select: Vec<String> = all_columns
        .fields()
        .iter()
        .filter(|f| read.as_ref().is_none_or(|r| r.contains(f.name())))
        .map(|f| format!("\"{}\"", f.name().replace('"', "\"\"")))
        .collect();
    let select = select.join(", ");
    let periods: BTreeSet<String> = added.keys().cloned().collect();
    let months = super::incremental::months_filter(Some(&periods));
    let mut parts = Vec::new();
    // Each period's own new batches: a batch new to one period may be settled in another.
    if let Some(filter) = super::incremental::new_rows_filter(added) {
        parts.push(format!("select {select} from interactions where {filter}"));
    }
    // The rows are picked in a session of their own that filters while decoding: of a
    // month's files only the key columns are read whole, the other columns for the rows
    // picked (the pending ones are a few per cent of the month).
    let reader = super::run::new_context();
    {
        // Joins as written, their build side collected once (see the pending rows below).
        let state = reader.state_ref();
        let mut state = state.write();
        let options = state.config_mut().options_mut();
        options.execution.parquet.pushdown_filters = true;
        options.optimizer.join_reordering = false;
        options.optimizer.repartition_joins = false;
    }
    reader
        .register_table(
            "interactions",
            ctx.table_provider("interactions").await.map_err(wrap)?,
        )
        .map_err(wrap)?;
    let pending = pending_files(manifests, &periods);
    if !pending.is_empty() {
        let schema: SchemaRef = ctx
            .table(TABLE)
            .await
            .map_err(wrap)?
            .schema()
            .inner()
            .clone();
        let provider = tables::files_table(lake, schema, &pending).map_err(wrap)?;
        reader
            .register_table(PENDING_TABLE, provider)
            .map_err(wrap)?;
        // A pending row's batch is an old one (its rows all still there), never a new one.
        // The pending rows' bounds, as constants, let Parquet statistics skip the row
        // groups that cannot hold one (a month's files are sorted by date and id).
        let bounds = pending_bounds(&reader).await?;
        // The pending ids are the join's build side (a few thousand), the month's rows its
        // probe: the ids' filter then reaches the scan, which decodes the other columns
        // only for the rows it lets through. Written as `interaction_id in (…)`, the month's
        // rows were the build side: the files' row counts are exact, but after the bounds'
        // filter and the ids' `distinct` only estimates remain, and DataFusion kept the
        // sides as written — 336,000 rows hashed with all their columns to keep 6,600.
        parts.push(format!(
            "select {select} from (select distinct interaction_id as pending_id from {PENDING_TABLE}) \
             inner join interactions on interaction_id = pending_id \
             where {months} {bounds}"
        ));
    }
    let rows = if parts.is_empty() {
        reader
            .sql(&format!("select {select} from interactions where false"))
            .await
    } else {
        reader.sql(&parts.join(" union all ")).await
    }
    .map_err(wrap)?;
    let rows = rows.collect().await.map_err(wrap)?;
    tracing::debug!(
        rows = rows.iter().map(|b| b.num_rows()).sum::<usize>(),
        columns = read
            .as_ref()
            .map_or(all_columns.fields().len(), |r| r.len()),
        elapsed_ms = super::run::ms(started),
        "Picked the interactions whose facts are computed again."
    );
    interactions
        .swap(with_all_columns(&all_columns, rows).map_err(wrap)?)
        .map_err(wrap)?;
    facts.execute_stream().await.map_err(wrap)
}

/// The columns of `interactions` that a plan reads (`None`: all of them, as when a scan
/// of it has no projection).
fn columns_read(plan: LogicalPlan) -> Result<Option<BTreeSet<String>>, DataFusionError> {
    let mut read = Some(BTreeSet::new());
    plan.apply(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            if scan.table_name.table() == "interactions" {
                match (&scan.projection, read.as_mut()) {
                    (Some(_), Some(names)) => {
                        names.extend(
                            scan.projected_schema
                                .fields()
                                .iter()
                                .map(|f| f.name().clone()),
                        );
                        // A filter the scan took over reads its columns too.
                        for filter in &scan.filters {
                            names.extend(filter.column_refs().iter().map(|c| c.name.clone()));
                        }
                    }
                    _ => read = None,
                }
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(read)
}

/// `rows` (some of `all`'s columns) with `all`'s columns: the others null (never read).
fn with_all_columns(
    all: &SchemaRef,
    rows: Vec<RecordBatch>,
) -> Result<Arc<MemTable>, DataFusionError> {
    let schema = Arc::new(Schema::new(
        all.fields()
            .iter()
            .map(|f| Field::new(f.name(), f.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batches = rows
        .iter()
        .map(|batch| {
            let columns = all
                .fields()
                .iter()
                .map(|f| match batch.column_by_name(f.name()) {
                    Some(column) => Arc::clone(column),
                    None => new_null_array(f.data_type(), batch.num_rows()),
                })
                .collect();
            RecordBatch::try_new(Arc::clone(&schema), columns)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
}

/// `and local_date >= … and interaction_id between … and …` over the pending facts'
/// dates and ids (empty when there are none).
async fn pending_bounds(reader: &SessionContext) -> Result<String, ScoreError> {
    let sql = format!(
        "select cast(min(local_date) as varchar) as first_day, \
                cast(min(interaction_id) as varchar) as first_id, \
                cast(max(interaction_id) as varchar) as last_id \
         from {PENDING_TABLE}"
    );
    let batches = super::collect_sql(reader, &sql, TABLE).await?;
    let value = |name: &str| -> Result<Option<String>, ScoreError> {
        let Some(b) = batches.iter().find(|b| b.num_rows() > 0) else {
            return Ok(None);
        };
        let text = crate::lake::rewrite::text_column(b, name)?;
        Ok(text.and_then(|t| (!t.is_null(0)).then(|| t.value(0).replace('\'', "''"))))
    };
    let (Some(day), Some(first), Some(last)) =
        (value("first_day")?, value("first_id")?, value("last_id")?)
    else {
        return Ok(String::new());
    };
    Ok(format!(
        "and local_date >= date '{day}' and interaction_id >= '{first}' and interaction_id <= '{last}'"
    ))
}

/// A session with an empty `interactions` of these columns (swapped for the rows later),
/// the tables `interaction_facts` reads taken from `ctx`, and the views from the
/// interactions to the facts.
async fn subset_session(
    ctx: &SessionContext,
    catalog: &Catalog,
    all_queries: &[Query],
    schema: &SchemaRef,
) -> Result<(SessionContext, Arc<SwappableView>), ScoreError> {
    let wrap = |source: DataFusionError| ScoreError::Run {
        table: TABLE.into(),
        source,
    };
    let subset = super::run::new_context();
    let views = [STAGING, TABLE];
    let needed: BTreeSet<&str> = all_queries
        .iter()
        .filter(|q| views.contains(&q.name.as_str()))
        .flat_map(|q| q.depends.iter().map(String::as_str))
        .filter(|d| !views.contains(d) && *d != "interactions")
        .collect();
    for name in needed {
        let provider = ctx.table_provider(name).await.map_err(wrap)?;
        subset.register_table(name, provider).map_err(wrap)?;
    }
    let empty = MemTable::try_new(Arc::clone(schema), vec![vec![]]).map_err(wrap)?;
    let interactions = Arc::new(SwappableView::new(Arc::new(empty)));
    subset
        .register_table("interactions", interactions.clone())
        .map_err(wrap)?;
    queries::register_views(
        &subset,
        catalog,
        all_queries,
        |q| views.contains(&q.name.as_str()),
        |_, _| Ok(false),
    )
    .await?;
    Ok((subset, interactions))
}
