//! `asterisk_cdr`: the `Master.csv` that Asterisk's `cdr_csv` writes (DESIGN §3.5).
//!
//! No header; every string field quoted, `duration` and `billsec` bare; times
//! `%Y-%m-%d %T` in the PBX's local time; 21 columns with `loguniqueid`, `loguserfield`
//! and the linkedid/sequence fields of Asterisk ≥ 12. A call is the rows sharing
//! `linkedid`; Asterisk writes them when each leg hangs up, so file order is not call
//! order and `sequence` orders them. A leg `ANSWERED` by a channel that is not an agent
//! (empty `dstchannel`: the IVR's `Playback`, `VoiceMail`) is a machine, never a response.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::{AdaptError, CanonRow};

pub const COLUMNS: [&str; 21] = [
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
    "peeraccount",
    "linkedid",
    "sequence",
];

/// Site settings, `[asterisk_cdr]` of a source file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Canonical channel of these calls (default `phone`).
    #[serde(default = "phone")]
    pub channel: String,
    /// Channel-name patterns of the trunks (`*`, `?`), e.g. `PJSIP/claro-*`.
    pub trunk_channels: Vec<String>,
    /// Channel-name patterns of the agents' phones, e.g. `PJSIP/1???-*`.
    pub agent_channels: Vec<String>,
    /// Dialplan contexts where calls from the trunks enter, e.g. `from-trunk`.
    pub inbound_contexts: Vec<String>,
    /// Dialplan contexts of the extensions (calls placed by agents).
    #[serde(default)]
    pub internal_contexts: Vec<String>,
    /// Dialled number (DID, national digits) → touchpoint.
    #[serde(default)]
    pub touchpoints: BTreeMap<String, String>,
    /// Queue name (first token of `lastdata` of the `Queue` leg) → catalog unit.
    #[serde(default)]
    pub queues: BTreeMap<String, String>,
    /// Unit of calls that reach no known queue (e.g. outbound calls). Without it such a
    /// call is quarantined.
    pub default_unit: Option<String>,
    /// `userfield` values that mean the caller gave personal-data authorisation (e.g. set
    /// by the IVR's habeas prompt). Unset: habeas unknown, so no caller id is kept.
    pub habeas_userfield: Option<Vec<String>>,
}

fn phone() -> String {
    "phone".to_string()
}

impl Settings {
    pub fn check(&self) -> Result<(), String> {
        for p in self.trunk_channels.iter().chain(&self.agent_channels) {
            glob::Pattern::new(p).map_err(|e| format!("patrón de canal `{p}` inválido: {e}"))?;
        }
        if self.trunk_channels.is_empty() || self.agent_channels.is_empty() {
            return Err("[asterisk_cdr] necesita trunk_channels y agent_channels".into());
        }
        Ok(())
    }
}

struct Leg {
    line: u64,
    f: Vec<String>,
    sequence: i64,
}

impl Leg {
    fn get(&self, col: &str) -> &str {
        let i = COLUMNS
            .iter()
            .position(|c| *c == col)
            .expect("known column");
        self.f.get(i).map(String::as_str).unwrap_or("")
    }
}

struct Patterns(Vec<glob::Pattern>);

impl Patterns {
    fn new(p: &[String]) -> Patterns {
        Patterns(
            p.iter()
                .filter_map(|p| glob::Pattern::new(p).ok())
                .collect(),
        )
    }
    fn matches(&self, channel: &str) -> bool {
        !channel.is_empty() && self.0.iter().any(|p| p.matches(channel))
    }
}

/// "2026-10-05 08:01:02" → "2026-10-05T08:01:02" (local time; canonical without offset
/// means America/Bogota). `None` when empty.
fn local_time(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .map(|t| Some(t.format("%Y-%m-%dT%H:%M:%S").to_string()))
        .map_err(|_| format!("hora `{s}` no tiene la forma AAAA-MM-DD HH:MM:SS de cdr_csv"))
}

/// The extension or peer in a channel name: `PJSIP/1001-0000001b` → `1001`.
fn endpoint(channel: &str) -> &str {
    let after = channel.split_once('/').map_or(channel, |(_, r)| r);
    after.rsplit_once('-').map_or(after, |(l, _)| l)
}

/// A caller id that names nobody: withheld or unknown.
fn withheld(src: &str) -> bool {
    let s = src.trim().to_ascii_lowercase();
    s.is_empty()
        || ["anonymous", "unknown", "restricted", "private", "asterisk"].contains(&s.as_str())
        || !s.chars().any(|c| c.is_ascii_digit())
}

fn digits(s: &str) -> String {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    crate::privacy::normalize_identifier(&d)
}

type Adapted = (Vec<CanonRow>, Vec<(String, u64)>, String);

pub fn adapt(s: &Settings, path: &Path, bytes: &[u8]) -> Result<Adapted, AdaptError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows: Vec<CanonRow> = Vec::new();
    let mut calls: HashMap<String, Vec<Leg>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    let mut legs = 0u64;
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let mut row = CanonRow::new(line);
                row.problem = Some(format!("fila CDR ilegible: {e}"));
                rows.push(row);
                // csv cannot resynchronise after an I/O error; a parse error moves on.
                if matches!(e.kind(), ::csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        if record.len() != COLUMNS.len() {
            if legs == 0 {
                return Err(AdaptError::Layout {
                    path: path.to_path_buf(),
                    message: format!(
                        "línea {line}: {} columnas; un Master.csv de asterisk_cdr tiene 21 ({}). Active loguniqueid y loguserfield en cdr.conf (Asterisk ≥ 12 añade peeraccount, linkedid y sequence){}",
                        record.len(),
                        COLUMNS.join(", "),
                        super::recognise::hint_for(path, Some("asterisk_cdr"))
                    ),
                });
            }
            let mut row = CanonRow::new(line);
            row.problem = Some(format!(
                "la fila tiene {} columnas; asterisk_cdr espera 21",
                record.len()
            ));
            rows.push(row);
            continue;
        }
        let f: Vec<String> = record
            .iter()
            .map(|b| String::from_utf8_lossy(b).trim().to_string())
            .collect();
        legs += 1;
        let leg = Leg {
            line,
            sequence: f[20].parse().unwrap_or(i64::MAX),
            f,
        };
        let linkedid = match leg.get("linkedid") {
            "" => leg.get("uniqueid").to_string(),
            id => id.to_string(),
        };
        if linkedid.is_empty() {
            let mut row = CanonRow::new(line);
            row.problem = Some("fila CDR sin linkedid ni uniqueid".into());
            rows.push(row);
            continue;
        }
        let entry = calls.entry(linkedid.clone()).or_default();
        if entry.is_empty() {
            order.push(linkedid);
        }
        entry.push(leg);
    }

    let trunks = Patterns::new(&s.trunk_channels);
    let agents = Patterns::new(&s.agent_channels);
    let mut internal = 0u64;
    for id in order {
        let mut call = calls.remove(&id).unwrap_or_default();
        call.sort_by_key(|l| (l.sequence, l.line));
        match call_row(s, &trunks, &agents, &id, &call) {
            Some(row) => rows.push(row),
            None => internal += 1,
        }
    }
    rows.sort_by_key(|r| r.line);
    let mut skipped = Vec::new();
    if internal > 0 {
        skipped.push((
            "llamadas internas (extensión a extensión)".to_string(),
            internal,
        ));
    }
    let described = format!("Asterisk Master.csv, {legs} tramos de llamada");
    Ok((rows, skipped, described))
}

/// One call's canonical row; `None` for an internal call.
fn call_row(
    s: &Settings,
    trunks: &Patterns,
    agents: &Patterns,
    id: &str,
    call: &[Leg],
) -> Option<CanonRow> {
    let first = &call[0];
    let mut row = CanonRow::new(first.line);
    row.set("interaction_id", id);
    row.set("channel", s.channel.as_str());
    let in_context = |l: &Leg, set: &[String]| set.iter().any(|c| c == l.get("dcontext"));
    let to_trunk = call.iter().any(|l| trunks.matches(l.get("dstchannel")));
    let from_trunk = trunks.matches(first.get("channel"));
    let from_agent = agents.matches(first.get("channel"));
    let inbound =
        from_trunk && (s.inbound_contexts.is_empty() || in_context(first, &s.inbound_contexts));
    let outbound = !inbound && from_agent && (to_trunk || digits(first.get("dst")).len() >= 7);
    if !inbound && !outbound {
        if from_agent || in_context(first, &s.internal_contexts) {
            return None;
        }
        row.problem = Some(format!(
            "no se reconoce la dirección de la llamada: el canal `{}` del primer tramo no coincide con trunk_channels ni agent_channels (contexto `{}`)",
            first.get("channel"),
            first.get("dcontext")
        ));
        return Some(row);
    }
    row.set("direction", if inbound { "inbound" } else { "outbound" });
    if outbound {
        row.set("agent_id", endpoint(first.get("channel")));
    }

    let mut problems: Vec<String> = Vec::new();
    let mut times = |col: &str| -> Vec<String> {
        call.iter()
            .filter_map(|l| match local_time(l.get(col)) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("línea {}: {e}", l.line));
                    None
                }
            })
            .collect()
    };
    let starts = times("start");
    let ends = times("end");
    if let Some(t) = starts.iter().min() {
        row.set("received_at", t.clone());
    }
    if let Some(t) = ends.iter().max() {
        row.set("resolved_at", t.clone());
    }
    // First human answer: by sequence, an ANSWERED leg whose destination is an agent.
    let human = call.iter().find(|l| {
        l.get("disposition") == "ANSWERED"
            && agents.matches(l.get("dstchannel"))
            && !l.get("answer").is_empty()
    });
    match human {
        Some(l) => {
            match local_time(l.get("answer")) {
                Ok(Some(t)) => row.set("first_response_at", t),
                Ok(None) => {}
                Err(e) => problems.push(format!("línea {}: {e}", l.line)),
            }
            row.set("agent_id", endpoint(l.get("dstchannel")));
        }
        None if inbound => row.set("outcome", "abandoned"),
        None => {}
    }
    let queue = call
        .iter()
        .find(|l| l.get("lastapp").eq_ignore_ascii_case("Queue"))
        .map(|l| {
            l.get("lastdata")
                .split([',', '|'])
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        });
    match queue
        .as_deref()
        .and_then(|q| s.queues.get(q))
        .or(s.default_unit.as_ref())
    {
        Some(unit) => row.set("unit", unit.as_str()),
        None => problems.push(match &queue {
            Some(q) => {
                format!("la cola `{q}` no está en [asterisk_cdr.queues] y no hay default_unit")
            }
            None => "la llamada no pasó por ninguna cola y no hay default_unit".to_string(),
        }),
    }
    if inbound {
        let did = digits(first.get("dst"));
        if let Some(tp) = s
            .touchpoints
            .iter()
            .find(|(k, _)| digits(k) == did)
            .map(|(_, v)| v)
        {
            row.set("touchpoint", tp.as_str());
        }
    }
    // The person: the caller on inbound calls, the dialled number on outbound ones.
    let person = if inbound {
        first.get("src")
    } else {
        first.get("dst")
    };
    if let Some(accepted) = &s.habeas_userfield {
        let given = call.iter().any(|l| {
            let u = l.get("userfield");
            !u.is_empty() && accepted.iter().any(|a| a.eq_ignore_ascii_case(u))
        });
        row.set("habeas_data", if given { "true" } else { "false" });
        if given && !withheld(person) {
            row.set("contact", person);
        }
    }
    if !problems.is_empty() {
        row.problem = Some(problems.join("; "));
    }
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_withheld_ids() {
        assert_eq!(endpoint("PJSIP/1001-0000001b"), "1001");
        assert_eq!(endpoint("SIP/agente-ana-00000a"), "agente-ana");
        assert!(withheld("anonymous"));
        assert!(withheld(""));
        assert!(!withheld("+573001234567"));
    }
}
