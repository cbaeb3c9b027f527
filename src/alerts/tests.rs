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
