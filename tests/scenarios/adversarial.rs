//! The adversarial catalog: for every entrypoint, its bad inputs and the error code each must get,
//! from one fixture state, each leaving storage, balances and events exactly as they were.

use crate::common::*;
use api_usage_billing::{Int, ParamType, METHODS};

fn beyond_u128() -> Value {
    Value::Int(Int::sum(u128::MAX, 1))
}

/// Weather and maps by OPERATOR; Alice subscribed to both with 100 wei, DAPP her delegate on weather
/// only; one call billed, so weather has 10 wei of earnings.
fn fixture() -> MockChain {
    let mut chain = weather_chain();
    chain.call(OPERATOR).register_api("maps", 1, 10).unwrap();
    chain.call(ALICE).subscribe("maps", 10, 0).unwrap();
    chain.call(ALICE).approve_delegate("weather", DAPP).unwrap();
    chain.call(ALICE).consume_credit("weather", ALICE).unwrap();
    chain
}

/// A valid call of every method in the fixture: who makes it, the value and the arguments.
fn base(method: &str) -> (Address, u128, Vec<Value>) {
    let api = || Value::from("weather");
    match method {
        "register_api" => (OPERATOR, 0, vec![api(), 10.into(), 5.into()]),
        "subscribe" => (ALICE, 0, vec![api(), 30.into(), 0.into()]),
        "top_up_credit" => (ALICE, 5, vec![5.into()]),
        "consume_credit" => (ALICE, 0, vec![api(), ALICE.into()]),
        "get_usage_report" => (STRANGER, 0, vec![ALICE.into()]),
        "unsubscribe" => (ALICE, 0, vec![api()]),
        "approve_delegate" => (ALICE, 0, vec![api(), BOB.into()]),
        "revoke_delegate" => (ALICE, 0, vec![api(), DAPP.into()]),
        "set_api_active" => (OPERATOR, 0, vec![api(), false.into()]),
        "withdraw_credit" => (ALICE, 0, vec![5.into()]),
        "withdraw_earnings" => (OPERATOR, 0, vec![api(), 5.into()]),
        "get_api_report" => (STRANGER, 0, vec![api()]),
        "get_usage_history" => (STRANGER, 0, vec![ALICE.into(), api()]),
        "consume_credits" => (ALICE, 0, vec![api(), ALICE.into(), 1.into(), 100.into()]),
        "transfer_api" => (OPERATOR, 0, vec![api(), BOB.into()]),
        "accept_api" => (BOB, 0, vec![api()]),
        "set_daily_cap" => (ALICE, 0, vec![api(), 40.into()]),
        "set_delegate_limit" => (ALICE, 0, vec![api(), DAPP.into(), 3.into()]),
        "set_credit_alerts" => (ALICE, 0, vec![Value::Array(vec![50.into(), 10.into()])]),
        "credit_note" => (OPERATOR, 0, vec![api(), ALICE.into(), 5.into(), "empty response".into()]),
        "preview_bill" => (DAPP, 0, vec![api(), ALICE.into(), 2.into()]),
        "consumer_integration_example" | "get_schema" => (STRANGER, 0, vec![]),
        other => panic!("no base call of {other}: add one"),
    }
}

struct Case {
    what: String,
    sender: Address,
    value: u128,
    method: &'static str,
    args: Vec<Value>,
    code: &'static str,
}

/// Codes `preview_bill` gives as refusals (its own arguments); every other code of its catalog is the
/// bill's, which it answers as `{allowed: false, code, …}`.
const PREVIEW_ARGUMENT_CODES: &[&str] =
    &["invalid_arguments", "invalid_address", "not_payable", "calls_not_positive", "out_of_range"];

/// The codes an integer argument gets when it is zero, negative or beyond u128 (None: zero is valid).
fn int_codes(method: &str, param: &str) -> (Option<&'static str>, &'static str, &'static str) {
    match (method, param) {
        ("register_api", "cost_per_call_wei") => {
            (Some("cost_not_positive"), "cost_not_positive", "out_of_range")
        }
        ("register_api", "daily_limit_calls") => {
            (Some("limit_not_positive"), "limit_not_positive", "out_of_range")
        }
        ("subscribe", "max_daily_spend_wei") => {
            (Some("cap_not_positive"), "cap_not_positive", "out_of_range")
        }
        ("subscribe", "initial_deposit_wei") => (None, "negative_deposit", "out_of_range"),
        ("set_daily_cap", "max_daily_spend_wei") => {
            (Some("cap_not_positive"), "cap_not_positive", "out_of_range")
        }
        ("consume_credits", "calls") => (Some("calls_not_positive"), "calls_not_positive", "out_of_range"),
        ("consume_credits", "usage_id") => (None, "out_of_range", "out_of_range"),
        ("preview_bill", "calls") => (Some("calls_not_positive"), "calls_not_positive", "out_of_range"),
        ("set_delegate_limit", "max_daily_calls") => (None, "negative_limit", "out_of_range"),
        (_, "amount") => (Some("amount_not_positive"), "amount_not_positive", "out_of_range"),
        _ => (None, "out_of_range", "out_of_range"),
    }
}

fn catalog() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut push = |what: String,
                    sender: Address,
                    value: u128,
                    method: &'static str,
                    args: Vec<Value>,
                    code: &'static str| {
        cases.push(Case { what, sender, value, method, args, code });
    };
    let bad_names: [(&str, String); 7] = [
        ("empty", String::new()),
        ("blank", " \t ".into()),
        ("65 characters", "w".repeat(65)),
        ("Cyrillic e look-alike", "w\u{435}ather".into()),
        ("NBSP-padded", "\u{a0}weather\u{a0}".into()),
        ("ideographic space", "weather\u{3000}".into()),
        ("inner space", "wea ther".into()),
    ];
    let bad_addresses = [
        ("short", "0x1234".to_string()),
        ("41 digits", format!("0x{}", "a".repeat(41))),
        ("no 0x", "a1".repeat(20)),
        ("non-hex", format!("0x{}", "g".repeat(40))),
        ("empty", String::new()),
    ];
    for info in METHODS {
        let (sender, value, args) = base(info.name);
        let method = info.name;
        // Argument counts and value on methods that take none.
        let mut more = args.clone();
        more.push(Value::Null);
        push(format!("{method}: one argument too many"), sender, value, method, more, "invalid_arguments");
        if !args.is_empty() {
            push(
                format!("{method}: one argument too few"),
                sender,
                value,
                method,
                args[1..].to_vec(),
                "invalid_arguments",
            );
        }
        if !info.payable {
            push(format!("{method}: value attached"), sender, 1, method, args.clone(), "not_payable");
        }
        for (index, (param, kind)) in info.params.iter().enumerate() {
            let with = |arg: Value| {
                let mut changed = args.clone();
                changed[index] = arg;
                changed
            };
            match kind {
                ParamType::Str => {
                    for (what, name) in &bad_names {
                        let code = match (method, *param, name.trim().is_empty()) {
                            // A space inside is a fine reason; every other bad name is a bad reason.
                            (_, "reason", _) if *what == "inner space" => continue,
                            (_, "reason", _) => "invalid_reason",
                            ("register_api", _, true) => "api_name_required",
                            ("register_api", _, false) => "invalid_api_name",
                            _ => "api_not_registered",
                        };
                        push(
                            format!("{method}: {param} {what}"),
                            sender,
                            value,
                            method,
                            with(name.as_str().into()),
                            code,
                        );
                    }
                    push(
                        format!("{method}: {param} an int"),
                        sender,
                        value,
                        method,
                        with(7.into()),
                        "invalid_arguments",
                    );
                }
                ParamType::Address => {
                    for (what, text) in &bad_addresses {
                        push(
                            format!("{method}: {param} {what}"),
                            sender,
                            value,
                            method,
                            with(text.as_str().into()),
                            "invalid_address",
                        );
                    }
                    push(
                        format!("{method}: {param} an int"),
                        sender,
                        value,
                        method,
                        with(7.into()),
                        "invalid_arguments",
                    );
                    push(
                        format!("{method}: {param} bytes"),
                        sender,
                        value,
                        method,
                        with(Value::Bytes(vec![1; 20])),
                        "invalid_arguments",
                    );
                }
                ParamType::Int => {
                    let (zero, negative, beyond) = int_codes(method, param);
                    if let Some(code) = zero {
                        push(format!("{method}: {param} zero"), sender, value, method, with(0.into()), code);
                    }
                    push(
                        format!("{method}: {param} negative"),
                        sender,
                        value,
                        method,
                        with((-1).into()),
                        negative,
                    );
                    push(
                        format!("{method}: {param} u128::MAX + 1"),
                        sender,
                        value,
                        method,
                        with(beyond_u128()),
                        beyond,
                    );
                    push(
                        format!("{method}: {param} a string"),
                        sender,
                        value,
                        method,
                        with("5".into()),
                        "invalid_arguments",
                    );
                }
                ParamType::Bool => {
                    push(
                        format!("{method}: {param} an int"),
                        sender,
                        value,
                        method,
                        with(0.into()),
                        "invalid_arguments",
                    );
                }
                ParamType::IntList => {
                    let list = |items: Vec<Value>| with(Value::Array(items));
                    for (what, arg, code) in [
                        ("empty", list(vec![]), "credit_alerts_count"),
                        ("five items", list((1..=5).map(Value::from).collect()), "credit_alerts_count"),
                        ("with 0", list(vec![0.into()]), "credit_alert_percent"),
                        ("with 100", list(vec![50.into(), 100.into()]), "credit_alert_percent"),
                        ("negative", list(vec![(-20).into()]), "credit_alert_percent"),
                        ("u128::MAX + 1", list(vec![beyond_u128()]), "credit_alert_percent"),
                        ("repeated", list(vec![20.into(), 10.into(), 20.into()]), "credit_alerts_repeated"),
                        ("a string inside", list(vec![20.into(), "10".into()]), "invalid_arguments"),
                        ("an int", with(20.into()), "invalid_arguments"),
                        ("a string", with("20".into()), "invalid_arguments"),
                    ] {
                        push(format!("{method}: {param} {what}"), sender, value, method, arg, code);
                    }
                }
            }
        }
    }
    // Who may do what.
    let api = || Value::from("weather");
    push(
        "consume_credit: a delegate of another API".into(),
        DAPP,
        0,
        "consume_credit",
        vec!["maps".into(), ALICE.into()],
        "caller_not_allowed",
    );
    push(
        "consume_credit: the operator bills a consumer".into(),
        OPERATOR,
        0,
        "consume_credit",
        vec![api(), ALICE.into()],
        "caller_not_allowed",
    );
    push(
        "consume_credits: a stranger bills a consumer".into(),
        STRANGER,
        0,
        "consume_credits",
        vec![api(), ALICE.into(), 1.into(), 0.into()],
        "caller_not_allowed",
    );
    push(
        "withdraw_credit: a stranger".into(),
        STRANGER,
        0,
        "withdraw_credit",
        vec![1.into()],
        "insufficient_credit",
    );
    push(
        "withdraw_credit: more than held".into(),
        ALICE,
        0,
        "withdraw_credit",
        vec![91.into()],
        "insufficient_credit",
    );
    push(
        "withdraw_earnings: a stranger".into(),
        STRANGER,
        0,
        "withdraw_earnings",
        vec![api(), 1.into()],
        "not_operator",
    );
    push(
        "withdraw_earnings: the consumer".into(),
        ALICE,
        0,
        "withdraw_earnings",
        vec![api(), 1.into()],
        "not_operator",
    );
    push(
        "withdraw_earnings: more than held".into(),
        OPERATOR,
        0,
        "withdraw_earnings",
        vec![api(), 11.into()],
        "insufficient_earnings",
    );
    push(
        "set_api_active: a stranger".into(),
        STRANGER,
        0,
        "set_api_active",
        vec![api(), false.into()],
        "not_operator",
    );
    push(
        "register_api: a stranger takes a name".into(),
        STRANGER,
        0,
        "register_api",
        vec![api(), 1.into(), 1.into()],
        "api_taken",
    );
    push(
        "transfer_api: a stranger".into(),
        STRANGER,
        0,
        "transfer_api",
        vec![api(), STRANGER.into()],
        "not_operator",
    );
    push("accept_api: nobody was named".into(), BOB, 0, "accept_api", vec![api()], "not_pending_operator");
    push(
        "revoke_delegate: not approved".into(),
        ALICE,
        0,
        "revoke_delegate",
        vec![api(), BOB.into()],
        "delegate_not_approved",
    );
    push("unsubscribe: never subscribed".into(), BOB, 0, "unsubscribe", vec![api()], "not_subscribed");
    push(
        "subscribe: value short of the deposit".into(),
        BOB,
        9,
        "subscribe",
        vec![api(), 10.into(), 10.into()],
        "value_mismatch",
    );
    push(
        "top_up_credit: value above the amount".into(),
        ALICE,
        6,
        "top_up_credit",
        vec![5.into()],
        "value_mismatch",
    );
    push(
        "set_delegate_limit: not approved".into(),
        ALICE,
        0,
        "set_delegate_limit",
        vec![api(), BOB.into(), 1.into()],
        "delegate_not_approved",
    );
    push(
        "set_delegate_limit: an approved delegate of another API".into(),
        ALICE,
        0,
        "set_delegate_limit",
        vec!["maps".into(), DAPP.into(), 1.into()],
        "delegate_not_approved",
    );
    push(
        "set_delegate_limit: never subscribed".into(),
        BOB,
        0,
        "set_delegate_limit",
        vec![api(), DAPP.into(), 1.into()],
        "not_subscribed",
    );
    push(
        "set_delegate_limit: the delegate sets its own limit".into(),
        DAPP,
        0,
        "set_delegate_limit",
        vec![api(), DAPP.into(), 100.into()],
        "not_subscribed",
    );
    let note = |consumer: Address, amount: u128, reason: &str| {
        vec![api(), consumer.into(), amount.into(), reason.into()]
    };
    push("credit_note: a stranger".into(), STRANGER, 0, "credit_note", note(ALICE, 1, "x"), "not_operator");
    push("credit_note: the consumer".into(), ALICE, 0, "credit_note", note(ALICE, 1, "x"), "not_operator");
    push(
        "credit_note: a consumer not subscribed".into(),
        OPERATOR,
        0,
        "credit_note",
        note(BOB, 1, "x"),
        "not_subscribed",
    );
    push(
        "credit_note: more than the earnings".into(),
        OPERATOR,
        0,
        "credit_note",
        note(ALICE, 11, "x"),
        "insufficient_earnings",
    );
    push(
        "credit_note: another operator's API".into(),
        OTHER_OPERATOR,
        0,
        "credit_note",
        note(ALICE, 1, "x"),
        "not_operator",
    );
    for (what, reason) in [("a newline", "outage\n"), ("a tab", "out\tage"), ("DEL", "outage\u{7f}")] {
        push(
            format!("credit_note: reason with {what}"),
            OPERATOR,
            0,
            "credit_note",
            note(ALICE, 1, reason),
            "invalid_reason",
        );
    }
    push(
        "credit_note: reason of 65 characters".into(),
        OPERATOR,
        0,
        "credit_note",
        note(ALICE, 1, &"r".repeat(65)),
        "invalid_reason",
    );
    let preview = |calls: u128| vec![api(), ALICE.into(), calls.into()];
    push("preview_bill: a stranger".into(), STRANGER, 0, "preview_bill", preview(1), "caller_not_allowed");
    push(
        "preview_bill: a delegate of another API".into(),
        DAPP,
        0,
        "preview_bill",
        vec!["maps".into(), ALICE.into(), 1.into()],
        "caller_not_allowed",
    );
    push(
        "preview_bill: past the call limit".into(),
        ALICE,
        0,
        "preview_bill",
        preview(5),
        "daily_call_limit",
    );
    push("preview_bill: past the cap".into(), ALICE, 0, "preview_bill", preview(3), "daily_spend_limit");
    push(
        "preview_bill: never subscribed".into(),
        BOB,
        0,
        "preview_bill",
        vec![api(), BOB.into(), 1.into()],
        "not_subscribed",
    );
    push(
        "preview_bill: u64::MAX + 1 calls".into(),
        ALICE,
        0,
        "preview_bill",
        preview(u128::from(u64::MAX) + 1),
        "out_of_range",
    );
    push("an unknown method".into(), ALICE, 0, "drain", vec![], "unknown_method");
    cases
}

#[test]
fn every_bad_input_of_every_entrypoint_gets_its_code_and_changes_nothing() {
    let fixture = fixture();
    let cases = catalog();
    for case in &cases {
        let mut chain = fixture.clone();
        if case.method == "preview_bill" && !PREVIEW_ARGUMENT_CODES.contains(&case.code) {
            // The bill's own checks: the view answers them (and changes nothing, `preview` checks).
            let [api, consumer, calls] = <[Value; 3]>::try_from(case.args.clone()).expect("three arguments");
            let (Value::Str(api), Value::Address(consumer)) = (api, consumer) else {
                panic!("{}", case.what)
            };
            let answer = preview(&mut chain, case.sender, &api, consumer, calls);
            let refusal = answer.expect_err(&case.what);
            assert_eq!(refusal.code, case.code, "{}", case.what);
            assert!(refusal.message.starts_with("[EXPECTED] "), "{}", case.what);
            continue;
        }
        let refusal = refused(&mut chain, case.code, |c| {
            c.call(case.sender).value(case.value).method(case.method, case.args.clone())
        });
        assert!(!refusal.message.is_empty(), "{}", case.what);
    }
    eprintln!("adversarial catalog: {} cases", cases.len());
    assert!(cases.len() > 250, "{} cases", cases.len());
}

#[test]
fn the_base_calls_are_valid_so_each_case_tests_only_its_one_bad_input() {
    let fixture = fixture();
    for info in METHODS {
        let (sender, value, args) = base(info.name);
        if info.name == "accept_api" {
            continue; // nobody is pending in the fixture; its one input is the name
        }
        let mut chain = fixture.clone();
        assert!(chain.call(sender).value(value).method(info.name, args).is_ok(), "{}", info.name);
    }
}
