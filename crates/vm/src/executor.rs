//! The contract's `.wasm` on wasmi as a chain's [`Executor`] (either interface, any chain's host), and
//! on the mock chain with its fuel at hand or checked call by call against the native build.

use crate::LoadError;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use api_usage_billing::calldata;
use api_usage_billing::{Host, Value};
use billing_chain_core::{Executor, MockChain, Native, Outcome, Refusal, Tx, INIT};

use crate::billing::{Ending, VmHost, WasmContract};
use crate::genvm::{self, GenvmContract, GenvmEnding, GenvmRun};
use crate::trace::FuelMark;

/// The billing ABI's engine for any chain: one export per entrypoint, `init` the deploy call.
impl<H: VmHost> Executor<H> for WasmContract<H> {
    fn execute(&self, host: H, method: Option<&str>, args: &[Value]) -> (H, Outcome, u64) {
        let export = method.unwrap_or(INIT);
        if !self.has_function(export) {
            // The VM has no such function: hosts answer as the contract would.
            return (host, Err(Refusal::from(api_usage_billing::Error::UnknownMethod)), 0);
        }
        let (host, ending, fuel) = self.call(host, export, calldata::encode(&Value::Array(args.to_vec())));
        (host, outcome(ending), fuel)
    }
}

/// GenVM's interface for any chain: every call through `_start`, views read-only. A call its message
/// cannot carry is the chain's refusal, before it runs.
impl<H: VmHost> Executor<H> for GenvmContract<H> {
    fn execute(&self, host: H, method: Option<&str>, args: &[Value]) -> (H, Outcome, u64) {
        let readonly = genvm::runs_read_only(method);
        let message = genvm::message_to(&host, method, args);
        let (host, ending, run) = self.run(host, message, readonly);
        let outcome = genvm_outcome(ending, &run);
        (host, outcome, run.fuel)
    }

    fn refuses(&self, value: u128, timestamp: u64) -> Option<Refusal> {
        genvm::expressible(value, timestamp, false).err().map(|why| Refusal::from(&why))
    }

    fn latest_time(&self) -> u64 {
        genvm::LATEST_DATETIME
    }
}

/// The compiled contract on the mock chain, with the fuel of its latest call at hand (and, when
/// asked, the fuel at each host call) for the measuring tools.
pub struct WasmExecutor {
    contract: WasmContract<Tx>,
    last_fuel: Cell<u64>,
    tracing: Cell<bool>,
    last_trace: RefCell<Vec<FuelMark>>,
}

impl WasmExecutor {
    pub fn new(contract: WasmContract<Tx>) -> WasmExecutor {
        WasmExecutor {
            contract,
            last_fuel: Cell::new(0),
            tracing: Cell::new(false),
            last_trace: RefCell::new(Vec::new()),
        }
    }

    /// Fuel the latest call burned.
    pub fn last_fuel(&self) -> u64 {
        self.last_fuel.get()
    }

    /// Whether the calls from now on record the fuel at each host call ([`WasmExecutor::last_trace`]).
    pub fn set_tracing(&self, on: bool) {
        self.tracing.set(on);
    }

    /// The fuel at each host call of the latest call (empty unless tracing).
    pub fn last_trace(&self) -> Vec<FuelMark> {
        self.last_trace.borrow().clone()
    }

    /// Calls an export with encoded input and turns its ending into what a client sees.
    pub fn run(&self, tx: &mut Tx, export: &str, input: Vec<u8>) -> Outcome {
        if !self.contract.has_function(export) {
            // The VM has no such function: hosts answer as the contract would.
            return Err(Refusal::from(api_usage_billing::Error::UnknownMethod));
        }
        let (host, ending, fuel, trace) = if self.tracing.get() {
            self.contract.call_traced(std::mem::take(tx), export, input)
        } else {
            let (host, ending, fuel) = self.contract.call(std::mem::take(tx), export, input);
            (host, ending, fuel, Vec::new())
        };
        *tx = host;
        *self.last_trace.borrow_mut() = trace;
        self.last_fuel.set(fuel);
        outcome(ending)
    }

    /// The deploy call.
    pub fn deploy(&self, tx: &mut Tx) -> Outcome {
        self.run(tx, INIT, calldata::encode(&Value::Array(Vec::new())))
    }
}

/// What a client sees of a call that ended so.
pub fn outcome(ending: Ending) -> Outcome {
    match ending {
        Ending::Returned(None) => Ok(Value::Null),
        Ending::Returned(Some(bytes)) => {
            calldata::decode(&bytes).map_err(|_| Refusal::host("vm_fault", "undecodable return value"))
        }
        Ending::Reverted(bytes) => Err(calldata::decode(&bytes)
            .ok()
            .and_then(|value| Refusal::from_value(&value))
            .unwrap_or_else(|| Refusal::host("vm_fault", "undecodable revert"))),
        Ending::Trapped(message) => Err(Refusal::host("vm_trap", &message)),
    }
}

impl Executor for WasmExecutor {
    fn execute(&self, mut tx: Tx, method: Option<&str>, args: &[Value]) -> (Tx, Outcome, u64) {
        let outcome =
            self.run(&mut tx, method.unwrap_or(INIT), calldata::encode(&Value::Array(args.to_vec())));
        (tx, outcome, self.last_fuel())
    }
}

/// Runs every call natively and on the `.wasm`, and panics unless both give the same result, events,
/// transfers, storage writes and storage operation counts.
pub struct Differential {
    pub wasm: WasmExecutor,
}

impl Executor for Differential {
    fn execute(&self, tx: Tx, method: Option<&str>, args: &[Value]) -> (Tx, Outcome, u64) {
        let (native_tx, native, _) = Native.execute(tx.clone(), method, args);
        let (tx, wasm, fuel) = self.wasm.execute(tx, method, args);
        let what = method.unwrap_or("deploy");
        assert_eq!(wasm, native, "{what}{args:?}: the .wasm and the native build answer differently");
        assert_eq!(
            (&tx.effects, &tx.store.pending),
            (&native_tx.effects, &native_tx.store.pending),
            "{what}{args:?}: the .wasm and the native build differ in effects"
        );
        (tx, wasm, fuel)
    }
}

/// The GenVM flavor of the artifact behind the mock chain's interface, through `_start`.
pub struct GenvmExecutor {
    contract: GenvmContract<Tx>,
    last_fuel: Cell<u64>,
    tracing: Cell<bool>,
    last_trace: RefCell<Vec<FuelMark>>,
}

impl GenvmExecutor {
    pub fn load(wasm: &[u8]) -> Result<GenvmExecutor, LoadError> {
        Ok(GenvmExecutor {
            contract: GenvmContract::load(wasm)?,
            last_fuel: Cell::new(0),
            tracing: Cell::new(false),
            last_trace: RefCell::new(Vec::new()),
        })
    }

    pub fn last_fuel(&self) -> u64 {
        self.last_fuel.get()
    }

    /// Whether the runs from now on record the fuel at each host call ([`GenvmExecutor::last_trace`]).
    pub fn set_tracing(&self, on: bool) {
        self.tracing.set(on);
    }

    /// The fuel at each host call of the latest run (empty unless tracing).
    pub fn last_trace(&self) -> Vec<FuelMark> {
        self.last_trace.borrow().clone()
    }

    /// Runs `method` (none: the deploy call) and reads the ending as a client would.
    pub fn run(&self, tx: &mut Tx, method: Option<&str>, args: &[Value]) -> Outcome {
        // What GenVM's message cannot carry is the host's refusal, before anything runs.
        if let Some(refusal) = Executor::refuses(self, tx.attached_value(), tx.block_timestamp()) {
            return Err(refusal);
        }
        let readonly = genvm::runs_read_only(method);
        let message = genvm::message_to(&*tx, method, args);
        let (host, ending, mut run) = if self.tracing.get() {
            self.contract.run_traced(std::mem::take(tx), message, readonly)
        } else {
            self.contract.run(std::mem::take(tx), message, readonly)
        };
        *tx = host;
        self.last_fuel.set(run.fuel);
        *self.last_trace.borrow_mut() = std::mem::take(&mut run.trace);
        genvm_outcome(ending, &run)
    }
}

/// What a client sees of a `_start` that ended so: the refusal's code and details come from the
/// log line, its message from the rollback.
pub fn genvm_outcome(ending: GenvmEnding, run: &GenvmRun) -> Outcome {
    match ending {
        GenvmEnding::Return(bytes) => {
            calldata::decode(&bytes).map_err(|_| Refusal::host("vm_fault", "undecodable return value"))
        }
        GenvmEnding::Rollback(message) => {
            let (code, details) =
                genvm::refusal_from_log(&run.stdout).unwrap_or(("rollback".into(), Value::Map(vec![])));
            // As calldata carries maps: keys in order.
            let details = calldata::decode(&calldata::encode(&details)).unwrap_or(details);
            Err(Refusal { code, message, details })
        }
        GenvmEnding::Trapped(why) => {
            Err(Refusal::host("vm_trap", &format!("{why}; stderr: {}", run.stderr.trim())))
        }
    }
}

impl Executor for GenvmExecutor {
    fn execute(&self, mut tx: Tx, method: Option<&str>, args: &[Value]) -> (Tx, Outcome, u64) {
        let outcome = self.run(&mut tx, method, args);
        (tx, outcome, self.last_fuel())
    }

    fn refuses(&self, value: u128, timestamp: u64) -> Option<Refusal> {
        genvm::expressible(value, timestamp, true).err().map(|why| Refusal::from(&why))
    }

    fn latest_time(&self) -> u64 {
        genvm::LATEST_DATETIME
    }
}

/// Runs every call natively and through GenVM's `_start`, and panics unless both give the same
/// result (or refusal code, message and details), events and transfers.
///
/// The two keep their records side by side in the chain's one storage: GenVM's in 32-byte hashed
/// slots, the native build's under its one-letter-prefixed keys, which never collide. Each reads its
/// own; a call that succeeds commits both sets of writes.
pub struct GenvmDifferential {
    pub genvm: GenvmExecutor,
}

impl GenvmDifferential {
    fn both(&self, tx: &mut Tx, method: Option<&str>, args: &[Value]) -> Outcome {
        // A call GenVM cannot express never reaches either build: the host refuses it.
        if let Some(refusal) = self.genvm.refuses(tx.attached_value(), tx.block_timestamp()) {
            return Err(refusal);
        }
        let (native_tx, native, _) = Native.execute(tx.clone(), method, args);
        let genvm = self.genvm.run(tx, method, args);
        let what = method.unwrap_or("deploy");
        assert_eq!(genvm, native, "{what}{args:?}: GenVM's _start and the native build answer differently");
        assert_eq!(tx.effects.events, native_tx.effects.events, "{what}{args:?}: events differ");
        assert_eq!(tx.effects.transfers, native_tx.effects.transfers, "{what}{args:?}: transfers differ");
        tx.store.pending.extend(native_tx.store.pending);
        genvm
    }
}

impl Executor for GenvmDifferential {
    fn execute(&self, mut tx: Tx, method: Option<&str>, args: &[Value]) -> (Tx, Outcome, u64) {
        let outcome = self.both(&mut tx, method, args);
        (tx, outcome, self.genvm.last_fuel())
    }

    fn refuses(&self, value: u128, timestamp: u64) -> Option<Refusal> {
        self.genvm.refuses(value, timestamp)
    }

    fn latest_time(&self) -> u64 {
        self.genvm.latest_time()
    }
}

/// A chain that runs the GenVM flavor through `_start`, every call checked against the native build.
pub fn genvm_chain(wasm: &[u8]) -> Result<MockChain, LoadError> {
    Ok(MockChain::on(Rc::new(GenvmDifferential { genvm: GenvmExecutor::load(wasm)? })))
}

/// A chain that runs `wasm`, every call checked against the native build.
pub fn wasm_chain(wasm: &[u8], differential: bool) -> Result<MockChain, LoadError> {
    if !differential {
        return metered_chain(wasm).map(|(chain, _)| chain);
    }
    Ok(MockChain::on(Rc::new(Differential { wasm: WasmExecutor::new(WasmContract::load(wasm)?) })))
}

/// A chain that runs `wasm`, with its executor at hand to read the fuel of each call.
pub fn metered_chain(wasm: &[u8]) -> Result<(MockChain, Rc<WasmExecutor>), LoadError> {
    let executor = Rc::new(WasmExecutor::new(WasmContract::load(wasm)?));
    Ok((MockChain::on(Rc::clone(&executor) as Rc<dyn Executor>), executor))
}
