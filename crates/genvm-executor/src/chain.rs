//! The real executor behind the core's mock chain: each call runs as one `genvm run` over the
//! transaction's storage (slot ids are its keys, as the wasmi GenVM host keeps them), alone
//! ([`RealGenvmExecutor`]) or checked call by call against the native build ([`RealGenvmDifferential`]).

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use api_usage_billing::calldata;
use api_usage_billing::genvm::protocol::event_topic;
use api_usage_billing::schema::EVENTS;
use api_usage_billing::{Event, Host, Value};
use billing_chain_core::{Executor, MockChain, Native, Outcome, Refusal, Tx, CONTRACT};

use crate::driver::{CallSpec, DriverError, EmittedEvent, Ending, Genvm, Run, SendKind};
use crate::message;

/// The GenVM flavor on the real executor, as the mock chain's executor.
pub struct RealGenvmExecutor {
    genvm: Genvm,
    last: RefCell<Option<Run>>,
}

impl RealGenvmExecutor {
    /// `code` as deployed: the GenVM zip (or a bare `.wasm`, which runs without events).
    pub fn new(executor: &Path, code: Vec<u8>) -> Result<RealGenvmExecutor, DriverError> {
        Ok(RealGenvmExecutor::with(Genvm::new(executor, code)?))
    }

    pub fn with(genvm: Genvm) -> RealGenvmExecutor {
        RealGenvmExecutor { genvm, last: RefCell::new(None) }
    }

    pub fn genvm(&self) -> &Genvm {
        &self.genvm
    }

    /// The latest call's run (its timings, output and raw effects); `None` before the first call and
    /// after a call refused before it ran.
    pub fn last_run(&self) -> Option<Run> {
        self.last.borrow().clone()
    }

    /// Runs `method` (none: the deploy call) over `tx` and applies what a `Return` did to it: storage
    /// writes, events, value sends. A call GenVM cannot express is refused before it runs
    /// ([`message::Inexpressible::code`]).
    pub fn run(&self, tx: &mut Tx, method: Option<&str>, args: &[Value]) -> Outcome {
        *self.last.borrow_mut() = None;
        if let Some(refused) = Executor::refuses(self, tx.attached_value(), tx.block_timestamp()) {
            return Err(refused);
        }
        let spec = CallSpec {
            contract: CONTRACT,
            sender: tx.sender(),
            origin: tx.sender(),
            value: tx.attached_value(),
            timestamp: tx.block_timestamp(),
            method: method.map(str::to_string),
            args: args.to_vec(),
            readonly: runs_read_only(method),
            // What the contract may spend: its balance with the attached value, as a node counts it.
            balances: [(CONTRACT, tx.spendable())].into_iter().collect(),
        };
        let run = match self.genvm.run(&spec, &*tx) {
            Ok(run) => run,
            Err(DriverError::Inexpressible(why)) => return Err(refusal(&why)),
            Err(error) => return Err(Refusal::host("vm_host_error", &error.to_string())),
        };
        let outcome = apply(tx, &run);
        *self.last.borrow_mut() = Some(run);
        outcome
    }
}

/// The sandbox's refusal of a call GenVM cannot express: deterministic, so marked `[EXPECTED] ` as
/// the contract's own refusals are.
pub fn refusal(why: &message::Inexpressible) -> Refusal {
    Refusal::host(why.code(), &format!("[EXPECTED] {why}"))
}

/// Commits a `Return`'s effects into the transaction (which the mock chain then keeps), and reads the
/// ending as a client would: a refusal's code and details from the `[Refused]` stdout line, its
/// message from the rollback.
///
/// Reads and writes are counted on the transaction whatever the ending, as the wasmi host counts
/// them: one read per logical read ([`Run::reads`]), one write per `storage_write`.
pub fn apply(tx: &mut Tx, run: &Run) -> Outcome {
    for slot in &run.reads {
        let _ = tx.storage_get(slot);
    }
    let writes_before = tx.effects.writes;
    let outcome = apply_ending(tx, run);
    tx.effects.writes = writes_before.saturating_add(run.overlay.writes());
    outcome
}

/// What a run's ending means for `host`, a chain's call in flight: a `Return` writes its slots, events
/// and sends into it (for the chain to commit); every other ending leaves it as it was and is read as
/// a client reads it. Any chain's host can take it (the mock chain's `Tx`, the sandbox's store).
pub fn apply_ending<H: Host>(tx: &mut H, run: &Run) -> Outcome {
    match &run.ending {
        Ending::Return(bytes) => {
            let value =
                calldata::decode(bytes).map_err(|_| Refusal::host("vm_fault", "undecodable return value"))?;
            for (slot, bytes) in run.overlay.slots() {
                tx.storage_set(slot, bytes);
            }
            for event in &run.events {
                match event_of(event) {
                    Some(event) => tx.emit_event(event),
                    None => return Err(Refusal::host("vm_fault", "an event of no known kind")),
                }
            }
            for send in &run.sends {
                match (send.kind, send.to) {
                    (SendKind::EthSend, Some(to)) if send.calldata.is_empty() => {
                        tx.send_value(&to, send.value)
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

impl Executor for RealGenvmExecutor {
    fn execute(&self, mut tx: Tx, method: Option<&str>, args: &[Value]) -> (Tx, Outcome, u64) {
        let outcome = self.run(&mut tx, method, args);
        // The real executor meters no wasmi fuel.
        (tx, outcome, 0)
    }

    fn refuses(&self, value: u128, timestamp: u64) -> Option<Refusal> {
        message::expressible(value, timestamp, self.genvm.is_zip()).err().map(|why| refusal(&why))
    }

    fn latest_time(&self) -> u64 {
        api_usage_billing::genvm::LATEST_DATETIME
    }
}

/// The event an `EmitEvent` stands for: topic 0 names it, the blob holds its fields (taken in their
/// declared order).
pub fn event_of(event: &EmittedEvent) -> Option<Event> {
    let topic = event.topics.first()?;
    let (name, fields) = EVENTS.iter().find(|(name, _)| event_topic(name) == *topic)?;
    let fields = fields
        .iter()
        .map(|(field, _)| event.blob.get(field).map(|value| (Cow::Borrowed(*field), value.clone())))
        .collect::<Option<Vec<_>>>()?;
    Some(Event { name: Cow::Borrowed(name), fields })
}

/// Whether a node runs `method` read-only: the views (the deploy call and unknown methods are writes).
pub fn runs_read_only(method: Option<&str>) -> bool {
    method
        .and_then(|m| api_usage_billing::METHODS.iter().find(|info| info.name == m))
        .is_some_and(|info| info.readonly)
}

pub use api_usage_billing::genvm::refusal_from_log;

/// Runs every call natively and on the real executor, and panics unless both give the same result
/// (or refusal code, message and details), events and transfers. A call GenVM cannot express gets the
/// sandbox refusal and is not run natively.
///
/// As with the wasmi GenVM host, both keep their records side by side in the chain's one storage:
/// GenVM's in 32-byte hashed slots, the native build's under its one-letter-prefixed keys, which never
/// collide; a call that succeeds commits both sets of writes.
pub struct RealGenvmDifferential {
    pub genvm: RealGenvmExecutor,
}

impl RealGenvmDifferential {
    pub fn both(&self, tx: &mut Tx, method: Option<&str>, args: &[Value]) -> Outcome {
        if let Some(refused) = self.genvm.refuses(tx.attached_value(), tx.block_timestamp()) {
            return Err(refused);
        }
        let (native_tx, native, _) = Native.execute(tx.clone(), method, args);
        let genvm = self.genvm.run(tx, method, args);
        let what = method.unwrap_or("deploy");
        assert_eq!(
            genvm, native,
            "{what}{args:?}: the real GenVM executor and the native build answer differently"
        );
        assert_eq!(tx.effects.events, native_tx.effects.events, "{what}{args:?}: events differ");
        assert_eq!(tx.effects.transfers, native_tx.effects.transfers, "{what}{args:?}: transfers differ");
        tx.store.pending.extend(native_tx.store.pending);
        genvm
    }
}

impl Executor for RealGenvmDifferential {
    fn execute(&self, mut tx: Tx, method: Option<&str>, args: &[Value]) -> (Tx, Outcome, u64) {
        let outcome = self.both(&mut tx, method, args);
        (tx, outcome, 0)
    }

    fn refuses(&self, value: u128, timestamp: u64) -> Option<Refusal> {
        self.genvm.refuses(value, timestamp)
    }

    fn latest_time(&self) -> u64 {
        self.genvm.latest_time()
    }
}

/// A chain whose every call runs on the real executor and natively, compared.
pub fn real_genvm_chain(executor: &Path, code: Vec<u8>) -> Result<MockChain, DriverError> {
    Ok(MockChain::on(Rc::new(RealGenvmDifferential { genvm: RealGenvmExecutor::new(executor, code)? })))
}

/// A chain that runs on the real executor alone, with the executor at hand for its timings.
pub fn real_genvm_chain_alone(
    executor: &Path,
    code: Vec<u8>,
) -> Result<(MockChain, Rc<RealGenvmExecutor>), DriverError> {
    let genvm = Rc::new(RealGenvmExecutor::new(executor, code)?);
    Ok((MockChain::on(Rc::clone(&genvm) as Rc<dyn Executor>), genvm))
}
