//! Surviving a mapped input file that shrinks while it is read.
//!
//! Reading a mapped page that lies past the end of a file (because the file was truncated
//! after it was mapped) raises SIGBUS, which kills the process with no message. Every map
//! of an input file is registered here; the SIGBUS handler looks the faulting address up,
//! maps a page of zeros over it (so the read goes on) and marks that file as changed.
//! Ingestion then refuses the file with a clear error instead of committing what it read.
//! A fault at an address that is not registered goes to the handler that was installed
//! before (Rust's own stack-overflow handler) or to the default action, as if this module
//! did not exist.
//!
//! Only Linux installs the handler; elsewhere [`Slot::claim`] returns `None` and windows
//! are read into memory instead of mapped.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// A free slot of the registry, claimed for one map of the file whose change flag it holds.
pub struct Slot {
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    index: usize,
    flag: Arc<AtomicBool>,
}

/// A registered map; unregistered when dropped (before the map itself goes).
pub struct Registration {
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    index: usize,
    /// Keeps the flag alive while the handler may write to it.
    _flag: Arc<AtomicBool>,
}

#[cfg(target_os = "linux")]
mod imp {
    use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
    use std::sync::{Arc, OnceLock};

    use super::Slot;

    /// Maps registered at once; more than the reading threads ever hold.
    const SLOTS: usize = 128;

    struct Entry {
        start: AtomicUsize,
        len: AtomicUsize,
        /// `*const AtomicBool` of the file, 0 when the slot is free.
        flag: AtomicUsize,
    }

    #[allow(clippy::declare_interior_mutable_const)]
    const FREE: Entry = Entry {
        start: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        flag: AtomicUsize::new(0),
    };

    static TABLE: [Entry; SLOTS] = [FREE; SLOTS];
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    /// The SIGBUS action that was installed before ours.
    static PREVIOUS: AtomicPtr<libc::sigaction> = AtomicPtr::new(std::ptr::null_mut());
    static INSTALLED: OnceLock<bool> = OnceLock::new();

    fn install() -> bool {
        *INSTALLED.get_or_init(|| {
            // SAFETY: sysconf and sigaction with valid arguments; the old action is leaked
            // on purpose (the handler reads it for the life of the process).
            unsafe {
                let page = libc::sysconf(libc::_SC_PAGESIZE);
                if page <= 0 {
                    return false;
                }
                PAGE.store(page as usize, Ordering::Relaxed);
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = on_bus as *const () as usize;
                new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut new.sa_mask);
                let old = Box::into_raw(Box::new(std::mem::zeroed::<libc::sigaction>()));
                if libc::sigaction(libc::SIGBUS, &new, old) != 0 {
                    drop(Box::from_raw(old));
                    return false;
                }
                PREVIOUS.store(old, Ordering::Release);
                true
            }
        })
    }

    extern "C" fn on_bus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
        let addr = unsafe { (*info).si_addr() } as usize;
        for e in &TABLE {
            let start = e.start.load(Ordering::Acquire);
            if start == 0 || addr < start || addr - start >= e.len.load(Ordering::Acquire) {
                continue;
            }
            let page = PAGE.load(Ordering::Relaxed);
            let at = addr & !(page - 1);
            // SAFETY: the page belongs to a registered read-only map that the faulting
            // thread is reading (it cannot be unmapped meanwhile); a private anonymous
            // page of zeros replaces it. mmap is a plain system call.
            let r = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if r != libc::MAP_FAILED {
                let flag = e.flag.load(Ordering::Acquire) as *const AtomicBool;
                if !flag.is_null() {
                    // SAFETY: the registration keeps the flag alive.
                    unsafe { (*flag).store(true, Ordering::Release) };
                }
                return;
            }
            break;
        }
        // Not one of ours: what would have happened without this handler.
        let previous = PREVIOUS.load(Ordering::Acquire);
        // SAFETY: `previous` was filled by sigaction and is never freed.
        unsafe {
            if !previous.is_null() {
                let p = &*previous;
                let handler = p.sa_sigaction;
                if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
                    if p.sa_flags & libc::SA_SIGINFO != 0 {
                        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                            std::mem::transmute(handler);
                        f(sig, info, ctx);
                    } else {
                        let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
                        f(sig);
                    }
                    return;
                }
            }
            // Returning re-runs the faulting access, now with the default action.
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }

    pub(super) fn claim(flag: &Arc<AtomicBool>) -> Option<Slot> {
        if !install() {
            return None;
        }
        let ptr = Arc::as_ptr(flag) as usize;
        TABLE.iter().enumerate().find_map(|(index, e)| {
            e.flag
                .compare_exchange(0, ptr, Ordering::AcqRel, Ordering::Relaxed)
                .ok()
                .map(|_| Slot {
                    index,
                    flag: flag.clone(),
                })
        })
    }

    pub(super) fn register(slot: &Slot, start: usize, len: usize) {
        let e = &TABLE[slot.index];
        e.len.store(len, Ordering::Release);
        e.start.store(start, Ordering::Release);
    }

    pub(super) fn free(index: usize) {
        let e = &TABLE[index];
        e.start.store(0, Ordering::Release);
        e.len.store(0, Ordering::Release);
        e.flag.store(0, Ordering::Release);
    }
}

impl Slot {
    /// A slot for a map of the file whose change flag is `flag`; `None` when maps cannot
    /// be protected (not Linux, or every slot taken): read instead of mapping.
    pub fn claim(flag: &Arc<AtomicBool>) -> Option<Slot> {
        #[cfg(target_os = "linux")]
        return imp::claim(flag);
        #[cfg(not(target_os = "linux"))]
        {
            let _ = flag;
            None
        }
    }

    /// Registers the map at `start..start + len`.
    pub fn register(self, start: usize, len: usize) -> Registration {
        #[cfg(target_os = "linux")]
        imp::register(&self, start, len);
        let _ = (start, len);
        let me = std::mem::ManuallyDrop::new(self);
        Registration {
            index: me.index,
            // SAFETY: read out of a value that is never dropped.
            _flag: unsafe { std::ptr::read(&me.flag) },
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        imp::free(self.index);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        imp::free(self.index);
    }
}

#[cfg(test)]
mod tests {
    use super::super::MappedFile;

    /// A file cut short under a mapped window reads as zeros and reports the change,
    /// instead of killing the process with a bus error.
    #[test]
    fn a_file_truncated_under_a_map_is_a_change_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, vec![b'x'; 1 << 20]).unwrap();
        let file = MappedFile::open(&path).unwrap();
        assert!(file.unchanged().unwrap());
        let window = file.window(0, 1 << 20).unwrap();
        assert_eq!(window.bytes()[500_000], b'x');
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let sum: u64 = window.bytes().iter().map(|&b| b as u64).sum();
        assert!(sum < (1 << 20) * b'x' as u64);
        assert!(!file.unchanged().unwrap());
        drop(window);
        // Hashing the shrunk file maps past its end again: still no crash.
        let _ = file.content_hash().unwrap();
    }
}
