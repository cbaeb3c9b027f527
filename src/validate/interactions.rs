//! Interaction rows (DESIGN §3.1).

use super::*;
use crate::vocabulary::{Direction, Outcome};

pub struct Interactions;

pub(crate) const COLUMNS: &[&str] = &[
    "interaction_id",
    "channel",
    "unit",
    "received_at",
    "first_response_at",
    "resolved_at",
    "direction",
    "touchpoint",
    "agent_id",
    "topic",
    "contact",
    "stakeholder",
    "escalated_to",
    "escalated_at",
    "escalation_answered_at",
    "outcome",
    "habeas_data",
    "protocol_greeting",
    "protocol_need_identified",
    "protocol_habeas_script",
    "protocol_request_processed",
    "notes",
];

impl RowConverter for Interactions {
    fn columns(&self) -> &'static [&'static str] {
        COLUMNS
    }

    fn required(&self) -> &'static [&'static str] {
        &["interaction_id", "channel", "unit", "received_at"]
    }

    fn convert<'r>(
        &self,
        rec: &'r Record,
        ctx: &RowContext<'r>,
    ) -> Result<Converted<'r>, Rejection> {
        let id = required_text(rec, 0, "interaction_id")?;
        let channel = channel(rec, 1, "channel")?
            .ok_or_else(|| Rejection::new("missing_value", "channel", "a value is required"))?;
        let unit_code = unit(required_text(rec, 2, "unit")?, "unit", ctx)?;
        let received = required_timestamp(rec, 3, "received_at", ctx)?;
        let first_response = timestamp(rec, 4, "first_response_at", ctx)?;
        let resolved = timestamp(rec, 5, "resolved_at", ctx)?;
        if first_response.is_some_and(|t| t < received) {
            return Err(Rejection::new(
                "response_before_reception",
                "first_response_at",
                "the first response is earlier than received_at",
            ));
        }
        if resolved.is_some_and(|t| t < received) {
            return Err(Rejection::new(
                "resolved_before_reception",
                "resolved_at",
                "resolution is earlier than received_at",
            ));
        }
        let direction = match rec.values[6].fast_trim() {
            "" => Direction::Inbound,
            v => Direction::parse(v).ok_or_else(|| {
                Rejection::new(
                    "bad_direction",
                    "direction",
                    format!(
                        "`{}` is not allowed; expected inbound or outbound",
                        values::shorten(v)
                    ),
                )
            })?,
        };
        let stakeholder = stakeholder(rec, 11)?;
        let escalated_to = match rec.values[12].fast_trim() {
            "" => None,
            v => Some(unit(v, "escalated_to", ctx)?),
        };
        let escalated_at = timestamp(rec, 13, "escalated_at", ctx)?;
        let answered_at = timestamp(rec, 14, "escalation_answered_at", ctx)?;
        if let (Some(a), Some(e)) = (answered_at, escalated_at.or(Some(received))) {
            if a < e {
                return Err(Rejection::new(
                    "answer_before_escalation",
                    "escalation_answered_at",
                    "the escalation was answered before it was made",
                ));
            }
        }
        if escalated_at.is_some_and(|t| t < received) {
            return Err(Rejection::new(
                "escalation_before_reception",
                "escalated_at",
                "the escalation is earlier than received_at",
            ));
        }
        let outcome = match rec.values[15].fast_trim() {
            "" => None,
            v => Some(Outcome::parse(v).ok_or_else(|| {
                Rejection::new(
                    "bad_outcome",
                    "outcome",
                    format!(
                        "`{}` is not allowed; expected resolved, escalated, abandoned or pending",
                        values::shorten(v)
                    ),
                )
            })?),
        };
        let habeas = boolean(rec, 16, "habeas_data")?;
        let mut protocol = [Val::Null, Val::Null, Val::Null, Val::Null];
        for (k, col) in [
            "protocol_greeting",
            "protocol_need_identified",
            "protocol_habeas_script",
            "protocol_request_processed",
        ]
        .into_iter()
        .enumerate()
        {
            protocol[k] = boolean(rec, 17 + k, col)?.map_or(Val::Null, Val::Bool);
        }
        let contact = pseudonym(rec, 10, "contact", habeas, ctx)?;
        let [p0, p1, p2, p3] = protocol;
        let values = vec![
            text_val(id),
            text_val(channel.code()),
            text_val(unit_code),
            Val::Ts(received),
            first_response.map_or(Val::Null, Val::Ts),
            resolved.map_or(Val::Null, Val::Ts),
            text_val(direction.code()),
            optional_text(rec, 7),
            optional_text(rec, 8),
            redacted_text(rec, 9),
            contact,
            opt_code(stakeholder, |s| s.code()),
            escalated_to.map_or(Val::Null, text_val),
            escalated_at.map_or(Val::Null, Val::Ts),
            answered_at.map_or(Val::Null, Val::Ts),
            opt_code(outcome, |o| o.code()),
            habeas.map_or(Val::Null, Val::Bool),
            p0,
            p1,
            p2,
            p3,
            redacted_text(rec, 21),
        ];
        Ok(Converted {
            values,
            event_at: received,
            key_hash: key_hash(&[id]),
        })
    }
}
