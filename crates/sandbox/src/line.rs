//! A call's output line (`call`, `deploy`, `run`), written straight from its report into text, byte for byte what
//! the JSON value tree of [`crate::json`] renders.

use api_usage_billing::{Event, Int, Value};
use billing_chain::CallReport;

/// The output line of a call (`call`, a refused `deploy`, each of `run`'s), without its newline.
pub fn report_line(report: &CallReport) -> String {
    let mut line = String::new();
    write_report(&mut line, report);
    line
}

/// Appends the text [`crate::json::report_line`] gives for `report` to `out`, written straight from
/// the report: `run` prints a line per call, and a tree of JSON values per line was most of its
/// output's cost. The bytes are serde_json's (maps in the ok value sorted by key as its objects
/// are, event fields in their order); the tests hold it to the tree's rendering.
pub fn write_report(out: &mut String, report: &CallReport) {
    match &report.outcome {
        Ok(value) => {
            out.push_str("{\"ok\":");
            write_value(out, value);
            out.push_str(",\"events\":[");
            for (i, event) in report.events.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_event(out, event);
            }
            out.push_str("],\"fuel\":");
        }
        Err(refusal) => {
            out.push_str("{\"error\":{\"code\":");
            write_str(out, &refusal.code);
            out.push_str(",\"message\":");
            write_str(out, &refusal.message);
            out.push_str(",\"details\":");
            write_value(out, &refusal.details);
            out.push_str("},\"fuel\":");
        }
    }
    write_u128(out, u128::from(report.fuel));
    if !report.fetches.is_empty() {
        out.push_str(",\"fetches\":[");
        for (i, fetch) in report.fetches.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"url\":");
            write_str(out, &fetch.url);
            match fetch.outcome {
                Ok(status) => {
                    out.push_str(",\"status\":");
                    write_u128(out, u128::from(status));
                }
                Err(why) => {
                    out.push_str(",\"error\":");
                    write_str(out, why.code());
                }
            }
            out.push_str(",\"bytes\":");
            write_u128(out, fetch.bytes as u128);
            out.push('}');
        }
        out.push(']');
    }
    out.push('}');
}

fn write_event(out: &mut String, event: &Event) {
    out.push_str("{\"name\":");
    write_str(out, &event.name);
    out.push_str(",\"fields\":{");
    for (i, (key, value)) in event.fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, key);
        out.push(':');
        write_value(out, value);
    }
    out.push_str("}}");
}

/// [`value_to_json`]'s text.
fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Int(Int::Small { negative: false, n }) => {
            out.push('"');
            write_u128(out, *n);
            out.push('"');
        }
        Value::Int(int) => {
            out.push('"');
            out.push_str(&int.to_decimal());
            out.push('"');
        }
        Value::Bytes(bytes) => {
            out.push_str("\"0x");
            for byte in bytes {
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
            out.push('"');
        }
        Value::Str(text) => write_str(out, text),
        Value::Address(address) => {
            out.push('"');
            out.push_str(&address.to_hex());
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            // A serde_json object: keys in order, the last of equal keys kept.
            let mut sorted: Vec<&(String, Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            let mut first = true;
            for (i, (key, value)) in sorted.iter().map(|entry| (&entry.0, &entry.1)).enumerate() {
                if sorted.get(i + 1).is_some_and(|next| next.0 == *key) {
                    continue;
                }
                out.push(if first { '{' } else { ',' });
                first = false;
                write_str(out, key);
                out.push(':');
                write_value(out, value);
            }
            if first {
                out.push('{');
            }
            out.push('}');
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A JSON string as serde_json escapes it: `"`, `\\`, and the control characters (the usual five
/// by letter, the rest as `\u00xx`).
fn write_str(out: &mut String, text: &str) {
    out.push('"');
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(text.get(start..at).unwrap_or_default());
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        } else {
            out.push_str(escape);
        }
        start = at + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
    out.push('"');
}

fn write_u128(out: &mut String, mut n: u128) {
    let mut digits = [0u8; 39];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(digit) = digits.get_mut(at) {
            *digit = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    for &digit in digits.get(at..).unwrap_or_default() {
        out.push(char::from(digit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::report_line as tree_line;
    use api_usage_billing::Address;
    use billing_chain::Fetch;
    use billing_chain::Refusal;

    fn written(report: &CallReport) -> String {
        let mut line = String::new();
        write_report(&mut line, report);
        line
    }

    fn report(outcome: Result<Value, Refusal>, events: Vec<Event>, fetches: Vec<Fetch>) -> CallReport {
        CallReport { outcome, events, transfers: vec![], fuel: 42_928, timestamp: 0, contract: None, fetches }
    }

    #[test]
    fn the_direct_line_is_the_value_trees_line_byte_for_byte() {
        use billing_vm::calls::FetchFailure;
        let every_byte: String = (0u8..0x80).map(char::from).chain("é€😀".chars()).collect();
        let wide = Int::parse_decimal("-340282366920938463463374607431768211457").unwrap();
        let value = Value::Map(vec![
            ("z".into(), Value::Int(Int::from(7u64))),
            ("a".into(), Value::Str(every_byte.clone())),
            ("m".into(), Value::Bool(true)),
            (
                "a".into(),
                Value::Array(vec![Value::Null, Value::Bytes(vec![0, 0xab, 0xff]), Value::Int(wide)]),
            ),
            ("".into(), Value::Map(vec![])),
            ("k".into(), Value::Address(Address([0x5c; 20]))),
            ("n".into(), Value::Int(Int::from(u128::MAX))),
            ("neg".into(), Value::Int(Int::from(-1i64))),
        ]);
        let event = Event {
            name: "CallBilled".into(),
            fields: vec![("zeta".into(), value.clone()), ("alpha".into(), Value::Str("\"q\"".into()))],
        };
        let refusal = Refusal { code: "bad\n".into(), message: every_byte, details: value.clone() };
        let fetches = vec![
            Fetch { url: "http://127.0.0.1:9/a?b=\"c\"".into(), outcome: Ok(200), bytes: 12 },
            Fetch { url: "http://127.0.0.1:9/b".into(), outcome: Err(FetchFailure::Timeout), bytes: 0 },
        ];
        for report in [
            report(Ok(Value::Null), vec![], vec![]),
            report(Ok(value.clone()), vec![event.clone(), event], fetches.clone()),
            report(Err(refusal.clone()), vec![], vec![]),
            report(Err(refusal), vec![], fetches),
            report(Ok(Value::Array(vec![])), vec![], vec![]),
        ] {
            assert_eq!(written(&report), tree_line(&report));
        }
    }

    fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| Value::Int(Int::from(n))),
            any::<u128>().prop_map(|n| Value::Int(Int::from(n))),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::Bytes),
            any::<String>().prop_map(Value::Str),
            any::<[u8; 20]>().prop_map(|a| Value::Address(Address(a))),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec(("[a-c\"\\\\\u{1}é]{0,2}", inner), 0..4).prop_map(Value::Map),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn any_value_renders_as_the_tree_renders_it(value in any_value(), fields in proptest::collection::vec(any_value(), 0..3)) {
            let event = Event { name: "E".into(), fields: fields.into_iter().map(|v| ("f".into(), v)).collect() };
            let ok = report(Ok(value.clone()), vec![event], vec![]);
            proptest::prop_assert_eq!(written(&ok), tree_line(&ok));
            let refused = report(Err(Refusal { code: "c".into(), message: "m".into(), details: value }), vec![], vec![]);
            proptest::prop_assert_eq!(written(&refused), tree_line(&refused));
        }
    }
}
