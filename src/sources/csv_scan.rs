//! A fast first pass over a CSV file, for what ingestion must know before it converts
//! the rows: the content hash of the file and the key values of every record (to find
//! ids the file sends more than once, so their earlier versions are never written).
//!
//! Records are split by the readers' own [`FieldSplitter`] (see `csv_fields`), and values
//! are truncated, decoded and trimmed by the same functions the reader uses, so a key seen
//! here equals the key the reader delivers; ingestion still checks that (and has a slower
//! path if not).

use std::path::Path;

use super::csv::{decode_into, truncate_field, CsvSource, FIELD_LIMIT};
use super::csv_fields::{FieldSplitter, Found};
use super::mapped::MappedFile;
use super::SourceError;

/// What one pass over a CSV file found.
#[derive(Debug)]
pub struct CsvScan {
    /// xxh3-128 of the file's bytes, hex (the same as a plain content hash).
    pub hash: String,
    /// Whether every record's values were passed on. Not for files that end lines with a
    /// lone CR, or with a record over 64 MiB (the reader refuses those anyway).
    pub complete: bool,
    /// When complete: where records start, about every [`RANGE_BYTES`] from the first
    /// record after the header, as (byte offset, physical line); with `len`, the ranges
    /// [`super::CsvSource::range`] readers can parse side by side.
    pub starts: Vec<(u64, u64)>,
    /// When complete: the key of every record after the header, in file order.
    pub keys: Vec<u64>,
    /// File size in bytes.
    pub len: u64,
}

/// Bytes of the file per range that one thread parses.
pub const RANGE_BYTES: u64 = 4 << 20;

const MAX_RECORD_BYTES: usize = 64 << 20;

/// Reads `path` once: hashes every byte and computes `key` of the values of the `wanted`
/// columns (names from `columns`, matched to the header as the reader matches them) of
/// every record after the header, blank lines skipped.
pub fn scan_csv(
    path: &Path,
    columns: &[&str],
    wanted: &[&str],
    key: &KeyFn<'_>,
) -> Result<CsvScan, SourceError> {
    scan_with_ranges(path, columns, wanted, RANGE_BYTES, key)
}

/// What [`scan_csv`] computes of each record's wanted values (called from several threads).
pub type KeyFn<'a> = dyn Fn(&[String]) -> u64 + Sync + 'a;

fn scan_with_ranges(
    path: &Path,
    columns: &[&str],
    wanted: &[&str],
    range_bytes: u64,
    key: &KeyFn<'_>,
) -> Result<CsvScan, SourceError> {
    let source = CsvSource::open(path, columns)?;
    let targets: Option<Vec<usize>> = wanted
        .iter()
        .map(|w| {
            let wi = columns.iter().position(|c| c == w)?;
            source
                .layout
                .map
                .by_file_col
                .iter()
                .position(|f| *f == Some(wi))
        })
        .collect();
    let splitter = match targets {
        Some(t) if source.splits_by_range() => Some(Splitter::new(source.sep, t, range_bytes)),
        _ => None,
    };
    let bom = if source.bom { 3 } else { 0 };
    let file = source.mapped.clone();
    drop(source);

    let io = |e| SourceError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    // One thread hashes while others split; all read mapped pages in place.
    let (hash, split) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| {
            let hash = file.content_hash();
            tracing::debug!("Content hashed.");
            hash
        });
        let split = match splitter {
            Some(s) => split_in_halves(&file, bom as u64, s, key).map(Some),
            None => Ok(None),
        };
        (hashing.join().expect("hashing thread panicked"), split)
    });
    let split = split.map_err(io)?.flatten();
    let complete = split.is_some();
    let (starts, keys) = split.unwrap_or_default();
    Ok(CsvScan {
        hash: hash.map_err(io)?,
        complete,
        starts,
        keys,
        len: file.len(),
    })
}

/// Bytes mapped at a time (fewer maps, fewer unmaps: each unmap interrupts the other
/// threads to flush their TLBs); the window doubles while one record does not fit.
const WINDOW_BYTES: usize = if cfg!(test) { 1 << 20 } else { 8 << 20 };

/// Files at least this long are split by two threads (small in tests, to exercise it).
const HALVES_MIN_BYTES: u64 = if cfg!(test) { 64 } else { 16 << 20 };

/// Record starts and keys of the whole file, or None when they could not all be found.
type Split = Option<(Vec<(u64, u64)>, Vec<u64>)>;

/// Splits every record of the file after byte `from` (past a BOM). A long file is split
/// by two threads: the second starts at a line start near the middle, guessing that it
/// is not inside a quoted field. The guess holds when the first thread's last record ends
/// exactly there (a record parses the same from its start whoever reads it); otherwise the
/// first thread goes on alone and the second's work is dropped.
fn split_in_halves(
    file: &MappedFile,
    from: u64,
    mut first: Splitter,
    key: &KeyFn<'_>,
) -> std::io::Result<Split> {
    let mut keys = Vec::new();
    let Some(mid) = middle_line_start(file, from)? else {
        let end = split_range(file, from, file.len(), &mut first, &mut keys, key)?;
        return Ok(end.complete.then(|| (first.starts, keys)));
    };
    let mut second = first.continuation(mid);
    let (end, second_part) = std::thread::scope(|scope| {
        let second_part = scope.spawn(|| {
            let mut keys = Vec::new();
            split_range(file, mid, file.len(), &mut second, &mut keys, key).map(|e| (e, keys))
        });
        let end = split_range(file, from, mid, &mut first, &mut keys, key);
        (end, second_part.join().expect("splitting thread panicked"))
    });
    let end = end?;
    if end.at == mid && end.complete {
        let (second_end, second_keys) = second_part?;
        if !second_end.complete {
            return Ok(None);
        }
        let lines_before = first.newlines;
        let mut starts = first.starts;
        // The first thread may have started a range at the middle too.
        let last = starts.last().map(|s| s.0);
        starts.extend(
            second
                .starts
                .into_iter()
                .filter(|&(at, _)| last.is_none_or(|last| last < at))
                .map(|(at, line)| (at, line + lines_before)),
        );
        keys.extend(second_keys);
        return Ok(Some((starts, keys)));
    }
    if !end.complete {
        return Ok(None);
    }
    // The middle was inside a record: go on from where the first thread stopped.
    let end = split_range(file, end.at, file.len(), &mut first, &mut keys, key)?;
    Ok(end.complete.then(|| (first.starts, keys)))
}

/// The start of a line near the middle of a long file that follows a non-empty line (no
/// range starts after an empty one: see [`Splitter::split`]); None for short files.
fn middle_line_start(file: &MappedFile, from: u64) -> std::io::Result<Option<u64>> {
    if file.len() < from + HALVES_MIN_BYTES {
        return Ok(None);
    }
    let middle = from + (file.len() - from) / 2;
    let window = file.window(middle - 1, WINDOW_BYTES)?;
    let bytes = window.bytes();
    Ok(memchr::memchr_iter(b'\n', bytes)
        .find(|&i| i > 0 && bytes[i - 1] != b'\n')
        .map(|i| middle + i as u64)
        .filter(|&at| at < file.len()))
}

/// Where [`split_range`] stopped.
struct RangeEnd {
    /// File offset after the last record split.
    at: u64,
    /// False when a record was too long to pass on.
    complete: bool,
}

/// Splits the records that start in `from..to`; stops at `to` or, when a record crosses
/// `to`, before that record (at the end of the file, after the last one).
fn split_range(
    file: &MappedFile,
    from: u64,
    to: u64,
    s: &mut Splitter,
    keys: &mut Vec<u64>,
    key: &KeyFn<'_>,
) -> std::io::Result<RangeEnd> {
    let mut each = |v: &[String]| keys.push(key(v));
    let (mut start, mut window) = (from.min(to), WINDOW_BYTES);
    loop {
        let len = window.min((to - start) as usize);
        let data = file.window(start, len)?;
        let data = data.bytes();
        let end = start + data.len() as u64;
        let used = s.split(data, start, end == file.len(), &mut each);
        start += used as u64;
        // At `to` (the end of the file or not) every record that starts before it and ends
        // in it was split; what remains crosses `to`.
        if end == to {
            return Ok(RangeEnd {
                at: start,
                complete: true,
            });
        }
        if used == 0 {
            // One record fills the window.
            if window >= MAX_RECORD_BYTES {
                return Ok(RangeEnd {
                    at: start,
                    complete: false,
                });
            }
            window *= 2;
        }
    }
}

/// Splits records and decodes the wanted fields.
struct Splitter {
    sep: u8,
    fields: FieldSplitter,
    /// Fields a record needs to hold every wanted one.
    needed: usize,
    wanted: WantedValues,
    /// Newlines before the current position.
    newlines: u64,
    range_bytes: u64,
    starts: Vec<(u64, u64)>,
}

/// The wanted values of each record, decoded as the reader decodes them.
struct WantedValues {
    /// File column index of each wanted value.
    targets: Vec<usize>,
    header_seen: bool,
    values: Vec<String>,
    scratch: String,
}

impl Splitter {
    fn new(sep: u8, targets: Vec<usize>, range_bytes: u64) -> Self {
        Splitter {
            sep,
            fields: FieldSplitter::new(sep),
            needed: targets.iter().max().map_or(0, |m| m + 1),
            wanted: WantedValues {
                values: vec![String::new(); targets.len()],
                targets,
                header_seen: false,
                scratch: String::new(),
            },
            newlines: 0,
            range_bytes,
            starts: Vec::new(),
        }
    }

    /// A splitter for the records from file offset `at`, a record start after the header:
    /// its first range starts there, and its line numbers count from there (line 1).
    fn continuation(&self, at: u64) -> Splitter {
        let mut s = Splitter::new(self.sep, self.wanted.targets.clone(), self.range_bytes);
        s.wanted.header_seen = true;
        s.starts.push((at, 1));
        s
    }

    /// Handles every complete record at the start of `data` (all of it at end of file),
    /// which is byte `offset` of the file; returns the bytes consumed.
    fn split(
        &mut self,
        data: &[u8],
        offset: u64,
        eof: bool,
        each: &mut dyn FnMut(&[String]),
    ) -> usize {
        let mut p = 0;
        while p < data.len() {
            let rest = &data[p..];
            let header_seen = self.wanted.header_seen;
            let Some(found) = self.fields.next(rest, eof, self.needed) else {
                break;
            };
            let record = self.fields.record(rest, found);
            if !self.fields.is_blank(record) {
                self.wanted.emit(&self.fields.fields, record, each);
            }
            self.newlines += found.newlines(rest);
            p += found.used();
            // csv skips empty lines inside its next record: no range starts after one.
            let empty_line = found == Found::Plain { len: 0, used: 1 };
            // A range starts after the header, then after the record that passes the size.
            let at = offset + p as u64;
            let due = match self.starts.last() {
                None => !header_seen && self.wanted.header_seen,
                Some(&(last, _)) => !empty_line && at - last >= self.range_bytes,
            };
            if due {
                self.starts.push((at, self.newlines + 1));
            }
        }
        p
    }
}

impl WantedValues {
    /// Passes on the wanted values of a record (not blank) whose fields are ranges of
    /// `bytes`, skipping the header (the first record).
    fn emit(&mut self, fields: &[(usize, usize)], bytes: &[u8], each: &mut dyn FnMut(&[String])) {
        if !self.header_seen {
            self.header_seen = true;
            return;
        }
        for (k, &t) in self.targets.iter().enumerate() {
            let value = &mut self.values[k];
            value.clear();
            if let Some(&(a, b)) = fields.get(t) {
                decode_into(
                    truncate_field(&bytes[a..b], FIELD_LIMIT),
                    value,
                    &mut self.scratch,
                );
            }
        }
        each(&self.values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{Record, RecordSource};
    use proptest::prelude::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        f
    }

    /// The ids the real reader delivers, and the ids the scan passes on; checks on the
    /// way that the hash is a plain content hash and that readers of the ranges the scan
    /// found (one per record) deliver exactly the records of one whole-file reader.
    fn both(bytes: &[u8]) -> (Vec<String>, Option<Vec<String>>) {
        both_in_ranges(bytes, 1)
    }

    fn both_in_ranges(bytes: &[u8], range_bytes: u64) -> (Vec<String>, Option<Vec<String>>) {
        let f = file(bytes);
        let cols = ["id", "note"];
        let mut src = CsvSource::open(f.path(), &cols).unwrap();
        let mut rec = Record::default();
        let mut records = Vec::new();
        while src.next_record(&mut rec).unwrap() {
            records.push(rec.clone());
        }
        let real = records.iter().map(|r| r.values[0].clone()).collect();
        // Keys are indexes into the values seen, so the test compares the values.
        let values = std::sync::Mutex::new(Vec::new());
        let scan = scan_with_ranges(f.path(), &cols, &["id"], range_bytes, &|v| {
            let mut values = values.lock().unwrap();
            values.push(v[0].to_string());
            values.len() as u64 - 1
        })
        .unwrap();
        let values = values.into_inner().unwrap();
        let seen: Vec<String> = scan
            .keys
            .iter()
            .map(|&k| values[k as usize].clone())
            .collect();
        assert_eq!(
            scan.hash,
            format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes)),
            "a plain content hash"
        );
        assert_eq!(scan.len, bytes.len() as u64);
        if !scan.complete {
            return (real, None);
        }
        let mut ranged = Vec::new();
        let ends = scan.starts.iter().skip(1).map(|s| s.0).chain([scan.len]);
        for (&(from, line), to) in scan.starts.iter().zip(ends) {
            let mut part = src.range(from, to, line);
            while part.next_record(&mut rec).unwrap() {
                ranged.push(rec.clone());
            }
        }
        assert_eq!(
            format!("{records:?}"),
            format!("{ranged:?}"),
            "ranges read like the whole file"
        );
        (real, Some(seen))
    }

    #[test]
    fn quoted_fields_newlines_blank_lines_and_bom() {
        let text = "\u{feff}note;id\r\n\"a;\n\"\"b\"\"\"; 7 \r\n\r\n\n  \nx;\"8\"\n\"unclosed;9\n";
        let (real, scanned) = both(text.as_bytes());
        assert_eq!(Some(real.clone()), scanned);
        assert_eq!(real[..2], ["7".to_string(), "8".to_string()]);
    }

    #[test]
    fn a_line_of_only_a_second_bom_is_blank_for_both() {
        // Found by a million-case fuzz run: the first pass took this line for the header.
        let text = "\u{feff}\u{feff}\nnote,id\nx,1\n\u{feff}\ny,2\n";
        let (real, scanned) = both(text.as_bytes());
        assert_eq!(real, ["1", "2"]);
        assert_eq!(Some(real), scanned);
    }

    #[test]
    fn a_middle_inside_a_quoted_field_is_found_out() {
        // The line start nearest the middle is inside the quoted note of id 2: the second
        // thread's guess is wrong and the first must read on alone.
        let mut text = String::from("id,note\n");
        text.push_str(&"1,a\n".repeat(50));
        text.push_str(&format!("2,\"{}\"\n", "x\n".repeat(100)));
        text.push_str(&"3,b\n".repeat(50));
        let file = file(text.as_bytes());
        let middle = middle_line_start(&MappedFile::open(file.path()).unwrap(), 8).unwrap();
        let quote = text.find('"').unwrap() as u64;
        assert!((quote..quote + 200).contains(&middle.unwrap()));
        let (real, scanned) = both(text.as_bytes());
        assert_eq!(real.len(), 101);
        assert_eq!(Some(real), scanned);
    }

    #[test]
    fn records_across_read_blocks() {
        let mut text = String::from("id,note\n");
        for i in 0..100_000 {
            match i % 7 {
                0 => text.push_str(&format!("{i},\"línea uno\nlínea, dos\"\n")),
                1 => text.push_str(&format!("\"{i}\",plain note\r\n")),
                _ => text.push_str(&format!("{i},some note without quotes\n")),
            }
        }
        assert!(text.len() > 2 * WINDOW_BYTES);
        let (real, scanned) = both_in_ranges(text.as_bytes(), 100_000);
        assert_eq!(real.len(), 100_000);
        assert_eq!(Some(real), scanned);
    }

    #[test]
    fn windows_1252_keys_decode_like_the_reader() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("id,note\nAÑO-1,x\n\"Ñ,2\",y\nlast,z");
        let (real, scanned) = both(&bytes);
        assert_eq!(real, ["AÑO-1", "Ñ,2", "last"]);
        assert_eq!(Some(real), scanned);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// On any mix of separators, quotes, line ends and encodings the scan sees the same
        /// keys as the reader.
        #[test]
        fn scan_agrees_with_the_reader(
            body in proptest::collection::vec(
                prop_oneof![
                    Just(b"a".to_vec()), Just(b"1".to_vec()), Just(b",".to_vec()),
                    Just(b"\"".to_vec()), Just(b"\n".to_vec()), Just(b"\r\n".to_vec()),
                    Just(b" ".to_vec()), Just(vec![0xE9]), Just("é".as_bytes().to_vec()),
                    Just(b";".to_vec()), Just(b"\"\"".to_vec()),
                ],
                0..120,
            )
        ) {
            let mut bytes = b"id,note\n".to_vec();
            bytes.extend(body.concat());
            let (real, scanned) = both(&bytes);
            prop_assert_eq!(Some(real), scanned);
        }
    }
}
