//! The lake's `deliveries` table (DESIGN §5, §9): one row per message sent or attempted —
//! what, to which configured recipient (its name, never its address), by which medium,
//! how many attempts, the outcome and the last error (redacted). Not the message.
//!
//! Like `runs`, each delivery is its own small Parquet object, `deliveries/<id>.parquet`,
//! overwritten after every attempt: an object put is atomic on every store, so a delivery
//! is recorded the moment it succeeds, before the next one is tried.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{
    ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::SessionContext;
use sha2::{Digest, Sha256};

use crate::lake::records::{self, Row};
use crate::lake::schema::{text, ts};
use crate::lake::tables::RegisterError;
use crate::lake::{writer, Lake, LakeError};

pub const TABLE: &str = "deliveries";
pub const DIR: &str = "deliveries/";

/// How a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Accepted by the SMTP server or the webhook: never sent again.
    Sent,
    /// Every attempt so far failed: the next run tries again.
    Failed,
}

impl DeliveryStatus {
    pub fn code(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// One row of `deliveries`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    /// `alert/<alert_id>/<recipient>` or `report/<period>/<recipient>`.
    pub delivery_id: String,
    /// `alert` or `report`.
    pub item: String,
    pub alert_id: Option<String>,
    pub alert_kind: Option<String>,
    pub unit: Option<String>,
    /// Report period `YYYY-MM`.
    pub period: Option<String>,
    /// The recipient's name in the catalog.
    pub recipient: String,
    /// `email` or `webhook`.
    pub medium: String,
    pub status: String,
    /// Attempts over every run.
    pub attempts: u32,
    pub first_attempt_at: DateTime<Utc>,
    pub last_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// What the last failed attempt said, redacted (no address, no URL).
    pub last_error: Option<String>,
    /// The pipeline run that made the last attempt (empty: `momentos deliver`).
    pub run_id: Option<String>,
}

impl DeliveryRecord {
    pub fn is_sent(&self) -> bool {
        self.status == DeliveryStatus::Sent.code()
    }
}

/// The columns of `deliveries` (documented in `sql::docs`).
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        text("delivery_id", false),
        text("item", false),
        text("alert_id", true),
        text("alert_kind", true),
        text("unit", true),
        text("period", true),
        text("recipient", false),
        text("medium", false),
        text("status", false),
        Field::new("attempts", DataType::UInt32, false),
        ts("first_attempt_at", false),
        ts("last_attempt_at", false),
        ts("sent_at", true),
        text("last_error", true),
        text("run_id", true),
    ]))
}

fn parquet_err(e: impl std::fmt::Display) -> LakeError {
    records::error(TABLE, e)
}

fn to_batch(r: &DeliveryRecord) -> Result<RecordBatch, LakeError> {
    let s = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
    let o = |v: &Option<String>| -> ArrayRef { Arc::new(StringArray::from(vec![v.as_deref()])) };
    let t = |v: Option<DateTime<Utc>>| -> ArrayRef {
        Arc::new(
            TimestampMicrosecondArray::from(vec![v.map(|t| t.timestamp_micros())])
                .with_timezone("UTC"),
        )
    };
    RecordBatch::try_new(
        schema(),
        vec![
            s(&r.delivery_id),
            s(&r.item),
            o(&r.alert_id),
            o(&r.alert_kind),
            o(&r.unit),
            o(&r.period),
            s(&r.recipient),
            s(&r.medium),
            s(&r.status),
            Arc::new(UInt32Array::from(vec![r.attempts])),
            t(Some(r.first_attempt_at)),
            t(Some(r.last_attempt_at)),
            t(r.sent_at),
            o(&r.last_error),
            o(&r.run_id),
        ],
    )
    .map_err(parquet_err)
}

fn from_batch(b: &RecordBatch, row: usize) -> Result<DeliveryRecord, LakeError> {
    let r = Row {
        batch: b,
        row,
        table: TABLE,
    };
    let (s, t) = (|n: &str| r.text(n), |n: &str| r.time(n));
    let attempts = r.u32("attempts")?;
    Ok(DeliveryRecord {
        delivery_id: s("delivery_id")?.unwrap_or_default(),
        item: s("item")?.unwrap_or_default(),
        alert_id: s("alert_id")?,
        alert_kind: s("alert_kind")?,
        unit: s("unit")?,
        period: s("period")?,
        recipient: s("recipient")?.unwrap_or_default(),
        medium: s("medium")?.unwrap_or_default(),
        status: s("status")?.unwrap_or_default(),
        attempts,
        first_attempt_at: t("first_attempt_at")?.unwrap_or_default(),
        last_attempt_at: t("last_attempt_at")?.unwrap_or_default(),
        sent_at: t("sent_at")?,
        last_error: s("last_error")?,
        run_id: s("run_id")?,
    })
}

/// The object of a delivery: its id hashed (ids hold `/` and `:`, which object stores
/// treat differently).
fn object(delivery_id: &str) -> String {
    let digest = Sha256::digest(delivery_id.as_bytes());
    format!("{DIR}{}.parquet", hex::encode(&digest[..16]))
}

/// Writes (or overwrites) a delivery's record.
pub async fn write(lake: &Lake, record: &DeliveryRecord) -> Result<(), LakeError> {
    let bytes = writer::encode(schema(), &[to_batch(record)?])?;
    records::put(lake, DIR, &object(&record.delivery_id), bytes).await
}

/// Every delivery recorded in the lake.
pub async fn read_all(lake: &Lake) -> Result<Vec<DeliveryRecord>, LakeError> {
    let mut out = records::read_all(lake, DIR, from_batch).await?;
    out.sort_by(|a, b| a.delivery_id.cmp(&b.delivery_id));
    Ok(out)
}

/// Registers `deliveries` (an empty table with the same columns before the first delivery).
pub async fn register(ctx: &SessionContext, lake: &Lake) -> Result<(), RegisterError> {
    records::register(ctx, lake, TABLE, DIR, schema()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_round_trip_overwrite_and_query() {
        let lake = Lake::open("memory://deliveries").unwrap();
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut r = DeliveryRecord {
            delivery_id: "alert/technical_outage.whatsapp.all.2026-06-17T09/chat".into(),
            item: "alert".into(),
            alert_id: Some("technical_outage.whatsapp.all.2026-06-17T09".into()),
            alert_kind: Some("technical_outage".into()),
            unit: None,
            period: None,
            recipient: "chat".into(),
            medium: "webhook".into(),
            status: DeliveryStatus::Failed.code().into(),
            attempts: 1,
            first_attempt_at: t0,
            last_attempt_at: t0,
            sent_at: None,
            last_error: Some("HTTP 500".into()),
            run_id: None,
        };
        write(&lake, &r).await.unwrap();
        r.status = DeliveryStatus::Sent.code().into();
        r.attempts = 2;
        r.sent_at = Some(t0);
        write(&lake, &r).await.unwrap();
        assert_eq!(read_all(&lake).await.unwrap(), vec![r.clone()]);

        let ctx = SessionContext::new();
        crate::lake::tables::register_store(&ctx, &lake);
        register(&ctx, &lake).await.unwrap();
        let b = ctx
            .sql("select status, attempts from deliveries")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert_eq!(b.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    }
}
