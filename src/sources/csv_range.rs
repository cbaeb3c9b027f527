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
    sep: u8,
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
            sep,
        }
    }

    /// Fields this reader decoded as Windows-1252.
    pub fn cp1252_fields(&self) -> u64 {
        self.cp1252_fields
    }

    fn io(&self, source: std::io::Error) -> SourceError {
        SourceError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Where the record starting at `at` ends (after its terminator) and how many
    /// newlines it holds, found by walking windows through csv-core without keeping
    /// the record: memory stays bounded however long it is.
    fn record_end(&self, at: u64) -> Result<(u64, u64), SourceError> {
        let mut core = csv_core::ReaderBuilder::new()
            .delimiter(self.sep)
            .terminator(csv_core::Terminator::Any(b'\n'))
            .build();
        let (mut out, mut ends) = (vec![0u8; 64 << 10], vec![0usize; 1 << 10]);
        let (mut pos, mut newlines) = (at, 0u64);
        loop {
            let len = WINDOW_BYTES.min((self.end - pos) as usize);
            let window = self.file.window(pos, len).map_err(|e| self.io(e))?;
            let mut input = window.bytes();
            let last = pos + input.len() as u64 == self.end;
            loop {
                let (res, used, _, _) = core.read_record(input, &mut out, &mut ends);
                newlines += memchr::memchr_iter(b'\n', &input[..used]).count() as u64;
                pos += used as u64;
                input = &input[used..];
                match res {
                    csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => {
                        return Ok((pos, newlines));
                    }
                    csv_core::ReadRecordResult::InputEmpty if last => {
                        return Ok((self.end, newlines));
                    }
                    csv_core::ReadRecordResult::InputEmpty => break,
                    // The values are not kept: the buffers are simply reused.
                    csv_core::ReadRecordResult::OutputFull
                    | csv_core::ReadRecordResult::OutputEndsFull => {}
                }
            }
        }
    }

    /// The record at the current position is longer than the limit: it becomes a row
    /// with a problem and no values (so it is quarantined), and reading goes on after it.
    fn skip_too_large(&mut self, rec: &mut Record, at: u64) -> Result<(), SourceError> {
        let (end, newlines) = self.record_end(at)?;
        rec.reset(self.layout.ncols());
        rec.line = self.line;
        rec.add_problem(format_args!(
            "the record starting at line {} is {} MiB long (the limit is {} MiB), so it was skipped; if it spans many lines a quote is probably never closed",
            self.line,
            (end - at).div_ceil(1 << 20),
            self.record_limit >> 20
        ));
        self.line += newlines;
        self.window = Window::empty();
        self.window_at = end;
        self.pos = 0;
        self.window_bytes = WINDOW_BYTES;
        Ok(())
    }

    /// Maps a window from `at`, the start of a record that did not end in the current
    /// one (a window twice as large when that record filled it). False when that
    /// record is longer than the limit.
    fn map_from(&mut self, at: u64) -> Result<bool, SourceError> {
        if self.pos == 0 && !self.window.bytes().is_empty() {
            if self.window_bytes as u64 >= self.record_limit {
                return Ok(false);
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
        Ok(true)
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
                if !self.map_from(at)? {
                    self.skip_too_large(rec, at)?;
                    return Ok(true);
                }
                continue;
            };
            if found.used() as u64 > self.record_limit {
                self.skip_too_large(rec, at)?;
                return Ok(true);
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
