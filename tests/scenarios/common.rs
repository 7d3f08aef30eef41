// Shared cast and helpers for the scenario tests: who is who, and "refused and nothing changed".
// Included (not a module file of its own) by each test crate that runs the scenarios, which adds
// `new_chain()`: the native contract in tests/scenarios/main.rs, the compiled .wasm in the sandbox.

pub use billing_chain::{Address, MockChain, Value};
use billing_chain::{Outcome, Refusal, GENESIS_TIME};

pub const OPERATOR: Address = Address([0x0a; 20]);
pub const OTHER_OPERATOR: Address = Address([0x0b; 20]);
pub const ALICE: Address = Address([0xa1; 20]);
pub const BOB: Address = Address([0xb0; 20]);
/// A consumer contract Alice lets bill her.
pub const DAPP: Address = Address([0xda; 20]);
pub const STRANGER: Address = Address([0x55; 20]);

pub const DAY: u64 = api_usage_billing::SECONDS_PER_DAY;
/// Start of the genesis day (GENESIS_TIME is midnight UTC).
pub const DAY0: u64 = GENESIS_TIME;

/// "weather" costs 10 wei a call, 5 calls a day; Alice subscribed with a 30 wei daily cap and 100 wei.
pub fn weather_chain() -> MockChain {
    let mut chain = new_chain();
    for who in [OPERATOR, OTHER_OPERATOR, ALICE, BOB, DAPP, STRANGER] {
        chain.faucet(who, 1_000_000);
    }
    chain.call(OPERATOR).register_api("weather", 10, 5).expect("register");
    chain.call(ALICE).value(100).subscribe("weather", 30, 100).expect("subscribe");
    chain
}

pub fn receipt_field(receipt: &Value, field: &str) -> u128 {
    receipt
        .get(field)
        .and_then(Value::as_u128)
        .unwrap_or_else(|| panic!("receipt has no {field}: {receipt:?}"))
}

/// The usage report of `consumer`, parsed.
pub fn report(chain: &mut MockChain, consumer: Address) -> serde_json::Value {
    let json = chain.call(STRANGER).get_usage_report(consumer).expect("report");
    serde_json::from_str(json.as_str().expect("report is a string")).expect("report is JSON")
}

/// Credit left for `consumer`, from its report.
pub fn credit(chain: &mut MockChain, consumer: Address) -> u128 {
    report(chain, consumer)["credit_balance_wei"].as_str().expect("string amount").parse().expect("decimal")
}

/// Runs `call`, expects the refusal `code`, and checks that storage, balances and events are exactly
/// as before and that the call emitted and sent nothing.
pub fn refused(chain: &mut MockChain, code: &str, call: impl FnOnce(&mut MockChain) -> Outcome) -> Refusal {
    let before = chain.clone();
    let refusal = call(chain).expect_err("the call should be refused");
    assert_eq!(refusal.code, code, "{refusal:?}");
    assert!(refusal.message.starts_with("[EXPECTED] "), "{refusal:?}");
    assert_eq!(chain.storage(), before.storage(), "storage changed by a refused call");
    assert_eq!(chain.balances(), before.balances(), "balances changed by a refused call");
    assert_eq!(chain.events(), before.events(), "events recorded for a refused call");
    assert!(chain.last().events.is_empty() && chain.last().transfers.is_empty());
    refusal
}

/// The names of the events the latest call emitted.
pub fn last_events(chain: &MockChain) -> Vec<String> {
    chain.last().events.iter().map(|e| e.name.to_string()).collect()
}

pub fn int(v: u128) -> Value {
    Value::from(v)
}

/// `preview_bill(api, consumer, calls)` by `who`, read as the outcome of the bill it announces: the
/// receipt when allowed, the refusal when not; a refusal of the view itself (its own arguments) stays
/// one. Checks that the view wrote, emitted and sent nothing, and that its answer has exactly the keys
/// it should.
pub fn preview(
    chain: &mut MockChain,
    who: Address,
    api: &str,
    consumer: Address,
    calls: impl Into<Value>,
) -> Outcome {
    let (storage, balances, events) = (chain.storage().clone(), chain.balances().clone(), chain.events().len());
    let answer = chain.call(who).preview_bill(api, consumer, calls);
    assert!(chain.storage() == &storage, "preview_bill wrote");
    assert!(chain.balances() == &balances, "preview_bill moved value");
    assert_eq!(chain.events().len(), events, "preview_bill emitted");
    assert!(chain.last().events.is_empty() && chain.last().transfers.is_empty());
    let answer = answer?;
    let keys: Vec<&str> = match &answer {
        Value::Map(entries) => entries.iter().map(|(key, _)| key.as_str()).collect(),
        other => panic!("preview_bill answered {other:?}"),
    };
    match answer.get("allowed") {
        Some(Value::Bool(true)) => {
            assert_eq!(keys, ["allowed", "receipt"], "{answer:?}");
            Ok(answer.get("receipt").cloned().expect("a receipt"))
        }
        Some(Value::Bool(false)) => {
            assert_eq!(keys, ["allowed", "code", "details", "message"], "{answer:?}");
            Err(Refusal::from_value(&answer).expect("a refusal's code, message and details"))
        }
        _ => panic!("preview_bill's answer has no allowed flag: {answer:?}"),
    }
}
