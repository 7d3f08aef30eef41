//! The contract on GenLayer's VM, independent of wasm: the message, slots and requests (tested
//! natively). `_start` over GenVM's imports lives in crates/wasm-genvm.

pub mod protocol;
