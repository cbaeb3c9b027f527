//! `messenger`: Messenger Platform webhook bodies of the institution's Facebook page
//! (`object: page`, `entry[].messaging[]` and `entry[].standby[]`), DESIGN §3.5.
//!
//! The person's messages and postbacks are the inbound side; what the page sends comes
//! back as an echo (`message.is_echo`) naming the app that sent it. Only echoes of a human
//! inbox app (the Page Inbox, Meta Business Suite, a contact-center tool the site lists)
//! are a response: a bot's greeting or an auto-reply is not. Timestamps are milliseconds.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::chat_sessions::{Inbound, Reply};
use super::messaging::{self, Account, Events, Site, Webhooks};
use super::webhook_archive::{integer, one_of, text};
use super::{AdaptError, CanonRow};

/// The app id of Facebook's Page Inbox (Meta Business Suite): a person answering.
pub const PAGE_INBOX_APP_ID: &str = "263902037430900";

/// Site settings, `[messenger]` of a source file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Canonical channel (default `messenger`).
    #[serde(default = "messenger")]
    pub channel: String,
    /// The institution's pages: page id → unit and touchpoint.
    pub pages: BTreeMap<String, Account>,
    /// Apps whose echoes are a person answering (default: the Page Inbox).
    #[serde(default = "page_inbox")]
    pub human_app_ids: Vec<AppId>,
    /// The site's bots and auto-reply apps: their echoes are never a response.
    #[serde(default)]
    pub bot_app_ids: Vec<AppId>,
    /// Postback or quick-reply payloads (or typed texts) that accept the personal-data
    /// policy. Unset: habeas unknown, no PSID is kept.
    pub habeas_replies: Option<Vec<String>>,
    /// Read the other webhook files of the same folder for context (default true).
    #[serde(default = "messaging::yes")]
    pub read_archive: bool,
}

/// An app id, written as a number (as Meta sends it) or a string.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum AppId {
    Number(u64),
    Text(String),
}

impl AppId {
    fn is(&self, id: &str) -> bool {
        match self {
            AppId::Number(n) => n.to_string() == id,
            AppId::Text(s) => s.trim() == id,
        }
    }
}

fn messenger() -> String {
    "messenger".to_string()
}

fn page_inbox() -> Vec<AppId> {
    vec![AppId::Text(PAGE_INBOX_APP_ID.to_string())]
}

impl Settings {
    pub fn check(&self) -> Result<(), String> {
        messaging::check_accounts(&self.pages, Self::ACCOUNTS_TABLE)?;
        if let Some(both) = self
            .human_app_ids
            .iter()
            .find(|a| self.bot_app_ids.contains(a))
        {
            return Err(format!(
                "[messenger]: la app {both:?} está en human_app_ids y en bot_app_ids"
            ));
        }
        Ok(())
    }

    fn read_event(&self, page: &str, e: &Value, line: Option<u64>, ev: &mut Events) {
        let (Some(sender), Some(recipient), Some(at)) = (
            text(&e["sender"]["id"]),
            text(&e["recipient"]["id"]),
            integer(&e["timestamp"]),
        ) else {
            ev.problem(
                line,
                "evento sin sender.id, recipient.id o timestamp".into(),
            );
            return;
        };
        let m = &e["message"];
        let p = &e["postback"];
        if m.is_object() && m["is_echo"] == true {
            self.read_echo(page, &recipient, at, m, line, ev);
        } else if m.is_object() || p.is_object() {
            // Old postbacks have no mid: the person, the time and the payload name one.
            let id = text(&m["mid"])
                .or_else(|| text(&p["mid"]))
                .unwrap_or_else(|| format!("postback:{sender}:{at}:{}", p["payload"]));
            if !ev.first_delivery(format!("m:{id}"), line) {
                return;
            }
            let key = ev.key(page, &sender);
            ev.inbound.push(Inbound {
                key,
                id,
                at_ms: at,
                habeas: self.accepts_habeas(m, p),
                line,
            });
        } else if e["reaction"].is_object() {
            ev.skip("reacciones (no son un contacto)", line);
        }
        // `read`, `delivery`, `optin`, `referral`, handovers: not contacts, not responses.
    }

    fn read_echo(
        &self,
        page: &str,
        person: &str,
        at: i64,
        m: &Value,
        line: Option<u64>,
        ev: &mut Events,
    ) {
        let Some(mid) = text(&m["mid"]) else {
            ev.problem(line, "eco sin mid".into());
            return;
        };
        if !ev.first_delivery(format!("m:{mid}"), line) {
            return;
        }
        let app = text(&m["app_id"]).unwrap_or_default();
        let human = self.human_app_ids.iter().any(|a| a.is(&app));
        if !human {
            if self.bot_app_ids.iter().any(|a| a.is(&app)) {
                ev.skip(
                    "ecos de bots o respuestas automáticas (no son una respuesta)",
                    line,
                );
            } else {
                ev.skip(
                    "ecos de una app que no está en human_app_ids ni bot_app_ids (no cuentan como respuesta)",
                    line,
                );
            }
        }
        let key = ev.key(page, person);
        let reply = Reply {
            key,
            at_ms: at,
            counts: human,
            line,
        };
        ev.replies.push((reply, mid));
    }

    fn accepts_habeas(&self, m: &Value, p: &Value) -> bool {
        let Some(accepted) = &self.habeas_replies else {
            return false;
        };
        [&m["quick_reply"]["payload"], &m["text"], &p["payload"]]
            .into_iter()
            .filter_map(text)
            .any(|v| one_of(&v, accepted))
    }
}

impl Webhooks for Settings {
    const ADAPTER: &'static str = "messenger";
    const WHAT: &'static str = "webhooks de Messenger (object: page)";
    const ID_PREFIX: &'static str = "ms-";
    const OBJECT: &'static str = "page";
    const ACCOUNTS_TABLE: &'static str = "messenger.pages";
    const ACCOUNT: &'static str = "la página";

    fn read(&self, body: &Value, line: Option<u64>, ev: &mut Events) {
        for entry in body["entry"].as_array().into_iter().flatten() {
            let Some(page) = text(&entry["id"]) else {
                ev.problem(line, "entrada sin id de página".into());
                continue;
            };
            // `standby` holds what the page received while another app had the thread.
            for list in ["messaging", "standby"] {
                for e in entry[list].as_array().into_iter().flatten() {
                    self.read_event(&page, e, line, ev);
                }
            }
        }
    }

    fn accounts(&self) -> &BTreeMap<String, Account> {
        &self.pages
    }

    fn contact(&self, user: &str) -> Option<String> {
        // A PSID names the person on this page only; the prefix keeps it apart from
        // phone and document numbers once normalised.
        (!user.is_empty()).then(|| format!("psid:{user}"))
    }

    fn site(&self) -> Site<'_> {
        Site {
            channel: &self.channel,
            habeas_known: self.habeas_replies.is_some(),
            read_archive: self.read_archive,
        }
    }
}

type Adapted = (Vec<CanonRow>, Vec<(String, u64)>, String);

pub fn adapt(s: &Settings, path: &Path, bytes: &[u8]) -> Result<Adapted, AdaptError> {
    messaging::adapt(s, path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PAGE: &str = "1048";

    fn settings() -> Settings {
        toml::from_str(
            r#"
            bot_app_ids = [640123456789012]
            habeas_replies = ["HABEAS_SI"]
            [pages."1048"]
            unit = "admisiones"
            "#,
        )
        .unwrap()
    }

    fn body(list: &str, event: Value) -> Value {
        json!({"object": "page", "entry": [{"id": PAGE, "time": 1, list: [event]}]})
    }

    fn echo(app: Value, mid: &str) -> Value {
        body(
            "messaging",
            json!({"sender": {"id": PAGE}, "recipient": {"id": "72"}, "timestamp": 1_000,
                   "message": {"mid": mid, "is_echo": true, "app_id": app}}),
        )
    }

    #[test]
    fn only_echoes_of_a_human_app_count_whether_ids_are_numbers_or_text() {
        let s = settings();
        assert!(s.human_app_ids[0].is(PAGE_INBOX_APP_ID));
        let mut ev = Events::default();
        s.read(&echo(json!(263902037430900u64), "h"), Some(1), &mut ev);
        s.read(&echo(json!("263902037430900"), "h2"), Some(2), &mut ev);
        s.read(&echo(json!(640123456789012u64), "b"), Some(3), &mut ev);
        s.read(&echo(json!(1u64), "x"), Some(4), &mut ev);
        let counts: Vec<bool> = ev.replies.iter().map(|(r, _)| r.counts).collect();
        assert_eq!(counts, vec![true, true, false, false]);
        // The echo's recipient is the person.
        assert_eq!(ev.parties[&ev.replies[0].0.key].user, "72");
    }

    #[test]
    fn messages_and_postbacks_are_inbound_reactions_reads_and_deliveries_are_not() {
        let s = settings();
        let mut ev = Events::default();
        let from = |extra: Value| {
            let mut e =
                json!({"sender": {"id": "72"}, "recipient": {"id": PAGE}, "timestamp": 5_250});
            e.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            e
        };
        s.read(
            &body(
                "messaging",
                from(json!({"message": {"mid": "m1", "text": "Hola",
                "quick_reply": {"payload": "HABEAS_SI"}}})),
            ),
            Some(1),
            &mut ev,
        );
        // An old postback without mid, received on standby.
        s.read(
            &body(
                "standby",
                from(json!({"postback": {"title": "Empezar", "payload": "GET_STARTED"}})),
            ),
            Some(2),
            &mut ev,
        );
        s.read(
            &body(
                "messaging",
                from(json!({"reaction": {"mid": "m0", "action": "react"}})),
            ),
            Some(3),
            &mut ev,
        );
        s.read(
            &body("messaging", from(json!({"read": {"watermark": 1}}))),
            Some(4),
            &mut ev,
        );
        let got: Vec<(bool, i64)> = ev.inbound.iter().map(|m| (m.habeas, m.at_ms)).collect();
        assert_eq!(got, vec![(true, 5_250), (false, 5_250)]);
        assert!(ev.inbound[1].id.starts_with("postback:72:5250:"));
        assert_eq!(ev.skipped.values().sum::<u64>(), 1);
    }

    #[test]
    fn an_app_cannot_be_both_human_and_bot() {
        let mut s = settings();
        assert!(s.check().is_ok());
        s.bot_app_ids.push(AppId::Text(PAGE_INBOX_APP_ID.into()));
        assert!(s.check().is_err());
    }
}
