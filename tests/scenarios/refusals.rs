//! Every error code the contract core raises, each triggered from one rich state that it must leave
//! exactly as it was: storage byte for byte, balances, events, transfers.

use std::collections::BTreeSet;

use crate::common::*;
use api_usage_billing::Int;
use billing_chain::Outcome;

const CAROL: Address = Address([0xca; 20]);

/// Weather (10 wei, 5 calls) with Alice subscribed (cap 30, credit 100) and DAPP her delegate; a paused
/// API; one whose price rose after Alice subscribed; Alice at the call limit of "tiny"; Bob subscribed
/// with no credit; a 4 wei cap on the 5 wei "capped"; 16 delegates on "crowded"; Carol subscribed to 64 APIs;
/// DAPP approved on "capped" too, limited there to 0 calls a day.
fn rich_state() -> MockChain {
    let mut chain = weather_chain();
    chain.faucet(CAROL, 1_000);
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).consume_credits("weather", ALICE, 1, 3).unwrap();
    for (name, price, limit) in [("frozen", 1, 10), ("pricey", 1, 10), ("tiny", 1, 1), ("crowded", 1, 10)] {
        chain.call(OPERATOR).register_api(name, price, limit).unwrap();
        chain.call(ALICE).subscribe(name, 100, 0).unwrap();
    }
    chain.call(OPERATOR).set_api_active("frozen", false).unwrap();
    chain.call(OPERATOR).register_api("capped", 5, 10).unwrap();
    chain.call(ALICE).subscribe("capped", 4, 0).unwrap();
    chain.call(OPERATOR).register_api("pricey", 2, 10).unwrap();
    chain.call(ALICE).consume_credit("tiny", ALICE).unwrap();
    chain.call(BOB).subscribe("weather", 30, 0).unwrap();
    for n in 0..16u8 {
        chain.call(ALICE).approve_delegate("crowded", Address([n; 20])).unwrap();
    }
    chain.call(ALICE).approve_delegate("capped", DAPP).unwrap();
    chain.call(ALICE).set_delegate_limit("capped", DAPP, 0).unwrap();
    for n in 0..64 {
        let name = format!("api-{n}");
        chain.call(OPERATOR).register_api(name.as_str(), 1, 1).unwrap();
        chain.call(CAROL).subscribe(name.as_str(), 1, 0).unwrap();
    }
    chain
}

fn too_big() -> Value {
    Value::Int(Int::sum(u128::MAX, 1))
}

type Case = (&'static str, &'static str, Box<dyn Fn(&mut MockChain) -> Outcome>);

fn case(code: &'static str, what: &'static str, call: impl Fn(&mut MockChain) -> Outcome + 'static) -> Case {
    (code, what, Box::new(call))
}

fn catalog() -> Vec<Case> {
    let sixty_five = "a".repeat(65);
    vec![
        case("api_name_required", "blank name", |c| c.call(OPERATOR).register_api(" \t\n", 1, 1)),
        case("api_name_required", "empty name", |c| c.call(OPERATOR).register_api("", 1, 1)),
        case("invalid_api_name", "65 characters", move |c| {
            c.call(OPERATOR).register_api(sixty_five.as_str(), 1, 1)
        }),
        case("invalid_api_name", "Cyrillic look-alike", |c| {
            c.call(OPERATOR).register_api("w\u{435}ather", 1, 1)
        }),
        case("invalid_api_name", "NBSP padding", |c| c.call(OPERATOR).register_api("\u{a0}weather", 1, 1)),
        case("invalid_api_name", "inner space", |c| c.call(OPERATOR).register_api("we ather", 1, 1)),
        case("cost_not_positive", "zero cost", |c| c.call(OPERATOR).register_api("new", 0, 1)),
        case("cost_not_positive", "negative cost, bad limit", |c| {
            c.call(OPERATOR).register_api("new", -1, 0)
        }),
        case("limit_not_positive", "zero limit", |c| c.call(OPERATOR).register_api("new", 1, 0)),
        case("limit_not_positive", "huge cost, negative limit", |c| {
            c.call(OPERATOR).register_api("new", too_big(), -3)
        }),
        case("out_of_range", "cost above u128", |c| c.call(OPERATOR).register_api("new", too_big(), 1)),
        case("out_of_range", "limit above u64", |c| {
            c.call(OPERATOR).register_api("new", 1, u128::from(u64::MAX) + 1)
        }),
        case("api_taken", "stranger re-registers", |c| c.call(STRANGER).register_api("weather", 1, 1)),
        case("api_not_registered", "subscribe unknown", |c| c.call(ALICE).subscribe("nope", 1, 0)),
        case("api_not_registered", "bill with bad name", |c| {
            c.call(ALICE).consume_credit("bad name!", ALICE)
        }),
        case("api_not_registered", "unsubscribe unknown", |c| c.call(ALICE).unsubscribe("nope")),
        case("api_not_registered", "approve unknown", |c| c.call(ALICE).approve_delegate("nope", DAPP)),
        case("api_not_registered", "revoke unknown", |c| c.call(ALICE).revoke_delegate("nope", DAPP)),
        case("api_not_registered", "pause unknown", |c| c.call(OPERATOR).set_api_active("nope", false)),
        case("api_not_registered", "earnings unknown", |c| c.call(OPERATOR).withdraw_earnings("nope", 1)),
        case("cap_not_positive", "zero cap, negative deposit", |c| c.call(ALICE).subscribe("weather", 0, -1)),
        case("negative_deposit", "negative deposit", |c| c.call(ALICE).subscribe("weather", 1, -1)),
        case("out_of_range", "cap above u128", |c| c.call(ALICE).subscribe("weather", too_big(), 0)),
        case("out_of_range", "deposit above u128", |c| c.call(ALICE).subscribe("weather", 1, too_big())),
        case("value_mismatch", "deposit without value", |c| c.call(ALICE).subscribe("weather", 1, 5)),
        case("value_mismatch", "top-up with less value", |c| c.call(ALICE).value(4).top_up_credit(5)),
        case("not_payable", "value on a bill", |c| c.call(ALICE).value(1).consume_credit("weather", ALICE)),
        case("api_paused", "subscribe paused", |c| c.call(ALICE).subscribe("frozen", 1, 0)),
        case("api_paused", "bill paused", |c| c.call(ALICE).consume_credit("frozen", ALICE)),
        case("too_many_subscriptions", "65th API", |c| c.call(CAROL).subscribe("weather", 1, 0)),
        case("caller_not_allowed", "operator bills", |c| c.call(OPERATOR).consume_credit("weather", ALICE)),
        case("caller_not_allowed", "delegate of another API", |c| c.call(DAPP).consume_credit("tiny", ALICE)),
        case("caller_not_allowed", "stranger, no subscription", |c| {
            c.call(STRANGER).consume_credit("tiny", CAROL)
        }),
        case("not_subscribed", "never subscribed", |c| c.call(CAROL).consume_credit("weather", CAROL)),
        case("not_subscribed", "unsubscribe twice", |c| c.call(STRANGER).unsubscribe("weather")),
        case("not_subscribed", "delegate without subscription", |c| {
            c.call(STRANGER).approve_delegate("weather", DAPP)
        }),
        case("price_increased", "raise not accepted", |c| c.call(ALICE).consume_credit("pricey", ALICE)),
        case("daily_call_limit", "limit reached", |c| c.call(ALICE).consume_credit("tiny", ALICE)),
        case("daily_spend_limit", "cap below one call", |c| c.call(ALICE).consume_credit("capped", ALICE)),
        case("insufficient_credit", "no credit", |c| c.call(BOB).consume_credit("weather", BOB)),
        case("insufficient_credit", "withdraw more", |c| c.call(ALICE).withdraw_credit(101)),
        case("amount_not_positive", "zero top-up", |c| c.call(ALICE).top_up_credit(0)),
        case("amount_not_positive", "negative withdrawal", |c| c.call(ALICE).withdraw_credit(-1)),
        case("out_of_range", "top-up above u128", |c| c.call(ALICE).top_up_credit(too_big())),
        case("out_of_range", "withdrawal above u128", |c| c.call(ALICE).withdraw_credit(too_big())),
        case("not_operator", "stranger pauses", |c| c.call(STRANGER).set_api_active("weather", false)),
        case("not_operator", "stranger withdraws earnings", |c| {
            c.call(STRANGER).withdraw_earnings("tiny", 1)
        }),
        case("insufficient_earnings", "more than billed", |c| c.call(OPERATOR).withdraw_earnings("tiny", 2)),
        case("amount_not_positive", "zero earnings", |c| c.call(OPERATOR).withdraw_earnings("tiny", 0)),
        case("too_many_delegates", "17th delegate", |c| c.call(ALICE).approve_delegate("crowded", DAPP)),
        case("delegate_not_approved", "revoke stranger", |c| {
            c.call(ALICE).revoke_delegate("weather", STRANGER)
        }),
        case("invalid_address", "short address", |c| c.call(ALICE).consume_credit("weather", "0x1234")),
        case("invalid_address", "no 0x", |c| c.call(ALICE).get_usage_report("a1".repeat(20))),
        case("invalid_address", "41 digits", |c| {
            c.call(ALICE).approve_delegate("weather", format!("0x{}", "d".repeat(41)))
        }),
        case("invalid_arguments", "too few", |c| {
            c.call(ALICE).method("subscribe", vec!["weather".into(), 1.into()])
        }),
        case("invalid_arguments", "too many", |c| {
            c.call(ALICE).method("top_up_credit", vec![1.into(), 2.into()])
        }),
        case("invalid_arguments", "int as name", |c| c.call(OPERATOR).register_api(7, 1, 1)),
        case("invalid_arguments", "string as amount", |c| c.call(ALICE).withdraw_credit("5")),
        case("invalid_arguments", "int as address", |c| c.call(ALICE).consume_credit("weather", 5)),
        case("invalid_arguments", "int as bool", |c| c.call(OPERATOR).set_api_active("weather", 0)),
        case("invalid_arguments", "null as amount", |c| c.call(ALICE).withdraw_credit(Value::Null)),
        case("calls_not_positive", "zero calls", |c| c.call(ALICE).consume_credits("weather", ALICE, 0, 1)),
        case("duplicate_usage_id", "retried batch", |c| {
            c.call(ALICE).consume_credits("weather", ALICE, 1, 3)
        }),
        case("not_pending_operator", "accept unoffered", |c| c.call(STRANGER).accept_api("weather")),
        case("not_operator", "stranger transfers", |c| c.call(STRANGER).transfer_api("weather", STRANGER)),
        case("delegate_limit", "a delegate limited to 0", |c| c.call(DAPP).consume_credit("capped", ALICE)),
        case("negative_limit", "delegate limit -1", |c| {
            c.call(ALICE).set_delegate_limit("weather", DAPP, -1)
        }),
        case("out_of_range", "delegate limit past u64", |c| {
            c.call(ALICE).set_delegate_limit("weather", DAPP, u128::from(u64::MAX) + 1)
        }),
        case("delegate_not_approved", "limit for a stranger", |c| {
            c.call(ALICE).set_delegate_limit("weather", STRANGER, 1)
        }),
        case("credit_alerts_count", "no thresholds", |c| {
            c.call(ALICE).set_credit_alerts(Vec::<Value>::new())
        }),
        case("credit_alert_percent", "a 100 % threshold", |c| {
            c.call(ALICE).set_credit_alerts(vec![Value::from(100)])
        }),
        case("credit_alerts_repeated", "20 twice", |c| {
            c.call(ALICE).set_credit_alerts(vec![Value::from(20), Value::from(20)])
        }),
        case("invalid_reason", "an empty reason", |c| c.call(OPERATOR).credit_note("weather", ALICE, 1, "")),
        case("credit_note_exceeds_billed", "a note to a consumer never billed", |c| {
            c.call(OPERATOR).credit_note("weather", BOB, 1, "goodwill")
        }),
        case("insufficient_earnings", "a note above the earnings", |c| {
            c.call(OPERATOR).credit_note("weather", ALICE, 11, "outage")
        }),
        case("unknown_method", "no such method", |c| c.call(ALICE).method("drain", vec![])),
        case("unknown_method", "case matters", |c| c.call(ALICE).method("Consume_Credit", vec![])),
    ]
}

#[test]
fn every_refusal_leaves_storage_balances_and_events_untouched() {
    let fixture = rich_state();
    for (code, what, call) in catalog() {
        let mut chain = fixture.clone();
        let refusal = refused(&mut chain, code, |c| call(c));
        assert!(!refusal.message.is_empty(), "{what}");
    }
}

#[test]
fn the_catalog_covers_every_code_the_core_raises() {
    let covered: BTreeSet<&str> = catalog().iter().map(|(code, _, _)| *code).collect();
    // `overflow` needs its own history (edges.rs), `invalid_calldata` belongs to the wasm ABI,
    // `corrupt_state` needs a corrupt record, `too_many_billers` 32 billers (operators.rs) and
    // `unsupported_state_version` a deploy on old state (tests/hardening.rs): every other code has a
    // case here.
    let elsewhere =
        ["overflow", "invalid_calldata", "corrupt_state", "too_many_billers", "unsupported_state_version"];
    let core_codes = api_usage_billing::Error::CODES.iter().filter(|code| !elsewhere.contains(code));
    for code in core_codes {
        assert!(covered.contains(code), "no catalog case for {code}");
    }
}

#[test]
fn refusal_messages_are_the_seeds_to_the_letter() {
    let mut chain = rich_state();
    let expect = [
        ("api_name_required", "[EXPECTED] api_name is required"),
        ("cost_not_positive", "[EXPECTED] cost_per_call_wei must be positive"),
        ("limit_not_positive", "[EXPECTED] daily_limit_calls must be positive"),
        ("cap_not_positive", "[EXPECTED] max_daily_spend_wei must be positive"),
        ("negative_deposit", "[EXPECTED] initial_deposit_wei cannot be negative"),
        ("api_not_registered", "[EXPECTED] api not registered"),
        ("not_subscribed", "[EXPECTED] consumer not subscribed to api"),
        ("invalid_api_name", "[EXPECTED] api_name must be 1-64 characters of a-z 0-9 . _ - : /"),
        ("out_of_range", "[EXPECTED] cost_per_call_wei out of range"),
        ("too_many_subscriptions", "[EXPECTED] too many subscriptions"),
        ("too_many_delegates", "[EXPECTED] too many delegates"),
        ("price_increased", "[EXPECTED] api price raised above the subscribed price"),
        ("invalid_address", "[EXPECTED] invalid address"),
        ("unknown_method", "[EXPECTED] unknown method"),
    ];
    for (code, message) in expect {
        let (_, what, call) = catalog().into_iter().find(|(c, _, _)| *c == code).unwrap();
        assert_eq!(call(&mut chain).unwrap_err().message, message, "{what}");
    }
    let refusal = chain.call(ALICE).method("subscribe", vec!["weather".into()]).unwrap_err();
    assert!(refusal.message.starts_with("[EXPECTED] invalid arguments: "), "{refusal:?}");
}
