//! What people receive, in Spanish: the e-mail of an alert or of the monthly report, and
//! the webhook payload of either. Every text is built from the alert's fields and its
//! evidence, which carry no personal data (DESIGN §6.7, §7).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::report_files::ReportFiles;
use crate::alerts::{Alert, AlertStatus};
use crate::catalog::Catalog;
use crate::report::format;
use crate::vocabulary::Channel;

/// A file attached to an e-mail.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// One message, ready for either medium.
#[derive(Debug, Clone)]
pub struct Message {
    pub subject: String,
    /// Plain text body of the e-mail.
    pub body: String,
    pub attachments: Vec<Attachment>,
    /// JSON for a webhook: `text` for chat channels, structured fields for programs.
    pub webhook: Value,
}

fn local(catalog: &Catalog, t: DateTime<Utc>) -> String {
    t.with_timezone(&catalog.time_zone)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

fn unit_label(catalog: &Catalog, unit: Option<&str>) -> String {
    match unit {
        None => "todas las unidades".into(),
        Some(code) => catalog
            .unit(code)
            .map_or_else(|| code.to_string(), |u| u.name.clone()),
    }
}

fn channel_label(catalog: &Catalog, channel: Option<&str>) -> Option<String> {
    let code = channel?;
    Some(
        Channel::parse(code).map_or_else(|| code.to_string(), |c| catalog.channel(c).label.clone()),
    )
}

/// The message of one alert.
pub fn alert(catalog: &Catalog, a: &Alert) -> Message {
    let unit = unit_label(catalog, a.unit.as_deref());
    let channel = channel_label(catalog, a.channel.as_deref());
    let place = match &channel {
        Some(c) => format!("{unit} · {c}"),
        None => unit.clone(),
    };
    let status = match a.status {
        AlertStatus::Open => "abierta",
        AlertStatus::Closed => "cerrada",
    };
    let when = match a.ended_at {
        Some(end) => format!(
            "del {} al {}",
            local(catalog, a.started_at),
            local(catalog, end)
        ),
        None => format!("desde el {} (en curso)", local(catalog, a.started_at)),
    };
    let subject = format!("Alerta momentos: {} — {place}", a.kind.label());
    let body = format!(
        "Situación difícil detectada por momentos (procedimiento PR-ME-002).\n\n\
         Tipo: {}\nUnidad: {unit}\nCanal: {}\nCuándo (hora de Colombia): {when}\n\
         Estado: {status}\nDetectada: {}\n\n{}\n\nQué hacer: {}\n\n\
         Identificador de la alerta: {}\n\
         Lista de seguimiento: momentos followup --alert {} --out seguimiento.xlsx\n",
        a.kind.label(),
        channel.as_deref().unwrap_or("—"),
        local(catalog, a.detected_at),
        a.evidence,
        a.kind.guidance(),
        a.alert_id,
        a.alert_id,
    );
    let webhook = json!({
        "text": format!("*{}* — {place}\n{}\n{}", a.kind.label(), a.evidence, a.kind.guidance()),
        "source": "momentos",
        "type": "alert",
        "alert": {
            "alert_id": a.alert_id,
            "kind": a.kind.code(),
            "label": a.kind.label(),
            "unit": a.unit,
            "unit_name": unit,
            "channel": a.channel,
            "started_at": a.started_at.to_rfc3339(),
            "ended_at": a.ended_at.map(|t| t.to_rfc3339()),
            "detected_at": a.detected_at.to_rfc3339(),
            "status": a.status.code(),
            "evidence": a.evidence,
            "guidance": a.kind.guidance(),
        },
    });
    Message {
        subject,
        body,
        attachments: Vec::new(),
        webhook,
    }
}

/// The message of the monthly report, with `index.html` (and the PDF, when one was
/// printed from it) attached to the e-mail.
pub fn report(files: &ReportFiles) -> Result<Message, std::io::Error> {
    let month = format::period(&files.period);
    let mut attachments = vec![Attachment {
        file_name: format!("informe-{}.html", files.period),
        content_type: "text/html; charset=utf-8",
        bytes: std::fs::read(&files.index)?,
    }];
    if let Some(pdf) = &files.pdf {
        attachments.push(Attachment {
            file_name: format!("informe-{}.pdf", files.period),
            content_type: "application/pdf",
            bytes: std::fs::read(pdf)?,
        });
    }
    let names: Vec<&str> = attachments.iter().map(|a| a.file_name.as_str()).collect();
    let body = format!(
        "Informe mensual de calidad del servicio (procedimiento PR-ME-002), {month}.\n\n\
         Adjunto: {}. El archivo HTML es autocontenido: se abre en cualquier navegador, \
         también sin conexión, y en el celular.\n\n\
         Primero aparecen las alertas y los servicios que requieren plan de mejoramiento; \
         al final, el método y cómo leer los intervalos.\n",
        names.join(" y ")
    );
    let webhook = json!({
        "text": format!("Informe mensual de calidad del servicio de {month} listo ({}).", names.join(", ")),
        "source": "momentos",
        "type": "report",
        "report": { "period": files.period, "files": names },
    });
    Ok(Message {
        subject: format!("Informe mensual de calidad del servicio — {month}"),
        body,
        attachments,
        webhook,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::AlertKind;

    #[test]
    fn alert_message_is_spanish_and_names_unit_and_channel() {
        let catalog = Catalog::embedded();
        let t = DateTime::from_timestamp(1_781_708_400, 0).unwrap();
        let a = Alert {
            alert_id: "technical_outage.whatsapp.all.2026-06-17T09".into(),
            kind: AlertKind::TechnicalOutage,
            unit: None,
            channel: Some("whatsapp".into()),
            started_at: t,
            ended_at: None,
            detected_at: t,
            observed: Some(0.0),
            expected: Some(30.0),
            p_value: Some(1e-9),
            evidence: "WhatsApp sin mensajes entrantes".into(),
            status: AlertStatus::Open,
            due_date: None,
        };
        let m = alert(&catalog, &a);
        assert!(m.subject.contains("Caída técnica"), "{}", m.subject);
        assert!(m.body.contains("todas las unidades"));
        assert!(m.body.contains("en curso"));
        assert!(m
            .body
            .contains("momentos followup --alert technical_outage"));
        assert_eq!(m.webhook["alert"]["kind"], "technical_outage");
        assert!(m.webhook["text"]
            .as_str()
            .unwrap()
            .contains("WhatsApp sin mensajes"));
    }
}
