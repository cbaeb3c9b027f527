//! The lake's `plans` table: one Parquet file under `plans/`, replaced whole by each refresh
//! through a manifest (the old file is in its `removes`), so readers see the old or the new
//! table, never a mix. Plans are few (one per flagged service and episode).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, Float64Type, Int64Type, Schema, SchemaRef, TimeUnit,
};
use datafusion::prelude::SessionContext;

use super::{Plan, PlanStatus};
use crate::lake::manifest::Manifest;
use crate::lake::whole_table::WholeTable;
use crate::lake::{Lake, LakeError};

/// Manifest table and lake folder of the plans.
pub const TABLE: &str = "plans";
pub const DIR: &str = "plans/";
const STORE: WholeTable = WholeTable {
    name: TABLE,
    dir: DIR,
    schema: plans_schema,
};

/// The columns of `plans` (documented in `sql::docs`).
pub fn plans_schema() -> SchemaRef {
    let t = |n: &str| Field::new(n, DataType::Utf8, false);
    let tn = |n: &str| Field::new(n, DataType::Utf8, true);
    let f = |n: &str| Field::new(n, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        t("plan_id"),
        t("unit"),
        t("channel"),
        t("attribute"),
        t("opened_period"),
        Field::new("opened_date", DataType::Date32, false),
        Field::new("commitment_date", DataType::Date32, false),
        t("responsible"),
        t("status"),
        f("score_at_open"),
        f("lower_at_open"),
        f("upper_at_open"),
        Field::new("target", DataType::Float64, false),
        Field::new("n_at_open", DataType::Int64, false),
        t("causes"),
        t("actions"),
        tn("evidence_note"),
        tn("last_period"),
        f("last_score"),
        f("last_lower"),
        Field::new("n_periods_met", DataType::Int64, false),
        Field::new(
            "updated_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]))
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn from_days(n: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(n as i64)
}

/// Plans as one record batch.
pub fn to_batch(plans: &[Plan], updated_at: DateTime<Utc>) -> RecordBatch {
    let s = |f: &dyn Fn(&Plan) -> String| -> ArrayRef {
        Arc::new(StringArray::from(plans.iter().map(f).collect::<Vec<_>>()))
    };
    let so = |f: &dyn Fn(&Plan) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(plans.iter().map(f).collect::<Vec<_>>()))
    };
    let fl = |f: &dyn Fn(&Plan) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(plans.iter().map(f).collect::<Vec<_>>()))
    };
    let columns: Vec<ArrayRef> = vec![
        s(&|p| p.plan_id.clone()),
        s(&|p| p.unit.clone()),
        s(&|p| p.channel.clone()),
        s(&|p| p.attribute.clone()),
        s(&|p| p.opened_period.clone()),
        Arc::new(Date32Array::from(
            plans
                .iter()
                .map(|p| days(p.opened_date))
                .collect::<Vec<_>>(),
        )),
        Arc::new(Date32Array::from(
            plans
                .iter()
                .map(|p| days(p.commitment_date))
                .collect::<Vec<_>>(),
        )),
        s(&|p| p.responsible.clone()),
        s(&|p| p.status.code().to_string()),
        fl(&|p| p.score_at_open),
        fl(&|p| p.lower_at_open),
        fl(&|p| p.upper_at_open),
        Arc::new(Float64Array::from(
            plans.iter().map(|p| p.target).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            plans.iter().map(|p| p.n_at_open).collect::<Vec<_>>(),
        )),
        s(&|p| p.causes.join("\n")),
        s(&|p| p.actions.join("\n")),
        so(&|p| p.evidence_note.clone()),
        so(&|p| p.last_period.clone()),
        fl(&|p| p.last_score),
        fl(&|p| p.last_lower),
        Arc::new(Int64Array::from(
            plans.iter().map(|p| p.n_periods_met).collect::<Vec<_>>(),
        )),
        Arc::new(
            TimestampMicrosecondArray::from(vec![updated_at.timestamp_micros(); plans.len()])
                .with_timezone("UTC"),
        ),
    ];
    RecordBatch::try_new(plans_schema(), columns).expect("columns follow the schema")
}

/// Plans from record batches of the `plans` schema.
pub fn from_batches(batches: &[RecordBatch]) -> Result<Vec<Plan>, String> {
    let mut out = Vec::new();
    for b in batches {
        let col = |n: &str, t: &DataType| -> Result<ArrayRef, String> {
            let c = b
                .column_by_name(n)
                .ok_or_else(|| format!("plans: no column {n}"))?;
            cast(c, t).map_err(|e| e.to_string())
        };
        let text = |n: &str| col(n, &DataType::Utf8);
        let (id, unit, channel, attr, op, resp, status, causes, actions, note, lastp) = (
            text("plan_id")?,
            text("unit")?,
            text("channel")?,
            text("attribute")?,
            text("opened_period")?,
            text("responsible")?,
            text("status")?,
            text("causes")?,
            text("actions")?,
            text("evidence_note")?,
            text("last_period")?,
        );
        let fl = |n: &str| col(n, &DataType::Float64);
        let (s0, l0, u0, tg, ls, ll) = (
            fl("score_at_open")?,
            fl("lower_at_open")?,
            fl("upper_at_open")?,
            fl("target")?,
            fl("last_score")?,
            fl("last_lower")?,
        );
        let (od, cd) = (
            col("opened_date", &DataType::Date32)?,
            col("commitment_date", &DataType::Date32)?,
        );
        let (n0, met) = (
            col("n_at_open", &DataType::Int64)?,
            col("n_periods_met", &DataType::Int64)?,
        );
        let st = |a: &ArrayRef, i: usize| a.as_string::<i32>().value(i).to_string();
        let sto = |a: &ArrayRef, i: usize| {
            let a = a.as_string::<i32>();
            (!a.is_null(i)).then(|| a.value(i).to_string())
        };
        let f = |a: &ArrayRef, i: usize| {
            let a = a.as_primitive::<Float64Type>();
            (!a.is_null(i)).then(|| a.value(i))
        };
        let d = |a: &ArrayRef, i: usize| from_days(a.as_primitive::<Date32Type>().value(i));
        let n = |a: &ArrayRef, i: usize| a.as_primitive::<Int64Type>().value(i);
        for i in 0..b.num_rows() {
            let lines = |s: String| -> Vec<String> {
                s.lines()
                    .map(str::to_string)
                    .filter(|l| !l.is_empty())
                    .collect()
            };
            out.push(Plan {
                plan_id: st(&id, i),
                unit: st(&unit, i),
                channel: st(&channel, i),
                attribute: st(&attr, i),
                opened_period: st(&op, i),
                opened_date: d(&od, i),
                commitment_date: d(&cd, i),
                responsible: st(&resp, i),
                status: PlanStatus::parse(&st(&status, i)).unwrap_or(PlanStatus::Open),
                score_at_open: f(&s0, i),
                lower_at_open: f(&l0, i),
                upper_at_open: f(&u0, i),
                target: f(&tg, i).unwrap_or(f64::NAN),
                n_at_open: n(&n0, i),
                causes: lines(st(&causes, i)),
                actions: lines(st(&actions, i)),
                evidence_note: sto(&note, i),
                last_period: sto(&lastp, i),
                last_score: f(&ls, i),
                last_lower: f(&ll, i),
                n_periods_met: n(&met, i),
            });
        }
    }
    Ok(out)
}

/// The live plans of the lake (none before the first refresh).
pub async fn read(lake: &Lake) -> Result<Vec<Plan>, LakeError> {
    from_batches(&STORE.read(lake).await?).map_err(LakeError::Parquet)
}

/// Replaces the table with `plans`. Call under the lake lock.
pub async fn write(lake: &Lake, plans: &[Plan], now: DateTime<Utc>) -> Result<String, LakeError> {
    let batch = to_batch(plans, now);
    STORE
        .replace(lake, std::slice::from_ref(&batch), now, "momentos plans")
        .await
}

/// Registers `plans` in a session (an empty table before the first refresh).
pub fn register(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
) -> Result<(), datafusion::error::DataFusionError> {
    STORE.register(ctx, lake, manifests)
}
