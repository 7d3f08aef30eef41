//! The contract's scenario suite (tests/scenarios/) run on the compiled `.wasm` in wasmi, with every
//! call also run natively and required to match: result, events, transfers, storage writes and
//! storage operation counts.

mod common {
    #![allow(dead_code)]
    include!("../../tests/scenarios/common.rs");

    pub fn new_chain() -> MockChain {
        billing_sandbox::executor::wasm_chain(&billing_sandbox::built_wasm(), true).expect("artifact loads")
    }
}

#[path = "../../tests/scenarios/authority.rs"]
mod authority;
#[path = "../../tests/scenarios/billing.rs"]
mod billing;
#[path = "../../tests/scenarios/credit.rs"]
mod credit;
#[path = "../../tests/scenarios/edges.rs"]
mod edges;
#[path = "../../tests/scenarios/operators.rs"]
mod operators;
#[path = "../../tests/scenarios/refusals.rs"]
mod refusals;
#[path = "../../tests/scenarios/report.rs"]
mod report;
