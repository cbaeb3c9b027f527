//! The run history: `runs` (one row per run) and `run_steps` (one row per step of a run).
//!
//! Each run is its own small Parquet object, `runs/<run_id>.parquet` and
//! `run_steps/<run_id>.parquet`: an object put is atomic on every store, so no lock is needed
//! and a reader never sees half a record. A run writes its record as `running` when it
//! starts and overwrites it when it ends; a run killed in between is closed as
//! `interrupted` by the next run that takes over its lock.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{
    RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::SessionContext;

use crate::lake::records::{self, Row};
use crate::lake::schema::{text, ts};
use crate::lake::tables::RegisterError;
use crate::lake::{writer, Lake, LakeError};

pub const RUNS_DIR: &str = "runs/";
pub const STEPS_DIR: &str = "run_steps/";

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `momentos run` (a person or an external scheduler).
    Manual,
    /// The daemon, on time.
    Schedule,
    /// The daemon, for a fire it missed.
    CatchUp,
    /// The daemon, again after a failed attempt.
    Retry,
}

impl Trigger {
    pub fn code(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch_up",
            Trigger::Retry => "retry",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Started, not ended (or killed: see `interrupted`).
    Running,
    Success,
    SuccessWithQuarantine,
    Failed,
    /// Stopped by a signal between steps, or killed and closed by a later run.
    Interrupted,
    /// Another run of the pipeline held the lock.
    SkippedBusy,
    /// A fire the daemon did not run (downtime, catch-up policy `none` or beyond `max`).
    Missed,
}

impl RunStatus {
    pub fn code(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Success => "success",
            RunStatus::SuccessWithQuarantine => "success_with_quarantine",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::SkippedBusy => "skipped_busy",
            RunStatus::Missed => "missed",
        }
    }

    pub fn parse(s: &str) -> Option<RunStatus> {
        [
            RunStatus::Running,
            RunStatus::Success,
            RunStatus::SuccessWithQuarantine,
            RunStatus::Failed,
            RunStatus::Interrupted,
            RunStatus::SkippedBusy,
            RunStatus::Missed,
        ]
        .into_iter()
        .find(|r| r.code() == s)
    }

    pub fn is_success(self) -> bool {
        matches!(self, RunStatus::Success | RunStatus::SuccessWithQuarantine)
    }
}

/// One row of `runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub run_id: String,
    pub pipeline: String,
    pub trigger: String,
    /// The cron fire this run stands for (daemon runs).
    pub scheduled_for: Option<DateTime<Utc>>,
    /// 1 for the first attempt of a fire, 2 for its first retry, …
    pub attempt: u32,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub status: String,
    pub rows_in: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    pub error: Option<String>,
    /// Anything else worth knowing ("4 fires missed from … to …").
    pub note: Option<String>,
    pub host: String,
    pub pid: u32,
}

/// One row of `run_steps`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub run_id: String,
    pub pipeline: String,
    /// 1-based position of the step in the pipeline.
    pub position: u32,
    pub step: String,
    /// `success`, `success_with_quarantine`, `failed`, `not_run` or `unavailable`.
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub rows_in: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    pub detail: Option<String>,
    pub error: Option<String>,
}

fn count(name: &str) -> Field {
    Field::new(name, DataType::UInt64, false)
}

pub fn runs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("run_id", false),
        text("pipeline", false),
        text("trigger", false),
        ts("scheduled_for", true),
        Field::new("attempt", DataType::UInt32, false),
        ts("started_at", false),
        ts("ended_at", true),
        text("status", false),
        count("rows_in"),
        count("rows_accepted"),
        count("rows_quarantined"),
        text("error", true),
        text("note", true),
        text("host", false),
        Field::new("pid", DataType::UInt32, false),
    ]))
}

pub fn steps_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("run_id", false),
        text("pipeline", false),
        Field::new("position", DataType::UInt32, false),
        text("step", false),
        text("status", false),
        ts("started_at", true),
        ts("ended_at", true),
        count("rows_in"),
        count("rows_accepted"),
        count("rows_quarantined"),
        text("detail", true),
        text("error", true),
    ]))
}

fn micros(t: &Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_micros())
}

fn ts_array(values: Vec<Option<i64>>) -> Arc<TimestampMicrosecondArray> {
    Arc::new(TimestampMicrosecondArray::from(values).with_timezone("UTC"))
}

fn parquet_err(e: impl std::fmt::Display) -> LakeError {
    LakeError::Parquet(format!("run history: {e}"))
}

impl RunRecord {
    fn to_batch(&self) -> Result<RecordBatch, LakeError> {
        let r = self;
        RecordBatch::try_new(
            runs_schema(),
            vec![
                Arc::new(StringArray::from(vec![r.run_id.as_str()])),
                Arc::new(StringArray::from(vec![r.pipeline.as_str()])),
                Arc::new(StringArray::from(vec![r.trigger.as_str()])),
                ts_array(vec![micros(&r.scheduled_for)]),
                Arc::new(UInt32Array::from(vec![r.attempt])),
                ts_array(vec![Some(r.started_at.timestamp_micros())]),
                ts_array(vec![micros(&r.ended_at)]),
                Arc::new(StringArray::from(vec![r.status.as_str()])),
                Arc::new(UInt64Array::from(vec![r.rows_in])),
                Arc::new(UInt64Array::from(vec![r.rows_accepted])),
                Arc::new(UInt64Array::from(vec![r.rows_quarantined])),
                Arc::new(StringArray::from(vec![r.error.as_deref()])),
                Arc::new(StringArray::from(vec![r.note.as_deref()])),
                Arc::new(StringArray::from(vec![r.host.as_str()])),
                Arc::new(UInt32Array::from(vec![r.pid])),
            ],
        )
        .map_err(parquet_err)
    }

    fn from_batch(b: &RecordBatch, row: usize) -> Result<RunRecord, LakeError> {
        let r = Row {
            batch: b,
            row,
            table: "run history",
        };
        let (s, t, u32_, u64_) = (
            |n: &str| r.text(n),
            |n: &str| r.time(n),
            |n: &str| r.u32(n),
            |n: &str| r.u64(n),
        );
        Ok(RunRecord {
            run_id: s("run_id")?.unwrap_or_default(),
            pipeline: s("pipeline")?.unwrap_or_default(),
            trigger: s("trigger")?.unwrap_or_default(),
            scheduled_for: t("scheduled_for")?,
            attempt: u32_("attempt")?,
            started_at: t("started_at")?.unwrap_or_default(),
            ended_at: t("ended_at")?,
            status: s("status")?.unwrap_or_default(),
            rows_in: u64_("rows_in")?,
            rows_accepted: u64_("rows_accepted")?,
            rows_quarantined: u64_("rows_quarantined")?,
            error: s("error")?,
            note: s("note")?,
            host: s("host")?.unwrap_or_default(),
            pid: u32_("pid")?,
        })
    }
}

fn steps_batch(steps: &[StepRecord]) -> Result<RecordBatch, LakeError> {
    let strs = |f: fn(&StepRecord) -> &str| {
        Arc::new(StringArray::from(steps.iter().map(f).collect::<Vec<_>>()))
    };
    let opt = |f: fn(&StepRecord) -> Option<&str>| {
        Arc::new(StringArray::from(steps.iter().map(f).collect::<Vec<_>>()))
    };
    let n = |f: fn(&StepRecord) -> u64| {
        Arc::new(UInt64Array::from(steps.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_new(
        steps_schema(),
        vec![
            strs(|s| &s.run_id),
            strs(|s| &s.pipeline),
            Arc::new(UInt32Array::from(
                steps.iter().map(|s| s.position).collect::<Vec<_>>(),
            )),
            strs(|s| &s.step),
            strs(|s| &s.status),
            ts_array(steps.iter().map(|s| micros(&s.started_at)).collect()),
            ts_array(steps.iter().map(|s| micros(&s.ended_at)).collect()),
            n(|s| s.rows_in),
            n(|s| s.rows_accepted),
            n(|s| s.rows_quarantined),
            opt(|s| s.detail.as_deref()),
            opt(|s| s.error.as_deref()),
        ],
    )
    .map_err(parquet_err)
}

fn run_object(run_id: &str) -> String {
    format!("{RUNS_DIR}{run_id}.parquet")
}

/// Writes (or overwrites) a run's record.
pub async fn write_run(lake: &Lake, record: &RunRecord) -> Result<(), LakeError> {
    let bytes = writer::encode(runs_schema(), &[record.to_batch()?])?;
    records::put(lake, RUNS_DIR, &run_object(&record.run_id), bytes).await
}

/// Writes (or overwrites) the step rows of a run.
pub async fn write_steps(lake: &Lake, run_id: &str, steps: &[StepRecord]) -> Result<(), LakeError> {
    let bytes = writer::encode(steps_schema(), &[steps_batch(steps)?])?;
    records::put(
        lake,
        STEPS_DIR,
        &format!("{STEPS_DIR}{run_id}.parquet"),
        bytes,
    )
    .await
}

/// Reads one run's record, if it exists.
pub async fn read_run(lake: &Lake, run_id: &str) -> Result<Option<RunRecord>, LakeError> {
    let bytes = match lake.get(&run_object(run_id)).await {
        Ok(b) => b,
        Err(LakeError::Store {
            source: object_store::Error::NotFound { .. },
            ..
        }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let batches = writer::decode(bytes)?;
    match batches.iter().find(|b| b.num_rows() > 0) {
        Some(b) => RunRecord::from_batch(b, 0).map(Some),
        None => Ok(None),
    }
}

/// Every run record of the lake (oldest first by run id, which sorts by start time).
pub async fn read_all(lake: &Lake) -> Result<Vec<RunRecord>, LakeError> {
    let mut out = records::read_all(lake, RUNS_DIR, RunRecord::from_batch).await?;
    out.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    Ok(out)
}

/// A new run id: sortable by start time, unique across processes.
pub fn new_run_id(now: DateTime<Utc>) -> String {
    let nonce: u32 = rand::random();
    format!("{}-{:08x}", now.format("%Y%m%dT%H%M%S%3fZ"), nonce)
}

/// Registers `runs` and `run_steps` (empty tables with the same columns on a new lake).
pub async fn register_tables(ctx: &SessionContext, lake: &Lake) -> Result<(), RegisterError> {
    records::register(ctx, lake, "runs", RUNS_DIR, runs_schema()).await?;
    records::register(ctx, lake, "run_steps", STEPS_DIR, steps_schema()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, status: RunStatus) -> RunRecord {
        RunRecord {
            run_id: id.into(),
            pipeline: "nightly".into(),
            trigger: Trigger::Manual.code().into(),
            scheduled_for: None,
            attempt: 1,
            started_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            ended_at: None,
            status: status.code().into(),
            rows_in: 10,
            rows_accepted: 9,
            rows_quarantined: 1,
            error: None,
            note: Some("n".into()),
            host: "h".into(),
            pid: 7,
        }
    }

    #[tokio::test]
    async fn records_round_trip_and_overwrite() {
        let lake = Lake::open("memory://history").unwrap();
        let mut r = record("r1", RunStatus::Running);
        write_run(&lake, &r).await.unwrap();
        assert_eq!(read_run(&lake, "r1").await.unwrap(), Some(r.clone()));
        r.status = RunStatus::Success.code().into();
        r.ended_at = Some(r.started_at + chrono::Duration::seconds(3));
        r.error = Some("x".into());
        write_run(&lake, &r).await.unwrap();
        write_run(&lake, &record("r2", RunStatus::Failed))
            .await
            .unwrap();
        let all = read_all(&lake).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], r);
        assert_eq!(read_run(&lake, "nope").await.unwrap(), None);
    }

    #[tokio::test]
    async fn tables_are_queryable_even_when_empty() {
        let lake = Lake::open("memory://history-sql").unwrap();
        let ctx = SessionContext::new();
        crate::lake::tables::register_store(&ctx, &lake);
        register_tables(&ctx, &lake).await.unwrap();
        let n = ctx
            .sql("select count(*) from runs")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert_eq!(n[0].num_rows(), 1);
        write_run(&lake, &record("r1", RunStatus::Success))
            .await
            .unwrap();
        write_steps(
            &lake,
            "r1",
            &[StepRecord {
                run_id: "r1".into(),
                pipeline: "nightly".into(),
                position: 1,
                step: "ingest".into(),
                status: "success".into(),
                started_at: None,
                ended_at: None,
                rows_in: 1,
                rows_accepted: 1,
                rows_quarantined: 0,
                detail: None,
                error: None,
            }],
        )
        .await
        .unwrap();
        register_tables(&ctx, &lake).await.unwrap();
        let b = ctx
            .sql("select r.status, s.step from runs r join run_steps s using (run_id)")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert_eq!(b.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    }
}
