//! JSON in and out of the sandbox: call arguments to calldata values, results, events and refusals
//! to JSON lines (ints as decimal strings, exact at any size).

use api_usage_billing::{Address, Event, Int, ParamType, Value};
use billing_chain::Refusal;
use billing_chain::{Fetch, StateDump};
use serde_json::Value as Json;

use crate::input::{self, Input};

/// `int` in decimal, whatever its size.
pub fn int_to_decimal(int: &Int) -> String {
    int.to_decimal()
}

/// The integer a decimal literal (`-?[0-9]+`) spells, of any size.
pub fn decimal_to_int(text: &str) -> Option<Int> {
    Int::parse_decimal(text)
}

/// A calldata value as JSON: ints as decimal strings, addresses and bytes as `0x` hex.
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(flag) => Json::Bool(*flag),
        Value::Int(int) => Json::String(int_to_decimal(int)),
        Value::Bytes(bytes) => {
            Json::String(format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
        }
        Value::Str(text) => Json::String(text.clone()),
        Value::Address(address) => Json::String(address.to_hex()),
        Value::Array(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Map(entries) => {
            Json::Object(entries.iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect())
        }
    }
}

/// A JSON argument as calldata, shaped by the declared parameter type where it fits, and sent as its
/// natural calldata where it does not: the contract, not the sandbox, refuses what is wrong.
pub fn arg_from_json(json: &Input, declared: Option<ParamType>) -> Value {
    match (declared, json) {
        (Some(ParamType::Address), Input::Str(text)) => {
            Address::parse(text).map_or_else(|| Value::Str(text.clone()), Value::Address)
        }
        (Some(ParamType::Int), Input::Str(text)) => {
            decimal_to_int(text).map_or_else(|| Value::Str(text.clone()), Value::Int)
        }
        _ => natural(json),
    }
}

/// JSON's own reading: integers (of any size) as ints; a number with a fraction or exponent stays
/// its text, for the contract to refuse.
fn natural(json: &Input) -> Value {
    match json {
        Input::Null => Value::Null,
        Input::Bool(flag) => Value::Bool(*flag),
        Input::Number(text) => decimal_to_int(text).map_or_else(|| Value::Str(text.clone()), Value::Int),
        Input::Str(text) => Value::Str(text.clone()),
        Input::Array(items) => Value::Array(items.iter().map(natural).collect()),
        Input::Object(entries) => Value::Map(entries.iter().map(|(k, v)| (k.clone(), natural(v))).collect()),
    }
}

/// A command-line argument: JSON if it parses as JSON, otherwise the text as a string (so `weather`
/// and `0xab…` need no quotes).
pub fn cli_arg(text: &str) -> Input {
    input::parse(text).unwrap_or_else(|_| Input::Str(text.to_string()))
}

/// A wei amount: a JSON integer or a decimal string, digits only (no sign, as int arguments), or
/// null for none.
pub fn wei_from_json(json: &Input) -> Option<u128> {
    match json {
        Input::Number(text) | Input::Str(text) => wei_from_text(text),
        Input::Null => Some(0),
        _ => None,
    }
}

/// `digits` as wei: one rule for `--value`, a script's `"value"` and int arguments (no `+`).
pub fn wei_from_text(digits: &str) -> Option<u128> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// JSON written in the order given: serde_json without `preserve_order` would sort object keys.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    Json(Json),
    Object(Vec<(String, Out)>),
    Array(Vec<Out>),
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Out::Json(json) => write!(f, "{json}"),
            Out::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Out::Object(members) => {
                f.write_str("{")?;
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{value}", Json::String(key.clone()))?;
                }
                f.write_str("}")
            }
        }
    }
}

fn object<const N: usize>(members: [(&str, Out); N]) -> Out {
    Out::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// `{"name": …, "fields": {…}}`, fields in the order the contract emitted them.
pub fn event_to_json(event: &Event) -> Out {
    let fields = event.fields.iter().map(|(k, v)| (k.to_string(), Out::Json(value_to_json(v)))).collect();
    object([("name", Out::Json(Json::String(event.name.to_string()))), ("fields", Out::Object(fields))])
}

/// `{"code": …, "message": …, "details": {…}}`.
pub fn refusal_to_json(refusal: &Refusal) -> Out {
    object([
        ("code", Out::Json(Json::String(refusal.code.clone()))),
        ("message", Out::Json(Json::String(refusal.message.clone()))),
        ("details", Out::Json(value_to_json(&refusal.details))),
    ])
}

/// `{"url": …, "status": 200, "bytes": 123}`, or `"error": "connect"` in place of the status.
pub fn fetch_to_json(fetch: &Fetch) -> Out {
    let url = ("url", Out::Json(Json::String(fetch.url.clone())));
    let bytes = ("bytes", Out::Json(Json::from(fetch.bytes)));
    match fetch.outcome {
        Ok(status) => object([url, ("status", Out::Json(Json::from(status))), bytes]),
        Err(why) => object([url, ("error", Out::Json(Json::String(why.code().to_string()))), bytes]),
    }
}

/// A call's output line built as a JSON tree: the oracle `line.rs`'s direct writer is held to,
/// byte for byte; `"fetches"` last, when the call made any (refused or not).
#[cfg(test)]
pub(crate) fn report_line(report: &billing_chain::CallReport) -> String {
    let fuel = Out::Json(Json::from(report.fuel));
    let mut line = match &report.outcome {
        Ok(value) => object([
            ("ok", Out::Json(value_to_json(value))),
            ("events", Out::Array(report.events.iter().map(event_to_json).collect())),
            ("fuel", fuel),
        ]),
        Err(refusal) => object([("error", refusal_to_json(refusal)), ("fuel", fuel)]),
    };
    if let (Out::Object(members), false) = (&mut line, report.fetches.is_empty()) {
        members.push(("fetches".into(), Out::Array(report.fetches.iter().map(fetch_to_json).collect())));
    }
    line.to_string()
}

fn hex(bytes: &[u8]) -> Json {
    Json::String(format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// A whole state as JSON: time, counts, balances, every storage record (hex) of the billing contract
/// and of each deployed one, and every event.
pub fn state_json(state: &StateDump) -> Out {
    let balances = state
        .balances
        .iter()
        .map(|(who, wei)| {
            Out::Array(vec![Out::Json(Json::String(who.to_hex())), Out::Json(Json::String(wei.to_string()))])
        })
        .collect();
    let records = |storage: &[(Vec<u8>, Vec<u8>)]| -> Vec<Out> {
        storage.iter().map(|(k, v)| Out::Array(vec![Out::Json(hex(k)), Out::Json(hex(v))])).collect()
    };
    let deployed = state
        .deployed
        .iter()
        .map(|(address, storage)| {
            object([
                ("address", Out::Json(Json::String(address.to_hex()))),
                ("storage", Out::Array(records(storage))),
            ])
        })
        .collect();
    object([
        ("now", Out::Json(Json::from(state.now))),
        ("calls", Out::Json(Json::from(state.calls))),
        ("minted", Out::Json(Json::String(state.minted.to_string()))),
        ("balances", Out::Array(balances)),
        ("storage", Out::Array(records(&state.storage))),
        ("deployed", Out::Array(deployed)),
        ("events", Out::Array(state.events.iter().map(event_to_json).collect())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use billing_chain::CallReport;

    fn json(text: &str) -> Input {
        input::parse(text).unwrap()
    }

    #[test]
    fn arguments_follow_the_declared_type_and_fall_back_to_natural_calldata() {
        let address = "0x".to_string() + &"Ab".repeat(20);
        assert!(matches!(arg_from_json(&Input::Str(address), Some(ParamType::Address)), Value::Address(_)));
        assert_eq!(arg_from_json(&json("\"0x12\""), Some(ParamType::Address)), Value::from("0x12"));
        assert_eq!(arg_from_json(&json("\"12\""), Some(ParamType::Int)), Value::from(12));
        assert_eq!(arg_from_json(&json("\"twelve\""), Some(ParamType::Int)), Value::from("twelve"));
        assert_eq!(arg_from_json(&json("\"+1\""), Some(ParamType::Int)), Value::from("+1"));
        assert_eq!(arg_from_json(&json("12"), Some(ParamType::Str)), Value::from(12));
        assert_eq!(arg_from_json(&json("2.5"), Some(ParamType::Int)), Value::from("2.5"));
        assert_eq!(
            arg_from_json(&json("[1, \"a\"]"), Some(ParamType::Int)),
            Value::Array(vec![1.into(), "a".into()])
        );
        let big = "340282366920938463463374607431768211456";
        match arg_from_json(&json(big), None) {
            Value::Int(int) => assert_eq!(int_to_decimal(&int), big),
            other => panic!("{other:?}"),
        }
        assert_eq!(cli_arg("weather"), Input::Str("weather".into()));
        assert_eq!(cli_arg("10"), Input::Number("10".into()));
    }

    #[test]
    fn wei_is_digits_only_whatever_the_spelling() {
        assert_eq!(wei_from_json(&json("10")), Some(10));
        assert_eq!(wei_from_json(&json("\"340282366920938463463374607431768211455\"")), Some(u128::MAX));
        assert_eq!(wei_from_json(&json("null")), Some(0));
        for bad in
            ["\"+1\"", "-1", "\"-1\"", "1.5", "\"\"", "\"340282366920938463463374607431768211456\"", "true"]
        {
            assert_eq!(wei_from_json(&json(bad)), None, "{bad}");
        }
    }

    #[test]
    fn a_call_line_carries_its_fetches_only_when_it_made_some() {
        use billing_chain::Refusal;
        use billing_vm::calls::FetchFailure;
        let mut report = CallReport {
            outcome: Ok(Value::Null),
            events: vec![],
            transfers: vec![],
            fuel: 3,
            timestamp: 0,
            contract: None,
            fetches: vec![],
        };
        assert_eq!(report_line(&report), r#"{"ok":null,"events":[],"fuel":3}"#);
        report.fetches = vec![
            Fetch { url: "http://127.0.0.1:9/a".into(), outcome: Ok(200), bytes: 12 },
            Fetch { url: "http://127.0.0.1:9/b".into(), outcome: Err(FetchFailure::Connect), bytes: 0 },
        ];
        report.outcome = Err(Refusal::host("fetch_failed", "[EXPECTED] no"));
        assert_eq!(
            report_line(&report),
            r#"{"error":{"code":"fetch_failed","message":"[EXPECTED] no","details":{}},"fuel":3,"fetches":[{"url":"http://127.0.0.1:9/a","status":200,"bytes":12},{"url":"http://127.0.0.1:9/b","error":"connect","bytes":0}]}"#
        );
    }

    #[test]
    fn output_keeps_the_order_it_is_given() {
        let out = object([
            ("ok", Out::Json(Json::Null)),
            ("events", Out::Array(vec![])),
            ("fuel", Out::Json(7.into())),
        ]);
        assert_eq!(out.to_string(), r#"{"ok":null,"events":[],"fuel":7}"#);
    }
}
