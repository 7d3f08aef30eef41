//! The contract on GenLayer's VM: the protocol (always compiled, tested natively) and, in the
//! `genvm` wasm build, `_start` over the genlayer_sdk and WASI imports.

pub mod protocol;
#[cfg(all(target_family = "wasm", feature = "genvm"))]
mod start;
#[cfg(all(target_family = "wasm", feature = "genvm"))]
pub(crate) use start::abort_on_panic;
