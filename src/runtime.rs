//! What `wasm32v1-none` lacks and a contract needs: a global allocator and a panic handler.
//!
//! A contract instance lives for one call, so a bump allocator that never frees is enough and is the
//! smallest: memory grows by whole pages as the call needs it and is dropped with the instance.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;

const PAGE: usize = 65_536;

struct BumpAllocator {
    next: Cell<usize>,
    end: Cell<usize>,
}

// SAFETY: a wasm32v1-none contract instance has a single thread; nothing shares the allocator.
unsafe impl Sync for BumpAllocator {}

#[global_allocator]
static ALLOCATOR: BumpAllocator = BumpAllocator { next: Cell::new(0), end: Cell::new(0) };

fn align_up(at: usize, align: usize) -> Option<usize> {
    at.checked_add(align - 1).map(|n| n & !(align - 1))
}

// SAFETY: `alloc` returns null or a block of `layout.size()` bytes at `layout.align()` inside pages it
// grew for the heap; blocks never overlap because `next` only moves forward.
unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        let Some(mut start) = align_up(self.next.get(), align) else {
            return core::ptr::null_mut();
        };
        let Some(mut end) = start.checked_add(size) else {
            return core::ptr::null_mut();
        };
        if self.end.get() == 0 || end > self.end.get() {
            // Enough pages for the block at any alignment, contiguous with the heap or not.
            let pages = size.saturating_add(align).div_ceil(PAGE);
            let previous = core::arch::wasm32::memory_grow::<0>(pages);
            if previous == usize::MAX {
                return core::ptr::null_mut();
            }
            let base = previous * PAGE;
            if base != self.end.get() {
                // The first heap pages, or memory grown by someone else: start on the new pages.
                start = base.next_multiple_of(align);
                end = start + size;
            }
            self.end.set(base + pages * PAGE);
        }
        self.next.set(end);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

/// A panic is a bug, never an answer to input; it still ends the call as a revert, not a trap.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    #[cfg(not(feature = "genvm"))]
    crate::wasm::abort_on_panic();
    #[cfg(feature = "genvm")]
    crate::genvm::abort_on_panic();
}
