//! The contract's scenario suite (tests/scenarios/) run on the GenVM flavor of the artifact through
//! `_start` and GenVM's host interface, every call also run natively and required to give the same
//! result (or refusal code, message and details), events and transfers.

mod common {
    #![allow(dead_code)]
    include!("../../../tests/scenarios/common.rs");

    pub fn new_chain() -> MockChain {
        billing_vm::executor::genvm_chain(&billing_artifact::genvm_wasm().expect("the GenVM artifact builds"))
            .expect("artifact loads")
    }

    /// The latest block time the host can express.
    /// The most value a call can carry: GenVM's message value is a u64.
    pub const MAX_ATTACHED_VALUE: u128 = u64::MAX as u128;

    pub const MAX_BLOCK_TIME: u64 = 253_402_300_799;

    pub const HISTORY_CASES: u32 = 32;
    pub const HISTORY_STEPS: usize = 150;
}

#[path = "../../../tests/scenarios/adversarial.rs"]
mod adversarial;
#[path = "../../../tests/scenarios/authority.rs"]
mod authority;
#[path = "../../../tests/scenarios/billing.rs"]
mod billing;
#[path = "../../../tests/scenarios/credit.rs"]
mod credit;
#[path = "../../../tests/scenarios/edges.rs"]
mod edges;
#[path = "../../../tests/scenarios/operators.rs"]
mod operators;
#[path = "../../../tests/scenarios/preview.rs"]
mod preview;
#[path = "../../../tests/scenarios/properties.rs"]
mod properties;
#[path = "../../../tests/scenarios/refusals.rs"]
mod refusals;
#[path = "../../../tests/scenarios/report.rs"]
mod report;
