//! The Spanish evidence line of each alert: what was seen, when, and what is usual —
//! counts, hours and names only, never a person's data (DESIGN §7).

use chrono::{Datelike, NaiveDate, Weekday};

use super::detect::Run;
use super::query::{CriticalFailure, OpenEscalation};
use super::AlertKind;
use crate::catalog::Catalog;
use crate::vocabulary::Channel;

fn weekday(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "lunes",
        Weekday::Tue => "martes",
        Weekday::Wed => "miércoles",
        Weekday::Thu => "jueves",
        Weekday::Fri => "viernes",
        Weekday::Sat => "sábado",
        Weekday::Sun => "domingo",
    }
}

/// `dd/mm/aaaa`, the Colombian date.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A figure the Colombian way: thousands with '.', one decimal with ',' below 10.
pub fn number(x: f64) -> String {
    if x.abs() < 10.0 && x.fract().abs() > 0.05 {
        crate::report::format::num(x, 1)
    } else {
        crate::report::format::int(x.round() as i64)
    }
}

/// What a channel's volume counts, in Spanish plural.
fn noun(channel: Channel) -> &'static str {
    match channel {
        Channel::Phone => "llamadas",
        Channel::Whatsapp | Channel::Messenger | Channel::Social => "mensajes",
        Channel::Email => "correos",
        Channel::WebForm => "solicitudes",
        Channel::InPerson => "visitas",
    }
}

/// The unit's name from the catalog (its code when the catalog does not know it).
pub fn unit_name(catalog: &Catalog, unit: Option<&str>) -> String {
    match unit {
        None => "todas las unidades".into(),
        Some(u) => catalog
            .unit(u)
            .map_or_else(|| u.to_string(), |s| s.name.clone()),
    }
}

fn span(r: &Run) -> String {
    let (a, b) = (r.first, r.last);
    if r.ongoing {
        return format!(
            "desde las {:02}:00 del {} {} (sigue)",
            a.1,
            weekday(a.0),
            date(a.0)
        );
    }
    if a.0 == b.0 {
        format!(
            "entre las {:02}:00 y las {:02}:00 del {} {}",
            a.1,
            b.1 + 1,
            weekday(a.0),
            date(a.0)
        )
    } else {
        format!(
            "entre las {:02}:00 del {} {} y las {:02}:00 del {} {}",
            a.1,
            weekday(a.0),
            date(a.0),
            b.1 + 1,
            weekday(b.0),
            date(b.0)
        )
    }
}

/// Evidence of a technical alert.
pub fn hours(
    catalog: &Catalog,
    kind: AlertKind,
    channel: Channel,
    unit: Option<&str>,
    r: &Run,
) -> String {
    let who = format!("{}, {}", channel.label(), unit_name(catalog, unit));
    match kind {
        AlertKind::AbandonmentSpike => format!(
            "{who}: {} % de llamadas abandonadas {} ({} h seguidas); lo habitual un {} a esas horas: {} % ({} semanas comparables)",
            number(r.observed),
            span(r),
            r.slots,
            weekday(r.first.0),
            number(r.expected),
            r.baseline_weeks
        ),
        _ => format!(
            "{who}: {} {} {} ({} h de atención seguidas); lo habitual un {} a esas horas: {} (mediana de {} semanas comparables)",
            number(r.observed),
            noun(channel),
            span(r),
            r.slots,
            weekday(r.first.0),
            number(r.expected),
            r.baseline_weeks
        ),
    }
}

/// Evidence of a reputational alert.
pub fn days(catalog: &Catalog, unit: &str, r: &Run) -> String {
    let when = if r.first.0 == r.last.0 {
        format!("el {} {}", weekday(r.first.0), date(r.first.0))
    } else {
        format!("entre el {} y el {}", date(r.first.0), date(r.last.0))
    };
    format!(
        "{}: {} señales de insatisfacción (encuestas con calificación general ≤ 2, comentarios y notas con temas negativos) {when}{}; lo habitual: {} (mediana del mismo día de la semana en {} semanas)",
        unit_name(catalog, Some(unit)),
        number(r.observed),
        if r.ongoing { ", y sigue" } else { "" },
        number(r.expected),
        r.baseline_weeks
    )
}

fn item_label(item: &str) -> String {
    match item {
        "habeas_script" => "guion de habeas data".into(),
        "correct_information" => "información correcta".into(),
        other => other.replace('_', " "),
    }
}

/// Evidence of a failed critical item.
pub fn critical(catalog: &Catalog, f: &CriticalFailure) -> String {
    let channel = Channel::parse(&f.channel).map_or(f.channel.clone(), |c| c.label().into());
    let local = f
        .evaluated_at
        .with_timezone(&catalog.time_zone)
        .date_naive();
    format!(
        "Cliente incógnito, {channel}, {}: evaluación {} del {} con ítem crítico fallido: {}",
        unit_name(catalog, Some(&f.unit)),
        f.evaluation_id,
        date(local),
        f.items
            .iter()
            .map(|i| item_label(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Evidence of an escalation past or near its due date.
pub fn escalation(catalog: &Catalog, e: &OpenEscalation, today: NaiveDate, late: u32) -> String {
    let to = unit_name(catalog, e.escalated_to.as_deref().or(Some(&e.unit)));
    let channel = Channel::parse(&e.channel).map_or(e.channel.clone(), |c| c.label().into());
    let state = if e.due_date < today {
        format!(
            "vencido el {} ({} día(s) hábil(es) de retraso)",
            date(e.due_date),
            late
        )
    } else if e.due_date == today {
        "vence hoy".to_string()
    } else {
        format!("vence el {}", date(e.due_date))
    };
    format!(
        "Escalamiento a {to} sin respuesta (interacción {} por {channel}, {}): {state}",
        e.interaction_id,
        unit_name(catalog, Some(&e.unit))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_are_colombian() {
        assert_eq!(number(41.0), "41");
        assert_eq!(number(12345.4), "12.345");
        assert_eq!(number(2.5), "2,5");
        assert_eq!(number(1234567.0), "1.234.567");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 6, 9).unwrap()),
            "09/06/2026"
        );
    }
}
