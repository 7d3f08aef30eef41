//! `preview_bill`: what the bill would answer, without billing. Each answer is compared with the bill
//! that follows it, field for field; `common::preview` checks that the view changed nothing.

use crate::common::*;

/// Previews `calls` calls by `who`, then bills them: both must answer the same.
fn preview_then_bill(chain: &mut MockChain, who: Address, consumer: Address, calls: u128) -> Value {
    let previewed = preview(chain, who, "weather", consumer, calls).expect("the preview allows it");
    let billed = chain.call(who).consume_credits("weather", consumer, calls, 0).expect("the bill passes");
    assert_eq!(previewed, billed, "the preview's receipt is the bill's");
    billed
}

/// Previews a bill the contract refuses with `code`: the preview announces the very refusal.
fn preview_refusal(chain: &mut MockChain, who: Address, consumer: Address, calls: u128, code: &str) {
    let previewed = preview(chain, who, "weather", consumer, calls).expect_err("the preview refuses it");
    let billed = refused(chain, code, |c| c.call(who).consume_credits("weather", consumer, calls, 0));
    assert_eq!(previewed, billed, "the preview's refusal is the bill's, code, message and details");
}

#[test]
fn an_allowed_preview_is_the_receipt_the_bill_then_gives() {
    let mut chain = weather_chain();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    let receipt = preview_then_bill(&mut chain, ALICE, ALICE, 1);
    assert_eq!(receipt_field(&receipt, "calls_today"), 1);
    assert_eq!(receipt_field(&receipt, "remaining_credit_wei"), 90);
    let receipt = preview_then_bill(&mut chain, DAPP, ALICE, 2);
    assert_eq!(receipt_field(&receipt, "billed_wei"), 20);
    assert_eq!(receipt_field(&receipt, "calls_today"), 3);
    assert_eq!(receipt_field(&receipt, "spend_remaining_today_wei"), 0);
    assert_eq!(receipt_field(&receipt, "resets_at"), u128::from(DAY0 + DAY));
    assert_eq!(credit(&mut chain, ALICE), 70);
}

#[test]
fn a_preview_bills_nothing_however_often_it_runs() {
    let mut chain = weather_chain();
    for _ in 0..10 {
        let receipt = preview(&mut chain, ALICE, "weather", ALICE, 1).expect("allowed");
        assert_eq!(receipt_field(&receipt, "calls_today"), 1);
    }
    assert_eq!(credit(&mut chain, ALICE), 100);
    assert_eq!(report(&mut chain, ALICE)["apis"][0]["calls_today"], 0);
}

#[test]
fn a_preview_on_a_new_day_counts_from_zero_as_the_bill_does() {
    let mut chain = weather_chain();
    for _ in 0..3 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    }
    preview_refusal(&mut chain, ALICE, ALICE, 1, "daily_spend_limit");
    chain.set_time(DAY0 + DAY + 5);
    let receipt = preview_then_bill(&mut chain, ALICE, ALICE, 1);
    assert_eq!(receipt_field(&receipt, "calls_today"), 1);
    assert_eq!(receipt_field(&receipt, "resets_at"), u128::from(DAY0 + 2 * DAY));
    // The finished day was archived by the bill, not by the preview before it.
    let history = chain.call(STRANGER).get_usage_history(ALICE, "weather").unwrap();
    let history: serde_json::Value = serde_json::from_str(history.as_str().unwrap()).unwrap();
    assert_eq!(history.as_array().map(Vec::len), Some(2));
}

#[test]
fn a_preview_announces_each_refusal_of_the_bill() {
    // Paused.
    let mut chain = weather_chain();
    chain.call(OPERATOR).set_api_active("weather", false).unwrap();
    preview_refusal(&mut chain, ALICE, ALICE, 1, "api_paused");
    // Not subscribed, and a subscription ended.
    let mut chain = weather_chain();
    preview_refusal(&mut chain, BOB, BOB, 1, "not_subscribed");
    chain.call(ALICE).unsubscribe("weather").unwrap();
    preview_refusal(&mut chain, ALICE, ALICE, 1, "not_subscribed");
    // A caller the consumer did not approve, and one it revoked.
    let mut chain = weather_chain();
    preview_refusal(&mut chain, STRANGER, ALICE, 1, "caller_not_allowed");
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).revoke_delegate("weather", DAPP).unwrap();
    preview_refusal(&mut chain, DAPP, ALICE, 1, "caller_not_allowed");
    // Each daily limit, the credit, the delegate's own limit, a price raise.
    let mut chain = weather_chain(); // 10 wei a call, 5 calls a day, cap 30, credit 100
    chain.call(OPERATOR).register_api("weather", 10, 2).unwrap();
    preview_refusal(&mut chain, ALICE, ALICE, 3, "daily_call_limit");
    chain.call(OPERATOR).register_api("weather", 10, 5).unwrap();
    preview_refusal(&mut chain, ALICE, ALICE, 4, "daily_spend_limit");
    chain.call(ALICE).withdraw_credit(85).unwrap();
    preview_refusal(&mut chain, ALICE, ALICE, 2, "insufficient_credit");
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).set_delegate_limit("weather", DAPP, 1).unwrap();
    preview_then_bill(&mut chain, DAPP, ALICE, 1);
    preview_refusal(&mut chain, DAPP, ALICE, 1, "delegate_limit");
    chain.call(OPERATOR).register_api("weather", 11, 5).unwrap();
    preview_refusal(&mut chain, ALICE, ALICE, 1, "price_increased");
    // An API that is not registered.
    let previewed = preview(&mut chain, ALICE, "radar", ALICE, 1).expect_err("not registered");
    assert_eq!(previewed.code, "api_not_registered");
}

#[test]
fn the_previews_own_arguments_are_refused_not_answered() {
    let mut chain = weather_chain();
    for (calls, code) in [(Value::from(0), "calls_not_positive"), (Value::from(-3), "calls_not_positive")] {
        refused(&mut chain, code, |c| c.call(ALICE).preview_bill("weather", ALICE, calls));
    }
    let beyond = Value::from(u128::from(u64::MAX) + 1);
    refused(&mut chain, "out_of_range", |c| c.call(ALICE).preview_bill("weather", ALICE, beyond));
    refused(&mut chain, "invalid_address", |c| c.call(ALICE).preview_bill("weather", "0x12", 1));
    refused(&mut chain, "invalid_arguments", |c| c.call(ALICE).preview_bill("weather", ALICE, "1"));
    refused(&mut chain, "not_payable", |c| c.call(ALICE).value(1).preview_bill("weather", ALICE, 1));
    refused(&mut chain, "invalid_arguments", |c| {
        c.call(ALICE).method("preview_bill", vec!["weather".into(), ALICE.into()])
    });
}

#[test]
fn a_preview_of_a_batch_past_u128_spend_reports_the_exact_attempted_spend() {
    let mut chain = new_chain();
    chain.faucet(ALICE, 1_000);
    chain.call(OPERATOR).register_api("weather", u128::MAX, 10).unwrap();
    chain.call(ALICE).value(10).subscribe("weather", u128::MAX, 10).unwrap();
    let previewed = preview(&mut chain, ALICE, "weather", ALICE, 2).expect_err("past the cap");
    assert_eq!(previewed.code, "daily_spend_limit");
    assert_eq!(
        previewed.detail("attempted_spend"),
        Some(&Value::Int(api_usage_billing::Int::sum(u128::MAX, u128::MAX)))
    );
    let billed =
        refused(&mut chain, "daily_spend_limit", |c| c.call(ALICE).consume_credits("weather", ALICE, 2, 0));
    assert_eq!(previewed, billed);
}
