//! JSON in and out of the sandbox: call arguments to calldata values, results, events and refusals
//! to JSON lines (ints as decimal strings, exact at any size).

use api_usage_billing::testing::Refusal;
use api_usage_billing::{Address, Event, Int, ParamType, Value};
use serde_json::{json, Map, Value as Json};

use billing_chain::CallReport;

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
pub fn arg_from_json(json: &Json, declared: Option<ParamType>) -> Value {
    match (declared, json) {
        (Some(ParamType::Address), Json::String(text)) => {
            Address::parse(text).map_or_else(|| Value::Str(text.clone()), Value::Address)
        }
        (Some(ParamType::Int), Json::String(text)) => {
            decimal_to_int(text).map_or_else(|| Value::Str(text.clone()), Value::Int)
        }
        _ => natural(json),
    }
}

fn natural(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(flag) => Value::Bool(*flag),
        Json::Number(number) => {
            let text = number.to_string();
            decimal_to_int(&text).map_or(Value::Str(text), Value::Int)
        }
        Json::String(text) => Value::Str(text.clone()),
        Json::Array(items) => Value::Array(items.iter().map(natural).collect()),
        Json::Object(entries) => Value::Map(entries.iter().map(|(k, v)| (k.clone(), natural(v))).collect()),
    }
}

/// A command-line argument: JSON if it parses as JSON, otherwise the text as a string (so `weather`
/// and `0xab…` need no quotes).
pub fn cli_arg(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|_| Json::String(text.to_string()))
}

/// A wei amount given as a JSON number or decimal string.
pub fn wei_from_json(json: &Json) -> Option<u128> {
    match json {
        Json::Number(number) => number.to_string().parse().ok(),
        Json::String(text) => text.parse().ok(),
        Json::Null => Some(0),
        _ => None,
    }
}

pub fn event_to_json(event: &Event) -> Json {
    let fields: Map<String, Json> =
        event.fields.iter().map(|(k, v)| (k.to_string(), value_to_json(v))).collect();
    json!({"name": event.name, "fields": fields})
}

pub fn refusal_to_json(refusal: &Refusal) -> Json {
    json!({"code": refusal.code, "message": refusal.message, "details": value_to_json(&refusal.details)})
}

/// The JSON line `run` prints for a call.
pub fn report_line(report: &CallReport) -> String {
    let line = match &report.outcome {
        Ok(value) => json!({
            "ok": value_to_json(value),
            "events": report.events.iter().map(event_to_json).collect::<Vec<_>>(),
            "fuel": report.fuel,
        }),
        Err(refusal) => json!({"error": refusal_to_json(refusal), "fuel": report.fuel}),
    };
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_follow_the_declared_type_and_fall_back_to_natural_calldata() {
        let address = "0x".to_string() + &"Ab".repeat(20);
        assert!(matches!(
            arg_from_json(&Json::String(address.clone()), Some(ParamType::Address)),
            Value::Address(_)
        ));
        assert_eq!(arg_from_json(&json!("0x12"), Some(ParamType::Address)), Value::from("0x12"));
        assert_eq!(arg_from_json(&json!("12"), Some(ParamType::Int)), Value::from(12));
        assert_eq!(arg_from_json(&json!("twelve"), Some(ParamType::Int)), Value::from("twelve"));
        assert_eq!(arg_from_json(&json!(12), Some(ParamType::Str)), Value::from(12));
        assert_eq!(
            arg_from_json(&json!([1, "a"]), Some(ParamType::Int)),
            Value::Array(vec![1.into(), "a".into()])
        );
        let big: Json = serde_json::from_str("340282366920938463463374607431768211456").unwrap();
        assert_eq!(
            int_to_decimal(match &arg_from_json(&big, None) {
                Value::Int(i) => i,
                _ => panic!(),
            }),
            big.to_string()
        );
        assert_eq!(cli_arg("weather"), json!("weather"));
        assert_eq!(cli_arg("10"), json!(10));
    }
}
