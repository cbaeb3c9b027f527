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
