//! The lake's `alerts` table: one Parquet file under `alerts/`, replaced whole by each
//! `alerts` run through a manifest (like `plans`): readers see the old or the new table.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Float64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, Float64Type, Schema, SchemaRef, TimeUnit, TimestampMicrosecondType,
};
use datafusion::prelude::SessionContext;

use super::{Alert, AlertKind, AlertStatus};
use crate::lake::manifest::Manifest;
use crate::lake::whole_table::WholeTable;
use crate::lake::{Lake, LakeError};

/// Manifest table and lake folder of the alerts.
pub const TABLE: &str = "alerts";
pub const DIR: &str = "alerts/";
const STORE: WholeTable = WholeTable {
    name: TABLE,
    dir: DIR,
    schema,
};

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The columns of `alerts` (documented in `sql::docs`).
pub fn schema() -> SchemaRef {
    let t = |n: &str| Field::new(n, DataType::Utf8, false);
    let tn = |n: &str| Field::new(n, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        t("alert_id"),
        t("kind"),
        tn("unit"),
        tn("channel"),
        Field::new("started_at", ts_type(), false),
        Field::new("ended_at", ts_type(), true),
        Field::new("detected_at", ts_type(), false),
        Field::new("observed", DataType::Float64, true),
        Field::new("expected", DataType::Float64, true),
        Field::new("p_value", DataType::Float64, true),
        t("evidence"),
        t("status"),
        Field::new("due_date", DataType::Date32, true),
        Field::new("updated_at", ts_type(), false),
    ]))
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn from_days(n: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(n as i64)
}

fn micros(v: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(v).with_timezone("UTC"))
}

/// Alerts as one record batch.
pub fn to_batch(alerts: &[Alert], updated_at: DateTime<Utc>) -> RecordBatch {
    let s = |f: &dyn Fn(&Alert) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(alerts.iter().map(f).collect::<Vec<_>>()))
    };
    let fl = |f: &dyn Fn(&Alert) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(alerts.iter().map(f).collect::<Vec<_>>()))
    };
    let tm = |f: &dyn Fn(&Alert) -> Option<DateTime<Utc>>| -> ArrayRef {
        micros(
            alerts
                .iter()
                .map(|a| f(a).map(|t| t.timestamp_micros()))
                .collect(),
        )
    };
    let columns: Vec<ArrayRef> = vec![
        s(&|a| Some(a.alert_id.clone())),
        s(&|a| Some(a.kind.code().to_string())),
        s(&|a| a.unit.clone()),
        s(&|a| a.channel.clone()),
        tm(&|a| Some(a.started_at)),
        tm(&|a| a.ended_at),
        tm(&|a| Some(a.detected_at)),
        fl(&|a| a.observed),
        fl(&|a| a.expected),
        fl(&|a| a.p_value),
        s(&|a| Some(a.evidence.clone())),
        s(&|a| Some(a.status.code().to_string())),
        Arc::new(Date32Array::from(
            alerts
                .iter()
                .map(|a| a.due_date.map(days))
                .collect::<Vec<_>>(),
        )),
        micros(vec![Some(updated_at.timestamp_micros()); alerts.len()]),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns follow the schema")
}

/// Alerts from record batches of the `alerts` schema.
pub fn from_batches(batches: &[RecordBatch]) -> Result<Vec<Alert>, String> {
    let mut out = Vec::new();
    for b in batches {
        let col = |n: &str, t: &DataType| -> Result<ArrayRef, String> {
            let c = b
                .column_by_name(n)
                .ok_or_else(|| format!("alerts: no column {n}"))?;
            cast(c, t).map_err(|e| e.to_string())
        };
        let text = |n: &str| col(n, &DataType::Utf8);
        let (id, kind, unit, channel, evidence, status) = (
            text("alert_id")?,
            text("kind")?,
            text("unit")?,
            text("channel")?,
            text("evidence")?,
            text("status")?,
        );
        let (st, en, de) = (
            col("started_at", &ts_type())?,
            col("ended_at", &ts_type())?,
            col("detected_at", &ts_type())?,
        );
        let (ob, ex, pv) = (
            col("observed", &DataType::Float64)?,
            col("expected", &DataType::Float64)?,
            col("p_value", &DataType::Float64)?,
        );
        let due = col("due_date", &DataType::Date32)?;
        let so = |a: &ArrayRef, i: usize| {
            let a = a.as_string::<i32>();
            (!a.is_null(i)).then(|| a.value(i).to_string())
        };
        let f = |a: &ArrayRef, i: usize| {
            let a = a.as_primitive::<Float64Type>();
            (!a.is_null(i)).then(|| a.value(i))
        };
        let t = |a: &ArrayRef, i: usize| {
            let a = a.as_primitive::<TimestampMicrosecondType>();
            (!a.is_null(i))
                .then(|| DateTime::from_timestamp_micros(a.value(i)))
                .flatten()
        };
        for i in 0..b.num_rows() {
            let kind_code = so(&kind, i).unwrap_or_default();
            out.push(Alert {
                alert_id: so(&id, i).unwrap_or_default(),
                kind: AlertKind::parse(&kind_code)
                    .ok_or_else(|| format!("alerts: unknown kind `{kind_code}`"))?,
                unit: so(&unit, i),
                channel: so(&channel, i),
                started_at: t(&st, i).ok_or("alerts: started_at is null")?,
                ended_at: t(&en, i),
                detected_at: t(&de, i).ok_or("alerts: detected_at is null")?,
                observed: f(&ob, i),
                expected: f(&ex, i),
                p_value: f(&pv, i),
                evidence: so(&evidence, i).unwrap_or_default(),
                status: if so(&status, i).as_deref() == Some("closed") {
                    AlertStatus::Closed
                } else {
                    AlertStatus::Open
                },
                due_date: {
                    let d = due.as_primitive::<Date32Type>();
                    (!d.is_null(i)).then(|| from_days(d.value(i)))
                },
            });
        }
    }
    Ok(out)
}

/// The alerts of the lake (none before the first `alerts` run).
pub async fn read(lake: &Lake) -> Result<Vec<Alert>, LakeError> {
    from_batches(&STORE.read(lake).await?).map_err(LakeError::Parquet)
}

/// Replaces the table with `alerts`. Call under the lake lock.
pub async fn write(lake: &Lake, alerts: &[Alert], now: DateTime<Utc>) -> Result<String, LakeError> {
    let batch = to_batch(alerts, now);
    STORE
        .replace(lake, std::slice::from_ref(&batch), now, "momentos alerts")
        .await
}

/// Registers `alerts` in a session (an empty table before the first run).
pub fn register(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
) -> Result<(), datafusion::error::DataFusionError> {
    STORE.register(ctx, lake, manifests)
}
