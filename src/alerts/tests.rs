use chrono::{Duration, TimeZone, Utc};

use super::*;

fn alert(id: &str, kind: AlertKind, detected: DateTime<Utc>) -> Alert {
    Alert {
        alert_id: id.into(),
        kind,
        unit: Some("admisiones".into()),
        channel: Some("whatsapp".into()),
        started_at: Utc.with_ymd_and_hms(2026, 6, 17, 14, 0, 0).unwrap(),
        ended_at: None,
        detected_at: detected,
        observed: Some(0.0),
        expected: Some(41.0),
        p_value: Some(1e-12),
        evidence: "x".into(),
        status: AlertStatus::Open,
        due_date: None,
    }
}

#[test]
fn a_rerun_keeps_ids_and_first_detection_and_raises_nothing_new() {
    let t1 = Utc.with_ymd_and_hms(2026, 6, 18, 5, 0, 0).unwrap();
    let t2 = t1 + Duration::days(1);
    let a = alert(
        "technical_outage.whatsapp.all.2026-06-17T09",
        AlertKind::TechnicalOutage,
        t1,
    );
    let (first, new1) = merge(Vec::new(), vec![a.clone()], t1);
    assert_eq!(new1.len(), 1);
    let mut again = a.clone();
    again.detected_at = t2;
    again.ended_at = Some(t2);
    again.status = AlertStatus::Closed;
    let (second, new2) = merge(first, vec![again], t2);
    assert!(new2.is_empty());
    assert_eq!(second.len(), 1);
    assert_eq!(
        second[0].detected_at, t1,
        "detected_at is the first run's as-of"
    );
    assert_eq!(
        second[0].status,
        AlertStatus::Closed,
        "closed when the signal ended"
    );
}

#[test]
fn an_answered_escalation_closes() {
    let t1 = Utc.with_ymd_and_hms(2026, 6, 18, 5, 0, 0).unwrap();
    let e = alert("escalation_overdue.I-1", AlertKind::EscalationOverdue, t1);
    let (first, _) = merge(Vec::new(), vec![e], t1);
    let (second, new) = merge(first, Vec::new(), t1 + Duration::days(1));
    assert!(new.is_empty());
    assert_eq!(second[0].status, AlertStatus::Closed);
    assert!(second[0].ended_at.is_some());
}

#[test]
fn dissatisfied_signals_follow_the_negative_themes() {
    let catalog = Catalog::embedded();
    let words = query::negative_words(&catalog);
    assert!(query::is_dissatisfied(true, None, &words));
    assert!(query::is_dissatisfied(
        false,
        Some("Muy GROSERO el asesor"),
        &words
    ));
    assert!(query::is_dissatisfied(
        false,
        Some("nadie contestó, qué demora"),
        &words
    ));
    // `costos` is a theme, but not a negative one.
    assert!(!query::is_dissatisfied(
        false,
        Some("pregunto el precio de la matrícula"),
        &words
    ));
}

#[test]
fn the_catalog_rejects_an_unknown_negative_theme() {
    let text = crate::catalog::DEFAULT_CATALOG.replace(
        "negative_themes = [\"demora\"",
        "negative_themes = [\"demoras\"",
    );
    let e = Catalog::from_toml(&text, crate::catalog::CatalogOrigin::Embedded)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("alerts.negative_themes[0]") && e.contains("demoras"),
        "{e}"
    );
}

/// A project catalog written before `[alerts]` existed (no negative themes named, its own
/// theme names) still loads; only the default themes it defines count.
#[test]
fn a_catalog_without_negative_themes_keeps_loading() {
    let text = crate::catalog::DEFAULT_CATALOG
        .replace(
            "negative_themes = [\"demora\", \"mala_atencion\", \"informacion_erronea\"]\n",
            "",
        )
        .replace("\ndemora = [", "\nretrasos = [");
    assert_ne!(text, crate::catalog::DEFAULT_CATALOG);
    let catalog = Catalog::from_toml(&text, crate::catalog::CatalogOrigin::Embedded).unwrap();
    let words = query::negative_words(&catalog);
    assert!(words.iter().any(|w| w == "groser"));
    assert!(!words.iter().any(|w| w == "demora"));
}

#[test]
fn an_outage_no_longer_found_is_withdrawn() {
    let t1 = Utc.with_ymd_and_hms(2026, 6, 18, 5, 0, 0).unwrap();
    let a = alert(
        "technical_outage.whatsapp.all.2026-06-17T09",
        AlertKind::TechnicalOutage,
        t1,
    );
    let (first, _) = merge(Vec::new(), vec![a], t1);
    let (second, new) = merge(first, Vec::new(), t1 + Duration::days(1));
    assert!(new.is_empty());
    assert_eq!(second[0].status, AlertStatus::Closed);
    assert!(second[0].evidence.contains("Retirada"));
}

/// Ten weeks of steady WhatsApp and phone traffic for one unit; WhatsApp's rows stop
/// after `whatsapp_until` (local), phone runs to the end.
fn steady_traffic(
    catalog: &Catalog,
    end: chrono::NaiveDateTime,
    whatsapp_until: chrono::NaiveDateTime,
) -> query::AlertData {
    let mut data = query::AlertData::default();
    let first = end.date() - Duration::weeks(10);
    for channel in ["whatsapp", "phone"] {
        let spec = &catalog.channels[&Channel::parse(channel).unwrap()];
        let weekly = &catalog.hours[&spec.hours_profile];
        let calendar = BusinessCalendar::new(weekly.clone(), catalog.closures.iter().copied());
        let stop = if channel == "whatsapp" {
            whatsapp_until
        } else {
            end
        };
        let slots = detect::open_hours(
            first,
            stop.date(),
            stop,
            |d| calendar.is_open_day(d),
            weekly,
        );
        let counts = data
            .hours
            .entry((channel.to_string(), "admisiones".to_string()))
            .or_default();
        for s in slots {
            counts.insert(
                s,
                Counts {
                    n: 30,
                    judged: 30,
                    abandoned: 3,
                },
            );
        }
    }
    data.first_date = Some(first);
    data
}

/// A WhatsApp export loaded through yesterday is not an outage today; the same silence
/// inside an export that runs to tonight is one.
#[test]
fn each_channel_is_judged_only_as_far_as_its_data_is_loaded() {
    let catalog = Catalog::embedded();
    let local = |d: u32, h: u32| {
        NaiveDate::from_ymd_opt(2026, 6, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    // Wednesday 17 June 2026, 18:00; WhatsApp's last row Tuesday 16 June at 18:00.
    let (end, wa_end) = (local(17, 18), local(16, 18));
    let utc = |t: chrono::NaiveDateTime| {
        catalog
            .time_zone
            .from_local_datetime(&t)
            .unwrap()
            .with_timezone(&Utc)
    };
    let mut data = steady_traffic(&catalog, end, wa_end);
    data.data_end = Some(utc(end));
    data.channel_end.insert("phone".into(), utc(end));
    let outages = |data: &query::AlertData| {
        judge(&catalog, data, utc(end))
            .0
            .into_iter()
            .filter(|a| a.kind == AlertKind::TechnicalOutage)
            .map(|a| a.channel.unwrap_or_default())
            .collect::<Vec<_>>()
    };
    // A WhatsApp-only export that ends on Tuesday evening.
    data.channel_end.insert("whatsapp".into(), utc(wa_end));
    assert_eq!(outages(&data), Vec::<String>::new());
    // One export carrying both channels through Wednesday evening.
    data.channel_end.insert("whatsapp".into(), utc(end));
    assert_eq!(outages(&data), vec!["whatsapp".to_string()]);
}

/// DESIGN §6.7's false-alarm budget as the catalog is shaped: ten months of clean
/// traffic for every unit on every channel (quiet and busy units alike) and clean
/// dissatisfaction counts raise at most one technical or reputational alert per channel
/// per quarter (reputational ones count together as one more "channel").
#[test]
fn clean_months_stay_within_the_budget_per_channel() {
    use super::detect::tests::{binomial, poisson};
    use chrono::Datelike;
    use rand::SeedableRng;
    let catalog = Catalog::embedded();
    let first = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let end = first + Duration::days(300);
    let end_local = end.and_hms_opt(0, 0, 0).unwrap();
    let end_utc = catalog
        .time_zone
        .from_local_datetime(&end_local)
        .unwrap()
        .with_timezone(&Utc);
    let units: Vec<&String> = catalog.units.keys().collect();
    let mut worst = 0;
    for seed in 0..2u64 {
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(40 + seed);
        let mut data = query::AlertData::default();
        for (channel, spec) in &catalog.channels {
            let weekly = &catalog.hours[&spec.hours_profile];
            let calendar = BusinessCalendar::new(weekly.clone(), catalog.closures.iter().copied());
            let slots =
                detect::open_hours(first, end, end_local, |d| calendar.is_open_day(d), weekly);
            for (i, unit) in units.iter().enumerate() {
                let base = [0.3, 1.0, 2.5, 6.0, 15.0][i % 5];
                let counts = data
                    .hours
                    .entry((channel.code().to_string(), unit.to_string()))
                    .or_default();
                for s in &slots {
                    let n = poisson(&mut r, base);
                    let judged = if *channel == Channel::Phone { n } else { 0 };
                    counts.insert(
                        *s,
                        Counts {
                            n,
                            judged,
                            abandoned: binomial(&mut r, judged, 0.1),
                        },
                    );
                }
            }
            data.channel_end.insert(channel.code().to_string(), end_utc);
        }
        for unit in &units {
            let days = data.signals.entry(unit.to_string()).or_default();
            let mut d = first;
            while d < end {
                let weekday = d.weekday().num_days_from_monday() < 5;
                let n = poisson(&mut r, if weekday { 1.5 } else { 0.3 });
                days.insert(
                    (d, 0),
                    Counts {
                        n,
                        ..Default::default()
                    },
                );
                d = d.succ_opt().unwrap();
            }
        }
        data.data_end = Some(end_utc);
        data.first_date = Some(first);
        let (found, _) = judge(&catalog, &data, end_utc);
        let mut per_quarter: BTreeMap<(String, i32, u32), usize> = BTreeMap::new();
        for a in found.iter().filter(|a| {
            matches!(
                a.kind,
                AlertKind::TechnicalOutage
                    | AlertKind::AbandonmentSpike
                    | AlertKind::ReputationalSpike
            )
        }) {
            let local = a.started_at.with_timezone(&catalog.time_zone);
            let lane = if a.kind == AlertKind::ReputationalSpike {
                "reputacional".to_string()
            } else {
                a.channel.clone().unwrap_or_default()
            };
            *per_quarter
                .entry((lane, local.year(), (local.month() - 1) / 3))
                .or_default() += 1;
        }
        println!("seed {seed}: {per_quarter:?}");
        worst = worst.max(per_quarter.values().copied().max().unwrap_or(0));
    }
    assert!(
        worst <= 1,
        "a channel raised {worst} false alarms in one quarter"
    );
}
