//! The wasmi GenVM host (crates/vm/src/genvm.rs) against the real executor, probe by probe: the same
//! module, the same permissions and balance, the same errno — except where the wasmi host differs by
//! design (each such probe names its answer) — and the same endings for `proc_exit`.

mod support;

use std::collections::BTreeMap;

use api_usage_billing::calldata;
use api_usage_billing::Value;
use billing_chain_core::{MockChain, Tx, CONTRACT, GENESIS_TIME};
use billing_vm::genvm::{self, GenvmContract, GenvmEnding};
use genvm_executor::{CallSpec, Ending, Genvm};
use support::probes::{self, ALICE};

/// A transaction of ALICE's with the contract holding 10 wei.
fn tx() -> Tx {
    let mut chain = MockChain::new();
    chain.faucet(CONTRACT, 10);
    chain.transaction(ALICE, 0)
}

fn wasmi_ending(wasm: &[u8], readonly: bool) -> GenvmEnding {
    let contract = GenvmContract::<Tx>::load(wasm).unwrap_or_else(|e| panic!("{e}"));
    let message = genvm::message(CONTRACT, ALICE, 0, GENESIS_TIME, Some("m"), &[]);
    contract.run(tx(), message, readonly).1
}

fn returned(ending: &GenvmEnding) -> Option<Value> {
    match ending {
        GenvmEnding::Return(bytes) => calldata::decode(bytes).ok(),
        _ => None,
    }
}

#[test]
fn every_probe_gets_the_real_executors_errno_from_the_wasmi_host() {
    let Some(executor) = support::executor() else { return };
    let mut differences = Vec::new();
    for probe in probes::probes() {
        let code = if probe.zip { probes::zip(&probe.wasm) } else { probe.wasm.clone() };
        let genvm = Genvm::new(&executor, code).unwrap();
        let spec = CallSpec::new(ALICE, Some("m"), &[]).readonly(probe.readonly).balance(CONTRACT, 10);
        let real = match genvm.run(&spec, &BTreeMap::<[u8; 32], Vec<u8>>::new()).unwrap().ending {
            Ending::Return(bytes) => calldata::decode(&bytes).unwrap(),
            other => panic!("{}: {other:?}", probe.name),
        };
        assert_eq!(real, Value::from(probe.errno), "{}: the real executor", probe.name);
        let wasmi = returned(&wasmi_ending(&probe.wasm, probe.readonly));
        let expected = Value::from(probe.wasmi.unwrap_or(probe.errno));
        if wasmi.as_ref() != Some(&expected) {
            differences.push(format!("{}: real {real:?}, wasmi {wasmi:?}", probe.name));
        }
    }
    assert!(differences.is_empty(), "{differences:#?}");
}

#[test]
fn proc_exit_ends_alike() {
    let Some(executor) = support::executor() else { return };
    for code in [0, 3] {
        let wasm = wat::parse_str(format!(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_start") (call $exit (i32.const {code}))))"#
        ))
        .unwrap();
        let real = Genvm::new(&executor, wasm.clone())
            .unwrap()
            .run(&CallSpec::new(ALICE, Some("m"), &[]), &BTreeMap::<[u8; 32], Vec<u8>>::new())
            .unwrap()
            .ending;
        let wasmi = wasmi_ending(&wasm, false);
        match (real, wasmi) {
            (Ending::Return(a), GenvmEnding::Return(b)) => assert_eq!(a, b),
            (Ending::VmError(a), GenvmEnding::Trapped(b)) => assert_eq!(a, b, "proc_exit({code})"),
            (real, wasmi) => panic!("proc_exit({code}): real {real:?}, wasmi {wasmi:?}"),
        }
    }
}

/// What the contract reads on stdin is the same message on both (the value is an int, 0 when none).
#[test]
fn the_wasmi_message_is_the_one_the_executor_builds() {
    for (value, method) in [(0u64, Some("get_api")), (7, Some("top_up_credit")), (0, None)] {
        let args = [Value::from(1u64)];
        assert_eq!(
            genvm::message(CONTRACT, ALICE, u128::from(value), GENESIS_TIME, method, &args),
            genvm_executor::message::stdin_message(
                &CONTRACT,
                &ALICE,
                &ALICE,
                value,
                GENESIS_TIME,
                method,
                &args
            ),
        );
    }
}

/// GenVM's newer lines add message fields (v0.3: `signer_address`); the artifact ignores fields it
/// does not read, so the same call answers the same with them.
#[test]
fn message_fields_of_newer_lines_are_ignored() {
    let wasm = billing_artifact::genvm_wasm().unwrap_or_else(|e| panic!("{e}"));
    let contract = GenvmContract::<Tx>::load(&wasm).unwrap_or_else(|e| panic!("{e}"));
    let plain = genvm::message(CONTRACT, ALICE, 0, GENESIS_TIME, None, &[]);
    let Ok(Value::Map(mut fields)) = calldata::decode(&plain) else { panic!("a message map") };
    fields.push(("signer_address".to_string(), Value::Address(ALICE)));
    fields.push(("zz_future".to_string(), Value::Array(vec![Value::Null])));
    let extended = calldata::encode(&Value::Map(fields));
    let (_, plain_ending, _) = contract.run(Tx::default(), plain, false);
    let (tx, extended_ending, _) = contract.run(Tx::default(), extended, false);
    assert_eq!(plain_ending, GenvmEnding::Return(calldata::encode(&Value::Null)));
    assert_eq!(extended_ending, plain_ending);
    assert!(!tx.store.pending.is_empty(), "the deploy wrote its state");
}
