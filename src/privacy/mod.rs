//! Privacy on ingest (Ley 1581 de 2012, habeas data).
//!
//! Two mechanisms run on every record before it reaches the Parquet lake:
//!
//! 1. **Pseudonymisation of identifiers** ([`pseudonym`]). The `contact` of an
//!    interaction and the `respondent` of a survey (an email, a phone number or a
//!    document number) are never stored raw. When the person authorised the
//!    processing of their data (`habeas_data == true`) the identifier is
//!    replaced by `HMAC-SHA256(key, normalize_identifier(raw))` in lowercase hex;
//!    without authorisation nothing is kept at all. A keyed hash (not a plain
//!    hash) is required because the identifier space is tiny — every Colombian
//!    mobile is one of 10⁹ numbers and a cédula one of ~10¹⁰ — so an unkeyed
//!    SHA-256 is reversed by brute force in minutes. The key comes from
//!    `MOMENTOS_PSEUDONYM_KEY` or the file named by
//!    `MOMENTOS_PSEUDONYM_KEY_FILE` and never enters the lake; only its short
//!    fingerprint ([`Pseudonymizer::key_id`]) is recorded in manifests so a run
//!    can detect that the key changed (which breaks joins across runs).
//!    Identifiers are normalised first (emails trimmed and lowercased; phones
//!    reduced to their national digits; documents to digits) so one person has
//!    one key across channels and exports.
//!
//! 2. **Redaction of free text** ([`redact`]). Notes and comments are written
//!    by agents and students and routinely contain emails, phone numbers and
//!    cédulas. They are replaced by `[correo]`, `[telefono]` and `[documento]`.
//!    The rules (and what is deliberately *not* redacted: dates, times, money,
//!    percentages, small numbers and short codes) are documented in
//!    [`redact`]'s module doc. When in doubt the redactor errs towards
//!    redacting: a false redaction costs readability, a leak costs a breach of
//!    the law.

pub mod audit;
pub mod forget;
pub mod pseudonym;
pub mod redact;
pub mod retention;

pub use pseudonym::{normalize_identifier, KeyError, Pseudonymizer, KEY_ENV, KEY_FILE_ENV};
pub use redact::{contains_identifier, redact};

/// The name under which an input file is recorded (lineage columns, quarantine, logs,
/// follow-up records): its file name only, since folders can name people or hosts, and
/// redacted, since exports are often named after a person ("chat_3186727815.csv").
pub fn file_label(path: &std::path::Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    redact(&name).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_labels_drop_folders_and_identifiers() {
        let label = |p: &str| super::file_label(std::path::Path::new(p));
        assert_eq!(
            label("/home/ana.perez/inbox/interactions.csv"),
            "interactions.csv"
        );
        assert_eq!(label("chat_3186727815.csv"), "chat_[telefono].csv");
        assert_eq!(
            label("ana@ces.edu.co respuestas.xlsx"),
            "[correo] respuestas.xlsx"
        );
    }
}
