//! `mapped`: a declarative adapter for survey tools and spreadsheets (DESIGN §3.5).
//!
//! A mapping says which vendor column feeds which canonical column, how answer codes or
//! labels become canonical values (codes such as "No aplica" become empty), which rows
//! count (a finished response, not a preview), the constants a file lacks (survey, unit)
//! and the vendor's local date pattern. Shipped mappings (`sources/mappings/*.toml`) hold
//! a tool's conventions; a site's source file completes them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{AdaptError, CanonRow};
use crate::sources::{self, Format, ReadOptions, Record, SourceError};
use crate::vocabulary::SourceKind;

/// A shipped mapping file: one `[mapped]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    #[serde(default)]
    pub description: String,
    pub mapped: Settings,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `csv`, `jsonl` or `xlsx` (default: by extension).
    pub format: Option<String>,
    /// XLSX sheet (default: the first).
    pub sheet: Option<String>,
    /// Rows after the header row (row 1, the vendor's keys) that are not data: Qualtrics'
    /// label row and ImportId row.
    pub skip_rows: Option<usize>,
    /// Canonical column → vendor column (matched like headers: case, spaces, '-').
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Canonical column (or `*` for any) → { vendor value → canonical value }; a value
    /// mapped to "" is empty (no answer).
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Vendor values that mean "no answer" in any column ("No aplica", "N/A", "-oth-").
    #[serde(default)]
    pub null_values: Vec<String>,
    /// Rows kept only when every filter holds; the others are counted as skipped.
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// Canonical column → value for every row (`survey`, `unit`, `channel`).
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    /// Local date-time pattern of the `*_at` columns, LDML style (`d/MM/yyyy H:mm:ss`).
    pub datetime_format: Option<String>,
    /// `true`: the export has no id; the id is a hash of the source name and the row's
    /// whole content with identifiers masked (stable: the same row always gets the same id).
    pub synthesize_id: Option<bool>,
    /// Vendor columns known and deliberately unused (documentation; never warned about).
    #[serde(default)]
    pub ignore: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Vendor column.
    pub column: String,
    /// The cell must be non-empty.
    pub present: Option<bool>,
    /// The cell must equal this (after trimming).
    pub equals: Option<String>,
    /// Why a row failing this filter is skipped, for the summary (Spanish).
    pub skipped: Option<String>,
}

impl Settings {
    /// Completes a shipped mapping with a site's own settings (the site's win).
    pub fn merge(&mut self, own: Settings) {
        macro_rules! take {
            ($($f:ident),*) => { $( if own.$f.is_some() { self.$f = own.$f; } )* };
        }
        take!(format, sheet, skip_rows, datetime_format, synthesize_id);
        self.columns.extend(own.columns);
        for (col, map) in own.values {
            self.values.entry(col).or_default().extend(map);
        }
        self.null_values.extend(own.null_values);
        self.filters.extend(own.filters);
        self.constants.extend(own.constants);
        self.ignore.extend(own.ignore);
    }

    pub fn check(&self, kind: SourceKind) -> Result<(), String> {
        let canonical = crate::validate::converter(kind).columns();
        for c in self
            .columns
            .keys()
            .chain(self.constants.keys())
            .chain(self.values.keys().filter(|k| k.as_str() != "*"))
        {
            if !canonical.contains(&c.as_str()) {
                let hint = super::closest(c, canonical.iter().copied())
                    .map(|h| format!("; ¿quiso decir `{h}`?"))
                    .unwrap_or_default();
                return Err(format!(
                    "[mapped]: `{c}` no es una columna de {} {hint}",
                    kind.code()
                ));
            }
        }
        // An authorization is each person's own answer (Ley 1581, DESIGN §7): a constant
        // would claim everyone's consent and keep identifiers nobody authorised.
        if self.constants.contains_key("habeas_data") {
            return Err(
                "[mapped.constants]: `habeas_data` no puede ser una constante; \
                 mapee la pregunta de autorización de cada persona en [mapped.columns]"
                    .into(),
            );
        }
        if let Some(f) = &self.format {
            Format::parse(f)
                .ok_or_else(|| format!("[mapped] format `{f}`: use csv, jsonl o xlsx"))?;
        }
        for f in &self.filters {
            if f.present.is_none() && f.equals.is_none() {
                return Err(format!(
                    "[mapped] filtro sobre `{}` sin `present` ni `equals`",
                    f.column
                ));
            }
        }
        let id = id_column(kind);
        if !self.columns.contains_key(id)
            && !self.constants.contains_key(id)
            && self.synthesize_id != Some(true)
        {
            return Err(format!("[mapped] no dice de dónde sale `{id}`: mapee una columna o ponga synthesize_id = true"));
        }
        Ok(())
    }
}

fn id_column(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Interactions => "interaction_id",
        SourceKind::Surveys => "response_id",
        SourceKind::Shopper => "evaluation_id",
    }
}

/// LDML pattern (`d/MM/yyyy H:mm:ss`) → chrono format (`%d/%m/%Y %H:%M:%S`); chrono's
/// parser takes one or two digits for each numeric field, so `d` and `dd` are alike.
pub fn ldml_to_chrono(p: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        let spec = match c {
            'y' => Some("%Y"),
            'M' => Some("%m"),
            'd' => Some("%d"),
            'H' => Some("%H"),
            'h' => Some("%I"),
            'm' => Some("%M"),
            's' => Some("%S"),
            'a' => Some("%p"),
            _ => None,
        };
        match spec {
            Some(s) => out.push_str(s),
            None => {
                for _ in 0..n {
                    if c == '%' {
                        out.push_str("%%");
                    } else {
                        out.push(c);
                    }
                }
            }
        }
        i += n;
    }
    out
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

type Adapted = (Vec<CanonRow>, Vec<(String, u64)>, String);

pub fn adapt(
    s: &Settings,
    source_name: &str,
    kind: SourceKind,
    path: &Path,
    sheet: Option<&str>,
) -> Result<Adapted, AdaptError> {
    let canonical = crate::validate::converter(kind).columns();
    let read = ReadOptions {
        format: s.format.as_deref().and_then(Format::parse),
        sheet: sheet.map(str::to_string).or_else(|| s.sheet.clone()),
    };
    // The vendor columns this mapping reads.
    let mut wanted: Vec<String> = s.columns.values().cloned().collect();
    wanted.extend(s.filters.iter().map(|f| f.column.clone()));
    wanted.sort();
    wanted.dedup();
    let refs: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let first = sources::open(path, &refs, &read).map_err(|e| match e {
        SourceError::NotTabular { path, detail } => AdaptError::Layout {
            message: format!(
                "{detail}{}",
                super::recognise::hint_for(&path, Some("mapped"))
            ),
            path,
        },
        e => AdaptError::Source(e),
    })?;
    let missing: Vec<String> = wanted
        .iter()
        .zip(first.present())
        .filter(|(_, p)| !**p)
        .map(
            |(w, _)| match super::closest(w, first.unknown_columns().iter().map(String::as_str)) {
                Some(c) => format!("`{w}` (¿es `{c}`?)"),
                None => format!("`{w}`"),
            },
        )
        .collect();
    if !missing.is_empty() {
        return Err(AdaptError::Layout {
            path: path.to_path_buf(),
            message: format!(
                "la fila de encabezado no tiene la(s) columna(s) {} que pide el mapeo{}",
                missing.join(", "),
                super::recognise::hint_for(path, Some("mapped"))
            ),
        });
    }
    // Every column, for the full-content id: the wanted ones first, then the rest.
    let mut all = wanted.clone();
    all.extend(
        first
            .unknown_columns()
            .iter()
            .filter(|u| !u.contains(" (") && !u.starts_with('('))
            .cloned(),
    );
    let described = first.describe();
    drop(first);
    let all_refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let mut src = sources::open(path, &all_refs, &read)?;
    let index = |vendor: &str| wanted.iter().position(|w| w == vendor);
    let pattern = s.datetime_format.as_deref().map(ldml_to_chrono);
    let nulls: Vec<String> = s.null_values.iter().map(|n| fold(n)).collect();
    let values: BTreeMap<&str, BTreeMap<String, &str>> = s
        .values
        .iter()
        .map(|(c, m)| {
            (
                c.as_str(),
                m.iter().map(|(k, v)| (fold(k), v.as_str())).collect(),
            )
        })
        .collect();
    let id_col = id_column(kind);

    let mut rows = Vec::new();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut rec = Record::default();
    let mut skip = s.skip_rows.unwrap_or(0);
    while src.next_record(&mut rec)? {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let mut row = CanonRow::new(rec.line);
        if let Some(p) = &rec.problem {
            row.problem = Some(p.clone());
            rows.push(row);
            continue;
        }
        if rec.values.iter().all(String::is_empty) {
            continue;
        }
        let failed = s.filters.iter().find(|f| {
            let v = index(&f.column).map_or("", |i| rec.values[i].as_str());
            f.present.is_some_and(|p| p == v.is_empty())
                || f.equals.as_deref().is_some_and(|e| v.trim() != e)
        });
        if let Some(f) = failed {
            let why = f
                .skipped
                .clone()
                .unwrap_or_else(|| match (&f.equals, f.present) {
                    (Some(e), _) => format!("filas con {} distinto de {e}", f.column),
                    _ => format!("filas con {} vacío", f.column),
                });
            *skipped.entry(why).or_default() += 1;
            continue;
        }
        let mut problems = Vec::new();
        for (canon, vendor) in &s.columns {
            let Some(col) = canonical.iter().find(|c| **c == canon.as_str()) else {
                continue;
            };
            let raw = index(vendor).map_or("", |i| rec.values[i].as_str()).trim();
            let key = fold(raw);
            let mut value: String = if nulls.contains(&key) {
                String::new()
            } else if let Some(v) = values.get(canon.as_str()).and_then(|m| m.get(&key)) {
                v.to_string()
            } else if let Some(v) = values.get("*").and_then(|m| m.get(&key)) {
                v.to_string()
            } else {
                raw.to_string()
            };
            if let (true, Some(p), false) = (col.ends_with("_at"), &pattern, value.is_empty()) {
                match chrono::NaiveDateTime::parse_from_str(&value, p) {
                    Ok(t) => value = t.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    Err(_) => problems.push(format!(
                        "`{vendor}` = `{value}` no sigue el patrón de fecha `{}`",
                        s.datetime_format.as_deref().unwrap_or("")
                    )),
                }
            }
            row.set(col, value);
        }
        for (canon, value) in &s.constants {
            if let Some(col) = canonical.iter().find(|c| **c == canon.as_str()) {
                let has = row.values.iter().any(|(c, v)| c == col && !v.is_empty());
                if !has {
                    row.set(col, value.as_str());
                }
            }
        }
        if s.synthesize_id == Some(true) && !s.columns.contains_key(id_col) {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(source_name.as_bytes());
            // Identifiers are masked before hashing: an unkeyed hash over a row holding an
            // e-mail could confirm a guessed person's answers. Two rows equal in everything
            // but the person (same second, same answers) would share an id; real exports
            // stamp responses to the second, so that is accepted.
            for v in &rec.values {
                h.update(&[0x1f]);
                h.update(crate::privacy::redact(v).as_bytes());
            }
            let col = canonical
                .iter()
                .find(|c| **c == id_col)
                .copied()
                .unwrap_or("response_id");
            row.set(col, format!("{source_name}-{:016x}", h.digest()));
        }
        if !problems.is_empty() {
            row.problem = Some(problems.join("; "));
        }
        rows.push(row);
    }
    Ok((rows, skipped.into_iter().collect(), described))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldml_patterns() {
        assert_eq!(ldml_to_chrono("d/MM/yyyy H:mm:ss"), "%d/%m/%Y %H:%M:%S");
        let t = chrono::NaiveDateTime::parse_from_str(
            "5/10/2026 9:03:07",
            &ldml_to_chrono("d/MM/yyyy H:mm:ss"),
        )
        .unwrap();
        assert_eq!(t.to_string(), "2026-10-05 09:03:07");
    }

    #[test]
    fn consent_is_never_a_constant() {
        let mut settings: Settings = toml::from_str(
            "synthesize_id = true\n[constants]\nsurvey = \"s\"\nhabeas_data = \"true\"\n",
        )
        .unwrap();
        let err = settings.check(SourceKind::Surveys).unwrap_err();
        assert!(err.contains("habeas_data"), "{err}");
        settings.constants.remove("habeas_data");
        settings.columns.insert("habeas_data".into(), "Q7".into());
        settings.check(SourceKind::Surveys).unwrap();
    }
}
