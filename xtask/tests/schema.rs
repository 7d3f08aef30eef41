//! schema/ is generated from the code and fresh; the contract answers `get_schema` with it byte for
//! byte; and what the contract emits matches what the schema declares.

use api_usage_billing::schema::{
    API_REPORT, CONTRACT_SCHEMA, EVENTS, HISTORY_DAY, RECEIPT, REPORT, REPORT_API,
};
use api_usage_billing::Address;
use billing_chain::Value;
use billing_sandbox::input::Input;
use billing_vm::executor::wasm_chain;
use serde_json::Value as Json;

fn ordered(text: &str) -> Input {
    billing_sandbox::input::parse(text).expect("JSON")
}

fn schema_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema")
}

#[test]
fn schema_files_are_fresh() {
    for (name, generated) in xtask::schema::files() {
        let on_disk = std::fs::read_to_string(schema_dir().join(name)).unwrap_or_default();
        assert!(on_disk == generated, "schema/{name} is stale: run `cargo schema` and commit it");
    }
}

#[test]
fn get_schema_answers_contract_json_byte_for_byte_on_the_wasm() {
    let on_disk = std::fs::read_to_string(schema_dir().join("contract.json")).unwrap();
    assert_eq!(CONTRACT_SCHEMA, on_disk);
    let mut chain =
        wasm_chain(&billing_artifact::billing_wasm().expect("the billing artifact builds"), true).unwrap();
    let answer = chain.call(Address([1; 20])).method("get_schema", vec![]).unwrap();
    assert_eq!(answer, Value::Str(on_disk.clone()));
    let parsed: Json = serde_json::from_str(&on_disk).unwrap();
    assert!(parsed["methods"].get("get_schema").is_none(), "get_schema is not listed");
    let listed = api_usage_billing::METHODS.iter().filter(|m| m.listed).count();
    assert_eq!(parsed["methods"].as_object().unwrap().len(), listed);
}

/// The form of a real `#get-schema` answer (tests/data/calldata.json, `schema_example`).
#[test]
fn contract_json_has_genlayers_form() {
    let vectors: Json = serde_json::from_str(include_str!("../../tests/data/calldata.json")).unwrap();
    let example: Json =
        serde_json::from_str(vectors["schema_example"]["schema_string"].as_str().unwrap()).unwrap();
    let ours: Json = serde_json::from_str(CONTRACT_SCHEMA).unwrap();
    let keys = |v: &Json| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&ours), keys(&example));
    assert_eq!(ours["ctor"], serde_json::json!({"params": [], "kwparams": {}}));
    let method_names = keys(&ours["methods"]);
    let mut sorted = method_names.clone();
    sorted.sort();
    assert_eq!(method_names, sorted, "methods by name, as GenLayer lists them");
    assert_eq!(keys(&ours["methods"]["consume_credit"]), keys(&example["methods"]["consume_credit"]));
    assert_eq!(keys(&ours["methods"]["get_usage_report"]), keys(&example["methods"]["get_credit"]));
    assert_eq!(ours["methods"]["subscribe"]["payable"], true);
    assert_eq!(ours["methods"]["consume_credit"]["ret"], example["methods"]["balances"]["ret"]);
    for method in ours["methods"].as_object().unwrap().values() {
        for param in method["params"].as_array().unwrap() {
            let simple = param[1].as_str().is_some_and(|t| ["string", "int", "bool", "address"].contains(&t));
            let list = param[1] == serde_json::json!([{"$rep": "int"}]);
            assert!(simple || list, "{param}");
        }
    }
}

#[test]
fn emitted_events_receipts_and_reports_match_their_declared_shapes() {
    let (operator, alice, dapp) = (Address([0x0a; 20]), Address([0xa1; 20]), Address([0xda; 20]));
    let mut chain =
        wasm_chain(&billing_artifact::billing_wasm().expect("the billing artifact builds"), false).unwrap();
    chain.faucet(alice, 1_000);
    chain.call(operator).register_api("weather", 10, 100).unwrap();
    chain.call(operator).register_api("weather", 10, 50).unwrap();
    chain.call(alice).value(100).subscribe("weather", 1_000, 100).unwrap();
    chain.call(alice).approve_delegate("weather", dapp).unwrap();
    chain.call(alice).set_delegate_limit("weather", dapp, 5).unwrap();
    chain.call(alice).set_credit_alerts(vec![Value::from(50), Value::from(20)]).unwrap();
    let receipt = chain.call(dapp).consume_credit("weather", alice).unwrap();
    for _ in 0..8 {
        chain.call(alice).consume_credit("weather", alice).unwrap();
    }
    chain.call(alice).value(5).top_up_credit(5).unwrap();
    chain.call(alice).revoke_delegate("weather", dapp).unwrap();
    chain.call(operator).set_api_active("weather", false).unwrap();
    chain.call(operator).set_api_active("weather", true).unwrap();
    chain.call(alice).withdraw_credit(5).unwrap();
    chain.call(operator).credit_note("weather", alice, 5, "outage").unwrap();
    chain.call(operator).withdraw_earnings("weather", 10).unwrap();
    chain.call(alice).set_daily_cap("weather", 2_000).unwrap();
    chain.call(alice).unsubscribe("weather").unwrap();
    chain.call(operator).transfer_api("weather", dapp).unwrap();
    chain.call(dapp).accept_api("weather").unwrap();

    let mut seen = std::collections::BTreeSet::new();
    for event in chain.events() {
        let (_, fields) = EVENTS.iter().find(|(name, _)| *name == event.name).expect("a declared event");
        let names: Vec<&str> = event.fields.iter().map(|(k, _)| k.as_ref()).collect();
        let declared: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, declared, "{}", event.name);
        seen.insert(event.name.to_string());
    }
    assert_eq!(seen.len(), EVENTS.len(), "every declared event was emitted: {seen:?}");

    let Value::Map(entries) = receipt else { panic!("the receipt is a map") };
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    let mut declared: Vec<&str> = RECEIPT.iter().map(|(k, _)| *k).collect();
    keys.sort();
    declared.sort();
    assert_eq!(keys, declared);

    for (method, args, fields) in [
        ("get_api_report", vec![Value::from("weather")], API_REPORT),
        ("get_usage_history", vec![Value::from(alice), Value::from("weather")], HISTORY_DAY),
    ] {
        let text = chain.call(alice).method(method, args).unwrap();
        // In the order written: serde_json here sorts keys (no preserve_order in this workspace).
        let json = ordered(text.as_str().unwrap());
        let object = match json {
            Input::Array(items) => items.into_iter().next().expect("a day"),
            other => other,
        };
        assert_eq!(object.keys(), fields.iter().map(|(k, _)| *k).collect::<Vec<_>>(), "{method}");
    }

    let report = chain.call(alice).get_usage_report(alice).unwrap();
    let report = ordered(report.as_str().unwrap());
    assert_eq!(report.keys(), REPORT.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    let Some(Input::Array(apis)) = report.get("apis") else { panic!("apis is a list") };
    assert_eq!(apis[0].keys(), REPORT_API.iter().map(|(k, _)| *k).collect::<Vec<_>>());
}
