//! Delivery (DESIGN §9): people do not open folders. [`deliver`] sends the alerts raised
//! recently and the monthly report to the recipients the catalog's `[delivery]` names, by
//! e-mail ([`email`]) and webhook ([`webhook`]), and records every message in the lake's
//! `deliveries` table ([`table`]).
//!
//! A delivery is one item (an alert, or the report of a period) to one recipient. One that
//! succeeded is never sent again; one that fails is tried again with a doubling wait within
//! the run (bounded by `[delivery] attempts`), and again by every later run while the item
//! is still due (alerts younger than `alert_max_age_days`, the report folder's period).
//! A recipient whose server stayed unreachable through every attempt (a transient failure:
//! connection, timeout, 4xx of SMTP, 5xx of HTTP) is not tried again in the same run, so
//! one dead server costs one backoff sequence, not one per message. A refusal of one
//! message (SMTP 5xx, HTTP 4xx) is not retried in the run and does not hold back the
//! recipient's other messages.
//!
//! Sending is at least once: a process killed between the server's acceptance and the
//! record can send that one message again on the next run.

pub mod email;
pub mod message;
pub mod report_files;
pub mod table;
pub mod webhook;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::alerts::Alert;
use crate::catalog::delivery::{Address, Recipient};
use crate::catalog::Catalog;
use crate::lake::lock::{LockSpec, NamedLock};
use crate::lake::{Lake, LakeError};
use message::Message;
use report_files::{ReportFiles, ReportFilesError};
use table::{DeliveryRecord, DeliveryStatus};

/// How long one webhook POST may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `deliver` waits for another delivery in progress on the same lake.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// What to deliver.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    /// Folder holding the monthly report (`index.html`); `None`: no report.
    pub report_dir: Option<PathBuf>,
    pub now: DateTime<Utc>,
    /// The pipeline run delivering, recorded with each attempt.
    pub run_id: Option<String>,
    /// Only list what would be sent.
    pub dry_run: bool,
}

/// One delivery this run sent, failed or would send.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivery_id: String,
    pub recipient: String,
    pub medium: &'static str,
    /// Attempts over every run.
    pub attempts: u32,
    /// Redacted error of the last attempt, for failures.
    pub error: Option<String>,
}

/// What a delivery run did.
#[derive(Debug, Clone, Default)]
pub struct DeliverSummary {
    pub sent: Vec<Outcome>,
    pub failed: Vec<Outcome>,
    /// Dry run: what would be sent.
    pub would_send: Vec<Outcome>,
    /// Deliveries left for the next run because their recipient failed earlier in this run.
    pub postponed: Vec<Outcome>,
    /// Deliveries due now that an earlier run already made.
    pub already_sent: usize,
    /// Things worth saying that are not failures ("no report in …").
    pub notes: Vec<String>,
}

impl DeliverSummary {
    /// One line for the run record and the terminal, in the process's language.
    pub fn detail(&self) -> String {
        let mut parts = vec![crate::t!(
            "deliver-detail",
            sent = self.sent.len(),
            failed = self.failed.len(),
            already = self.already_sent,
        )];
        if !self.postponed.is_empty() {
            parts.push(crate::t!(
                "deliver-postponed-count",
                postponed = self.postponed.len()
            ));
        }
        let mut s = parts.join(", ");
        for n in &self.notes {
            s.push_str("; ");
            s.push_str(n);
        }
        s
    }

    /// The failures, one line each, for the run record.
    pub fn errors(&self) -> Vec<String> {
        self.failed
            .iter()
            .map(|o| {
                format!(
                    "{} → {} ({}, {} intento(s)): {}",
                    o.delivery_id,
                    o.recipient,
                    o.medium,
                    o.attempts,
                    o.error.as_deref().unwrap_or("")
                )
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    Report(ReportFilesError),
    #[error("no se puede leer el informe: {0}")]
    ReportRead(std::io::Error),
}

/// One item due for one recipient.
struct Due<'a> {
    delivery_id: String,
    item: Item<'a>,
    recipient: &'a Recipient,
    previous: Option<DeliveryRecord>,
}

#[derive(Clone, Copy)]
enum Item<'a> {
    Alert(&'a Alert, usize),
    Report(&'a ReportFiles),
}

/// A failed attempt: what to record, and whether trying again in this run can help.
#[derive(Debug)]
pub struct SendError {
    pub text: String,
    pub retry: bool,
}

/// Sends what is due (see the module docs). Takes the lake's `deliver` lock so two
/// processes never send the same message.
pub async fn deliver(
    lake: &Lake,
    catalog: &Catalog,
    opts: &DeliverOptions,
) -> Result<DeliverSummary, DeliverError> {
    let settings = &catalog.delivery;
    let mut summary = DeliverSummary::default();
    if settings.recipients.is_empty() {
        summary
            .notes
            .push("no hay destinatarios en [delivery] del catálogo".into());
        return Ok(summary);
    }
    let lock = if opts.dry_run {
        None
    } else {
        let spec = LockSpec {
            wait: LOCK_WAIT,
            ..LockSpec::named(
                "deliver",
                "momentos deliver",
                "otra entrega (momentos deliver) está en curso en este lago",
            )
        };
        match NamedLock::acquire(lake, &spec).await {
            Ok(l) => Some(l),
            Err(LakeError::Locked(m)) => return Err(DeliverError::Busy(m)),
            Err(e) => return Err(e.into()),
        }
    };
    let result = deliver_locked(lake, catalog, opts, &mut summary).await;
    if let Some(lock) = lock {
        lock.release().await?;
    }
    result.map(|()| summary)
}

async fn deliver_locked(
    lake: &Lake,
    catalog: &Catalog,
    opts: &DeliverOptions,
    summary: &mut DeliverSummary,
) -> Result<(), DeliverError> {
    let settings = &catalog.delivery;
    let oldest = opts.now - chrono::Duration::days(i64::from(settings.alert_max_age_days));
    let mut alerts: Vec<Alert> = crate::alerts::store::read(lake)
        .await?
        .into_iter()
        .filter(|a| a.detected_at >= oldest)
        .collect();
    alerts.sort_by(|a, b| (a.detected_at, &a.alert_id).cmp(&(b.detected_at, &b.alert_id)));
    let report = match &opts.report_dir {
        Some(dir) if settings.recipients.iter().any(|r| r.kinds.report) => {
            match ReportFiles::find(dir) {
                Ok(f) => Some(f),
                Err(e @ (ReportFilesError::Missing(_) | ReportFilesError::NoPeriod { .. })) => {
                    summary.notes.push(e.to_string());
                    None
                }
                Err(e) => return Err(DeliverError::Report(e)),
            }
        }
        _ => None,
    };

    let records: HashMap<String, DeliveryRecord> = table::read_all(lake)
        .await?
        .into_iter()
        .map(|d| (d.delivery_id.clone(), d))
        .collect();
    let mut due: Vec<Due> = Vec::new();
    for (i, a) in alerts.iter().enumerate() {
        for r in &settings.recipients {
            if r.wants(a.kind.code(), a.unit.as_deref()) {
                let id = format!("alert/{}/{}", a.alert_id, r.name);
                consider(&mut due, summary, &records, id, Item::Alert(a, i), r);
            }
        }
    }
    if let Some(f) = &report {
        for r in settings.recipients.iter().filter(|r| r.kinds.report) {
            let id = format!("report/{}/{}", f.period, r.name);
            consider(&mut due, summary, &records, id, Item::Report(f), r);
        }
    }

    let mut messages: Vec<Option<Message>> = vec![None; alerts.len()];
    let mut report_message: Option<Message> = None;
    let mut mailer: Option<Result<email::Mailer, String>> = None;
    let mut dead: HashSet<String> = HashSet::new();
    for d in due {
        let outcome = |attempts: u32, error: Option<String>| Outcome {
            delivery_id: d.delivery_id.clone(),
            recipient: d.recipient.name.clone(),
            medium: d.recipient.address.medium(),
            attempts,
            error,
        };
        let before = d.previous.as_ref().map_or(0, |p| p.attempts);
        if opts.dry_run {
            summary.would_send.push(outcome(before, None));
            continue;
        }
        if dead.contains(&d.recipient.name) {
            summary.postponed.push(outcome(before, None));
            continue;
        }
        let message = match d.item {
            Item::Alert(a, i) => messages[i].get_or_insert_with(|| message::alert(catalog, a)),
            Item::Report(f) => match &mut report_message {
                Some(m) => m,
                None => {
                    report_message.insert(message::report(f).map_err(DeliverError::ReportRead)?)
                }
            },
        };
        let (record, unreachable) = attempt(lake, catalog, opts, &d, message, &mut mailer).await?;
        if record.is_sent() {
            tracing::info!(delivery = %d.delivery_id, recipient = %d.recipient.name, medium = d.recipient.address.medium(), attempts = record.attempts, "Delivered.");
            summary.sent.push(outcome(record.attempts, None));
        } else {
            tracing::warn!(delivery = %d.delivery_id, recipient = %d.recipient.name, medium = d.recipient.address.medium(), attempts = record.attempts, error = record.last_error.as_deref().unwrap_or(""), "Delivery failed; the next run tries again.");
            // A server or network that is down fails the recipient's other messages too:
            // they wait for the next run. A refusal of this message alone does not.
            if unreachable {
                dead.insert(d.recipient.name.clone());
            }
            summary
                .failed
                .push(outcome(record.attempts, record.last_error.clone()));
        }
    }
    Ok(())
}

/// Tries one delivery up to `[delivery] attempts` times with a doubling wait, recording
/// every attempt before going on. Returns the record and whether the last failure was a
/// transient one (worth trying again later).
async fn attempt(
    lake: &Lake,
    catalog: &Catalog,
    opts: &DeliverOptions,
    d: &Due<'_>,
    message: &Message,
    mailer: &mut Option<Result<email::Mailer, String>>,
) -> Result<(DeliveryRecord, bool), LakeError> {
    let mut record = d
        .previous
        .clone()
        .unwrap_or_else(|| new_record(d, opts.now));
    let mut transient = false;
    for n in 1..=catalog.delivery.attempts {
        if n > 1 {
            tokio::time::sleep(backoff(catalog, n - 1)).await;
        }
        record.attempts += 1;
        record.last_attempt_at = Utc::now();
        record.run_id = opts.run_id.clone();
        match send(catalog, d.recipient, message, mailer).await {
            Ok(()) => {
                record.status = DeliveryStatus::Sent.code().into();
                record.sent_at = Some(record.last_attempt_at);
                record.last_error = None;
                transient = false;
            }
            Err(e) => {
                record.status = DeliveryStatus::Failed.code().into();
                record.last_error = Some(clean_error(&e.text, &d.recipient.address));
                transient = e.retry;
            }
        }
        // Recorded before anything else is sent: a success is never repeated.
        table::write(lake, &record).await?;
        if record.is_sent() || !transient {
            break;
        }
    }
    Ok((record, transient))
}

/// Queues a delivery unless an earlier run made it.
fn consider<'a>(
    due: &mut Vec<Due<'a>>,
    summary: &mut DeliverSummary,
    records: &HashMap<String, DeliveryRecord>,
    delivery_id: String,
    item: Item<'a>,
    recipient: &'a Recipient,
) {
    let previous = records.get(&delivery_id).cloned();
    if previous.as_ref().is_some_and(DeliveryRecord::is_sent) {
        summary.already_sent += 1;
        return;
    }
    due.push(Due {
        delivery_id,
        item,
        recipient,
        previous,
    });
}

fn new_record(d: &Due, now: DateTime<Utc>) -> DeliveryRecord {
    let (item, alert_id, alert_kind, unit, period) = match d.item {
        Item::Alert(a, _) => (
            "alert",
            Some(a.alert_id.clone()),
            Some(a.kind.code().to_string()),
            a.unit.clone(),
            None,
        ),
        Item::Report(f) => ("report", None, None, None, Some(f.period.clone())),
    };
    DeliveryRecord {
        delivery_id: d.delivery_id.clone(),
        item: item.into(),
        alert_id,
        alert_kind,
        unit,
        period,
        recipient: d.recipient.name.clone(),
        medium: d.recipient.address.medium().into(),
        status: DeliveryStatus::Failed.code().into(),
        attempts: 0,
        first_attempt_at: now,
        last_attempt_at: now,
        sent_at: None,
        last_error: None,
        run_id: None,
    }
}

/// Wait before the next attempt after `failed` failed ones: backoff · 2^(failed−1),
/// at most `max_backoff`.
fn backoff(catalog: &Catalog, failed: u32) -> Duration {
    let d = &catalog.delivery;
    let factor = 2u32.saturating_pow(failed.saturating_sub(1));
    Duration::from_secs(u64::from(
        d.backoff_seconds
            .saturating_mul(factor)
            .min(d.max_backoff_seconds),
    ))
}

async fn send(
    catalog: &Catalog,
    r: &Recipient,
    m: &Message,
    mailer: &mut Option<Result<email::Mailer, String>>,
) -> Result<(), SendError> {
    let fatal = |text: String| SendError { text, retry: false };
    match &r.address {
        Address::Email(to) => {
            let smtp = catalog
                .delivery
                .smtp
                .as_ref()
                .ok_or_else(|| fatal("falta [delivery.smtp] en el catálogo".into()))?;
            let mailer = mailer
                .get_or_insert_with(|| email::Mailer::new(smtp).map_err(|e| e.to_string()))
                .as_ref()
                .map_err(|e| fatal(e.clone()))?;
            mailer.send(to, m).await
        }
        Address::Webhook(url) => webhook::post(url, &m.webhook, WEBHOOK_TIMEOUT).await,
        Address::WebhookEnv(var) => {
            let url = std::env::var(var)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| {
                    fatal(format!(
                        "la variable {var} (URL del webhook) no está definida"
                    ))
                })?;
            webhook::post(url.trim(), &m.webhook, WEBHOOK_TIMEOUT).await
        }
    }
}

/// An error as stored and printed: no recipient address, no URL (a webhook URL is often
/// a secret), and no e-mail, phone or document number a server may have echoed (§7).
pub fn clean_error(text: &str, address: &Address) -> String {
    let mut t = text.to_string();
    if let Address::Email(a) | Address::Webhook(a) = address {
        t = t.replace(a.as_str(), "[destinatario]");
    }
    let url = regex::Regex::new(r"(?i)\bhttps?://\S+").expect("valid regex");
    let t = url.replace_all(&t, "[url]");
    crate::privacy::redact(&t).into_owned()
}

#[cfg(test)]
mod tests;
