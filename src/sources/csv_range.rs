//! A reader of one range of a CSV file whose record starts are known (see
//! [`super::scan_csv`]), so that several threads can parse one file. It splits records
//! straight out of memory-mapped windows of the file (no copy into a read buffer, no
//! per-field copy into a csv record) and fills them through the file's
//! [`RecordLayout`], so they read and report exactly as the whole-file reader's do (which
//! reads its records through one of these; a proptest compares the values with the csv
//! crate's, and the first pass's tests compare ranges with the whole file).

use std::path::{Path, PathBuf};

use super::csv::{RawRecord, RecordLayout};
use super::csv_fields::{FieldSplitter, Found};
use super::mapped::{MappedFile, Window};
use super::{Record, RecordSource, SourceError};

/// Bytes mapped at a time (small in tests, so that records cross windows); a window
/// doubles while one record does not fit.
const WINDOW_BYTES: usize = if cfg!(test) { 1 << 10 } else { 8 << 20 };

pub struct CsvRange {
    path: PathBuf,
    file: MappedFile,
    layout: RecordLayout,
    fields: FieldSplitter,
    window: Window,
    /// File offset of the window's first byte.
    window_at: u64,
    /// Next byte to split, within the window.
    pos: usize,
    window_bytes: usize,
    /// File offset where the range ends (a record start, or the end of the file).
    end: u64,
    /// Physical line of the next byte.
    line: u64,
    pub(super) record_limit: u64,
    scratch: String,
    cp1252_fields: u64,
}

impl CsvRange {
    /// The records of bytes `range` of `file`, the first on physical line `first_line`.
    pub(super) fn new(
        path: &Path,
        file: &MappedFile,
        (from, to): (u64, u64),
        first_line: u64,
        sep: u8,
        layout: RecordLayout,
        record_limit: u64,
    ) -> CsvRange {
        let end = to.min(file.len());
        CsvRange {
            path: path.to_path_buf(),
            file: file.clone(),
            layout,
            fields: FieldSplitter::new(sep),
            window: Window::empty(),
            window_at: from.min(end),
            pos: 0,
            window_bytes: WINDOW_BYTES,
            end,
            line: first_line,
            record_limit,
            scratch: String::new(),
            cp1252_fields: 0,
        }
    }

    /// Fields this reader decoded as Windows-1252.
    pub fn cp1252_fields(&self) -> u64 {
        self.cp1252_fields
    }

    /// The record at the current position is longer than the limit: reading stops there,
    /// as the whole-file reader's does, to keep memory bounded.
    fn too_large(&self) -> SourceError {
        SourceError::RecordTooLarge {
            path: self.path.clone(),
            line: self.line,
            limit_mb: self.record_limit >> 20,
        }
    }

    /// Maps a window from `at`, the start of a record that did not end in the current
    /// one (a window twice as large when that record filled it).
    fn map_from(&mut self, at: u64) -> Result<(), SourceError> {
        if self.pos == 0 && !self.window.bytes().is_empty() {
            if self.window_bytes as u64 >= self.record_limit {
                return Err(self.too_large());
            }
            self.window_bytes *= 2;
        }
        let len = self.window_bytes.min((self.end - at) as usize);
        self.window = self
            .file
            .window(at, len)
            .map_err(|source| SourceError::Io {
                path: self.path.clone(),
                source,
            })?;
        self.window_at = at;
        self.pos = 0;
        Ok(())
    }
}

impl RecordSource for CsvRange {
    fn present(&self) -> &[bool] {
        &self.layout.map.present
    }

    fn unknown_columns(&self) -> &[String] {
        &self.layout.map.unknown
    }

    fn describe(&self) -> String {
        format!("CSV bytes up to {} of {}", self.end, self.path.display())
    }

    fn next_record(&mut self, rec: &mut Record) -> Result<bool, SourceError> {
        loop {
            let at = self.window_at + self.pos as u64;
            if at >= self.end {
                return Ok(false);
            }
            let data = &self.window.bytes()[self.pos..];
            // The range ends at a record end: its last bytes are split as a file's last.
            let eof = at + data.len() as u64 == self.end;
            let found = match data.is_empty() {
                true => None,
                false => self.fields.next(data, eof, usize::MAX),
            };
            let Some(found) = found else {
                self.map_from(at)?;
                continue;
            };
            if found.used() as u64 > self.record_limit {
                return Err(self.too_large());
            }
            let record = self.fields.record(data, found);
            let line = self.line;
            self.line += found.newlines(data);
            self.pos += found.used();
            if self.fields.is_blank(record) {
                continue;
            }
            let raw = RawRecord {
                line,
                bytes: record,
                fields: &self.fields.fields,
                may_hold_newlines: matches!(found, Found::Quoted { .. }),
            };
            self.cp1252_fields += self.layout.fill(rec, &raw, &mut self.scratch);
            return Ok(true);
        }
    }
}
