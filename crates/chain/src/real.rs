//! The GenVM flavor on GenLayer's real executor: one `genvm run` per call through
//! crates/genvm-executor, reading the state's slots (slot id = storage key, as the wasmi GenVM host
//! keeps them) and applying what it did with the chain's transaction semantics.
//!
//! What a run does to the state is `genvm_executor::chain::apply_ending`, the same for the mock
//! chain's transaction and this store's.

use api_usage_billing::testing::{Outcome, Refusal, CONTRACT};
use api_usage_billing::{Host as _, Value};
use billing_vm::billing::VmHost;
use genvm_executor::chain::{apply_ending, runs_read_only};
use genvm_executor::{CallSpec, DriverError, Genvm, SlotStore};

use crate::{ChainError, StoreTx};

impl SlotStore for StoreTx {
    fn read(&self, slot: &[u8; 32]) -> Option<Vec<u8>> {
        self.storage_peek(slot)
    }
}

/// Runs `method` (none: the deploy call) on the executor over `host`. The real executor meters no
/// wasmi fuel: the figure is 0. An executor that cannot be run at all breaks the command (not the
/// call: nothing about it is the caller's doing).
pub(crate) fn run(
    genvm: &Genvm,
    mut host: StoreTx,
    method: Option<&str>,
    args: &[Value],
) -> (StoreTx, Outcome, u64) {
    let spec = CallSpec {
        contract: CONTRACT,
        sender: host.sender(),
        origin: host.sender(),
        value: host.attached_value(),
        timestamp: host.block_timestamp(),
        method: method.map(str::to_string),
        args: args.to_vec(),
        readonly: runs_read_only(method),
        // As a node counts it: the contract's balance with the attached value.
        balances: [(CONTRACT, host.spendable())].into_iter().collect(),
    };
    let outcome = match genvm.run(&spec, &host) {
        Ok(run) => apply_ending(&mut host, &run),
        Err(DriverError::Inexpressible(why)) => Err(Refusal::host(why.code(), &format!("[EXPECTED] {why}"))),
        Err(error) => {
            let message = error.to_string();
            host.broke(ChainError::Executor(message.clone()));
            Err(Refusal::host("vm_host_error", &message))
        }
    };
    (host, outcome, 0)
}
