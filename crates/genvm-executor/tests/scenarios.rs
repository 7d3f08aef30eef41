//! The contract's scenario suite (tests/scenarios/), its adversarial catalog and its random histories
//! run on GenLayer's real GenVM executor through this crate's driver, every call also run natively and
//! required to give the same result (or refusal code, message and details), events and transfers.
//! Without the executor the suite runs natively after one skip line (a failure under
//! `BILLING_REQUIRE_ALL=1`).

mod support;

mod common {
    #![allow(dead_code)]
    include!("../../../tests/scenarios/common.rs");

    pub fn new_chain() -> MockChain {
        match crate::support::executor_once() {
            Some(executor) => {
                genvm_executor::chain::real_genvm_chain(&executor, crate::support::contract_zip())
                    .expect("the driver starts")
            }
            None => MockChain::new(),
        }
    }

    /// The largest value GenVM's message carries (a u64).
    pub const MAX_ATTACHED_VALUE: u128 = u64::MAX as u128;

    /// The latest block time GenVM's RFC 3339 datetime can express.
    pub const MAX_BLOCK_TIME: u64 = 253_402_300_799;

    /// ~26 ms a call on the executor: 20 histories of 150 calls take about a minute and a half.
    pub const HISTORY_CASES: u32 = 20;
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
