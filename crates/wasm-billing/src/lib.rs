//! The billing-ABI artifact: one export per entrypoint over the `billing` host imports.
//!
//! Each export takes its positional arguments as a calldata array (`input`), and either hands its
//! result to `return_output` as calldata or ends in `revert` with the calldata map
//! `{code, details, message}`. docs/ABI.md describes it for VM authors. Natively this crate is empty:
//! it exists to be built for `wasm32v1-none` (crates/artifact does).
#![cfg_attr(target_family = "wasm", no_std)]

#[cfg(target_family = "wasm")]
extern crate alloc;

#[cfg(target_family = "wasm")]
mod imports;

#[cfg(target_family = "wasm")]
mod exports {
    use alloc::vec::Vec;

    use api_usage_billing::calldata::{encode, encode_event};
    use api_usage_billing::{
        execute_calldata, instantiate, Address, CallBilled, Event, Host, JsonText, Receipt, Value,
        PANIC_REVERT,
    };

    use crate::imports;

    #[global_allocator]
    static ALLOCATOR: billing_wasm_runtime::BumpAllocator = billing_wasm_runtime::BumpAllocator::new();

    /// A panic is a bug, never an answer to input; it still ends the call as a revert, not a trap.
    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo) -> ! {
        imports::abort(PANIC_REVERT)
    }

    /// The call's context is read once; storage and effects go to the host as they happen.
    struct WasmHost {
        sender: Address,
        value: u128,
        timestamp: u64,
        /// A bill's receipt, already encoded: the call's output in place of the `Value` it answers.
        receipt: Option<Vec<u8>>,
        /// A report's JSON: the call's output, as a string, in place of the `Value` it answers.
        json: Option<JsonText>,
    }

    impl WasmHost {
        fn new() -> WasmHost {
            WasmHost {
                sender: Address(imports::caller()),
                value: imports::value(),
                timestamp: imports::timestamp(),
                receipt: None,
                json: None,
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
            imports::event(&encode_event(&event))
        }

        fn emit_call_billed(&mut self, event: CallBilled) {
            imports::event(&event.encode())
        }

        fn answer_receipt(&mut self, receipt: Receipt) -> Value {
            self.receipt = Some(receipt.encode());
            Value::Null
        }

        fn answer_json(&mut self, json: JsonText) -> Value {
            self.json = Some(json);
            Value::Null
        }
    }

    pub(crate) fn run(method: &str) {
        let mut host = WasmHost::new();
        match execute_calldata(&mut host, method, &imports::input()) {
            Ok(value) => match (host.receipt.take(), host.json.take()) {
                (Some(receipt), _) => imports::output(&receipt),
                (None, Some(mut json)) => imports::output(json.calldata_after(&[])),
                (None, None) => imports::output(&encode(&value)),
            },
            Err(error) => imports::abort(&encode(&error.to_value())),
        }
    }

    /// The deploy call: marks fresh state with its layout version.
    #[no_mangle]
    pub extern "C" fn init() {
        let mut host = WasmHost::new();
        match instantiate(&mut host) {
            Ok(()) => imports::output(&encode(&Value::Null)),
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

    api_usage_billing::for_each_method!(entrypoints);
}
