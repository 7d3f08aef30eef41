//! Any bytes into any export of the `.wasm`, through the wasmi host, on a chain with an API, a
//! subscription and a delegate: the only acceptable outcomes are a result or an `[EXPECTED]` revert —
//! no trap, no panic, no running out of fuel.
#![no_main]

use billing_chain::{Address, MockChain, Tx};
use api_usage_billing::METHODS;
use billing_vm::executor::WasmExecutor;
use billing_vm::billing::{Ending, WasmContract, FUEL_LIMIT};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static WORLD: (WasmContract<Tx>, Tx) = world();
}

const ATTACHED: u128 = 1_000;

/// The contract and a transaction opened on a small, lived-in state.
fn world() -> (WasmContract<Tx>, Tx) {
    let wasm = billing_artifact::billing_wasm().expect("the billing artifact builds");
    let contract = WasmContract::load(&wasm).expect("artifact loads");
    let (operator, alice, dapp) = (Address([0x0a; 20]), Address([0xa1; 20]), Address([0xda; 20]));
    let mut chain = MockChain::with_executor(std::rc::Rc::new(billing_chain::Native), |tx| {
        WasmExecutor::new(contract.clone()).deploy(tx)
    });
    chain.faucet(alice, 1_000_000);
    chain.call(operator).register_api("weather", 10, 100).expect("register");
    chain.call(alice).value(1_000).subscribe("weather", 500, 1_000).expect("subscribe");
    chain.call(alice).approve_delegate("weather", dapp).expect("approve");
    chain.call(alice).consume_credit("weather", alice).expect("bill");
    (contract, chain.transaction(alice, 0))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else { return };
    let names: Vec<&str> = METHODS.iter().map(|m| m.name).chain(["init"]).collect();
    let export = names[usize::from(selector) % names.len()];
    WORLD.with(|(contract, tx)| {
        // The selector's top bit attaches value, so payable paths get reached too.
        let tx = if selector & 0x80 != 0 { tx.with_value(ATTACHED) } else { tx.clone() };
        let (_, ending, fuel) = contract.call(tx, export, input.to_vec());
        match ending {
            Ending::Returned(_) => {}
            Ending::Reverted(bytes) => {
                let error = api_usage_billing::calldata::decode(&bytes).expect("a revert is calldata");
                let message = error.get("message").and_then(|m| m.as_str()).unwrap_or_default();
                assert!(message.starts_with("[EXPECTED] "), "{export}: {message}");
            }
            Ending::Trapped(trap) => panic!("{export} trapped: {trap}"),
        }
        assert!(fuel < FUEL_LIMIT / 2, "{export} burned {fuel} fuel on {} bytes", input.len());
    });
});
