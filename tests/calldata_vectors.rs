//! The calldata codec against GenLayer's reference vectors (tests/data/calldata.json, a copy of
//! shared/vectors/calldata.json): every valid vector decodes to its value and re-encodes byte for byte;
//! every invalid one is refused.

use api_usage_billing::calldata::{decode, encode};
use api_usage_billing::{Address, Int, Value};
use serde_json::Value as Json;

fn vectors() -> Json {
    serde_json::from_str(include_str!("data/calldata.json")).expect("vectors parse")
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

fn int(text: &str) -> Int {
    Int::parse_decimal(text).expect("a decimal vector")
}

fn value(descriptor: &Json) -> Value {
    let (kind, inner) = descriptor.as_object().and_then(|o| o.iter().next()).expect("descriptor");
    match kind.as_str() {
        "null" => Value::Null,
        "bool" => Value::Bool(inner.as_bool().unwrap()),
        "int" => Value::Int(int(inner.as_str().unwrap())),
        "bytes" => Value::Bytes(hex(inner.as_str().unwrap())),
        "str" => Value::Str(inner.as_str().unwrap().to_string()),
        "address" => Value::Address(Address::parse(inner.as_str().unwrap()).unwrap()),
        "array" => Value::Array(inner.as_array().unwrap().iter().map(value).collect()),
        "map" => Value::Map(
            inner
                .as_array()
                .unwrap()
                .iter()
                .map(|pair| (pair[0].as_str().unwrap().to_string(), value(&pair[1])))
                .collect(),
        ),
        other => panic!("unknown descriptor {other}"),
    }
}

#[test]
fn every_valid_vector_decodes_to_its_value_and_reencodes_byte_for_byte() {
    let vectors = vectors();
    let valid = vectors["valid"].as_array().unwrap();
    assert!(valid.len() >= 50);
    for vector in valid {
        let name = vector["name"].as_str().unwrap();
        let bytes = hex(vector["hex"].as_str().unwrap());
        let decoded = decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(decoded, value(&vector["value"]), "{name}");
        assert_eq!(encode(&decoded), bytes, "{name}");
    }
}

#[test]
fn method_call_maps_built_from_their_parts_match_the_reference() {
    let vectors = vectors();
    for vector in vectors["valid"].as_array().unwrap().iter().filter(|v| v.get("call").is_some()) {
        let call = &vector["call"];
        let mut entries = Vec::new();
        let args: Vec<Value> = call["args"].as_array().unwrap().iter().map(value).collect();
        if !args.is_empty() {
            entries.push(("args".to_string(), Value::Array(args)));
        }
        let kwargs: Vec<(String, Value)> = call["kwargs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (pair[0].as_str().unwrap().to_string(), value(&pair[1])))
            .collect();
        if !kwargs.is_empty() {
            entries.push(("kwargs".to_string(), Value::Map(kwargs)));
        }
        if let Some(method) = call["method"].as_str() {
            entries.push(("method".to_string(), Value::from(method)));
        }
        assert_eq!(encode(&Value::Map(entries)), hex(vector["hex"].as_str().unwrap()), "{}", vector["name"]);
    }
}

#[test]
fn every_invalid_vector_is_refused() {
    let vectors = vectors();
    let invalid = vectors["invalid"].as_array().unwrap();
    assert!(invalid.len() >= 20);
    for vector in invalid {
        let bytes = hex(vector["hex"].as_str().unwrap());
        let refused = decode(&bytes).expect_err(vector["name"].as_str().unwrap());
        assert_eq!(refused.code(), "invalid_calldata");
    }
}

#[test]
fn hostile_nesting_and_truncation_are_refused_without_panicking() {
    // 100 nested one-element arrays, then null.
    let mut deep = vec![0x0d; 100];
    deep.push(0x00);
    assert!(decode(&deep).is_err());
    let valid = encode(&Value::Array(vec![Value::from("weather"), Value::from(u128::MAX), Value::Null]));
    for cut in 0..valid.len() {
        assert!(decode(&valid[..cut]).is_err(), "prefix of {cut} bytes");
    }
    // A huge array count with nothing behind it allocates nothing big.
    assert!(decode(&[0xfd, 0xff, 0xff, 0xff, 0x0f]).is_err());
}

#[test]
fn ints_round_trip_across_the_u128_edges() {
    for v in [0u128, 1, 15, 16, (1 << 60) - 1, 1 << 60, 1 << 125, u128::MAX - 1, u128::MAX] {
        let bytes = encode(&Value::from(v));
        assert_eq!(decode(&bytes), Ok(Value::from(v)), "{v}");
    }
    for v in [-1i128, -16, -17, i128::MIN, i128::MIN + 1] {
        let bytes = encode(&Value::from(v));
        assert_eq!(decode(&bytes), Ok(Value::from(v)), "{v}");
    }
    let beyond = Value::Int(Int::sum(u128::MAX, u128::MAX));
    assert_eq!(decode(&encode(&beyond)), Ok(beyond));
}

#[test]
fn events_encode_directly_as_their_value_would() {
    let event = api_usage_billing::Event::new(
        "CallBilled",
        [
            ("api", Value::from("weather")),
            ("billed_wei", Value::from(u128::MAX)),
            ("calls", Value::from(1u64)),
        ],
    );
    assert_eq!(api_usage_billing::calldata::encode_event(&event), encode(&event.to_value()));
    assert_eq!(
        api_usage_billing::Event::from_value(decode(&encode(&event.to_value())).unwrap()),
        Some(event)
    );
}

#[test]
fn maps_are_written_in_key_order_whatever_order_they_hold() {
    let unordered = Value::Map(vec![("b".into(), 1.into()), ("a".into(), 2.into()), ("c".into(), 3.into())]);
    let ordered = Value::Map(vec![("a".into(), 2.into()), ("b".into(), 1.into()), ("c".into(), 3.into())]);
    assert_eq!(encode(&unordered), encode(&ordered));
    assert_eq!(decode(&encode(&unordered)), Ok(ordered));
}
