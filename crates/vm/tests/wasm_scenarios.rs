//! The contract's scenario suite (tests/scenarios/) run on the compiled `.wasm` in wasmi, with every
//! call also run natively and required to match: result, events, transfers, storage writes and
//! storage operation counts.

mod common {
    #![allow(dead_code)]
    include!("../../../tests/scenarios/common.rs");

    pub fn new_chain() -> MockChain {
        billing_vm::executor::wasm_chain(
            &billing_artifact::billing_wasm().expect("the billing artifact builds"),
            true,
        )
        .expect("artifact loads")
    }

    /// The random histories run differentially here: every call on the .wasm and natively, compared.
    /// The latest block time the host can express.
    /// The most value a call can carry: GenVM's message value is a u64.
    pub const MAX_ATTACHED_VALUE: u128 = u128::MAX;

    pub const MAX_BLOCK_TIME: u64 = u64::MAX;

    pub const HISTORY_CASES: u32 = 64;
    pub const HISTORY_STEPS: usize = 200;
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
