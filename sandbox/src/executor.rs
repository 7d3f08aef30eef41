//! Runs the contract's `.wasm` as a [`MockChain`] executor, and checks it against the native build.

use std::cell::Cell;
use std::rc::Rc;

use api_usage_billing::calldata;
use api_usage_billing::testing::{Executor, MockChain, Native, Outcome, Refusal, Tx};
use api_usage_billing::Value;

use crate::vm::{Ending, WasmContract};

/// The compiled contract behind the mock chain's interface.
pub struct WasmExecutor {
    contract: WasmContract<Tx>,
    last_fuel: Cell<u64>,
}

impl WasmExecutor {
    pub fn new(contract: WasmContract<Tx>) -> WasmExecutor {
        WasmExecutor { contract, last_fuel: Cell::new(0) }
    }

    /// Fuel the latest call burned.
    pub fn last_fuel(&self) -> u64 {
        self.last_fuel.get()
    }

    /// Calls an export with encoded input and turns its ending into what a client sees.
    pub fn run(&self, tx: &mut Tx, export: &str, input: Vec<u8>) -> Outcome {
        if !self.contract.has_function(export) {
            // The VM has no such function: hosts answer as the contract would.
            return Err(Refusal::from(api_usage_billing::Error::UnknownMethod));
        }
        let (host, ending, fuel) = self.contract.call(std::mem::take(tx), export, input);
        *tx = host;
        self.last_fuel.set(fuel);
        outcome(ending)
    }

    /// The deploy call.
    pub fn deploy(&self, tx: &mut Tx) -> Outcome {
        self.run(tx, "init", calldata::encode(&Value::Array(Vec::new())))
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
    fn execute(&self, tx: &mut Tx, method: &str, args: &[Value]) -> Outcome {
        self.run(tx, method, calldata::encode(&Value::Array(args.to_vec())))
    }
}

/// Runs every call natively and on the `.wasm`, and panics unless both give the same result, events,
/// transfers, storage writes and storage operation counts.
pub struct Differential {
    pub wasm: WasmExecutor,
}

impl Executor for Differential {
    fn execute(&self, tx: &mut Tx, method: &str, args: &[Value]) -> Outcome {
        let mut native_tx = tx.clone();
        let native = Native.execute(&mut native_tx, method, args);
        let wasm = self.wasm.execute(tx, method, args);
        assert_eq!(wasm, native, "{method}{args:?}: the .wasm and the native build answer differently");
        assert_eq!(
            tx.effects, native_tx.effects,
            "{method}{args:?}: the .wasm and the native build differ in effects"
        );
        wasm
    }
}

/// A chain that runs `wasm`, every call checked against the native build.
pub fn wasm_chain(wasm: &[u8], differential: bool) -> Result<MockChain, String> {
    if !differential {
        return metered_chain(wasm).map(|(chain, _)| chain);
    }
    let differential = Rc::new(Differential { wasm: WasmExecutor::new(WasmContract::load(wasm)?) });
    let deployer = Rc::clone(&differential);
    Ok(MockChain::with_executor(differential, move |tx| deployer.wasm.deploy(tx)))
}

/// A chain that runs `wasm`, with its executor at hand to read the fuel of each call.
pub fn metered_chain(wasm: &[u8]) -> Result<(MockChain, Rc<WasmExecutor>), String> {
    let executor = Rc::new(WasmExecutor::new(WasmContract::load(wasm)?));
    let deployer = Rc::clone(&executor);
    let chain =
        MockChain::with_executor(Rc::clone(&executor) as Rc<dyn Executor>, move |tx| deployer.deploy(tx));
    Ok((chain, executor))
}
