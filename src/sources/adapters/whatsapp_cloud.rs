//! `whatsapp_cloud`: the WhatsApp Cloud API webhook bodies an institution archives
//! (`object: whatsapp_business_account`, `entry[].changes[].value` with `messages`,
//! `statuses`, `contacts`, `metadata`), DESIGN §3.5.
//!
//! The business's own messages never arrive as such: only their statuses (`sent`,
//! `delivered`, `read`, `failed`) do, addressed to the person's `wa_id`. So a response is
//! the earliest status of a business message to that person from the same number. A
//! message that failed never reached the person and is no response; one a bot sent (the
//! site marks them with `biz_opaque_callback_data`) is no human response.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::chat_sessions::{Inbound, Reply};
use super::messaging::{self, Account, Events, Site, Webhooks};
use super::webhook_archive::{integer, one_of, text};
use super::{AdaptError, CanonRow};

/// Site settings, `[whatsapp_cloud]` of a source file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Canonical channel (default `whatsapp`).
    #[serde(default = "whatsapp")]
    pub channel: String,
    /// The institution's numbers: `phone_number_id` (of `metadata`) → unit and touchpoint.
    pub numbers: BTreeMap<String, Account>,
    /// Ids or texts of the replies that accept the personal-data policy (a button's id or
    /// payload, a list row's id, a typed text). Unset: habeas unknown, no number is kept.
    pub habeas_replies: Option<Vec<String>>,
    /// Prefixes of the `biz_opaque_callback_data` the site's bot puts on what it sends:
    /// such messages are never a response.
    #[serde(default)]
    pub bot_callback_data: Vec<String>,
    /// Read the other webhook files of the same folder for context (default true).
    #[serde(default = "messaging::yes")]
    pub read_archive: bool,
}

fn whatsapp() -> String {
    "whatsapp".to_string()
}

impl Settings {
    pub fn check(&self) -> Result<(), String> {
        messaging::check_accounts(&self.numbers, Self::ACCOUNTS_TABLE)
    }
}

/// Message types that are not a contact: a reaction is no request, a `system` message
/// (the person changed number) is written by WhatsApp.
const NOT_A_CONTACT: [(&str, &str); 2] = [
    ("reaction", "reacciones (no son un contacto)"),
    ("system", "mensajes del sistema de WhatsApp"),
];

/// The person's id: a `wa_id` as bare digits (an archive that rewrote it as `+57 318…`
/// must still meet the statuses, which carry `573186…`), or a business-scoped user id.
fn person(v: &Value) -> Option<String> {
    let raw = text(v)?;
    let phone_like = raw
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    Some(if phone_like {
        raw.chars().filter(char::is_ascii_digit).collect()
    } else {
        raw
    })
    .filter(|p| !p.is_empty())
}

impl Webhooks for Settings {
    const ADAPTER: &'static str = "whatsapp_cloud";
    const WHAT: &'static str = "webhooks de WhatsApp Cloud API (object: whatsapp_business_account)";
    const ID_PREFIX: &'static str = "wa-";
    const OBJECT: &'static str = "whatsapp_business_account";
    const ACCOUNTS_TABLE: &'static str = "whatsapp_cloud.numbers";
    const ACCOUNT: &'static str = "el número phone_number_id";

    fn read(&self, body: &Value, line: Option<u64>, ev: &mut Events) {
        let changes = body["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["changes"].as_array().into_iter().flatten());
        for change in changes {
            if change["field"] != "messages" {
                continue;
            }
            let value = &change["value"];
            let Some(number) = text(&value["metadata"]["phone_number_id"]) else {
                ev.problem(
                    line,
                    "cambio `messages` sin metadata.phone_number_id".into(),
                );
                continue;
            };
            for m in value["messages"].as_array().into_iter().flatten() {
                self.read_message(&number, m, line, ev);
            }
            for s in value["statuses"].as_array().into_iter().flatten() {
                self.read_status(&number, s, line, ev);
            }
        }
    }

    fn accounts(&self) -> &BTreeMap<String, Account> {
        &self.numbers
    }

    fn contact(&self, user: &str) -> Option<String> {
        // A wa_id is the number with its country code; a business-scoped user id
        // (`CO.123…`, people with a username) is no phone number: withheld.
        (!user.is_empty() && user.bytes().all(|b| b.is_ascii_digit())).then(|| user.to_string())
    }

    fn site(&self) -> Site<'_> {
        Site {
            channel: &self.channel,
            habeas_known: self.habeas_replies.is_some(),
            read_archive: self.read_archive,
        }
    }
}

impl Settings {
    fn read_message(&self, number: &str, m: &Value, line: Option<u64>, ev: &mut Events) {
        let (Some(id), Some(at), Some(from)) = (
            text(&m["id"]),
            integer(&m["timestamp"]),
            person(&m["from"]).or_else(|| person(&m["from_user_id"])),
        ) else {
            ev.problem(line, "mensaje sin id, timestamp o from".into());
            return;
        };
        if !ev.first_delivery(format!("m:{id}"), line) {
            return;
        }
        let kind = m["type"].as_str().unwrap_or("");
        if let Some((_, why)) = NOT_A_CONTACT.iter().find(|(t, _)| *t == kind) {
            ev.skip(why, line);
            return;
        }
        let key = ev.key(number, &from);
        ev.inbound.push(Inbound {
            key,
            id,
            at_ms: at.saturating_mul(1000),
            habeas: self.accepts_habeas(m),
            line,
        });
    }

    fn read_status(&self, number: &str, s: &Value, line: Option<u64>, ev: &mut Events) {
        let (Some(id), Some(status), Some(at), Some(to)) = (
            text(&s["id"]),
            text(&s["status"]),
            integer(&s["timestamp"]),
            person(&s["recipient_id"]).or_else(|| person(&s["recipient_user_id"])),
        ) else {
            ev.problem(
                line,
                "estado sin id, status, timestamp o recipient_id".into(),
            );
            return;
        };
        if s["recipient_type"] == "group" {
            ev.skip("estados de mensajes a grupos", line);
            return;
        }
        if !ev.first_delivery(format!("s:{id}:{status}"), line) {
            return;
        }
        let bot = text(&s["biz_opaque_callback_data"]).is_some_and(|d| {
            self.bot_callback_data
                .iter()
                .any(|p| !p.is_empty() && d.starts_with(p.as_str()))
        });
        if bot {
            ev.skip("estados de mensajes del bot (no son una respuesta)", line);
        }
        if status == "failed" {
            ev.skip("envíos fallidos (no son una respuesta)", line);
            ev.failed.insert(id.clone());
        }
        let key = ev.key(number, &to);
        let reply = Reply {
            key,
            at_ms: at.saturating_mul(1000),
            counts: status != "failed" && !bot,
            line,
        };
        ev.replies.push((reply, id));
    }

    /// The message is a reply that accepts the personal-data policy.
    fn accepts_habeas(&self, m: &Value) -> bool {
        let Some(accepted) = &self.habeas_replies else {
            return false;
        };
        let i = &m["interactive"];
        [
            &i["button_reply"]["id"],
            &i["button_reply"]["title"],
            &i["list_reply"]["id"],
            &m["button"]["payload"],
            &m["button"]["text"],
            &m["text"]["body"],
        ]
        .into_iter()
        .filter_map(text)
        .any(|v| one_of(&v, accepted))
    }
}

pub fn adapt(s: &Settings, path: &Path, bytes: &[u8]) -> Result<Adapted, AdaptError> {
    messaging::adapt(s, path, bytes)
}

type Adapted = (Vec<CanonRow>, Vec<(String, u64)>, String);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings() -> Settings {
        toml::from_str(
            r#"
            habeas_replies = ["HABEAS_SI"]
            bot_callback_data = ["bot:"]
            [numbers."1098"]
            unit = "admisiones"
            "#,
        )
        .unwrap()
    }

    fn body(value: Value) -> Value {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
            {"field": "messages", "value": value}]}]})
    }

    fn message(from: &str, id: &str, extra: Value) -> Value {
        let mut m = json!({"from": from, "id": id, "timestamp": "1791205200", "type": "text"});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body(json!({"metadata": {"phone_number_id": "1098"}, "messages": [m]}))
    }

    fn status(id: &str, status: &str, extra: Value) -> Value {
        let mut s = json!({"id": id, "status": status, "timestamp": "1791205300",
                           "recipient_id": "573186727815"});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body(json!({"metadata": {"phone_number_id": "1098"}, "statuses": [s]}))
    }

    #[test]
    fn habeas_by_button_id_template_payload_or_text_but_not_by_other_answers() {
        let s = settings();
        let mut ev = Events::default();
        for (id, extra) in [
            (
                "a",
                json!({"type": "interactive", "interactive": {"type": "button_reply",
                "button_reply": {"id": "HABEAS_SI", "title": "Acepto"}}}),
            ),
            (
                "b",
                json!({"type": "button", "button": {"payload": "habeas_si", "text": "Sí"}}),
            ),
            ("c", json!({"text": {"body": " HABEAS_SI "}})),
            ("d", json!({"text": {"body": "No acepto"}})),
        ] {
            s.read(&message("573186727815", id, extra), Some(1), &mut ev);
        }
        let habeas: Vec<bool> = ev.inbound.iter().map(|m| m.habeas).collect();
        assert_eq!(habeas, vec![true, true, true, false]);
        assert_eq!(ev.inbound[0].at_ms, 1_791_205_200_000);
    }

    #[test]
    fn reactions_and_system_messages_open_nothing_and_repeats_are_dropped() {
        let s = settings();
        let mut ev = Events::default();
        s.read(
            &message("57300", "r", json!({"type": "reaction"})),
            Some(1),
            &mut ev,
        );
        s.read(
            &message("57300", "s", json!({"type": "system"})),
            Some(2),
            &mut ev,
        );
        s.read(&message("57300", "m", json!({})), Some(3), &mut ev);
        s.read(&message("57300", "m", json!({})), Some(4), &mut ev);
        assert_eq!(ev.inbound.len(), 1);
        assert_eq!(ev.skipped.values().sum::<u64>(), 3);
    }

    #[test]
    fn bot_and_failed_statuses_do_not_count_and_groups_are_left_out() {
        let s = settings();
        let mut ev = Events::default();
        s.read(&status("h", "sent", json!({})), Some(1), &mut ev);
        s.read(
            &status("b", "sent", json!({"biz_opaque_callback_data": "bot:menu"})),
            Some(2),
            &mut ev,
        );
        s.read(
            &status("f", "failed", json!({"errors": [{"code": 131026}]})),
            Some(3),
            &mut ev,
        );
        s.read(
            &status("g", "sent", json!({"recipient_type": "group"})),
            Some(4),
            &mut ev,
        );
        let counts: Vec<bool> = ev.replies.iter().map(|(r, _)| r.counts).collect();
        assert_eq!(counts, vec![true, false, false]);
        assert!(ev.failed.contains("f"));
    }

    #[test]
    fn a_business_scoped_user_id_is_no_phone_number() {
        let s = settings();
        assert_eq!(s.contact("573186727815").as_deref(), Some("573186727815"));
        assert_eq!(s.contact("CO.1502576394655843"), None);
        let mut ev = Events::default();
        let m = json!({"from_user_id": "CO.15", "id": "u", "timestamp": "1", "type": "text"});
        s.read(
            &body(json!({"metadata": {"phone_number_id": "1098"}, "messages": [m]})),
            Some(1),
            &mut ev,
        );
        assert_eq!(ev.parties[&ev.inbound[0].key].user, "CO.15");
    }

    #[test]
    fn a_number_written_with_plus_and_spaces_meets_its_statuses() {
        let s = settings();
        let mut ev = Events::default();
        s.read(
            &message("+57 318 672 7815", "m", json!({})),
            Some(1),
            &mut ev,
        );
        s.read(&status("h", "sent", json!({})), Some(2), &mut ev);
        assert_eq!(ev.inbound[0].key, ev.replies[0].0.key);
        assert_eq!(
            person(&json!("(+57) 318-672-7815")).as_deref(),
            Some("573186727815")
        );
        assert_eq!(person(&json!(" + ")), None);
    }

    #[test]
    fn settings_need_a_number_with_a_unit() {
        let mut s = settings();
        assert!(s.check().is_ok());
        s.numbers.clear();
        assert!(s.check().unwrap_err().contains("whatsapp_cloud.numbers"));
    }
}
