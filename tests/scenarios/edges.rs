//! The edges: u128::MAX amounts, sums that would not fit, and the 64-API and 16-delegate bounds.

use crate::common::*;
use api_usage_billing::Int;

const HALF: u128 = 1 << 127;

/// Whether the host carries any u128 of attached value (GenVM's message carries a u64).
const CARRIES_ANY_U128: bool = MAX_ATTACHED_VALUE == u128::MAX;

#[test]
fn u128_max_amounts_are_accepted_end_to_end() {
    if !CARRIES_ANY_U128 {
        // GenVM's message value is a u64: the host refuses more before the call runs.
        let mut chain = new_chain();
        chain.faucet(ALICE, u128::MAX);
        let refusal = chain.call(ALICE).value(u128::MAX).top_up_credit(u128::MAX).unwrap_err();
        assert_eq!(refusal.code, "value_not_expressible");
        return;
    }
    let mut chain = new_chain();
    chain.faucet(ALICE, u128::MAX);
    chain.call(OPERATOR).register_api("gold", u128::MAX, u64::MAX).unwrap();
    chain.call(ALICE).value(u128::MAX).subscribe("gold", u128::MAX, u128::MAX).unwrap();
    let receipt = chain.call(ALICE).consume_credit("gold", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "billed_wei"), u128::MAX);
    assert_eq!(receipt_field(&receipt, "remaining_credit_wei"), 0);
    assert_eq!(receipt_field(&receipt, "calls_remaining_today"), u128::from(u64::MAX - 1));
    assert_eq!(receipt_field(&receipt, "spend_remaining_today_wei"), 0);
    assert_eq!(last_events(&chain), ["CallBilled", "CreditDepleted"]);
    let report = report(&mut chain, ALICE);
    assert_eq!(report["funded_wei"], u128::MAX.to_string());
    assert_eq!(report["apis"][0]["spend_today_wei"], u128::MAX.to_string());
    assert_eq!(report["apis"][0]["api_daily_limit_calls"], u64::MAX);
    chain.call(OPERATOR).withdraw_earnings("gold", u128::MAX).unwrap();
    assert_eq!(chain.balance(OPERATOR), u128::MAX);
}

#[test]
fn a_spend_sum_beyond_u128_is_a_daily_spend_refusal_with_the_exact_figure() {
    if !CARRIES_ANY_U128 {
        // GenVM's message value is a u64: the host refuses more before the call runs.
        let mut chain = new_chain();
        chain.faucet(ALICE, u128::MAX);
        let refusal = chain.call(ALICE).value(u128::MAX).top_up_credit(u128::MAX).unwrap_err();
        assert_eq!(refusal.code, "value_not_expressible");
        return;
    }
    let mut chain = new_chain();
    chain.faucet(ALICE, u128::MAX);
    chain.call(OPERATOR).register_api("gold", HALF, 10).unwrap();
    chain.call(ALICE).value(u128::MAX).subscribe("gold", u128::MAX, u128::MAX).unwrap();
    chain.call(ALICE).consume_credit("gold", ALICE).unwrap();
    chain.call(OPERATOR).register_api("gold", HALF - 1, 10).unwrap();
    chain.call(ALICE).consume_credit("gold", ALICE).unwrap(); // spend now u128::MAX
    let refusal = refused(&mut chain, "daily_spend_limit", |c| c.call(ALICE).consume_credit("gold", ALICE));
    assert_eq!(refusal.detail("attempted_spend"), Some(&Value::Int(Int::sum(u128::MAX, HALF - 1))));
    assert_eq!(refusal.detail("max_spend"), Some(&int(u128::MAX)));
}

#[test]
fn a_call_limit_of_u64_max_never_overflows() {
    let mut chain = new_chain();
    chain.faucet(ALICE, 100);
    chain.call(OPERATOR).register_api("flat", 1, u64::MAX).unwrap();
    chain.call(ALICE).value(100).subscribe("flat", 100, 100).unwrap();
    let receipt = chain.call(ALICE).consume_credit("flat", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "calls_remaining_today"), u128::from(u64::MAX) - 1);
}

/// Funded is deposits minus withdrawals; an operator billing itself and re-depositing its earnings
/// grows it past all the money there is, and the deposit that would overflow is refused.
#[test]
fn a_deposit_whose_sum_would_not_fit_is_refused_with_overflow() {
    if !CARRIES_ANY_U128 {
        // GenVM's message value is a u64: the host refuses more before the call runs.
        let mut chain = new_chain();
        chain.faucet(ALICE, u128::MAX);
        let refusal = chain.call(ALICE).value(u128::MAX).top_up_credit(u128::MAX).unwrap_err();
        assert_eq!(refusal.code, "value_not_expressible");
        return;
    }
    let mut chain = new_chain();
    chain.faucet(ALICE, u128::MAX);
    chain.call(ALICE).register_api("self", HALF, 10).unwrap();
    chain.call(ALICE).value(HALF).subscribe("self", u128::MAX, HALF).unwrap();
    chain.call(ALICE).consume_credit("self", ALICE).unwrap();
    chain.call(ALICE).withdraw_earnings("self", HALF).unwrap();
    let refusal = refused(&mut chain, "overflow", |c| c.call(ALICE).value(HALF).top_up_credit(HALF));
    assert_eq!(refusal.message, "[EXPECTED] amount overflow");
    refused(&mut chain, "overflow", |c| c.call(ALICE).value(HALF).subscribe("self", 1, HALF));
    // Smaller deposits still fit.
    chain.call(ALICE).value(HALF - 1).top_up_credit(HALF - 1).unwrap();
    assert_eq!(report(&mut chain, ALICE)["funded_wei"], u128::MAX.to_string());
}

#[test]
fn sixty_four_apis_fit_in_a_consumers_list_and_resubscribing_needs_no_new_slot() {
    let mut chain = new_chain();
    for n in 0..65 {
        chain.call(OPERATOR).register_api(format!("api-{n}").as_str(), 1, 1).unwrap();
    }
    for n in 0..64 {
        chain.call(ALICE).subscribe(format!("api-{n}").as_str(), 1, 0).unwrap();
    }
    refused(&mut chain, "too_many_subscriptions", |c| c.call(ALICE).subscribe("api-64", 1, 0));
    chain.call(ALICE).unsubscribe("api-3").unwrap();
    refused(&mut chain, "too_many_subscriptions", |c| c.call(ALICE).subscribe("api-64", 1, 0));
    chain.call(ALICE).subscribe("api-3", 1, 0).unwrap();
    let report = report(&mut chain, ALICE);
    let names: Vec<_> = report["apis"].as_array().unwrap().iter().map(|a| a["api_name"].clone()).collect();
    let expected: Vec<_> = (0..64).map(|n| serde_json::Value::from(format!("api-{n}"))).collect();
    assert_eq!(names, expected);
}

#[test]
fn sixteen_delegates_fit_and_revoking_one_frees_a_place() {
    let mut chain = weather_chain();
    for n in 1..=16u8 {
        chain.call(ALICE).approve_delegate("weather", Address([n; 20])).unwrap();
    }
    refused(&mut chain, "too_many_delegates", |c| c.call(ALICE).approve_delegate("weather", DAPP));
    chain.call(ALICE).revoke_delegate("weather", Address([7; 20])).unwrap();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
    let delegates = report(&mut chain, ALICE)["apis"][0]["delegates"].as_array().unwrap().len();
    assert_eq!(delegates, 16);
}

#[test]
fn api_names_at_the_length_bound() {
    let mut chain = new_chain();
    let sixty_four = "a".repeat(64);
    chain.call(OPERATOR).register_api(format!("  {}  ", sixty_four.to_uppercase()).as_str(), 1, 1).unwrap();
    assert_eq!(chain.last().events[0].field("api"), Some(&Value::from(sixty_four.as_str())));
    chain.call(OPERATOR).register_api("a.b_c-d:e/9", 1, 1).unwrap();
    refused(&mut chain, "invalid_api_name", |c| c.call(OPERATOR).register_api("a+b", 1, 1));
}

/// The latest block time the host can express: u64::MAX natively and on the billing ABI; the end of
/// year 9999 on GenVM, whose block time is an RFC 3339 date.
#[test]
fn block_times_at_the_end_of_what_the_host_expresses_do_not_overflow() {
    let mut chain = weather_chain();
    chain.set_time(MAX_BLOCK_TIME);
    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "calls_today"), 1);
    let resets_at = (MAX_BLOCK_TIME / DAY).saturating_add(1).saturating_mul(DAY);
    assert_eq!(receipt_field(&receipt, "resets_at"), u128::from(resets_at));
}

/// Issue 12, item 5: the billing ABI's `init` could be called by anyone after deploy, keeping the
/// value attached. After deploy, `init` is refused exactly as an unknown method, value or not.
#[test]
fn init_is_refused_after_deploy_as_an_unknown_method() {
    let mut chain = weather_chain();
    let refusal = refused(&mut chain, "unknown_method", |c| c.call(STRANGER).method("init", vec![]));
    assert_eq!(refusal.message, "[EXPECTED] unknown method");
    refused(&mut chain, "unknown_method", |c| c.call(STRANGER).value(5).method("init", vec![]));
    assert_eq!(chain.balance(STRANGER), 1_000_000);
}

/// Issue 12, small items: an oversized name cost 40-60 fuel per byte before its refusal; it is
/// refused on its length, whichever method gets it: over 256 bytes by the name rule, over 4 KiB by
/// the argument rule, before the bytes are read.
#[test]
fn an_oversized_api_name_is_refused_on_its_length() {
    let mut chain = weather_chain();
    let long = "w".repeat(300);
    refused(&mut chain, "invalid_api_name", |c| c.call(OPERATOR).register_api(long.as_str(), 1, 1));
    refused(&mut chain, "api_not_registered", |c| c.call(ALICE).consume_credit(long.as_str(), ALICE));
    let huge = "w".repeat(1 << 20);
    let refusal =
        refused(&mut chain, "invalid_arguments", |c| c.call(OPERATOR).register_api(huge.as_str(), 1, 1));
    assert_eq!(
        refusal.message,
        "[EXPECTED] invalid arguments: a string or bytes argument is longer than 4096 bytes"
    );
    refused(&mut chain, "invalid_arguments", |c| c.call(ALICE).consume_credit("weather", huge.as_str()));
    refused(&mut chain, "invalid_arguments", |c| {
        c.call(ALICE).method("get_api_report", vec![Value::Array(vec![Value::from(huge.as_str())])])
    });
    // Whitespace around a valid name is still trimmed, up to 256 bytes in all.
    chain
        .call(ALICE)
        .consume_credit(format!("{}weather{}", " ".repeat(100), " ".repeat(100)), ALICE)
        .unwrap();
}
