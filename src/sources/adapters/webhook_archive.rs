//! Webhook archives (DESIGN §3.5): what an institution keeps of Meta's webhook POSTs —
//! one body per JSON line, one pretty-printed body per file, or an array of bodies.
//!
//! A conversation does not respect file boundaries: the status of a reply or the person's
//! next message may land in the next file (Meta retries late deliveries; archives are cut
//! at midnight). So an adapter reads a file *in the context of* the other files of the
//! same archive — the files of its folder that look like the same webhooks — and emits
//! every conversation the file touches. A conversation keeps one id whatever file emits
//! it, so the row written last replaces the earlier ones (§3.1).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::sources::FileStamp;

/// One webhook body and the line where it starts; `Err` holds why it could not be read.
#[derive(Debug, Clone)]
pub struct Body {
    pub line: u64,
    pub value: Result<Value, String>,
}

/// The bodies of a file: JSON Lines, concatenated or pretty-printed JSON documents, or
/// arrays of bodies. A broken body costs its line; reading resumes at the next line.
pub fn bodies(bytes: &[u8]) -> Vec<Body> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line = 1u64;
    while pos < bytes.len() {
        let ws = bytes[pos..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        line += bytes[pos..pos + ws].iter().filter(|b| **b == b'\n').count() as u64;
        pos += ws;
        if pos >= bytes.len() {
            break;
        }
        let mut stream = serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<Value>();
        let (value, used) = match stream.next() {
            Some(Ok(v)) => (Ok(v), stream.byte_offset()),
            Some(Err(e)) => {
                let rest = memchr::memchr(b'\n', &bytes[pos..]).unwrap_or(bytes.len() - pos);
                (Err(format!("JSON ilegible: {e}")), rest)
            }
            None => break,
        };
        match value {
            Ok(Value::Array(items)) => {
                out.extend(items.into_iter().map(|v| Body { line, value: Ok(v) }))
            }
            value => out.push(Body { line, value }),
        }
        line += bytes[pos..pos + used]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        pos += used.max(1);
    }
    out
}

/// The other files of `path`'s folder that look like webhooks of `adapter`, sorted.
pub fn neighbours(path: &Path, adapter: &str) -> Vec<PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let me = std::fs::canonicalize(path).ok();
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && std::fs::canonicalize(p).ok() != me)
        .filter(|p| super::recognise::sniff(p).is_some_and(|(a, _)| a == adapter))
        .collect();
    out.sort();
    out
}

type Cache = Mutex<HashMap<PathBuf, (FileStamp, Arc<Vec<Body>>)>>;

/// The bodies of a context file, parsed once per process while the file is unchanged: a
/// pipeline run adapts every file of an archive, each in the context of all the others.
pub fn cached_bodies(path: &Path) -> Option<Arc<Vec<Body>>> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let stamp = FileStamp::read(path).ok()?;
    let cache = CACHE.get_or_init(Default::default);
    if let Some((s, b)) = cache.lock().ok()?.get(path) {
        if *s == stamp {
            return Some(b.clone());
        }
    }
    let parsed = Arc::new(bodies(&std::fs::read(path).ok()?));
    cache
        .lock()
        .ok()?
        .insert(path.to_path_buf(), (stamp, parsed.clone()));
    Some(parsed)
}

/// A stable interaction id from a vendor message id that must not be stored raw (a
/// `wamid` embeds the phone number): prefix and 128 bits of its SHA-256. The message ids
/// are random enough that the hash cannot be walked back; the institution, which holds
/// the ids, can compute it to find a conversation.
pub fn hashed_id(prefix: &str, message_id: &str) -> String {
    let digest = Sha256::digest(message_id.as_bytes());
    format!("{prefix}{}", hex::encode(&digest[..16]))
}

/// Milliseconds since the epoch → canonical UTC time (milliseconds only when present).
pub fn utc_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) if ms % 1000 == 0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => String::new(),
    }
}

/// A JSON string or number as text (Meta writes ids and timestamps either way).
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON integer given as a number or a string of digits.
pub fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether `value` is one of `accepted` (trimmed, case-insensitive).
pub fn one_of(value: &str, accepted: &[String]) -> bool {
    let v = value.trim();
    !v.is_empty() && accepted.iter().any(|a| a.trim().eq_ignore_ascii_case(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_pretty_documents_and_arrays() {
        let text = b"{\"a\":1}\n\n{\"a\":\n  2}\n[{\"a\":3},{\"a\":4}]\n";
        let got: Vec<(u64, i64)> = bodies(text)
            .into_iter()
            .map(|b| (b.line, b.value.unwrap()["a"].as_i64().unwrap()))
            .collect();
        assert_eq!(got, vec![(1, 1), (3, 2), (5, 3), (5, 4)]);
    }

    #[test]
    fn a_broken_line_costs_only_itself() {
        let text = b"\xef\xbb\xbf{\"a\":1}\n{\"a\": \"cut\n{\"a\":3}\n";
        let got = bodies(text);
        assert_eq!(got.len(), 3);
        assert!(got[1].value.is_err());
        assert_eq!(got[1].line, 2);
        assert_eq!(
            (got[2].line, got[2].value.as_ref().unwrap()["a"].as_i64()),
            (3, Some(3))
        );
    }

    #[test]
    fn ids_and_times() {
        let id = hashed_id("wa-", "wamid.HBgMNTczMTg2NzI3ODE1FQIAEhgUM0EwMQA=");
        assert_eq!(id.len(), 3 + 32);
        assert!(!id.contains("573186727815"));
        assert_eq!(utc_ms(1_759_672_800_000), "2025-10-05T14:00:00Z");
        assert_eq!(utc_ms(1_759_672_800_250), "2025-10-05T14:00:00.250Z");
        assert!(one_of(" habeas_si ", &["HABEAS_SI".to_string()]));
    }
}
