//! Billing scenarios: the seed's happy path, the three daily limits, day rollover, prices, receipts.

use crate::common::*;

#[test]
fn seed_happy_path_bills_pays_the_operator_and_reports() {
    let mut chain = weather_chain();
    assert_eq!(chain.contract_balance(), 100);
    assert_eq!(chain.balance(ALICE), 1_000_000 - 100);

    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "billed_wei"), 10);
    assert_eq!(receipt_field(&receipt, "remaining_credit_wei"), 90);
    assert_eq!(receipt_field(&receipt, "calls_today"), 1);
    assert_eq!(receipt_field(&receipt, "spend_today_wei"), 10);
    assert_eq!(receipt_field(&receipt, "calls_remaining_today"), 4);
    assert_eq!(receipt_field(&receipt, "spend_remaining_today_wei"), 20);
    assert_eq!(receipt_field(&receipt, "resets_at"), u128::from(DAY0 + DAY));
    assert_eq!(last_events(&chain), ["CallBilled"]);
    let billed = &chain.last().events[0];
    assert_eq!(billed.field("api"), Some(&Value::from("weather")));
    assert_eq!(billed.field("consumer"), Some(&Value::from(ALICE)));
    assert_eq!(billed.field("billed_wei"), Some(&int(10)));
    assert_eq!(billed.field("remaining_credit_wei"), Some(&int(90)));
    assert_eq!(billed.field("calls"), Some(&int(1)));

    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(credit(&mut chain, ALICE), 80);
    // The operator is paid out of the billed credit: 20 wei of earnings, withdrawable.
    chain.call(OPERATOR).withdraw_earnings("weather", 20).unwrap();
    assert_eq!(chain.balance(OPERATOR), 1_000_000 + 20);
    assert_eq!(chain.contract_balance(), 80);
}

#[test]
fn api_names_are_trimmed_and_lowercased_everywhere() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("  WEATHER\t", ALICE).unwrap();
    assert_eq!(chain.last().events[0].field("api"), Some(&Value::from("weather")));
    // An address given as text in any case is the same account.
    let shouting = ALICE.to_hex().to_uppercase().replacen("0X", "0x", 1);
    chain.call(ALICE).consume_credit("weather", shouting.as_str()).unwrap();
    assert_eq!(credit(&mut chain, ALICE), 80);
}

#[test]
fn daily_call_limit_refuses_with_the_seed_details() {
    let mut chain = new_chain();
    chain.faucet(ALICE, 1_000);
    chain.call(OPERATOR).register_api("geo", 1, 3).unwrap();
    chain.call(ALICE).value(100).subscribe("geo", 100, 100).unwrap();
    for _ in 0..3 {
        chain.call(ALICE).consume_credit("geo", ALICE).unwrap();
    }
    let refusal = refused(&mut chain, "daily_call_limit", |c| c.call(ALICE).consume_credit("geo", ALICE));
    assert_eq!(refusal.message, "[EXPECTED] daily call limit exceeded");
    assert_eq!(refusal.detail("reason"), Some(&Value::from("daily_call_limit")));
    assert_eq!(refusal.detail("attempted_calls"), Some(&int(4)));
    assert_eq!(refusal.detail("max_calls"), Some(&int(3)));
}

#[test]
fn daily_spend_cap_refuses_with_the_seed_details() {
    let mut chain = weather_chain(); // 10 wei a call, cap 30
    for _ in 0..3 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    }
    let refusal =
        refused(&mut chain, "daily_spend_limit", |c| c.call(ALICE).consume_credit("weather", ALICE));
    assert_eq!(refusal.message, "[EXPECTED] max daily spend exceeded");
    assert_eq!(refusal.detail("reason"), Some(&Value::from("daily_spend_limit")));
    assert_eq!(refusal.detail("attempted_spend"), Some(&int(40)));
    assert_eq!(refusal.detail("max_spend"), Some(&int(30)));
}

#[test]
fn insufficient_credit_refuses_with_the_seed_details() {
    let mut chain = weather_chain();
    chain.call(ALICE).withdraw_credit(95).unwrap();
    let refusal =
        refused(&mut chain, "insufficient_credit", |c| c.call(ALICE).consume_credit("weather", ALICE));
    assert_eq!(refusal.message, "[EXPECTED] insufficient prepaid credit");
    assert_eq!(refusal.detail("reason"), Some(&Value::from("insufficient_credit")));
    assert_eq!(refusal.detail("credit"), Some(&int(5)));
    assert_eq!(refusal.detail("required"), Some(&int(10)));
}

#[test]
fn limits_are_checked_calls_then_spend_then_credit() {
    // Every limit is hit at once: the call limit is reported first, as the seed does.
    let mut chain = new_chain();
    chain.faucet(ALICE, 1_000);
    chain.call(OPERATOR).register_api("geo", 10, 1).unwrap();
    chain.call(ALICE).value(10).subscribe("geo", 10, 10).unwrap();
    chain.call(ALICE).consume_credit("geo", ALICE).unwrap();
    refused(&mut chain, "daily_call_limit", |c| c.call(ALICE).consume_credit("geo", ALICE));
    chain.call(OPERATOR).register_api("geo", 10, 2).unwrap();
    refused(&mut chain, "daily_spend_limit", |c| c.call(ALICE).consume_credit("geo", ALICE));
    chain.call(ALICE).subscribe("geo", 20, 0).unwrap();
    refused(&mut chain, "insufficient_credit", |c| c.call(ALICE).consume_credit("geo", ALICE));
}

#[test]
fn usage_resets_at_the_exact_second_the_utc_day_ends() {
    let mut chain = new_chain();
    chain.faucet(ALICE, 1_000);
    chain.call(OPERATOR).register_api("geo", 1, 2).unwrap();
    chain.call(ALICE).value(100).subscribe("geo", 100, 100).unwrap();
    chain.set_time(DAY0 + 86_398);
    chain.call(ALICE).consume_credit("geo", ALICE).unwrap();
    chain.call(ALICE).consume_credit("geo", ALICE).unwrap();
    chain.set_time(DAY0 + 86_399);
    let refusal = refused(&mut chain, "daily_call_limit", |c| c.call(ALICE).consume_credit("geo", ALICE));
    assert_eq!(refusal.detail("attempted_calls"), Some(&int(3)));

    chain.set_time(DAY0 + DAY);
    let receipt = chain.call(ALICE).consume_credit("geo", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "calls_today"), 1);
    assert_eq!(receipt_field(&receipt, "spend_today_wei"), 1);
    assert_eq!(receipt_field(&receipt, "resets_at"), u128::from(DAY0 + 2 * DAY));
    let report = report(&mut chain, ALICE);
    assert_eq!(report["day_id"], (DAY0 + DAY) / DAY);
    assert_eq!(report["apis"][0]["calls_today"], 1);
}

#[test]
fn a_report_on_a_later_day_shows_zero_usage() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    chain.advance(DAY);
    let report = report(&mut chain, ALICE);
    assert_eq!(report["apis"][0]["calls_today"], 0);
    assert_eq!(report["apis"][0]["spend_today_wei"], "0");
    assert_eq!(report["apis"][0]["calls_remaining_today"], 5);
    assert_eq!(report["credit_balance_wei"], "90");
}

#[test]
fn a_price_cut_applies_to_the_next_call_at_once() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    chain.call(OPERATOR).register_api("weather", 4, 5).unwrap();
    assert_eq!(last_events(&chain), ["ApiUpdated"]);
    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "billed_wei"), 4);
    assert_eq!(receipt_field(&receipt, "spend_today_wei"), 14);
    // The accepted price stays at 10: a later raise up to it needs no new consent.
    chain.call(OPERATOR).register_api("weather", 10, 5).unwrap();
    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "billed_wei"), 10);
}

#[test]
fn a_price_raise_is_refused_until_the_consumer_subscribes_again() {
    let mut chain = weather_chain();
    chain.call(OPERATOR).register_api("weather", 11, 5).unwrap();
    let refusal = refused(&mut chain, "price_increased", |c| c.call(ALICE).consume_credit("weather", ALICE));
    assert_eq!(refusal.detail("price"), Some(&int(11)));
    assert_eq!(refusal.detail("accepted_price"), Some(&int(10)));
    assert_eq!(report(&mut chain, ALICE)["apis"][0]["accepted_price_wei"], "10");

    chain.call(ALICE).subscribe("weather", 30, 0).unwrap();
    assert_eq!(report(&mut chain, ALICE)["apis"][0]["accepted_price_wei"], "11");
    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "billed_wei"), 11);
}

#[test]
fn the_operator_updating_an_api_keeps_todays_usage_and_pause_state() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    chain.call(OPERATOR).set_api_active("weather", false).unwrap();
    chain.call(OPERATOR).register_api("weather", 10, 7).unwrap();
    let updated = &chain.last().events[0];
    assert_eq!(updated.name, "ApiUpdated");
    assert_eq!(updated.field("operator"), Some(&Value::from(OPERATOR)));
    assert_eq!(updated.field("daily_limit_calls"), Some(&int(7)));
    refused(&mut chain, "api_paused", |c| c.call(ALICE).consume_credit("weather", ALICE));
    chain.call(OPERATOR).set_api_active("weather", true).unwrap();
    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "calls_today"), 2);
    assert_eq!(receipt_field(&receipt, "calls_remaining_today"), 5);
}

#[test]
fn credit_is_shared_by_all_the_consumers_apis() {
    let mut chain = weather_chain();
    chain.call(OTHER_OPERATOR).register_api("maps", 25, 10).unwrap();
    chain.call(ALICE).subscribe("maps", 1_000, 0).unwrap();
    chain.call(ALICE).consume_credit("maps", ALICE).unwrap();
    let receipt = chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "remaining_credit_wei"), 65);
    // Each operator is paid for its own API only.
    refused(&mut chain, "insufficient_earnings", |c| c.call(OPERATOR).withdraw_earnings("weather", 11));
    chain.call(OPERATOR).withdraw_earnings("weather", 10).unwrap();
    chain.call(OTHER_OPERATOR).withdraw_earnings("maps", 25).unwrap();
    assert_eq!(chain.contract_balance(), 65);
}

#[test]
fn consume_credit_does_at_most_three_reads_and_three_writes() {
    let mut chain = weather_chain();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    for caller in [ALICE, DAPP, ALICE] {
        chain.call(caller).consume_credit("weather", ALICE).unwrap();
        assert!(chain.last().storage_reads <= 3, "{:?}", chain.last());
        assert!(chain.last().storage_writes <= 3, "{:?}", chain.last());
    }
    // The first bill of a new day writes once more: it archives the finished day for the history.
    chain.advance(DAY);
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!((chain.last().storage_reads, chain.last().storage_writes), (3, 4));
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    assert_eq!((chain.last().storage_reads, chain.last().storage_writes), (3, 3));
}

/// Issue 12, item 1: block time that goes backwards (between the last second of a day and the next
/// day, alternately) used to reset "today" and bill far past the daily limit.
#[test]
fn time_going_backwards_never_resets_todays_usage() {
    let mut chain = weather_chain(); // 10 wei a call, 5 calls a day
    chain.call(ALICE).value(1_000).subscribe("weather", 1_000, 1_000).unwrap();
    let (late, next_day) = (DAY0 + DAY - 1, DAY0 + DAY);
    let mut billed = 0;
    for round in 0..20 {
        let at = if round % 2 == 0 { next_day } else { late };
        if let Ok(receipt) = chain.call(ALICE).at(at).consume_credit("weather", ALICE) {
            billed += 1;
            // A bill at the earlier time counts on the later day already recorded.
            assert_eq!(receipt_field(&receipt, "calls_today"), billed, "round {round}");
            assert_eq!(receipt_field(&receipt, "resets_at"), u128::from(DAY0 + 2 * DAY), "round {round}");
        }
    }
    assert_eq!(billed, 5, "the daily limit holds whatever the order of block times");
    let refusal =
        refused(&mut chain, "daily_call_limit", |c| c.call(ALICE).at(late).consume_credit("weather", ALICE));
    assert_eq!(refusal.detail("attempted_calls"), Some(&int(6)));

    // The reports use the same rule: the later day, and resets_at after it.
    chain.set_time(late);
    let usage = report(&mut chain, ALICE);
    assert_eq!(usage["day_id"], (DAY0 + DAY) / DAY);
    assert_eq!(usage["resets_at"], DAY0 + 2 * DAY);
    assert_eq!(usage["apis"][0]["calls_today"], 5);
    assert_eq!(usage["apis"][0]["calls_remaining_today"], 0);
    let text = chain.call(STRANGER).get_api_report("weather").unwrap();
    let api: serde_json::Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
    assert_eq!((api["day_id"].clone(), api["calls_today"].clone()), (((DAY0 + DAY) / DAY).into(), 5.into()));
    // The history never goes back in time: one day, the later one.
    let text = chain.call(STRANGER).get_usage_history(ALICE, "weather").unwrap();
    let history: serde_json::Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
    assert_eq!(history, serde_json::json!([{"day_id": (DAY0 + DAY) / DAY, "calls": 5, "spend_wei": "50"}]));
    // Time moving on still opens the next day.
    let receipt = chain.call(ALICE).at(DAY0 + 2 * DAY).consume_credit("weather", ALICE).unwrap();
    assert_eq!(receipt_field(&receipt, "calls_today"), 1);
}

/// Issue 12, item 3: the usage-id windows live in the subscription record, so a same-day batch with
/// a usage id, by a delegate or by the consumer, stays at 3 reads and 3 writes.
#[test]
fn a_same_day_batch_with_a_usage_id_stays_at_three_reads_and_three_writes() {
    let mut chain = weather_chain();
    chain.call(ALICE).subscribe("weather", 1_000, 0).unwrap();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    for (caller, id) in [(DAPP, 1), (ALICE, 1), (DAPP, 3), (DAPP, 2)] {
        chain.call(caller).consume_credits("weather", ALICE, 1, id).unwrap();
        assert_eq!((chain.last().storage_reads, chain.last().storage_writes), (3, 3), "{caller:?} id {id}");
    }
}
