//! GenLayer's own calldata crate (`genlayer_calldata` 0.0.2, Business Source License 1.1: use within
//! the GenLayer ecosystem) as a second oracle for the project's codec: byte for byte on every
//! reference vector, on generated values of every type, on edge integers, on nesting around our limit
//! of 64 with its decoder at the same depth, and on arbitrary and mutated bytes, both directions.

use std::collections::BTreeMap;

use api_usage_billing::calldata::{decode, encode};
use api_usage_billing::{Address, Int, Value};
use genlayer_calldata as gl;
use num_bigint::{BigInt, Sign};
use proptest::prelude::*;

/// Our decoder refuses a value nested deeper than this (src/calldata.rs `MAX_DEPTH`).
const OUR_DEPTH: usize = 64;

fn to_gl(value: &Value) -> gl::Value {
    match value {
        Value::Null => gl::Value::Null,
        Value::Bool(b) => gl::Value::Bool(*b),
        Value::Int(int) => gl::Value::Number(big(int)),
        Value::Bytes(bytes) => gl::Value::Bytes(bytes.clone()),
        Value::Str(text) => gl::Value::Str(text.clone()),
        Value::Address(address) => gl::Value::Address(gl::Address::from(address.0)),
        Value::Array(items) => gl::Value::Array(items.iter().map(to_gl).collect()),
        Value::Map(entries) => gl::Value::Map(entries.iter().map(|(k, v)| (k.clone(), to_gl(v))).collect()),
    }
}

fn from_gl(value: &gl::Value) -> Value {
    match value {
        gl::Value::Null => Value::Null,
        gl::Value::Bool(b) => Value::Bool(*b),
        gl::Value::Number(n) => Value::Int(int(n)),
        gl::Value::Bytes(bytes) => Value::Bytes(bytes.clone()),
        gl::Value::Str(text) => Value::Str(text.clone()),
        gl::Value::Address(address) => Value::Address(Address(address.raw())),
        gl::Value::Array(items) => Value::Array(items.iter().map(from_gl).collect()),
        gl::Value::Map(entries) => Value::Map(entries.iter().map(|(k, v)| (k.clone(), from_gl(v))).collect()),
    }
}

/// Our `Int` is `n`, or `-n - 1` when negative.
fn big(int: &Int) -> BigInt {
    let (negative, n) = match int {
        Int::Small { negative, n } => (*negative, BigInt::from(*n)),
        Int::Wide { negative, n_le } => (*negative, BigInt::from_bytes_le(Sign::Plus, n_le)),
    };
    if negative {
        -n - 1
    } else {
        n
    }
}

fn int(n: &BigInt) -> Int {
    if n.sign() == Sign::Minus {
        let magnitude: BigInt = -n - 1;
        Int::from_le_bytes(true, &magnitude.to_bytes_le().1)
    } else {
        Int::from_le_bytes(false, &n.to_bytes_le().1)
    }
}

/// Our maps keep the order they were built in; as calldata, keys are sorted.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        Value::Map(entries) => {
            let sorted: BTreeMap<&str, Value> =
                entries.iter().map(|(k, v)| (k.as_str(), canonical(v))).collect();
            Value::Map(sorted.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        }
        other => other.clone(),
    }
}

/// GenLayer's decoder with its depth set to ours, and its whole-input check (`decode_with` stops
/// after one value; `decode` refuses what follows it).
fn gl_decode(bytes: &[u8]) -> Option<gl::Value> {
    let options = gl::DecodeOptions { max_depth: OUR_DEPTH };
    let value = gl::decode_with(bytes, &options).ok()?;
    gl::decode(bytes).ok()?;
    Some(value)
}

/// Both codecs on one value: the same bytes, and each decodes the other's bytes to the value.
fn agree_on_value(value: &Value) {
    let ours = encode(value);
    let theirs = gl::encode(&to_gl(value));
    assert_eq!(ours, theirs, "encodings of {value:?}");
    assert_eq!(decode(&theirs).as_ref().map(canonical), Ok(canonical(value)), "our decoding of theirs");
    assert_eq!(gl_decode(&ours).map(|v| from_gl(&v)), Some(canonical(value)), "their decoding of ours");
}

/// Both codecs on arbitrary bytes: both refuse, or both accept with the same value. The one known
/// difference is at the depth bound; see [`depth_verdicts_differ_only_for_an_empty_container_at_65`].
fn agree_on_bytes(bytes: &[u8]) {
    let ours = decode(bytes).ok().map(|v| canonical(&v));
    let theirs = gl_decode(bytes).map(|v| from_gl(&v));
    if ours.is_some() && theirs.is_none() && gl::decode(bytes).is_ok() {
        // Accepted by us, refused by them only for depth: must be the known boundary case.
        assert_eq!(container_depth(bytes), Some(OUR_DEPTH + 1), "{bytes:02x?}");
        return;
    }
    assert_eq!(ours, theirs, "{bytes:02x?}");
}

/// How deep containers nest in a valid encoding (a scalar alone: 0).
fn container_depth(bytes: &[u8]) -> Option<usize> {
    fn depth(value: &gl::Value) -> usize {
        match value {
            gl::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
            gl::Value::Map(entries) => 1 + entries.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    gl::decode(bytes).ok().map(|v| depth(&v))
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn every_reference_vector_agrees_byte_for_byte() {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/data/calldata.json")).expect("vectors parse");
    let valid = vectors["valid"].as_array().expect("valid vectors");
    let invalid = vectors["invalid"].as_array().expect("invalid vectors");
    assert!(valid.len() >= 50 && invalid.len() >= 20);
    for vector in valid {
        let name = vector["name"].as_str().unwrap_or("?");
        let bytes = hex(vector["hex"].as_str().expect("hex"));
        let ours = decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let theirs = gl_decode(&bytes).unwrap_or_else(|| panic!("{name}: genlayer_calldata refuses it"));
        assert_eq!(canonical(&ours), from_gl(&theirs), "{name}");
        assert_eq!(gl::encode(&theirs), bytes, "{name}: genlayer_calldata re-encodes");
        agree_on_value(&ours);
    }
    for vector in invalid {
        let name = vector["name"].as_str().unwrap_or("?");
        let bytes = hex(vector["hex"].as_str().expect("hex"));
        assert!(decode(&bytes).is_err(), "{name}: we accept it");
        assert!(gl_decode(&bytes).is_none(), "{name}: genlayer_calldata accepts it");
    }
}

fn edge_ints() -> Vec<BigInt> {
    let mut ints = Vec::new();
    for bits in [0u32, 1, 6, 7, 8, 13, 14, 31, 32, 60, 61, 63, 64, 127, 128, 129, 255, 256, 512] {
        let power = BigInt::from(1u8) << bits;
        for n in [power.clone() - 1, power.clone(), power + 1] {
            ints.push(n.clone());
            ints.push(-n);
        }
    }
    ints.extend([u64::MAX, u64::MAX - 1].map(BigInt::from));
    ints.extend([u128::MAX, u128::MAX - 1].map(BigInt::from));
    ints.extend([i128::MIN, i128::MAX].map(BigInt::from));
    ints.push(BigInt::from(u128::MAX) + 1);
    ints.push(-BigInt::from(u128::MAX) - 1);
    ints.push(-BigInt::from(u128::MAX) - 2);
    ints
}

#[test]
fn edge_integers_agree() {
    for n in edge_ints() {
        let value = Value::Int(int(&n));
        assert_eq!(big(&int(&n)), n, "our Int keeps {n}");
        agree_on_value(&value);
    }
}

fn nested(depth: usize, innermost: Value, as_map: bool) -> Value {
    (0..depth).fold(innermost, |inner, _| {
        if as_map {
            Value::Map(vec![("k".to_string(), inner)])
        } else {
            Value::Array(vec![inner])
        }
    })
}

#[test]
fn nesting_up_to_our_limit_agrees_and_deeper_is_refused_by_both() {
    for as_map in [false, true] {
        for depth in 0..=OUR_DEPTH {
            agree_on_value(&nested(depth, Value::from(7u64), as_map));
        }
        for depth in OUR_DEPTH + 1..=OUR_DEPTH + 3 {
            let bytes = encode(&nested(depth, Value::from(7u64), as_map));
            assert!(decode(&bytes).is_err(), "{depth}");
            assert!(gl_decode(&bytes).is_none(), "{depth}");
        }
    }
}

/// The codecs count depth differently: ours refuses a *value* nested under more than 64 containers,
/// GenLayer's refuses a *container* nested under 64 or more. So 65 containers whose innermost one
/// is empty (nothing under it) pass ours and fail theirs at max_depth 64; no max_depth matches ours
/// exactly (at 65 theirs accepts 65 containers around a scalar, which ours refuses). Either verdict
/// of ours is allowed for that one case, so the core may switch to counting containers.
#[test]
fn depth_verdicts_differ_only_for_an_empty_container_at_65() {
    for (innermost, as_map) in [(Value::Array(vec![]), false), (Value::Map(vec![]), true)] {
        let at_64 = encode(&nested(OUR_DEPTH - 1, innermost.clone(), as_map));
        assert!(decode(&at_64).is_ok() && gl_decode(&at_64).is_some());
        let at_65 = encode(&nested(OUR_DEPTH, innermost.clone(), as_map));
        assert!(gl_decode(&at_65).is_none(), "theirs at max_depth 64");
        if decode(&at_65).is_ok() {
            // The known difference (/work/notes/genvm.md): ours counts values, so an empty 65th
            // container passes. Once the core counts containers both refuse it, and this still holds.
            eprintln!("known difference: 65 nested containers, the innermost empty, pass our decoder");
        }
        let options = gl::DecodeOptions { max_depth: OUR_DEPTH + 1 };
        let scalar_at_65 = encode(&nested(OUR_DEPTH + 1, Value::Null, as_map));
        assert!(decode(&scalar_at_65).is_err());
        assert!(gl::decode_with(&scalar_at_65, &options).is_ok(), "theirs at max_depth 65");
        let at_66 = encode(&nested(OUR_DEPTH + 1, innermost, as_map));
        assert!(decode(&at_66).is_err() && gl_decode(&at_66).is_none());
    }
}

fn leaf() -> impl Strategy<Value = Value> {
    let ints = edge_ints();
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i128>().prop_map(|n| Value::Int(int(&BigInt::from(n)))),
        (0..ints.len()).prop_map(move |i| Value::Int(int(&ints[i]))),
        prop::collection::vec(any::<u8>(), 0..40)
            .prop_map(|b| Value::Int(int(&BigInt::from_bytes_le(Sign::Minus, &b)))),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        any::<String>().prop_map(Value::Str),
        "[a-z]{0,3}".prop_map(Value::Str),
        any::<[u8; 20]>().prop_map(|a| Value::Address(Address(a))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(8, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            // Keys in any order (our encoder sorts them), unique as calldata requires.
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Map(m.into_iter().rev().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_values_agree_both_ways(value in value()) {
        agree_on_value(&value);
    }

    #[test]
    fn arbitrary_bytes_get_the_same_verdict(bytes in prop::collection::vec(any::<u8>(), 0..48)) {
        agree_on_bytes(&bytes);
    }

    #[test]
    fn mutated_encodings_get_the_same_verdict(
        value in value(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        let mut bytes = encode(&value);
        for (at, byte, kind) in edits {
            match kind {
                0 if !bytes.is_empty() => { let i = at.index(bytes.len()); bytes[i] = byte; }
                1 => { let i = at.index(bytes.len() + 1); bytes.insert(i, byte); }
                _ if !bytes.is_empty() => { let i = at.index(bytes.len()); bytes.remove(i); }
                _ => {}
            }
        }
        agree_on_bytes(&bytes);
    }
}
