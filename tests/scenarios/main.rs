//! The scenarios a user would run, on the contract compiled natively. The sandbox crate runs these
//! same files against the compiled `.wasm` (sandbox/tests/wasm_scenarios.rs).

mod common {
    #![allow(dead_code)]
    include!("common.rs");

    pub fn new_chain() -> MockChain {
        MockChain::new()
    }
}

mod authority;
mod billing;
mod credit;
mod edges;
mod operators;
mod refusals;
mod report;
