//! A group of calls in one store transaction ends exactly where the same calls, each committed on
//! its own, end: refusals in the middle leave nothing but their block time; a group dropped without
//! its commit leaves nothing at all.

use api_usage_billing::{Address, Value};
use billing_chain::CONTRACT;
use billing_chain::{Abi, Chain};

const OPERATOR: Address = Address([0x0a; 20]);
const ALICE: Address = Address([0xa1; 20]);
const POOR: Address = Address([0x99; 20]);

/// Sender, value, block time, method, arguments.
type Call = (Address, u128, Option<u64>, &'static str, Vec<Value>);

/// Successes and refusals of every kind the chain and the contract have, interleaved.
fn script() -> Vec<Call> {
    let bill = || vec![Value::from("weather"), Value::from(ALICE)];
    vec![
        (OPERATOR, 0, None, "register_api", vec!["weather".into(), 10.into(), 3.into()]),
        (ALICE, 0, None, "consume_credit", bill()),
        (ALICE, 100, Some(1_767_230_000), "subscribe", vec!["weather".into(), 1_000.into(), 100.into()]),
        (ALICE, 0, Some(1_767_000_000), "consume_credit", bill()),
        (POOR, u128::MAX, None, "top_up_credit", vec![1.into()]),
        (ALICE, 0, None, "consume_credit", bill()),
        (CONTRACT, 0, None, "consume_credit", bill()),
        (ALICE, 0, None, "consume_credit", bill()),
        (ALICE, 0, None, "consume_credit", bill()),
        (ALICE, 0, None, "consume_credit", bill()),
        (ALICE, 0, None, "withdraw_credit", vec![1_000_000.into()]),
        (ALICE, 0, None, "withdraw_credit", vec![10.into()]),
    ]
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-chain-group-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.redb")
}

#[test]
fn a_group_ends_where_the_same_calls_committed_one_by_one_end() {
    let wasm = billing_artifact::billing_wasm().unwrap();
    let one_by_one = Chain::open_with(&temp("single"), &wasm, true, Abi::Billing).unwrap();
    let grouped = Chain::open_with(&temp("grouped"), &wasm, true, Abi::Billing).unwrap();
    let mut group = grouped.begin_group().unwrap();
    let mut refused = 0;
    for (sender, value, at, method, args) in script() {
        let single = one_by_one.call(sender, value, at, method, &args).unwrap();
        let in_group = group.call_to(CONTRACT, sender, value, at, method, &args).unwrap();
        assert_eq!(format!("{:?}", in_group.outcome), format!("{:?}", single.outcome), "{method}");
        assert_eq!(in_group.events, single.events, "{method}");
        refused += usize::from(single.outcome.is_err());
    }
    assert!(refused >= 6, "the script has refusals of each kind: {refused}");
    let before_commit = grouped.state_dump().unwrap();
    assert_eq!(before_commit.calls, 0, "nothing is on disk before the commit");
    group.commit().unwrap();
    assert_eq!(grouped.state_dump().unwrap(), one_by_one.state_dump().unwrap());
}

#[test]
fn a_group_dropped_without_its_commit_leaves_nothing() {
    let wasm = billing_artifact::billing_wasm().unwrap();
    let chain = Chain::open_with(&temp("dropped"), &wasm, true, Abi::Billing).unwrap();
    let before = chain.state_dump().unwrap();
    let mut group = chain.begin_group().unwrap();
    for (sender, value, at, method, args) in script() {
        group.call_to(CONTRACT, sender, value, at, method, &args).unwrap();
    }
    drop(group);
    assert_eq!(chain.state_dump().unwrap(), before);
    // And the chain goes on: the next group is the first.
    let mut group = chain.begin_group().unwrap();
    let (sender, value, at, method, args) = script().swap_remove(0);
    assert!(group.call_to(CONTRACT, sender, value, at, method, &args).unwrap().outcome.is_ok());
    group.commit().unwrap();
    assert_eq!(chain.state_dump().unwrap().calls, 1);
}
