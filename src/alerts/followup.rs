//! Follow-up lists (DESIGN §6.7, PR-ME-002 activities 5–6): the `interaction_id`s the
//! contact center calls back or sends the post-crisis survey — only contacts who gave the
//! habeas-data authorisation, never a raw identifier (the source system maps the ids
//! back). Each list produced is one row of the lake's `followups` table (who, what, when,
//! counts; never the ids).

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{
    ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::prelude::SessionContext;
use rust_xlsxwriter::{Format, Workbook};

use super::{Alert, AlertKind};
use crate::catalog::Catalog;
use crate::lake::manifest::Manifest;
use crate::lake::whole_table::WholeTable;
use crate::lake::{Lake, LakeError};
use crate::score::calendar::BusinessCalendar;
use crate::score::ScoreError;
use crate::vocabulary::Channel;

/// Manifest table and folder of the record of lists.
pub const TABLE: &str = "followups";
pub const DIR: &str = "followups/";
const STORE: WholeTable = WholeTable {
    name: TABLE,
    dir: DIR,
    schema,
};

/// Business days the contact center has for a post-crisis call or survey.
pub const SURVEY_BUSINESS_DAYS: u32 = 3;

/// What a list is for.
#[derive(Debug, Clone, PartialEq)]
pub enum ListFor {
    Alert(String),
    Escalations,
}

/// One line of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub interaction_id: String,
    pub channel: String,
    pub unit: String,
    pub reason: String,
    pub due_date: NaiveDate,
}

/// A list and what it left out.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowupList {
    pub lines: Vec<Line>,
    /// Contacts touched but without the authorisation: counted, never listed.
    pub unauthorised: u64,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ts_literal(t: DateTime<Utc>) -> String {
    format!(
        "arrow_cast({}, 'Timestamp(Microsecond, Some(\"UTC\"))')",
        quote(&t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
    )
}

async fn rows(
    ctx: &SessionContext,
    sql: &str,
) -> Result<Vec<(String, String, String, bool)>, ScoreError> {
    let wrap = |source| ScoreError::Run {
        table: "followups".into(),
        source,
    };
    let batches = ctx
        .sql(sql)
        .await
        .map_err(wrap)?
        .collect()
        .await
        .map_err(wrap)?;
    let mut out = Vec::new();
    for b in &batches {
        let col = |n: &str| text_column(b, n, "followups");
        let (id, ch, un, hd) = (
            col("interaction_id")?,
            col("channel")?,
            col("unit")?,
            col("is_habeas_data")?,
        );
        for i in 0..b.num_rows() {
            use datafusion::arrow::array::Array;
            out.push((
                id.value(i).to_string(),
                ch.value(i).to_string(),
                un.value(i).to_string(),
                !hd.is_null(i) && hd.value(i) == "true",
            ));
        }
    }
    Ok(out)
}

/// The contacts an alert touched, for the post-crisis survey or a call back; an alert
/// still going on counts up to `now` (the run's as-of, not the clock).
pub async fn for_alert(
    ctx: &SessionContext,
    catalog: &Catalog,
    alert: &Alert,
    now: DateTime<Utc>,
) -> Result<FollowupList, ScoreError> {
    let today = now.with_timezone(&catalog.time_zone).date_naive();
    let calendar = BusinessCalendar::new(
        crate::score::calendar::WeeklyHours::default_contact_center(),
        catalog.closures.iter().copied(),
    );
    let due = calendar.nth_business_day_after(today, SURVEY_BUSINESS_DAYS);
    let end = alert.ended_at.unwrap_or(now);
    let mut filters = vec![];
    if let Some(u) = &alert.unit {
        filters.push(format!("unit = {}", quote(u)));
    }
    if let Some(c) = &alert.channel {
        filters.push(format!("channel = {}", quote(c)));
    }
    let (from, to, extra, reason) = match alert.kind {
        // Who wrote during the outage or in the day after it (the backlog).
        AlertKind::TechnicalOutage => (
            alert.started_at,
            end + chrono::Duration::hours(24),
            String::new(),
            "Encuesta post-crisis: atendido durante o después de una caída del canal",
        ),
        AlertKind::AbandonmentSpike => (
            alert.started_at,
            end,
            "and outcome = 'abandoned' and first_response_at is null".to_string(),
            "Devolver la llamada abandonada durante un pico de abandono",
        ),
        AlertKind::ReputationalSpike => (
            alert.started_at,
            end,
            String::new(),
            "Encuesta post-crisis: contacto de la unidad durante una situación reputacional",
        ),
        AlertKind::EscalationOverdue => {
            let id = alert.alert_id.trim_start_matches("escalation_overdue.");
            filters = vec![format!("interaction_id = {}", quote(id))];
            (
                DateTime::<Utc>::MIN_UTC,
                DateTime::<Utc>::MAX_UTC,
                String::new(),
                "Escalamiento sin respuesta: informar al usuario y hacer seguimiento",
            )
        }
        // A mystery shopper is not a customer: nobody to call.
        AlertKind::CriticalItemFailed => {
            return Ok(FollowupList {
                lines: Vec::new(),
                unauthorised: 0,
            })
        }
    };
    if alert.kind != AlertKind::EscalationOverdue {
        filters.push(format!("received_at >= {}", ts_literal(from)));
        filters.push(format!("received_at < {}", ts_literal(to)));
        filters.push("direction = 'inbound'".into());
    }
    let sql = format!(
        "select interaction_id, channel, unit, is_habeas_data from stg_interactions where {} {extra} order by received_at, interaction_id",
        filters.join(" and ")
    );
    let due_date = alert
        .due_date
        .filter(|_| alert.kind == AlertKind::EscalationOverdue)
        .unwrap_or(due);
    Ok(split(rows(ctx, &sql).await?, reason, |_| due_date))
}

/// Escalations unanswered and past due or due within one business day.
pub async fn for_escalations(
    ctx: &SessionContext,
    catalog: &Catalog,
    today: NaiveDate,
) -> Result<FollowupList, ScoreError> {
    let calendar = BusinessCalendar::new(
        crate::score::calendar::WeeklyHours::default_contact_center(),
        catalog.closures.iter().copied(),
    );
    let horizon = calendar.nth_business_day_after(today, 1);
    let sql = format!(
        "select interaction_id, channel, unit, is_habeas_data, cast(escalation_due_date as varchar) as due \
         from open_escalations where escalation_due_date <= cast({} as date) order by escalation_due_date, interaction_id",
        quote(&horizon.to_string())
    );
    let batches = crate::score::collect_sql(ctx, &sql, "open_escalations").await?;
    let mut dues = std::collections::HashMap::new();
    for b in &batches {
        let id = text_column(b, "interaction_id", "open_escalations")?;
        let due = text_column(b, "due", "open_escalations")?;
        for i in 0..b.num_rows() {
            if let Ok(d) = NaiveDate::parse_from_str(due.value(i), "%Y-%m-%d") {
                dues.insert(id.value(i).to_string(), d);
            }
        }
    }
    let found = rows(ctx, &sql).await?;
    Ok(split(
        found,
        "Escalamiento vencido o por vencer: hacer seguimiento con la unidad y responder al usuario",
        |id| dues.get(id).copied().unwrap_or(today),
    ))
}

fn split(
    found: Vec<(String, String, String, bool)>,
    reason: &str,
    due: impl Fn(&str) -> NaiveDate,
) -> FollowupList {
    let mut lines = Vec::new();
    let mut unauthorised = 0;
    for (id, channel, unit, authorised) in found {
        if !authorised {
            unauthorised += 1;
            continue;
        }
        lines.push(Line {
            due_date: due(&id),
            interaction_id: id,
            channel,
            unit,
            reason: reason.to_string(),
        });
    }
    FollowupList {
        lines,
        unauthorised,
    }
}

/// Spanish headers of the list.
pub const HEADERS: &[&str] = &[
    "interaction_id",
    "Canal",
    "Unidad",
    "Motivo",
    "Fecha límite",
];

fn cells(catalog: &Catalog, l: &Line) -> Vec<String> {
    vec![
        l.interaction_id.clone(),
        Channel::parse(&l.channel).map_or(l.channel.clone(), |c| c.label().to_string()),
        catalog
            .unit(&l.unit)
            .map_or(l.unit.clone(), |u| u.name.clone()),
        l.reason.clone(),
        l.due_date.format("%d/%m/%Y").to_string(),
    ]
}

/// Writes the list as CSV (UTF-8 with BOM for Excel) or XLSX (text cells, never formulas),
/// by the file's extension.
pub fn write(catalog: &Catalog, list: &FollowupList, path: &Path) -> Result<(), String> {
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let err = |e: String| format!("writing {}: {e}", path.display());
    if is_xlsx {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .set_name("Seguimiento")
            .map_err(|e| err(e.to_string()))?;
        let bold = Format::new().set_bold();
        for (c, h) in HEADERS.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *h, &bold)
                .map_err(|e| err(e.to_string()))?;
        }
        for (r, l) in list.lines.iter().enumerate() {
            for (c, v) in cells(catalog, l).iter().enumerate() {
                sheet
                    .write_string(r as u32 + 1, c as u16, v)
                    .map_err(|e| err(e.to_string()))?;
            }
        }
        sheet
            .set_column_width(3, 70.0)
            .map_err(|e| err(e.to_string()))?;
        book.save(path).map_err(|e| err(e.to_string()))
    } else {
        let mut out = Vec::from("\u{feff}".as_bytes());
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(HEADERS).map_err(|e| err(e.to_string()))?;
            for l in &list.lines {
                let row: Vec<String> = cells(catalog, l)
                    .into_iter()
                    .map(|c| crate::sql::output::neutralise_formula(&c).into_owned())
                    .collect();
                w.write_record(&row).map_err(|e| err(e.to_string()))?;
            }
            w.flush().map_err(|e| err(e.to_string()))?;
        }
        std::fs::write(path, out).map_err(|e| err(e.to_string()))
    }
}

/// One list produced, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRecord {
    pub list_id: String,
    pub list_for: String,
    pub alert_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub n_listed: i64,
    pub n_unauthorised: i64,
    pub file_name: String,
}

pub fn schema() -> SchemaRef {
    let t = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        t("list_id"),
        t("list_for"),
        Field::new("alert_id", DataType::Utf8, true),
        Field::new(
            "created_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        t("created_by"),
        Field::new("n_listed", DataType::Int64, false),
        Field::new("n_unauthorised", DataType::Int64, false),
        t("file_name"),
    ]))
}

fn to_batch(records: &[ListRecord]) -> RecordBatch {
    let s = |f: &dyn Fn(&ListRecord) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(records.iter().map(f).collect::<Vec<_>>()))
    };
    let columns: Vec<ArrayRef> = vec![
        s(&|r| Some(r.list_id.clone())),
        s(&|r| Some(r.list_for.clone())),
        s(&|r| r.alert_id.clone()),
        Arc::new(
            TimestampMicrosecondArray::from(
                records
                    .iter()
                    .map(|r| r.created_at.timestamp_micros())
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
        s(&|r| Some(r.created_by.clone())),
        Arc::new(Int64Array::from(
            records.iter().map(|r| r.n_listed).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            records.iter().map(|r| r.n_unauthorised).collect::<Vec<_>>(),
        )),
        s(&|r| Some(r.file_name.clone())),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns follow the schema")
}

/// A column of a query's result as text. The views are editable (`queries/`): a column
/// that cannot be read as text is an error naming the view, not a crash.
fn text_column(
    b: &RecordBatch,
    name: &str,
    table: &str,
) -> Result<datafusion::arrow::array::StringArray, ScoreError> {
    let fail = |detail: String| ScoreError::Run {
        table: table.into(),
        source: datafusion::error::DataFusionError::Plan(detail),
    };
    let column = b
        .column_by_name(name)
        .ok_or_else(|| fail(format!("no column `{name}`")))?;
    let text = datafusion::arrow::compute::cast(column, &DataType::Utf8)
        .map_err(|e| fail(format!("column `{name}` is not text: {e}")))?;
    Ok(datafusion::arrow::array::AsArray::as_string::<i32>(&text).clone())
}

/// Adds a record to `followups` (the table is small: it is rewritten whole, old rows
/// first). Call under the lake lock.
pub async fn record(lake: &Lake, rec: ListRecord) -> Result<(), LakeError> {
    let mut batches = STORE.read(lake).await?;
    batches.push(to_batch(std::slice::from_ref(&rec)));
    STORE
        .replace(lake, &batches, rec.created_at, "momentos followup")
        .await?;
    Ok(())
}

/// Registers `followups` in a session.
pub fn register(
    ctx: &SessionContext,
    lake: &Lake,
    manifests: &[Manifest],
) -> Result<(), datafusion::error::DataFusionError> {
    STORE.register(ctx, lake, manifests)
}
