//! The driver on the real executor: what commits and what is discarded, time-outs, the module cache,
//! the calls GenVM cannot express, and the errno answers a contract gets (with small hand-written
//! modules where the billing contract never goes).

mod support;

use support::probes::{self, event_request, module, probe, request, send_request, zip, ALICE, SLOT};

use std::collections::BTreeMap;
use std::time::Duration;

use api_usage_billing::calldata;
use api_usage_billing::Value;
use billing_chain_core::{MockChain, CONTRACT};
use genvm_executor::message::ZIP_V016_FROM;
use genvm_executor::{CallSpec, DriverError, Ending, Genvm, Inexpressible, SlotStore};

type Store = BTreeMap<[u8; 32], Vec<u8>>;

fn run(genvm: &Genvm, spec: &CallSpec, store: &Store) -> genvm_executor::Run {
    genvm.run(spec, store).unwrap_or_else(|e| panic!("{e}"))
}

fn call() -> CallSpec {
    CallSpec::new(ALICE, Some("m"), &[])
}

#[test]
fn a_return_commits_its_writes_and_rollback_trap_and_timeout_discard_theirs() {
    let Some(executor) = support::executor() else { return };
    let mut store = Store::new();
    store.insert(SLOT, b"__________".to_vec());
    let rollback = request("Rollback", Value::from("[EXPECTED] no"));
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "return",
            request("Return", Value::from("done")),
            "(drop (call $write_hello)) (drop (call $request))",
        ),
        ("rollback", rollback, "(drop (call $write_hello)) (drop (call $request))"),
        ("trap", Vec::new(), "(drop (call $write_hello)) unreachable"),
    ];
    for (name, request, body) in cases {
        let genvm = Genvm::new(&executor, module(&request, body)).unwrap();
        let run = run(&genvm, &call(), &store);
        // GenVM streams each write to the host at once: the overlay has it whatever the ending.
        assert_eq!(run.overlay.slots().get(&SLOT).map(Vec::as_slice), Some(&b"hello_____"[..]), "{name}");
        match name {
            "return" => {
                assert_eq!(run.ending, Ending::Return(calldata::encode(&Value::from("done"))));
                assert!(run.committed().is_some());
            }
            "rollback" => {
                assert_eq!(run.ending, Ending::Rollback("[EXPECTED] no".into()));
                assert!(run.committed().is_none());
            }
            _ => {
                assert!(
                    matches!(&run.ending, Ending::VmError(m) if m.contains("wasm_trap")),
                    "{:?}",
                    run.ending
                );
                assert!(run.committed().is_none());
            }
        }
    }
    // The caller's store is never touched by the driver.
    assert_eq!(store[&SLOT], b"__________");
}

#[test]
fn a_call_past_the_time_limit_is_killed_and_discarded_and_the_driver_runs_on() {
    let Some(executor) = support::executor() else { return };
    let code = module(&request("Return", Value::Null), "(drop (call $write_hello)) (loop $spin (br $spin))");
    let genvm = Genvm::new(&executor, code).unwrap().with_timeout(Duration::from_millis(1_500));
    for _ in 0..2 {
        let run = run(&genvm, &call(), &Store::new());
        assert_eq!(run.ending, Ending::Timeout);
        assert!(run.committed().is_none());
        assert!(run.wall < Duration::from_secs(10), "{:?}", run.wall);
    }
    let quick =
        Genvm::new(&executor, module(&request("Return", Value::Null), "(drop (call $request))")).unwrap();
    assert_eq!(run_ok(&quick, &call()), Value::Null);
}

fn run_ok(genvm: &Genvm, spec: &CallSpec) -> Value {
    match run(genvm, spec, &Store::new()).ending {
        Ending::Return(bytes) => calldata::decode(&bytes).unwrap(),
        other => panic!("{other:?}"),
    }
}

/// The errno a host call answers, read back as the call's `Return` value.
fn errno_of(genvm: &Genvm, spec: &CallSpec) -> u64 {
    match run_ok(genvm, spec) {
        Value::Int(n) => n.to_u64().unwrap(),
        other => panic!("{other:?}"),
    }
}

/// The errno table docs/ABI.md and the wasmi host follow (genlayer_sdk: 0 ok, 2 inval, 6 forbidden,
/// 7 inbalance). Read-only is `--permissions r`, as a node runs a view.
#[test]
fn host_calls_answer_the_errnos_of_genvm_v0_1_8() {
    let Some(executor) = support::executor() else { return };
    for probe in probes::probes() {
        let code = if probe.zip { zip(&probe.wasm) } else { probe.wasm.clone() };
        let genvm = Genvm::new(&executor, code).unwrap();
        let spec = call().readonly(probe.readonly).balance(CONTRACT, 10);
        assert_eq!(errno_of(&genvm, &spec), probe.errno, "{}", probe.name);
    }
}

#[test]
fn events_and_sends_reach_the_host_decoded() {
    let Some(executor) = support::executor() else { return };
    let genvm = Genvm::new(&executor, zip(&probe(&event_request(2), "call $request"))).unwrap();
    let emitted = run(&genvm, &call(), &Store::new());
    assert_eq!(emitted.events.len(), 1);
    let topic = api_usage_billing::genvm::protocol::event_topic("ApiRegistered");
    assert_eq!(emitted.events[0].topics, vec![topic; 2]);
    assert_eq!(emitted.events[0].blob.get("operator"), Some(&Value::Address(ALICE)));
    assert_eq!(
        genvm_executor::chain::event_of(&emitted.events[0]).map(|e| e.name.to_string()).as_deref(),
        Some("ApiRegistered")
    );
    let genvm = Genvm::new(&executor, probe(&send_request(4, &[]), "call $request")).unwrap();
    let sent = run(&genvm, &call().balance(CONTRACT, 10), &Store::new());
    assert_eq!(sent.sends.len(), 1);
    assert_eq!((sent.sends[0].to, sent.sends[0].value), (Some(ALICE), 4));
}

#[test]
fn the_module_cache_is_filled_by_the_first_run_and_used_by_the_next() {
    let Some(executor) = support::executor() else { return };
    let home = std::env::temp_dir().join(format!("genvm-cold-home-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let genvm = Genvm::new(&executor, support::contract_zip()).unwrap().with_cache_home(home.clone());
    assert!(genvm.version().unwrap().starts_with("genvm v0.1.8"), "{:?}", genvm.version());
    let deploy = CallSpec::new(ALICE, None, &[]);
    let cold = run(&genvm, &deploy, &Store::new());
    let warm = run(&genvm, &deploy, &Store::new());
    assert_eq!(cold.ending, Ending::Return(vec![0]));
    assert_eq!(warm.ending, cold.ending);
    assert!(home.join(".cache").join("genvm").is_dir(), "the executor caches under $HOME/.cache/genvm");
    println!(
        "cold: {:?} (module load {:?}); warm: {:?} (module load {:?})",
        cold.wall, cold.module_load, warm.wall, warm.module_load
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn calls_genvm_cannot_express_are_refused_before_they_run() {
    let Some(executor) = support::executor() else { return };
    let genvm = Genvm::new(&executor, support::contract_zip()).unwrap();
    let too_much = u128::from(u64::MAX) + 1;
    let spec = CallSpec::new(ALICE, Some("top_up_credit"), &[Value::from(too_much)]).value(too_much);
    assert!(matches!(
        genvm.run(&spec, &Store::new()),
        Err(DriverError::Inexpressible(Inexpressible::Value { value })) if value == too_much
    ));
    let early = CallSpec::new(ALICE, None, &[]).at(ZIP_V016_FROM - 1);
    assert!(matches!(
        genvm.run(&early, &Store::new()),
        Err(DriverError::Inexpressible(Inexpressible::TooEarly { .. }))
    ));
    // The rule is the executor's own: past the check it refuses the version, and from that second on
    // it runs it.
    let refused = genvm.run_unchecked(&early, &Store::new()).unwrap();
    assert!(
        matches!(&refused.ending, Ending::VmError(m) if m.contains("version_too_big")),
        "{:?}",
        refused.ending
    );
    let first = run(&genvm, &CallSpec::new(ALICE, None, &[]).at(ZIP_V016_FROM), &Store::new());
    assert_eq!(first.ending, Ending::Return(vec![0]));
    // The largest value GenVM carries runs.
    let mut store = Store::new();
    store.extend(first.overlay.into_slots());
    let max = u128::from(u64::MAX);
    let top_up =
        CallSpec::new(ALICE, Some("top_up_credit"), &[Value::from(max)]).value(max).balance(CONTRACT, max);
    let receipt = run(&genvm, &top_up, &store);
    assert!(matches!(receipt.ending, Ending::Return(_)), "{:?}", receipt.ending);

    // On the mock chain: the sandbox refusal, with nothing changed.
    let mut chain = genvm_executor::chain::real_genvm_chain(&executor, support::contract_zip()).unwrap();
    chain.faucet(ALICE, u128::MAX);
    let before = chain.clone();
    let refusal = chain.call(ALICE).value(too_much).top_up_credit(too_much).unwrap_err();
    assert_eq!(refusal.code, "value_not_expressible");
    assert_same_state(&chain, &before);
    chain.set_time(ZIP_V016_FROM - 1);
    let refusal = chain.call(ALICE).value(1).top_up_credit(1).unwrap_err();
    assert_eq!(refusal.code, "time_not_expressible");
    chain.set_time(genvm_executor::message::LATEST_DATETIME + 1);
    let refusal = chain.call(ALICE).get_usage_report(ALICE).unwrap_err();
    assert_eq!(refusal.code, "time_not_expressible");
    assert_same_state(&chain, &before);
}

fn assert_same_state(chain: &MockChain, before: &MockChain) {
    assert_eq!(chain.storage(), before.storage());
    assert_eq!(chain.balances(), before.balances());
    assert_eq!(chain.events(), before.events());
}

/// The billing contract itself: a bill commits its slots (a view then sees them), a refused call
/// commits nothing; the slots are the wasmi host's (`SHA3-256(domain ‖ key)`, never the root).
#[test]
fn the_contract_commits_on_return_only() {
    let Some(executor) = support::executor() else { return };
    let genvm = Genvm::new(&executor, support::contract_zip()).unwrap();
    let mut store = Store::new();
    let commit = |run: &genvm_executor::Run, store: &mut Store| {
        if let Some(overlay) = run.committed() {
            store.extend(overlay.slots().clone());
        }
    };
    let deploy = run(&genvm, &CallSpec::new(ALICE, None, &[]), &store);
    commit(&deploy, &mut store);
    let register = CallSpec::new(
        ALICE,
        Some("register_api"),
        &[Value::from("weather"), Value::from(10u64), Value::from(5u64)],
    );
    let registered = run(&genvm, &register, &store);
    assert_eq!(registered.ending, Ending::Return(vec![0]));
    assert!(!registered.overlay.is_empty());
    assert_eq!(registered.events.len(), 1);
    commit(&registered, &mut store);
    assert!(!store.contains_key(&[0u8; 32]), "the root slot is GenVM's");
    assert!(store.read(&genvm_executor::code_slot()).is_none(), "the code is the driver's, not the store's");

    let refused = CallSpec::new(ALICE, Some("consume_credit"), &[Value::from("nope"), Value::Address(ALICE)]);
    let again = run(&genvm, &refused, &store);
    assert!(
        matches!(&again.ending, Ending::Rollback(m) if m.starts_with("[EXPECTED] ")),
        "{:?}",
        again.ending
    );
    assert!(again.stdout.contains("[Refused] code="), "{}", again.stdout);
    let before = store.clone();
    commit(&again, &mut store);
    assert_eq!(store, before);
    let view = CallSpec::new(ALICE, Some("get_usage_report"), &[Value::Address(ALICE)]).readonly(true);
    assert!(matches!(run(&genvm, &view, &store).ending, Ending::Return(_)));
    let as_fn = genvm_executor::FnStore(|slot: &[u8; 32]| store.get(slot).cloned());
    let via_fn = genvm.run(&view, &as_fn).unwrap();
    assert_eq!(via_fn.ending, run(&genvm, &view, &store).ending);
}

/// How `_start` may end besides `Return`/`Rollback`: returning normally, or `proc_exit(0)`, is
/// `Return(null)`; `proc_exit(n)` for any other `n` is the VM error `exit_code n`.
#[test]
fn a_plain_return_is_return_null_and_proc_exit_is_a_vm_error() {
    let Some(executor) = support::executor() else { return };
    let plain = wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "_start")))"#).unwrap();
    let genvm = Genvm::new(&executor, plain).unwrap();
    assert_eq!(run(&genvm, &call(), &Store::new()).ending, Ending::Return(vec![0]));
    for (code, expected) in [(0, Ending::Return(vec![0])), (3, Ending::VmError("exit_code 3".into()))] {
        let exit = wat::parse_str(format!(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_start") (call $exit (i32.const {code}))))"#
        ))
        .unwrap();
        let genvm = Genvm::new(&executor, exit).unwrap();
        assert_eq!(run(&genvm, &call(), &Store::new()).ending, expected, "proc_exit({code})");
    }
}

/// A write far past any record (index near 4 GiB) is answered "out of storage gas" by the driver,
/// which GenVM turns into a VM error, rather than grown in memory.
#[test]
fn a_write_past_the_slot_bound_ends_the_call_with_a_vm_error() {
    let Some(executor) = support::executor() else { return };
    let far = "(drop (call $write (i32.const 0) (i32.const -8) (i32.const 64) (i32.const 5))) (drop (call $request))";
    let genvm = Genvm::new(&executor, module(&request("Return", Value::Null), far)).unwrap();
    let run = run(&genvm, &call(), &Store::new());
    assert!(
        matches!(&run.ending, Ending::VmError(m) if m.contains("out_of_storage_gas")),
        "{:?}",
        run.ending
    );
    assert!(run.overlay.is_empty());
}

/// One driver shared by threads (as a JSON-RPC node would): the calls take turns and each gets its own
/// result.
#[test]
fn calls_from_several_threads_take_turns() {
    let Some(executor) = support::executor() else { return };
    let genvm = std::sync::Arc::new(Genvm::new(&executor, support::contract_zip()).unwrap());
    let threads: Vec<_> = (0..3u64)
        .map(|n| {
            let genvm = std::sync::Arc::clone(&genvm);
            std::thread::spawn(move || {
                let view =
                    CallSpec::new(ALICE, Some("get_api"), &[Value::from(format!("api{n}"))]).readonly(true);
                (0..3).map(|_| genvm.run(&view, &Store::new()).map(|r| r.ending)).collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        for ending in thread.join().unwrap() {
            let ending = ending.unwrap();
            assert!(matches!(ending, Ending::Return(_) | Ending::Rollback(_)), "{ending:?}");
        }
    }
}
