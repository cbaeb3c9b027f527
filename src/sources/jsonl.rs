//! JSON Lines reader: one JSON object per line.
//!
//! - Blank lines are skipped; line numbers are physical (blank lines count).
//! - `present()` and `unknown_columns()` come from the keys of the *first*
//!   object only (the file has no header; later objects may add or drop
//!   keys, which then simply show up as values or as "").
//! - Values: string as is (trimmed); number as its JSON text, integral
//!   numbers without ".0"; bool "true"/"false"; null ""; nested
//!   object/array as compact JSON text plus a row problem.
//! - A line that is not valid JSON (nested deeper than serde_json's limit of
//!   128 included), or not an object, gives a record with empty values and a
//!   problem, wherever it is. Lines that open an object but cannot be read
//!   before the first good object are such records too; but if the first
//!   non-blank line does not even open an object (`[`, a number, CSV text...),
//!   or no object is found in the first [`LEADING_BAD_MAX`] lines, the whole
//!   file is rejected as not JSON Lines.
//! - A string longer than [`super::csv::FIELD_LIMIT`] bytes is truncated and
//!   the row gets a problem, as in CSV.
//! - A line longer than [`LINE_LIMIT`] is skipped (with a problem) without
//!   being held in memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::csv::FIELD_LIMIT;
use super::{normalize_name, push_number, Record, RecordSource, SourceError};

/// Longest accepted line, in bytes.
pub const LINE_LIMIT: usize = 32 << 20;
/// Unreadable lines that open an object tolerated before the first good one.
pub const LEADING_BAD_MAX: usize = 1000;
/// Bound on the key → column cache (hostile files can have endless keys).
const KEY_CACHE_MAX: usize = 10_000;

pub struct JsonlSource {
    path: PathBuf,
    reader: BufReader<File>,
    buf: Vec<u8>,
    /// The first bytes of a line too long to keep (to tell whether it opens an object).
    line_start: Vec<u8>,
    /// Physical line number of the last line read.
    line: u64,
    columns: Vec<String>,
    wanted: HashMap<String, usize>,
    key_cache: HashMap<String, Option<usize>>,
    present: Vec<bool>,
    unknown: Vec<String>,
    /// The first object, read during `open`, delivered first (after `leading_bad`).
    pending: Option<(u64, Map<String, Value>)>,
    /// Unreadable lines before the first object: (line, problem), delivered first.
    leading_bad: std::collections::VecDeque<(u64, String)>,
    bad_lines: u64,
}

enum Line {
    Eof,
    /// A line is in `buf` (without its newline).
    Ok,
    /// The line was longer than the limit; it was skipped.
    TooLong(usize),
}

impl JsonlSource {
    pub fn open(path: &Path, columns: &[&str]) -> Result<JsonlSource, SourceError> {
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        let mut src = JsonlSource {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(256 << 10, file),
            buf: Vec::new(),
            line_start: Vec::new(),
            line: 0,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            wanted: columns
                .iter()
                .enumerate()
                .map(|(i, c)| (normalize_name(c), i))
                .rev() // first of duplicated wanted names wins
                .collect(),
            key_cache: HashMap::new(),
            present: vec![false; columns.len()],
            unknown: Vec::new(),
            pending: None,
            leading_bad: std::collections::VecDeque::new(),
            bad_lines: 0,
        };
        // Find the first non-blank line: it must be a JSON object.
        loop {
            match src.read_line()? {
                Line::Eof if !src.leading_bad.is_empty() => return Err(src.no_object()),
                Line::Eof => {
                    return Err(SourceError::Empty {
                        path: path.to_path_buf(),
                    });
                }
                Line::TooLong(n) if !src.leading_bad.is_empty() || src.opens_object() => {
                    src.leading_bad.push_back((src.line, src.too_long(n)));
                    if src.leading_bad.len() > LEADING_BAD_MAX {
                        return Err(src.no_object());
                    }
                    continue;
                }
                Line::TooLong(n) => {
                    return Err(not_tabular(
                        path,
                        format!("the first line is {n} bytes long; this is not JSON Lines"),
                    ));
                }
                Line::Ok => {}
            }
            if src.line == 1 && src.buf.starts_with(b"\xEF\xBB\xBF") {
                src.buf.drain(..3);
            }
            if is_blank(&src.buf) {
                continue;
            }
            if src.buf.contains(&0) {
                return Err(not_tabular(
                    path,
                    "the first line contains NUL bytes; this looks like a binary file",
                ));
            }
            let obj = match serde_json::from_slice::<Value>(&src.buf) {
                Ok(Value::Object(m)) => m,
                Ok(v) => {
                    return Err(not_tabular(
                        path,
                        format!(
                            "line {} is {}, not a JSON object; JSON Lines needs one object per line",
                            src.line,
                            kind(&v)
                        ),
                    ));
                }
                // A line that opens an object but cannot be read (too deep, broken) is
                // a bad row like any other, as long as good objects follow.
                Err(e) if src.buf.trim_ascii_start().starts_with(b"{") => {
                    src.leading_bad
                        .push_back((src.line, json_problem(src.line, &e)));
                    if src.leading_bad.len() > LEADING_BAD_MAX {
                        return Err(src.no_object());
                    }
                    continue;
                }
                Err(e) => {
                    let hint = if src.buf.trim_ascii_start().starts_with(b"[") {
                        " (a JSON array document is not JSON Lines; write one object per line)"
                    } else {
                        ""
                    };
                    return Err(not_tabular(
                        path,
                        format!("{}{hint}", json_problem(src.line, &e)),
                    ));
                }
            };
            for key in obj.keys() {
                match src.column_of(key) {
                    Some(i) => src.present[i] = true,
                    None => src.unknown.push(key.clone()),
                }
            }
            src.pending = Some((src.line, obj));
            return Ok(src);
        }
    }

    /// Whether the prefix kept of the last line opens a JSON object.
    fn opens_object(&self) -> bool {
        self.line_start.trim_ascii_start().starts_with(b"{")
    }

    fn too_long(&self, n: usize) -> String {
        format!(
            "line {} is {n} bytes long; the limit is {LINE_LIMIT}, so it was skipped",
            self.line
        )
    }

    /// The file-level error when no line before the limit (or the end) is an object.
    fn no_object(&self) -> SourceError {
        let (line, first) = self.leading_bad.front().cloned().unwrap_or_default();
        not_tabular(
            &self.path,
            format!(
                "no readable JSON object in its first {} lines (line {line}: {first})",
                self.line
            ),
        )
    }

    /// Reads one physical line into `buf`, never holding more than
    /// `LINE_LIMIT` bytes.
    fn read_line(&mut self) -> Result<Line, SourceError> {
        self.buf.clear();
        self.line_start.clear();
        let mut total = 0usize;
        let mut any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err(&self.path, e)),
            };
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            if total + take <= LINE_LIMIT {
                self.buf.extend_from_slice(&chunk[..take]);
            } else if self.line_start.is_empty() {
                self.line_start = self
                    .buf
                    .iter()
                    .chain(&chunk[..take])
                    .take(64)
                    .copied()
                    .collect();
            }
            total += take;
            self.reader.consume(if done { take + 1 } else { take });
            if done {
                break;
            }
        }
        if !any {
            return Ok(Line::Eof);
        }
        self.line += 1;
        if total > LINE_LIMIT {
            self.buf.clear();
            return Ok(Line::TooLong(total));
        }
        Ok(Line::Ok)
    }

    /// Wanted column index for a JSON key (cached; no allocation on a hit).
    fn column_of(&mut self, key: &str) -> Option<usize> {
        if let Some(c) = self.key_cache.get(key) {
            return *c;
        }
        let c = self.wanted.get(&normalize_name(key)).copied();
        if self.key_cache.len() < KEY_CACHE_MAX {
            self.key_cache.insert(key.to_string(), c);
        }
        c
    }

    fn fill(&mut self, rec: &mut Record, obj: &Map<String, Value>) {
        for (key, value) in obj {
            let Some(i) = self.column_of(key) else {
                continue;
            };
            let out = &mut rec.values[i];
            out.clear();
            match value {
                Value::String(s) if s.len() > FIELD_LIMIT => {
                    out.push_str(
                        std::str::from_utf8(super::csv::truncate_field(s.as_bytes(), FIELD_LIMIT))
                            .unwrap_or("")
                            .trim(),
                    );
                    rec.add_problem(format_args!(
                        "column '{}' is {} bytes long; the limit is {FIELD_LIMIT}",
                        self.columns[i],
                        s.len()
                    ));
                }
                Value::String(s) => out.push_str(s.trim()),
                Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        out.push_str(&i.to_string());
                    } else if let Some(u) = n.as_u64() {
                        out.push_str(&u.to_string());
                    } else if let Some(f) = n.as_f64() {
                        push_number(out, f);
                    }
                }
                Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Value::Null => {}
                Value::Array(_) | Value::Object(_) => {
                    out.push_str(&value.to_string());
                    rec.add_problem(format_args!(
                        "column '{}' holds a nested value",
                        self.columns[i]
                    ));
                }
            }
        }
    }
}

fn io_err(path: &Path, source: io::Error) -> SourceError {
    SourceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn not_tabular(path: &Path, detail: impl Into<String>) -> SourceError {
    SourceError::NotTabular {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

fn is_blank(b: &[u8]) -> bool {
    b.iter().all(|c| c.is_ascii_whitespace())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// "line 7 is not valid JSON: expected value at column 5" (serde's own
/// "line 1" is dropped: each line is parsed on its own).
fn json_problem(line: u64, e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = text.strip_suffix(&suffix).unwrap_or(&text);
    format!(
        "line {line} is not valid JSON: {msg} at column {}",
        e.column()
    )
}

impl RecordSource for JsonlSource {
    fn present(&self) -> &[bool] {
        &self.present
    }

    fn unknown_columns(&self) -> &[String] {
        &self.unknown
    }

    fn describe(&self) -> String {
        let mut d = String::from("JSON Lines, encoding UTF-8");
        if self.bad_lines > 0 {
            d.push_str(&format!(", {} invalid lines so far", self.bad_lines));
        }
        d
    }

    fn next_record(&mut self, rec: &mut Record) -> Result<bool, SourceError> {
        rec.reset(self.columns.len());
        if let Some((line, problem)) = self.leading_bad.pop_front() {
            self.bad_lines += 1;
            rec.line = line;
            rec.add_problem(problem);
            return Ok(true);
        }
        if let Some((line, obj)) = self.pending.take() {
            rec.line = line;
            self.fill(rec, &obj);
            return Ok(true);
        }
        loop {
            match self.read_line()? {
                Line::Eof => return Ok(false),
                Line::TooLong(n) => {
                    self.bad_lines += 1;
                    rec.line = self.line;
                    rec.add_problem(self.too_long(n));
                    return Ok(true);
                }
                Line::Ok if is_blank(&self.buf) => continue,
                Line::Ok => {}
            }
            rec.line = self.line;
            match serde_json::from_slice::<Value>(&self.buf) {
                Ok(Value::Object(obj)) => self.fill(rec, &obj),
                Ok(v) => {
                    self.bad_lines += 1;
                    rec.add_problem(format_args!(
                        "line {} is {}, not a JSON object",
                        self.line,
                        kind(&v)
                    ));
                }
                Err(e) => {
                    self.bad_lines += 1;
                    rec.add_problem(json_problem(self.line, &e));
                }
            }
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{open, ReadOptions};
    use super::*;
    use std::io::Write;

    fn write(text: &str, ext: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn read_all(path: &Path, cols: &[&str]) -> (Box<dyn RecordSource>, Vec<Record>) {
        let mut src = open(path, cols, &ReadOptions::default()).unwrap();
        let mut out = Vec::new();
        let mut rec = Record::default();
        while src.next_record(&mut rec).unwrap() {
            out.push(rec.clone());
        }
        (src, out)
    }

    #[test]
    fn happy_path() {
        let f = write(
            "\u{feff}{\"Interaction ID\": \"A1\", \"duration\": 12, \"ok\": true, \"x\": null, \"extra\": 1}\n\
             \n\
             {\"interaction_id\": \" A2 \", \"duration\": 1.5, \"ok\": false, \"x\": 3.0}\r\n\
             {\"duration\": 18446744073709551615, \"x\": -7}\n",
            ".jsonl",
        );
        let (src, recs) = read_all(
            f.path(),
            &["interaction_id", "duration", "ok", "x", "queue"],
        );
        assert_eq!(src.present(), &[true, true, true, true, false]);
        assert_eq!(src.unknown_columns(), &["extra".to_string()]);
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].values, vec!["A1", "12", "true", "", ""]);
        assert_eq!(recs[0].line, 1);
        assert_eq!(recs[1].values, vec!["A2", "1.5", "false", "3", ""]);
        assert_eq!(recs[1].line, 3);
        assert_eq!(
            recs[2].values,
            vec!["", "18446744073709551615", "", "-7", ""]
        );
        assert!(recs.iter().all(|r| r.problem.is_none()));
    }

    #[test]
    fn bad_lines() {
        let f = write("{\"a\": 1}\n{\"a\": 2,}\n[1,2]\n{\"a\": 3}\n", ".ndjson");
        let (src, recs) = read_all(f.path(), &["a"]);
        assert_eq!(recs.len(), 4);
        let p = recs[1].problem.as_deref().unwrap();
        assert!(p.starts_with("line 2 is not valid JSON: "), "{p}");
        assert!(p.contains("at column"), "{p}");
        assert!(!p.contains("line 1"), "{p}");
        assert_eq!(recs[1].values, vec![""]);
        assert_eq!(
            recs[2].problem.as_deref(),
            Some("line 3 is an array, not a JSON object")
        );
        assert_eq!(recs[3].values, vec!["3"]);
        assert!(src.describe().contains("2 invalid lines"));
    }

    #[test]
    fn nested_value() {
        let f = write("{\"a\": {\"b\": [1, 2]}, \"c\": \"x\"}\n", ".jsonl");
        let (_, recs) = read_all(f.path(), &["a", "c"]);
        assert_eq!(recs[0].values, vec!["{\"b\":[1,2]}", "x"]);
        assert_eq!(
            recs[0].problem.as_deref(),
            Some("column 'a' holds a nested value")
        );
    }

    #[test]
    fn a_too_deep_or_broken_first_line_is_a_bad_row_not_a_bad_file() {
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(200), "]".repeat(200));
        let f = write(
            &format!("{deep}\n{{\"a\": 2,}}\n{{\"a\": 3}}\n{deep}\n{{\"a\": 5}}\n"),
            ".jsonl",
        );
        let (src, recs) = read_all(f.path(), &["a"]);
        assert_eq!(src.present(), &[true]);
        let got: Vec<(u64, &str, bool)> = recs
            .iter()
            .map(|r| (r.line, r.values[0].as_str(), r.problem.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "", true),
                (2, "", true),
                (3, "3", false),
                (4, "", true),
                (5, "5", false)
            ]
        );
        assert!(recs[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("recursion limit"));

        // Nothing but unreadable objects: not JSON Lines after all.
        let f = write(&format!("{deep}\n{deep}\n"), ".jsonl");
        let e = open(f.path(), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(e.to_string().contains("no readable JSON object"), "{e}");
    }

    #[test]
    fn file_level_failures() {
        let f = write("\n\n", ".jsonl");
        let e = open(f.path(), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(matches!(e, SourceError::Empty { .. }));

        let f = write("[\n {\"a\": 1}\n]\n", ".json");
        let e = open(f.path(), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(matches!(e, SourceError::NotTabular { .. }));
        assert!(e.to_string().contains("JSON array"), "{e}");

        let f = write("\u{0}\u{1}\u{2}binary", ".jsonl");
        let e = open(f.path(), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(e.to_string().contains("binary"), "{e}");
    }
}
