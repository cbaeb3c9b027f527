//! `asterisk_queue_log`: Asterisk's `queue_log` (`epoch|callid|queue|agent|event|data…`,
//! epoch in UTC), as `apps/app_queue.c` writes it (DESIGN §3.5).
//!
//! One interaction per callid (lines with callid `NONE` are the queue's own events:
//! members added, paused…). `ENTERQUEUE` is when the person reached us; `CONNECT` is the
//! human answer (its first data field is the hold time); `ABANDON` and `EXITWITHTIMEOUT`
//! end an unanswered call as abandoned, `EXITWITHKEY` and `EXITEMPTY` without counting it
//! so; `COMPLETECALLER`, `COMPLETEAGENT` and the transfers end an answered one. The
//! callid is the CDR's linkedid, so the two join 1:1.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::{AdaptError, CanonRow};

/// Site settings, `[asterisk_queue_log]` of a source file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Canonical channel (default `phone`).
    #[serde(default = "phone")]
    pub channel: String,
    /// Queue name → catalog unit.
    #[serde(default)]
    pub queues: BTreeMap<String, String>,
    /// Unit of a queue missing from `queues` (without it such a call is quarantined).
    pub default_unit: Option<String>,
}

fn phone() -> String {
    "phone".to_string()
}

#[derive(Default)]
struct Call {
    line: u64,
    queue: String,
    entered: Option<i64>,
    connected: Option<(i64, String)>,
    ended: Option<i64>,
    abandoned: bool,
}

fn utc(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

type Adapted = (Vec<CanonRow>, Vec<(String, u64)>, String);

pub fn adapt(s: &Settings, path: &Path, bytes: &[u8]) -> Result<Adapted, AdaptError> {
    let text = String::from_utf8_lossy(bytes);
    let mut calls: HashMap<String, Call> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    let (mut events, mut queue_events) = (0u64, 0u64);
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('|').collect();
        let epoch = f.first().and_then(|e| e.trim().parse::<i64>().ok());
        let (Some(epoch), true) = (epoch, f.len() >= 5) else {
            if events == 0 {
                return Err(AdaptError::Layout {
                    path: path.to_path_buf(),
                    message: format!(
                        "línea {n}: un queue_log tiene la forma epoch|callid|cola|agente|evento|datos…{}",
                        super::recognise::hint_for(path, Some("asterisk_queue_log"))
                    ),
                });
            }
            let mut row = CanonRow::new(n);
            row.problem = Some("línea de queue_log sin epoch|callid|cola|agente|evento".into());
            rows.push(row);
            continue;
        };
        events += 1;
        let (callid, queue, agent, event) = (f[1].trim(), f[2].trim(), f[3].trim(), f[4].trim());
        if callid.is_empty() || callid == "NONE" {
            queue_events += 1;
            continue;
        }
        let call = calls.entry(callid.to_string()).or_insert_with(|| {
            order.push(callid.to_string());
            Call {
                line: n,
                ..Default::default()
            }
        });
        if call.queue.is_empty() && !queue.is_empty() && queue != "NONE" {
            call.queue = queue.to_string();
        }
        match event {
            "ENTERQUEUE" => {
                call.entered.get_or_insert(epoch);
                call.line = call.line.min(n);
            }
            "CONNECT" => {
                if call.connected.is_none() {
                    // The member name is staff, but a member can be a forwarded mobile
                    // (`Local/3001234567@from-queue`): never store a number as an agent.
                    let agent = crate::privacy::redact(agent).into_owned();
                    call.connected = Some((epoch, agent));
                }
            }
            // DESIGN §3.5: only these two are abandonment; a caller who leaves by key (to
            // voicemail, say) or an empty queue ends the call without counting as abandoned.
            "ABANDON" | "EXITWITHTIMEOUT" => {
                call.abandoned = call.connected.is_none();
                call.ended = Some(epoch);
            }
            "EXITWITHKEY" | "EXITEMPTY" => {
                call.ended.get_or_insert(epoch);
            }
            "COMPLETECALLER" | "COMPLETEAGENT" | "BLINDTRANSFER" | "ATTENDEDTRANSFER" => {
                call.ended.get_or_insert(epoch);
            }
            _ => {}
        }
    }
    for id in order {
        let call = calls.remove(&id).unwrap_or_default();
        let mut row = CanonRow::new(call.line);
        row.set("interaction_id", id.as_str());
        row.set("channel", s.channel.as_str());
        row.set("direction", "inbound");
        match call.entered {
            Some(t) => row.set("received_at", utc(t)),
            None => row.problem = Some(format!("la llamada {id} no tiene ENTERQUEUE")),
        }
        if let Some((t, agent)) = &call.connected {
            row.set("first_response_at", utc(*t));
            row.set("agent_id", agent.as_str());
        }
        if let Some(t) = call.ended {
            row.set("resolved_at", utc(t));
        }
        if call.abandoned {
            row.set("outcome", "abandoned");
        }
        match s.queues.get(&call.queue).or(s.default_unit.as_ref()) {
            Some(u) => row.set("unit", u.as_str()),
            None => {
                row.problem.get_or_insert_with(|| {
                    format!(
                        "la cola `{}` no está en [asterisk_queue_log.queues] y no hay default_unit",
                        call.queue
                    )
                });
            }
        }
        rows.push(row);
    }
    rows.sort_by_key(|r| r.line);
    let described = format!("Asterisk queue_log, {events} eventos ({queue_events} de las colas)");
    Ok((rows, Vec::new(), described))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<'a>(row: &'a CanonRow, column: &str) -> Option<&'a str> {
        row.values
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn only_abandon_and_timeout_are_abandoned_and_agents_never_hold_numbers() {
        let log = "\
1759672800|1.1|q|NONE|ENTERQUEUE||3001112233|1
1759672810|1.1|q|NONE|EXITWITHKEY|1|1|10
1759672800|2.2|q|NONE|ENTERQUEUE||3001112233|1
1759672805|2.2|q|NONE|EXITEMPTY|1|1|5
1759672800|3.3|q|NONE|ENTERQUEUE||3001112233|1
1759672830|3.3|q|NONE|EXITWITHTIMEOUT|1|1|30
1759672800|4.4|q|NONE|ENTERQUEUE||3001112233|1
1759672820|4.4|q|Local/3186727815@from-queue|CONNECT|20|4.5|3
1759672900|4.4|q|Local/3186727815@from-queue|COMPLETEAGENT|20|80|1
";
        let settings = Settings {
            channel: phone(),
            queues: BTreeMap::new(),
            default_unit: Some("admisiones".into()),
        };
        let (rows, _, _) = adapt(&settings, Path::new("queue_log"), log.as_bytes()).unwrap();
        let outcomes: Vec<_> = rows.iter().map(|r| value(r, "outcome")).collect();
        assert_eq!(outcomes, [None, None, Some("abandoned"), None]);
        assert!(rows.iter().all(|r| value(r, "resolved_at").is_some()));
        let agent = value(&rows[3], "agent_id").unwrap();
        assert!(!agent.contains("3186727815"), "{agent}");
    }
}
