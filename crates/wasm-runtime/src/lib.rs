//! The allocator of both contract artifacts: a contract instance lives for one call, so a bump
//! allocator that never frees is enough and is the smallest.
//!
//! Memory grows by whole pages as the call needs it and is dropped with the instance. Each artifact
//! registers it (`#[global_allocator] static A: BumpAllocator = BumpAllocator::new();`) beside its own
//! panic handler, which must end the call the way its interface ends a refusal.
#![no_std]
// The memory functions below must not be compiled into calls to themselves.
#![no_builtins]

#[cfg(target_family = "wasm")]
mod mem;

#[cfg(target_family = "wasm")]
mod bump {
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::Cell;

    const PAGE: usize = 65_536;

    pub struct BumpAllocator {
        next: Cell<usize>,
        end: Cell<usize>,
    }

    impl BumpAllocator {
        pub const fn new() -> BumpAllocator {
            BumpAllocator { next: Cell::new(0), end: Cell::new(0) }
        }
    }

    impl Default for BumpAllocator {
        fn default() -> Self {
            BumpAllocator::new()
        }
    }

    // SAFETY: a wasm32v1-none contract instance has a single thread; nothing shares the allocator.
    unsafe impl Sync for BumpAllocator {}

    fn align_up(at: usize, align: usize) -> Option<usize> {
        at.checked_add(align - 1).map(|n| n & !(align - 1))
    }

    // SAFETY: `alloc` returns null or a block of `layout.size()` bytes at `layout.align()` inside pages
    // it grew for the heap; blocks never overlap because `next` only moves forward.
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

        /// No zeroing pass: a block is always memory never handed out before (`next` only moves
        /// forward, nothing is freed), and `memory.grow` gives zeroed pages. A report writes into
        /// zeroed room of about 165 KB; clearing it again would cost about two fuel a byte.
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as `alloc`; its blocks are already zero (above).
            unsafe { self.alloc(layout) }
        }

        unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
    }
}

#[cfg(target_family = "wasm")]
pub use bump::BumpAllocator;
