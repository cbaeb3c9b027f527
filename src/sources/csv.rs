//! CSV reader: separator and encoding detection, streaming with reused
//! buffers. The csv crate reads the header; the records after it are split
//! straight out of memory-mapped windows of the file by [`CsvRange`] (the
//! same rules, tested against the csv crate), except in files whose lines
//! end with a lone CR, which the csv crate reads whole.
//!
//! Behaviour worth knowing:
//! - Encoding is decided per field: valid UTF-8 is taken as is, anything else
//!   is decoded as Windows-1252 (so files mixing both still read correctly).
//!   A UTF-8 BOM at the start is skipped; UTF-16 files are rejected.
//! - The separator is the most frequent of ',', ';', tab, '|' outside double
//!   quotes in the header line (ties → ',').
//! - Blank lines are skipped. `Record::line` is the physical line where the
//!   record starts, counting blank lines and newlines inside quoted fields,
//!   for LF and CRLF files (the csv crate's own `position().line()` is off
//!   after blank lines and with CRLF, so it is corrected here). Files that
//!   end lines with a lone CR (classic Mac) report the record number.
//! - Row problems: fewer fields than the header, or more fields unless the
//!   extra ones are all empty (trailing separators are common and harmless);
//!   a field over [`FIELD_LIMIT`] bytes (the value is truncated); a NUL byte.
//! - Broken quoting: a quote that is never closed makes the parser swallow
//!   following lines into one field. A record with a field containing a
//!   newline is flagged "unbalanced quotes starting at line N" when it spans
//!   more than [`MAX_FIELD_LINES`] physical lines or a field exceeds
//!   [`FIELD_LIMIT`]; its values are unreliable. Reading continues after it,
//!   so a single stray quote may flag several later records too (quote
//!   parity flips). A record that grows past [`RECORD_LIMIT`] bytes stops
//!   reading with [`SourceError::RecordTooLarge`] to keep memory bounded.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::csv::{ByteRecord, ReaderBuilder, Terminator};
use encoding_rs::WINDOWS_1252;

use super::csv_range::CsvRange;
use super::mapped::MappedFile;
use super::{no_header_detail, normalize_name, HeaderMap, Record, RecordSource, SourceError};

/// Longest accepted field, in bytes; longer values are truncated.
pub const FIELD_LIMIT: usize = 65_536;
/// A multi-line field spanning more physical lines than this is taken as
/// broken quoting.
pub const MAX_FIELD_LINES: u64 = 20;
/// Minimum safety cap on one record's size (see [`SourceError::RecordTooLarge`]).
pub const RECORD_LIMIT: u64 = 32 << 20;

const SNIFF_BYTES: usize = 64 << 10;
const BUFFER_BYTES: usize = 256 << 10;
const SEPARATORS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The whole file (sniffed prefix, then the rest), or one range of it.
type Input = Box<dyn Read + Send + Sync>;

/// Wraps the input and refuses to deliver more than `allow_until` bytes in
/// total: this bounds the memory a runaway (never-closed) quoted field can
/// take, since the csv crate buffers a whole record.
struct Guard {
    inner: Input,
    delivered: u64,
    allow_until: u64,
    tripped: bool,
    /// Last byte delivered (to tell whether the input ends with '\n').
    last: u8,
}

impl Read for Guard {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.delivered >= self.allow_until {
            self.tripped = true;
            return Err(io::Error::other("record too large"));
        }
        let room = (self.allow_until - self.delivered).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.delivered += n as u64;
        if n > 0 {
            self.last = buf[n - 1];
        }
        Ok(n)
    }
}

pub struct CsvSource {
    path: PathBuf,
    rdr: ::csv::Reader<Guard>,
    brec: ByteRecord,
    /// Field ranges of `brec`.
    fields: Vec<(usize, usize)>,
    pub(super) layout: RecordLayout,
    pub(super) sep: u8,
    pub(super) bom: bool,
    /// Fields decoded as Windows-1252 so far (header included).
    cp1252_fields: u64,
    record_limit: u64,
    scratch: String,
    pub(super) cr_only: bool,
    /// Records read so far, header included.
    records: u64,
    /// Lines before the first byte read (for a reader of a range of the file).
    line_base: u64,
    /// The file, for the readers of its ranges (and the first pass's hash).
    pub(super) mapped: MappedFile,
    /// The records after the header, read from the mapped file like a range (files whose
    /// lines end in '\n'); the csv crate then only reads the header.
    rest: Option<CsvRange>,
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

/// Reads up to `n` bytes (fewer only at end of file).
fn read_prefix(file: &mut File, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    file.by_ref().take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The header line: from `data` up to the first newline outside quotes.
fn header_line(data: &[u8]) -> &[u8] {
    let mut in_q = false;
    for (i, &b) in data.iter().enumerate() {
        match b {
            b'"' => in_q = !in_q,
            b'\n' if !in_q => return &data[..i],
            _ => {}
        }
    }
    data
}

/// Counts each candidate separator outside double quotes; most frequent
/// wins, ties (including none) go to ','.
fn detect_separator(line: &[u8]) -> (u8, usize) {
    let mut counts = [0usize; 4];
    let mut in_q = false;
    for &b in line {
        if b == b'"' {
            in_q = !in_q;
        } else if let (false, Some(i)) = (in_q, SEPARATORS.iter().position(|&s| s == b)) {
            counts[i] += 1;
        }
    }
    let mut best = 0;
    for i in 1..4 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    (SEPARATORS[best], counts[best])
}

fn count_newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// The csv crate reader as every `CsvSource` configures it.
fn csv_reader(guard: Guard, sep: u8, terminator: Terminator) -> ::csv::Reader<Guard> {
    ReaderBuilder::new()
        .delimiter(sep)
        .terminator(terminator)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(BUFFER_BYTES)
        .from_reader(guard)
}

/// Decodes one field into `out` (appending, trimmed). Returns true when it
/// had to fall back to Windows-1252.
pub(super) fn decode_into(bytes: &[u8], out: &mut String, scratch: &mut String) -> bool {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => {
            out.push_str(crate::vocabulary::fast_trim(s));
            false
        }
        Err(_) => {
            scratch.clear();
            let mut dec = WINDOWS_1252.new_decoder_without_bom_handling();
            if let Some(n) = dec.max_utf8_buffer_length(bytes.len()) {
                scratch.reserve(n);
            }
            // Windows-1252 maps every byte, so this never fails for lack of
            // input; capacity was reserved above.
            let _ = dec.decode_to_string(bytes, scratch, true);
            out.push_str(crate::vocabulary::fast_trim(scratch));
            true
        }
    }
}

/// Cuts `bytes` to at most `limit`, not splitting a UTF-8 sequence when the
/// field is UTF-8.
pub(super) fn truncate_field(bytes: &[u8], limit: usize) -> &[u8] {
    if bytes.len() <= limit {
        return bytes;
    }
    let cut = &bytes[..limit];
    match std::str::from_utf8(cut) {
        Err(e) if e.error_len().is_none() => &cut[..e.valid_up_to()],
        _ => cut,
    }
}

impl CsvSource {
    pub fn open(path: &Path, columns: &[&str]) -> Result<CsvSource, SourceError> {
        let mut file = File::open(path).map_err(|e| io_err(path, e))?;
        let mapped = MappedFile::open(path).map_err(|e| io_err(path, e))?;
        let mut prefix = read_prefix(&mut file, SNIFF_BYTES).map_err(|e| io_err(path, e))?;

        let bom = prefix.starts_with(b"\xEF\xBB\xBF");
        if bom {
            prefix.drain(..3);
        }
        if prefix.starts_with(b"\xFF\xFE") || prefix.starts_with(b"\xFE\xFF") {
            return Err(not_tabular(
                path,
                "the file is UTF-16 encoded; save it as UTF-8 (or Windows-1252) CSV",
            ));
        }
        if prefix.starts_with(b"PK\x03\x04") {
            return Err(not_tabular(
                path,
                "this is a ZIP archive (maybe an Excel .xlsx file renamed); read it as xlsx",
            ));
        }
        let start = prefix
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(prefix.len());
        if start == prefix.len() {
            // Only whitespace in the first 64 KiB: treat as empty when the
            // file ends there (a 64 KiB run of blanks is not a table either).
            return Err(SourceError::Empty {
                path: path.to_path_buf(),
            });
        }
        // Keep leading blank lines in the stream so line numbers stay
        // physical; only sniff from the first non-blank byte.
        let first = header_line(&prefix[start..]);
        if first.contains(&0) {
            return Err(not_tabular(
                path,
                "the first line contains NUL bytes; this looks like a binary file",
            ));
        }
        let controls = first
            .iter()
            .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n' | 0x0c)) || b == 0x7f)
            .count();
        if controls > 0 && controls * 20 > first.len() {
            return Err(not_tabular(
                path,
                "the first line is full of control characters; this looks like a binary file",
            ));
        }
        let (sep, sep_count) = detect_separator(first);
        // Old Mac files end lines with a lone CR: only then let CR terminate
        // records (line numbers then count records).
        let cr_only = !first.is_empty()
            && first.len() == prefix.len() - start
            && first.contains(&b'\r')
            && !first.contains(&b'\n');
        let terminator = if cr_only {
            Terminator::CRLF
        } else {
            // Only '\n' ends a record; a CR before it stays in the last field
            // and is trimmed. This keeps csv's line counter exact for CRLF.
            Terminator::Any(b'\n')
        };

        let guard = Guard {
            inner: Box::new(Cursor::new(prefix).chain(file)),
            delivered: 0,
            allow_until: u64::MAX,
            tripped: false,
            last: 0,
        };
        let rdr = csv_reader(guard, sep, terminator);

        let mut src = CsvSource {
            path: path.to_path_buf(),
            rdr,
            brec: ByteRecord::new(),
            fields: Vec::new(),
            layout: RecordLayout {
                header: Arc::new(Vec::new()),
                map: Arc::new(HeaderMap::new(&[], columns)),
                ncols: columns.len(),
            },
            sep,
            bom,
            cp1252_fields: 0,
            record_limit: RECORD_LIMIT,
            scratch: String::new(),
            cr_only,
            records: 0,
            line_base: 0,
            mapped,
            rest: None,
        };
        if src.read_nonblank()?.is_none() {
            return Err(SourceError::Empty {
                path: path.to_path_buf(),
            });
        }
        let mut header = Vec::with_capacity(src.brec.len());
        for f in src.brec.iter() {
            let mut s = String::new();
            if decode_into(f, &mut s, &mut src.scratch) {
                src.cp1252_fields += 1;
            }
            header.push(s.trim_start_matches('\u{feff}').trim().to_string());
        }
        if sep_count == 0 {
            // One column and no separator: fine only if it is a wanted name.
            let norm = normalize_name(&header[0]);
            if !columns.iter().any(|c| normalize_name(c) == norm) {
                let shown: String = header[0].chars().take(80).collect();
                return Err(not_tabular(
                    path,
                    format!(
                        "the first line has no separator (',', ';', tab or '|') and '{shown}' is not an expected column"
                    ),
                ));
            }
        }
        let map = HeaderMap::new(&header, columns);
        if !columns.is_empty() && !map.any_present() {
            return Err(not_tabular(path, no_header_detail(&header, columns)));
        }
        // Wide files get room for a full field in every column, up to 1 GiB.
        src.record_limit =
            RECORD_LIMIT.max((header.len() as u64 * FIELD_LIMIT as u64 * 2).min(1 << 30));
        src.layout.map = Arc::new(map);
        src.layout.header = Arc::new(header);
        if !cr_only {
            let pos = src.rdr.position();
            let header_end = pos.byte() + if bom { 3 } else { 0 };
            src.rest = Some(src.range(header_end, src.mapped.len(), pos.line()));
        }
        Ok(src)
    }

    /// A reader of the records in bytes `from..to` of this file, a range that starts at a record after the header, on physical line `first_line`; it
    /// reads and reports like this reader (same header, separator, checks and line
    /// numbers). Lets several threads parse one file whose record starts are known (see
    /// [`super::scan_csv`]).
    pub fn range(&self, from: u64, to: u64, first_line: u64) -> CsvRange {
        debug_assert!(!self.cr_only, "ranges need '\\n' line ends");
        CsvRange::new(
            &self.path,
            &self.mapped,
            (from, to),
            first_line,
            self.sep,
            self.layout.clone(),
            self.record_limit,
        )
    }

    /// Counts what range readers of this file found (for [`RecordSource::describe`]).
    pub fn absorb(&mut self, range_cp1252_fields: u64) {
        self.cp1252_fields += range_cp1252_fields;
    }

    /// Fields this reader decoded as Windows-1252 (the header's included).
    pub fn cp1252_fields(&self) -> u64 {
        self.cp1252_fields + self.rest.as_ref().map_or(0, |r| r.cp1252_fields())
    }

    /// Whether [`CsvSource::range`] readers can split this file (not for lone-CR line ends).
    pub fn splits_by_range(&self) -> bool {
        !self.cr_only
    }

    /// Allows the reader to take at most `record_limit` more bytes before the
    /// next record must be complete.
    fn arm_guard(&mut self) {
        let g = self.rdr.get_mut();
        g.allow_until = g.delivered.saturating_add(self.record_limit);
    }

    /// Reads the next raw record into `brec`; returns the physical line
    /// where it starts.
    ///
    /// csv's `position()` is where the *previous* record ended, before any
    /// skipped blank lines, so the start line is derived from the line
    /// counter after the read minus the newlines inside the record and its
    /// terminating '\n'.
    fn read_raw(&mut self) -> Result<Option<u64>, SourceError> {
        self.arm_guard();
        let before = self.rdr.position().line();
        match self.rdr.read_byte_record(&mut self.brec) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => return Err(self.csv_err(e)),
        }
        self.records += 1;
        if self.cr_only {
            return Ok(Some(self.records));
        }
        let pos = self.rdr.position();
        let before = before + self.line_base;
        let g = self.rdr.get_ref();
        // The record ended at EOF without a newline only if everything was
        // consumed and the input's last byte is not '\n'.
        let terminated = !(pos.byte() == g.delivered && g.last != b'\n');
        let consumed = (pos.line() + self.line_base).saturating_sub(before);
        // One line consumed by a terminated record: no blank lines before it, and no
        // newline inside it to count (the common case; counting scans the record).
        let inner = if consumed <= terminated as u64 {
            0
        } else {
            count_newlines(self.brec.as_slice())
        };
        let lead = consumed.saturating_sub(inner + terminated as u64);
        Ok(Some(before + lead))
    }

    /// Like `read_raw`, skipping blank records: a lone whitespace-only
    /// field (e.g. the "\r" of a blank CRLF line, or a trailing Ctrl-Z).
    fn read_nonblank(&mut self) -> Result<Option<u64>, SourceError> {
        loop {
            let Some(line) = self.read_raw()? else {
                return Ok(None);
            };
            if self.brec.len() == 1 && super::csv_fields::blank_field(&self.brec[0]) {
                continue;
            }
            return Ok(Some(line));
        }
    }

    fn csv_err(&self, e: ::csv::Error) -> SourceError {
        if self.rdr.get_ref().tripped {
            return SourceError::RecordTooLarge {
                path: self.path.clone(),
                line: self.rdr.position().line().max(1) + self.line_base,
                limit_mb: self.record_limit >> 20,
            };
        }
        let line = e.position().map(|p| p.line() + self.line_base);
        match e.into_kind() {
            ::csv::ErrorKind::Io(source) => io_err(&self.path, source),
            other => SourceError::Io {
                path: self.path.clone(),
                source: io::Error::other(format!(
                    "CSV error{}: {other:?}",
                    line.map(|l| format!(" at line {l}")).unwrap_or_default()
                )),
            },
        }
    }
}

impl RecordSource for CsvSource {
    fn present(&self) -> &[bool] {
        &self.layout.map.present
    }

    fn unknown_columns(&self) -> &[String] {
        &self.layout.map.unknown
    }

    fn describe(&self) -> String {
        let sep = match self.sep {
            b'\t' => "tab".to_string(),
            s => format!("'{}'", s as char),
        };
        let enc = if self.cp1252_fields() > 0 {
            format!(
                "encoding windows-1252 ({} fields were not UTF-8)",
                self.cp1252_fields()
            )
        } else if self.bom {
            "encoding UTF-8 with BOM".to_string()
        } else {
            "encoding UTF-8".to_string()
        };
        format!("CSV, separator {sep}, {enc}")
    }

    fn next_record(&mut self, rec: &mut Record) -> Result<bool, SourceError> {
        if let Some(rest) = &mut self.rest {
            return rest.next_record(rec);
        }
        // Don't keep a huge buffer around after one oversized record.
        if self.brec.as_slice().len() > 4 << 20 {
            self.brec = ByteRecord::new();
        }
        let Some(line) = self.read_nonblank()? else {
            return Ok(false);
        };
        let brec = &self.brec;
        self.fields.clear();
        self.fields
            .extend((0..brec.len()).filter_map(|i| brec.range(i).map(|r| (r.start, r.end))));
        let raw = RawRecord {
            line,
            bytes: brec.as_slice(),
            fields: &self.fields,
            may_hold_newlines: true,
        };
        self.cp1252_fields += self.layout.fill(rec, &raw, &mut self.scratch);
        Ok(true)
    }
}

/// One record as split from the file.
pub(super) struct RawRecord<'a> {
    /// Physical line where it starts.
    pub line: u64,
    /// Its fields are `fields` ranges of these bytes.
    pub bytes: &'a [u8],
    pub fields: &'a [(usize, usize)],
    /// False for a record without quotes (a newline would have ended it).
    pub may_hold_newlines: bool,
}

/// How the records of one CSV file become [`Record`]s: its header, which file column
/// feeds which wanted column, and the row checks. Shared by the whole-file reader and
/// the range readers, so that both read and report alike.
#[derive(Clone)]
pub(super) struct RecordLayout {
    /// Original header names (for problem messages). Shared by the range readers: a
    /// hostile header can hold a million names.
    header: Arc<Vec<String>>,
    pub(super) map: Arc<HeaderMap>,
    ncols: usize,
}

impl RecordLayout {
    /// Fills `rec` with a record; returns how many fields it decoded as Windows-1252.
    pub(super) fn fill(&self, rec: &mut Record, raw: &RawRecord, scratch: &mut String) -> u64 {
        let RawRecord {
            line,
            bytes,
            fields,
            ..
        } = *raw;
        rec.reset(self.ncols);
        rec.line = line;
        let mut cp1252_fields = 0;
        let field = |i: usize| &bytes[fields[i].0..fields[i].1];
        let n = fields.len();
        let h = self.header.len();
        // One UTF-8 check of the whole record instead of one per field (SIMD needs
        // longer inputs than most fields are); fields it cannot vouch for are decoded one
        // by one.
        let text = simdutf8::basic::from_utf8(bytes).ok();
        for (i, &(from, to)) in fields.iter().take(h).enumerate() {
            if let Some(w) = self.map.by_file_col[i] {
                let checked = text
                    .and_then(|t| t.get(from..to))
                    .filter(|f| f.len() <= FIELD_LIMIT);
                if let Some(f) = checked {
                    rec.values[w].push_str(crate::vocabulary::fast_trim(f));
                    continue;
                }
                let bytes = truncate_field(field(i), FIELD_LIMIT);
                if decode_into(bytes, &mut rec.values[w], scratch) {
                    cp1252_fields += 1;
                }
            }
        }

        // Checks below only look closer when a cheap whole-record scan
        // finds something, so the common path stays fast.
        if n < h || (n > h && (h..n).any(|i| !field(i).trim_ascii().is_empty())) {
            rec.add_problem(format_args!("expected {h} fields, found {n}"));
        }
        let newlines = match raw.may_hold_newlines {
            true => count_newlines(bytes),
            false => 0,
        };
        let too_long = bytes.len() > FIELD_LIMIT && (0..n).any(|i| field(i).len() > FIELD_LIMIT);
        if newlines > 0 && (newlines + 1 > MAX_FIELD_LINES || too_long) {
            rec.add_problem(format_args!(
                "unbalanced quotes starting at line {line}: a quoted field runs over {} lines",
                newlines + 1
            ));
        } else if too_long {
            for i in (0..n).filter(|&i| field(i).len() > FIELD_LIMIT) {
                let name = self.field_name(i);
                rec.add_problem(format_args!(
                    "field '{name}' is {} bytes long; the limit is {FIELD_LIMIT}",
                    field(i).len()
                ));
            }
        }
        let nul_field = if memchr::memchr(0, bytes).is_some() {
            (0..n).position(|i| field(i).contains(&0))
        } else {
            None
        };
        if let Some(i) = nul_field {
            let name = self.field_name(i);
            rec.add_problem(format_args!("field '{name}' contains a NUL byte"));
        }
        cp1252_fields
    }

    /// Wanted columns (the length of every record's values).
    pub(super) fn ncols(&self) -> usize {
        self.ncols
    }

    fn field_name(&self, i: usize) -> String {
        match self.header.get(i) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => format!("#{}", i + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{open, Format, ReadOptions};
    use super::*;
    use std::io::Write;

    fn write(bytes: &[u8], ext: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
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
    fn utf8_with_bom() {
        let f = write("\u{feff}id,name\n1, José \n2,Zoë\n".as_bytes(), ".csv");
        let (src, recs) = read_all(f.path(), &["id", "name"]);
        assert_eq!(src.present(), &[true, true]);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].values, vec!["1", "José"]);
        assert_eq!(recs[1].values, vec!["2", "Zoë"]);
        assert_eq!(recs[0].line, 2);
        assert!(recs.iter().all(|r| r.problem.is_none()));
        assert_eq!(
            src.describe(),
            "CSV, separator ',', encoding UTF-8 with BOM"
        );
    }

    #[test]
    fn windows_1252_semicolon_accents() {
        let text = "Código;Descripción\r\n1;á é í ó ú ñ Ñ ¿qué?\r\n2;\"a;b\"\r\n";
        let (bytes, _, _) = WINDOWS_1252.encode(text);
        let f = write(&bytes, ".csv");
        let (src, recs) = read_all(f.path(), &["codigo", "descripción"]);
        // "Código" ≠ "codigo" (accents are not folded), "Descripción" matches.
        assert_eq!(src.present(), &[false, true]);
        assert_eq!(src.unknown_columns(), &["Código".to_string()]);
        assert_eq!(recs[0].values[1], "á é í ó ú ñ Ñ ¿qué?");
        assert_eq!(recs[1].values[1], "a;b");
        let d = src.describe();
        assert!(
            d.starts_with("CSV, separator ';', encoding windows-1252"),
            "{d}"
        );
    }

    #[test]
    fn mixed_encoding_per_field() {
        let mut bytes = "a,b\n".as_bytes().to_vec();
        bytes.extend_from_slice("ñandú,".as_bytes());
        bytes.extend_from_slice(b"pi\xf1a\n");
        let f = write(&bytes, ".csv");
        let (_, recs) = read_all(f.path(), &["a", "b"]);
        assert_eq!(recs[0].values, vec!["ñandú", "piña"]);
    }

    #[test]
    fn fields_that_are_utf8_only_together_decode_one_by_one() {
        // "é" is C3 A9 in UTF-8; split over two fields, each byte is Windows-1252.
        let f = write(b"a,b\n\xc3,\xa9\n", ".csv");
        let (src, recs) = read_all(f.path(), &["a", "b"]);
        assert_eq!(recs[0].values, vec!["Ã", "©"]);
        assert!(src.describe().contains("windows-1252"));
    }

    #[test]
    fn tab_separated() {
        let f = write(b"id\tqueue\tnotes\n7\tSales\tcomma, here\n", ".tsv");
        let (src, recs) = read_all(f.path(), &["queue", "id"]);
        assert_eq!(recs[0].values, vec!["Sales", "7"]);
        assert!(recs[0].problem.is_none());
        assert_eq!(src.unknown_columns(), &["notes".to_string()]);
        assert!(src.describe().contains("separator tab"));
    }

    #[test]
    fn pipe_separated_and_single_column() {
        let f = write(b"a|b\n1|2\n", ".txt");
        let (_, recs) = read_all(f.path(), &["a", "b"]);
        assert_eq!(recs[0].values, vec!["1", "2"]);

        let f = write(b"Interaction ID\nX1\nX2\n", ".csv");
        let (src, recs) = read_all(f.path(), &["interaction_id", "other"]);
        assert_eq!(src.present(), &[true, false]);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].values, vec!["X2", ""]);

        let f = write(b"hello world\nfoo\n", ".csv");
        let e = open(f.path(), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(matches!(e, SourceError::NotTabular { .. }), "{e}");
    }

    #[test]
    fn quoted_fields_and_line_numbers() {
        let text = "id,text,n\n\
                    1,\"a, \"\"quoted\"\" text\",x\n\
                    2,\"line one\nline two\nline three\",y\n\
                    \n\
                    3,plain,z\n";
        let f = write(text.as_bytes(), ".csv");
        let (_, recs) = read_all(f.path(), &["id", "text", "n"]);
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].values[1], "a, \"quoted\" text");
        assert_eq!(recs[0].line, 2);
        assert_eq!(recs[1].values[1], "line one\nline two\nline three");
        assert_eq!(recs[1].line, 3);
        // The blank line 6 is skipped; record 3 is on physical line 7.
        assert_eq!(recs[2].line, 7);
        assert_eq!(recs[2].values, vec!["3", "plain", "z"]);
        assert!(recs.iter().all(|r| r.problem.is_none()));
    }

    #[test]
    fn crlf_and_blank_lines() {
        let text = "\r\nid;txt\r\n1;a\r\n\r\n\r\n2;\"x\r\ny\"\r\n3;b";
        let f = write(text.as_bytes(), ".csv");
        let (src, recs) = read_all(f.path(), &["id", "txt"]);
        assert!(src.describe().contains("';'"));
        let got: Vec<(u64, String, String)> = recs
            .iter()
            .map(|r| (r.line, r.values[0].clone(), r.values[1].clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "1".into(), "a".into()),
                (6, "2".into(), "x\r\ny".into()),
                (8, "3".into(), "b".into()),
            ]
        );
        assert!(recs.iter().all(|r| r.problem.is_none()));

        let f = write(b"id,txt\r1,a\r2,b\r", ".csv");
        let (_, recs) = read_all(f.path(), &["id", "txt"]);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].values, vec!["2", "b"]);
    }

    #[test]
    fn wrong_field_counts() {
        let f = write(b"a,b,c\n1,2\n1,2,3,4\n1,2,3,,\n1,2,3\n", ".csv");
        let (_, recs) = read_all(f.path(), &["a", "b", "c"]);
        assert_eq!(
            recs[0].problem.as_deref(),
            Some("expected 3 fields, found 2")
        );
        assert_eq!(recs[0].values, vec!["1", "2", ""]);
        assert_eq!(
            recs[1].problem.as_deref(),
            Some("expected 3 fields, found 4")
        );
        assert_eq!(recs[1].values, vec!["1", "2", "3"]);
        assert!(
            recs[2].problem.is_none(),
            "trailing empty fields are harmless"
        );
        assert!(recs[3].problem.is_none());
    }

    #[test]
    fn huge_field_is_truncated() {
        let mut text = b"id,notes\n1,".to_vec();
        text.extend(std::iter::repeat_n(b'x', 102_400));
        text.extend_from_slice(b"\n2,ok\n");
        let f = write(&text, ".csv");
        let (_, recs) = read_all(f.path(), &["id", "notes"]);
        assert_eq!(
            recs[0].problem.as_deref(),
            Some("field 'notes' is 102400 bytes long; the limit is 65536")
        );
        assert_eq!(recs[0].values[1].len(), FIELD_LIMIT);
        assert_eq!(recs[1].values, vec!["2", "ok"]);
        assert!(recs[1].problem.is_none());
    }

    #[test]
    fn truncation_keeps_utf8_whole() {
        let s = "é".repeat(40_000); // 80,000 bytes
        let cut = truncate_field(s.as_bytes(), FIELD_LIMIT);
        assert_eq!(cut.len(), FIELD_LIMIT);
        let cut = truncate_field(&s.as_bytes()[1..], FIELD_LIMIT);
        assert!(cut.len() <= FIELD_LIMIT);
    }

    #[test]
    fn nul_byte_in_field() {
        let f = write(b"a,b\n1,x\x00y\n", ".csv");
        let (_, recs) = read_all(f.path(), &["a", "b"]);
        assert_eq!(
            recs[0].problem.as_deref(),
            Some("field 'b' contains a NUL byte")
        );
    }

    #[test]
    fn broken_quoting() {
        let mut text = String::from("id,text\n1,\"never closed\n");
        for i in 2..40 {
            text.push_str(&format!("{i},row {i}\n"));
        }
        let f = write(text.as_bytes(), ".csv");
        let (_, recs) = read_all(f.path(), &["id", "text"]);
        assert_eq!(recs.len(), 1);
        let p = recs[0].problem.as_deref().unwrap();
        assert!(p.contains("unbalanced quotes starting at line 2"), "{p}");
    }

    #[test]
    fn broken_quoting_recovers_at_next_quote() {
        // The stray quote on line 2 is closed by the quote on line 25.
        let mut text = String::from("id,text\n1,\"oops\n");
        for i in 3..25 {
            text.push_str(&format!("{i},row\n"));
        }
        text.push_str("25,\"x\"\n26,fine\n");
        let f = write(text.as_bytes(), ".csv");
        let (_, recs) = read_all(f.path(), &["id", "text"]);
        assert!(recs[0]
            .problem
            .as_deref()
            .unwrap()
            .starts_with("unbalanced quotes starting at line 2"));
        let last = recs.last().unwrap();
        assert_eq!(last.values, vec!["26", "fine"]);
        assert_eq!(last.line, 26);
        assert!(last.problem.is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        /// The reader splits records out of the mapped file itself; on any mix of
        /// separators, quotes, line ends and encodings its values are the csv crate's.
        #[test]
        fn records_split_like_the_csv_crate(
            body in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b"a".to_vec()),
                    proptest::strategy::Just(b",".to_vec()),
                    proptest::strategy::Just(b"\"".to_vec()),
                    proptest::strategy::Just(b"\n".to_vec()),
                    proptest::strategy::Just(b"\r\n".to_vec()),
                    proptest::strategy::Just(b" ".to_vec()),
                    proptest::strategy::Just(vec![0xE9]),
                    proptest::strategy::Just("é".as_bytes().to_vec()),
                    proptest::strategy::Just(b"\"\"".to_vec()),
                ],
                0..700, // past the 1 KiB windows of test builds
            )
        ) {
            let mut bytes = b"id,note\n".to_vec();
            bytes.extend(body.concat());
            let f = write(&bytes, ".csv");
            let mut src = CsvSource::open(f.path(), &["id", "note"]).unwrap();
            let mut rec = Record::default();
            let mut ours = Vec::new();
            while src.next_record(&mut rec).unwrap() {
                ours.push(rec.values.clone());
            }
            let mut theirs = Vec::new();
            let mut rdr = ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .terminator(Terminator::Any(b'\n'))
                .from_reader(&bytes[..]);
            let (mut scratch, mut header_seen) = (String::new(), false);
            for r in rdr.byte_records() {
                let r = r.unwrap();
                let blank = r.len() == 1 && r[0].iter().all(|b| b.is_ascii_whitespace());
                if blank || !std::mem::replace(&mut header_seen, true) {
                    continue;
                }
                let values: Vec<String> = (0..2)
                    .map(|i| {
                        let mut v = String::new();
                        decode_into(r.get(i).unwrap_or(b""), &mut v, &mut scratch);
                        v
                    })
                    .collect();
                theirs.push(values);
            }
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn a_file_ending_inside_a_quoted_field_reports_where_its_record_starts() {
        // Blank lines 2-4, then a record on line 5 whose quote never closes; the csv
        // crate's line counter put it on line 4 (the newline inside the field looked like
        // its terminator).
        let f = write(b"id,note\n\n\n\n\"\"\"\n", ".csv");
        let mut src = CsvSource::open(f.path(), &["id", "note"]).unwrap();
        let mut rec = Record::default();
        assert!(src.next_record(&mut rec).unwrap());
        assert_eq!((rec.line, rec.values[0].as_str()), (5, "\""));
        assert!(!src.next_record(&mut rec).unwrap());
    }

    #[test]
    fn runaway_record_is_bounded_and_reading_goes_on() {
        // A huge field (closed) on line 3, then a record whose quote never closes.
        let mut text = b"a,b\n1,ok\n2,\"".to_vec();
        text.extend(std::iter::repeat_n(b'y', 300_000));
        text.extend_from_slice(b"\nstill, one field\"\n3,fine\n4,\"");
        text.extend(std::iter::repeat_n(b'z', 300_000));
        text.extend_from_slice(b"\n5,swallowed\n");
        let f = write(&text, ".csv");
        let mut src = CsvSource::open(f.path(), &["a", "b"]).unwrap();
        // Simulate a tiny limit instead of writing 32 MiB.
        src.record_limit = 100_000;
        src.rest.as_mut().unwrap().record_limit = 100_000;
        let mut rec = Record::default();
        let mut got = Vec::new();
        while src.next_record(&mut rec).unwrap() {
            got.push((rec.line, rec.values[0].clone(), rec.problem.clone()));
        }
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!((got[0].0, got[0].1.as_str()), (2, "1"));
        assert_eq!(got[1].0, 3);
        let p = got[1].2.as_deref().unwrap();
        assert!(p.contains("line 3 is 1 MiB long"), "{p}");
        assert_eq!((got[2].0, got[2].1.as_str(), &got[2].2), (5, "3", &None));
        assert_eq!(got[3].0, 6);
        assert!(got[3].2.as_deref().unwrap().contains("never closed"));
    }

    #[test]
    fn empty_files() {
        for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n  \n"] {
            let f = write(bytes, ".csv");
            let e = open(f.path(), &["a"], &ReadOptions::default())
                .err()
                .unwrap();
            assert!(matches!(e, SourceError::Empty { .. }), "{e}");
        }
    }

    #[test]
    fn binary_files() {
        let f = write(
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x03\x00>\x00",
            ".csv",
        );
        let e = open(f.path(), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(matches!(e, SourceError::NotTabular { .. }), "{e}");
        assert!(e.to_string().contains("binary"));

        let f = write(b"PK\x03\x04\x14\x00\x06\x00", ".csv");
        let e = open(f.path(), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(e.to_string().contains("ZIP"), "{e}");

        let f = write(b"\xFF\xFEi\x00d\x00", ".csv");
        let e = open(f.path(), &["a"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(e.to_string().contains("UTF-16"), "{e}");
    }

    #[test]
    fn no_header_is_not_tabular() {
        let f = write(b"1,2,3\n4,5,6\n", ".csv");
        let e = open(f.path(), &["id", "queue"], &ReadOptions::default())
            .err()
            .unwrap();
        assert!(e.to_string().contains("no header row"), "{e}");
    }

    #[test]
    fn header_matching_in_file() {
        let f = write(
            b"Interaction ID,Agent-Name, QUEUE ,interaction_id,Other\nA,B,C,D,E\n",
            ".csv",
        );
        let opts = ReadOptions {
            format: Some(Format::Csv),
            sheet: None,
        };
        let mut src = open(
            f.path(),
            &["interaction_id", "agent_name", "queue", "missing"],
            &opts,
        )
        .unwrap();
        assert_eq!(src.present(), &[true, true, true, false]);
        let unk = src.unknown_columns();
        assert_eq!(unk.len(), 2);
        assert!(unk[0].contains("duplicate"));
        assert_eq!(unk[1], "Other");
        let mut rec = Record::default();
        assert!(src.next_record(&mut rec).unwrap());
        assert_eq!(rec.values, vec!["A", "B", "C", ""]);
        assert!(!src.next_record(&mut rec).unwrap());
    }

    #[test]
    fn separator_detection() {
        assert_eq!(detect_separator(b"a;b;c,d").0, b';');
        assert_eq!(detect_separator(b"\"a;b;c\",d").0, b',');
        assert_eq!(detect_separator(b"a;b,c").0, b',');
        assert_eq!(detect_separator(b"a\tb\tc").0, b'\t');
        assert_eq!(detect_separator(b"abc"), (b',', 0));
    }
}
