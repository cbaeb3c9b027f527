//! The driver the messaging adapters share (`whatsapp_cloud`, `messenger`): read a webhook
//! file in the context of its archive, deduplicate, apply the session rule, and write one
//! canonical interaction per session the file touches (DESIGN §3.5).
//!
//! Each adapter says what its bodies hold ([`Webhooks::read`]) and where its accounts
//! belong ([`Webhooks::place`]); the time rule and the personal-data rules live here and in
//! [`super::chat_sessions`], so the two channels cannot drift apart.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::chat_sessions::{self, Inbound, Reply, Session};
use super::webhook_archive::{self, Body};
use super::{AdaptError, CanonRow};

/// One of the institution's accounts (a WhatsApp number, a Facebook page), in the site
/// settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Catalog unit that answers it.
    pub unit: String,
    /// Touchpoint (e.g. `whatsapp_institucional`).
    pub touchpoint: Option<String>,
}

/// Serde default of `read_archive`.
pub fn yes() -> bool {
    true
}

/// The accounts table must name at least one account, each with a unit.
pub fn check_accounts(accounts: &BTreeMap<String, Account>, table: &str) -> Result<(), String> {
    if accounts.is_empty() {
        return Err(format!(
            "[{table}] está vacía: falta id de la cuenta → unidad"
        ));
    }
    match accounts.iter().find(|(_, a)| a.unit.trim().is_empty()) {
        Some((id, _)) => Err(format!("[{table}.\"{id}\"] sin unit")),
        None => Ok(()),
    }
}

/// The settings every messaging adapter has.
pub struct Site<'a> {
    /// Canonical channel.
    pub channel: &'a str,
    /// The site says how people give personal-data authorisation; without it nobody's
    /// identifier is kept.
    pub habeas_known: bool,
    /// Read the archive's other files for context.
    pub read_archive: bool,
}

/// The person and the business account behind a conversation key.
#[derive(Debug, Clone)]
pub struct Party {
    /// The institution's account: WhatsApp `phone_number_id`, Facebook page id.
    pub account: String,
    /// The person: WhatsApp `wa_id` (or business-scoped user id), Messenger PSID.
    pub user: String,
}

/// What the bodies of an archive hold, deduplicated.
#[derive(Default)]
pub struct Events {
    pub inbound: Vec<Inbound>,
    /// Replies with the id of the business message they belong to.
    pub replies: Vec<(Reply, String)>,
    /// Business messages that failed: none of their statuses is a response.
    pub failed: HashSet<String>,
    pub parties: HashMap<String, Party>,
    /// Records of the adapted file that cannot be mapped.
    pub problems: Vec<CanonRow>,
    seen: HashSet<String>,
    /// Records of the adapted file deliberately left out, by reason.
    pub(super) skipped: BTreeMap<&'static str, u64>,
}

impl Events {
    /// The conversation key of an account and a person (remembered for the row).
    pub fn key(&mut self, account: &str, user: &str) -> String {
        let key = format!("{account}\u{1f}{user}");
        self.parties.entry(key.clone()).or_insert_with(|| Party {
            account: account.to_string(),
            user: user.to_string(),
        });
        key
    }

    /// True the first time a delivery id is seen; a repeat of the adapted file counts as a
    /// duplicate delivery.
    pub fn first_delivery(&mut self, id: String, line: Option<u64>) -> bool {
        let first = self.seen.insert(id);
        if !first {
            self.skip("entregas repetidas del webhook (mismo id)", line);
        }
        first
    }

    /// Counts a record of the adapted file that is not a contact.
    pub fn skip(&mut self, why: &'static str, line: Option<u64>) {
        if line.is_some() {
            *self.skipped.entry(why).or_default() += 1;
        }
    }

    /// A record of the adapted file that cannot be mapped.
    pub fn problem(&mut self, line: Option<u64>, why: String) {
        if let Some(line) = line {
            let mut row = CanonRow::new(line);
            row.problem = Some(why);
            self.problems.push(row);
        }
    }
}

/// One messaging adapter.
pub trait Webhooks {
    /// Adapter name, as `recognise` calls it.
    const ADAPTER: &'static str;
    /// The bodies, for people: "webhooks de WhatsApp Cloud API (object: …)".
    const WHAT: &'static str;
    /// Prefix of the hashed interaction ids.
    const ID_PREFIX: &'static str;

    /// The `object` of this adapter's bodies.
    const OBJECT: &'static str;
    /// The settings table of the accounts, e.g. `whatsapp_cloud.numbers`.
    const ACCOUNTS_TABLE: &'static str;
    /// What an account is, for people: "el número phone_number_id".
    const ACCOUNT: &'static str;

    /// Whether a body is one of this adapter's.
    fn is_mine(&self, body: &Value) -> bool {
        body["object"] == Self::OBJECT
    }
    /// Reads one body; `line` is `Some` for bodies of the adapted file.
    fn read(&self, body: &Value, line: Option<u64>, events: &mut Events);
    /// The institution's accounts → unit and touchpoint.
    fn accounts(&self) -> &BTreeMap<String, Account>;
    /// The person's identifier to pseudonymise (`None`: withheld).
    fn contact(&self, user: &str) -> Option<String>;
    /// The settings every messaging adapter has.
    fn site(&self) -> Site<'_>;
}

type Adapted = (Vec<CanonRow>, Vec<(String, u64)>, String);

pub fn adapt<W: Webhooks>(w: &W, path: &Path, bytes: &[u8]) -> Result<Adapted, AdaptError> {
    let own = webhook_archive::bodies(bytes);
    refuse_foreign(w, path, &own)?;
    let mut events = Events::default();
    for body in &own {
        match &body.value {
            Err(e) => events.problem(Some(body.line), e.clone()),
            Ok(v) if !w.is_mine(v) => {
                events.problem(Some(body.line), format!("el cuerpo no es de {}", W::WHAT))
            }
            Ok(v) => w.read(v, Some(body.line), &mut events),
        }
    }
    let mine: HashSet<String> = events.parties.keys().cloned().collect();
    let mut context_files = 0;
    if w.site().read_archive {
        for other in webhook_archive::neighbours(path, W::ADAPTER) {
            let Some(bodies) = webhook_archive::cached_bodies(&other) else {
                continue;
            };
            context_files += 1;
            for v in bodies.iter().filter_map(|b| b.value.as_ref().ok()) {
                if w.is_mine(v) {
                    w.read(v, None, &mut events);
                }
            }
        }
        // Only the conversations of people this file names matter.
        events.inbound.retain(|m| mine.contains(&m.key));
        events.replies.retain(|(r, _)| mine.contains(&r.key));
    }
    // A message that failed never reached the person, even if it was `sent` first.
    let replies = std::mem::take(&mut events.replies)
        .into_iter()
        .map(|(mut r, message)| {
            r.counts &= !events.failed.contains(&message);
            r
        })
        .collect();
    let built = chat_sessions::build(std::mem::take(&mut events.inbound), replies);
    let mut rows = std::mem::take(&mut events.problems);
    for s in built.sessions.iter().filter(|s| s.line.is_some()) {
        rows.push(session_row(w, s, &events.parties[&s.key]));
    }
    rows.sort_by_key(|r| r.line);
    let mut skipped: Vec<(String, u64)> = events
        .skipped
        .iter()
        .map(|(why, n)| (why.to_string(), *n))
        .collect();
    if built.orphan_replies > 0 {
        skipped.push((
            "estados o respuestas a personas sin conversación entrante".to_string(),
            built.orphan_replies,
        ));
    }
    let described = format!(
        "{}, {} cuerpos{}",
        W::WHAT,
        own.len(),
        match context_files {
            0 => String::new(),
            n => format!(" (y {n} archivo(s) del mismo archivo histórico como contexto)"),
        }
    );
    Ok((rows, skipped, described))
}

/// A file whose first readable body is not this adapter's is refused whole, saying what
/// it looks like; so is a file with no readable body.
fn refuse_foreign<W: Webhooks>(w: &W, path: &Path, bodies: &[Body]) -> Result<(), AdaptError> {
    let first = bodies
        .iter()
        .find_map(|b| b.value.as_ref().ok().map(|v| (b.line, v)));
    let why = match (first, bodies.first()) {
        (Some((_, v)), _) if w.is_mine(v) => return Ok(()),
        (Some((line, _)), _) => format!("línea {line}: no es un cuerpo de {}", W::WHAT),
        (
            None,
            Some(Body {
                line,
                value: Err(e),
            }),
        ) => {
            format!("línea {line}: {e}; se esperaban {}", W::WHAT)
        }
        (None, _) => format!("el archivo está vacío: se esperaban {}", W::WHAT),
    };
    Err(AdaptError::Layout {
        path: path.to_path_buf(),
        message: format!(
            "{why}{}",
            super::recognise::hint_for(path, Some(W::ADAPTER))
        ),
    })
}

fn session_row<W: Webhooks>(w: &W, s: &Session, party: &Party) -> CanonRow {
    let mut row = CanonRow::new(s.line.unwrap_or(0));
    row.set(
        "interaction_id",
        webhook_archive::hashed_id(W::ID_PREFIX, &s.first_id),
    );
    row.set("channel", w.site().channel);
    row.set("direction", "inbound");
    row.set("received_at", webhook_archive::utc_ms(s.received_ms));
    if let Some(t) = s.response_ms {
        row.set("first_response_at", webhook_archive::utc_ms(t));
    }
    match w.accounts().get(&party.account) {
        Some(a) => {
            row.set("unit", a.unit.as_str());
            if let Some(t) = &a.touchpoint {
                row.set("touchpoint", t.as_str());
            }
        }
        // Quarantined: nothing of the person goes with it. (An empty unit keeps the column
        // present, so a file of such rows is quarantined row by row, not refused whole.)
        None => {
            row.set("unit", "");
            row.problem = Some(format!(
                "{} {} no está en [{}]",
                W::ACCOUNT,
                party.account,
                W::ACCOUNTS_TABLE
            ));
            return row;
        }
    }
    if w.site().habeas_known {
        row.set("habeas_data", if s.habeas { "true" } else { "false" });
        if let Some(contact) = s.habeas.then(|| w.contact(&party.user)).flatten() {
            row.set("contact", contact);
        }
    }
    row
}
