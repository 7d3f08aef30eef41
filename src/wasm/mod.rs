//! The wasm artifact's boundary: one export per entrypoint over the `billing` host imports.
//!
//! Each export takes its positional arguments as a calldata array (`input`), and either hands its
//! result to `return_output` as calldata or ends in `revert` with the calldata map
//! `{code, details, message}`. docs/ABI.md describes it for VM authors.

mod imports;

use alloc::vec::Vec;

use crate::calldata::encode;
use crate::{execute_calldata, instantiate, Address, Event, Host};

/// The call's context is read once; storage and effects go to the host as they happen.
struct WasmHost {
    sender: Address,
    value: u128,
    timestamp: u64,
}

impl WasmHost {
    fn new() -> WasmHost {
        WasmHost {
            sender: Address(imports::caller()),
            value: imports::value(),
            timestamp: imports::timestamp(),
        }
    }
}

impl Host for WasmHost {
    fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        imports::read(key)
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) {
        imports::write(key, value)
    }

    fn storage_remove(&mut self, key: &[u8]) {
        imports::remove(key)
    }

    fn block_timestamp(&self) -> u64 {
        self.timestamp
    }

    fn sender(&self) -> Address {
        self.sender
    }

    fn attached_value(&self) -> u128 {
        self.value
    }

    fn send_value(&mut self, to: &Address, amount: u128) {
        imports::send(&to.0, amount)
    }

    fn emit_event(&mut self, event: Event) {
        imports::event(&crate::calldata::encode_event(&event))
    }
}

fn run(method: &str) {
    let mut host = WasmHost::new();
    match execute_calldata(&mut host, method, &imports::input()) {
        Ok(value) => imports::output(&encode(&value)),
        Err(error) => imports::abort(&encode(&error.to_value())),
    }
}

/// `{code: "panic", details: {}, message: "contract panicked"}`, encoded ahead so a panic needs no heap.
pub(crate) const PANIC_REVERT: &[u8] =
    b"\x1e\x04code\x2cpanic\x07details\x06\x07message\x8c\x01contract panicked";

pub(crate) fn abort_on_panic() -> ! {
    imports::abort(PANIC_REVERT)
}

/// The deploy call: marks fresh state with its layout version.
#[no_mangle]
pub extern "C" fn init() {
    let mut host = WasmHost::new();
    match instantiate(&mut host) {
        Ok(()) => imports::output(&encode(&crate::Value::Null)),
        Err(error) => imports::abort(&encode(&error.to_value())),
    }
}

macro_rules! entrypoints {
    ($($method:ident)*) => {$(
        #[no_mangle]
        pub extern "C" fn $method() {
            run(stringify!($method))
        }
    )*};
}

entrypoints! {
    register_api subscribe top_up_credit consume_credit get_usage_report consumer_integration_example
    unsubscribe approve_delegate revoke_delegate set_api_active withdraw_credit withdraw_earnings
    get_api_report get_usage_history consume_credits transfer_api accept_api get_schema
}
