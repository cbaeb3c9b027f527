//! The report's "Alertas" section (DESIGN §6.7): open difficult situations first — what
//! happened, since when, and what PR-ME-002 asks people to do — on the first screen of the
//! summary and on each unit's page. Kept apart from the page builders so they call it once.

use std::fmt::Write as _;

use super::escape::html as esc;
use super::format;
use crate::alerts::{Alert, AlertStatus};
use crate::catalog::Catalog;
use crate::vocabulary::Channel;

fn channel_label(c: Option<&str>) -> String {
    match c {
        None => "Todos".into(),
        Some(c) => Channel::parse(c).map_or(c.to_string(), |ch| ch.label().to_string()),
    }
}

/// The section: open alerts of `unit` (every unit when `None`; a unit's page also shows
/// the alerts of a whole channel, which reach its users too), newest first, and a count of
/// the closed ones. `followups` = follow-up lists produced so far.
pub fn section(
    catalog: &Catalog,
    alerts: &[Alert],
    unit: Option<&str>,
    followups: usize,
) -> String {
    let mine: Vec<&Alert> = alerts
        .iter()
        .filter(|a| unit.is_none() || a.unit.is_none() || a.unit.as_deref() == unit)
        .collect();
    let mut open: Vec<&&Alert> = mine
        .iter()
        .filter(|a| a.status == AlertStatus::Open)
        .collect();
    open.sort_by(|a, b| b.started_at.cmp(&a.started_at));
    let closed = mine.len() - open.len();
    let mut s = String::from("<section id=\"alertas\"><h2>Alertas</h2>\n");
    if open.is_empty() {
        s.push_str("<p>Sin alertas abiertas.</p>\n");
    } else {
        let _ = write!(
            s,
            "<p><b>{}</b> (situaciones difíciles, PR-ME-002 actividades 4 a 6).</p>\n<table class=\"alerts\"><thead><tr><th>Alerta</th><th>Unidad</th><th>Canal</th><th>Desde</th><th>Qué pasó</th><th>Qué hacer</th></tr></thead><tbody>\n",
            format::count(open.len(), "alerta abierta", "alertas abiertas")
        );
        for a in open.iter().take(50) {
            let unit_name = crate::alerts::evidence::unit_name(catalog, a.unit.as_deref());
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(a.kind.label()),
                esc(&unit_name),
                esc(&channel_label(a.channel.as_deref())),
                esc(&a
                    .started_at
                    .with_timezone(&catalog.time_zone)
                    .format("%d/%m/%Y %H:%M")
                    .to_string()),
                esc(&a.evidence),
                esc(a.kind.guidance())
            );
        }
        s.push_str("</tbody></table>\n");
        if open.len() > 50 {
            let _ = writeln!(
                s,
                "<p>Y {} más en la lista completa de alertas.</p>",
                format::int((open.len() - 50) as i64)
            );
        }
    }
    let _ = writeln!(
        s,
        "<p>En el historial: {}. Listas de seguimiento producidas para llamar o encuestar a los usuarios: {}.</p></section>",
        format::count(closed, "alerta cerrada", "alertas cerradas"),
        format::int(followups as i64)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::AlertKind;
    use chrono::{TimeZone, Utc};

    #[test]
    fn open_alerts_come_with_what_to_do_and_escaped_text() {
        let catalog = Catalog::embedded();
        let a = Alert {
            alert_id: "technical_outage.whatsapp.all.2026-06-17T09".into(),
            kind: AlertKind::TechnicalOutage,
            unit: None,
            channel: Some("whatsapp".into()),
            started_at: Utc.with_ymd_and_hms(2026, 6, 17, 14, 0, 0).unwrap(),
            ended_at: None,
            detected_at: Utc.with_ymd_and_hms(2026, 6, 17, 20, 0, 0).unwrap(),
            observed: Some(0.0),
            expected: Some(41.0),
            p_value: Some(1e-12),
            evidence: "WhatsApp <b>".into(),
            status: AlertStatus::Open,
            due_date: None,
        };
        let html = section(&catalog, &[a.clone()], None, 2);
        assert!(
            html.contains("Alertas") && html.contains("17/06/2026 09:00"),
            "{html}"
        );
        assert!(html.contains("WhatsApp &lt;b&gt;") && html.contains("encuesta post-crisis"));
        assert!(
            html.contains("1 alerta abierta")
                && html.contains("producidas para llamar o encuestar a los usuarios: 2.")
        );
        assert!(
            !html.contains(&a.alert_id),
            "no internal code on a report page"
        );
        // A whole channel's alert reaches every unit's page; another unit's does not.
        let page = section(&catalog, std::slice::from_ref(&a), Some("admisiones"), 0);
        assert!(page.contains("1 alerta abierta"), "{page}");
        let theirs = Alert {
            unit: Some("mercadeo_pregrado".into()),
            ..a
        };
        let page = section(&catalog, &[theirs], Some("admisiones"), 0);
        assert!(page.contains("Sin alertas abiertas."));
    }
}
