//! Scoring (DESIGN §5–§6): the SQL of `queries/` over the lake's tables.
//!
//! The method is SQL, layered like a dbt project (staging → facts → observations → cell
//! scores), so an analyst can read and re-run every step with `momentos sql`, and the same
//! files can run on a Ballista cluster. What SQL cannot say comes from Rust as tables, not
//! code: [`reference`] turns the catalog and the business [`calendar`] into
//! `calendar_days`, `channel_sla`, `rubric`, … ; [`udf`] holds the one function SQL lacks
//! (the normal CDF). [`run`] materialises the derived tables of DESIGN §5 into the lake.

pub mod calendar;
pub mod queries;
pub mod reference;
pub mod run;
pub mod udf;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{
    Array, AsArray, Date32Builder, Int32Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimestampMicrosecondType};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use crate::catalog::Catalog;
use crate::lake::tables::RegisterError;
use crate::lake::LakeError;
use queries::QueryError;

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

/// Local dates of the earliest and latest instants of the `interactions` table (any of its
/// timestamp columns), in the catalog's time zone; `None` when the table is empty.
pub async fn interaction_date_range(
    ctx: &SessionContext,
    catalog: &Catalog,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), DataFusionError> {
    let batches = ctx
        .sql(
            "select min(received_at), max(received_at), max(first_response_at), \
             max(resolved_at), max(escalated_at), max(escalation_answered_at) from interactions",
        )
        .await?
        .collect()
        .await?;
    let mut values: Vec<Option<i64>> = Vec::new();
    if let Some(b) = batches.first() {
        for c in b.columns() {
            let c = c.as_primitive::<TimestampMicrosecondType>();
            values.push((!c.is_null(0)).then(|| c.value(0)));
        }
    }
    let local = |us: i64| {
        DateTime::from_timestamp_micros(us)
            .map(|t| t.with_timezone(&catalog.time_zone).date_naive())
    };
    let min = values.first().copied().flatten().and_then(local);
    let max = values
        .iter()
        .skip(1)
        .flatten()
        .copied()
        .max()
        .and_then(local);
    Ok((min, max))
}

/// Makes a session ready for the queries: `holidays`, the UDFs, and the reference tables
/// for `as_of` over a calendar that spans the `interactions` already registered.
/// Returns the reference tables, so that a score run can store them.
pub async fn prepare_session(
    ctx: &SessionContext,
    catalog: &Catalog,
    as_of: DateTime<Utc>,
) -> Result<Vec<(&'static str, RecordBatch)>, ScoreError> {
    register_holidays(ctx)?;
    udf::register_udfs(ctx);
    let (min, max) = interaction_date_range(ctx, catalog)
        .await
        .map_err(|source| ScoreError::Run {
            table: "interactions".into(),
            source,
        })?;
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
