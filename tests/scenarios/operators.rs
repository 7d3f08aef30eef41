//! Operators and dashboards: the API report, the 30-day usage history, batched idempotent billing and
//! the two-step API transfer.

use crate::common::*;
use serde_json::json;

const NEW_OPERATOR: Address = Address([0x0c; 20]);

fn api_report(chain: &mut MockChain, api: &str) -> serde_json::Value {
    let text = chain.call(STRANGER).get_api_report(api).expect("api report");
    serde_json::from_str(text.as_str().unwrap()).unwrap()
}

fn history(chain: &mut MockChain, consumer: Address, api: &str) -> serde_json::Value {
    let text = chain.call(STRANGER).get_usage_history(consumer, api).expect("history");
    serde_json::from_str(text.as_str().unwrap()).unwrap()
}

#[test]
fn the_api_report_shows_subscribers_todays_revenue_and_earnings() {
    let mut chain = weather_chain();
    chain.call(BOB).value(50).subscribe("weather", 100, 50).unwrap();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    chain.call(BOB).consume_credit("weather", BOB).unwrap();
    chain.call(BOB).unsubscribe("weather").unwrap();
    chain.call(OPERATOR).withdraw_earnings("weather", 5).unwrap();
    let text = chain.call(STRANGER).get_api_report("Weather").unwrap();
    let expected = format!(
        concat!(
            r#"{{"api_name":"weather","operator":"{op}","cost_per_call_wei":"10","daily_limit_calls":5,"active":true,"#,
            r#""subscribers":1,"day_id":{day},"calls_today":2,"revenue_today_wei":"20","revenue_total_wei":"20","#,
            r#""earnings_available_wei":"15","resets_at":{resets},"pending_operator":null}}"#
        ),
        op = OPERATOR.to_hex(),
        day = DAY0 / DAY,
        resets = DAY0 + DAY
    );
    assert_eq!(text, Value::Str(expected));

    chain.advance(DAY);
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    let report = api_report(&mut chain, "weather");
    assert_eq!(report["calls_today"], 1);
    assert_eq!(report["revenue_today_wei"], "10");
    assert_eq!(report["revenue_total_wei"], "30");
    assert_eq!(report["earnings_available_wei"], "25");
    assert_eq!(report["day_id"], DAY0 / DAY + 1);
    refused(&mut chain, "api_not_registered", |c| c.call(STRANGER).get_api_report("nope"));
}

#[test]
fn subscribers_count_activations_once() {
    let mut chain = weather_chain();
    assert_eq!(api_report(&mut chain, "weather")["subscribers"], 1);
    chain.call(ALICE).subscribe("weather", 40, 0).unwrap();
    assert_eq!(api_report(&mut chain, "weather")["subscribers"], 1, "re-subscribing while active");
    chain.call(ALICE).unsubscribe("weather").unwrap();
    assert_eq!(api_report(&mut chain, "weather")["subscribers"], 0);
    chain.call(ALICE).subscribe("weather", 40, 0).unwrap();
    assert_eq!(api_report(&mut chain, "weather")["subscribers"], 1);
}

#[test]
fn the_history_lists_the_last_thirty_days_with_usage_newest_first() {
    let mut chain = new_chain();
    chain.faucet(ALICE, 1_000_000);
    chain.call(OPERATOR).register_api("geo", 1, 10).unwrap();
    chain.call(ALICE).value(10_000).subscribe("geo", 100, 10_000).unwrap();
    assert_eq!(history(&mut chain, ALICE, "geo"), json!([]));
    // Usage on 40 days, every other day: n + 1 calls on day n (counted from DAY0's day).
    for n in 0..40u64 {
        chain.set_time(DAY0 + 2 * n * DAY + 3_600);
        for _ in 0..=(n % 5) {
            chain.call(ALICE).consume_credit("geo", ALICE).unwrap();
        }
    }
    let days = history(&mut chain, ALICE, "geo");
    let days = days.as_array().unwrap();
    assert_eq!(days.len(), 30);
    let first_day = DAY0 / DAY;
    for (i, day) in days.iter().enumerate() {
        let n = 39 - i as u64;
        assert_eq!(day["day_id"], first_day + 2 * n, "entry {i}");
        assert_eq!(day["calls"], n % 5 + 1);
        assert_eq!(day["spend_wei"], (n % 5 + 1).to_string());
    }
    // A later day without bills: the last billed day is still listed first.
    chain.advance(5 * DAY);
    assert_eq!(history(&mut chain, ALICE, "geo")[0]["day_id"], first_day + 78);
    assert_eq!(history(&mut chain, BOB, "geo"), json!([]));
    refused(&mut chain, "api_not_registered", |c| c.call(STRANGER).get_usage_history(ALICE, "nope"));
}

#[test]
fn a_batch_bills_all_calls_at_once_or_none() {
    let mut chain = weather_chain(); // 10 wei a call, 5 calls a day, cap 30, credit 100
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    let receipt = chain.call(DAPP).consume_credits("weather", ALICE, 3, 1).unwrap();
    assert_eq!(receipt_field(&receipt, "billed_wei"), 30);
    assert_eq!(receipt_field(&receipt, "calls_today"), 3);
    assert_eq!(receipt_field(&receipt, "remaining_credit_wei"), 70);
    assert_eq!(last_events(&chain), ["CallBilled"]);
    assert_eq!(chain.last().events[0].field("calls"), Some(&int(3)));
    assert_eq!(chain.last().events[0].field("billed_wei"), Some(&int(30)));

    // Over the spend cap as a whole: nothing is billed.
    let refusal =
        refused(&mut chain, "daily_spend_limit", |c| c.call(DAPP).consume_credits("weather", ALICE, 1, 2));
    assert_eq!(refusal.detail("attempted_spend"), Some(&int(40)));
    chain.call(ALICE).subscribe("weather", 1_000, 0).unwrap();
    let refusal =
        refused(&mut chain, "daily_call_limit", |c| c.call(DAPP).consume_credits("weather", ALICE, 3, 2));
    assert_eq!(refusal.detail("attempted_calls"), Some(&int(6)));
    chain.call(ALICE).withdraw_credit(55).unwrap();
    let refusal =
        refused(&mut chain, "insufficient_credit", |c| c.call(DAPP).consume_credits("weather", ALICE, 2, 2));
    assert_eq!(refusal.detail("required"), Some(&int(20)));
    assert_eq!(credit(&mut chain, ALICE), 15);
}

#[test]
fn a_retried_batch_is_refused_and_bills_nothing() {
    let mut chain = weather_chain();
    chain.call(ALICE).subscribe("weather", 1_000, 0).unwrap();
    chain.call(ALICE).consume_credits("weather", ALICE, 2, 7).unwrap();
    let refusal =
        refused(&mut chain, "duplicate_usage_id", |c| c.call(ALICE).consume_credits("weather", ALICE, 2, 7));
    assert_eq!(refusal.message, "[EXPECTED] duplicate usage id");
    assert_eq!(refusal.detail("last_usage_id"), Some(&int(7)));
    assert_eq!(refusal.detail("rule"), Some(&Value::from("already_used")));
    // A lower id not used yet is a batch that arrived late (issue 12): it bills, once.
    chain.call(ALICE).consume_credits("weather", ALICE, 1, 6).unwrap();
    refused(&mut chain, "duplicate_usage_id", |c| c.call(ALICE).consume_credits("weather", ALICE, 1, 6));
    // Usage id 0 opts out of the check; ids are per subscription.
    chain.call(ALICE).consume_credits("weather", ALICE, 1, 0).unwrap();
    chain.call(ALICE).consume_credits("weather", ALICE, 1, 8).unwrap();
    chain.call(BOB).value(50).subscribe("weather", 100, 50).unwrap();
    chain.call(BOB).consume_credits("weather", BOB, 1, 1).unwrap();
    assert_eq!(credit(&mut chain, ALICE), 50);
}

#[test]
fn batch_arguments_are_checked_first() {
    let mut chain = weather_chain();
    let refusal =
        refused(&mut chain, "calls_not_positive", |c| c.call(ALICE).consume_credits("weather", ALICE, 0, 1));
    assert_eq!(refusal.message, "[EXPECTED] calls must be positive");
    refused(&mut chain, "calls_not_positive", |c| c.call(ALICE).consume_credits("nope", ALICE, -1, 1));
    refused(&mut chain, "out_of_range", |c| {
        c.call(ALICE).consume_credits("weather", ALICE, u128::from(u64::MAX) + 1, 1)
    });
    refused(&mut chain, "out_of_range", |c| c.call(ALICE).consume_credits("weather", ALICE, 1, -1));
    refused(&mut chain, "caller_not_allowed", |c| c.call(DAPP).consume_credits("weather", ALICE, 1, 1));
    refused(&mut chain, "caller_not_allowed", |c| c.call(OPERATOR).consume_credits("weather", ALICE, 1, 1));
}

#[test]
fn an_api_changes_hands_only_when_the_new_operator_accepts() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    refused(&mut chain, "not_operator", |c| c.call(STRANGER).transfer_api("weather", STRANGER));
    chain.call(OPERATOR).transfer_api("weather", NEW_OPERATOR).unwrap();
    let requested = &chain.last().events[0];
    assert_eq!(requested.name, "ApiTransferRequested");
    assert_eq!(requested.field("new_operator"), Some(&Value::from(NEW_OPERATOR)));
    assert_eq!(api_report(&mut chain, "weather")["pending_operator"], NEW_OPERATOR.to_hex());
    chain.call(OPERATOR).transfer_api("weather", NEW_OPERATOR).unwrap();
    assert!(chain.last().events.is_empty(), "naming the same account again changes nothing");

    let refusal = refused(&mut chain, "not_pending_operator", |c| c.call(STRANGER).accept_api("weather"));
    assert_eq!(refusal.message, "[EXPECTED] caller is not the pending operator");
    // Until it accepts, the old operator still runs the API.
    chain.call(OPERATOR).register_api("weather", 12, 5).unwrap();
    chain.call(NEW_OPERATOR).accept_api("weather").unwrap();
    let transferred = &chain.last().events[0];
    assert_eq!(transferred.name, "ApiTransferred");
    assert_eq!(transferred.field("operator"), Some(&Value::from(NEW_OPERATOR)));
    assert_eq!(transferred.field("previous_operator"), Some(&Value::from(OPERATOR)));
    let report = api_report(&mut chain, "weather");
    assert_eq!(report["operator"], NEW_OPERATOR.to_hex());
    assert_eq!(report["pending_operator"], serde_json::Value::Null);

    // Unwithdrawn earnings go with the API; the old operator lost every operator right.
    refused(&mut chain, "not_operator", |c| c.call(OPERATOR).withdraw_earnings("weather", 10));
    refused(&mut chain, "api_taken", |c| c.call(OPERATOR).register_api("weather", 1, 1));
    refused(&mut chain, "not_pending_operator", |c| c.call(NEW_OPERATOR).accept_api("weather"));
    chain.call(NEW_OPERATOR).withdraw_earnings("weather", 10).unwrap();
    assert_eq!(chain.last().transfers[0].to, NEW_OPERATOR);
}

/// Issue 12, item 3: one batch with usage id u64::MAX by any delegate used to disable idempotent
/// batches for every other biller of the subscription, for good.
#[test]
fn usage_ids_are_per_biller_so_one_biller_cannot_block_another() {
    let mut chain = weather_chain();
    chain.call(ALICE).subscribe("weather", 1_000, 0).unwrap();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).approve_delegate("weather", BOB).unwrap();
    chain.call(DAPP).consume_credits("weather", ALICE, 1, u64::MAX).unwrap();
    chain.call(ALICE).consume_credits("weather", ALICE, 1, 1).unwrap();
    chain.call(BOB).consume_credits("weather", ALICE, 1, 1).unwrap();
    // Each biller only ever blocks its own ids.
    let refusal = refused(&mut chain, "duplicate_usage_id", |c| {
        c.call(DAPP).consume_credits("weather", ALICE, 1, u64::MAX)
    });
    assert_eq!(refusal.detail("last_usage_id"), Some(&int(u128::from(u64::MAX))));
    assert_eq!(refusal.detail("rule"), Some(&Value::from("already_used")));
    refused(&mut chain, "duplicate_usage_id", |c| c.call(BOB).consume_credits("weather", ALICE, 1, 1));
    assert_eq!(credit(&mut chain, ALICE), 70);
}

/// Issue 12, item 3: bills queued by a consumer contract may arrive out of order; a late id inside
/// the window of 64 below the highest bills once, an older one is refused as below the window.
#[test]
fn a_late_usage_id_within_the_window_bills_once_and_an_older_one_is_refused() {
    let mut chain = weather_chain();
    chain.call(ALICE).subscribe("weather", 1_000, 0).unwrap();
    chain.call(ALICE).consume_credits("weather", ALICE, 1, 100).unwrap();
    chain.call(ALICE).consume_credits("weather", ALICE, 1, 36).unwrap(); // 64 below: in the window
    let refusal =
        refused(&mut chain, "duplicate_usage_id", |c| c.call(ALICE).consume_credits("weather", ALICE, 1, 36));
    assert_eq!(refusal.detail("rule"), Some(&Value::from("already_used")));
    let refusal =
        refused(&mut chain, "duplicate_usage_id", |c| c.call(ALICE).consume_credits("weather", ALICE, 1, 35));
    assert_eq!(refusal.detail("rule"), Some(&Value::from("below_window")));
    assert_eq!(refusal.detail("usage_id"), Some(&int(35)));
    assert_eq!(refusal.detail("last_usage_id"), Some(&int(100)));
    assert_eq!(credit(&mut chain, ALICE), 80);
}

/// Issue 12, item 3: revoking and re-approving a delegate, or unsubscribing and subscribing again,
/// keeps every biller's sequence, so old ids cannot be replayed.
#[test]
fn revoking_and_reapproving_a_delegate_keeps_its_usage_ids() {
    let mut chain = weather_chain();
    chain.call(ALICE).subscribe("weather", 1_000, 0).unwrap();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(DAPP).consume_credits("weather", ALICE, 1, 5).unwrap();
    chain.call(ALICE).consume_credits("weather", ALICE, 1, 9).unwrap();
    chain.call(ALICE).revoke_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    refused(&mut chain, "duplicate_usage_id", |c| c.call(DAPP).consume_credits("weather", ALICE, 1, 5));
    chain.call(ALICE).unsubscribe("weather").unwrap();
    chain.call(ALICE).subscribe("weather", 1_000, 0).unwrap();
    refused(&mut chain, "duplicate_usage_id", |c| c.call(ALICE).consume_credits("weather", ALICE, 1, 9));
    refused(&mut chain, "duplicate_usage_id", |c| c.call(DAPP).consume_credits("weather", ALICE, 1, 5));
    chain.call(DAPP).consume_credits("weather", ALICE, 1, 6).unwrap();
}

/// The windows are bounded: the consumer and 31 delegates over time; a 33rd biller's id is refused
/// (its bills without an id still go through), and the 32 keep theirs.
#[test]
fn a_subscription_keeps_usage_id_windows_for_32_billers() {
    let mut chain = weather_chain();
    chain.call(OPERATOR).register_api("bulk", 1, 1_000).unwrap();
    chain.call(ALICE).value(1_000).subscribe("bulk", 1_000, 1_000).unwrap();
    chain.call(ALICE).consume_credits("bulk", ALICE, 1, 1).unwrap();
    let delegate = |i: u8| Address([0x40 + i; 20]);
    for i in 0..32 {
        chain.call(ALICE).approve_delegate("bulk", delegate(i)).unwrap();
        if i < 31 {
            chain.call(delegate(i)).consume_credits("bulk", ALICE, 1, 1).unwrap();
        } else {
            refused(&mut chain, "too_many_billers", |c| {
                c.call(delegate(i)).consume_credits("bulk", ALICE, 1, 1)
            });
            chain.call(delegate(i)).consume_credits("bulk", ALICE, 1, 0).unwrap();
        }
        chain.call(ALICE).revoke_delegate("bulk", delegate(i)).unwrap();
    }
    chain.call(ALICE).approve_delegate("bulk", delegate(0)).unwrap();
    refused(&mut chain, "duplicate_usage_id", |c| c.call(delegate(0)).consume_credits("bulk", ALICE, 1, 1));
    chain.call(delegate(0)).consume_credits("bulk", ALICE, 1, 2).unwrap();
}

// ---- Operator credit notes (issue 17) ----

#[test]
fn a_credit_note_moves_earnings_to_the_consumers_credit_as_a_deposit() {
    let mut chain = weather_chain();
    for _ in 0..3 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    }
    let balance = chain.contract_balance();
    chain.call(OPERATOR).credit_note("weather", ALICE, 20, "empty responses 10:00-10:05").unwrap();
    assert_eq!(last_events(&chain), ["CreditNoted"]);
    let event = &chain.last().events[0];
    assert_eq!(event.field("api"), Some(&Value::from("weather")));
    assert_eq!(event.field("consumer"), Some(&Value::from(ALICE)));
    assert_eq!(event.field("amount"), Some(&int(20)));
    assert_eq!(event.field("reason"), Some(&Value::from("empty responses 10:00-10:05")));
    assert_eq!(event.field("remaining_earnings_wei"), Some(&int(10)));
    assert!(chain.last().transfers.is_empty(), "no value leaves the contract");
    assert_eq!(chain.contract_balance(), balance);
    let alice = report(&mut chain, ALICE);
    assert_eq!(
        (alice["credit_balance_wei"].as_str(), alice["funded_wei"].as_str()),
        (Some("90"), Some("120"))
    );
    // The consumer may withdraw it; the operator keeps only the rest.
    chain.call(ALICE).withdraw_credit(90).unwrap();
    refused(&mut chain, "insufficient_earnings", |c| c.call(OPERATOR).withdraw_earnings("weather", 11));
    chain.call(OPERATOR).withdraw_earnings("weather", 10).unwrap();
    assert_eq!(chain.contract_balance(), 0);
}

#[test]
fn credit_notes_never_pass_what_the_consumer_was_billed_on_the_api() {
    let mut chain = weather_chain();
    chain.call(BOB).value(100).subscribe("weather", 100, 100).unwrap();
    for who in [ALICE, ALICE, BOB, BOB, BOB] {
        chain.call(who).consume_credit("weather", who).unwrap();
    }
    chain.call(OPERATOR).credit_note("weather", ALICE, 15, "outage").unwrap();
    let refusal = refused(&mut chain, "credit_note_exceeds_billed", |c| {
        c.call(OPERATOR).credit_note("weather", ALICE, 6, "outage")
    });
    assert_eq!(refusal.details.get("billed_wei"), Some(&int(20)));
    assert_eq!(refusal.details.get("noted_wei"), Some(&int(15)));
    assert_eq!(refusal.details.get("amount"), Some(&int(6)));
    chain.call(OPERATOR).credit_note("weather", ALICE, 5, "outage").unwrap();
    // An inactive subscription still takes a note; a stranger has none.
    chain.call(BOB).unsubscribe("weather").unwrap();
    chain.call(OPERATOR).credit_note("weather", BOB, 30, "refund").unwrap();
    refused(&mut chain, "not_subscribed", |c| c.call(OPERATOR).credit_note("weather", STRANGER, 1, "x"));
    refused(&mut chain, "insufficient_earnings", |c| c.call(OPERATOR).credit_note("weather", BOB, 1, "x"));
}

#[test]
fn a_credit_note_rearms_the_low_credit_warning() {
    let mut chain = weather_chain();
    for _ in 0..3 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    }
    chain.call(ALICE).set_daily_cap("weather", 1_000).unwrap();
    chain.call(OPERATOR).register_api("weather", 10, 100).unwrap();
    for _ in 0..5 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    }
    assert_eq!(last_events(&chain), ["CallBilled", "CreditDepleted"]);
    chain.call(OPERATOR).credit_note("weather", ALICE, 30, "outage").unwrap(); // 50 of 130
    assert_eq!(report(&mut chain, ALICE)["credit_alerts"][0]["armed"], true);
    let mut warnings = 0;
    while credit(&mut chain, ALICE) >= 10 {
        chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
        warnings += chain.last().events.iter().filter(|e| e.name == "CreditDepleted").count();
    }
    assert_eq!(warnings, 1);
}

#[test]
fn credit_note_refuses_bad_reasons_amounts_and_callers() {
    let mut chain = weather_chain();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    for reason in ["", "tab\there", "\u{e9}t\u{e9}", "new\nline"] {
        refused(&mut chain, "invalid_reason", |c| c.call(OPERATOR).credit_note("weather", ALICE, 1, reason));
    }
    let long = "r".repeat(65);
    refused(&mut chain, "invalid_reason", |c| {
        c.call(OPERATOR).credit_note("weather", ALICE, 1, long.as_str())
    });
    chain.call(OPERATOR).credit_note("weather", ALICE, 1, "r".repeat(64).as_str()).unwrap();
    refused(&mut chain, "amount_not_positive", |c| c.call(OPERATOR).credit_note("weather", ALICE, 0, "x"));
    refused(&mut chain, "amount_not_positive", |c| c.call(OPERATOR).credit_note("weather", ALICE, -1, "x"));
    refused(&mut chain, "not_operator", |c| c.call(ALICE).credit_note("weather", ALICE, 1, "x"));
    refused(&mut chain, "api_not_registered", |c| c.call(OPERATOR).credit_note("nope", ALICE, 1, "x"));
    refused(&mut chain, "not_payable", |c| c.call(OPERATOR).value(1).credit_note("weather", ALICE, 1, "x"));
}
