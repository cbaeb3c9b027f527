//! Source adapters (DESIGN §3.5): turn what a vendor system really exports (an Asterisk
//! `Master.csv`, a survey tool's CSV) into canonical records, which then go through the
//! same validation, pseudonymisation, redaction and quarantine as a canonical file.
//!
//! A **source file** `sources/<name>.toml` names the adapter, the canonical kind it
//! produces and the site settings (one table named like the adapter). Parsing is strict:
//! an unknown key is an error naming the key, the file, line and column.
//!
//! Adapters read a whole vendor file into memory: PBX logs and survey exports are small
//! (a day of calls, a survey's answers), and grouping a call's rows needs them all.

pub mod asterisk_cdr;
pub mod asterisk_queue_log;
pub mod chat_sessions;
pub mod mapped;
pub mod messaging;
pub mod messenger;
pub mod recognise;
pub mod webhook_archive;
pub mod whatsapp_cloud;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{Record, RecordSource, SourceError};
use crate::vocabulary::SourceKind;

/// Every adapter this build knows: name, kind it produces, what it reads.
pub const ADAPTERS: &[(&str, &str, &str)] = &[
    (
        "asterisk_cdr",
        "interactions",
        "Asterisk Master.csv (cdr_csv, sin encabezado, 21 columnas): una llamada por linkedid",
    ),
    (
        "asterisk_queue_log",
        "interactions",
        "Asterisk queue_log (epoch|callid|cola|agente|evento): una llamada por callid",
    ),
    (
        "whatsapp_cloud",
        "interactions",
        "webhooks de WhatsApp Cloud API (JSON): una conversación por sesión de 24 h",
    ),
    (
        "messenger",
        "interactions",
        "webhooks de Messenger (object: page): una conversación por sesión de 24 h",
    ),
    (
        "mapped",
        "surveys | interactions | shopper",
        "declarativo: CSV/XLSX/JSONL de encuestas u hojas de cálculo, con archivo de mapeo",
    ),
];

/// A parsed `sources/<name>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// What this source is, for people.
    #[serde(default)]
    pub description: String,
    /// Adapter name (see [`ADAPTERS`]).
    pub adapter: Spanned<String>,
    /// Canonical kind produced: interactions, surveys or shopper.
    pub kind: Spanned<String>,
    /// `mapped` only: a shipped mapping file, `sources/mappings/<mapping>.toml`, whose
    /// settings this file's `[mapped]` table completes or overrides.
    pub mapping: Option<Spanned<String>>,
    pub asterisk_cdr: Option<asterisk_cdr::Settings>,
    pub asterisk_queue_log: Option<asterisk_queue_log::Settings>,
    pub whatsapp_cloud: Option<whatsapp_cloud::Settings>,
    pub messenger: Option<messenger::Settings>,
    pub mapped: Option<mapped::Settings>,
}

/// A source ready to use: its name, kind and adapter with settings.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub path: PathBuf,
    pub description: String,
    pub kind: SourceKind,
    pub adapter: Adapter,
    /// The shipped mapping file it completes (`mapped`).
    pub mapping: Option<String>,
    /// The source file's bytes and its mapping file's: part of the content hash, so a
    /// file re-ingested under changed settings is read again.
    settings_bytes: Vec<u8>,
}

#[derive(Debug)]
pub enum Adapter {
    AsteriskCdr(asterisk_cdr::Settings),
    AsteriskQueueLog(asterisk_queue_log::Settings),
    WhatsappCloud(whatsapp_cloud::Settings),
    Messenger(messenger::Settings),
    Mapped(Box<mapped::Settings>),
}

impl Adapter {
    pub fn name(&self) -> &'static str {
        match self {
            Adapter::AsteriskCdr(_) => "asterisk_cdr",
            Adapter::AsteriskQueueLog(_) => "asterisk_queue_log",
            Adapter::WhatsappCloud(_) => "whatsapp_cloud",
            Adapter::Messenger(_) => "messenger",
            Adapter::Mapped(_) => "mapped",
        }
    }
}

/// A problem with a source or mapping file; names the file (and line:column when known).
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", path.display(), position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct SourceFileError {
    pub path: PathBuf,
    pub position: Option<(usize, usize)>,
    pub message: String,
}

fn file_error(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: impl fmt::Display,
) -> SourceFileError {
    SourceFileError {
        path: path.to_path_buf(),
        position: span.map(|s| line_col(text, s.start)),
        message: message.to_string(),
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, col)
}

/// Parses TOML strictly; the error names line and column.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, SourceFileError> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().to_string();
        file_error(path, text, e.span(), message)
    })
}

/// The folder of source files: `$MOMENTOS_SOURCES` or `./sources`.
pub fn default_dir() -> PathBuf {
    std::env::var_os("MOMENTOS_SOURCES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("sources"))
}

/// Finds a source by name in `dir` (or takes `name` as a path when it ends in `.toml`).
pub fn find(dir: &Path, name: &str) -> Result<Source, SourceFileError> {
    let path = if name.ends_with(".toml") {
        PathBuf::from(name)
    } else {
        dir.join(format!("{name}.toml"))
    };
    if !path.is_file() {
        let known = list(dir).unwrap_or_default();
        let names: Vec<String> = known.iter().map(|(n, _)| n.clone()).collect();
        let hint = match closest(name, names.iter().map(String::as_str)) {
            Some(c) => format!("; ¿quiso decir `{c}`?"),
            None => String::new(),
        };
        return Err(SourceFileError {
            path,
            position: None,
            message: format!(
                "no existe la fuente `{name}` (fuentes en {}: {}){hint}",
                dir.display(),
                if names.is_empty() {
                    "ninguna".to_string()
                } else {
                    names.join(", ")
                }
            ),
        });
    }
    load(&path)
}

/// Source files of a folder: (name, path), sorted. A missing folder has none.
pub fn list(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                out.push((stem.to_string(), path.clone()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads one shipped mapping file.
pub fn load_mapping(path: &Path) -> Result<mapped::MappingFile, SourceFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| SourceFileError {
        path: path.to_path_buf(),
        position: None,
        message: format!("no se puede leer: {e}"),
    })?;
    parse_toml(path, &text)
}

/// Reads and checks one source file (and its mapping file).
pub fn load(path: &Path) -> Result<Source, SourceFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| SourceFileError {
        path: path.to_path_buf(),
        position: None,
        message: format!("no se puede leer: {e}"),
    })?;
    let file: SourceFile = parse_toml(path, &text)?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let kind = SourceKind::parse(file.kind.get_ref()).ok_or_else(|| {
        file_error(
            path,
            &text,
            Some(file.kind.span()),
            format!(
                "`kind = \"{}\"` no es un tipo canónico; use interactions, surveys o shopper",
                file.kind.get_ref()
            ),
        )
    })?;
    let adapter_name = file.adapter.get_ref().as_str();
    let mapping_name = file.mapping.as_ref().map(|m| m.get_ref().clone());
    let mut settings_bytes = text.clone().into_bytes();
    let tables = [
        ("asterisk_cdr", file.asterisk_cdr.is_some()),
        ("asterisk_queue_log", file.asterisk_queue_log.is_some()),
        ("whatsapp_cloud", file.whatsapp_cloud.is_some()),
        ("messenger", file.messenger.is_some()),
        ("mapped", file.mapped.is_some() || file.mapping.is_some()),
    ];
    for (table, present) in tables {
        if present && table != adapter_name {
            return Err(file_error(
                path,
                &text,
                Some(file.adapter.span()),
                format!("la tabla [{table}] no corresponde al adaptador `{adapter_name}`"),
            ));
        }
    }
    let needs = Needs {
        path,
        text: &text,
        kind,
        kind_span: &file.kind,
        adapter: &file.adapter,
    };
    let adapter = match adapter_name {
        "asterisk_cdr" => {
            let settings = needs.interactions_table(file.asterisk_cdr)?;
            needs.check(settings.check())?;
            Adapter::AsteriskCdr(settings)
        }
        "asterisk_queue_log" => {
            Adapter::AsteriskQueueLog(needs.interactions_table(file.asterisk_queue_log)?)
        }
        "whatsapp_cloud" => {
            let settings = needs.interactions_table(file.whatsapp_cloud)?;
            needs.check(settings.check())?;
            Adapter::WhatsappCloud(settings)
        }
        "messenger" => {
            let settings = needs.interactions_table(file.messenger)?;
            needs.check(settings.check())?;
            Adapter::Messenger(settings)
        }
        "mapped" => {
            let mut settings = mapped::Settings::default();
            if let Some(mapping) = &file.mapping {
                let dir = path.parent().unwrap_or(Path::new("."));
                let mpath = dir
                    .join("mappings")
                    .join(format!("{}.toml", mapping.get_ref()));
                let mtext = std::fs::read_to_string(&mpath).map_err(|e| {
                    file_error(
                        path,
                        &text,
                        Some(mapping.span()),
                        format!(
                            "no se puede leer el archivo de mapeo {}: {e}",
                            mpath.display()
                        ),
                    )
                })?;
                let base = load_mapping(&mpath)?;
                settings = base.mapped;
                settings_bytes.extend_from_slice(mtext.as_bytes());
            }
            if let Some(own) = file.mapped {
                settings.merge(own);
            }
            needs.check(settings.check(kind))?;
            Adapter::Mapped(Box::new(settings))
        }
        other => {
            let names: Vec<&str> = ADAPTERS.iter().map(|a| a.0).collect();
            let hint = closest(other, names.iter().copied())
                .map(|c| format!("; ¿quiso decir `{c}`?"))
                .unwrap_or_default();
            return Err(file_error(
                path,
                &text,
                Some(file.adapter.span()),
                format!(
                    "adaptador desconocido `{other}` (conocidos: {}){hint}",
                    names.join(", ")
                ),
            ));
        }
    };
    Ok(Source {
        name,
        path: path.to_path_buf(),
        description: file.description,
        kind,
        adapter,
        mapping: mapping_name,
        settings_bytes,
    })
}

/// What a source file must hold for its adapter, to say where it falls short.
struct Needs<'a> {
    path: &'a Path,
    text: &'a str,
    kind: SourceKind,
    kind_span: &'a Spanned<String>,
    adapter: &'a Spanned<String>,
}

impl Needs<'_> {
    /// The settings table of an adapter that produces interactions: required, and the
    /// source's kind must be `interactions`.
    fn interactions_table<T>(&self, table: Option<T>) -> Result<T, SourceFileError> {
        let name = self.adapter.get_ref();
        if self.kind != SourceKind::Interactions {
            return Err(file_error(
                self.path,
                self.text,
                Some(self.kind_span.span()),
                format!("el adaptador {name} produce `interactions`"),
            ));
        }
        table.ok_or_else(|| {
            file_error(
                self.path,
                self.text,
                Some(self.adapter.span()),
                format!("falta la tabla [{name}] con los ajustes del sitio"),
            )
        })
    }

    /// An adapter's verdict on its settings, as an error naming the file.
    fn check(&self, verdict: Result<(), String>) -> Result<(), SourceFileError> {
        verdict.map_err(|m| file_error(self.path, self.text, None, m))
    }
}

/// One canonical record an adapter produced: canonical column → value, and the vendor
/// record's position (line of the first row, or the record number) for lineage.
#[derive(Debug, Clone, Default)]
pub struct CanonRow {
    pub line: u64,
    pub values: Vec<(&'static str, String)>,
    /// The vendor row cannot be mapped: it goes to quarantine with this reason.
    pub problem: Option<String>,
}

impl CanonRow {
    pub fn new(line: u64) -> CanonRow {
        CanonRow {
            line,
            ..Default::default()
        }
    }

    pub fn set(&mut self, column: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.values.iter_mut().find(|(c, _)| *c == column) {
            Some(slot) => slot.1 = value,
            None => self.values.push((column, value)),
        }
    }
}

/// What an adapter made of one vendor file.
#[derive(Debug)]
pub struct Adapted {
    pub source: String,
    pub adapter: &'static str,
    pub kind: SourceKind,
    /// Lineage label: `<source>:<file name>`.
    pub file_label: String,
    /// xxh3-128 of the settings and the file's bytes, hex.
    pub hash: String,
    pub described: String,
    pub rows: Vec<CanonRow>,
    /// Vendor records deliberately not turned into canonical rows, by reason (internal
    /// calls, incomplete responses, previews), in Spanish.
    pub skipped: Vec<(String, u64)>,
}

/// A failure to read a vendor file as the source says; names file (and line).
#[derive(Debug, thiserror::Error)]
pub enum AdaptError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{}: {message}", path.display())]
    Layout { path: PathBuf, message: String },
}

/// Runs the source's adapter over one file.
pub fn adapt(source: &Source, path: &Path, sheet: Option<&str>) -> Result<Adapted, AdaptError> {
    let bytes = std::fs::read(path).map_err(|e| SourceError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&source.settings_bytes);
    hasher.update(&[0]);
    hasher.update(&bytes);
    let hash = format!("{:032x}", hasher.digest128());
    let file_name = crate::privacy::file_label(path);
    let (rows, skipped, described) = match &source.adapter {
        Adapter::AsteriskCdr(s) => asterisk_cdr::adapt(s, path, &bytes)?,
        Adapter::AsteriskQueueLog(s) => asterisk_queue_log::adapt(s, path, &bytes)?,
        Adapter::WhatsappCloud(s) => whatsapp_cloud::adapt(s, path, &bytes)?,
        Adapter::Messenger(s) => messenger::adapt(s, path, &bytes)?,
        Adapter::Mapped(s) => mapped::adapt(s, &source.name, source.kind, path, sheet)?,
    };
    Ok(Adapted {
        source: source.name.clone(),
        adapter: source.adapter.name(),
        kind: source.kind,
        file_label: format!("{}:{file_name}", source.name),
        hash,
        described: format!(
            "fuente {} (adaptador {}), {described}",
            source.name,
            source.adapter.name()
        ),
        rows,
        skipped,
    })
}

/// Streams an adapter's canonical rows to the ingest path like any input file.
pub struct AdaptedSource {
    rows: std::sync::Arc<Adapted>,
    next: usize,
    /// For each adapted column position: the index in the wanted columns.
    present: Vec<bool>,
    index: HashMap<&'static str, usize>,
}

impl AdaptedSource {
    pub fn new(adapted: std::sync::Arc<Adapted>, columns: &[&'static str]) -> AdaptedSource {
        let index: HashMap<&'static str, usize> =
            columns.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        let mut present = vec![false; columns.len()];
        for row in &adapted.rows {
            for (c, _) in &row.values {
                if let Some(i) = index.get(c) {
                    present[*i] = true;
                }
            }
        }
        AdaptedSource {
            rows: adapted,
            next: 0,
            present,
            index,
        }
    }
}

impl RecordSource for AdaptedSource {
    fn present(&self) -> &[bool] {
        &self.present
    }
    fn unknown_columns(&self) -> &[String] {
        &[]
    }
    fn describe(&self) -> String {
        self.rows.described.clone()
    }
    fn next_record(&mut self, rec: &mut Record) -> Result<bool, SourceError> {
        let Some(row) = self.rows.rows.get(self.next) else {
            return Ok(false);
        };
        self.next += 1;
        rec.reset(self.present.len());
        rec.line = row.line;
        for (c, v) in &row.values {
            if let Some(i) = self.index.get(c) {
                rec.values[*i].push_str(v.trim());
            }
        }
        if let Some(p) = &row.problem {
            rec.add_problem(p);
        }
        Ok(true)
    }
}

/// The closest name by edit distance, if close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let w = super::normalize_name(word);
    candidates
        .map(|c| (levenshtein(&w, &super::normalize_name(c)), c))
        .filter(|(d, c)| *d > 0 && *d <= (c.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance of two short names (bounded: names longer than 64 characters are cut,
/// so a hostile header costs linear time).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names() {
        let names = ["interaction_id", "received_at", "first_response_at"];
        assert_eq!(
            closest("recieved_at", names.iter().copied()),
            Some("received_at")
        );
        assert_eq!(closest("Interaction-ID", names.iter().copied()), None); // exact after normalising
        assert_eq!(closest("zzz", names.iter().copied()), None);
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_col("abc", 0), (1, 1));
    }
}
