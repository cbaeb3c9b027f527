//! A CSV file read through memory maps of a few megabytes at a time, by the first pass and
//! by the threads that parse its ranges.
//!
//! Why: reading a 3 GB export with `read` copies every byte out of the page cache, once
//! for the first pass and again for the conversion; on the machines we measured that
//! copy cost as much as splitting the records. A map reads the cached pages in place.
//! Mapping a window at a time (not the whole file) keeps the process's resident memory
//! small: a window's pages leave it when the window is dropped.
//!
//! A file that shrinks while it is mapped makes reading a page past its new end fail with
//! a bus error (SIGBUS), which would kill the process. On Linux every window is
//! registered with [`super::fault`], whose signal handler puts a page of zeros where the
//! file's page was and marks the file as changed; readers then deliver garbage that
//! nobody keeps, because [`MappedFile::check_unchanged`] (called by ingestion before it
//! commits, and when a read fails) turns it into [`super::SourceError::Changed`]. Size and
//! modification time are compared too, for a file rewritten in place. Where a window
//! cannot be registered it is read into memory instead of mapped.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use memmap2::{Mmap, MmapOptions};

use super::fault;

/// A file to map windows of.
#[derive(Clone)]
pub struct MappedFile {
    file: Arc<File>,
    len: u64,
    /// Size and modification time when opened.
    stamp: FileStamp,
    /// Set by the bus-error handler when a page of one of this file's windows was gone.
    faulted: Arc<AtomicBool>,
}

/// What tells that a file changed: its size and modification time (nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    pub mtime_ns: i128,
}

impl FileStamp {
    pub fn of(meta: &std::fs::Metadata) -> FileStamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        FileStamp {
            len: meta.len(),
            mtime_ns,
        }
    }

    /// The stamp of the file at `path` now.
    pub fn read(path: &Path) -> io::Result<FileStamp> {
        Ok(FileStamp::of(&std::fs::metadata(path)?))
    }
}

/// Bytes `from..from + len` of a file, mapped (empty windows map nothing).
pub struct Window {
    data: WindowData,
    /// Where the asked-for bytes start in the page-aligned map.
    skip: usize,
    /// The bus-error handler's registration of the map.
    _guard: Option<fault::Registration>,
}

enum WindowData {
    None,
    Map(Mmap),
    /// Read into memory: no slot was free to register a map.
    Read(Vec<u8>),
}

impl Window {
    /// A window of no bytes.
    pub fn empty() -> Window {
        Window {
            data: WindowData::None,
            skip: 0,
            _guard: None,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            WindowData::None => &[],
            WindowData::Map(m) => &m[self.skip..],
            WindowData::Read(v) => &v[self.skip..],
        }
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        // Unregister before the pages go (fields drop in order: `data` first would
        // leave a registered range that another map may reuse).
        self._guard.take();
    }
}

impl MappedFile {
    pub fn open(path: &Path) -> io::Result<MappedFile> {
        let file = File::open(path)?;
        let stamp = FileStamp::of(&file.metadata()?);
        Ok(MappedFile {
            file: Arc::new(file),
            len: stamp.len,
            stamp,
            faulted: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Size and modification time when the file was opened.
    pub fn stamp(&self) -> FileStamp {
        self.stamp
    }

    /// Whether the file is as it was when opened: no page of it went missing while mapped
    /// and its size and modification time are the same.
    pub fn unchanged(&self) -> io::Result<bool> {
        if self.faulted.load(Ordering::Acquire) {
            return Ok(false);
        }
        Ok(FileStamp::of(&self.file.metadata()?) == self.stamp)
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
        let len = (to - aligned) as usize;
        let skip = (from - aligned) as usize;
        let Some(slot) = fault::Slot::claim(&self.faulted) else {
            let mut buf = vec![0; len];
            read_exact_at(&self.file, &mut buf, aligned)?;
            return Ok(Window {
                data: WindowData::Read(buf),
                skip,
                _guard: None,
            });
        };
        // SAFETY: a read-only private map. If the file shrinks while it is mapped, the
        // registered bus-error handler replaces the missing pages with zeros and marks
        // the file as changed (see the module comment). `populate` maps every page at
        // once instead of faulting them in one by one.
        let map = unsafe {
            MmapOptions::new()
                .offset(aligned)
                .len(len)
                .populate()
                .map(&*self.file)?
        };
        let guard = slot.register(map.as_ptr() as usize, map.len());
        Ok(Window {
            data: WindowData::Map(map),
            skip,
            _guard: Some(guard),
        })
    }
}

/// Fills `buf` from offset `at`; a file shorter than expected leaves zeros (it changed,
/// which [`MappedFile::unchanged`] reports).
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(file, &mut buf[done..], at + done as u64);
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], at + done as u64);
        match n {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
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
