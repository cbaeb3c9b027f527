//! Validation: every input row is checked against its type and the catalog before it may
//! enter the lake. A row either becomes typed Arrow values (with identifiers pseudonymised
//! and free text redacted, DESIGN §7) or a [`Rejection`] that says in plain words what is
//! wrong, so it can go to quarantine while the good rows go on.

mod builder;
mod interactions;
mod quarantine;
mod shopper;
mod surveys;
pub mod values;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use builder::{Lineage, Sizing, TableBuilder, Val};
pub use quarantine::QuarantineBuilder;

/// Canonical input columns of each source (DESIGN §3), in schema order.
pub const INTERACTION_COLUMNS: &[&str] = interactions::COLUMNS;
pub const SURVEY_COLUMNS: &[&str] = surveys::COLUMNS;
pub const SHOPPER_COLUMNS: &[&str] = shopper::COLUMNS;

use crate::catalog::Catalog;
use crate::privacy::Pseudonymizer;
use crate::sources::Record;
use crate::vocabulary::FastTrim;
use crate::vocabulary::{Channel, SourceKind, Stakeholder};

/// Why a row was rejected: a stable code (for counting) and words for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub code: &'static str,
    pub column: Option<&'static str>,
    pub message: String,
}

impl Rejection {
    pub fn new(code: &'static str, column: &'static str, message: impl Into<String>) -> Self {
        Rejection {
            code,
            column: Some(column),
            message: format!("{column}: {}", message.into()),
        }
    }
}

/// What every row conversion needs to know.
pub struct RowContext<'a> {
    pub catalog: &'a Catalog,
    pub tz: Tz,
    pub pseudonymizer: Option<&'a Pseudonymizer>,
    /// Instants after this are "in the future" (now plus a day of clock skew).
    pub latest_allowed: i64,
    /// Rows kept with a value dropped: code → (count, first message). Shared by the
    /// conversion threads; touched only when a row has something to warn about.
    pub warnings: std::sync::Mutex<std::collections::BTreeMap<String, (u64, String)>>,
}

impl RowContext<'_> {
    /// Counts a warning about a row that is kept (the message names the line, never a
    /// value that could identify a person).
    pub fn warn(&self, code: &str, message: impl FnOnce() -> String) {
        let mut warnings = self.warnings.lock().unwrap_or_else(|e| e.into_inner());
        match warnings.get_mut(code) {
            Some(entry) => entry.0 += 1,
            None => {
                warnings.insert(code.to_string(), (1, message()));
            }
        }
    }

    /// The warnings counted so far.
    pub fn warnings(&self) -> std::collections::BTreeMap<String, (u64, String)> {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl<'a> RowContext<'a> {
    pub fn new(
        catalog: &'a Catalog,
        pseudonymizer: Option<&'a Pseudonymizer>,
        now: DateTime<Utc>,
    ) -> Self {
        RowContext {
            catalog,
            tz: catalog.time_zone,
            pseudonymizer,
            latest_allowed: (now + chrono::Duration::days(1)).timestamp_micros(),
            warnings: Default::default(),
        }
    }
}

/// Converts one kind of input row.
pub trait RowConverter {
    /// Canonical input columns, in schema order.
    fn columns(&self) -> &'static [&'static str];
    /// Columns a file must have.
    fn required(&self) -> &'static [&'static str];
    /// Values for the table's own columns (not lineage), the local date, and a hash of the
    /// row's key (for replacement of re-sent ids).
    fn convert<'r>(
        &self,
        rec: &'r Record,
        ctx: &RowContext<'r>,
    ) -> Result<Converted<'r>, Rejection>;
}

pub struct Converted<'r> {
    pub values: Vec<Val<'r>>,
    pub event_at: i64,
    pub key_hash: u64,
}

pub fn converter(kind: SourceKind) -> Box<dyn RowConverter + Send + Sync> {
    match kind {
        SourceKind::Interactions => Box::new(interactions::Interactions),
        SourceKind::Surveys => Box::new(surveys::Surveys),
        SourceKind::Shopper => Box::new(shopper::Shopper),
    }
}

// ---- helpers shared by the converters -------------------------------------------------

pub(crate) fn required_text<'r>(
    rec: &'r Record,
    i: usize,
    column: &'static str,
) -> Result<&'r str, Rejection> {
    let v = rec.values[i].as_str();
    if v.is_empty() {
        Err(Rejection::new(
            "missing_value",
            column,
            "a value is required",
        ))
    } else {
        Ok(v)
    }
}

pub(crate) fn optional_text(rec: &Record, i: usize) -> Val<'_> {
    match rec.values[i].as_str() {
        "" => Val::Null,
        v => Val::Text(Cow::Borrowed(v)),
    }
}

/// Free text: redacted (emails, phones, document numbers) before it can be stored.
pub(crate) fn redacted_text(rec: &Record, i: usize) -> Val<'_> {
    match rec.values[i].as_str() {
        "" => Val::Null,
        v => Val::Text(crate::privacy::redact(v)),
    }
}

pub(crate) fn timestamp(
    rec: &Record,
    i: usize,
    column: &'static str,
    ctx: &RowContext,
) -> Result<Option<i64>, Rejection> {
    let t = values::parse_timestamp(&rec.values[i], ctx.tz)
        .map_err(|m| Rejection::new("bad_timestamp", column, m))?;
    if let Some(t) = t {
        if t > ctx.latest_allowed {
            return Err(Rejection::new(
                "future_timestamp",
                column,
                format!("`{}` lies in the future", rec.values[i].fast_trim()),
            ));
        }
    }
    Ok(t)
}

pub(crate) fn required_timestamp(
    rec: &Record,
    i: usize,
    column: &'static str,
    ctx: &RowContext,
) -> Result<i64, Rejection> {
    timestamp(rec, i, column, ctx)?
        .ok_or_else(|| Rejection::new("missing_value", column, "a date-time is required"))
}

pub(crate) fn channel(
    rec: &Record,
    i: usize,
    column: &'static str,
) -> Result<Option<Channel>, Rejection> {
    let v = rec.values[i].fast_trim();
    if v.is_empty() {
        return Ok(None);
    }
    Channel::parse(v).map(Some).ok_or_else(|| {
        Rejection::new(
            "unknown_channel",
            column,
            format!(
                "`{}` is not a channel; expected one of {}",
                values::shorten(v),
                Channel::codes()
            ),
        )
    })
}

pub(crate) fn unit<'c>(
    v: &str,
    column: &'static str,
    ctx: &RowContext<'c>,
) -> Result<&'c str, Rejection> {
    let folded = crate::vocabulary::fold_code(v);
    ctx.catalog
        .unit(&folded)
        .map(|u| u.code.as_str())
        .ok_or_else(|| {
            Rejection::new(
                "unknown_unit",
                column,
                format!(
                    "`{}` is not a unit of the catalog ({})",
                    values::shorten(v),
                    ctx.catalog.origin
                ),
            )
        })
}

pub(crate) fn stakeholder(rec: &Record, i: usize) -> Result<Option<Stakeholder>, Rejection> {
    let v = rec.values[i].fast_trim();
    if v.is_empty() {
        return Ok(None);
    }
    Stakeholder::parse(v).map(Some).ok_or_else(|| {
        Rejection::new(
            "unknown_stakeholder",
            "stakeholder",
            format!(
                "`{}` is not a stakeholder type; expected one of {}",
                values::shorten(v),
                Stakeholder::codes()
            ),
        )
    })
}

pub(crate) fn boolean(
    rec: &Record,
    i: usize,
    column: &'static str,
) -> Result<Option<bool>, Rejection> {
    values::parse_bool(&rec.values[i]).map_err(|m| Rejection::new("bad_boolean", column, m))
}

/// Keyed pseudonym of a raw identifier, kept only with authorisation (DESIGN §7).
pub(crate) fn pseudonym<'r>(
    rec: &Record,
    i: usize,
    column: &'static str,
    habeas_data: Option<bool>,
    ctx: &RowContext,
) -> Result<Val<'r>, Rejection> {
    let raw = rec.values[i].fast_trim();
    if raw.is_empty() || habeas_data != Some(true) {
        return Ok(Val::Null);
    }
    // A phone or document number Excel showed in scientific notation (`3,00123E+09`)
    // has lost its last digits: hashing it would make a key for nobody, or for the
    // wrong person. The row is kept without it.
    if values::is_scientific_notation(raw) {
        ctx.warn("contact_excel_scientific", || {
            format!(
                "line {}: column `{column}` holds a number that Excel rewrote in scientific notation (like 3,00123E+09), which lost its last digits; the row was kept without it (format the column as text in Excel before saving)",
                rec.line
            )
        });
        return Ok(Val::Null);
    }
    match ctx.pseudonymizer {
        Some(p) => Ok(p
            .pseudonymize(raw)
            .map_or(Val::Null, |k| Val::Text(Cow::Owned(k)))),
        // Checked per file before reading; kept as a row error for safety.
        None => Err(Rejection::new(
            "no_pseudonym_key",
            column,
            "no pseudonymisation key is configured",
        )),
    }
}

pub(crate) fn key_hash(parts: &[impl AsRef<str>]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(p.as_ref().as_bytes());
        h.update(&[0]);
    }
    h.digest()
}

pub(crate) fn text_val(s: &str) -> Val<'_> {
    Val::Text(Cow::Borrowed(s))
}

pub(crate) fn opt_code<T: Copy>(v: Option<T>, code: impl Fn(T) -> &'static str) -> Val<'static> {
    v.map_or(Val::Null, |x| Val::Text(Cow::Borrowed(code(x))))
}

/// Lineage shared by every row of a batch.
pub fn builder_lineage(
    batch_id: &str,
    source_file: &str,
    ingested_at: DateTime<Utc>,
) -> builder::Lineage {
    builder::Lineage {
        batch_id: batch_id.to_string(),
        source_file: source_file.to_string(),
        ingested_at: ingested_at.timestamp_micros(),
    }
}
