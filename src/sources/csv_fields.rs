//! Splitting CSV records out of bytes in memory exactly as the csv crate splits them
//! with `\n` as the terminator (quotes only matter at the start of a field, `""` inside
//! quotes, a CR before `\n` stays in the last field): a record whose first line holds
//! no double quote is split on the separator directly, and only records with a quote go
//! through `csv-core`. The first pass and the range readers both split this way.

use csv_core::{ReadRecordResult, ReaderBuilder, Terminator};

/// A record found at the start of some bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// A record without quotes: its fields are ranges of the input's first `len` bytes.
    Plain { len: usize, used: usize },
    /// A record with quotes: its fields are ranges of the splitter's copy of its values (see [`FieldSplitter::record`]).
    Quoted { used: usize },
}

impl Found {
    /// Input bytes the record took, its terminator included.
    pub(super) fn used(self) -> usize {
        match self {
            Found::Plain { used, .. } | Found::Quoted { used } => used,
        }
    }

    /// Newlines in the bytes the record took from `data` (its terminator's included).
    pub(super) fn newlines(self, data: &[u8]) -> u64 {
        match self {
            Found::Plain { len, used } => (used > len) as u64,
            Found::Quoted { used } => memchr::memchr_iter(b'\n', &data[..used]).count() as u64,
        }
    }
}

pub(super) struct FieldSplitter {
    sep: u8,
    core: csv_core::Reader,
    out: Vec<u8>,
    /// Bytes of `out` the last quoted record filled.
    out_len: usize,
    ends: Vec<usize>,
    /// Byte ranges of the last record's fields (into the input or into `out`).
    pub(super) fields: Vec<(usize, usize)>,
}

impl FieldSplitter {
    pub(super) fn new(sep: u8) -> Self {
        FieldSplitter {
            sep,
            core: ReaderBuilder::new()
                .delimiter(sep)
                .terminator(Terminator::Any(b'\n'))
                .build(),
            out: vec![0; 4096],
            out_len: 0,
            ends: vec![0; 64],
            fields: Vec::new(),
        }
    }

    /// Splits the record at the start of `data` (not empty), keeping at most
    /// `max_fields + 1` fields of a record without quotes; None when the record does not
    /// end in `data` and more may follow (`eof` false).
    pub(super) fn next(&mut self, data: &[u8], eof: bool, max_fields: usize) -> Option<Found> {
        match memchr::memchr2(b'\n', b'"', data) {
            Some(i) if data[i] == b'\n' => {
                self.plain(&data[..i], max_fields);
                Some(Found::Plain {
                    len: i,
                    used: i + 1,
                })
            }
            None if eof => {
                self.plain(data, max_fields);
                Some(Found::Plain {
                    len: data.len(),
                    used: data.len(),
                })
            }
            None => None,
            Some(quote) => {
                // The fields before the one that opens with the quote hold none: only the
                // rest of the record needs csv-core (a quote inside a field is a plain
                // byte to csv, so then the whole record goes through it).
                let field_start = memchr::memrchr(self.sep, &data[..quote]).map_or(0, |s| s + 1);
                let from = if field_start == quote { quote } else { 0 };
                self.quoted(data, from, eof)
                    .map(|used| Found::Quoted { used: used.max(1) })
            }
        }
    }

    /// The bytes the fields of `found` are ranges of.
    pub(super) fn record<'a>(&'a self, data: &'a [u8], found: Found) -> &'a [u8] {
        match found {
            Found::Plain { len, .. } => &data[..len],
            Found::Quoted { .. } => &self.out[..self.out_len],
        }
    }

    /// Whether the last record is blank: one field of whitespace (or a Ctrl-Z), which the
    /// readers skip.
    pub(super) fn is_blank(&self, record: &[u8]) -> bool {
        match self.fields[..] {
            [] => true,
            [(a, b)] => blank_field(&record[a..b]),
            _ => false,
        }
    }

    /// Fields of a line without quotes: split on the separator (a blank line stays one
    /// field).
    fn plain(&mut self, line: &[u8], max_fields: usize) {
        self.fields.clear();
        let mut from = 0;
        for i in memchr::memchr_iter(self.sep, line) {
            self.fields.push((from, i));
            from = i + 1;
            if self.fields.len() > max_fields {
                return;
            }
        }
        self.fields.push((from, line.len()));
    }

    /// Fields of a record with quotes: the plain fields before byte `from` (a field start)
    /// split on the separator, the rest through csv-core, all copied into `out`; `None`
    /// when the record is not complete in `data` yet.
    fn quoted(&mut self, data: &[u8], from: usize, eof: bool) -> Option<usize> {
        self.fields.clear();
        if from > 0 {
            // `data[from - 1]` is the separator that ends the plain part.
            let plain = &data[..from - 1];
            let mut start = 0;
            for i in memchr::memchr_iter(self.sep, plain) {
                self.fields.push((start, i));
                start = i + 1;
            }
            self.fields.push((start, plain.len()));
            if self.out.len() < 2 * from {
                self.out.resize(2 * from, 0);
            }
            self.out[..from].copy_from_slice(&data[..from]);
        }
        self.core.reset();
        let (mut input, mut used, mut nout, mut nend) = (&data[from..], from, from, 0usize);
        loop {
            let (res, i, o, e) =
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            input = &input[i..];
            used += i;
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::InputEmpty if !eof => return None,
                // At end of file an empty input tells csv-core to finish the record.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record | ReadRecordResult::End => {
                    // csv-core's field ends count from where it started writing.
                    let mut start = from;
                    for &end in &self.ends[..nend] {
                        self.fields.push((start, from + end));
                        start = from + end;
                    }
                    self.out_len = nout;
                    return Some(used);
                }
            }
        }
    }
}
/// Whether a lone field makes a blank line, which both readers skip: whitespace, a
/// Ctrl-Z, or byte-order marks (a file saved twice with a BOM starts with a line holding
/// only the second one; found by fuzzing, where the first pass and the reader disagreed).
pub(super) fn blank_field(field: &[u8]) -> bool {
    let mut rest = field;
    while let Some(after) = rest.strip_prefix(b"\xef\xbb\xbf") {
        rest = after;
    }
    rest.iter().all(|b| b.is_ascii_whitespace() || *b == 0x1a)
}
