//! The fuel trace (`cargo costs --phases`): a traced call marks each host call in order with the
//! fuel burned so far, and tracing changes nothing the call does or burns.

use std::rc::Rc;

use billing_chain_core::{Address, MockChain};
use billing_vm::executor::{metered_chain, GenvmExecutor};
use billing_vm::trace::FuelMark;

const OPERATOR: Address = Address([0x0a; 20]);
const ALICE: Address = Address([0xa1; 20]);

fn seeded(chain: &mut MockChain) {
    chain.faucet(ALICE, 1_000);
    chain.call(OPERATOR).register_api("weather", 10, 100).unwrap();
    chain.call(ALICE).value(100).subscribe("weather", 1_000, 100).unwrap();
}

fn imports(marks: &[FuelMark]) -> Vec<(&'static str, Option<u8>)> {
    marks.iter().map(|m| (m.import, m.key_prefix)).collect()
}

#[test]
fn a_traced_bill_marks_each_host_call_in_order_and_burns_the_same_fuel() {
    let (mut chain, executor) = metered_chain(&billing_artifact::billing_wasm().unwrap()).unwrap();
    seeded(&mut chain);
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    let untraced = executor.last_fuel();
    assert!(executor.last_trace().is_empty(), "no trace unless asked for");

    executor.set_tracing(true);
    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt.get("calls_today"), Some(&2u64.into()));
    let marks = executor.last_trace();
    assert_eq!(
        imports(&marks),
        [
            ("input_read", None),
            ("storage_read", Some(b'a')),
            ("storage_read", Some(b's')),
            ("storage_read", Some(b'c')),
            ("storage_write", Some(b'c')),
            ("storage_write", Some(b'a')),
            ("storage_write", Some(b's')),
            ("emit_event", None),
            ("return_output", None),
        ]
    );
    assert!(marks.windows(2).all(|pair| pair[0].fuel < pair[1].fuel), "{marks:?}");
    let traced = executor.last_fuel();
    assert!(marks.last().is_some_and(|m| m.fuel < traced));
    // The same bill on the same state shape (the second of the day): tracing costs no fuel.
    executor.set_tracing(false);
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(executor.last_fuel(), traced);
    assert!(untraced > 0);
}

#[test]
fn a_traced_genvm_bill_marks_stdin_slots_events_and_the_return() {
    let executor = Rc::new(GenvmExecutor::load(&billing_artifact::genvm_wasm().unwrap()).unwrap());
    let mut chain = MockChain::on(executor.clone());
    seeded(&mut chain);
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    executor.set_tracing(true);
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    let marks = executor.last_trace();
    let names: Vec<&str> = marks.iter().map(|m| m.import).collect();
    let first_slot = names.iter().position(|n| *n == "storage_read").unwrap();
    assert!(names[..first_slot].iter().all(|n| *n == "fd_read"), "{names:?}");
    assert_eq!(names.iter().filter(|n| **n == "storage_write").count(), 3, "{names:?}");
    assert_eq!(names.last(), Some(&"gl_call Return"));
    assert!(names.contains(&"gl_call EmitEvent"));
    assert!(marks.windows(2).all(|pair| pair[0].fuel <= pair[1].fuel), "{marks:?}");
    assert!(marks.last().is_some_and(|m| m.fuel <= executor.last_fuel()));
}
