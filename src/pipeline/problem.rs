//! A problem in a configuration file, told the way a person fixes it: file, line, column,
//! the key, what is wrong and what to write instead.

use std::path::{Path, PathBuf};

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigProblem {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Dotted key path, e.g. `catch_up.policy` or `sources[2].glob`.
    pub key: String,
    pub message: String,
    /// What to write instead, when there is something to say.
    pub fix: Option<String>,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: `{}`: {}",
            self.file.display(),
            self.line,
            self.column,
            self.key,
            self.message
        )?;
        if let Some(fix) = &self.fix {
            write!(f, "\n    {}", crate::t!("problem-fix", fix = fix))?;
        }
        Ok(())
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The dotted key that a byte offset of a TOML document belongs to, from the enclosing
/// table header and the key at the start of the line (good enough for messages).
pub fn key_at(text: &str, offset: usize) -> String {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim();
    let mut table = String::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    for l in text[..line_start].lines() {
        let l = l.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let n = index.entry(name.trim().to_string()).or_insert(0);
            *n += 1;
            table = format!("{}[{}]", name.trim(), *n);
        } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = name.trim().to_string();
        }
    }
    if let Some(name) = line.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
        return name.trim().to_string();
    }
    if let Some(name) = line.strip_prefix('[').and_then(|r| r.split(']').next()) {
        return name.trim().to_string();
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .unwrap_or_default();
    match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

/// Turns a TOML parse error into a problem; for an unknown key, suggests the closest known;
/// for a missing one, points at `example`, a file that has it.
pub fn from_toml_error(
    file: &Path,
    text: &str,
    e: &toml::de::Error,
    example: &str,
) -> ConfigProblem {
    let offset = e.span().map_or(0, |s| s.start);
    let (line, column) = line_col(text, offset);
    let original = e.message().trim().to_string();
    let mut message = original.clone();
    let mut key = key_at(text, offset);
    let mut fix = None;
    if let Some(rest) = original.strip_prefix("unknown field `") {
        if let Some((unknown, expected)) = rest.split_once('`') {
            let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            message = crate::t!("problem-unknown-key", key = unknown);
            if !key.ends_with(unknown) {
                key = if key.is_empty() {
                    unknown.to_string()
                } else {
                    format!("{key}.{unknown}")
                };
            }
            let choices = crate::t!("problem-known-keys", keys = known.join(", "));
            fix = Some(match closest(unknown, &known) {
                Some(k) => did_you_mean(k, &choices),
                None => choices,
            });
        }
    } else if let Some(rest) = original.strip_prefix("missing field `") {
        let missing = rest.split('`').next().unwrap_or_default();
        message = crate::t!("problem-missing-key", key = missing);
        fix = Some(crate::t!("problem-fix-missing-key", example = example));
    }
    ConfigProblem {
        file: file.to_path_buf(),
        line,
        column,
        key,
        message,
        fix,
    }
}

/// "did you mean `word`? (choices)", the fix of a typo.
pub fn did_you_mean(word: &str, choices: &str) -> String {
    crate::t!("problem-did-you-mean", word = word, choices = choices)
}

/// The known word nearest to `word`, if it is near enough to be a typo.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (levenshtein(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_from_offsets() {
        let text = "description = \"x\"\n\n[[sources]]\nkind = \"a\"\n[[sources]]\nglob = 3\n[retry]\nattempts = 0\n";
        assert_eq!(key_at(text, 2), "description");
        assert_eq!(
            key_at(text, text.find("glob").unwrap() + 7),
            "sources[2].glob"
        );
        assert_eq!(
            key_at(text, text.find("attempts").unwrap()),
            "retry.attempts"
        );
        assert_eq!(line_col(text, text.find("attempts").unwrap()), (8, 1));
    }

    #[test]
    fn typos_find_their_key() {
        assert_eq!(closest("schedul", &["schedule", "steps"]), Some("schedule"));
        assert_eq!(closest("timzone", &["timezone", "lake"]), Some("timezone"));
        assert_eq!(closest("colour", &["schedule", "steps"]), None);
    }
}
