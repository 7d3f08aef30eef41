//! `call_contract` on the chain, here in memory (the same chain as on disk): a nested call that
//! returns, one refused that the caller reads and goes on after (the callee's writes, events and
//! transfers gone), a caller that reverts after a nested call returned (both contracts rolled back),
//! the depth limit, reentrancy, an unknown contract, a trapping callee, shared fuel.

mod support;

use api_usage_billing::calldata;
use api_usage_billing::{Address, Event, Value};
use billing_chain::{Chain, FAUCET_WEI};
use support::*;

const B: u64 = 0;
const A: u64 = 1;
const CALLEE_FUNDS: u128 = 100;
/// How many times the callee's `spin` loops: a known, large amount of fuel.
const SPINS: u32 = 100_000;

fn wrote() -> Event {
    Event::new("Wrote", [("n", Value::from(1u64))])
}

fn called() -> Event {
    Event::new("Called", [("n", Value::from(2u64))])
}

/// B, the callee: writes, emits, pays and reports who called it; or the same then refuses; traps;
/// burns fuel forever; does nothing.
fn callee() -> Vec<u8> {
    let mut w = Wat::default();
    let effects = |w: &mut Wat| [w.write("k", b"v"), w.emit(&wrote()), w.send(PAYEE, 1), w.who()].join(" ");
    let body = format!("{} {}", effects(&mut w), w.ret(&Value::from("ok")));
    w.export("write", &body);
    let body = format!("{} {}", effects(&mut w), w.revert("nope"));
    w.export("write_then_revert", &body);
    let body = format!("{} unreachable", w.write("k", b"v"));
    w.export("trap", &body);
    w.export("burn", "(loop $forever (br $forever))");
    w.export("noop", "");
    w.export(
        "spin",
        &format!(
            "(loop $again (local.set $i (i32.add (local.get $i) (i32.const 1))) \
             (br_if $again (i32.lt_u (local.get $i) (i32.const {SPINS}))))"
        ),
    );
    let body =
        format!("{} {} {}", w.write("k", b"v"), w.send(PAYEE, CALLEE_FUNDS + 1), w.ret(&Value::from("ok")));
    w.export("overspend", &body);
    w.wasm()
}

/// A, the caller: `keep_M` calls B's `M`, keeps the answer under `rc` and `result`, then writes and
/// emits of its own and returns the answer; `revert_after_write` calls B's `write` and reverts.
fn caller(b: Address) -> Vec<u8> {
    let mut w = Wat::default();
    for method in ["write", "write_then_revert", "trap", "noop", "no_such_method", "spin", "overspend"] {
        let body = format!(
            "{} {} {} {} {}",
            w.write("before", b"1"),
            w.call(b, method),
            w.emit(&called()),
            w.write("after", b"1"),
            w.ret_answer()
        );
        w.export(&format!("keep_{method}"), &body);
    }
    let body = format!("{} {} {}", w.write("before", b"1"), w.call(b, "write"), w.revert("caller_gave_up"));
    w.export("revert_after_write", &body);
    let body = format!("{} {}", w.call(b, "burn"), w.ret_answer());
    w.export("burn", &body);
    let body = format!("{} {}", w.call(Address([0x77; 20]), "anything"), w.ret_answer());
    w.export("unknown", &body);
    w.wasm()
}

fn pair() -> (Chain, Address, Address) {
    let chain = memory_chain();
    let b = deploy(&chain, B, &callee(), CALLEE_FUNDS);
    let a = deploy(&chain, A, &caller(b), 0);
    (chain, a, b)
}

fn output(report: &billing_chain::CallReport) -> Value {
    report.outcome.clone().unwrap_or_else(|r| panic!("refused: {r:?}"))
}

#[test]
fn a_nested_call_that_returns_keeps_both_contracts_effects() {
    let (chain, a, b) = pair();
    let report = chain.call_to(a, USER, 0, None, "keep_write", &[]).unwrap();
    assert_eq!(output(&report), Value::from("ok"), "the callee's return value, passed through");
    assert_eq!(stored(&chain, a, "rc"), Some(vec![0]));
    assert_eq!(stored(&chain, a, "after"), Some(b"1".to_vec()));
    assert_eq!(stored(&chain, b, "k"), Some(b"v".to_vec()));
    assert_eq!(stored(&chain, b, "sender"), Some(a.0.to_vec()), "the callee's sender is the caller");
    assert_eq!(stored(&chain, b, "origin"), Some(USER.0.to_vec()), "its origin is the end user");
    assert_eq!(report.events, vec![wrote(), called()], "in the order they were emitted");
    assert_eq!(chain.state_dump().unwrap().events, vec![wrote(), called()]);
    assert_eq!(chain.balance(&b).unwrap(), CALLEE_FUNDS - 1);
    assert_eq!(chain.balance(&PAYEE).unwrap(), FAUCET_WEI + 1);
}

#[test]
fn a_refused_nested_call_is_a_value_the_caller_reads_and_goes_on_after_and_leaves_no_trace() {
    let (chain, a, b) = pair();
    let report = chain.call_to(a, USER, 0, None, "keep_write_then_revert", &[]).unwrap();
    let answer = output(&report);
    assert_eq!(code_of(&answer), Some("nope"));
    assert_eq!(
        answer.get("details"),
        Some(&Value::map([("why", Value::from("test"))])),
        "as the callee sent it"
    );
    assert_eq!(stored(&chain, a, "rc"), Some(vec![1]));
    assert_eq!(stored(&chain, a, "after"), Some(b"1".to_vec()), "the caller went on");
    assert_eq!(stored(&chain, b, "k"), None, "the callee's write is gone");
    assert_eq!(report.events, vec![called()], "only the caller's event");
    assert_eq!(chain.state_dump().unwrap().events, vec![called()]);
    assert_eq!(chain.balance(&b).unwrap(), CALLEE_FUNDS, "the callee's payment is undone");
    assert!(
        !chain.state_dump().unwrap().balances.iter().any(|(who, _)| *who == PAYEE),
        "the payee never seen"
    );
}

#[test]
fn a_caller_that_reverts_after_a_nested_call_returned_rolls_back_both_contracts() {
    let (chain, a, _) = pair();
    let before = chain.state_dump().unwrap();
    let report = chain.call_to(a, USER, 0, None, "revert_after_write", &[]).unwrap();
    assert_eq!(report.outcome.unwrap_err().code, "caller_gave_up");
    assert!(report.events.is_empty() && report.transfers.is_empty());
    assert_eq!(chain.state_dump().unwrap(), before, "storage, events and balances of both as before");
}

#[test]
fn a_trapping_callee_and_a_missing_method_are_refusals_the_caller_reads() {
    let (chain, a, b) = pair();
    let report = chain.call_to(a, USER, 0, None, "keep_trap", &[]).unwrap();
    assert_eq!(code_of(&output(&report)), Some("vm_trap"));
    assert_eq!(stored(&chain, b, "k"), None);
    assert_eq!(stored(&chain, a, "after"), Some(b"1".to_vec()));
    let report = chain.call_to(a, USER, 0, None, "keep_no_such_method", &[]).unwrap();
    assert_eq!(code_of(&output(&report)), Some("unknown_method"));
    let report = chain.call_to(a, USER, 0, None, "keep_noop", &[]).unwrap();
    assert_eq!(output(&report), Value::Null, "a callee that returns nothing answers null");
}

#[test]
fn a_call_to_no_contract_is_refused_unknown_contract() {
    let (chain, a, _) = pair();
    let report = chain.call_to(a, USER, 0, None, "unknown", &[]).unwrap();
    let answer = output(&report);
    assert_eq!(code_of(&answer), Some("unknown_contract"));
    let message = answer.get("message").and_then(Value::as_str).unwrap_or_default();
    assert!(message.starts_with("[EXPECTED] there is no contract at 0x7777"), "{message}");
}

#[test]
fn fuel_is_shared_a_callee_that_burns_it_all_fails_the_whole_transaction() {
    let (chain, a, _) = pair();
    let before = chain.state_dump().unwrap();
    let report = chain.call_to(a, USER, 0, None, "burn", &[]).unwrap();
    let refusal = report.outcome.unwrap_err();
    assert_eq!(refusal.code, "vm_trap");
    assert!(refusal.message.contains("fuel"), "{}", refusal.message);
    assert_eq!(report.fuel, billing_vm::billing::FUEL_LIMIT, "the callee burned the caller's fuel");
    assert_eq!(chain.state_dump().unwrap(), before);
}

#[test]
fn a_nested_call_costs_the_caller_the_callees_fuel_and_a_small_overhead() {
    let (chain, a, b) = pair();
    // The callee's spin alone; the caller around it; the caller around a call that runs nothing.
    let direct = chain.call_to(b, USER, 0, None, "spin", &[]).unwrap();
    let nested = chain.call_to(a, USER, 0, None, "keep_spin", &[]).unwrap();
    let nothing = chain.call_to(a, USER, 0, None, "keep_no_such_method", &[]).unwrap();
    assert!(direct.outcome.is_ok() && nested.outcome.is_ok() && nothing.outcome.is_ok());
    assert!(direct.fuel > u64::from(SPINS), "the spin is the bulk of it: {}", direct.fuel);
    let callee_part = nested.fuel.checked_sub(nothing.fuel).expect("a callee that runs costs more");
    assert!(
        callee_part >= direct.fuel && callee_part <= direct.fuel + 2_000,
        "the caller pays the callee's {} fuel and a small overhead: it paid {callee_part} more",
        direct.fuel
    );
}

#[test]
fn a_callee_that_sends_more_than_it_holds_is_refused_and_undone_and_the_caller_goes_on() {
    let (chain, a, b) = pair();
    let report = chain.call_to(a, USER, 0, None, "keep_overspend", &[]).unwrap();
    let answer = output(&report);
    assert_eq!(code_of(&answer), Some("host_fault"), "{answer:?}");
    assert_eq!(stored(&chain, b, "k"), None, "the callee's write is undone");
    assert_eq!(stored(&chain, a, "after"), Some(b"1".to_vec()), "the caller went on");
    assert_eq!(report.events, vec![called()], "only the caller's event");
    assert_eq!(chain.balance(&b).unwrap(), CALLEE_FUNDS);
    assert!(!chain.state_dump().unwrap().balances.iter().any(|(who, _)| *who == PAYEE));
}

#[test]
fn out_of_fuel_two_levels_down_fails_the_whole_transaction() {
    let chain = memory_chain();
    let c = deploy(&chain, 0, &callee(), CALLEE_FUNDS);
    let b = deploy(&chain, 1, &caller(c), 0);
    let a = deploy(&chain, 2, &caller(b), 0);
    let before = chain.state_dump().unwrap();
    let report = chain.call_to(a, USER, 0, None, "burn", &[]).unwrap();
    let refusal = report.outcome.unwrap_err();
    assert_eq!(refusal.code, "vm_trap");
    assert!(refusal.message.contains("fuel"), "{}", refusal.message);
    assert_eq!(report.fuel, billing_vm::billing::FUEL_LIMIT);
    assert_eq!(chain.state_dump().unwrap(), before, "nothing of any level stays");
}

#[test]
fn a_contract_calling_itself_is_refused_as_reentrant() {
    let chain = memory_chain();
    deploy(&chain, 0, &relay(Some(nth(0))), 0);
    let report = chain.call_to(nth(0), USER, 0, None, "relay", &[]).unwrap();
    assert_eq!(code_of(&output(&report)), Some("reentrant_call"));
    assert_eq!(stored(&chain, nth(0), "rc"), Some(vec![1]));
}

/// `relay` calls the next contract's `relay` and returns its answer; the last one returns "leaf".
fn relay(next: Option<Address>) -> Vec<u8> {
    let mut w = Wat::default();
    let body = match next {
        Some(next) => format!("{} {}", w.call(next, "relay"), w.ret_answer()),
        None => w.ret(&Value::from("leaf")),
    };
    w.export("relay", &body);
    w.wasm()
}

#[test]
fn calls_go_at_most_four_deep() {
    let chain = memory_chain();
    for n in 0..5 {
        let next = (n < 4).then(|| nth(n + 1));
        deploy(&chain, n, &relay(next), 0);
    }
    // nth(1) → 2 → 3 → 4: four deep, the last returns.
    let four = chain.call_to(nth(1), USER, 0, None, "relay", &[]).unwrap();
    assert_eq!(output(&four), Value::from("leaf"));
    // nth(0) → 1 → 2 → 3, whose call to 4 would be the fifth.
    let five = chain.call_to(nth(0), USER, 0, None, "relay", &[]).unwrap();
    assert_eq!(code_of(&output(&five)), Some("call_too_deep"));
    assert_eq!(stored(&chain, nth(3), "rc"), Some(vec![1]), "the fourth was refused its call");
}

#[test]
fn a_contract_on_the_call_stack_is_not_called_again() {
    let chain = memory_chain();
    deploy(&chain, 0, &relay(Some(nth(1))), 0);
    deploy(&chain, 1, &relay(Some(nth(0))), 0);
    let report = chain.call_to(nth(0), USER, 0, None, "relay", &[]).unwrap();
    let answer = output(&report);
    assert_eq!(code_of(&answer), Some("reentrant_call"));
    assert_eq!(stored_answer(&chain, nth(1)), answer, "refused to the second contract, passed up by it");
}

#[test]
fn the_billing_contract_answers_a_nested_view() {
    let chain = memory_chain();
    let mut w = Wat::default();
    let body = format!("{} {}", w.call(billing_chain::CONTRACT, "get_schema"), w.ret_answer());
    w.export("schema", &body);
    let a = deploy(&chain, 0, &w.wasm(), 0);
    let report = chain.call_to(a, USER, 0, None, "schema", &[]).unwrap();
    let direct = chain.view("get_schema", &[]).unwrap().unwrap();
    assert_eq!(output(&report), direct);
    assert!(matches!(direct, Value::Str(ref s) if s.contains("consume_credit")));
    let _ = calldata::encode(&direct);
}

#[test]
fn a_refusal_two_levels_down_undoes_what_the_deepest_call_kept_transfers_included() {
    let chain = memory_chain();
    // nth(0): C, the callee that writes, emits and pays; nth(1): B, which calls C's `write` and then
    // refuses; nth(2): A, which calls B and goes on.
    let c = deploy(&chain, 0, &callee(), CALLEE_FUNDS);
    let mut w = Wat::default();
    // B refuses only once C has returned (status 0), so its refusal proves C's effects were kept.
    let body =
        format!("{} (if (i32.eqz (local.get $rc)) (then {}))", w.call(c, "write"), w.revert("b_gave_up"));
    w.export("call_then_revert", &body);
    let b = deploy(&chain, 1, &w.wasm(), 0);
    let mut w = Wat::default();
    let body = format!("{} {} {}", w.call(b, "call_then_revert"), w.write("after", b"1"), w.ret_answer());
    w.export("go", &body);
    let a = deploy(&chain, 2, &w.wasm(), 0);

    let report = chain.call_to(a, USER, 7, None, "go", &[]).unwrap();
    assert_eq!(code_of(&output(&report)), Some("b_gave_up"));
    assert_eq!(stored(&chain, b, "rc"), None, "B's own writes (C's answer, kept) are gone");
    assert_eq!(stored(&chain, c, "k"), None, "and so is C's, though C returned");
    assert_eq!(stored(&chain, a, "after"), Some(b"1".to_vec()), "A went on");
    assert!(report.events.is_empty() && chain.state_dump().unwrap().events.is_empty(), "C's event is gone");
    assert_eq!(chain.balance(&c).unwrap(), CALLEE_FUNDS, "C's payment is undone");
    assert!(!chain.state_dump().unwrap().balances.iter().any(|(who, _)| *who == PAYEE));
    assert_eq!(chain.balance(&a).unwrap(), 7, "the value attached to A stays with A, none went down");
}

#[test]
fn a_contract_being_deployed_that_is_paid_by_a_nested_call_gets_no_faucet_gift() {
    let chain = memory_chain();
    // X pays 1 to the address the next deploy gets; P's init calls X's `pay`.
    let mut w = Wat::default();
    let body = format!("{} {}", w.send(nth(1), 1), w.ret(&Value::Null));
    w.export("pay", &body);
    let x = deploy(&chain, 0, &w.wasm(), CALLEE_FUNDS);
    let minted = chain.state_dump().unwrap().minted;
    let mut w = Wat::default();
    let init = w.call(x, "pay");
    w.init(&init);
    let p = deploy(&chain, 1, &w.wasm(), 0);
    assert_eq!(stored(&chain, p, "rc"), Some(vec![0]), "X paid");
    assert_eq!(chain.balance(&p).unwrap(), 1, "the payment, and no faucet gift");
    assert_eq!(chain.balance(&x).unwrap(), CALLEE_FUNDS - 1);
    assert_eq!(chain.state_dump().unwrap().minted, minted, "the faucet minted nothing");
}
