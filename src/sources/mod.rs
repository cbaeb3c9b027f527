//! Input sources: turn one contact-center export (CSV, JSON Lines or XLSX)
//! into a stream of [`Record`]s aligned to the columns the pipeline wants.
//!
//! Why this module exists: exports come from many tools and many hands
//! (Excel in Spanish locale, BI tools, scripts), so the same logical table
//! arrives with different separators, encodings, header spellings and
//! sometimes broken rows. This module hides all of that behind one small
//! streaming interface and never panics on hostile input. It does *not*
//! validate values: it delivers trimmed strings plus, per row, an optional
//! `problem` saying the row itself cannot be trusted (wrong field count,
//! unbalanced quotes, invalid JSON, Excel error cells...). A file-level
//! failure (unreadable, binary, no header, missing sheet) is a
//! [`SourceError`].
//!
//! Memory: CSV and JSON Lines stream with constant memory (the `Record` and
//! internal buffers are reused). XLSX sheets are loaded whole by calamine
//! (Excel caps a sheet at 1,048,576 rows).

mod csv;
mod csv_fields;
mod csv_range;
mod csv_scan;
mod fault;
mod jsonl;
mod mapped;
mod xlsx;

pub mod adapters;

use std::fmt;

pub use csv::CsvSource;
pub use csv_range::CsvRange;
pub use csv_scan::{scan_csv, CsvScan};
pub use mapped::{FileStamp, MappedFile};
use std::path::{Path, PathBuf};

/// Input file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
    Xlsx,
}

impl Format {
    /// Guesses the format from the file extension (case-insensitive):
    /// `.csv .txt .tsv` → Csv; `.jsonl .ndjson .json` → JsonLines;
    /// `.xlsx .xlsm` → Xlsx.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" | "tsv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// Parses a user-given format name: "csv", "jsonl" (or "json",
    /// "ndjson"), "xlsx" (case-insensitive).
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "json" | "ndjson" => Some(Format::JsonLines),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "CSV",
            Format::JsonLines => "JSON Lines",
            Format::Xlsx => "XLSX",
        })
    }
}

/// How to read the input.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `None` = decide by file extension.
    pub format: Option<Format>,
    /// XLSX sheet name; `None` = first sheet.
    pub sheet: Option<String>,
}

/// One input row. `values[i]` is the text for `columns[i]` (trimmed of
/// surrounding whitespace; "" when the column is absent or the cell empty).
/// Reused between calls to avoid allocation.
#[derive(Debug, Default, Clone)]
pub struct Record {
    /// 1-based physical line where the record starts (CSV/JSONL), or the
    /// 1-based sheet row (XLSX).
    pub line: u64,
    pub values: Vec<String>,
    /// A row-level problem: the row can't be trusted. `values` hold whatever
    /// could be read. Several problems are joined with "; ".
    pub problem: Option<String>,
}

impl Record {
    /// Resets the record for `n` columns, keeping the Strings' capacity.
    pub(crate) fn reset(&mut self, n: usize) {
        self.values.resize_with(n, String::new);
        for v in &mut self.values {
            v.clear();
        }
        self.problem = None;
        self.line = 0;
    }

    /// Appends a row-level problem (joined with "; ").
    pub(crate) fn add_problem(&mut self, msg: impl fmt::Display) {
        match &mut self.problem {
            Some(p) => {
                p.push_str("; ");
                fmt::Write::write_fmt(p, format_args!("{msg}")).ok();
            }
            None => self.problem = Some(msg.to_string()),
        }
    }
}

/// A stream of records from one input file.
pub trait RecordSource: Send {
    /// For each wanted column, whether the file has it (CSV/XLSX header; for
    /// JSON Lines: whether the first object had that key).
    fn present(&self) -> &[bool];
    /// Header names in the file that are not wanted (to warn about), original
    /// spelling. Duplicates and unnamed columns carry a note in parentheses.
    fn unknown_columns(&self) -> &[String];
    /// Detected details for the user, e.g. "CSV, separator ';', encoding
    /// windows-1252".
    fn describe(&self) -> String;
    /// Reads the next record into `rec`. `Ok(false)` at end of input. `Err`
    /// only for file-level failures (I/O error mid-file, runaway record).
    fn next_record(&mut self, rec: &mut Record) -> Result<bool, SourceError>;
}

/// A file-level failure. Every variant names the file and says in plain
/// words what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot tell the format of {} from its extension (expected .csv, .txt, .tsv, .jsonl, .ndjson, .json, .xlsx or .xlsm); give the format explicitly",
        path.display()
    )]
    UnknownFormat { path: PathBuf },
    #[error("{} is empty: it has no header row and no data", path.display())]
    Empty { path: PathBuf },
    #[error("{} is not a table: {detail}", path.display())]
    NotTabular { path: PathBuf, detail: String },
    #[error("cannot read the Excel workbook {}: {detail}", path.display())]
    Xlsx { path: PathBuf, detail: String },
    #[error(
        "{} has no sheet named '{sheet}'; its sheets are: {}",
        path.display(),
        quoted_list(available)
    )]
    SheetNotFound {
        path: PathBuf,
        sheet: String,
        available: Vec<String>,
    },
    /// The file changed (was cut short, grew or was rewritten) while it was read.
    #[error(
        "{} changed while it was being read (it was cut short, grew or was rewritten): it is probably still being written; nothing of it was written to the lake; ingest it again once it is complete",
        path.display()
    )]
    Changed { path: PathBuf },
    /// A single CSV record grew past a safety limit (almost always a quote
    /// that is never closed, so the rest of the file became one field).
    #[error(
        "{}: the record starting at line {line} is larger than {limit_mb} MiB; probably unbalanced quotes starting at line {line} swallow the rest of the file",
        path.display()
    )]
    RecordTooLarge {
        path: PathBuf,
        line: u64,
        limit_mb: u64,
    },
}

fn quoted_list(items: &[String]) -> String {
    if items.is_empty() {
        return "(none)".to_string();
    }
    items
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Opens `path` and reads its header. `columns` are the wanted column names
/// (matched case-insensitively, trimmed, spaces and '-' as '_').
pub fn open(
    path: &Path,
    columns: &[&str],
    opts: &ReadOptions,
) -> Result<Box<dyn RecordSource>, SourceError> {
    let format = match opts.format.or_else(|| Format::from_path(path)) {
        Some(f) => f,
        None => {
            return Err(SourceError::UnknownFormat {
                path: path.to_path_buf(),
            });
        }
    };
    match format {
        Format::Csv => Ok(Box::new(csv::CsvSource::open(path, columns)?)),
        Format::JsonLines => Ok(Box::new(jsonl::JsonlSource::open(path, columns)?)),
        Format::Xlsx => Ok(Box::new(xlsx::XlsxSource::open(
            path,
            columns,
            opts.sheet.as_deref(),
        )?)),
    }
}

/// Canonical form of a column name: BOM stripped, trimmed, lowercase, spaces
/// and '-' turned into '_'.
pub(crate) fn normalize_name(s: &str) -> String {
    let s = s.trim_start_matches('\u{feff}').trim();
    s.chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Result of matching a file's header against the wanted columns.
#[derive(Clone)]
pub(crate) struct HeaderMap {
    /// For each file column, the wanted column it feeds (if any).
    pub by_file_col: Vec<Option<usize>>,
    pub present: Vec<bool>,
    pub unknown: Vec<String>,
}

impl HeaderMap {
    /// `header` holds the file's header names (original spelling, already
    /// decoded). The first of duplicated names wins.
    ///
    /// Linear in the header's length (hash lookups): a hostile header of a million names
    /// must not take quadratic time.
    pub fn new(header: &[String], columns: &[&str]) -> HeaderMap {
        let mut wanted: std::collections::HashMap<String, usize> =
            std::collections::HashMap::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            wanted.entry(normalize_name(c)).or_insert(i);
        }
        let mut present = vec![false; columns.len()];
        let mut by_file_col = Vec::with_capacity(header.len());
        let mut unknown = Vec::new();
        // Normalised name → first file column holding it.
        let mut seen: std::collections::HashMap<String, usize> =
            std::collections::HashMap::with_capacity(header.len().min(1 << 16));
        for (i, name) in header.iter().enumerate() {
            let norm = normalize_name(name);
            let shown = name.trim_start_matches('\u{feff}').trim();
            if norm.is_empty() {
                by_file_col.push(None);
                unknown.push(format!("(column {} has no name)", i + 1));
                continue;
            }
            if let Some(first) = seen.get(&norm) {
                by_file_col.push(None);
                unknown.push(format!(
                    "{shown} (duplicate of column {}; ignored)",
                    first + 1
                ));
                continue;
            }
            match wanted.get(&norm).copied() {
                Some(w) => {
                    present[w] = true;
                    by_file_col.push(Some(w));
                }
                None => {
                    by_file_col.push(None);
                    unknown.push(shown.to_string());
                }
            }
            seen.insert(norm, i);
        }
        HeaderMap {
            by_file_col,
            present,
            unknown,
        }
    }

    pub fn any_present(&self) -> bool {
        self.present.iter().any(|p| *p)
    }
}

/// At most `max` names of a list, joined with ", ", then how many more there are: a
/// hostile header of a million columns must not become a million-name message.
pub fn capped_list(names: &[String], max: usize) -> String {
    let mut out = names
        .iter()
        .take(max)
        .map(|n| {
            // A single name can be huge too.
            if n.len() > 80 {
                let mut cut = 80;
                while !n.is_char_boundary(cut) {
                    cut -= 1;
                }
                format!("{}…", &n[..cut])
            } else {
                n.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        out.push_str(&crate::t!("list-and-more", count = names.len() - max));
    }
    out
}

/// Detail text for a header that matches no wanted column.
pub(crate) fn no_header_detail(header: &[String], columns: &[&str]) -> String {
    let shown: Vec<String> = header
        .iter()
        .take(8)
        .map(|h| h.trim().chars().take(80).collect())
        .collect();
    let more = if header.len() > 8 { ", ..." } else { "" };
    let want: Vec<String> = columns.iter().take(8).map(|c| c.to_string()).collect();
    let wmore = if columns.len() > 8 { ", ..." } else { "" };
    format!(
        "no header row found: none of the names in the first row ({}{more}) is an expected column ({}{wmore})",
        quoted_list(&shown),
        quoted_list(&want)
    )
}

/// Formats a float the way a person expects: integral values without ".0",
/// others with the shortest text that round-trips (full precision).
pub(crate) fn push_number(out: &mut String, f: f64) {
    use fmt::Write;
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 {
        write!(out, "{}", f as i64).ok();
    } else {
        write!(out, "{f}").ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_path_and_parse() {
        assert_eq!(Format::from_path(Path::new("a/b.CSV")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("b.tsv")), Some(Format::Csv));
        assert_eq!(
            Format::from_path(Path::new("b.ndjson")),
            Some(Format::JsonLines)
        );
        assert_eq!(Format::from_path(Path::new("b.xlsm")), Some(Format::Xlsx));
        assert_eq!(Format::from_path(Path::new("b.parquet")), None);
        assert_eq!(Format::from_path(Path::new("noext")), None);
        assert_eq!(Format::parse("JSON"), Some(Format::JsonLines));
        assert_eq!(Format::parse("xlsx"), Some(Format::Xlsx));
        assert_eq!(Format::parse("xls"), None);
    }

    #[test]
    fn header_matching() {
        let header: Vec<String> = [
            "\u{feff}Interaction ID",
            " AGENT-NAME ",
            "Extra",
            "interaction_id",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = HeaderMap::new(&header, &["interaction_id", "agent_name", "queue"]);
        assert_eq!(m.present, vec![true, true, false]);
        assert_eq!(m.by_file_col, vec![Some(0), Some(1), None, None, None]);
        assert_eq!(m.unknown.len(), 3);
        assert_eq!(m.unknown[0], "Extra");
        assert!(m.unknown[1].starts_with("interaction_id (duplicate of column 1"));
        assert!(m.unknown[2].contains("no name"));
    }

    #[test]
    fn unknown_format_error() {
        let e = open(Path::new("x.pdf"), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(matches!(e, SourceError::UnknownFormat { .. }));
        assert!(e.to_string().contains("x.pdf"));
    }

    #[test]
    fn numbers() {
        let mut s = String::new();
        push_number(&mut s, 42.0);
        s.push(' ');
        push_number(&mut s, 0.1 + 0.2);
        s.push(' ');
        push_number(&mut s, -3.5);
        assert_eq!(s, "42 0.30000000000000004 -3.5");
    }
}

#[cfg(test)]
mod hostile {
    use super::*;
    use std::io::Write;

    /// Random and mangled inputs must give records or errors, never panics.
    #[test]
    fn garbage_never_panics() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"ab,;\t|\"\r\n \x00\xff\xe9{}[]:1.\\";
        for round in 0..60 {
            let len = (next() % 3000) as usize;
            let mut bytes: Vec<u8> = if round % 2 == 0 {
                b"a,b\n".to_vec()
            } else {
                b"{\"a\":1}\n".to_vec()
            };
            bytes.extend((0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]));
            for ext in [".csv", ".jsonl", ".xlsx"] {
                let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
                f.write_all(&bytes).unwrap();
                if let Ok(mut src) = open(f.path(), &["a", "b"], &ReadOptions::default()) {
                    let _ = src.describe();
                    let mut rec = Record::default();
                    while let Ok(true) = src.next_record(&mut rec) {
                        assert_eq!(rec.values.len(), 2);
                    }
                }
            }
        }
    }
}
