//! Chat sessions (DESIGN §3.5): how the messaging adapters turn a stream of messages into
//! interactions. A session per conversation key (the business account and the person) is
//! opened by the person's message and goes on while their next message comes at most
//! 24 h after their previous one. Its first response is the earliest reply that counts
//! (a human's, that reached the person) at or after the session's first message.
//!
//! The adapters decide what is a message, a reply and whether a reply counts; this module
//! only applies the time rule, so WhatsApp and Messenger share it.

use std::collections::BTreeMap;

/// The 24 h of the session rule, in milliseconds.
pub const SESSION_GAP_MS: i64 = 24 * 3600 * 1000;

/// A message from the person (already deduplicated; reactions are not messages).
#[derive(Debug, Clone)]
pub struct Inbound {
    pub key: String,
    /// The vendor's message id.
    pub id: String,
    pub at_ms: i64,
    /// The message says the person accepted the personal-data policy.
    pub habeas: bool,
    /// Line in the file being adapted; `None` when the message is in another file.
    pub line: Option<u64>,
}

/// Something the business sent to the person.
#[derive(Debug, Clone)]
pub struct Reply {
    pub key: String,
    pub at_ms: i64,
    /// A response in the sense of §3.5 (a human's, delivered); bots and failures are not.
    pub counts: bool,
    pub line: Option<u64>,
}

/// One interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub key: String,
    /// Id of the message that opened it (the interaction id is derived from it).
    pub first_id: String,
    pub received_ms: i64,
    pub response_ms: Option<i64>,
    /// Given in this session or an earlier one of the same person.
    pub habeas: bool,
    /// First line of the adapted file that holds one of its messages or replies; `None`
    /// when the file does not touch it.
    pub line: Option<u64>,
}

/// What the rule made of the messages and replies.
#[derive(Debug, Default)]
pub struct Sessions {
    pub sessions: Vec<Session>,
    /// Replies of the adapted file to a person with no session at or before them
    /// (campaigns, notifications): they create nothing.
    pub orphan_replies: u64,
}

fn touch(line: &mut Option<u64>, by: Option<u64>) {
    if let Some(b) = by {
        *line = Some(line.map_or(b, |l| l.min(b)));
    }
}

/// Applies the session rule. Input order does not matter (files are not in time order).
pub fn build(inbound: Vec<Inbound>, replies: Vec<Reply>) -> Sessions {
    let mut by_key: BTreeMap<String, (Vec<Inbound>, Vec<Reply>)> = BTreeMap::new();
    for m in inbound {
        by_key.entry(m.key.clone()).or_default().0.push(m);
    }
    for r in replies {
        by_key.entry(r.key.clone()).or_default().1.push(r);
    }
    let mut out = Sessions::default();
    for (key, (mut messages, mut replies)) in by_key {
        messages.sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
        replies.sort_by_key(|r| r.at_ms);
        let mut sessions: Vec<Session> = Vec::new();
        let mut last_ms = i64::MIN;
        for m in &messages {
            let continues = !sessions.is_empty() && m.at_ms - last_ms <= SESSION_GAP_MS;
            if !continues {
                let habeas = sessions.last().is_some_and(|s| s.habeas);
                sessions.push(Session {
                    key: key.clone(),
                    first_id: m.id.clone(),
                    received_ms: m.at_ms,
                    response_ms: None,
                    habeas,
                    line: None,
                });
            }
            let s = sessions.last_mut().expect("a session was just opened");
            s.habeas |= m.habeas;
            touch(&mut s.line, m.line);
            last_ms = m.at_ms;
        }
        let counting: Vec<&Reply> = replies.iter().filter(|r| r.counts).collect();
        for s in &mut sessions {
            let first = counting.partition_point(|r| r.at_ms < s.received_ms);
            if let Some(r) = counting.get(first) {
                s.response_ms = Some(r.at_ms);
                touch(&mut s.line, r.line);
            }
        }
        for r in &replies {
            // A reply belongs to the latest session opened at or before it.
            let n = sessions.partition_point(|s| s.received_ms <= r.at_ms);
            match n.checked_sub(1) {
                Some(i) => touch(&mut sessions[i].line, r.line),
                None if r.line.is_some() => out.orphan_replies += 1,
                None => {}
            }
        }
        out.sessions.extend(sessions);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600 * 1000;

    fn msg(id: &str, at_ms: i64) -> Inbound {
        Inbound {
            key: "k".into(),
            id: id.into(),
            at_ms,
            habeas: false,
            line: Some(1),
        }
    }

    fn reply(at_ms: i64, counts: bool) -> Reply {
        Reply {
            key: "k".into(),
            at_ms,
            counts,
            line: Some(2),
        }
    }

    #[test]
    fn a_message_within_24_hours_continues_the_session_and_one_after_opens_another() {
        let s = build(
            vec![msg("c", 48 * H + 1), msg("a", 0), msg("b", 24 * H)],
            vec![],
        );
        let opened: Vec<(&str, i64)> = s
            .sessions
            .iter()
            .map(|s| (s.first_id.as_str(), s.received_ms))
            .collect();
        // b is exactly 24 h after a (same session); c is 24 h and 1 ms after b.
        assert_eq!(opened, vec![("a", 0), ("c", 48 * H + 1)]);
    }

    #[test]
    fn the_first_counting_reply_at_or_after_the_first_message_is_the_response() {
        let s = build(
            vec![msg("a", 10 * H)],
            vec![
                reply(9 * H, true),
                reply(11 * H, false),
                reply(12 * H, true),
            ],
        );
        assert_eq!(s.sessions[0].response_ms, Some(12 * H));
        // The reply before any session is an orphan: it creates nothing.
        assert_eq!(s.orphan_replies, 1);
    }

    #[test]
    fn habeas_carries_to_later_sessions_of_the_same_person() {
        let mut first = msg("a", 0);
        first.habeas = true;
        let s = build(vec![first, msg("b", 30 * H)], vec![]);
        assert!(s.sessions.iter().all(|s| s.habeas));
    }

    #[test]
    fn a_session_only_in_another_file_is_not_touched() {
        let mut other = msg("a", 0);
        other.line = None;
        let s = build(vec![other, msg("b", 30 * H)], vec![]);
        assert_eq!(s.sessions[0].line, None);
        assert_eq!(s.sessions[1].line, Some(1));
    }
}
