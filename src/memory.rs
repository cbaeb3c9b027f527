//! Keeping a query under its memory limit. DataFusion's memory pool counts what operators
//! reserve, but not everything they allocate (merge buffers, output batches), so a pool of
//! N bytes alone can let the process grow well past N. Here the binary counts every live
//! heap byte ([`CountingAllocator`], installed in `main.rs`), and [`HeapAwarePool`] refuses
//! a reservation when the real heap is already near the limit: the query then fails with
//! DataFusion's "resources exhausted" error instead of the process growing without bound.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

use datafusion::common::{resources_datafusion_err, Result};
use datafusion::execution::memory_pool::{
    MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation,
};

static COUNTING: AtomicUsize = AtomicUsize::new(0);

/// Live bytes, in shards: each thread adds to its own, so threads that allocate at once do
/// not fight over one cache line (with a single counter, 2–6 % of the ingest's CPU samples
/// fell on it; a 10M ingest took 2–5 % longer). A shard may go negative (memory freed by
/// another thread than the one that allocated it); only the sum means anything.
const SHARDS: usize = 16;

/// One counter per cache line pair (adjacent-line prefetch pulls lines in twos).
#[repr(align(128))]
struct Shard(AtomicIsize);

static LIVE_BYTES: [Shard; SHARDS] = [const { Shard(AtomicIsize::new(0)) }; SHARDS];
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's shard, `usize::MAX` until its first allocation. A `const` cell
    /// without `Drop` lives in the target's native thread-local storage (Linux, macOS,
    /// Windows): reading it never allocates — an allocator that did would call itself —
    /// and stays valid while the thread exits.
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

fn shard() -> &'static AtomicIsize {
    let i = SHARD.with(|s| {
        let mut i = s.get();
        if i == usize::MAX {
            i = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
            s.set(i);
        }
        i
    });
    &LIVE_BYTES[i].0
}

fn count(delta: isize) {
    shard().fetch_add(delta, Ordering::Relaxed);
}

/// The system allocator, counting live bytes. One uncontended relaxed atomic per
/// (de)allocation.
pub struct CountingAllocator;

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

impl CountingAllocator {
    /// Marks the counter as meaningful (call once from `main` of a binary that installs it).
    pub fn activate() {
        COUNTING.store(1, Ordering::Relaxed);
    }
}

/// Live heap bytes, when the counting allocator is installed. The shards are read one by
/// one, so while other threads allocate the sum is off by what they do meanwhile.
pub fn live_heap_bytes() -> Option<usize> {
    (COUNTING.load(Ordering::Relaxed) == 1).then(|| counted_bytes().max(0) as usize)
}

fn counted_bytes() -> isize {
    LIVE_BYTES.iter().map(|s| s.0.load(Ordering::Relaxed)).sum()
}

/// A pool that grants a reservation only while both the pool's own count and the real
/// heap (when counted) stay under their limits.
///
/// Except a repartition's: it reserves for batches it already holds, and counts every
/// text-view buffer a batch points into — after a join, the whole build side's, for each
/// small batch (DataFusion 55; apache/datafusion#20491). On a 10M lake the SQL door saw
/// single requests of 100–307 MB while the whole heap was 220 MB, was refused, tried to
/// spill (the door has no disk) and failed. Those reservations are held against the real
/// heap alone (when it is counted), which the batches are already part of.
#[derive(Debug)]
pub struct HeapAwarePool<P: MemoryPool> {
    inner: P,
    heap_limit: usize,
    /// The live heap's size ([`live_heap_bytes`]; another reading in tests).
    heap: fn() -> Option<usize>,
}

impl<P: MemoryPool> HeapAwarePool<P> {
    pub fn new(inner: P, heap_limit: usize) -> Self {
        HeapAwarePool {
            inner,
            heap_limit,
            heap: live_heap_bytes,
        }
    }

    /// Whether a reservation is held against the live heap only (see above), when the
    /// heap is counted.
    fn held_against_heap(&self, reservation: &MemoryReservation) -> bool {
        (self.heap)().is_some() && reservation.consumer().name().starts_with("RepartitionExec")
    }
}

impl<P: MemoryPool> MemoryPool for HeapAwarePool<P> {
    fn name(&self) -> &str {
        "HeapAwarePool"
    }

    fn register(&self, consumer: &MemoryConsumer) {
        self.inner.register(consumer)
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        self.inner.unregister(consumer)
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        if !self.held_against_heap(reservation) {
            self.inner.grow(reservation, additional)
        }
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        if !self.held_against_heap(reservation) {
            self.inner.shrink(reservation, shrink)
        }
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        if self.held_against_heap(reservation) {
            return match (self.heap)() {
                Some(live) if live > self.heap_limit => Err(resources_datafusion_err!(
                    "Failed to hold more batches in {}: the process already holds {live} bytes of its {} byte limit",
                    reservation.consumer().name(),
                    self.heap_limit
                )),
                _ => Ok(()),
            };
        }
        if let Some(live) = (self.heap)() {
            if live.saturating_add(additional) > self.heap_limit {
                return Err(resources_datafusion_err!(
                    "Failed to allocate additional {additional} bytes for {}: the process already holds {live} bytes of its {} byte limit",
                    reservation.consumer().name(),
                    self.heap_limit
                ));
            }
        }
        self.inner.try_grow(reservation, additional)
    }

    fn reserved(&self) -> usize {
        self.inner.reserved()
    }

    fn memory_limit(&self) -> MemoryLimit {
        self.inner.memory_limit()
    }
}

impl<P: MemoryPool> std::fmt::Display for HeapAwarePool<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HeapAwarePool(heap limit {} bytes, {})",
            self.heap_limit, self.inner
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::execution::memory_pool::GreedyMemoryPool;

    use super::*;

    const MB: usize = 1 << 20;

    /// Threads count on shards of their own; bytes counted by one thread and released by
    /// another still add up. (Test binaries do not install the allocator, so only this
    /// test moves the counters.)
    #[test]
    fn shards_add_up_across_threads() {
        let before = counted_bytes();
        let threads: Vec<_> = (1..=4)
            .map(|i| std::thread::spawn(move || count(1000 * i)))
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(counted_bytes() - before, 10_000);
        count(-10_000);
        assert_eq!(counted_bytes(), before);
    }

    fn heap_of_100_mb() -> Option<usize> {
        Some(100 * MB)
    }

    fn heap_of_700_mb() -> Option<usize> {
        Some(700 * MB)
    }

    fn pool_with(heap: fn() -> Option<usize>) -> Arc<dyn MemoryPool> {
        Arc::new(HeapAwarePool {
            inner: GreedyMemoryPool::new(50 * MB),
            heap_limit: 600 * MB,
            heap,
        })
    }

    /// A repartition's reservation for batches it holds is checked against the real heap,
    /// not the pool's count (which its view batches overstate); every other consumer
    /// stays bounded by both.
    #[test]
    fn repartitions_are_held_against_the_heap_and_others_against_both() {
        let pool = pool_with(heap_of_100_mb);
        let repartition = MemoryConsumer::new("RepartitionExec[0]").register(&pool);
        repartition.try_grow(300 * MB).unwrap();
        assert_eq!(pool.reserved(), 0, "the pool does not count it");
        let join = MemoryConsumer::new("HashJoinInput").register(&pool);
        join.try_grow(40 * MB).unwrap();
        assert!(
            join.try_grow(20 * MB).is_err(),
            "the pool still bounds the others"
        );
        repartition.shrink(300 * MB);
        drop(repartition);
        assert_eq!(pool.reserved(), 40 * MB);

        // With the heap past its limit, a repartition is refused too.
        let pool = pool_with(heap_of_700_mb);
        let repartition = MemoryConsumer::new("RepartitionExec[1]").register(&pool);
        assert!(repartition.try_grow(MB).is_err());
    }
}
