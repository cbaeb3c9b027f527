//! Keeping a query under its memory limit. DataFusion's memory pool counts what operators
//! reserve, but not everything they allocate (merge buffers, output batches), so a pool of
//! N bytes alone can let the process grow well past N. Here the binary counts every live
//! heap byte ([`CountingAllocator`], installed in `main.rs`), and [`HeapAwarePool`] refuses
//! a reservation when the real heap is already near the limit: the query then fails with
//! DataFusion's "resources exhausted" error instead of the process growing without bound.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::common::{resources_datafusion_err, Result};
use datafusion::execution::memory_pool::{
    MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation,
};

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes. One relaxed atomic per (de)allocation.
pub struct CountingAllocator;

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                LIVE_BYTES.fetch_add(new_size - layout.size(), Ordering::Relaxed);
            } else {
                LIVE_BYTES.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
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

/// Live heap bytes, when the counting allocator is installed.
pub fn live_heap_bytes() -> Option<usize> {
    (COUNTING.load(Ordering::Relaxed) == 1).then(|| LIVE_BYTES.load(Ordering::Relaxed))
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
