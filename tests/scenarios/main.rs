//! The scenarios a user would run, on the contract compiled natively. The sandbox crate runs these
//! same files against the compiled `.wasm` (sandbox/tests/wasm_scenarios.rs).

mod common {
    #![allow(dead_code)]
    include!("common.rs");

    pub fn new_chain() -> MockChain {
        MockChain::new()
    }

    /// Random histories (tests/scenarios/properties.rs): 256 x 400 = 102,400 steps by default;
    /// BILLING_PROPTEST_CASES and BILLING_PROPTEST_STEPS run more.
    /// The latest block time the host can express.
    /// The most value a call can carry: GenVM's message value is a u64.
    pub const MAX_ATTACHED_VALUE: u128 = u128::MAX;

    pub const MAX_BLOCK_TIME: u64 = u64::MAX;

    pub const HISTORY_CASES: u32 = 256;
    pub const HISTORY_STEPS: usize = 400;
}

mod adversarial;
mod authority;
mod billing;
mod credit;
mod edges;
mod operators;
mod preview;
mod properties;
mod refusals;
mod report;
