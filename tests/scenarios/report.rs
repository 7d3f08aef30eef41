//! The usage report: exact JSON, field by field, for dashboards that parse it.

use crate::common::*;
use serde_json::json;

#[test]
fn the_report_is_compact_json_with_fields_in_the_specified_order() {
    let mut chain = weather_chain();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    let text = chain.call(STRANGER).get_usage_report(ALICE).unwrap();
    let alice = ALICE.to_hex();
    let dapp = DAPP.to_hex();
    let day = DAY0 / DAY;
    let expected = format!(
        concat!(
            r#"{{"consumer":"{alice}","day_id":{day},"credit_balance_wei":"90","apis":[{{"api_name":"weather","#,
            r#""calls_today":1,"spend_today_wei":"10","cost_per_call_wei":"10","api_daily_limit_calls":5,"#,
            r#""consumer_max_daily_spend_wei":"30","active":true,"accepted_price_wei":"10","#,
            r#""calls_remaining_today":4,"spend_remaining_today_wei":"20","delegates":["{dapp}"],"#,
            r#""delegate_limits":[{{"delegate":"{dapp}","max_daily_calls":null,"calls_today":0}}]}}],"#,
            r#""resets_at":{resets},"funded_wei":"100","low_credit":false,"#,
            r#""credit_alerts":[{{"percent":20,"armed":true}}]}}"#
        ),
        alice = alice,
        day = day,
        dapp = dapp,
        resets = DAY0 + DAY
    );
    assert_eq!(text, Value::Str(expected));
}

#[test]
fn the_report_lists_apis_in_subscription_order_with_their_own_figures() {
    let mut chain = weather_chain();
    chain.faucet(ALICE, 10_000_000_000_000_000_000);
    chain.call(OTHER_OPERATOR).register_api("Maps.v2/Tiles", 1_000_000_000_000_000_000u128, 2).unwrap();
    chain
        .call(ALICE)
        .value(3_000_000_000_000_000_000)
        .subscribe("maps.v2/tiles", 5_000_000_000_000_000_000u128, 3_000_000_000_000_000_000u128)
        .unwrap();
    chain.call(ALICE).consume_credit("maps.v2/tiles", ALICE).unwrap();
    chain.call(ALICE).consume_credit("maps.v2/tiles", ALICE).unwrap();
    chain.call(ALICE).unsubscribe("weather").unwrap();

    let report = report(&mut chain, ALICE);
    assert_eq!(report["consumer"], ALICE.to_hex());
    assert_eq!(report["credit_balance_wei"], "1000000000000000100");
    assert_eq!(report["funded_wei"], "3000000000000000100");
    assert_eq!(report["low_credit"], false);
    assert_eq!(report["resets_at"], DAY0 + DAY);
    let apis = report["apis"].as_array().unwrap();
    assert_eq!(apis.len(), 2);
    assert_eq!(apis[0]["api_name"], "weather");
    assert_eq!(apis[0]["active"], false);
    assert_eq!(
        apis[1],
        json!({
            "api_name": "maps.v2/tiles",
            "calls_today": 2,
            "spend_today_wei": "2000000000000000000",
            "cost_per_call_wei": "1000000000000000000",
            "api_daily_limit_calls": 2,
            "consumer_max_daily_spend_wei": "5000000000000000000",
            "active": true,
            "accepted_price_wei": "1000000000000000000",
            "calls_remaining_today": 0,
            "spend_remaining_today_wei": "3000000000000000000",
            "delegates": [],
            "delegate_limits": [],
        })
    );
}

#[test]
fn an_unknown_consumer_gets_an_empty_report_not_an_error() {
    let mut chain = weather_chain();
    let report = report(&mut chain, STRANGER);
    assert_eq!(
        report,
        json!({
            "consumer": STRANGER.to_hex(),
            "day_id": DAY0 / DAY,
            "credit_balance_wei": "0",
            "apis": [],
            "resets_at": DAY0 + DAY,
            "funded_wei": "0",
            "low_credit": false,
            "credit_alerts": [{"percent": 20, "armed": true}],
        })
    );
}

#[test]
fn views_write_nothing_and_accept_text_addresses() {
    let mut chain = weather_chain();
    let storage = chain.storage().clone();
    let by_value = chain.call(BOB).get_usage_report(ALICE).unwrap();
    let by_text =
        chain.call(BOB).get_usage_report(ALICE.to_hex().to_uppercase().replacen("0X", "0x", 1)).unwrap();
    assert_eq!(by_value, by_text);
    assert_eq!(chain.last().storage_writes, 0);
    let text = chain.call(BOB).consumer_integration_example().unwrap();
    let text = text.as_str().unwrap();
    assert!(
        text.contains("consume_credit(api_name, end_user)")
            && text.contains("approve_delegate")
            && text.contains("view().preview_bill(api_name, end_user, 1)")
            && text.contains("emit(on='accepted').consume_credits(api_name, end_user, 1, usage_id)"),
        "{text}"
    );
    assert_eq!(chain.storage(), &storage);
}
