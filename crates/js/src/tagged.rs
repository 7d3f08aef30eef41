//! Calldata values as the JSON the JavaScript wrapper reads and writes: ints and bytes tagged, so that
//! nothing passes through a float and an address stays distinct from a string.
//!
//! `null`, `true`/`false`, `"text"` and `[…]` stand for themselves; `{"int": "-12"}`,
//! `{"bytes": "00ff"}`, `{"address": "0x…"}` and `{"map": [["key", value], …]}` carry the rest
//! (map entries in their order, as calldata keeps them).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use api_usage_billing::{Address, Event, Int, Value};
use serde_json::{json, Map, Value as Json};

/// Why a tagged value did not convert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagError(pub String);

impl TagError {
    pub(crate) fn new(what: &str) -> TagError {
        TagError(what.to_string())
    }
}

/// A calldata value in tagged JSON.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(int) => json!({ "int": int.to_decimal() }),
        Value::Bytes(bytes) => json!({ "bytes": hex(bytes) }),
        Value::Str(text) => Json::String(text.clone()),
        Value::Address(address) => json!({ "address": address.to_hex() }),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => {
            let pairs =
                entries.iter().map(|(k, v)| Json::Array(alloc::vec![Json::from(k.as_str()), to_json(v)]));
            json!({ "map": pairs.collect::<Vec<_>>() })
        }
    }
}

/// Reads tagged JSON back into a calldata value; anything else is refused with its reason.
pub fn from_json(json: &Json) -> Result<Value, TagError> {
    match json {
        Json::Null => Ok(Value::Null),
        Json::Bool(b) => Ok(Value::Bool(*b)),
        Json::String(text) => Ok(Value::Str(text.clone())),
        Json::Array(items) => items.iter().map(from_json).collect::<Result<Vec<_>, _>>().map(Value::Array),
        // The wrapper never sends bare numbers: they would have been floats on the way.
        Json::Number(_) => Err(TagError::new("a bare JSON number is not calldata; send {\"int\": \"…\"}")),
        Json::Object(object) => from_tagged_object(object),
    }
}

fn from_tagged_object(object: &Map<String, Json>) -> Result<Value, TagError> {
    let mut entries = object.iter();
    let (Some((tag, inner)), None) = (entries.next(), entries.next()) else {
        return Err(TagError::new("a tagged value has exactly one key: int, bytes, address or map"));
    };
    match (tag.as_str(), inner) {
        ("int", Json::String(text)) => Int::parse_decimal(text)
            .map(Value::Int)
            .ok_or_else(|| TagError::new("an int is a decimal literal")),
        ("bytes", Json::String(text)) => unhex(text)
            .map(Value::Bytes)
            .ok_or_else(|| TagError::new("bytes are an even count of hex digits")),
        ("address", Json::String(text)) => Address::parse(text)
            .map(Value::Address)
            .ok_or_else(|| TagError::new("an address is 0x and 40 hex digits")),
        ("map", Json::Array(pairs)) => pairs
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Json::String(key), value]) => Ok((key.clone(), from_json(value)?)),
                _ => Err(TagError::new("a map entry is [key, value] with a string key")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Map),
        _ => Err(TagError::new("a tagged value has exactly one key: int, bytes, address or map")),
    }
}

/// An event as `{"name": …, "fields": [[name, value], …]}`.
pub fn event_json(event: &Event) -> Json {
    let fields = event
        .fields
        .iter()
        .map(|(k, v)| Json::Array(alloc::vec![Json::from(k.as_ref()), to_json(v)]))
        .collect::<Vec<_>>();
    json!({ "name": event.name.as_ref(), "fields": fields })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits = text.strip_prefix("0x").unwrap_or(text).as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some((digit(*hi)? << 4) | digit(*lo)?),
            _ => None,
        })
        .collect()
}

fn digit(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_goes_there_and_back() {
        let value = Value::Array(alloc::vec![
            Value::Null,
            Value::Bool(true),
            Value::from(-7i64),
            Value::Int(Int::parse_decimal("340282366920938463463374607431768211456").unwrap()),
            Value::Bytes(alloc::vec![0, 255]),
            Value::from("x"),
            Value::Address(Address([0xab; 20])),
            Value::map([("b", Value::from(1u64)), ("a", Value::Null)]),
        ]);
        assert_eq!(from_json(&to_json(&value)), Ok(value));
    }

    #[test]
    fn malformed_tags_are_refused() {
        for bad in [
            json!(1.5),
            json!(3),
            json!({}),
            json!({"int": "1", "bytes": ""}),
            json!({"int": 1}),
            json!({"int": "1e3"}),
            json!({"bytes": "abc"}),
            json!({"bytes": "zz"}),
            json!({"address": "0x12"}),
            json!({"map": [["k"]]}),
            json!({"map": [[1, 2]]}),
            json!({"other": "x"}),
        ] {
            assert!(from_json(&bad).is_err(), "{bad}");
        }
    }
}
