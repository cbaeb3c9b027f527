//! The CLI speaks one language at a time: Spanish by default (the people who use it are
//! Colombian), English on request. Every message, summary, table header and `--help` text
//! a person reads comes from one catalog per language, `i18n/<lang>/momentos.ftl`
//! (Fluent), embedded in the binary. Operators' log lines (`tracing`) stay English, and
//! the HTML report stays Spanish.
//!
//! Code asks for a message by key: `t!("ingest-rows", rows = 3)`.

mod catalog;
pub mod help;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fluent_bundle::types::{FluentNumber, FluentNumberOptions};
use fluent_bundle::FluentValue;

/// A language of the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Español (Colombia).
    Es,
    /// English.
    En,
}

impl Lang {
    /// `en`, `en_US.UTF-8`, `en-GB` → English; anything else → Spanish.
    pub fn from_tag(tag: &str) -> Lang {
        let lower = tag.trim().to_ascii_lowercase();
        match lower.strip_prefix("en") {
            Some(rest) if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) => Lang::En,
            _ => Lang::Es,
        }
    }
}

/// The language chosen for this process (set once at startup).
static CHOSEN: OnceLock<Lang> = OnceLock::new();

/// Fixes the process's language; later calls keep the first choice.
pub fn set_lang(lang: Lang) {
    let _ = CHOSEN.set(lang);
}

/// The process's language: the one set at startup, Spanish until then.
pub fn lang() -> Lang {
    CHOSEN.get().copied().unwrap_or(Lang::Es)
}

/// Chooses the language before clap parses (so `--help` is already localised):
/// `--lang es|en` on the command line, else `MOMENTOS_LANG`, `LC_ALL`, `LC_MESSAGES`,
/// `LANG` (the first that is set and not empty decides), else Spanish.
pub fn choose(args: &[OsString], env: impl Fn(&str) -> Option<String>) -> Lang {
    if let Some(tag) = lang_flag(args) {
        return Lang::from_tag(&tag);
    }
    ["MOMENTOS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|var| env(var))
        .find(|v| !v.trim().is_empty())
        .map_or(Lang::Es, |v| Lang::from_tag(&v))
}

/// The value of `--lang X` / `--lang=X`, if given before a `--`.
fn lang_flag(args: &[OsString]) -> Option<String> {
    let mut args = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--" {
            return None;
        }
        if arg == "--lang" {
            return args.next().map(Cow::into_owned);
        }
        if let Some(v) = arg.strip_prefix("--lang=") {
            return Some(v.to_string());
        }
    }
    None
}

/// A value for a message's `{ $name }`: text or a number (numbers are formatted in the
/// message's language and pick its plural form: "1 fila", "3 filas").
pub struct Arg(FluentValue<'static>);

/// A number shown with exactly `decimals` places ("78,4" / "78.4").
pub fn decimal(x: f64, decimals: usize) -> Arg {
    let options = FluentNumberOptions {
        minimum_fraction_digits: Some(decimals),
        maximum_fraction_digits: Some(decimals),
        ..Default::default()
    };
    Arg(FluentValue::Number(FluentNumber::new(x, options)))
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg(FluentValue::String(s.to_string().into()))
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg(FluentValue::String(s.into()))
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::from(s.as_str())
    }
}

impl From<&Path> for Arg {
    fn from(p: &Path) -> Self {
        Arg::from(p.display().to_string())
    }
}

impl From<&PathBuf> for Arg {
    fn from(p: &PathBuf) -> Self {
        Arg::from(p.as_path())
    }
}

impl From<std::path::Display<'_>> for Arg {
    fn from(d: std::path::Display<'_>) -> Self {
        Arg::from(d.to_string())
    }
}

macro_rules! number_args {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Arg {
            fn from(n: $ty) -> Self {
                Arg(FluentValue::Number(FluentNumber::from(n as f64)))
            }
        }
    )*};
}
number_args!(u8, u16, u32, u64, usize, i32, i64, f64);

/// A whole number in the process's language: 12345 → "12.345" (es), "12,345" (en).
pub fn int(n: impl Into<i64>) -> String {
    crate::report::format::int_in(lang(), n.into())
}

/// A number with `decimals` places in the process's language ("78,4" / "78.4").
pub fn num(x: f64, decimals: usize) -> String {
    crate::report::format::num_in(lang(), x, decimals)
}

/// A number as it was written in a file (shortest form: "0.001", "1.5"), with the decimal
/// comma in Spanish; for echoing configuration values, where rounding would mislead.
pub fn plain(x: f64) -> String {
    let written = x.to_string();
    match lang() {
        Lang::Es => written.replace('.', ","),
        Lang::En => written,
    }
}

/// "a o b" / "a or b": the last of a list of choices joined by the language's "or".
pub fn or(first: &str, last: &str) -> String {
    message(
        "words-or",
        &[("first", Arg::from(first)), ("last", Arg::from(last))],
    )
}

/// A `YYYY-MM` period for people: "octubre de 2026" (es), "October 2026" (en).
pub fn period(p: &str) -> String {
    use crate::report::format;
    match (lang(), format::parse_period(p)) {
        (Lang::Es, _) => format::period(p),
        (Lang::En, Some((y, m))) => chrono::NaiveDate::from_ymd_opt(y, m, 1)
            .map_or_else(|| p.to_string(), |d| d.format("%B %Y").to_string()),
        (Lang::En, None) => p.to_string(),
    }
}

/// A label of the domain's vocabulary (a channel, a status, an alert kind): those are
/// Spanish, the report's words; in English the CLI shows the code instead.
pub fn label<'a>(spanish: &'a str, code: &'a str) -> &'a str {
    match lang() {
        Lang::Es => spanish,
        Lang::En => code,
    }
}

/// The message `key` in the process's language, with its `{ $name }` filled from `args`.
/// Prefer the [`t!`](crate::t) macro.
pub fn message(key: &str, args: &[(&str, Arg)]) -> String {
    message_in(lang(), key, args)
}

/// The message `key` in `lang` (a missing key prints the key: the catalog tests catch it).
pub fn message_in(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    catalog::format(lang, key, args).unwrap_or_else(|| key.to_string())
}

/// Whether the catalog of `lang` has `key` (optional texts such as an `after_help`).
pub fn has(lang: Lang, key: &str) -> bool {
    catalog::has(lang, key)
}

/// `t!("key")` or `t!("key", name = value, …)`: a message of the catalog in the process's
/// language; values are text, paths or numbers (see [`i18n::Arg`](crate::i18n::Arg)).
#[macro_export]
macro_rules! t {
    ($key:literal) => {
        $crate::i18n::message($key, &[])
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::message(
            $key,
            &[$((stringify!($name), $crate::i18n::Arg::from($value))),+],
        )
    };
}
