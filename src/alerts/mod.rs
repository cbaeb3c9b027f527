//! Difficult situations (DESIGN §6.7, PR-ME-002 activities 4–6): technical outages and
//! abandonment jumps, reputational spikes, failed critical mystery-shopper items and
//! escalations past (or near) their due date become rows of the lake's `alerts` table.
//!
//! The SQL of `queries/alerts/` aggregates the lake (hours, candidates, failures, open
//! escalations); [`detect`] judges the aggregated hours and days with the exact tails of
//! [`tails`]; [`refresh`] merges what it finds with the stored alerts, so a rerun on the
//! same data keeps every `alert_id` and `detected_at` and raises nothing new.

pub mod detect;
pub mod evidence;
pub mod followup;
pub mod query;
pub mod store;
pub mod tails;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::catalog::Catalog;
use crate::lake::lock::LakeLock;
use crate::lake::Lake;
use crate::score::calendar::BusinessCalendar;
use crate::score::ScoreError;
use crate::vocabulary::Channel;
use detect::{Counts, Series, Slot, Test};

/// The kinds of §6.7, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertKind {
    TechnicalOutage,
    AbandonmentSpike,
    ReputationalSpike,
    CriticalItemFailed,
    EscalationOverdue,
}

impl AlertKind {
    pub const ALL: &'static [AlertKind] = &[
        AlertKind::TechnicalOutage,
        AlertKind::AbandonmentSpike,
        AlertKind::ReputationalSpike,
        AlertKind::CriticalItemFailed,
        AlertKind::EscalationOverdue,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AlertKind::TechnicalOutage => "technical_outage",
            AlertKind::AbandonmentSpike => "abandonment_spike",
            AlertKind::ReputationalSpike => "reputational_spike",
            AlertKind::CriticalItemFailed => "critical_item_failed",
            AlertKind::EscalationOverdue => "escalation_overdue",
        }
    }

    pub fn parse(s: &str) -> Option<AlertKind> {
        AlertKind::ALL.iter().copied().find(|k| k.code() == s)
    }

    /// Spanish label for people.
    pub fn label(self) -> &'static str {
        match self {
            AlertKind::TechnicalOutage => "Caída técnica de un canal",
            AlertKind::AbandonmentSpike => "Pico de abandono telefónico",
            AlertKind::ReputationalSpike => "Situación reputacional",
            AlertKind::CriticalItemFailed => "Ítem crítico fallido (cliente incógnito)",
            AlertKind::EscalationOverdue => "Escalamiento vencido o por vencer",
        }
    }

    /// What PR-ME-002 (activities 4–6) asks people to do.
    pub fn guidance(self) -> &'static str {
        match self {
            AlertKind::TechnicalOutage => {
                "Situación difícil técnica: verificar la plataforma con TI, informar a los usuarios por los demás canales y atender el represamiento; superada la falla, aplicar la encuesta post-crisis a los contactos autorizados (momentos followup --alert ID)."
            }
            AlertKind::AbandonmentSpike => {
                "Situación difícil técnica: revisar la cola y el personal del conmutador y devolver las llamadas abandonadas de contactos autorizados (momentos followup --alert ID)."
            }
            AlertKind::ReputationalSpike => {
                "Situación difícil reputacional: identificar el tema con la unidad, responder por el mismo canal y, superada la crisis, aplicar la encuesta post-crisis (momentos followup --alert ID)."
            }
            AlertKind::CriticalItemFailed => {
                "Retroalimentar el mismo día al asesor y al responsable de la unidad: el ítem crítico del protocolo (guion de habeas data, información correcta) es obligatorio."
            }
            AlertKind::EscalationOverdue => {
                "Hacer seguimiento con la unidad a la que se escaló y responder al usuario (Ley 1755 de 2015: máximo 15 días hábiles); lista: momentos followup --escalations."
            }
        }
    }

    pub fn is_technical(self) -> bool {
        matches!(
            self,
            AlertKind::TechnicalOutage | AlertKind::AbandonmentSpike
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    Open,
    Closed,
}

impl AlertStatus {
    pub fn code(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Closed => "closed",
        }
    }
}

/// One row of `alerts` (DESIGN §6.7).
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Stable across runs: kind, channel, unit and start (or the evaluation / interaction).
    pub alert_id: String,
    pub kind: AlertKind,
    /// `None`: every unit (a channel-wide outage).
    pub unit: Option<String>,
    pub channel: Option<String>,
    pub started_at: DateTime<Utc>,
    /// `None` while it lasts.
    pub ended_at: Option<DateTime<Utc>>,
    /// The as-of of the run that first raised it.
    pub detected_at: DateTime<Utc>,
    /// Counts (outage, reputational), abandonment rate in %, or business days overdue.
    pub observed: Option<f64>,
    pub expected: Option<f64>,
    pub p_value: Option<f64>,
    /// Spanish, no personal data.
    pub evidence: String,
    pub status: AlertStatus,
    /// Escalations: the due date.
    pub due_date: Option<NaiveDate>,
}

/// What a refresh did.
#[derive(Debug, Clone, Default)]
pub struct RefreshSummary {
    /// Alerts raised for the first time by this run.
    pub new: Vec<Alert>,
    pub open: usize,
    pub total: usize,
    /// Through when the hours were judged (the end of the data, or the as-of).
    pub judged_through: Option<DateTime<Utc>>,
}

/// `momentos alerts` / the `alerts` step: judges the lake as of `now`, merges with the
/// stored alerts and replaces the table, under the lake lock.
pub async fn refresh(
    lake: &Lake,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<RefreshSummary, ScoreError> {
    let lock = LakeLock::acquire(lake, "alerts", Duration::from_secs(600)).await?;
    let result = refresh_locked(lake, catalog, now).await;
    lock.release().await?;
    result
}

async fn refresh_locked(
    lake: &Lake,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<RefreshSummary, ScoreError> {
    let ctx = crate::sql::session(lake, catalog).await?;
    let data = query::gather_with(&ctx, &query::negative_words(catalog)).await?;
    let (found, judged_through) = judge(catalog, &data, now);
    let old = store::read(lake).await?;
    let (merged, new) = merge(old, found, now);
    store::write(lake, &merged, now).await?;
    let open = merged
        .iter()
        .filter(|a| a.status == AlertStatus::Open)
        .count();
    tracing::info!(
        new = new.len(),
        open,
        total = merged.len(),
        "Refreshed the alerts."
    );
    Ok(RefreshSummary {
        new,
        open,
        total: merged.len(),
        judged_through,
    })
}

/// Stored alerts updated by what this run found: an id seen before keeps its
/// `detected_at`; a stored open alert this run no longer sees (an escalation answered)
/// is closed. Returns the table and the alerts new in this run.
pub fn merge(old: Vec<Alert>, found: Vec<Alert>, now: DateTime<Utc>) -> (Vec<Alert>, Vec<Alert>) {
    let mut by_id: BTreeMap<String, Alert> =
        old.into_iter().map(|a| (a.alert_id.clone(), a)).collect();
    let found_ids: BTreeSet<String> = found.iter().map(|a| a.alert_id.clone()).collect();
    let mut new = Vec::new();
    for mut a in found {
        match by_id.get(&a.alert_id) {
            Some(prev) => a.detected_at = prev.detected_at,
            None => new.push(a.clone()),
        }
        by_id.insert(a.alert_id.clone(), a);
    }
    // Every run judges the whole history again, so a stored open alert it does not find
    // is over: an escalation answered, or an outage or spike that data loaded since (a
    // late export, a re-sent file) no longer shows. Critical failures close by date.
    for a in by_id.values_mut() {
        if found_ids.contains(&a.alert_id)
            || a.status != AlertStatus::Open
            || a.kind == AlertKind::CriticalItemFailed
        {
            continue;
        }
        a.status = AlertStatus::Closed;
        a.ended_at.get_or_insert(now);
        if a.kind != AlertKind::EscalationOverdue {
            a.evidence
                .push_str(" Retirada: con los datos cargados después ya no se observa.");
        }
    }
    let mut all: Vec<Alert> = by_id.into_values().collect();
    all.sort_by(|a, b| (a.started_at, &a.alert_id).cmp(&(b.started_at, &b.alert_id)));
    (all, new)
}

fn to_utc(catalog: &Catalog, local: NaiveDateTime) -> DateTime<Utc> {
    catalog
        .time_zone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

fn hour_id(s: Slot) -> String {
    format!("{}T{:02}", s.0.format("%Y-%m-%d"), s.1)
}

/// Every alert the data shows as of `now` (pure: the aggregated data in, alerts out).
pub fn judge(
    catalog: &Catalog,
    data: &query::AlertData,
    now: DateTime<Utc>,
) -> (Vec<Alert>, Option<DateTime<Utc>>) {
    let p = &catalog.alerts;
    let mut out = Vec::new();
    let tz = catalog.time_zone;
    // Hours after the last interaction in the lake are not silence, they are data not
    // loaded yet: judge through the end of the data.
    let through = data.data_end.map(|e| e.min(now));
    if let (Some(through), Some(first)) = (through, data.first_date) {
        let through_local = through.with_timezone(&tz).naive_local();
        let last_date = through_local.date();
        technical(catalog, data, first, through, &mut out);
        reputational(catalog, data, first, last_date, &mut out);
    }
    critical(catalog, data, now, &mut out);
    escalations(catalog, data, now, &mut out);
    let _ = p;
    for a in &mut out {
        a.detected_at = now;
    }
    (out, through)
}

fn technical(
    catalog: &Catalog,
    data: &query::AlertData,
    first: NaiveDate,
    through: DateTime<Utc>,
    out: &mut Vec<Alert>,
) {
    let p = &catalog.alerts;
    for (channel, spec) in &catalog.channels {
        let Some(weekly) = catalog.hours.get(&spec.hours_profile) else {
            continue;
        };
        // Each channel is judged only as far as its own data is loaded.
        let Some(channel_through) = data.channel_end.get(channel.code()) else {
            continue;
        };
        let through_local = (*channel_through)
            .min(through)
            .with_timezone(&catalog.time_zone)
            .naive_local();
        let last = through_local.date();
        let calendar = BusinessCalendar::new(weekly.clone(), catalog.closures.iter().copied());
        let slots = detect::open_hours(
            first,
            last,
            through_local,
            |d| calendar.is_open_day(d),
            weekly,
        );
        let per_unit: Vec<(&String, &BTreeMap<Slot, Counts>)> = data
            .hours
            .iter()
            .filter(|((c, _), _)| c == channel.code())
            .map(|((_, u), m)| (u, m))
            .collect();
        if per_unit.is_empty() {
            continue;
        }
        let mut total: BTreeMap<Slot, Counts> = BTreeMap::new();
        for (_, m) in &per_unit {
            for (s, c) in *m {
                let t = total.entry(*s).or_default();
                t.n += c.n;
                t.judged += c.judged;
                t.abandoned += c.abandoned;
            }
        }
        let mut tests = vec![(Test::Outage, AlertKind::TechnicalOutage)];
        if *channel == Channel::Phone {
            tests.push((Test::Abandonment, AlertKind::AbandonmentSpike));
        }
        for (test, kind) in tests {
            let wide = detect::runs(
                &Series {
                    slots: &slots,
                    counts: &total,
                },
                test,
                p,
            );
            // §6.7's budget is per channel: the channel's unit series share the run
            // threshold (Bonferroni), so more units do not mean more false alarms.
            let unit_params = split_run_threshold(p, per_unit.len());
            let mut by_unit: Vec<(&String, Vec<detect::Run>)> = Vec::new();
            for (unit, counts) in &per_unit {
                let found = detect::runs(
                    &Series {
                        slots: &slots,
                        counts,
                    },
                    test,
                    &unit_params,
                );
                if !found.is_empty() {
                    by_unit.push((unit, found));
                }
            }
            let overlaps =
                |a: &detect::Run, b: &detect::Run| a.first <= b.last && b.first <= a.last;
            // A channel-wide run is one alert unless a single unit's run overlaps it and
            // the other units, together, do not show the situation over those hours: then
            // it is that unit's alert.
            let kept_wide: Vec<&detect::Run> = wide
                .iter()
                .filter(|w| {
                    let units: Vec<&String> = by_unit
                        .iter()
                        .filter(|(_, runs)| runs.iter().any(|r| overlaps(r, w)))
                        .map(|(u, _)| *u)
                        .collect();
                    if units.len() != 1 {
                        return true;
                    }
                    let mut rest = total.clone();
                    if let Some((_, own)) = per_unit.iter().find(|(u, _)| *u == units[0]) {
                        for (s, c) in own.iter() {
                            if let Some(t) = rest.get_mut(s) {
                                t.n -= c.n;
                                t.judged -= c.judged;
                                t.abandoned -= c.abandoned;
                            }
                        }
                    }
                    detect::shows_over(
                        &Series {
                            slots: &slots,
                            counts: &rest,
                        },
                        test,
                        p,
                        w.first,
                        w.last,
                    )
                })
                .collect();
            for w in &kept_wide {
                out.push(hour_alert(catalog, kind, *channel, None, w));
            }
            for (unit, runs) in &by_unit {
                for r in runs {
                    if !kept_wide.iter().any(|w| overlaps(r, w)) {
                        out.push(hour_alert(catalog, kind, *channel, Some(unit), r));
                    }
                }
            }
        }
    }
}

/// The alert settings with the thresholds that raise an alert (a technical run's, a
/// reputational day's) shared by `series` series.
fn split_run_threshold(
    p: &crate::catalog::alerts::AlertParams,
    series: usize,
) -> crate::catalog::alerts::AlertParams {
    let share = series.max(1) as f64;
    crate::catalog::alerts::AlertParams {
        run_p_value: p.run_p_value / share,
        reputational_p_value: p.reputational_p_value / share,
        ..p.clone()
    }
}

fn hour_alert(
    catalog: &Catalog,
    kind: AlertKind,
    channel: Channel,
    unit: Option<&String>,
    r: &detect::Run,
) -> Alert {
    let start = to_utc(catalog, detect::slot_start(r.first));
    let end = to_utc(
        catalog,
        detect::slot_start(r.last) + chrono::Duration::hours(1),
    );
    Alert {
        alert_id: format!(
            "{}.{}.{}.{}",
            kind.code(),
            channel.code(),
            unit.map_or("all", |u| u.as_str()),
            hour_id(r.first)
        ),
        kind,
        unit: unit.cloned(),
        channel: Some(channel.code().to_string()),
        started_at: start,
        ended_at: (!r.ongoing).then_some(end),
        detected_at: DateTime::<Utc>::MIN_UTC,
        observed: Some(r.observed),
        expected: Some(r.expected),
        p_value: Some(r.p_value),
        evidence: evidence::hours(catalog, kind, channel, unit.map(|u| u.as_str()), r),
        status: if r.ongoing {
            AlertStatus::Open
        } else {
            AlertStatus::Closed
        },
        due_date: None,
    }
}

fn reputational(
    catalog: &Catalog,
    data: &query::AlertData,
    first: NaiveDate,
    last: NaiveDate,
    out: &mut Vec<Alert>,
) {
    // Units share the run threshold, as a channel's units do for technical alerts.
    let p = split_run_threshold(&catalog.alerts, data.signals.len());
    let slots = detect::days(first, last);
    for (unit, counts) in &data.signals {
        for r in detect::runs(
            &Series {
                slots: &slots,
                counts,
            },
            Test::Reputation,
            &p,
        ) {
            // The channel carrying most of the run's signals, when one carries at least half.
            let mut by_channel: HashMap<&str, u64> = HashMap::new();
            let mut all = 0;
            for ((u, d, c), n) in &data.signal_channels {
                if u == unit && *d >= r.first.0 && *d <= r.last.0 {
                    *by_channel.entry(c.as_str()).or_default() += n;
                    all += n;
                }
            }
            let channel = by_channel
                .iter()
                .filter(|(_, n)| **n * 2 >= all && all > 0)
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(c, _)| c.to_string());
            let start = to_utc(catalog, detect::slot_start(r.first));
            let end = to_utc(
                catalog,
                detect::slot_start((r.last.0.succ_opt().expect("date"), 0)),
            );
            out.push(Alert {
                alert_id: format!(
                    "{}.{}.{}",
                    AlertKind::ReputationalSpike.code(),
                    unit,
                    r.first.0.format("%Y-%m-%d")
                ),
                kind: AlertKind::ReputationalSpike,
                unit: Some(unit.clone()),
                channel,
                started_at: start,
                ended_at: (!r.ongoing).then_some(end),
                detected_at: DateTime::<Utc>::MIN_UTC,
                observed: Some(r.observed),
                expected: Some(r.expected),
                p_value: Some(r.p_value),
                evidence: evidence::days(catalog, unit, &r),
                status: if r.ongoing {
                    AlertStatus::Open
                } else {
                    AlertStatus::Closed
                },
                due_date: None,
            });
        }
    }
}

fn critical(catalog: &Catalog, data: &query::AlertData, now: DateTime<Utc>, out: &mut Vec<Alert>) {
    let today = now.with_timezone(&catalog.time_zone).date_naive();
    for f in &data.critical {
        let local = f
            .evaluated_at
            .with_timezone(&catalog.time_zone)
            .date_naive();
        let open = today < local + chrono::Duration::days(catalog.alerts.critical_open_days as i64);
        out.push(Alert {
            alert_id: format!(
                "{}.{}",
                AlertKind::CriticalItemFailed.code(),
                f.evaluation_id
            ),
            kind: AlertKind::CriticalItemFailed,
            unit: Some(f.unit.clone()),
            channel: Some(f.channel.clone()),
            started_at: f.evaluated_at,
            ended_at: Some(f.evaluated_at),
            detected_at: DateTime::<Utc>::MIN_UTC,
            observed: Some(f.items.len() as f64),
            expected: None,
            p_value: None,
            evidence: evidence::critical(catalog, f),
            status: if open {
                AlertStatus::Open
            } else {
                AlertStatus::Closed
            },
            due_date: None,
        });
    }
}

fn escalations(
    catalog: &Catalog,
    data: &query::AlertData,
    now: DateTime<Utc>,
    out: &mut Vec<Alert>,
) {
    let today = now.with_timezone(&catalog.time_zone).date_naive();
    let weekly = catalog
        .hours
        .values()
        .next()
        .cloned()
        .unwrap_or_else(crate::score::calendar::WeeklyHours::default_contact_center);
    let calendar = BusinessCalendar::new(weekly, catalog.closures.iter().copied());
    let next_business = calendar.nth_business_day_after(today, 1);
    for e in &data.escalations {
        let overdue = e.due_date < today;
        let due_soon = !overdue && e.due_date <= next_business;
        if !(overdue || due_soon) {
            continue;
        }
        // Business days past due (0 when due today or tomorrow).
        let mut late = 0u32;
        let mut d = e.due_date;
        while d < today {
            d = d.succ_opt().expect("date");
            if calendar.is_business_day(d) && d <= today {
                late += 1;
            }
        }
        out.push(Alert {
            alert_id: format!(
                "{}.{}",
                AlertKind::EscalationOverdue.code(),
                e.interaction_id
            ),
            kind: AlertKind::EscalationOverdue,
            unit: Some(e.unit.clone()),
            channel: Some(e.channel.clone()),
            started_at: e.escalated_at,
            ended_at: None,
            detected_at: DateTime::<Utc>::MIN_UTC,
            observed: Some(late as f64),
            expected: None,
            p_value: None,
            evidence: evidence::escalation(catalog, e, today, late),
            status: AlertStatus::Open,
            due_date: Some(e.due_date),
        });
    }
}

/// Whether `e` says the lake was busy.
pub fn is_busy(e: &ScoreError) -> bool {
    matches!(e, ScoreError::Lake(crate::lake::LakeError::Locked(_)))
}

#[cfg(test)]
mod tests;
