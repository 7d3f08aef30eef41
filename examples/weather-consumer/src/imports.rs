//! The host functions of the `billing` import module this contract uses, and the only `unsafe`
//! calls into them.
//!
//! docs/ABI.md is the contract for every signature here (the last five: "Calls to other contracts
//! and outbound fetches"). Pointers are offsets in the contract's own memory; the host copies in or
//! out during the call and keeps no pointer after it returns.

use alloc::vec::Vec;

use api_usage_billing::Address;

use crate::contract::World;

#[link(wasm_import_module = "billing")]
extern "C" {
    fn input_size() -> u32;
    fn input_read(dst: *mut u8);
    fn storage_read(key: *const u8, key_len: u32, dst: *mut u8, dst_cap: u32) -> i32;
    fn storage_write(key: *const u8, key_len: u32, value: *const u8, value_len: u32);
    fn attached_value(dst: *mut u8);
    fn origin(dst: *mut u8);
    fn sender(dst: *mut u8);
    fn call_contract(
        address: *const u8,
        method: *const u8,
        method_len: u32,
        args: *const u8,
        args_len: u32,
    ) -> i32;
    fn http_get(url: *const u8, url_len: u32) -> i32;
    fn result_size() -> u32;
    fn result_read(dst: *mut u8);
    fn return_output(output: *const u8, output_len: u32);
    fn revert(error: *const u8, error_len: u32) -> !;
}

/// The configuration record is small; one read with this buffer is the common case.
const FIRST_READ: usize = 128;

/// Lengths cross the ABI as u32; the contract never holds 4 GiB.
fn len32(bytes: &[u8]) -> u32 {
    bytes.len() as u32
}

/// The latest `call_contract` / `http_get` result buffer, `Ok` when the host returned 0.
fn result(status: i32) -> Result<Vec<u8>, Vec<u8>> {
    // SAFETY: result_size has no arguments and reads no memory.
    let len = unsafe { result_size() } as usize;
    let mut buf = Vec::with_capacity(len);
    // SAFETY: the host writes exactly `result_size()` bytes into `buf`'s spare capacity; then they
    // are initialised and `set_len` exposes exactly them.
    unsafe {
        result_read(buf.as_mut_ptr());
        buf.set_len(len);
    }
    if status == 0 {
        Ok(buf)
    } else {
        Err(buf)
    }
}

/// The `billing` imports as a [`World`].
pub(crate) struct Imports;

impl World for Imports {
    fn input(&mut self) -> Vec<u8> {
        // SAFETY: input_size has no arguments and reads no memory.
        let len = unsafe { input_size() } as usize;
        let mut buf = Vec::with_capacity(len);
        // SAFETY: the host writes exactly `input_size()` bytes into `buf`'s spare capacity.
        unsafe {
            input_read(buf.as_mut_ptr());
            buf.set_len(len);
        }
        buf
    }

    fn storage_read(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let mut buf = Vec::with_capacity(FIRST_READ);
        // SAFETY: key is valid for key_len bytes; the host writes at most `dst_cap` bytes into buf.
        let len = unsafe { storage_read(key.as_ptr(), len32(key), buf.as_mut_ptr(), FIRST_READ as u32) };
        let len = usize::try_from(len).ok()?;
        if len > FIRST_READ {
            buf.reserve_exact(len);
            // SAFETY: as above, now with room for the whole value.
            unsafe { storage_read(key.as_ptr(), len32(key), buf.as_mut_ptr(), len as u32) };
        }
        // SAFETY: the host initialised the first `len` bytes (the whole value fits the capacity).
        unsafe { buf.set_len(len) };
        Some(buf)
    }

    fn storage_write(&mut self, key: &[u8], value: &[u8]) {
        // SAFETY: both slices are valid for their lengths during the call.
        unsafe { storage_write(key.as_ptr(), len32(key), value.as_ptr(), len32(value)) }
    }

    fn attached_value(&mut self) -> u128 {
        let mut out = [0u8; 16];
        // SAFETY: out is 16 writable bytes, what the host writes.
        unsafe { attached_value(out.as_mut_ptr()) };
        u128::from_le_bytes(out)
    }

    fn origin(&mut self) -> Address {
        let mut out = [0u8; 20];
        // SAFETY: out is 20 writable bytes, what the host writes.
        unsafe { origin(out.as_mut_ptr()) };
        Address(out)
    }

    fn sender(&mut self) -> Address {
        let mut out = [0u8; 20];
        // SAFETY: out is 20 writable bytes, what the host writes.
        unsafe { sender(out.as_mut_ptr()) };
        Address(out)
    }

    fn call_contract(&mut self, to: &Address, method: &str, args: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        // SAFETY: 20 readable address bytes and two slices valid for their lengths during the call.
        let status = unsafe {
            call_contract(
                to.0.as_ptr(),
                method.as_ptr(),
                len32(method.as_bytes()),
                args.as_ptr(),
                len32(args),
            )
        };
        result(status)
    }

    fn http_get(&mut self, url: &str) -> Result<Vec<u8>, Vec<u8>> {
        // SAFETY: valid for its length during the call.
        let status = unsafe { http_get(url.as_ptr(), len32(url.as_bytes())) };
        result(status)
    }
}

pub(crate) fn output(encoded: &[u8]) {
    // SAFETY: valid for its length during the call.
    unsafe { return_output(encoded.as_ptr(), len32(encoded)) }
}

pub(crate) fn abort(encoded: &[u8]) -> ! {
    // SAFETY: valid for its length during the call; the host ends the call and never returns.
    unsafe { revert(encoded.as_ptr(), len32(encoded)) }
}
