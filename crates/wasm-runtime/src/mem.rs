//! `memcpy`, `memmove`, `memset` and `memcmp` for the artifacts, in place of compiler-builtins' (weak)
//! ones. wasmi charges a function's straight-line code whenever it is entered: the builtins' aligned
//! and unaligned cases cost about 200 fuel before a byte moves, and the contract calls them for
//! almost every small copy. These do eight bytes at a time with unaligned loads (which wasm allows)
//! and the tail bytewise, and cost a few fuel to enter.

use core::ptr::{read_unaligned, write_unaligned};

/// # Safety
/// As C's `memcpy`: `dst` and `src` valid for `n` bytes and not overlapping.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let mut i = 0;
    while n - i >= 8 {
        // SAFETY: `i + 8 <= n`, within both regions.
        unsafe { write_unaligned(dst.add(i) as *mut u64, read_unaligned(src.add(i) as *const u64)) };
        i += 8;
    }
    while i < n {
        // SAFETY: `i < n`, within both regions.
        unsafe { *dst.add(i) = *src.add(i) };
        i += 1;
    }
    dst
}

/// # Safety
/// As C's `memmove`: `dst` and `src` valid for `n` bytes; they may overlap.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) || (dst as usize) >= (src as usize).wrapping_add(n) {
        // Forwards: each word is read before the write that could reach it.
        // SAFETY: the caller's guarantee; a forward copy is right when `dst` is below `src` or past it.
        return unsafe { memcpy(dst, src, n) };
    }
    // Backwards, from the end: `dst` lies above `src` inside it.
    let mut left = n;
    while left >= 8 {
        left -= 8;
        // SAFETY: `left + 8 <= n`, within both regions.
        unsafe { write_unaligned(dst.add(left) as *mut u64, read_unaligned(src.add(left) as *const u64)) };
    }
    while left > 0 {
        left -= 1;
        // SAFETY: `left < n`.
        unsafe { *dst.add(left) = *src.add(left) };
    }
    dst
}

/// # Safety
/// As C's `memset`: `dst` valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, byte: i32, n: usize) -> *mut u8 {
    let byte = byte as u8;
    let word = u64::from_ne_bytes([byte; 8]);
    let mut i = 0;
    while n - i >= 8 {
        // SAFETY: `i + 8 <= n`.
        unsafe { write_unaligned(dst.add(i) as *mut u64, word) };
        i += 8;
    }
    while i < n {
        // SAFETY: `i < n`.
        unsafe { *dst.add(i) = byte };
        i += 1;
    }
    dst
}

/// # Safety
/// As C's `memcmp`: `a` and `b` valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, within both regions.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// # Safety
/// As `memcmp`; only equality matters.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller's guarantee.
    unsafe { memcmp(a, b, n) }
}
