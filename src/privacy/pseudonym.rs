//! Keyed pseudonyms for identifiers (HMAC-SHA256 over a normalised form).
//!
//! # Key
//! The key is read from [`KEY_ENV`] (the key itself) or, when that is unset,
//! from the file named by [`KEY_FILE_ENV`]. In both cases trailing `\r`/`\n`
//! are removed, then:
//! * if the value is only hex digits, of even length and at least 32 of them,
//!   it is decoded as hex (so `openssl rand -hex 32` output works as is);
//! * otherwise its UTF-8 bytes are the key, and at least 32 bytes are required.
//!
//! [`Pseudonymizer::from_key`] takes raw bytes and requires at least 16.
//!
//! # Normalisation ([`normalize_identifier`])
//! * **Email** (contains `@`): trimmed and lowercased.
//! * **Document** with a type prefix (`CC`, `C.C.`, `TI`, `T.I.`, `CE`, `C.E.`,
//!   `NIT`, case-insensitive, followed by a non-letter): digits only — `NIT
//!   890.984.002-6` → `8909840026` (the check digit is kept as a digit).
//! * **Letter-bearing identifier** (a passport): uppercase ASCII alphanumerics,
//!   `ab 123456` → `AB123456`.
//! * **Otherwise** (phone or bare document number): digits only, and a country
//!   prefix `57` / `0057` (from `+57`, `(57)`, `0057`, `57`) is dropped when what
//!   follows is a 10-digit national number starting with `3` (mobile) or `60`
//!   (landline). `+57 318 672 7815`, `(57) 318-672-7815`, `3186727815` all give
//!   `3186727815`.

use std::fmt;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Environment variable holding the key itself.
pub const KEY_ENV: &str = "MOMENTOS_PSEUDONYM_KEY";
/// Environment variable holding the path of a file that contains the key.
pub const KEY_FILE_ENV: &str = "MOMENTOS_PSEUDONYM_KEY_FILE";
/// Minimum length of a raw key given to [`Pseudonymizer::from_key`] (bytes).
pub const MIN_KEY_BYTES: usize = 16;
/// Minimum length of a textual (non-hex) key from the environment or a file.
pub const MIN_TEXT_KEY_BYTES: usize = 32;

const HOW_TO_SET: &str = "set MOMENTOS_PSEUDONYM_KEY to a secret of at least 32 characters \
(or at least 32 hex digits, e.g. the output of `openssl rand -hex 32`), or set \
MOMENTOS_PSEUDONYM_KEY_FILE to the path of a file holding it";

/// Why a pseudonymisation key could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// No usable key was configured (`detail` says what was found).
    #[error("no pseudonymisation key: {detail}; {HOW_TO_SET}")]
    Missing { detail: String },
    /// The key is shorter than the minimum.
    #[error("pseudonymisation key from {origin} is too short: {len} bytes, at least {min} required; {HOW_TO_SET}")]
    TooShort {
        origin: String,
        len: usize,
        min: usize,
    },
    /// The key file could not be read (or is not UTF-8).
    #[error("cannot read pseudonymisation key file {} ({origin}): {source}", path.display())]
    Unreadable {
        path: PathBuf,
        origin: String,
        #[source]
        source: std::io::Error,
    },
    /// An environment variable is set but is not valid Unicode.
    #[error("{variable} is set but is not valid UTF-8; {HOW_TO_SET}")]
    NotUnicode { variable: &'static str },
}

/// Computes keyed pseudonyms. Cloning is cheap (the keyed HMAC state is
/// precomputed; each call clones it).
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: HmacSha256,
    key_id: String,
}

impl fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("Pseudonymizer")
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl Pseudonymizer {
    /// Builds from raw key bytes; rejects keys shorter than [`MIN_KEY_BYTES`].
    pub fn from_key(key: &[u8]) -> Result<Self, KeyError> {
        Self::from_key_with_origin(key, "the given key")
    }

    fn from_key_with_origin(key: &[u8], origin: &str) -> Result<Self, KeyError> {
        if key.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort {
                origin: origin.to_string(),
                len: key.len(),
                min: MIN_KEY_BYTES,
            });
        }
        let mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
        let mut id = mac.clone();
        id.update(b"momentos-key-id");
        let key_id = hex::encode(&id.finalize().into_bytes()[..4]);
        Ok(Self { mac, key_id })
    }

    /// Parses a key written as text (env var or file content), see the module doc.
    fn from_key_text(text: &str, origin: &str) -> Result<Self, KeyError> {
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            return Err(KeyError::Missing {
                detail: format!("{origin} is empty"),
            });
        }
        let is_hex =
            text.len() >= 32 && text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex {
            let bytes = hex::decode(text).expect("checked hex");
            return Self::from_key_with_origin(&bytes, origin);
        }
        if text.len() < MIN_TEXT_KEY_BYTES {
            return Err(KeyError::TooShort {
                origin: origin.to_string(),
                len: text.len(),
                min: MIN_TEXT_KEY_BYTES,
            });
        }
        Self::from_key_with_origin(text.as_bytes(), origin)
    }

    /// Key from [`KEY_ENV`], else from the file named by [`KEY_FILE_ENV`].
    /// `Ok(None)` when neither variable is set; a variable set to an empty
    /// value is an error ([`KeyError::Missing`]).
    pub fn from_env() -> Result<Option<Self>, KeyError> {
        if let Some(value) = std::env::var_os(KEY_ENV) {
            let value = value
                .into_string()
                .map_err(|_| KeyError::NotUnicode { variable: KEY_ENV })?;
            return Self::from_key_text(&value, KEY_ENV).map(Some);
        }
        if let Some(path) = std::env::var_os(KEY_FILE_ENV) {
            if path.is_empty() {
                return Err(KeyError::Missing {
                    detail: format!("{KEY_FILE_ENV} is set but empty"),
                });
            }
            let path = PathBuf::from(path);
            let origin = format!("{KEY_FILE_ENV}={}", path.display());
            return Self::from_key_file_with_origin(&path, &origin).map(Some);
        }
        Ok(None)
    }

    /// Like [`Self::from_env`] but a missing key is an error
    /// ([`KeyError::Missing`], whose message explains how to set one).
    pub fn require_from_env() -> Result<Self, KeyError> {
        Self::from_env()?.ok_or_else(|| KeyError::Missing {
            detail: format!("neither {KEY_ENV} nor {KEY_FILE_ENV} is set"),
        })
    }

    /// Key from a file (trailing newline trimmed; hex or text as in the module doc).
    pub fn from_key_file(path: &Path) -> Result<Self, KeyError> {
        let origin = format!("key file {}", path.display());
        Self::from_key_file_with_origin(path, &origin)
    }

    fn from_key_file_with_origin(path: &Path, origin: &str) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Unreadable {
            path: path.to_path_buf(),
            origin: origin.to_string(),
            source,
        })?;
        Self::from_key_text(&text, origin)
    }

    /// Normalises then hashes; returns lowercase hex (64 chars). `None` when the
    /// identifier is empty after normalisation.
    pub fn pseudonymize(&self, raw: &str) -> Option<String> {
        let normalized = normalize_identifier(raw);
        if normalized.is_empty() {
            return None;
        }
        let mut mac = self.mac.clone();
        mac.update(normalized.as_bytes());
        Some(lower_hex(&mac.finalize().into_bytes()))
    }

    /// A short key fingerprint (first 8 hex of `HMAC(key, "momentos-key-id")`),
    /// safe to record in manifests so a later run can tell the key changed.
    pub fn key_id(&self) -> String {
        self.key_id.clone()
    }
}

/// Document-type prefixes removed before keeping the digits (longest first).
const DOC_PREFIXES: &[&str] = &[
    "C.C.", "C. C.", "C.C", "CC", "T.I.", "T. I.", "T.I", "TI", "C.E.", "C. E.", "C.E", "CE",
    "NIT.", "NIT",
];

fn strip_document_prefix(s: &str) -> Option<&str> {
    for prefix in DOC_PREFIXES {
        let Some(head) = s.get(..prefix.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(prefix) {
            continue;
        }
        let rest = &s[prefix.len()..];
        // "CE" must not be the start of a word such as "CEDULA" or a passport "CEX...".
        if rest.chars().next().is_some_and(|c| c.is_alphabetic()) {
            continue;
        }
        return Some(rest);
    }
    None
}

/// A 10-digit Colombian national number: mobile `3xxxxxxxxx` or landline `60xxxxxxxx`.
pub(crate) fn is_national_number(d: &[u8]) -> bool {
    d.len() == 10 && (d[0] == b'3' || (d[0] == b'6' && d[1] == b'0'))
}

/// Lowercase hex, by table: `hex::encode` goes through a char iterator, which showed in
/// ingestion profiles (one pseudonym per row).
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize]);
        out.push(DIGITS[(b & 15) as usize]);
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// Normalises an identifier so that one person has one pseudonym across
/// channels and exports (see the module doc for the exact rules).
pub fn normalize_identifier(raw: &str) -> String {
    let s = raw.trim();
    if s.contains('@') {
        return s.to_lowercase();
    }
    let (rest, is_document) = match strip_document_prefix(s) {
        Some(rest) => (rest, true),
        None => (s, false),
    };
    if rest.bytes().any(|b| b.is_ascii_alphabetic()) {
        return rest
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if is_document {
        return digits;
    }
    let d = digits.as_bytes();
    if d.len() == 12 && d.starts_with(b"57") && is_national_number(&d[2..]) {
        return digits[2..].to_string();
    }
    if d.len() == 14 && d.starts_with(b"0057") && is_national_number(&d[4..]) {
        return digits[4..].to_string();
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &[u8] = b"0123456789abcdef-test-key-material";

    fn p() -> Pseudonymizer {
        Pseudonymizer::from_key(KEY).unwrap()
    }

    #[test]
    fn normalizes_emails() {
        assert_eq!(
            normalize_identifier("  Ana.Perez@Gmail.COM \n"),
            "ana.perez@gmail.com"
        );
    }

    #[test]
    fn normalizes_phones() {
        for raw in [
            "+57 318 672 7815",
            "+573186727815",
            "573186727815",
            "0057 318 672 7815",
            "(57) 318-672-7815",
            "(+57) 318.672.7815",
            "318 672 7815",
            "318-6727815",
            "3186727815",
        ] {
            assert_eq!(normalize_identifier(raw), "3186727815", "{raw}");
        }
        assert_eq!(normalize_identifier("+57 (604) 444 0555"), "6044440555");
        assert_eq!(normalize_identifier("(604) 444-0555"), "6044440555");
        // 57 followed by something that is not a national number is kept.
        assert_eq!(normalize_identifier("571234567890"), "571234567890");
        assert_eq!(normalize_identifier("444 0555"), "4440555");
    }

    #[test]
    fn normalizes_documents() {
        for raw in [
            "1.017.234.567",
            "CC 1017234567",
            "C.C. 1.017.234.567",
            "c.c.1017234567",
            "CC: 1 017 234 567",
            "1017234567",
        ] {
            assert_eq!(normalize_identifier(raw), "1017234567", "{raw}");
        }
        assert_eq!(normalize_identifier("TI 1.001.234.567"), "1001234567");
        assert_eq!(normalize_identifier("CE 456789"), "456789");
        assert_eq!(normalize_identifier("NIT 890.984.002-6"), "8909840026");
        assert_eq!(normalize_identifier("nit. 890984002-6"), "8909840026");
        assert_eq!(normalize_identifier("ab 123456"), "AB123456");
        assert_eq!(normalize_identifier("PE-123.456"), "PE123456");
        assert_eq!(normalize_identifier("  "), "");
        assert_eq!(normalize_identifier("-- . --"), "");
    }

    #[test]
    fn pseudonymize_is_keyed_hex_and_stable() {
        let a = p().pseudonymize("Ana.Perez@gmail.com").unwrap();
        assert_eq!(a.len(), 64);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(a, p().pseudonymize(" ana.perez@GMAIL.com ").unwrap());
        let other = Pseudonymizer::from_key(b"another-key-with-enough-bytes!!").unwrap();
        assert_ne!(a, other.pseudonymize("ana.perez@gmail.com").unwrap());
        // Not a plain hash of the normalised value.
        use sha2::Digest;
        assert_ne!(a, hex::encode(Sha256::digest(b"ana.perez@gmail.com")));
        assert_eq!(p().pseudonymize("  "), None);
        assert_eq!(
            lower_hex(&[0, 0x9f, 0xa0, 255]),
            hex::encode([0, 0x9f, 0xa0, 255])
        );
        assert_eq!(p().pseudonymize("( ) --"), None);
    }

    #[test]
    fn key_id_is_short_and_key_dependent() {
        let id = p().key_id();
        assert_eq!(id.len(), 8);
        assert_eq!(id, p().key_id());
        assert_ne!(
            id,
            Pseudonymizer::from_key(b"another-key-with-enough-bytes!!")
                .unwrap()
                .key_id()
        );
        assert!(!format!("{:?}", p()).contains("0123456789abcdef"));
    }

    #[test]
    fn rejects_short_keys() {
        assert!(matches!(
            Pseudonymizer::from_key(b"short"),
            Err(KeyError::TooShort { len: 5, .. })
        ));
        assert!(Pseudonymizer::from_key(&[7u8; 16]).is_ok());
        // Text keys need 32 bytes; hex keys need 32 hex digits (16 bytes).
        let err = Pseudonymizer::from_key_text("only-twenty-bytes-xx", KEY_ENV).unwrap_err();
        assert!(err.to_string().contains(KEY_ENV), "{err}");
        assert!(Pseudonymizer::from_key_text(&"ab".repeat(16), KEY_ENV).is_ok());
    }

    #[test]
    fn hex_and_text_keys() {
        let hex_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let a = Pseudonymizer::from_key_text(hex_key, "x").unwrap();
        let b = Pseudonymizer::from_key(&hex::decode(hex_key).unwrap()).unwrap();
        assert_eq!(a.key_id(), b.key_id());
        let text = "this is a long enough textual secret key!";
        let c = Pseudonymizer::from_key_text(&format!("{text}\r\n"), "x").unwrap();
        assert_eq!(
            c.key_id(),
            Pseudonymizer::from_key(text.as_bytes()).unwrap().key_id()
        );
    }

    #[test]
    fn key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "this is a long enough textual secret key!\n").unwrap();
        let a = Pseudonymizer::from_key_file(&path).unwrap();
        assert_eq!(
            a.key_id(),
            Pseudonymizer::from_key(b"this is a long enough textual secret key!")
                .unwrap()
                .key_id()
        );
        let missing = dir.path().join("nope");
        let err = Pseudonymizer::from_key_file(&missing).unwrap_err();
        assert!(matches!(err, KeyError::Unreadable { .. }));
        assert!(err.to_string().contains("nope"), "{err}");
        std::fs::write(&path, "\n").unwrap();
        let err = Pseudonymizer::from_key_file(&path).unwrap_err();
        assert!(matches!(err, KeyError::Missing { .. }), "{err}");
        assert!(err.to_string().contains(KEY_FILE_ENV), "{err}");
    }

    /// The only test touching the process environment (tests run in threads).
    #[test]
    fn from_env_variables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "file key that is long enough, 32+ bytes\n").unwrap();
        // SAFETY-equivalent note: no other test reads these variables.
        std::env::remove_var(KEY_ENV);
        std::env::remove_var(KEY_FILE_ENV);
        assert!(Pseudonymizer::from_env().unwrap().is_none());
        let err = Pseudonymizer::require_from_env().unwrap_err();
        assert!(err.to_string().contains(KEY_ENV) && err.to_string().contains(KEY_FILE_ENV));

        std::env::set_var(KEY_FILE_ENV, &path);
        let from_file = Pseudonymizer::from_env().unwrap().unwrap();
        assert_eq!(
            from_file.key_id(),
            Pseudonymizer::from_key(b"file key that is long enough, 32+ bytes")
                .unwrap()
                .key_id()
        );
        std::env::set_var(KEY_FILE_ENV, dir.path().join("absent"));
        let err = Pseudonymizer::from_env().unwrap_err();
        assert!(err.to_string().contains(KEY_FILE_ENV), "{err}");

        // The key variable wins over the file.
        std::env::set_var(KEY_ENV, "env key that is long enough, 32+ bytes");
        let from_env = Pseudonymizer::from_env().unwrap().unwrap();
        assert_ne!(from_env.key_id(), from_file.key_id());
        std::env::set_var(KEY_ENV, "short");
        let err = Pseudonymizer::from_env().unwrap_err();
        assert!(err.to_string().contains(KEY_ENV), "{err}");
        std::env::set_var(KEY_ENV, "");
        assert!(matches!(
            Pseudonymizer::from_env(),
            Err(KeyError::Missing { .. })
        ));
        std::env::remove_var(KEY_ENV);
        std::env::remove_var(KEY_FILE_ENV);
    }

    fn sep() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", " ", ".", "-"])
    }

    proptest! {
        #[test]
        fn same_email_same_key(local in "[a-z0-9._]{1,12}", domain in "[a-z]{2,10}\\.(com|co|edu\\.co)",
                               upper in prop::collection::vec(any::<bool>(), 40),
                               lead in "[ \t]{0,3}", trail in "[ \t\n]{0,3}") {
            let email = format!("{local}@{domain}");
            let varied: String = email.chars().zip(upper.iter().cycle())
                .map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c }).collect();
            let p = p();
            prop_assert_eq!(p.pseudonymize(&email), p.pseudonymize(&format!("{lead}{varied}{trail}")));
        }

        #[test]
        fn same_phone_same_key(first in prop::sample::select(vec!["3", "60"]), rest in "[0-9]{9}",
                               prefix in prop::sample::select(vec!["", "+57 ", "+57", "57", "57 ", "(57) ", "(+57) ", "0057 ", "0057"]),
                               s1 in sep(), s2 in sep(), paren in any::<bool>()) {
            let national = format!("{first}{rest}")[..10].to_string();
            let (a, b, c) = (&national[..3], &national[3..6], &national[6..]);
            let area = if paren { format!("({a})") } else { a.to_string() };
            let written = format!("{prefix}{area}{s1}{b}{s2}{c}");
            let p = p();
            prop_assert_eq!(normalize_identifier(&written), national.clone());
            prop_assert_eq!(p.pseudonymize(&written), p.pseudonymize(&national));
        }

        #[test]
        fn same_document_same_key(n in 1_000_000u64..9_999_999_999,
                                  prefix in prop::sample::select(vec!["", "CC ", "C.C. ", "cc", "TI ", "CE: ", "NIT "])) {
            let plain = n.to_string();
            let dotted = {
                let mut out = String::new();
                for (i, ch) in plain.chars().enumerate() {
                    if i > 0 && (plain.len() - i) % 3 == 0 { out.push('.'); }
                    out.push(ch);
                }
                out
            };
            let p = p();
            prop_assert_eq!(p.pseudonymize(&format!("{prefix}{dotted}")), p.pseudonymize(&format!("CC {plain}")));
        }
    }
}
