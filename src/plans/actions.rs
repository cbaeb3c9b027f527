//! Suggested actions (DESIGN §6.6): a documented rule table from the evidence of a cell to
//! what PR-ME-002 asks units to do. People confirm or change them; the table only makes the
//! first draft consistent across units. Each rule names what triggers it and the action.

use super::causes::Evidence;
use crate::vocabulary::Attribute;

/// What makes a rule fire.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    /// One of these rubric items is among the cell's most failed shopper items
    /// (failed in at least [`ITEM_FAIL_SHARE`] of its evaluations).
    ItemFails(&'static [&'static str]),
    /// This comment theme is among the commonest in dissatisfied survey comments.
    Theme(&'static str),
    /// SLA misses concentrate in a two-hour window (at least [`CONCENTRATION`] of them).
    SlaHours,
    /// SLA misses concentrate on one weekday (at least [`CONCENTRATION`] of them).
    SlaWeekday,
    /// Escalations to another unit were answered late (at least the small-cell limit).
    EscalationLate,
    /// Nothing more specific fired, for this attribute.
    Fallback(Attribute),
}

/// A rule: when `trigger` holds, suggest `action` (`{hours}`, `{weekday}`, `{unit}` are
/// filled from the evidence).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub trigger: Trigger,
    pub action: &'static str,
}

/// Share of an item's evaluations that must fail for the item to trigger a rule.
pub const ITEM_FAIL_SHARE: f64 = 0.20;
/// Share of SLA misses in one hour window or weekday that counts as a concentration.
pub const CONCENTRATION: f64 = 0.30;

/// The rule table, in the order actions are listed.
pub const RULES: &[Rule] = &[
    Rule {
        id: "protocol_training",
        trigger: Trigger::ItemFails(&["greeting", "introduction", "closing", "standard_script"]),
        action: "Capacitar a todo el personal del canal en el protocolo de atención (saludo, presentación, guion y cierre); PR-ME-002 §5 pide a las unidades capacitar al personal de forma continua. Verificar con una nueva visita de cliente incógnito.",
    },
    Rule {
        id: "habeas_script",
        trigger: Trigger::ItemFails(&["habeas_script"]),
        action: "Reforzar la lectura del guion de autorización de tratamiento de datos personales (Ley 1581 de 2012) y verificarla en las próximas evaluaciones.",
    },
    Rule {
        id: "portfolio_update",
        trigger: Trigger::ItemFails(&["correct_information", "complete_information"]),
        action: "Actualizar el portafolio de servicios y las notas rápidas (costos, requisitos, fechas) y socializarlos con quienes atienden el canal.",
    },
    Rule {
        id: "need_identification",
        trigger: Trigger::ItemFails(&["need_identified", "advice", "request_processed"]),
        action: "Practicar con casos reales del periodo la identificación de la necesidad y el trámite completo de la solicitud.",
    },
    Rule {
        id: "response_time_items",
        trigger: Trigger::ItemFails(&["response_time", "correct_escalation"]),
        action: "Revisar los tiempos de respuesta del canal frente al acuerdo de servicio y el procedimiento de escalamiento.",
    },
    Rule {
        id: "staffing_hours",
        trigger: Trigger::SlaHours,
        action: "Ajustar turnos y personal en la franja {hours}, donde se concentran los incumplimientos del acuerdo de servicio.",
    },
    Rule {
        id: "staffing_weekday",
        trigger: Trigger::SlaWeekday,
        action: "Reforzar la cobertura del canal los {weekday}, el día con más incumplimientos.",
    },
    Rule {
        id: "escalation_agreement",
        trigger: Trigger::EscalationLate,
        action: "Acordar con {unit} un tiempo de respuesta a los casos escalados y revisar cada semana los vencidos.",
    },
    Rule {
        id: "theme_delay",
        trigger: Trigger::Theme("demora"),
        action: "Enviar acuse de recibo con el tiempo de respuesta esperado y hacer seguimiento a los casos sin respuesta.",
    },
    Rule {
        id: "theme_kindness",
        trigger: Trigger::Theme("mala_atencion"),
        action: "Taller de servicio y amabilidad con el equipo; revisar uno a uno los casos con quejas de trato.",
    },
    Rule {
        id: "theme_wrong_information",
        trigger: Trigger::Theme("informacion_erronea"),
        action: "Revisar las respuestas de los casos con quejas de información errónea y corregir las notas rápidas.",
    },
    Rule {
        id: "theme_costs",
        trigger: Trigger::Theme("costos"),
        action: "Publicar en el portafolio y en las respuestas tipo la información de costos y formas de pago.",
    },
    Rule {
        id: "theme_enrolment",
        trigger: Trigger::Theme("inscripciones"),
        action: "Coordinar con Admisiones y registro la información de inscripción, requisitos y entrevistas.",
    },
    Rule {
        id: "fallback_kindness",
        trigger: Trigger::Fallback(Attribute::Kindness),
        action: "Revisar con el equipo grabaciones o conversaciones del periodo y acordar pautas de trato; capacitar en servicio al usuario.",
    },
    Rule {
        id: "fallback_information",
        trigger: Trigger::Fallback(Attribute::InformationQuality),
        action: "Revisar con el equipo las preguntas frecuentes del periodo y actualizar el portafolio y las notas rápidas.",
    },
    Rule {
        id: "fallback_timeliness",
        trigger: Trigger::Fallback(Attribute::Timeliness),
        action: "Medir la carga por hora y día del canal y ajustar turnos para cumplir el acuerdo de servicio.",
    },
];

/// The actions the rules suggest for a cell's evidence, each with the rule id.
pub fn suggest(attribute: Attribute, ev: &Evidence) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for rule in RULES {
        let text = match rule.trigger {
            Trigger::ItemFails(items) => ev
                .failed_items
                .iter()
                .any(|f| items.contains(&f.item.as_str()) && f.fail_share() >= ITEM_FAIL_SHARE)
                .then(|| rule.action.to_string()),
            Trigger::Theme(theme) => ev
                .top_themes()
                .iter()
                .any(|(t, _)| t == theme)
                .then(|| rule.action.to_string()),
            Trigger::SlaHours => ev
                .sla
                .as_ref()
                .and_then(|s| s.peak_hours(CONCENTRATION))
                .map(|(h, _)| {
                    rule.action
                        .replace("{hours}", &format!("{h:02}:00–{:02}:00", h + 2))
                }),
            Trigger::SlaWeekday => ev
                .sla
                .as_ref()
                .and_then(|s| s.peak_weekday(CONCENTRATION))
                .map(|(d, _)| {
                    rule.action
                        .replace("{weekday}", super::causes::weekday_plural(d))
                }),
            Trigger::EscalationLate => ev
                .sla
                .as_ref()
                .and_then(|s| s.worst_escalation(ev.min_n))
                .map(|(u, _)| rule.action.replace("{unit}", &u)),
            Trigger::Fallback(a) => {
                (a == attribute && out.is_empty()).then(|| rule.action.to_string())
            }
        };
        if let Some(t) = text {
            if !out.iter().any(|(_, x)| *x == t) {
                out.push((rule.id, t));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::causes::{ItemFailure, SlaMisses};
    use super::*;

    fn evidence() -> Evidence {
        Evidence {
            min_n: 5,
            ..Evidence::default()
        }
    }

    #[test]
    fn greeting_failures_suggest_protocol_training() {
        let mut ev = evidence();
        ev.failed_items.push(ItemFailure {
            item: "greeting".into(),
            label: "Saludo".into(),
            n: 20,
            failed: 8,
        });
        let a = suggest(Attribute::Kindness, &ev);
        assert_eq!(a[0].0, "protocol_training");
        assert!(a[0].1.contains("PR-ME-002 §5"));
        assert_eq!(a.len(), 1, "no fallback once a rule fired");
    }

    #[test]
    fn rare_item_failures_do_not_trigger() {
        let mut ev = evidence();
        ev.failed_items.push(ItemFailure {
            item: "correct_information".into(),
            label: "x".into(),
            n: 50,
            failed: 2,
        });
        let a = suggest(Attribute::InformationQuality, &ev);
        assert_eq!(
            a.iter().map(|x| x.0).collect::<Vec<_>>(),
            vec!["fallback_information"]
        );
    }

    #[test]
    fn sla_concentrations_suggest_staffing_and_agreements() {
        let mut ev = evidence();
        let mut sla = SlaMisses {
            judged: 200,
            missed: 100,
            ..SlaMisses::default()
        };
        sla.by_hour.insert(12, 30);
        sla.by_hour.insert(13, 25);
        sla.by_hour.insert(9, 45);
        sla.by_weekday.insert(1, 40);
        sla.escalations_late
            .insert("Admisiones y registro".into(), 12);
        ev.sla = Some(sla);
        let a = suggest(Attribute::Timeliness, &ev);
        let ids: Vec<_> = a.iter().map(|x| x.0).collect();
        assert_eq!(
            ids,
            vec!["staffing_hours", "staffing_weekday", "escalation_agreement"]
        );
        assert!(a[0].1.contains("12:00–14:00"), "{}", a[0].1);
        assert!(a[1].1.contains("lunes"));
        assert!(a[2].1.contains("Admisiones y registro"));
    }

    #[test]
    fn themes_suggest_their_actions() {
        let mut ev = evidence();
        ev.negative_comments = 10;
        ev.themes.insert("demora".into(), 6);
        let a = suggest(Attribute::Timeliness, &ev);
        assert_eq!(a[0].0, "theme_delay");
    }

    #[test]
    fn every_rule_id_is_unique() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
