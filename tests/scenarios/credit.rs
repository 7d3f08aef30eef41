//! Credit over time: withdrawals, the low-credit warning, pausing, unsubscribing.

use crate::common::*;
use billing_chain::Transfer;

#[test]
fn a_consumer_withdraws_unused_credit_without_a_subscription() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    chain.call(ALICE).withdraw_credit(40).unwrap();
    assert_eq!(chain.last().transfers, [Transfer { to: ALICE, amount: 40 }]);
    let withdrawn = &chain.last().events[0];
    assert_eq!(withdrawn.name, "CreditWithdrawn");
    assert_eq!(withdrawn.field("amount"), Some(&int(40)));
    assert_eq!(withdrawn.field("remaining_credit_wei"), Some(&int(50)));
    assert_eq!(chain.balance(ALICE), 1_000_000 - 100 + 40);
    assert_eq!(chain.contract_balance(), 60);
    let after = report(&mut chain, ALICE);
    assert_eq!(after["credit_balance_wei"], "50");
    assert_eq!(after["funded_wei"], "60");

    // Bob never subscribed: he can still top up and take it back.
    chain.call(BOB).value(7).top_up_credit(7).unwrap();
    chain.call(BOB).withdraw_credit(7).unwrap();
    assert_eq!(chain.balance(BOB), 1_000_000);
}

#[test]
fn withdrawals_over_what_is_held_are_refused() {
    let mut chain = weather_chain();
    let refusal = refused(&mut chain, "insufficient_credit", |c| c.call(ALICE).withdraw_credit(101));
    assert_eq!(refusal.detail("credit"), Some(&int(100)));
    assert_eq!(refusal.detail("required"), Some(&int(101)));
    refused(&mut chain, "insufficient_credit", |c| c.call(STRANGER).withdraw_credit(1));
    refused(&mut chain, "amount_not_positive", |c| c.call(ALICE).withdraw_credit(0));
    refused(&mut chain, "amount_not_positive", |c| c.call(ALICE).withdraw_credit(-5));
    refused(&mut chain, "insufficient_earnings", |c| c.call(OPERATOR).withdraw_earnings("weather", 1));
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    refused(&mut chain, "amount_not_positive", |c| c.call(OPERATOR).withdraw_earnings("weather", 0));
    let refusal =
        refused(&mut chain, "insufficient_earnings", |c| c.call(OPERATOR).withdraw_earnings("weather", 11));
    assert_eq!(refusal.detail("earnings"), Some(&int(10)));
    chain.call(OPERATOR).withdraw_earnings("weather", 10).unwrap();
    let paid = &chain.last().events[0];
    assert_eq!(paid.name, "EarningsWithdrawn");
    assert_eq!(paid.field("operator"), Some(&Value::from(OPERATOR)));
    assert_eq!(paid.field("remaining_earnings_wei"), Some(&int(0)));
    assert_eq!(chain.last().transfers, [Transfer { to: OPERATOR, amount: 10 }]);
}

#[test]
fn a_paused_api_refuses_bills_and_subscriptions_but_not_withdrawals() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    chain.call(OPERATOR).set_api_active("weather", false).unwrap();
    let paused = &chain.last().events[0];
    assert_eq!((paused.name.as_ref(), paused.field("operator")), ("ApiPaused", Some(&Value::from(OPERATOR))));

    let refusal = refused(&mut chain, "api_paused", |c| c.call(ALICE).consume_credit("weather", ALICE));
    assert_eq!(refusal.message, "[EXPECTED] api is paused");
    refused(&mut chain, "api_paused", |c| c.call(BOB).value(10).subscribe("weather", 10, 10));
    refused(&mut chain, "api_paused", |c| c.call(ALICE).subscribe("weather", 50, 0));

    chain.call(OPERATOR).withdraw_earnings("weather", 10).unwrap();
    chain.call(ALICE).withdraw_credit(90).unwrap();
    chain.call(ALICE).unsubscribe("weather").unwrap();
    assert_eq!(chain.contract_balance(), 0);

    chain.call(OPERATOR).set_api_active("weather", true).unwrap();
    assert_eq!(last_events(&chain), ["ApiResumed"]);
    chain.call(BOB).value(10).subscribe("weather", 10, 10).unwrap();
}

#[test]
fn unsubscribing_keeps_the_entry_usage_and_credit() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    chain.call(ALICE).unsubscribe("weather").unwrap();
    let event = &chain.last().events[0];
    assert_eq!((event.name.as_ref(), event.field("consumer")), ("Unsubscribed", Some(&Value::from(ALICE))));
    let before = report(&mut chain, ALICE);
    assert_eq!(before["apis"][0]["active"], false);
    assert_eq!(before["apis"][0]["calls_today"], 1);
    assert_eq!(before["credit_balance_wei"], "90");
    refused(&mut chain, "not_subscribed", |c| c.call(ALICE).unsubscribe("weather"));
    refused(&mut chain, "not_subscribed", |c| c.call(ALICE).consume_credit("weather", ALICE));

    // Subscribing again reactivates it; today's usage still counts against the limits.
    chain.call(ALICE).subscribe("weather", 30, 0).unwrap();
    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "calls_today"), 2);
    assert_eq!(report(&mut chain, ALICE)["apis"].as_array().map(Vec::len), Some(1));
}

/// Alice funded 100 wei; at 10 wei a call she crosses 20 % after the 8th call (20 left).
#[test]
fn the_low_credit_warning_fires_once_per_crossing() {
    let mut chain = new_chain();
    chain.faucet(ALICE, 1_000);
    chain.call(OPERATOR).register_api("weather", 10, 100).unwrap();
    chain.call(ALICE).value(100).subscribe("weather", 1_000, 100).unwrap();
    for _ in 0..7 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
        assert_eq!(last_events(&chain), ["CallBilled"]);
    }
    assert_eq!(report(&mut chain, ALICE)["low_credit"], false);
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(last_events(&chain), ["CallBilled", "CreditDepleted"]);
    let depleted = &chain.last().events[1];
    assert_eq!(depleted.field("consumer"), Some(&Value::from(ALICE)));
    assert_eq!(depleted.field("remaining_credit_wei"), Some(&int(20)));
    assert_eq!(depleted.field("threshold"), Some(&Value::from("20_percent_of_total_deposit")));
    assert_eq!(depleted.field("funded_wei"), Some(&int(100)));
    assert_eq!(report(&mut chain, ALICE)["low_credit"], true);

    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(last_events(&chain), ["CallBilled"], "warned once");

    // A deposit that leaves credit at or under 20 % does not re-arm: 10 + 10 = 20 of 110.
    chain.call(ALICE).value(10).top_up_credit(10).unwrap();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(last_events(&chain), ["CallBilled"]);

    // One that lifts it above does: 10 + 100 = 110 of 210; the next crossing warns again.
    chain.call(ALICE).value(100).top_up_credit(100).unwrap();
    assert_eq!(report(&mut chain, ALICE)["low_credit"], false);
    let mut warnings = 0;
    while credit(&mut chain, ALICE) >= 10 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
        warnings += chain.last().events.iter().filter(|e| e.name == "CreditDepleted").count();
    }
    assert_eq!(warnings, 1);
}

#[test]
fn a_subscribe_deposit_also_rearms_the_warning_and_withdrawals_do_not() {
    let mut chain = new_chain();
    chain.faucet(ALICE, 1_000);
    chain.call(OPERATOR).register_api("weather", 10, 100).unwrap();
    chain.call(ALICE).value(50).subscribe("weather", 1_000, 50).unwrap();
    for _ in 0..4 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    }
    assert_eq!(last_events(&chain), ["CallBilled", "CreditDepleted"]);
    chain.call(ALICE).value(100).subscribe("weather", 1_000, 100).unwrap();
    assert_eq!(last_events(&chain), ["Subscribed"], "the deposit travels in Subscribed only");
    // Withdrawing keeps credit/funded above the threshold here and does not clear anything by itself.
    chain.call(ALICE).withdraw_credit(20).unwrap();
    let mut warnings = 0;
    while credit(&mut chain, ALICE) >= 10 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
        warnings += chain.last().events.iter().filter(|e| e.name == "CreditDepleted").count();
    }
    assert_eq!(warnings, 1);
}

#[test]
fn the_contract_always_holds_every_credit_and_every_earning() {
    let mut chain = weather_chain();
    chain.call(BOB).value(55).subscribe("weather", 100, 55).unwrap();
    for consumer in [ALICE, BOB, ALICE] {
        chain.call(consumer).consume_credit("weather", consumer).unwrap();
    }
    chain.call(OPERATOR).withdraw_earnings("weather", 15).unwrap();
    let credits = credit(&mut chain, ALICE) + credit(&mut chain, BOB);
    assert_eq!(chain.contract_balance(), credits + 15);
    assert_eq!(chain.balances().values().sum::<u128>(), chain.minted());
}

/// Issue 12, item 4: changing the cap used to mean calling `subscribe` again, which also accepts
/// the current price, so a price raise just before was accepted silently.
#[test]
fn changing_the_daily_cap_never_accepts_a_new_price() {
    let mut chain = weather_chain(); // price 10, Alice's cap 30
    chain.call(OPERATOR).register_api("weather", 20, 5).unwrap();
    chain.call(ALICE).set_daily_cap("weather", 50).unwrap();
    assert_eq!(last_events(&chain), ["DailyCapChanged"]);
    let event = &chain.last().events[0];
    assert_eq!(event.field("consumer"), Some(&Value::from(ALICE)));
    assert_eq!(event.field("api"), Some(&Value::from("weather")));
    assert_eq!(event.field("max_daily_spend_wei"), Some(&int(50)));
    let usage = report(&mut chain, ALICE);
    assert_eq!(usage["apis"][0]["consumer_max_daily_spend_wei"], "50");
    assert_eq!(usage["apis"][0]["accepted_price_wei"], "10");
    let refusal = refused(&mut chain, "price_increased", |c| c.call(ALICE).consume_credit("weather", ALICE));
    assert_eq!(refusal.detail("accepted_price"), Some(&int(10)));
    // The same cap again changes nothing and says nothing.
    chain.call(ALICE).set_daily_cap("weather", 50).unwrap();
    assert!(chain.last().events.is_empty() && chain.last().storage_writes == 0);
}

#[test]
fn the_daily_cap_changes_on_an_inactive_subscription_and_it_stays_inactive() {
    let mut chain = weather_chain();
    chain.call(ALICE).unsubscribe("weather").unwrap();
    chain.call(ALICE).set_daily_cap("weather", 70).unwrap();
    let usage = report(&mut chain, ALICE);
    assert_eq!(usage["apis"][0]["active"], false);
    assert_eq!(usage["apis"][0]["consumer_max_daily_spend_wei"], "70");
    refused(&mut chain, "not_subscribed", |c| c.call(ALICE).consume_credit("weather", ALICE));
}

#[test]
fn set_daily_cap_refuses_what_subscribe_refuses() {
    let mut chain = weather_chain();
    refused(&mut chain, "cap_not_positive", |c| c.call(ALICE).set_daily_cap("weather", 0));
    refused(&mut chain, "cap_not_positive", |c| c.call(ALICE).set_daily_cap("weather", -5));
    refused(&mut chain, "out_of_range", |c| {
        c.call(ALICE).set_daily_cap("weather", Value::Int(api_usage_billing::Int::sum(u128::MAX, 1)))
    });
    refused(&mut chain, "not_subscribed", |c| c.call(BOB).set_daily_cap("weather", 10));
    refused(&mut chain, "api_not_registered", |c| c.call(ALICE).set_daily_cap("nope", 10));
    refused(&mut chain, "not_payable", |c| c.call(ALICE).value(1).set_daily_cap("weather", 10));
}

/// Issue 12, item 6: a deposit from the contract's own address cost it nothing (value moved from the
/// contract to itself) and minted credit. The chain refuses such a transaction before it runs.
#[test]
fn a_transaction_from_the_contracts_own_address_is_refused() {
    use billing_chain::{CONTRACT, CONTRACT_SENDER};
    let mut chain = weather_chain();
    let before = chain.clone();
    let refusal = chain.call(CONTRACT).value(50).top_up_credit(50).unwrap_err();
    assert_eq!(refusal.code, CONTRACT_SENDER);
    let refusal = chain.call(CONTRACT).consume_credit("weather", ALICE).unwrap_err();
    assert_eq!(refusal.code, CONTRACT_SENDER);
    assert_eq!(chain.storage(), before.storage());
    assert_eq!(chain.balances(), before.balances());
    assert_eq!(chain.events(), before.events());
    assert_eq!(report(&mut chain, CONTRACT)["credit_balance_wei"], "0");
}

// ---- Low-credit alerts at the consumer's thresholds (issue 17) ----

/// Alice: 1,000 wei of credit for "meter" (1 wei a call, 1,000 calls a day, cap 1,000).
fn metered_chain() -> MockChain {
    let mut chain = new_chain();
    chain.faucet(ALICE, 10_000);
    chain.call(OPERATOR).register_api("meter", 1, 1_000).unwrap();
    chain.call(ALICE).value(100).subscribe("meter", 1_000, 100).unwrap();
    chain
}

/// Bills `calls` one by one and returns the thresholds of the `CreditDepleted` events, in order.
fn alerts_while_billing(chain: &mut MockChain, calls: u64) -> Vec<String> {
    let mut fired = Vec::new();
    for _ in 0..calls {
        chain.call(ALICE).consume_credit("meter", ALICE).unwrap();
        for event in chain.last().events.iter().filter(|e| e.name == "CreditDepleted") {
            fired.push(event.field("threshold").and_then(Value::as_str).unwrap().to_string());
        }
    }
    fired
}

#[test]
fn each_threshold_fires_once_per_crossing_highest_first() {
    let mut chain = metered_chain();
    chain.call(ALICE).set_credit_alerts(vec![Value::from(10), Value::from(50), Value::from(25)]).unwrap();
    assert_eq!(last_events(&chain), ["CreditAlertsSet"]);
    assert_eq!(
        chain.last().events[0].field("percents"),
        Some(&Value::Array(vec![int(50), int(25), int(10)]))
    );
    let percents = |chain: &mut MockChain| report(chain, ALICE)["credit_alerts"].clone();
    assert_eq!(
        percents(&mut chain),
        serde_json::json!([
            {"percent": 50, "armed": true}, {"percent": 25, "armed": true}, {"percent": 10, "armed": true}
        ])
    );
    // 100 -> 50: the 50 % threshold, once.
    assert_eq!(alerts_while_billing(&mut chain, 50), ["50_percent_of_total_deposit"]);
    assert_eq!(report(&mut chain, ALICE)["low_credit"], true, "at or below the highest threshold");
    assert_eq!(
        alerts_while_billing(&mut chain, 40),
        ["25_percent_of_total_deposit", "10_percent_of_total_deposit"]
    );
    // A deposit lifting credit to 40 of 130 (30.7 %) re-arms 25 and 10 only.
    chain.call(ALICE).value(30).top_up_credit(30).unwrap();
    assert_eq!(percents(&mut chain)[0]["armed"], false);
    assert_eq!(percents(&mut chain)[1]["armed"], true);
    // One batch crossing both fires both, highest first.
    chain.call(ALICE).consume_credits("meter", ALICE, 30, 0).unwrap();
    assert_eq!(last_events(&chain), ["CallBilled", "CreditDepleted", "CreditDepleted"]);
    let thresholds: Vec<&Value> =
        chain.last().events[1..].iter().map(|e| e.field("threshold").unwrap()).collect();
    assert_eq!(
        thresholds,
        [&Value::from("25_percent_of_total_deposit"), &Value::from("10_percent_of_total_deposit")]
    );
}

#[test]
fn the_default_alert_is_todays_warning_byte_for_byte() {
    let run = |set: bool| {
        let mut chain = metered_chain();
        if set {
            chain.call(ALICE).set_credit_alerts(vec![Value::from(20)]).unwrap();
        }
        chain.call(ALICE).consume_credits("meter", ALICE, 80, 0).unwrap();
        chain.last().events.clone()
    };
    let default = run(false);
    assert_eq!(default.len(), 2);
    assert_eq!(
        default[1].to_value(),
        api_usage_billing::Event::from_value(default[1].to_value()).unwrap().to_value()
    );
    assert_eq!(
        api_usage_billing::calldata::encode(&default[1].to_value()),
        api_usage_billing::calldata::encode(&Value::Array(vec![
            Value::from("CreditDepleted"),
            Value::Array(vec![
                Value::Array(vec![Value::from("consumer"), Value::from(ALICE)]),
                Value::Array(vec![Value::from("remaining_credit_wei"), int(20)]),
                Value::Array(vec![
                    Value::from("threshold"),
                    Value::from(api_usage_billing::LOW_CREDIT_THRESHOLD)
                ]),
                Value::Array(vec![Value::from("funded_wei"), int(100)]),
            ]),
        ]))
    );
    assert_eq!(run(true), default, "[20] set explicitly is the default");
}

#[test]
fn setting_alerts_arms_only_those_credit_is_above_and_withdrawals_never_rearm() {
    let mut chain = metered_chain();
    chain.call(ALICE).consume_credits("meter", ALICE, 70, 0).unwrap(); // 30 of 100 left
    chain.call(ALICE).set_credit_alerts(vec![Value::from(50), Value::from(20)]).unwrap();
    let alerts = report(&mut chain, ALICE)["credit_alerts"].clone();
    assert_eq!(alerts, serde_json::json!([{"percent": 50, "armed": false}, {"percent": 20, "armed": true}]));
    // A withdrawal leaves 20 of 90 (22 %): nothing fires, nothing re-arms.
    chain.call(ALICE).withdraw_credit(10).unwrap();
    assert_eq!(last_events(&chain), ["CreditWithdrawn"]);
    assert_eq!(alerts_while_billing(&mut chain, 2), ["20_percent_of_total_deposit"]);
    chain.call(ALICE).withdraw_credit(17).unwrap(); // 1 of 71
    assert_eq!(report(&mut chain, ALICE)["credit_alerts"][1]["armed"], false);
}

#[test]
fn set_credit_alerts_refuses_every_bad_list_and_changes_nothing() {
    let mut chain = metered_chain();
    let list = |items: &[i64]| items.iter().map(|p| Value::from(*p)).collect::<Vec<_>>();
    for (items, code) in [
        (list(&[]), "credit_alerts_count"),
        (list(&[1, 2, 3, 4, 5]), "credit_alerts_count"),
        (list(&[0]), "credit_alert_percent"),
        (list(&[99, 100]), "credit_alert_percent"),
        (list(&[-5]), "credit_alert_percent"),
        (list(&[30, 30]), "credit_alerts_repeated"),
    ] {
        refused(&mut chain, code, |c| c.call(ALICE).set_credit_alerts(items.clone()));
    }
    refused(&mut chain, "invalid_arguments", |c| c.call(ALICE).set_credit_alerts(20));
    refused(&mut chain, "not_payable", |c| c.call(ALICE).value(1).set_credit_alerts(list(&[20])));
    // Four distinct thresholds from 1 to 99 are fine.
    chain.call(ALICE).set_credit_alerts(list(&[1, 99, 42, 7])).unwrap();
}
