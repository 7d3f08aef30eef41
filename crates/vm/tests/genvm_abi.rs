//! The GenVM flavor at its boundary: `_start` only, GenLayer's imports only, hostile messages end in
//! an `[EXPECTED]` rollback, views run read-only, a host errno is a clear VM error.

use api_usage_billing::calldata::encode;
use api_usage_billing::{Address, Value};
use billing_chain_core::{MockChain, Tx, CONTRACT};
use billing_vm::executor::{genvm_outcome, GenvmExecutor};
use billing_vm::genvm::{message, GenvmContract, GenvmEnding};

const ALICE: Address = Address([0xa1; 20]);

fn contract() -> GenvmContract<Tx> {
    GenvmContract::load(&billing_artifact::genvm_wasm().expect("the GenVM artifact builds"))
        .expect("the genvm artifact loads")
}

/// A transaction on a chain where the contract is deployed (and "weather" registered, Alice
/// subscribed), run through GenVM's flavor.
fn lived_in() -> Tx {
    let executor = std::rc::Rc::new(
        GenvmExecutor::load(&billing_artifact::genvm_wasm().expect("the GenVM artifact builds")).unwrap(),
    );
    let mut chain = MockChain::on(executor);
    chain.faucet(ALICE, 1_000);
    chain.call(Address([0x0a; 20])).register_api("weather", 10, 5).unwrap();
    chain.call(ALICE).value(100).subscribe("weather", 50, 100).unwrap();
    chain.transaction(ALICE, 0)
}

fn rollback(tx: Tx, raw_message: Vec<u8>, readonly: bool) -> (String, String) {
    let (_, ending, run) = contract().run(tx, raw_message, readonly);
    match ending {
        GenvmEnding::Rollback(message) => (message, run.stdout),
        other => panic!("expected a rollback, got {other:?} (stderr: {})", run.stderr),
    }
}

#[test]
fn the_genvm_artifact_exports_start_and_imports_only_genlayer_and_wasi() {
    let module = wasmi::Module::new(
        &wasmi::Engine::default(),
        billing_artifact::genvm_wasm().expect("the GenVM artifact builds"),
    )
    .unwrap();
    let exports: Vec<&str> = module.exports().map(|e| e.name()).collect();
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert!(exports.contains(&"_start") && exports.contains(&"memory"));
    for import in module.imports() {
        let allowed = match import.module() {
            "genlayer_sdk" => ["storage_read", "storage_write", "get_balance", "get_self_balance", "gl_call"]
                .contains(&import.name()),
            "wasi_snapshot_preview1" => ["fd_read", "fd_write", "proc_exit"].contains(&import.name()),
            _ => false,
        };
        assert!(allowed, "{}.{}", import.module(), import.name());
    }
}

#[test]
fn a_call_returns_through_gl_call_and_bills() {
    let tx = lived_in();
    let input =
        message(CONTRACT, ALICE, 0, tx_time(), Some("consume_credit"), &["weather".into(), ALICE.into()]);
    let (tx, ending, run) = contract().run(tx, input, false);
    let receipt = genvm_outcome(ending, &run).unwrap();
    assert_eq!(receipt.get("remaining_credit_wei").and_then(Value::as_u128), Some(90));
    assert_eq!(tx.effects.events.len(), 1);
    assert_eq!(tx.effects.events[0].name, "CallBilled");
}

fn tx_time() -> u64 {
    billing_chain_core::GENESIS_TIME
}

#[test]
fn malformed_messages_and_calls_roll_back_with_expected_messages() {
    let at = tx_time();
    let valid_entry = |entry: Value| {
        let mut bytes = message(CONTRACT, ALICE, 0, at, Some("x"), &[]);
        // Replace entry_data: rebuild the map with the given entry.
        let Value::Map(mut fields) = api_usage_billing::calldata::decode(&bytes).unwrap() else {
            unreachable!()
        };
        for (key, value) in fields.iter_mut() {
            if key == "entry_data" {
                *value = Value::Bytes(encode(&entry));
            }
        }
        bytes = encode(&Value::Map(fields));
        bytes
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty stdin", vec![], "[EXPECTED] invalid calldata"),
        ("not calldata", vec![0x07, 0x01], "[EXPECTED] invalid calldata"),
        ("not a map", encode(&Value::from(5)), "[EXPECTED] invalid calldata"),
        (
            "entry_data not calldata",
            valid_entry(Value::Null).into_iter().collect(),
            "[EXPECTED] invalid calldata",
        ),
        ("unknown method", message(CONTRACT, ALICE, 0, at, Some("drain"), &[]), "[EXPECTED] unknown method"),
        (
            "wrong count",
            message(CONTRACT, ALICE, 0, at, Some("top_up_credit"), &[]),
            "[EXPECTED] invalid arguments: top_up_credit takes a different number of arguments",
        ),
        (
            "wrong type",
            message(CONTRACT, ALICE, 0, at, Some("withdraw_credit"), &["5".into()]),
            "[EXPECTED] invalid arguments: amount must be an integer",
        ),
        (
            "kwargs",
            valid_entry(Value::map([
                ("kwargs", Value::map([("x", Value::from(1))])),
                ("method", Value::from("get_schema")),
            ])),
            "[EXPECTED] invalid arguments: keyword arguments are not accepted",
        ),
        (
            "huge int",
            message(
                CONTRACT,
                ALICE,
                0,
                at,
                Some("withdraw_credit"),
                &[Value::Int(api_usage_billing::Int::from_le_bytes(false, &[0xff; 40]))],
            ),
            "[EXPECTED] amount out of range",
        ),
    ];
    for (what, input, expected) in cases {
        let (got, _) = rollback(lived_in(), input, false);
        assert_eq!(got, expected, "{what}");
    }
    // A bad datetime is a malformed message too.
    let mut bad_time =
        api_usage_billing::calldata::decode(&message(CONTRACT, ALICE, 0, at, Some("get_schema"), &[]))
            .unwrap();
    if let Value::Map(fields) = &mut bad_time {
        for (key, value) in fields.iter_mut() {
            if key == "datetime" {
                *value = Value::from("yesterday");
            }
        }
    }
    assert_eq!(rollback(lived_in(), encode(&bad_time), true).0, "[EXPECTED] invalid calldata");
}

#[test]
fn a_refusal_writes_its_code_and_details_first_then_rolls_back_with_the_message() {
    let input = message(CONTRACT, ALICE, 0, tx_time(), Some("withdraw_credit"), &[101.into()]);
    let (message, stdout) = rollback(lived_in(), input, false);
    assert_eq!(message, "[EXPECTED] insufficient prepaid credit");
    assert_eq!(
        stdout,
        "[Refused] code=insufficient_credit reason=insufficient_credit credit=100 required=101\n"
    );
}

#[test]
fn the_schema_answers_both_ways_and_views_run_read_only() {
    for method in ["#get-schema", "get_schema"] {
        let (_, ending, _) =
            contract().run(lived_in(), message(CONTRACT, ALICE, 0, tx_time(), Some(method), &[]), true);
        assert_eq!(
            ending,
            GenvmEnding::Return(encode(&Value::from(api_usage_billing::schema::CONTRACT_SCHEMA))),
            "{method}"
        );
    }
    let (tx, ending, _) = contract().run(
        lived_in(),
        message(CONTRACT, ALICE, 0, tx_time(), Some("get_usage_report"), &[ALICE.into()]),
        true,
    );
    assert!(matches!(ending, GenvmEnding::Return(_)));
    assert!(tx.store.pending.is_empty());
}

#[test]
fn a_host_errno_is_a_clear_vm_error_not_a_silent_one() {
    // A write method run read-only: storage_write answers errno 6 (forbidden).
    let input = message(CONTRACT, ALICE, 0, tx_time(), Some("withdraw_credit"), &[5.into()]);
    let (_, ending, run) = contract().run(lived_in(), input, true);
    assert!(matches!(ending, GenvmEnding::Trapped(_)), "{ending:?}");
    assert!(run.stderr.contains("genvm host error: storage_write returned errno 6"), "{}", run.stderr);
}

#[test]
fn withdrawals_send_value_with_eth_send_and_the_deploy_initializes_state() {
    let input = message(CONTRACT, ALICE, 0, tx_time(), Some("withdraw_credit"), &[40.into()]);
    let (tx, ending, _) = contract().run(lived_in(), input, false);
    assert_eq!(ending, GenvmEnding::Return(encode(&Value::Null)));
    assert_eq!(tx.effects.transfers, [billing_chain_core::Transfer { to: ALICE, amount: 40 }]);

    let deploy = message(CONTRACT, CONTRACT, 0, tx_time(), None, &[]);
    let (tx, ending, _) = contract().run(Tx::default(), deploy, false);
    assert_eq!(ending, GenvmEnding::Return(encode(&Value::Null)));
    assert_eq!(tx.effects.writes, 1, "the state version");
}

/// Past the VM's memory limit the allocator fails and the GenVM artifact's panic handler rolls the
/// call back with the one message the core declares (`protocol::PANIC_ROLLBACK`).
#[test]
fn a_message_that_outgrows_the_memory_limit_ends_in_the_panic_rollback() {
    let raw = vec![0; billing_vm::billing::MEMORY_LIMIT + 1];
    let (tx, ending, run) = contract().run(Tx::default(), raw, false);
    assert_eq!(ending, GenvmEnding::Rollback("contract panicked".into()), "stderr: {}", run.stderr);
    assert!(tx.effects.events.is_empty() && tx.store.pending.is_empty());
}
