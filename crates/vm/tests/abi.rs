//! The artifact at its boundary: what it exports and imports, that it is float-free MVP wasm, and that
//! hostile input of every kind ends in an `[EXPECTED]` revert, never a trap.

use api_usage_billing::calldata::encode;
use api_usage_billing::{Int, Value, METHODS};
use billing_chain_core::Tx;
use billing_vm::billing::{Ending, WasmContract};
use billing_vm::executor::WasmExecutor;

fn contract() -> WasmContract<Tx> {
    WasmContract::load(&billing_artifact::billing_wasm().expect("the billing artifact builds"))
        .expect("the artifact loads with floats disabled")
}

fn executor() -> WasmExecutor {
    let executor = WasmExecutor::new(contract());
    let mut tx = Tx::default();
    executor.deploy(&mut tx).expect("deploys");
    executor
}

#[test]
fn the_artifact_exports_memory_init_and_one_function_per_entrypoint_only() {
    let mut exports = contract().exports();
    exports.sort();
    let mut documented: Vec<String> = METHODS.iter().map(|m| m.name.to_string()).collect();
    documented.extend(["memory".to_string(), "init".to_string()]);
    documented.sort();
    assert_eq!(exports, documented);
}

#[test]
fn the_artifact_imports_only_documented_billing_functions() {
    let documented = [
        "input_size",
        "input_read",
        "storage_read",
        "storage_write",
        "storage_remove",
        "block_timestamp",
        "sender",
        "attached_value",
        "send_value",
        "emit_event",
        "return_output",
        "revert",
    ];
    let module = wasmi::Module::new(
        &wasmi::Engine::default(),
        billing_artifact::billing_wasm().expect("the billing artifact builds"),
    )
    .unwrap();
    for import in module.imports() {
        assert_eq!(import.module(), "billing", "{}", import.name());
        assert!(documented.contains(&import.name()), "undocumented import {}", import.name());
    }
}

/// `(module (func (drop (f32.const 0))))`: the loader must refuse what a deterministic VM refuses.
#[test]
fn a_module_with_a_float_instruction_does_not_load() {
    let float_module = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
        0x03, 0x02, 0x01, 0x00, // one function of type 0
        0x0a, 0x0a, 0x01, 0x08, 0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x0b, // f32.const 0; drop
    ];
    assert!(wasmi::Module::new(&wasmi::Engine::default(), &float_module[..]).is_ok(), "valid wasm");
    let refused = WasmContract::<Tx>::load(&float_module).err().expect("refused with floats off");
    assert!(refused.to_string().contains("invalid contract module"), "{refused}");
}

#[test]
fn ci_tests_the_optimized_artifact() {
    if std::env::var("CI").is_ok() {
        let built =
            billing_artifact::fixture(billing_artifact::Flavor::Billing).expect("the artifact builds");
        assert!(built.optimized, "CI must install binaryen (wasm-opt)");
    }
}

fn expect_expected_revert(executor: &WasmExecutor, export: &str, input: Vec<u8>, code: &str) {
    let mut tx = Tx::default();
    let refusal = executor.run(&mut tx, export, input.clone()).expect_err("refused");
    assert_eq!(refusal.code, code, "{export} {input:02x?}: {refusal:?}");
    assert!(refusal.message.starts_with("[EXPECTED] "), "{refusal:?}");
    assert!(tx.effects.events.is_empty() && tx.store.pending.is_empty());
}

#[test]
fn malformed_calldata_truncated_input_and_non_arrays_are_expected_reverts() {
    let executor = executor();
    let call = encode(&Value::Array(vec!["weather".into(), 1.into(), 1.into()]));
    for cut in 0..call.len() {
        expect_expected_revert(&executor, "register_api", call[..cut].to_vec(), "invalid_calldata");
    }
    expect_expected_revert(&executor, "register_api", vec![0x07], "invalid_calldata");
    expect_expected_revert(&executor, "register_api", vec![0x00, 0x00], "invalid_calldata");
    expect_expected_revert(&executor, "top_up_credit", encode(&Value::from(5)), "invalid_arguments");
    expect_expected_revert(&executor, "top_up_credit", encode(&Value::Map(vec![])), "invalid_arguments");
}

#[test]
fn wrong_argument_counts_types_and_oversized_integers_are_expected_reverts() {
    let executor = executor();
    let args = |values: Vec<Value>| encode(&Value::Array(values));
    expect_expected_revert(&executor, "register_api", args(vec!["w".into()]), "invalid_arguments");
    expect_expected_revert(
        &executor,
        "register_api",
        args(vec![1.into(), 1.into(), 1.into()]),
        "invalid_arguments",
    );
    expect_expected_revert(
        &executor,
        "consume_credit",
        args(vec!["w".into(), true.into()]),
        "invalid_arguments",
    );
    expect_expected_revert(&executor, "get_usage_report", args(vec!["0x12".into()]), "invalid_address");
    let huge = Value::Int(Int::from_le_bytes(false, &[0xff; 40]));
    expect_expected_revert(
        &executor,
        "register_api",
        args(vec!["w".into(), huge.clone(), 1.into()]),
        "out_of_range",
    );
    expect_expected_revert(&executor, "top_up_credit", args(vec![huge]), "out_of_range");
    let negative_huge = Value::Int(Int::from_le_bytes(true, &[0xff; 40]));
    expect_expected_revert(&executor, "withdraw_credit", args(vec![negative_huge]), "amount_not_positive");
}

#[test]
fn an_unknown_method_is_an_expected_refusal() {
    let executor = executor();
    for name in ["drain", "Consume_Credit", "memory", "__heap_base", ""] {
        expect_expected_revert(&executor, name, encode(&Value::Array(vec![])), "unknown_method");
    }
}

/// A small deterministic generator: the same inputs on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u8 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u8
    }
}

#[test]
fn arbitrary_bytes_into_every_export_end_in_a_result_or_an_expected_revert() {
    let contract = contract();
    let mut rng = Lcg(0x5eed);
    let mut exports: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
    exports.push("init");
    for export in exports {
        for round in 0..150 {
            let len = usize::from(rng.next() % 48);
            let mut input: Vec<u8> = (0..len).map(|_| rng.next()).collect();
            // Half the time, a well-formed array header so the bytes reach argument decoding.
            if round % 2 == 0 {
                input.insert(0, 0x05 | (rng.next() % 4) << 3);
            }
            let (_, ending, fuel) = contract.call(Tx::default(), export, input.clone());
            match ending {
                Ending::Returned(_) => {}
                Ending::Reverted(bytes) => {
                    let value = api_usage_billing::calldata::decode(&bytes).expect("revert is calldata");
                    let message = value.get("message").and_then(Value::as_str).unwrap_or_default();
                    assert!(message.starts_with("[EXPECTED] "), "{export} {input:02x?}: {message}");
                }
                Ending::Trapped(trap) => panic!("{export} {input:02x?} trapped: {trap}"),
            }
            assert!(fuel < 5_000_000, "{export} burned {fuel} fuel on {len} bytes");
        }
    }
}

#[test]
fn a_refused_call_through_the_vm_leaves_no_effects() {
    let executor = executor();
    let mut tx = Tx::default();
    let input = encode(&Value::Array(vec!["weather".into(), 0.into(), 1.into()]));
    let refusal = executor.run(&mut tx, "register_api", input).unwrap_err();
    assert_eq!(refusal.code, "cost_not_positive");
    assert_eq!(tx.store.pending.len(), 0);
    assert!(executor.last_fuel() > 0);
}

/// Found by fuzzing (fuzz/README.md): arrays nested deeply in a call's input.
#[test]
fn found_by_fuzzing_deep_nesting_is_an_expected_revert() {
    let executor = executor();
    let crash = include_bytes!("regressions/deep-nesting-host-stack.bin");
    let (selector, input) = crash.split_first().unwrap();
    let names: Vec<&str> = METHODS.iter().map(|m| m.name).chain(["init"]).collect();
    let export = names[usize::from(*selector) % names.len()];
    let mut tx = Tx::default();
    match executor.run(&mut tx, export, input.to_vec()) {
        Ok(_) => {}
        Err(refusal) => assert!(refusal.message.starts_with("[EXPECTED] "), "{refusal:?}"),
    }
}

#[test]
fn nesting_at_the_decoders_depth_limit_stays_within_the_wasm_stack() {
    let executor = executor();
    for depth in [60usize, 64, 65, 200, 5_000] {
        let mut input = vec![0x0d; depth];
        input.push(0x00);
        let mut tx = Tx::default();
        let refusal = executor.run(&mut tx, "register_api", input).unwrap_err();
        assert!(refusal.message.starts_with("[EXPECTED] "), "depth {depth}: {refusal:?}");
    }
}

/// ULEB128 of `n`.
fn uleb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let group = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(group);
            return;
        }
        out.push(group | 0x80);
    }
}

/// The reviewer's input: 64 nested arrays, each claiming as many items as the rest of a 1 MB input
/// could be, then a megabyte of nulls. Counts drove pre-allocation at every level (1.5 GiB); now a
/// count the rest cannot hold is refused at once, and the call fits the VM's memory limit.
#[test]
fn calldata_counts_never_drive_preallocation_on_the_wasm() {
    let executor = executor();
    const SIZE: usize = 1 << 20;
    for claim in [u64::from(u32::MAX >> 3), (SIZE as u64) - 200] {
        let mut input = Vec::with_capacity(SIZE);
        for _ in 0..64 {
            uleb((claim << 3) | 5, &mut input);
        }
        input.resize(SIZE, 0);
        let mut tx = Tx::default();
        let outcome = executor.run(&mut tx, "register_api", input);
        let refusal = outcome.expect_err("refused");
        assert_eq!(refusal.code, "invalid_calldata", "claim {claim}: {refusal:?}");
        assert!(refusal.message.starts_with("[EXPECTED] "), "{refusal:?}");
        assert!(
            executor.last_fuel() < billing_vm::billing::FUEL_LIMIT / 2,
            "claim {claim}: {} fuel",
            executor.last_fuel()
        );
    }
}

/// Past the VM's memory limit the allocator fails and the artifact's panic handler ends the call
/// with the one panic revert the core declares (`PANIC_REVERT`, tested against its map there),
/// changing nothing.
#[test]
fn a_call_that_outgrows_the_memory_limit_ends_in_the_panic_revert() {
    let input = vec![0; billing_vm::billing::MEMORY_LIMIT + 1];
    let (tx, ending, _) = contract().call(Tx::default(), "get_api_report", input);
    assert_eq!(ending, Ending::Reverted(api_usage_billing::PANIC_REVERT.to_vec()));
    assert!(tx.effects.events.is_empty() && tx.store.pending.is_empty());
}
