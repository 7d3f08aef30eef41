//! The chain's side of `call_contract` and `http_get` (docs/ABI.md, "Calls to other contracts and
//! outbound fetches"): a nested call runs the callee on the caller's store transaction, undone to a
//! mark when it is refused; a fetch goes out under the chain's policy and is recorded either way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use api_usage_billing::calldata;
use api_usage_billing::{Address, Host as _, Value};
use billing_chain_core::{pay_out, Fault, CONTRACT};
use billing_vm::billing::Ending;
use billing_vm::calls::{CallAnswer, FetchAnswer, FetchFailure, MAX_CALL_DEPTH};

use crate::fetch::{self, Fetch, FetchPolicy, MAX_FETCHES};
use crate::tables::{Txn, CONTRACTS};
use crate::{Abi, ChainError, Engine, StoreTx, Vm};

/// Every contract's engine: the billing contract's, and deployed ones' loaded on first use.
pub(crate) struct Engines {
    pub(crate) billing: Arc<Engine>,
    pub(crate) vm: Vm,
    deployed: Mutex<HashMap<Address, Arc<Engine>>>,
}

impl Engines {
    pub(crate) fn new(billing: Arc<Engine>, vm: Vm) -> Engines {
        Engines { billing, vm, deployed: Mutex::new(HashMap::new()) }
    }

    /// Forgets the deployed contracts' engines (they load again on first use).
    pub(crate) fn forget_deployed(&self) {
        self.deployed.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The engine of the contract at `to`; `None`: no contract there.
    pub(crate) fn at(&self, txn: &Txn, to: &Address) -> Result<Option<Arc<Engine>>, ChainError> {
        if *to == CONTRACT {
            return Ok(Some(Arc::clone(&self.billing)));
        }
        let mut deployed = self.deployed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(engine) = deployed.get(to) {
            return Ok(Some(Arc::clone(engine)));
        }
        let Some(record) = txn.get(CONTRACTS, &to.0)? else { return Ok(None) };
        let (abi, code) = match record.split_first() {
            Some((b'b', code)) => (Abi::Billing, code),
            Some((b'g', code)) => (Abi::Genvm, code),
            _ => return Err(ChainError::Corrupt("contract record")),
        };
        let engine = Arc::new(Engine::load(code, abi, &self.vm)?);
        deployed.insert(*to, Arc::clone(&engine));
        Ok(Some(engine))
    }
}

/// What a call's host reaches beyond its own contract: the other contracts, and the network under
/// the chain's fetch policy.
#[derive(Clone)]
pub(crate) struct World {
    pub(crate) engines: Arc<Engines>,
    pub(crate) policy: FetchPolicy,
    /// `false` for a run whose effects are thrown away (a simulation): a request would go out for a
    /// bill that never stays, an API answer nobody paid for.
    pub(crate) fetches: bool,
}

fn refused(code: &str, message: String) -> (CallAnswer, u64) {
    (CallAnswer::refused(code, &format!("[EXPECTED] {message}")), 0)
}

/// `call_contract` from the contract `caller` runs: the callee at `to` runs `method` with `args`
/// from `fuel`, with the caller as its sender, no value, on the same store transaction. A refusal
/// (the callee's, or the host's before it runs) undoes everything the callee did.
pub(crate) fn call_contract(
    caller: &mut StoreTx,
    to: &Address,
    method: &str,
    args: Vec<u8>,
    fuel: u64,
) -> (CallAnswer, u64) {
    let Some(world) = caller.world.clone() else {
        return refused("unknown_contract", format!("there is no contract at {}", to.to_hex()));
    };
    // The store failed already: the command fails on it, so nothing more may run.
    if caller.is_broken() {
        return (CallAnswer::refused("host_fault", "the store failed"), 0);
    }
    if caller.stack.len() >= MAX_CALL_DEPTH {
        return refused(
            "call_too_deep",
            format!("a call to {} would be deeper than {MAX_CALL_DEPTH} calls", to.to_hex()),
        );
    }
    if caller.stack.contains(to) {
        return refused(
            "reentrant_call",
            format!("{} is already on the call stack: a contract is never re-entered", to.to_hex()),
        );
    }
    let engine = match world.engines.at(caller.txn(), to) {
        Ok(Some(engine)) => engine,
        Ok(None) => return refused("unknown_contract", format!("there is no contract at {}", to.to_hex())),
        Err(error) => {
            caller.broke(error);
            // Not the caller's doing (no `[EXPECTED] `): the whole command fails on it anyway.
            return (CallAnswer::refused("host_fault", "the store failed"), 0);
        }
    };
    // Only the billing ABI calls synchronously: a GenVM contract is called by a queued message.
    let Some(contract) = &engine.callable else {
        return refused("unknown_contract", format!("there is no billing-ABI contract at {}", to.to_hex()));
    };
    if !contract.has_function(method) {
        let error = api_usage_billing::Error::UnknownMethod;
        return (CallAnswer::Refused(calldata::encode(&error.to_value())), 0);
    }
    let spendable = match caller.txn().contract_balance(to) {
        Ok(balance) => balance,
        Err(error) => {
            caller.broke(error);
            // Not the caller's doing (no `[EXPECTED] `): the whole command fails on it anyway.
            return (CallAnswer::refused("host_fault", "the store failed"), 0);
        }
    };
    let mark = caller.mark();
    let mut stack = caller.stack.clone();
    stack.push(*to);
    let callee = caller.nested(*to, spendable, world, stack);
    let (mut callee, ending, burned) = contract.call_with_fuel(callee, method, args, fuel);
    if let Some(error) = callee.take_broken() {
        caller.broke(error);
    }
    let fault = callee.take_fault();
    let answer = match (ending, fault) {
        (_, Some(fault)) => CallAnswer::refused("host_fault", &format!("[EXPECTED] {fault}")),
        (Ending::Returned(_), None)
            if caller.txn().is_read_only() && !callee.tx.effects.transfers.is_empty() =>
        {
            CallAnswer::refused("host_fault", &format!("[EXPECTED] {}", Fault::ReadOnly))
        }
        (Ending::Returned(output), None) => {
            match keep(caller, &callee) {
                Ok(()) => {}
                Err(error) => caller.broke(error),
            }
            CallAnswer::Returned(output.unwrap_or_else(|| calldata::encode(&Value::Null)))
        }
        (Ending::Reverted(refusal), None) => CallAnswer::Refused(refusal),
        // Fuel is shared: the callee burned the caller's last, and the caller cannot go on.
        (Ending::Trapped(_), None) if burned >= fuel => CallAnswer::OutOfFuel,
        (Ending::Trapped(why), None) => {
            CallAnswer::refused("vm_trap", &format!("[EXPECTED] the called contract trapped: {why}"))
        }
    };
    if !matches!(answer, CallAnswer::Returned(_)) {
        caller.roll_back_to(mark);
    }
    caller.release(mark);
    (answer, burned)
}

/// A nested call that returned: its events join the caller's, in order, and its transfers leave
/// the callee's balance now (the caller's own go when the whole transaction commits).
fn keep(caller: &mut StoreTx, callee: &StoreTx) -> Result<(), ChainError> {
    for event in &callee.tx.effects.events {
        caller.emit_event(event.clone());
    }
    pay_out(&mut &**caller.txn(), &callee.contract(), &callee.tx.effects.transfers)
}

/// `http_get` under the chain's policy, at most [`MAX_FETCHES`] attempts a transaction, each
/// recorded, refused ones included; past them `not_allowed`, neither sent nor recorded, so a
/// contract looping on `http_get` cannot grow the record. A view (a read transaction, however deep
/// the call) or a simulation never fetches.
pub(crate) fn http_get(host: &mut StoreTx, url: &str) -> FetchAnswer {
    // A view, or a call whose store failed already (it fails as a whole): no request goes out.
    if host.txn().is_read_only() || host.is_broken() {
        return FetchAnswer::Failed(FetchFailure::NotAllowed);
    }
    let made = host.fetches.borrow().len();
    let Some(world) = host.world.as_ref().filter(|world| world.fetches && made < MAX_FETCHES) else {
        return FetchAnswer::Failed(FetchFailure::NotAllowed);
    };
    let answer = fetch::http_get(&world.policy, url);
    host.fetches.borrow_mut().push(Fetch::of(url, &answer));
    answer
}
