//! The analysts' SQL door: a DataFusion session with every lake table registered, a guard
//! that keeps it read-only, memory and time limits that stop runaway queries without
//! taking the process down, and output in the formats analysts use.

pub mod docs;
pub mod functions;
pub mod grouping_sets;
pub mod named;
pub mod output;
pub mod shell;

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::{DFParser, Statement};
use datafusion::sql::sqlparser::ast::Statement as Sql;
use futures::StreamExt;

use crate::catalog::Catalog;
use crate::lake::manifest;
use crate::lake::tables;
use crate::lake::Lake;
use crate::score::{self, queries, ScoreError};
pub use output::OutputFormat;

/// Per-query limits (memory of operators, wall time, rows printed as a table).
#[derive(Debug, Clone)]
pub struct Limits {
    pub memory_bytes: usize,
    pub timeout: Duration,
    pub max_table_rows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 1 << 30,
            timeout: Duration::from_secs(300),
            max_table_rows: 10_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error("{0}")]
    Refused(String),
    #[error("the query needs more memory than the limit of {limit} (--memory-limit); narrow it with WHERE, fewer columns or LIMIT.\n  detail: {detail}")]
    OutOfMemory { limit: String, detail: String },
    #[error("the query ran longer than the limit of {0:?} (--timeout) and was stopped")]
    Timeout(Duration),
    #[error("{0}")]
    DataFusion(#[from] DataFusionError),
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

impl From<datafusion::arrow::error::ArrowError> for SqlError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        SqlError::DataFusion(e.into())
    }
}

/// A session over a lake with every table registered and default limits.
pub async fn session(lake: &Lake, catalog: &Catalog) -> Result<SessionContext, ScoreError> {
    session_with_limits(lake, catalog, &Limits::default()).await
}

/// Share of `--memory-limit` given to DataFusion's memory pool, and the share the live
/// heap may reach before further reservations are refused. The rest is headroom for what
/// reservations do not cover (batches in flight, copies a sort or an aggregate makes
/// before it reserves) and for the program itself (~100 MiB). Measured on a 10M lake with
/// the optimised build (peak RSS at a 1 GiB limit): a 10M-group aggregate stops at
/// 686 MiB, `string_agg` over every note at 473 MiB, a window over every row and a join
/// sorted on text at 290–406 MiB, a cross join sorted on text at 248 MiB; the analysts'
/// views over the whole lake fit (`cell_sources` 432 MiB, `cell_scores` 561 MiB). With
/// both shares at 0.2 those views failed: the heap alone passed 205 MB.
const POOL_SHARE: f64 = 0.4;
const HEAP_SHARE: f64 = 0.6;

/// A session whose operators may use at most a share of `limits.memory_bytes` (no
/// spilling: a query that needs more fails with a clear error instead of filling the disk).
pub async fn session_with_limits(
    lake: &Lake,
    catalog: &Catalog,
    limits: &Limits,
) -> Result<SessionContext, ScoreError> {
    session_on(&crate::engine::Engine::Embedded, lake, catalog, limits).await
}

/// Like [`session_with_limits`], with the plans run on `engine` (the limits bound the work
/// done in this process).
pub async fn session_on(
    engine: &crate::engine::Engine,
    lake: &Lake,
    catalog: &Catalog,
    limits: &Limits,
) -> Result<SessionContext, ScoreError> {
    let ctx = engine
        .attach(new_context(runtime(limits)?))
        .await
        .map_err(|source| ScoreError::Run {
            table: "(session)".into(),
            source,
        })?;
    register_everything(&ctx, lake, catalog, None).await?;
    Ok(ctx)
}

/// The memory pool and disk settings of [`session_with_limits`]; `momentos serve` shares one
/// among all its connections, so `--memory-limit` bounds the server, not each login.
pub fn runtime(
    limits: &Limits,
) -> Result<Arc<datafusion::execution::runtime_env::RuntimeEnv>, ScoreError> {
    let pool = crate::memory::HeapAwarePool::new(
        TrackConsumersPool::new(
            GreedyMemoryPool::new((limits.memory_bytes as f64 * POOL_SHARE) as usize),
            std::num::NonZeroUsize::new(3).expect("3 > 0"),
        ),
        (limits.memory_bytes as f64 * HEAP_SHARE) as usize,
    );
    RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(pool))
        .with_disk_manager_builder(
            DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
        )
        .build_arc()
        .map_err(|source| ScoreError::Run {
            table: "(session)".into(),
            source,
        })
}

/// An empty session on `runtime` with the configuration of every SQL session.
pub fn new_context(runtime: Arc<datafusion::execution::runtime_env::RuntimeEnv>) -> SessionContext {
    let mut config = SessionConfig::new()
        .with_information_schema(true)
        .with_target_partitions(std::thread::available_parallelism().map_or(2, |n| n.get()));
    // As in `momentos score` (see `score::run::new_context`): small reference tables on
    // the build side of joins with the sources.
    config.options_mut().optimizer.use_statistics_registry = true;
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    extend(&ctx);
    ctx
}

/// What every session of ours adds to DataFusion's (SQL, serve, reports and `score`): the
/// period fast path of `to_char` and filters through `GROUPING SETS`.
pub fn extend(ctx: &SessionContext) {
    functions::register(ctx);
    grouping_sets::register(ctx);
}

/// Called on every table name and provider before the views are planned (and on each
/// derived table that replaces a view): `None` keeps it, `Some(None)` drops it, `Some(Some(p))`
/// registers `p` instead. `momentos serve` filters rows for `unit` logins through it.
pub type TableGuard<'a> = &'a (dyn Fn(
    &str,
    Arc<dyn datafusion::datasource::TableProvider>,
) -> Result<
    Option<Option<Arc<dyn datafusion::datasource::TableProvider>>>,
    DataFusionError,
> + Sync);

/// Registers every table and view of a lake into `ctx`, each through `guard` when given.
pub async fn register_lake(
    ctx: &SessionContext,
    lake: &Lake,
    catalog: &Catalog,
    guard: Option<TableGuard<'_>>,
) -> Result<(), ScoreError> {
    register_everything(ctx, lake, catalog, guard).await
}

/// Registers the sources, `quarantine`, `runs`, `holidays`, the reference tables of the
/// scoring (as of now) and every view of `queries/`. A derived table (DESIGN §5) reads the
/// files `momentos score` wrote; until a score run has written any, its name is the live
/// view, so SQL works on a new lake too.
async fn register_everything(
    ctx: &SessionContext,
    lake: &Lake,
    catalog: &Catalog,
    guard: Option<TableGuard<'_>>,
) -> Result<(), ScoreError> {
    let manifests = tables::register_source_tables(ctx, lake).await?;
    crate::pipeline::history::register_tables(ctx, lake).await?;
    crate::plans::store::register(ctx, lake, &manifests).map_err(|source| ScoreError::Run {
        table: "plans".into(),
        source,
    })?;
    crate::alerts::store::register(ctx, lake, &manifests).map_err(|source| ScoreError::Run {
        table: "alerts".into(),
        source,
    })?;
    crate::alerts::followup::register(ctx, lake, &manifests).map_err(|source| ScoreError::Run {
        table: "followups".into(),
        source,
    })?;
    crate::privacy::audit::register(ctx, lake, &manifests).map_err(|source| ScoreError::Run {
        table: "audit".into(),
        source,
    })?;
    crate::deliver::table::register(ctx, lake).await?;
    score::prepare_session(ctx, catalog, chrono::Utc::now()).await?;
    guard_all(ctx, guard).await?;
    let all = queries::load()?;
    queries::register_views(
        ctx,
        catalog,
        &all,
        |_| true,
        |q, schema| {
            let Some(derived) = score::derived_table(&q.name) else {
                return Ok(false);
            };
            let files = manifest::live_files(&manifests, derived.name);
            if files.is_empty() {
                return Ok(false);
            }
            let provider = tables::files_table(lake, schema, &files)?;
            ctx.deregister_table(derived.name)?;
            register_guarded(ctx, derived.name, provider, guard)?;
            Ok(true)
        },
    )
    .await?;
    // The views themselves (built on guarded tables) go through it too.
    guard_all(ctx, guard).await
}

/// Registers `provider` as `name`, or what `guard` makes of it.
fn register_guarded(
    ctx: &SessionContext,
    name: &str,
    provider: Arc<dyn datafusion::datasource::TableProvider>,
    guard: Option<TableGuard<'_>>,
) -> Result<(), DataFusionError> {
    let provider = match guard {
        None => Some(provider),
        Some(guard) => match guard(name, provider.clone())? {
            None => Some(provider),
            Some(replacement) => replacement,
        },
    };
    if let Some(p) = provider {
        ctx.register_table(name, p)?;
    }
    Ok(())
}

/// Passes every table of the default schema through `guard` (when there is one).
async fn guard_all(ctx: &SessionContext, guard: Option<TableGuard<'_>>) -> Result<(), ScoreError> {
    let Some(guard) = guard else {
        return Ok(());
    };
    let state = ctx.state();
    let defaults = &state.config_options().catalog;
    let Some(schema) = ctx
        .catalog(&defaults.default_catalog)
        .and_then(|c| c.schema(&defaults.default_schema))
    else {
        return Ok(());
    };
    let wrap = |source| ScoreError::Run {
        table: "(row security)".into(),
        source,
    };
    for name in schema.table_names() {
        let Some(provider) = schema.table(&name).await.map_err(wrap)? else {
            continue;
        };
        ctx.deregister_table(name.as_str()).map_err(wrap)?;
        register_guarded(ctx, &name, provider, Some(guard)).map_err(wrap)?;
    }
    Ok(())
}

/// Read-only: no DDL, no DML (COPY included), no `SET`.
pub fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Splits a script into statements and refuses, with a reason, any that is not a read.
pub fn parse_read_only(sql: &str) -> Result<Vec<String>, SqlError> {
    let statements = DFParser::parse_sql(sql)?;
    let mut out = Vec::with_capacity(statements.len());
    for st in statements {
        match &st {
            Statement::Statement(s) => check_read_only(s)?,
            Statement::CreateExternalTable(_) => {
                return Err(refusal(
                    "CREATE EXTERNAL TABLE (reading files outside the lake)",
                ))
            }
            Statement::CopyTo(_) => return Err(refusal("COPY … TO")),
            Statement::Reset(_) => return Err(refusal("RESET")),
            Statement::Explain(_) => {}
        }
        out.push(st.to_string());
    }
    Ok(out)
}

fn refusal(what: &str) -> SqlError {
    SqlError::Refused(format!(
        "refused: {what} would change something; SQL here is read-only (the lake is written only by ingest and score)"
    ))
}

/// Refuses, with a reason, a statement that is not a read: what `momentos sql` and
/// `momentos serve` run is a query, EXPLAIN or SHOW.
pub fn check_read_only(st: &Sql) -> Result<(), SqlError> {
    match st {
        Sql::Query(q) if query_writes(q) => Err(refusal("a data-modifying WITH or SELECT INTO")),
        Sql::Explain { statement, .. } => check_read_only(statement),
        Sql::Query(_)
        | Sql::ShowTables { .. }
        | Sql::ShowColumns { .. }
        | Sql::ExplainTable { .. } => Ok(()),
        Sql::Insert(_) | Sql::Update { .. } | Sql::Delete(_) | Sql::Merge { .. } => {
            Err(refusal("INSERT/UPDATE/DELETE"))
        }
        Sql::Drop { .. } | Sql::Truncate { .. } => Err(refusal("DROP/TRUNCATE")),
        Sql::CreateTable(_)
        | Sql::CreateView { .. }
        | Sql::CreateSchema { .. }
        | Sql::CreateFunction(_)
        | Sql::AlterTable { .. } => Err(refusal("CREATE/ALTER")),
        Sql::Copy { .. } => Err(refusal("COPY")),
        Sql::Set(_) => Err(refusal("SET")),
        other => Err(SqlError::Refused(format!(
            "refused: only queries (SELECT, WITH, EXPLAIN, SHOW) run here, not `{}`",
            first_words(&other.to_string())
        ))),
    }
}

/// Whether a query's body (or a CTE's, or a branch of a set operation) is an INSERT,
/// UPDATE, DELETE or MERGE: `WITH x AS (…) INSERT …` parses as a query.
fn query_writes(q: &datafusion::sql::sqlparser::ast::Query) -> bool {
    use datafusion::sql::sqlparser::ast::SetExpr;
    fn body_writes(b: &SetExpr) -> bool {
        match b {
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                true
            }
            // `SELECT … INTO t` creates a table.
            SetExpr::Select(s) => s.into.is_some(),
            SetExpr::Query(q) => query_writes(q),
            SetExpr::SetOperation { left, right, .. } => body_writes(left) || body_writes(right),
            _ => false,
        }
    }
    body_writes(&q.body)
        || q.with
            .as_ref()
            .is_some_and(|w| w.cte_tables.iter().any(|c| query_writes(&c.query)))
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// What a finished statement reports.
#[derive(Debug, Clone, Copy)]
pub struct RunStats {
    pub rows: usize,
    pub elapsed: Duration,
    pub truncated: bool,
}

/// Runs one read-only statement, streaming its rows into `sink` under the limits.
pub async fn run_statement(
    ctx: &SessionContext,
    sql: &str,
    limits: &Limits,
    sink: &mut dyn output::Sink,
) -> Result<RunStats, SqlError> {
    run_with_params(ctx, sql, None, limits, sink).await
}

/// Like [`run_statement`], binding `$name` placeholders.
pub async fn run_with_params(
    ctx: &SessionContext,
    sql: &str,
    params: Option<std::collections::HashMap<String, datafusion::common::ScalarValue>>,
    limits: &Limits,
    sink: &mut dyn output::Sink,
) -> Result<RunStats, SqlError> {
    let started = Instant::now();
    let work = async {
        let mut df = ctx.sql_with_options(sql, read_only()).await?;
        if let Some(p) = params {
            df = df.with_param_values(p)?;
        }
        let mut stream = df.execute_stream().await?;
        sink.begin(stream.schema())?;
        let mut rows = 0usize;
        let mut truncated = false;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            rows += batch.num_rows();
            if !sink.write(&batch)? {
                truncated = true;
                break;
            }
        }
        sink.end()?;
        Ok::<_, SqlError>((rows, truncated))
    };
    let (rows, truncated) = match tokio::time::timeout(limits.timeout, work).await {
        Ok(r) => r.map_err(|e| friendly(e, limits))?,
        Err(_) => return Err(SqlError::Timeout(limits.timeout)),
    };
    Ok(RunStats {
        rows,
        elapsed: started.elapsed(),
        truncated,
    })
}

/// Turns DataFusion's resource errors into the message an analyst can act on.
fn friendly(e: SqlError, limits: &Limits) -> SqlError {
    match e {
        SqlError::DataFusion(df) => {
            let text = df.to_string();
            if text.contains("Resources exhausted") || text.contains("ResourcesExhausted") {
                SqlError::OutOfMemory {
                    limit: human_bytes(limits.memory_bytes),
                    detail: text.lines().next().unwrap_or_default().to_string(),
                }
            } else {
                SqlError::DataFusion(df)
            }
        }
        other => other,
    }
}

/// "1 fila en 0,003 s", "1.204 filas en 1,250 s": the line under a result, in Spanish
/// with Colombian numbers.
pub fn rows_line(rows: usize, elapsed: Duration) -> String {
    rows_line_shown(rows, None, elapsed)
}

/// "1.234 filas en 0,012 s", with "(se muestran las primeras N…)" when a table printed
/// only `shown` of them.
pub fn rows_line_shown(rows: usize, shown: Option<usize>, elapsed: Duration) -> String {
    let seconds = crate::i18n::decimal(elapsed.as_secs_f64(), 3);
    match shown {
        None => crate::t!("sql-rows-line", rows = rows, seconds = seconds),
        Some(shown) => crate::t!(
            "sql-rows-line-truncated",
            rows = rows,
            shown = shown,
            seconds = seconds
        ),
    }
}

pub fn human_bytes(n: usize) -> String {
    const GIB: usize = 1 << 30;
    const MIB: usize = 1 << 20;
    if n >= GIB && n % GIB == 0 {
        format!("{} GiB", n / GIB)
    } else if n >= MIB {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

/// Parses "512MiB", "2GiB", "1G", "300M", "1048576".
pub fn parse_bytes(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size like 512MiB or 2GiB"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("`{s}` is not a size like 512MiB or 2GiB")),
    };
    Ok(n * factor)
}

/// Parses "30s", "5m", "1h" or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30s or 5m"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{s}` is not a duration like 30s or 5m")),
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_refused_with_a_reason() {
        for sql in [
            "DROP TABLE scores",
            "INSERT INTO interactions VALUES (1)",
            "COPY interactions TO '/tmp/x.csv'",
            "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE TABLE t AS SELECT 1",
            "SET datafusion.execution.batch_size = 1",
            "DELETE FROM interactions",
            "WITH x AS (SELECT 1) INSERT INTO interactions SELECT * FROM x",
            "SELECT * INTO copied FROM interactions",
        ] {
            let err = parse_read_only(sql).unwrap_err().to_string();
            assert!(err.starts_with("refused"), "{sql}: {err}");
        }
        assert_eq!(parse_read_only("select 1; select 2").unwrap().len(), 2);
        assert!(parse_read_only("explain select 1").is_ok());
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert_eq!(parse_bytes("2G"), Ok(2 << 30));
        assert!(parse_bytes("lots").is_err());
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(human_bytes(1 << 30), "1 GiB");
    }

    #[tokio::test]
    async fn every_column_of_every_documented_table_has_a_meaning() {
        let lake = Lake::open("memory://docs").unwrap();
        let catalog = Catalog::embedded();
        let ctx = session(&lake, &catalog).await.unwrap();
        for (table, _, _) in docs::TABLES {
            let provider = ctx
                .table_provider(*table)
                .await
                .unwrap_or_else(|_| panic!("{table} is registered"));
            for f in provider.schema().fields() {
                assert!(
                    docs::column(table, f.name()).is_some(),
                    "{table}.{} has no meaning in sql/docs.rs",
                    f.name()
                );
            }
        }
    }

    #[test]
    fn every_documented_table_has_unique_columns() {
        for (table, _, cols) in docs::TABLES {
            let mut names: Vec<_> = cols.iter().flat_map(|g| g.iter()).map(|c| c.0).collect();
            names.sort();
            names.dedup();
            let total: usize = cols.iter().map(|g| g.len()).sum();
            assert_eq!(names.len(), total, "{table}");
        }
    }
}
