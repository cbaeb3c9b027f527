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
use std::io;
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
    /// A window of no bytes.
    pub fn empty() -> Window {
        Window { map: None, skip: 0 }
    }

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
            return Ok(Window::empty());
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
}

/// A multiple of every platform's page size (and of Windows' allocation granularity).
const MAP_ALIGNMENT: u64 = 64 << 10;

/// Bytes [`MappedFile::content_hash`] maps at a time.
const HASH_WINDOW: usize = 16 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_map_their_bytes() {
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

        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, b"").unwrap();
        let file = MappedFile::open(&empty).unwrap();
        assert!(file.is_empty());
        assert!(file.window(0, 10).unwrap().bytes().is_empty());
    }
}
