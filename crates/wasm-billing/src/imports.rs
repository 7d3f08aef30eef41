//! The host functions of the `billing` import module, and the only `unsafe` calls into them.
//!
//! docs/ABI.md is the contract for every signature here. Pointers are offsets in the contract's own
//! memory; the host copies in or out during the call and keeps no pointer after it returns.

use alloc::vec::Vec;

#[link(wasm_import_module = "billing")]
extern "C" {
    fn input_size() -> u32;
    fn input_read(dst: *mut u8);
    fn storage_read(key: *const u8, key_len: u32, dst: *mut u8, dst_cap: u32) -> i32;
    fn storage_write(key: *const u8, key_len: u32, value: *const u8, value_len: u32);
    fn storage_remove(key: *const u8, key_len: u32);
    fn block_timestamp() -> u64;
    fn sender(dst: *mut u8);
    fn attached_value(dst: *mut u8);
    fn send_value(to: *const u8, amount: *const u8);
    fn emit_event(event: *const u8, event_len: u32);
    fn return_output(output: *const u8, output_len: u32);
    fn revert(error: *const u8, error_len: u32) -> !;
}

/// Records are small; one read with this buffer is the common case.
const FIRST_READ: usize = 256;

/// Lengths cross the ABI as u32; the contract never holds 4 GiB.
fn len32(bytes: &[u8]) -> u32 {
    bytes.len() as u32
}

pub(crate) fn input() -> Vec<u8> {
    // SAFETY: input_size has no arguments and reads no memory.
    let len = unsafe { input_size() } as usize;
    let mut buf = Vec::with_capacity(len);
    // SAFETY: the host writes exactly `input_size()` bytes into `buf`'s spare capacity, then they are
    // initialised and `set_len` exposes exactly them.
    unsafe {
        input_read(buf.as_mut_ptr());
        buf.set_len(len);
    }
    buf
}

pub(crate) fn read(key: &[u8]) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(FIRST_READ);
    // SAFETY: key is valid for key_len bytes; the host writes at most `dst_cap` bytes into buf's capacity.
    let len = unsafe { storage_read(key.as_ptr(), len32(key), buf.as_mut_ptr(), FIRST_READ as u32) };
    let len = usize::try_from(len).ok()?;
    if len > FIRST_READ {
        buf.reserve_exact(len);
        // SAFETY: as above, now with room for the whole value.
        unsafe { storage_read(key.as_ptr(), len32(key), buf.as_mut_ptr(), len as u32) };
    }
    // SAFETY: the host initialised the first `len` bytes (the whole value fits the capacity now).
    unsafe { buf.set_len(len) };
    Some(buf)
}

pub(crate) fn write(key: &[u8], value: &[u8]) {
    // SAFETY: both slices are valid for their lengths during the call.
    unsafe { storage_write(key.as_ptr(), len32(key), value.as_ptr(), len32(value)) }
}

pub(crate) fn remove(key: &[u8]) {
    // SAFETY: key is valid for its length during the call.
    unsafe { storage_remove(key.as_ptr(), len32(key)) }
}

pub(crate) fn timestamp() -> u64 {
    // SAFETY: no arguments, no memory.
    unsafe { block_timestamp() }
}

pub(crate) fn caller() -> [u8; 20] {
    let mut out = [0u8; 20];
    // SAFETY: out is 20 writable bytes, what the host writes.
    unsafe { sender(out.as_mut_ptr()) };
    out
}

pub(crate) fn value() -> u128 {
    let mut out = [0u8; 16];
    // SAFETY: out is 16 writable bytes, what the host writes.
    unsafe { attached_value(out.as_mut_ptr()) };
    u128::from_le_bytes(out)
}

pub(crate) fn send(to: &[u8; 20], amount: u128) {
    let amount = amount.to_le_bytes();
    // SAFETY: 20 and 16 readable bytes, as the host reads.
    unsafe { send_value(to.as_ptr(), amount.as_ptr()) }
}

pub(crate) fn event(encoded: &[u8]) {
    // SAFETY: valid for its length during the call.
    unsafe { emit_event(encoded.as_ptr(), len32(encoded)) }
}

pub(crate) fn output(encoded: &[u8]) {
    // SAFETY: valid for its length during the call.
    unsafe { return_output(encoded.as_ptr(), len32(encoded)) }
}

pub(crate) fn abort(encoded: &[u8]) -> ! {
    // SAFETY: valid for its length during the call; the host ends the call and never returns.
    unsafe { revert(encoded.as_ptr(), len32(encoded)) }
}
