//! Who may do what: billing authority (consumer or approved delegate), operators, payable rules.

use crate::common::*;

#[test]
fn an_approved_delegate_bills_the_consumer_until_revoked() {
    let mut chain = weather_chain();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    let approved = &chain.last().events[0];
    assert_eq!(approved.name, "DelegateApproved");
    assert_eq!(approved.field("consumer"), Some(&Value::from(ALICE)));
    assert_eq!(approved.field("api"), Some(&Value::from("weather")));
    assert_eq!(approved.field("delegate"), Some(&Value::from(DAPP)));

    let receipt = chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "remaining_credit_wei"), 90);
    assert_eq!(chain.balance(DAPP), 1_000_000, "the delegate pays nothing");

    chain.call(ALICE).revoke_delegate("weather", DAPP).unwrap();
    assert_eq!(last_events(&chain), ["DelegateRevoked"]);
    refused(&mut chain, "caller_not_allowed", |c| c.call(DAPP).consume_credit("weather", ALICE));
}

#[test]
fn nobody_else_may_bill_a_consumer_not_even_the_operator() {
    let mut chain = weather_chain();
    for caller in [STRANGER, OPERATOR, BOB] {
        let refusal =
            refused(&mut chain, "caller_not_allowed", |c| c.call(caller).consume_credit("weather", ALICE));
        assert_eq!(refusal.message, "[EXPECTED] caller may not bill this consumer");
    }
}

#[test]
fn a_delegate_is_approved_per_api() {
    let mut chain = weather_chain();
    chain.call(OPERATOR).register_api("maps", 1, 10).unwrap();
    chain.call(ALICE).subscribe("maps", 10, 0).unwrap();
    chain.call(ALICE).approve_delegate("maps", DAPP).unwrap();
    refused(&mut chain, "caller_not_allowed", |c| c.call(DAPP).consume_credit("weather", ALICE));
    chain.call(DAPP).consume_credit("maps", ALICE).unwrap();
}

#[test]
fn delegates_survive_unsubscribing_but_cannot_bill_an_inactive_subscription() {
    let mut chain = weather_chain();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).unsubscribe("weather").unwrap();
    refused(&mut chain, "not_subscribed", |c| c.call(DAPP).consume_credit("weather", ALICE));
    // Delegates can be managed on an inactive subscription too.
    chain.call(ALICE).approve_delegate("weather", BOB).unwrap();
    chain.call(ALICE).subscribe("weather", 30, 0).unwrap();
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
    chain.call(BOB).consume_credit("weather", ALICE).unwrap();
}

#[test]
fn approving_twice_and_pausing_twice_change_nothing_and_emit_nothing() {
    let mut chain = weather_chain();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    let storage = chain.storage().clone();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    assert!(chain.last().events.is_empty());
    assert_eq!(chain.storage(), &storage);
    chain.call(OPERATOR).set_api_active("weather", true).unwrap();
    assert!(chain.last().events.is_empty());
    assert_eq!(chain.storage(), &storage);
    assert_eq!(report(&mut chain, ALICE)["apis"][0]["delegates"], serde_json::json!([DAPP.to_hex()]));
}

#[test]
fn revoking_a_delegate_that_is_not_approved_is_refused() {
    let mut chain = weather_chain();
    let refusal =
        refused(&mut chain, "delegate_not_approved", |c| c.call(ALICE).revoke_delegate("weather", DAPP));
    assert_eq!(refusal.message, "[EXPECTED] delegate not approved");
}

#[test]
fn only_the_operator_updates_pauses_or_withdraws_from_an_api() {
    let mut chain = weather_chain();
    let refusal = refused(&mut chain, "api_taken", |c| c.call(STRANGER).register_api("weather", 1, 1_000));
    assert_eq!(refusal.message, "[EXPECTED] api registered by another operator");
    refused(&mut chain, "api_taken", |c| c.call(STRANGER).register_api(" Weather ", 1, 1_000));
    refused(&mut chain, "not_operator", |c| c.call(STRANGER).set_api_active("weather", false));
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    refused(&mut chain, "not_operator", |c| c.call(ALICE).withdraw_earnings("weather", 10));
    chain.call(OPERATOR).withdraw_earnings("weather", 10).unwrap();
}

#[test]
fn deposits_must_be_attached_value() {
    let mut chain = weather_chain();
    let refusal =
        refused(&mut chain, "value_mismatch", |c| c.call(BOB).value(99).subscribe("weather", 30, 100));
    assert_eq!(refusal.message, "[EXPECTED] attached value must equal the deposit");
    assert_eq!(refusal.detail("attached"), Some(&int(99)));
    assert_eq!(refusal.detail("declared"), Some(&int(100)));
    refused(&mut chain, "value_mismatch", |c| c.call(BOB).subscribe("weather", 30, 100));
    refused(&mut chain, "value_mismatch", |c| c.call(BOB).value(5).subscribe("weather", 30, 0));
    refused(&mut chain, "value_mismatch", |c| c.call(ALICE).value(101).top_up_credit(100));
    refused(&mut chain, "value_mismatch", |c| c.call(ALICE).top_up_credit(100));

    chain.call(ALICE).value(100).top_up_credit(100).unwrap();
    let topped = &chain.last().events[0];
    assert_eq!((topped.name.as_ref(), topped.field("amount")), ("CreditToppedUp", Some(&int(100))));
    assert_eq!(chain.contract_balance(), 200);
    assert_eq!(credit(&mut chain, ALICE), 200);
}

#[test]
fn value_sent_to_a_method_that_is_not_payable_is_refused_first() {
    let mut chain = weather_chain();
    let calls: Vec<(&str, Vec<Value>)> = vec![
        ("register_api", vec!["weather".into(), 1.into(), 1.into()]),
        ("consume_credit", vec!["weather".into(), ALICE.into()]),
        ("get_usage_report", vec![ALICE.into()]),
        ("consumer_integration_example", vec![]),
        ("unsubscribe", vec!["weather".into()]),
        ("approve_delegate", vec!["weather".into(), DAPP.into()]),
        ("revoke_delegate", vec!["weather".into(), DAPP.into()]),
        ("set_api_active", vec!["weather".into(), false.into()]),
        ("withdraw_credit", vec![1.into()]),
        ("withdraw_earnings", vec!["weather".into(), 1.into()]),
        // Before argument decoding too.
        ("withdraw_credit", vec![]),
    ];
    for (method, args) in calls {
        let refusal = refused(&mut chain, "not_payable", |c| c.call(ALICE).value(1).method(method, args));
        assert_eq!(refusal.message, "[EXPECTED] method is not payable", "{method}");
    }
}

#[test]
fn a_sender_cannot_attach_value_it_does_not_have() {
    let mut chain = weather_chain();
    let poor = Address([0x99; 20]);
    let refusal = chain.call(poor).value(1).top_up_credit(1).unwrap_err();
    assert_eq!(refusal.code, "insufficient_funds");
    assert_eq!(chain.contract_balance(), 100);
}

// ---- Per-delegate daily limits (issue 17) ----

/// Weather at 10 wei, 5 calls a day; Alice's cap 1,000 wei, credit 100; DAPP and BOB her delegates.
fn delegated_chain() -> MockChain {
    let mut chain = weather_chain();
    chain.call(ALICE).set_daily_cap("weather", 1_000).unwrap();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).approve_delegate("weather", BOB).unwrap();
    chain
}

fn delegate_limits(chain: &mut MockChain) -> serde_json::Value {
    report(chain, ALICE)["apis"][0]["delegate_limits"].clone()
}

#[test]
fn a_delegate_stops_at_its_own_limit_while_others_and_the_consumer_bill_on() {
    let mut chain = delegated_chain();
    chain.call(ALICE).set_delegate_limit("weather", DAPP, 2).unwrap();
    assert_eq!(last_events(&chain), ["DelegateLimitSet"]);
    let event = &chain.last().events[0];
    assert_eq!(event.field("consumer"), Some(&Value::from(ALICE)));
    assert_eq!(event.field("api"), Some(&Value::from("weather")));
    assert_eq!(event.field("delegate"), Some(&Value::from(DAPP)));
    assert_eq!(event.field("max_daily_calls"), Some(&int(2)));
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
    let refusal = refused(&mut chain, "delegate_limit", |c| c.call(DAPP).consume_credit("weather", ALICE));
    assert_eq!(refusal.details.get("reason"), Some(&Value::from("delegate_limit")));
    assert_eq!(refusal.details.get("attempted_calls"), Some(&int(3)));
    assert_eq!(refusal.details.get("max_calls"), Some(&int(2)));
    // A batch that would pass it is refused whole.
    chain.call(ALICE).set_delegate_limit("weather", DAPP, 3).unwrap();
    refused(&mut chain, "delegate_limit", |c| c.call(DAPP).consume_credits("weather", ALICE, 2, 0));
    // BOB (unlimited) and Alice herself bill on, up to the subscription's own limit of 5.
    chain.call(BOB).consume_credit("weather", ALICE).unwrap();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(
        delegate_limits(&mut chain),
        serde_json::json!([
            {"delegate": DAPP.to_hex(), "max_daily_calls": 3, "calls_today": 2},
            {"delegate": BOB.to_hex(), "max_daily_calls": null, "calls_today": 1},
        ])
    );
    assert_eq!(report(&mut chain, ALICE)["apis"][0]["calls_today"], 4);
    // The next day every count starts again.
    chain.set_time(DAY0 + DAY);
    chain.call(DAPP).consume_credits("weather", ALICE, 3, 0).unwrap();
    assert_eq!(delegate_limits(&mut chain)[0]["calls_today"], 3);
    assert_eq!(delegate_limits(&mut chain)[1]["calls_today"], 0);
}

#[test]
fn a_delegate_limit_of_zero_means_no_calls_and_is_checked_before_the_subscription_limits() {
    let mut chain = delegated_chain();
    chain.call(ALICE).set_delegate_limit("weather", DAPP, 0).unwrap();
    refused(&mut chain, "delegate_limit", |c| c.call(DAPP).consume_credit("weather", ALICE));
    // Even where the price rose (price_increased comes after it).
    chain.call(OPERATOR).register_api("weather", 11, 5).unwrap();
    refused(&mut chain, "delegate_limit", |c| c.call(DAPP).consume_credit("weather", ALICE));
    // And after "subscription active": an inactive subscription is not_subscribed first.
    chain.call(ALICE).unsubscribe("weather").unwrap();
    refused(&mut chain, "not_subscribed", |c| c.call(DAPP).consume_credit("weather", ALICE));
}

#[test]
fn the_consumer_is_never_limited_by_a_delegate_limit_even_on_itself() {
    let mut chain = delegated_chain();
    chain.call(ALICE).approve_delegate("weather", ALICE).unwrap();
    chain.call(ALICE).set_delegate_limit("weather", ALICE, 0).unwrap();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(delegate_limits(&mut chain)[2]["calls_today"], 0, "the consumer's own bills are not counted");
}

#[test]
fn revoking_forgets_the_limit_and_setting_the_same_limit_changes_nothing() {
    let mut chain = delegated_chain();
    chain.call(ALICE).set_delegate_limit("weather", DAPP, 1).unwrap();
    let storage = chain.storage().clone();
    chain.call(ALICE).set_delegate_limit("weather", DAPP, 1).unwrap();
    assert!(last_events(&chain).is_empty());
    assert_eq!(chain.storage(), &storage);
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
    refused(&mut chain, "delegate_limit", |c| c.call(DAPP).consume_credit("weather", ALICE));
    chain.call(ALICE).revoke_delegate("weather", DAPP).unwrap();
    refused(&mut chain, "delegate_not_approved", |c| c.call(ALICE).set_delegate_limit("weather", DAPP, 1));
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    assert_eq!(delegate_limits(&mut chain)[1]["max_daily_calls"], serde_json::Value::Null);
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
}

#[test]
fn a_same_day_bill_by_a_limited_delegate_stays_at_three_reads_and_three_writes() {
    let mut chain = delegated_chain();
    chain.call(ALICE).set_delegate_limit("weather", DAPP, 4).unwrap();
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap();
    for (calls, id) in [(1, 0), (1, 7), (1, 0)] {
        chain.call(DAPP).consume_credits("weather", ALICE, calls, id).unwrap();
        assert_eq!((chain.last().storage_reads, chain.last().storage_writes), (3, 3), "id {id}");
    }
    chain.call(DAPP).consume_credit("weather", ALICE).unwrap_err();
    assert_eq!(chain.last().storage_writes, 0);
    assert!(chain.last().storage_reads <= 3);
}
