//! Scoring (DESIGN §5–§6): the SQL of `queries/` over the lake's tables.
//!
//! The method is SQL, layered like a dbt project (staging → facts → observations → cell
//! scores), so an analyst can read and re-run every step with `momentos sql`, and the same
//! files can run on a Ballista cluster. What SQL cannot say comes from Rust as tables, not
//! code: [`reference`] turns the catalog and the business [`calendar`] into
//! `calendar_days`, `channel_sla`, `rubric`, … ; [`cell_statistics`] adds the one thing
//! SQL cannot say, the exact binomial tails of [`exact`], as a table over the aggregated cells. [`run`] materialises the derived tables of DESIGN §5 into the lake.

pub mod added_facts;
pub mod calendar;
pub mod calibration;
pub mod cell_statistics;
pub mod exact;
pub mod incremental;
pub mod queries;
pub mod reference;
pub mod run;
pub mod swappable;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{
    Array, AsArray, Date32Builder, Int32Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit, TimestampMicrosecondType};
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::parquet::arrow::parquet_to_arrow_schema;
use datafusion::parquet::file::statistics::Statistics;
use datafusion::prelude::SessionContext;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;

use crate::catalog::Catalog;
use crate::lake::tables::RegisterError;
use crate::lake::LakeError;
use queries::QueryError;

/// A query's rows; an error names `table` (the table or step the query computes).
pub async fn collect_sql(
    ctx: &SessionContext,
    sql: &str,
    table: &str,
) -> Result<Vec<RecordBatch>, ScoreError> {
    let wrap = |source| ScoreError::Run {
        table: table.into(),
        source,
    };
    ctx.sql(sql)
        .await
        .map_err(wrap)?
        .collect()
        .await
        .map_err(wrap)
}

/// Every Colombian public holiday 1984–2100 as the calendar sees it.
pub fn holidays_batch() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("date", DataType::Date32, false),
        Field::new("year", DataType::Int32, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("rule", DataType::Utf8, false),
    ]));
    let (mut date, mut year, mut name, mut rule) = (
        Date32Builder::new(),
        Int32Builder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    for y in calendar::FIRST_YEAR..=calendar::LAST_YEAR {
        for h in calendar::holidays_in_year(y) {
            date.append_value((h.date - epoch).num_days() as i32);
            year.append_value(y);
            name.append_value(h.name);
            rule.append_value(h.rule.code());
        }
    }
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(date.finish()),
            Arc::new(year.finish()),
            Arc::new(name.finish()),
            Arc::new(rule.finish()),
        ],
    )
    .expect("columns follow the schema")
}

/// Registers `holidays` (DESIGN §5).
pub fn register_holidays(ctx: &SessionContext) -> Result<(), RegisterError> {
    let wrap = |source: DataFusionError| RegisterError::DataFusion {
        table: "holidays".into(),
        source,
    };
    let batch = holidays_batch();
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(wrap)?;
    ctx.deregister_table("holidays").map_err(wrap)?;
    ctx.register_table("holidays", Arc::new(table))
        .map_err(wrap)?;
    Ok(())
}

/// A table of DESIGN §5 that `momentos score` writes into the lake, one folder per period.
#[derive(Debug, Clone, Copy)]
pub struct DerivedTable {
    /// Table (and view) name; also the `table` of its manifests.
    pub name: &'static str,
    /// Lake folder, ending in '/': files are `<dir>period=YYYY-MM/<batch>.parquet`
    /// (`<batch>-p<i>.parquet` when [`Self::per_partition_files`]).
    pub dir: &'static str,
    /// Large (a row per interaction): each partition of the query plan writes its own
    /// files, so that Parquet encoding runs on every core rather than on the one task that
    /// would read the merged stream. Small tables keep one file per period.
    pub per_partition_files: bool,
}

/// The derived tables, in the order `score` computes them.
pub const DERIVED_TABLES: &[DerivedTable] = &[
    DerivedTable {
        name: "interaction_facts",
        dir: "facts/interaction_facts/",
        per_partition_files: true,
    },
    DerivedTable {
        name: "scores",
        dir: "scores/",
        per_partition_files: false,
    },
    DerivedTable {
        name: "scores_by_stakeholder",
        dir: "scores_by_stakeholder/",
        per_partition_files: false,
    },
    DerivedTable {
        name: "survey_kpis",
        dir: "survey_kpis/",
        per_partition_files: false,
    },
    DerivedTable {
        name: "protocol",
        dir: "protocol/",
        per_partition_files: false,
    },
];

/// Manifest table of the reference tables a score run used (`reference/<name>/<batch>.parquet`),
/// kept in the lake so that a cluster reading it sees the same calendar and parameters.
pub const REFERENCE_MANIFEST_TABLE: &str = "reference";
pub const REFERENCE_DIR: &str = "reference/";

pub fn derived_table(name: &str) -> Option<&'static DerivedTable> {
    DERIVED_TABLES.iter().find(|d| d.name == name)
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    Register(#[from] RegisterError),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("computing `{table}`: {source}")]
    Run {
        table: String,
        source: DataFusionError,
    },
    /// A mistake in what was asked (bad period, bad as-of).
    #[error("{0}")]
    Usage(String),
}

/// The timestamp columns of `interactions`; the first is never null.
const INSTANT_COLUMNS: [&str; 5] = [
    "received_at",
    "first_response_at",
    "resolved_at",
    "escalated_at",
    "escalation_answered_at",
];

/// Local dates of the earliest and latest instants of the `interactions` table (any of its
/// timestamp columns), in the catalog's time zone; `None` when the table is empty.
pub async fn interaction_date_range(
    ctx: &SessionContext,
    catalog: &Catalog,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), DataFusionError> {
    let footers = instant_range_from_footers(ctx).await?;
    let (min, max) = match footers {
        Some(range) => range,
        None => instant_range_by_scan(ctx).await?,
    };
    let local = |us: i64| {
        DateTime::from_timestamp_micros(us)
            .map(|t| t.with_timezone(&catalog.time_zone).date_naive())
    };
    Ok((min.and_then(local), max.and_then(local)))
}

/// Earliest `received_at` and latest instant of any column, in microseconds, by reading
/// every value.
async fn instant_range_by_scan(
    ctx: &SessionContext,
) -> Result<(Option<i64>, Option<i64>), DataFusionError> {
    let maxes: Vec<String> = INSTANT_COLUMNS
        .iter()
        .map(|c| format!("max({c})"))
        .collect();
    let sql = format!(
        "select min({}), {} from interactions",
        INSTANT_COLUMNS[0],
        maxes.join(", ")
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    let mut values: Vec<Option<i64>> = Vec::new();
    if let Some(b) = batches.first() {
        for c in b.columns() {
            let c = c.as_primitive::<TimestampMicrosecondType>();
            values.push((!c.is_null(0)).then(|| c.value(0)));
        }
    }
    let min = values.first().copied().flatten();
    let max = values.iter().skip(1).flatten().copied().max();
    Ok((min, max))
}

/// The same from the min/max statistics in the Parquet footers of the table's files, which
/// spares a scan of every row before anything else can start (the calendar depends on
/// it). `None` when a file lacks exact statistics for a column (the caller then scans).
async fn instant_range_from_footers(
    ctx: &SessionContext,
) -> Result<Option<(Option<i64>, Option<i64>)>, DataFusionError> {
    let provider = ctx.table_provider("interactions").await?;
    // An empty lake registers an empty in-memory table: nothing to read either way.
    let Some(listing) = provider.downcast_ref::<ListingTable>() else {
        return Ok(None);
    };
    let runtime = ctx.runtime_env();
    // Through the session's metadata cache, so the scans that follow reuse the footers.
    let cache = runtime.cache_manager.get_file_metadata_cache();
    let footers: Vec<_> = futures::stream::iter(listing.table_paths().clone())
        .map(|url| {
            let store = runtime.object_store(url.object_store());
            let cache = Arc::clone(&cache);
            async move {
                let store = store?;
                let meta = store.head(url.prefix()).await?;
                DFParquetMetadata::new(store.as_ref(), &meta)
                    .with_file_metadata_cache(Some(cache))
                    .fetch_metadata()
                    .await
            }
        })
        .buffer_unordered(16)
        .try_collect()
        .await?;
    let (mut min, mut max) = (None::<i64>, None::<i64>);
    for footer in footers {
        let file = footer.file_metadata();
        let arrow = parquet_to_arrow_schema(file.schema_descr(), file.key_value_metadata())?;
        for (i, name) in INSTANT_COLUMNS.iter().enumerate() {
            let Ok(index) = arrow.index_of(name) else {
                return Ok(None);
            };
            if !matches!(
                arrow.field(index).data_type(),
                DataType::Timestamp(TimeUnit::Microsecond, _)
            ) {
                return Ok(None);
            }
            for group in footer.row_groups() {
                let Some(Statistics::Int64(stats)) = group.column(index).statistics() else {
                    return Ok(None);
                };
                if stats.null_count_opt() == Some(group.num_rows() as u64) {
                    continue; // only nulls, no bounds
                }
                let (Some(&lo), Some(&hi)) = (stats.min_opt(), stats.max_opt()) else {
                    return Ok(None);
                };
                if !stats.max_is_exact() || (i == 0 && !stats.min_is_exact()) {
                    return Ok(None);
                }
                max = max.max(Some(hi));
                if i == 0 {
                    min = Some(min.map_or(lo, |m| m.min(lo)));
                }
            }
        }
    }
    Ok(Some((min, max)))
}

/// Makes a session ready for the queries: `holidays`, `cell_statistics`, and the reference tables
/// for `as_of` over a calendar that spans the `interactions` already registered.
/// Returns the reference tables, so that a score run can store them.
pub async fn prepare_session(
    ctx: &SessionContext,
    catalog: &Catalog,
    as_of: DateTime<Utc>,
) -> Result<Vec<(&'static str, RecordBatch)>, ScoreError> {
    register_holidays(ctx)?;
    cell_statistics::register(ctx).map_err(|source| ScoreError::Run {
        table: cell_statistics::TABLE.into(),
        source,
    })?;
    let (min, max) = interaction_date_range(ctx, catalog)
        .await
        .map_err(|source| ScoreError::Run {
            table: "interactions".into(),
            source,
        })?;
    tracing::debug!(?min, ?max, "Interaction dates.");
    let as_of_date = as_of.with_timezone(&catalog.time_zone).date_naive();
    let inputs = reference::ReferenceInputs {
        as_of,
        range: reference::CalendarRange::covering(catalog, min, max, as_of_date),
    };
    let tables = reference::build(catalog, &inputs);
    reference::register(ctx, &tables)?;
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_recovery_covers_every_derived_folder() {
        let covered = |dir: &str| {
            crate::lake::commit::TABLE_DIRS
                .iter()
                .any(|t| dir.starts_with(t))
        };
        for d in DERIVED_TABLES {
            assert!(covered(d.dir), "{} is not in commit::TABLE_DIRS", d.dir);
            assert!(d.dir.ends_with('/'));
        }
        assert!(covered(REFERENCE_DIR));
    }
}
