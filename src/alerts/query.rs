//! Runs the views of `queries/alerts/` and turns their rows into what [`super::judge`]
//! needs. Only aggregated hours, day counts, failed items and open escalations leave
//! DataFusion; theme matching of the candidate texts happens here (as in the plans' cause
//! analysis), and no text is kept.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type, TimeUnit};
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use super::detect::{Counts, Slot};
use crate::score::ScoreError;

/// A shopper evaluation with failed critical items.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalFailure {
    pub evaluation_id: String,
    pub evaluated_at: DateTime<Utc>,
    pub unit: String,
    pub channel: String,
    pub items: Vec<String>,
}

/// An escalation without an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenEscalation {
    pub interaction_id: String,
    pub unit: String,
    pub channel: String,
    pub escalated_to: Option<String>,
    pub escalated_at: DateTime<Utc>,
    pub due_date: NaiveDate,
}

/// Everything the alerts judge, aggregated.
#[derive(Debug, Clone, Default)]
pub struct AlertData {
    /// (channel, unit) → local (date, hour) → counts.
    pub hours: BTreeMap<(String, String), BTreeMap<Slot, Counts>>,
    /// unit → (date, 0) → dissatisfied signals.
    pub signals: BTreeMap<String, BTreeMap<Slot, Counts>>,
    /// (unit, date, channel) → signals (the channel of a reputational alert).
    pub signal_channels: BTreeMap<(String, NaiveDate, String), u64>,
    pub critical: Vec<CriticalFailure>,
    pub escalations: Vec<OpenEscalation>,
    /// The last `received_at` in the lake: hours after it are not judged.
    pub data_end: Option<DateTime<Utc>>,
    /// Per channel, how far its data is loaded: the latest end of any ingested batch that
    /// carries the channel. A WhatsApp export loaded through yesterday leaves today
    /// unjudged for WhatsApp even when the phone export runs to tonight, while a
    /// multi-channel export that runs to tonight with no WhatsApp rows since 09:00 is
    /// silence worth an alert.
    pub channel_end: BTreeMap<String, DateTime<Utc>>,
    /// The first local date of any interaction or signal.
    pub first_date: Option<NaiveDate>,
}

fn run_err(table: &str) -> impl Fn(DataFusionError) -> ScoreError + '_ {
    move |source| ScoreError::Run {
        table: table.to_string(),
        source,
    }
}

/// Runs `sql` over `table` and checks that its result has every column the alerts read,
/// of a type they can read: the views live in `queries/` and an analyst may edit them, so
/// a missing or retyped column is an error that names the view, not a crash.
async fn collect(
    ctx: &SessionContext,
    sql: &str,
    table: &str,
    needs: &[(&str, DataType)],
) -> Result<Vec<RecordBatch>, ScoreError> {
    let run = async { ctx.sql(sql).await?.collect().await };
    let batches = run.await.map_err(run_err(table))?;
    for b in batches.iter().take(1) {
        for (name, wanted) in needs {
            let found = b
                .schema()
                .column_with_name(name)
                .map(|(_, f)| f.data_type().clone());
            if !found
                .as_ref()
                .is_some_and(|t| datafusion::arrow::compute::can_cast_types(t, wanted))
            {
                let found = found.map_or("no such column".to_string(), |t| t.to_string());
                return Err(run_err(table)(DataFusionError::Plan(format!(
                    "the alerts read column `{name}` as {wanted}; the view gives: {found}"
                ))));
            }
        }
    }
    Ok(batches)
}

/// A column checked by [`collect`], cast to `t`.
fn column(b: &RecordBatch, name: &str, t: &DataType) -> ArrayRef {
    cast(b.column_by_name(name).expect("checked by collect"), t).expect("checked by collect")
}

const TEXT: DataType = DataType::Utf8;
const INT: DataType = DataType::Int64;
const DATE: DataType = DataType::Date32;
const BOOL: DataType = DataType::Boolean;

fn time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn texts(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let c = column(b, name, &TEXT);
    let c = c.as_string::<i32>();
    (0..c.len())
        .map(|i| (!c.is_null(i)).then(|| c.value(i).to_string()))
        .collect()
}

fn ints(b: &RecordBatch, name: &str) -> Vec<i64> {
    let c = column(b, name, &INT);
    let c = c.as_primitive::<Int64Type>();
    (0..c.len())
        .map(|i| if c.is_null(i) { 0 } else { c.value(i) })
        .collect()
}

fn dates(b: &RecordBatch, name: &str) -> Vec<Option<NaiveDate>> {
    let c = column(b, name, &DATE);
    let c = c.as_primitive::<Date32Type>();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    (0..c.len())
        .map(|i| (!c.is_null(i)).then(|| epoch + chrono::Duration::days(c.value(i) as i64)))
        .collect()
}

fn times(b: &RecordBatch, name: &str) -> Vec<Option<DateTime<Utc>>> {
    let c = column(b, name, &time_type());
    let c = c.as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
    (0..c.len())
        .map(|i| {
            (!c.is_null(i))
                .then(|| DateTime::from_timestamp_micros(c.value(i)))
                .flatten()
        })
        .collect()
}

fn bools(b: &RecordBatch, name: &str) -> Vec<bool> {
    let c = column(b, name, &BOOL);
    let c = c.as_boolean();
    (0..c.len()).map(|i| !c.is_null(i) && c.value(i)).collect()
}

/// Words of the negative themes, folded like the texts.
pub fn negative_words(catalog: &crate::catalog::Catalog) -> Vec<String> {
    catalog
        .alerts
        .negative_themes()
        .into_iter()
        .filter_map(|t| catalog.themes.get(t))
        .flatten()
        .map(|w| crate::vocabulary::fold_text(w))
        .collect()
}

/// Whether a candidate row is a dissatisfied signal.
pub fn is_dissatisfied(low_overall: bool, text: Option<&str>, words: &[String]) -> bool {
    low_overall
        || text.is_some_and(|t| {
            let f = crate::vocabulary::fold_text(t);
            words.iter().any(|w| crate::vocabulary::mentions(&f, w))
        })
}

/// Runs the alert views over the session's lake; `words` are the negative themes'
/// (see [`negative_words`]).
pub async fn gather_with(ctx: &SessionContext, words: &[String]) -> Result<AlertData, ScoreError> {
    let mut d = AlertData::default();
    for b in collect(
        ctx,
        "select max(received_at) as data_end, min(local_date) as first_date from interactions",
        "interactions",
        &[("data_end", time_type()), ("first_date", DATE)],
    )
    .await?
    {
        d.data_end = times(&b, "data_end").into_iter().flatten().next();
        d.first_date = dates(&b, "first_date").into_iter().flatten().next();
    }
    for b in collect(
        ctx,
        "select c.channel, max(b.batch_end) as data_end \
         from (select distinct batch_id, channel from interactions) c \
         join (select batch_id, max(received_at) as batch_end from interactions group by batch_id) b \
           on c.batch_id = b.batch_id \
         group by c.channel",
        "interactions",
        &[("channel", TEXT), ("data_end", time_type())],
    )
    .await?
    {
        let (c, e) = (texts(&b, "channel"), times(&b, "data_end"));
        for (c, e) in c.into_iter().zip(e) {
            if let (Some(c), Some(e)) = (c, e) {
                d.channel_end.insert(c, e);
            }
        }
    }
    let needs = [
        ("channel", TEXT),
        ("unit", TEXT),
        ("local_date", DATE),
        ("local_hour", INT),
        ("n_inbound", INT),
        ("n_calls_judged", INT),
        ("n_abandoned", INT),
    ];
    for b in collect(ctx, "select * from alert_hours", "alert_hours", &needs).await? {
        let (c, u, dt, h) = (
            texts(&b, "channel"),
            texts(&b, "unit"),
            dates(&b, "local_date"),
            ints(&b, "local_hour"),
        );
        let (n, j, a) = (
            ints(&b, "n_inbound"),
            ints(&b, "n_calls_judged"),
            ints(&b, "n_abandoned"),
        );
        for i in 0..b.num_rows() {
            let (Some(c), Some(u), Some(dt)) = (c[i].clone(), u[i].clone(), dt[i]) else {
                continue;
            };
            let e = d
                .hours
                .entry((c, u))
                .or_default()
                .entry((dt, h[i] as u32))
                .or_default();
            e.n += n[i] as u64;
            e.judged += j[i] as u64;
            e.abandoned += a[i] as u64;
        }
    }
    let needs = [
        ("unit", TEXT),
        ("channel", TEXT),
        ("local_date", DATE),
        ("is_low_overall", BOOL),
        ("text", TEXT),
    ];
    let table = "dissatisfaction_candidates";
    for b in collect(
        ctx,
        "select * from dissatisfaction_candidates",
        table,
        &needs,
    )
    .await?
    {
        let (u, c, dt, low, t) = (
            texts(&b, "unit"),
            texts(&b, "channel"),
            dates(&b, "local_date"),
            bools(&b, "is_low_overall"),
            texts(&b, "text"),
        );
        for i in 0..b.num_rows() {
            let (Some(u), Some(dt)) = (u[i].clone(), dt[i]) else {
                continue;
            };
            if !is_dissatisfied(low[i], t[i].as_deref(), words) {
                continue;
            }
            d.signals
                .entry(u.clone())
                .or_default()
                .entry((dt, 0))
                .or_default()
                .n += 1;
            if let Some(c) = c[i].clone() {
                *d.signal_channels.entry((u, dt, c)).or_default() += 1;
            }
            d.first_date = Some(d.first_date.map_or(dt, |f| f.min(dt)));
        }
    }
    let mut crit: BTreeMap<String, CriticalFailure> = BTreeMap::new();
    let needs = [
        ("evaluation_id", TEXT),
        ("evaluated_at", time_type()),
        ("unit", TEXT),
        ("channel", TEXT),
        ("item", TEXT),
    ];
    for b in collect(
        ctx,
        "select * from critical_failures",
        "critical_failures",
        &needs,
    )
    .await?
    {
        let (id, at, u, c, item) = (
            texts(&b, "evaluation_id"),
            times(&b, "evaluated_at"),
            texts(&b, "unit"),
            texts(&b, "channel"),
            texts(&b, "item"),
        );
        for i in 0..b.num_rows() {
            let (Some(id), Some(at), Some(u), Some(c), Some(item)) = (
                id[i].clone(),
                at[i],
                u[i].clone(),
                c[i].clone(),
                item[i].clone(),
            ) else {
                continue;
            };
            let e = crit.entry(id.clone()).or_insert_with(|| CriticalFailure {
                evaluation_id: id,
                evaluated_at: at,
                unit: u,
                channel: c,
                items: Vec::new(),
            });
            if !e.items.contains(&item) {
                e.items.push(item);
                e.items.sort();
            }
        }
    }
    d.critical = crit.into_values().collect();
    for b in collect(
        ctx,
        "select * from open_escalations order by interaction_id",
        "open_escalations",
        &[
            ("interaction_id", TEXT),
            ("unit", TEXT),
            ("channel", TEXT),
            ("escalated_to", TEXT),
            ("escalated_at", time_type()),
            ("escalation_due_date", DATE),
        ],
    )
    .await?
    {
        let (id, u, c, to, at, due) = (
            texts(&b, "interaction_id"),
            texts(&b, "unit"),
            texts(&b, "channel"),
            texts(&b, "escalated_to"),
            times(&b, "escalated_at"),
            dates(&b, "escalation_due_date"),
        );
        for i in 0..b.num_rows() {
            let (Some(id), Some(u), Some(c), Some(at), Some(due)) =
                (id[i].clone(), u[i].clone(), c[i].clone(), at[i], due[i])
            else {
                continue;
            };
            d.escalations.push(OpenEscalation {
                interaction_id: id,
                unit: u,
                channel: c,
                escalated_to: to[i].clone(),
                escalated_at: at,
                due_date: due,
            });
        }
    }
    Ok(d)
}
