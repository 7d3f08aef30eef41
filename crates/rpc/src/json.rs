//! Contract values as JSON for the Studio-shaped answers: ints as numbers while JavaScript holds them
//! exactly, as decimal strings beyond; bytes and addresses as `0x` hex.

use api_usage_billing::{Event, Value};
use serde_json::{json, Map, Value as Json};

const MAX_SAFE: u128 = (1 << 53) - 1;

pub fn value(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(int) => match int.to_u128() {
            Some(n) if n <= MAX_SAFE => json!(n as u64),
            _ => Json::String(int.to_decimal()),
        },
        Value::Bytes(bytes) => Json::String(crate::hex::data(bytes)),
        Value::Str(text) => Json::String(text.clone()),
        Value::Address(address) => Json::String(address.to_hex()),
        Value::Array(items) => Json::Array(items.iter().map(value).collect()),
        Value::Map(entries) => {
            Json::Object(entries.iter().map(|(k, v)| (k.clone(), value(v))).collect::<Map<_, _>>())
        }
    }
}

/// An event as `{name, fields}`, the form `billing-sandbox run` prints.
pub fn event(event: &Event) -> Json {
    match event.to_value() {
        Value::Array(items) => match items.as_slice() {
            [Value::Str(name), Value::Array(fields)] => {
                let fields: Map<String, Json> = fields
                    .iter()
                    .filter_map(|pair| match pair {
                        Value::Array(kv) => match kv.as_slice() {
                            [Value::Str(key), v] => Some((key.clone(), value(v))),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                json!({ "name": name, "fields": fields })
            }
            _ => json!({ "raw": value(&Value::Array(items)) }),
        },
        other => json!({ "raw": value(&other) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_usage_billing::{Address, Int};

    #[test]
    fn ints_stay_exact_in_javascript() {
        assert_eq!(value(&Value::from(5u64)), json!(5));
        assert_eq!(
            value(&Value::Int(Int::from_le_bytes(false, &(1u128 << 53).to_le_bytes()))),
            json!("9007199254740992")
        );
        assert_eq!(value(&Value::Int(Int::from_le_bytes(true, &[1]))), json!("-2"));
        assert_eq!(value(&Value::Address(Address([0xab; 20]))), json!(format!("0x{}", "ab".repeat(20))));
        assert_eq!(value(&Value::Bytes(vec![1, 2])), json!("0x0102"));
    }
}
