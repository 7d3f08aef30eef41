//! The GenVM flavor on GenLayer's real executor: one `genvm run` per call through
//! crates/genvm-executor, reading the state's slots (slot id = storage key, as the wasmi GenVM host
//! keeps them) and applying what it did with the chain's transaction semantics.
//!
//! The applying mirrors `genvm_executor::chain::apply`, which is written for the mock chain's `Tx`;
//! here it goes to the store transaction instead.

use api_usage_billing::calldata;
use api_usage_billing::testing::{Outcome, Refusal, CONTRACT};
use api_usage_billing::{Host, Value};
use billing_vm::billing::VmHost;
use genvm_executor::chain::{event_of, refusal_from_log, runs_read_only};
use genvm_executor::{CallSpec, DriverError, Ending, Genvm, Run, SendKind, SlotStore};

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
        sender: host.sender,
        origin: host.sender,
        value: host.value,
        timestamp: host.timestamp,
        method: method.map(str::to_string),
        args: args.to_vec(),
        readonly: runs_read_only(method),
        // As a node counts it: the contract's balance with the attached value.
        balances: [(CONTRACT, host.spendable())].into_iter().collect(),
    };
    let outcome = match genvm.run(&spec, &host) {
        Ok(run) => apply(&mut host, &run),
        Err(DriverError::Inexpressible(why)) => Err(Refusal::host(why.code(), &format!("[EXPECTED] {why}"))),
        Err(error) => {
            let message = error.to_string();
            host.broke(ChainError::Executor(message.clone()));
            Err(Refusal::host("vm_host_error", &message))
        }
    };
    (host, outcome, 0)
}

/// A `Return` writes its slots, events and sends into the transaction (which the chain then commits);
/// every other ending leaves it as it was. A refusal's code and details come from the `[Refused]`
/// stdout line, its message from the rollback.
fn apply(host: &mut StoreTx, run: &Run) -> Outcome {
    match &run.ending {
        Ending::Return(bytes) => {
            let value =
                calldata::decode(bytes).map_err(|_| Refusal::host("vm_fault", "undecodable return value"))?;
            for (slot, bytes) in run.overlay.slots() {
                host.storage_set(slot, bytes);
            }
            for event in &run.events {
                match event_of(event) {
                    Some(event) => host.emit_event(event),
                    None => return Err(Refusal::host("vm_fault", "an event of no known kind")),
                }
            }
            for send in &run.sends {
                match (send.kind, send.to) {
                    (SendKind::EthSend, Some(to)) if send.calldata.is_empty() => {
                        host.send_value(&to, send.value)
                    }
                    _ => return Err(Refusal::host("vm_fault", "a send other than a plain transfer")),
                }
            }
            Ok(value)
        }
        Ending::Rollback(message) => {
            let (code, details) =
                refusal_from_log(&run.stdout).unwrap_or_else(|| ("rollback".into(), Value::Map(vec![])));
            // As calldata carries maps: keys in order.
            let details = calldata::decode(&calldata::encode(&details)).unwrap_or(details);
            Err(Refusal { code, message: message.clone(), details })
        }
        Ending::VmError(why) => {
            Err(Refusal::host("vm_trap", &format!("{why}; stderr: {}", run.stderr.trim())))
        }
        Ending::Timeout => Err(Refusal::host("vm_timeout", "the call ran past the executor's time limit")),
    }
}
