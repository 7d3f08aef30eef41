//! An example consumer contract on the billing ABI: `fetch(path)` bills the end user one call of a
//! paid API through the billing contract, and only when the bill passes fetches `base_url + path`.
//!
//! The end user (the transaction's sender, `origin`) must have subscribed to the API and approved
//! this contract's address as a delegate (`approve_delegate`): the billing contract sees this
//! contract as the caller of `consume_credit`. The logic is in [`contract`], over a [`contract::World`];
//! in wasm the `billing` imports are that world (docs/ABI.md). Natively only the logic and its tests
//! are built.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod contract;

#[cfg(target_family = "wasm")]
mod imports;

#[cfg(target_family = "wasm")]
mod exports {
    use api_usage_billing::PANIC_REVERT;

    use crate::contract::run;
    use crate::imports::{abort, output, Imports};

    #[global_allocator]
    static ALLOCATOR: billing_wasm_runtime::BumpAllocator = billing_wasm_runtime::BumpAllocator::new();

    /// A panic is a bug, never an answer to input; it still ends the call as a revert, not a trap.
    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo) -> ! {
        abort(PANIC_REVERT)
    }

    fn export(method: &str) {
        match run(&mut Imports, method) {
            Ok(encoded) => output(&encoded),
            Err(encoded) => abort(&encoded),
        }
    }

    macro_rules! exports {
        ($($method:ident)*) => {$(
            #[no_mangle]
            pub extern "C" fn $method() {
                export(stringify!($method))
            }
        )*};
    }

    exports!(init fetch get_config get_schema);
}
