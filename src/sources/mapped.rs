//! A CSV file read through memory maps of a few megabytes at a time, by the first pass and
//! by the threads that parse its ranges.
//!
//! Why: reading a 3 GB export with `read` copies every byte out of the page cache, once
//! for the first pass and again for the conversion; on the machines we measured that
//! copy cost as much as splitting the records. A map reads the cached pages in place.
//! Mapping a window at a time (not the whole file) keeps the process's resident memory
//! small: a window's pages leave it when the window is dropped.
//!
//! A map assumes the file does not shrink while it is read (a truncated mapped file makes
//! the process fail on a bus error). Inputs are finished exports; a file that changes
//! under a reader is wrong either way. (The pipeline's inbox does not yet wait for a file
//! to stop changing before it ingests it.)

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use memmap2::{Mmap, MmapOptions};

/// A file to map windows of.
#[derive(Clone)]
pub struct MappedFile {
    file: Arc<File>,
    len: u64,
}

/// Bytes `from..from + len` of a file, mapped (empty windows map nothing).
pub struct Window {
    map: Option<Mmap>,
    /// Where the asked-for bytes start in the page-aligned map.
    skip: usize,
}

impl Window {
    pub fn bytes(&self) -> &[u8] {
        self.map.as_ref().map_or(&[], |m| &m[self.skip..])
    }
}

impl MappedFile {
    pub fn open(path: &Path) -> io::Result<MappedFile> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(MappedFile {
            file: Arc::new(file),
            len,
        })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// xxh3-128 of the file's bytes, hex: the content hash a batch records, so the same
    /// file is never ingested twice.
    pub fn content_hash(&self) -> io::Result<String> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut at = 0;
        while at < self.len {
            let window = self.window(at, HASH_WINDOW)?;
            hasher.update(window.bytes());
            at += window.bytes().len() as u64;
        }
        Ok(format!("{:032x}", hasher.digest128()))
    }

    /// Maps up to `len` bytes from `from` (fewer at the end of the file).
    pub fn window(&self, from: u64, len: usize) -> io::Result<Window> {
        let from = from.min(self.len);
        let to = self.len.min(from.saturating_add(len as u64));
        if to == from {
            return Ok(Window { map: None, skip: 0 });
        }
        // Maps start on a page boundary.
        let aligned = from - from % MAP_ALIGNMENT;
        // SAFETY: a read-only private map of a file that is not expected to change while
        // it is ingested (see the module comment). `populate` maps every page at once
        // instead of faulting them in one by one.
        let map = unsafe {
            MmapOptions::new()
                .offset(aligned)
                .len((to - aligned) as usize)
                .populate()
                .map(&*self.file)?
        };
        Ok(Window {
            map: Some(map),
            skip: (from - aligned) as usize,
        })
    }

    /// A reader of bytes `from..to`, mapping a window at a time.
    pub fn range(&self, from: u64, to: u64) -> MappedRange {
        MappedRange {
            file: self.clone(),
            pos: from.min(to),
            end: to.min(self.len),
            window: None,
            at: 0,
        }
    }
}

/// A multiple of every platform's page size (and of Windows' allocation granularity).
const MAP_ALIGNMENT: u64 = 64 << 10;

/// Bytes [`MappedFile::content_hash`] maps at a time.
const HASH_WINDOW: usize = 16 << 20;

/// Bytes a [`MappedRange`] maps at a time (small in tests, so that they cross windows).
const RANGE_WINDOW: usize = if cfg!(test) { 100 << 10 } else { 8 << 20 };

/// A part of a [`MappedFile`] read as a stream.
pub struct MappedRange {
    file: MappedFile,
    /// File offset of the next byte the current window does not hold.
    pos: u64,
    end: u64,
    window: Option<Window>,
    /// Next byte to deliver within the current window.
    at: usize,
}

impl Read for MappedRange {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let exhausted = self
            .window
            .as_ref()
            .is_none_or(|w| self.at == w.bytes().len());
        if exhausted {
            if self.pos >= self.end {
                self.window = None;
                return Ok(0);
            }
            let len = RANGE_WINDOW.min((self.end - self.pos) as usize);
            self.window = Some(self.file.window(self.pos, len)?);
            self.pos += len as u64;
            self.at = 0;
        }
        let rest = &self.window.as_ref().expect("window mapped").bytes()[self.at..];
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_ranges_read_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let text: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        let file = MappedFile::open(&path).unwrap();
        assert_eq!(file.len(), text.len() as u64);
        // Offsets off page boundaries, windows past the end.
        assert_eq!(
            file.window(70_001, 10).unwrap().bytes(),
            &text[70_001..70_011]
        );
        assert_eq!(file.window(299_990, 100).unwrap().bytes(), &text[299_990..]);
        assert!(file.window(300_000, 100).unwrap().bytes().is_empty());
        let mut got = Vec::new();
        let mut range = file.range(12_345, 299_000);
        let mut buf = [0u8; 7_000];
        loop {
            let n = range.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert!(299_000 - 12_345 > 2 * RANGE_WINDOW);
        assert_eq!(got, &text[12_345..299_000]);

        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, b"").unwrap();
        let file = MappedFile::open(&empty).unwrap();
        assert!(file.is_empty());
        assert!(file.window(0, 10).unwrap().bytes().is_empty());
        assert_eq!(file.range(0, 10).read(&mut [0; 4]).unwrap(), 0);
    }
}
