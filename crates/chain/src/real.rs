//! The GenVM flavor on GenLayer's real executor: one `genvm run` per call through
//! crates/genvm-executor, reading the state's slots (slot id = storage key, as the wasmi GenVM host
//! keeps them) and applying what it did with the chain's transaction semantics.
//!
//! What a run does to the state is `genvm_executor::chain::apply_ending`, the same for the mock
//! chain's transaction and this store's.

use std::sync::Mutex;

use api_usage_billing::{Host as _, Value};
use billing_chain_core::{Executor, Outcome, Refusal};
use billing_vm::billing::VmHost;
use genvm_executor::chain::{apply_ending, runs_read_only};
use genvm_executor::{CallSpec, DriverError, Genvm, SlotStore};

use crate::{ChainError, StoreTx};

impl SlotStore for StoreTx {
    fn read(&self, slot: &[u8; 32]) -> Option<Vec<u8>> {
        self.storage_peek(slot)
    }
}

/// GenLayer's executor as the chain's engine: one run at a time, since the driver's host socket
/// serves one call.
pub(crate) struct RealGenvm(Mutex<Genvm>);

impl RealGenvm {
    pub(crate) fn new(genvm: Genvm) -> RealGenvm {
        RealGenvm(Mutex::new(genvm))
    }

    fn genvm(&self) -> std::sync::MutexGuard<'_, Genvm> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Executor<StoreTx> for RealGenvm {
    fn execute(&self, host: StoreTx, method: Option<&str>, args: &[Value]) -> (StoreTx, Outcome, u64) {
        run(&self.genvm(), host, method, args)
    }

    /// What the executor's message cannot carry, as the wasmi GenVM host refuses it; a v0.1.6
    /// archive also needs a block time from its date on.
    fn refuses(&self, value: u128, timestamp: u64) -> Option<Refusal> {
        billing_vm::genvm::expressible(value, timestamp, self.genvm().is_zip())
            .err()
            .map(|why| Refusal::from(&why))
    }

    fn latest_time(&self) -> u64 {
        billing_vm::genvm::LATEST_DATETIME
    }
}

/// Runs `method` (none: the deploy call) on the executor over `host`. The real executor meters no
/// wasmi fuel: the figure is 0. An executor that cannot be run at all breaks the command (not the
/// call: nothing about it is the caller's doing).
fn run(genvm: &Genvm, mut host: StoreTx, method: Option<&str>, args: &[Value]) -> (StoreTx, Outcome, u64) {
    let spec = CallSpec {
        contract: host.contract(),
        sender: host.sender(),
        origin: host.sender(),
        value: host.attached_value(),
        timestamp: host.block_timestamp(),
        method: method.map(str::to_string),
        args: args.to_vec(),
        readonly: runs_read_only(method),
        // As a node counts it: the contract's balance with the attached value.
        balances: [(host.contract(), host.spendable())].into_iter().collect(),
    };
    let outcome = match genvm.run(&spec, &host) {
        Ok(run) => apply_ending(&mut host, &run),
        Err(DriverError::Inexpressible(why)) => Err(Refusal::host(why.code(), &format!("[EXPECTED] {why}"))),
        Err(error) => {
            let message = error.to_string();
            host.broke(ChainError::Executor(error));
            Err(Refusal::host("vm_host_error", &message))
        }
    };
    (host, outcome, 0)
}
