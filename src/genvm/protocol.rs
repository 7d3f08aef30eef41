//! GenVM's side of the contract, independent of wasm: the message, the method call, block time,
//! storage slots, events and the requests the contract sends through `gl_call`.

use alloc::string::String;
use alloc::vec::Vec;
use sha3::{Digest, Keccak256, Sha3_256};

use crate::{calldata, Address, CallBilled, Error, Event, Value};

/// The slot-id domain: a contract's slots are `SHA3-256(DOMAIN ‖ key)`, never the root slot.
pub const SLOT_DOMAIN: &[u8] = b"api-usage-billing/v1/";
/// A slot holds `u32 LE (len + 1) ‖ value`: never-written bytes read as zero, so 0 means absent.
pub const SLOT_HEADER: usize = 4;

/// What the contract needs of GenVM's message (the rest is ignored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub sender: Address,
    pub value: u128,
    pub timestamp: u64,
    pub is_init: bool,
    /// The method, or `None` (the deploy call names none).
    pub method: Option<String>,
    pub args: Vec<Value>,
}

/// Reads the message map (stdin) and the method call inside its `entry_data`.
pub fn parse_message(bytes: &[u8]) -> Result<Message, Error> {
    // `entry_data` (the call and its arguments) is read in place, not copied out of the message.
    let (message, entry) = calldata::decode_lending(bytes, "entry_data")?;
    let sender = match message.get("sender_address") {
        Some(Value::Address(address)) => *address,
        _ => return Err(Error::InvalidCalldata),
    };
    let value = match message.get("value") {
        None | Some(Value::Null) => 0,
        Some(Value::Int(int)) => int.to_u128().ok_or(Error::OutOfRange("value"))?,
        _ => return Err(Error::InvalidCalldata),
    };
    let timestamp = match message.get("datetime") {
        Some(Value::Str(text)) => rfc3339_seconds(text).ok_or(Error::InvalidCalldata)?,
        _ => return Err(Error::InvalidCalldata),
    };
    let is_init = matches!(message.get("is_init"), Some(Value::Bool(true)));
    let entry = match entry {
        Some(entry) => calldata::decode_arguments(entry)?,
        None => return Err(Error::InvalidCalldata),
    };
    let Value::Map(entries) = entry else {
        return Err(Error::InvalidCalldata);
    };
    // Taken apart, not copied: the arguments may be most of the message.
    // GenVM's v0.3 line names the method under the empty key, v0.1.8 and v0.2 under "method":
    // either is accepted (never both: that message is malformed on every line).
    let (mut method, mut args, mut kwargs) = (None, None, None);
    for (key, item) in entries {
        match key.as_str() {
            "method" | "" if method.is_some() => return Err(Error::InvalidCalldata),
            "method" | "" => method = Some(item),
            "args" => args = Some(item),
            "kwargs" => kwargs = Some(item),
            _ => {}
        }
    }
    let method = match method {
        None => None,
        Some(Value::Str(name)) => Some(name),
        Some(_) => return Err(Error::InvalidCalldata),
    };
    let args = match args {
        None => Vec::new(),
        Some(Value::Array(args)) => args,
        Some(_) => return Err(Error::InvalidArguments(String::from("args must be an array"))),
    };
    match kwargs {
        None => {}
        Some(Value::Map(kwargs)) if kwargs.is_empty() => {}
        Some(_) => return Err(Error::InvalidArguments(String::from("keyword arguments are not accepted"))),
    }
    Ok(Message { sender, value, timestamp, is_init, method, args })
}

/// Unix seconds of an RFC 3339 date-time (`2025-08-01T00:00:00Z`, fractions and offsets allowed).
pub fn rfc3339_seconds(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let digits = |range: core::ops::Range<usize>| -> Option<i64> {
        let part = bytes.get(range)?;
        part.iter().try_fold(0i64, |acc, b| b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0')))
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|(at, sep)| bytes.get(*at) != Some(sep))
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return None;
        }
    }
    let offset = match bytes.get(at) {
        Some(b'Z' | b'z') if at + 1 == bytes.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == bytes.len() && bytes.get(at + 3) == Some(&b':') => {
            let (hours, minutes) = (digits(at + 1..at + 3)?, digits(at + 4..at + 6)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3_600 + minutes * 60;
            if *sign == b'+' {
                seconds
            } else {
                -seconds
            }
        }
        _ => return None,
    };
    // A leap second (`:60`) counts as the second before it, in the minute and day it is written in:
    // unix time has no leap seconds, and billing it on the next day would move usage across days.
    let second = second.min(59);
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offset;
    u64::try_from(seconds).ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day, hour, minute, second)` of unix seconds, proleptic Gregorian, UTC (Howard
/// Hinnant's civil_from_days): the inverse of [`days_from_civil`], for the hosts that write a
/// message's `datetime` and show block times to people.
pub fn civil(timestamp: u64) -> (i64, i64, i64, u64, u64, u64) {
    // u64::MAX / 86_400 is about 2^47: the day count always fits an i64.
    let days = (timestamp / 86_400) as i64;
    let seconds = timestamp % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, seconds / 3_600, seconds % 3_600 / 60, seconds % 60)
}

/// `2026-01-01T00:00:00Z`: a message's `datetime` for unix seconds, as the hosts write it (the
/// contract only reads one, [`rfc3339_seconds`]).
pub fn rfc3339(timestamp: u64) -> String {
    let (year, month, day, hour, minute, second) = civil(timestamp);
    alloc::format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// The slot that holds the record under `key`.
pub fn slot_id(key: &[u8]) -> [u8; 32] {
    let mut hasher = Sha3_256::new();
    hasher.update(SLOT_DOMAIN);
    hasher.update(key);
    hasher.finalize().into()
}

/// The bytes to write at index 0 of a slot to hold `value`.
pub fn slot_bytes(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SLOT_HEADER + value.len());
    out.extend_from_slice(&(value.len() as u32).wrapping_add(1).to_le_bytes());
    out.extend_from_slice(value);
    out
}

/// The length of the value a slot header announces (`None`: absent).
pub fn slot_len(header: [u8; SLOT_HEADER]) -> Option<usize> {
    (u32::from_le_bytes(header) as usize).checked_sub(1)
}

/// Topic 0 of an event without indexed fields: Keccak-256 of `Name()`.
pub fn event_topic(name: &str) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"()");
    hasher.finalize().into()
}

/// `{"EmitEvent": {"blob": {field: value, ...}, "topics": [topic0]}}`, written straight from the
/// event (blob keys ascending, as calldata maps are), without copying its fields into a `Value`.
pub fn emit_event_request(event: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(96 + 48 * event.fields.len());
    calldata::write_map_header(&mut out, 1);
    calldata::write_map_key(&mut out, "EmitEvent");
    calldata::write_map_header(&mut out, 2);
    calldata::write_map_key(&mut out, "blob");
    // Events have a handful of distinct fields: an insertion sort of references.
    let mut sorted: Vec<&(alloc::borrow::Cow<'static, str>, Value)> = Vec::with_capacity(event.fields.len());
    for field in &event.fields {
        let at =
            sorted.iter().position(|other| other.0.as_bytes() > field.0.as_bytes()).unwrap_or(sorted.len());
        sorted.insert(at, field);
    }
    calldata::write_map_header(&mut out, sorted.len());
    for (key, value) in sorted {
        calldata::write_map_key(&mut out, key);
        calldata::write_encoded(&mut out, value);
    }
    calldata::write_map_key(&mut out, "topics");
    calldata::write_one_bytes_array(&mut out, &super::topics::topic_of(&event.name));
    out
}

/// [`emit_event_request`] of `CallBilled`, written straight from its fields (blob keys ascending).
pub fn call_billed_request(event: &CallBilled) -> Vec<u8> {
    let mut out = Vec::with_capacity(288);
    calldata::write_map_header(&mut out, 1);
    calldata::write_map_key(&mut out, "EmitEvent");
    calldata::write_map_header(&mut out, 2);
    calldata::write_map_key(&mut out, "blob");
    calldata::write_map_header(&mut out, 7);
    calldata::write_map_key(&mut out, "api");
    calldata::write_str(&mut out, &event.api);
    calldata::write_map_key(&mut out, "billed_wei");
    calldata::write_uint(&mut out, event.billed_wei);
    calldata::write_map_key(&mut out, "calls");
    calldata::write_uint(&mut out, u128::from(event.calls));
    calldata::write_map_key(&mut out, "calls_today");
    calldata::write_uint(&mut out, u128::from(event.calls_today));
    calldata::write_map_key(&mut out, "consumer");
    calldata::write_address(&mut out, &event.consumer);
    calldata::write_map_key(&mut out, "remaining_credit_wei");
    calldata::write_uint(&mut out, event.remaining_credit_wei);
    calldata::write_map_key(&mut out, "spend_today_wei");
    calldata::write_uint(&mut out, event.spend_today_wei);
    calldata::write_map_key(&mut out, "topics");
    calldata::write_one_bytes_array(&mut out, &super::topics::topic_of("CallBilled"));
    out
}

/// `{"EthSend": {"address": to, "calldata": b"", "value": amount}}`: a plain transfer.
pub fn eth_send_request(to: &Address, amount: u128) -> Vec<u8> {
    calldata::encode(&Value::map([(
        "EthSend",
        Value::map([
            ("address", Value::Address(*to)),
            ("calldata", Value::Bytes(Vec::new())),
            ("value", Value::from(amount)),
        ]),
    )]))
}

/// `{"Rollback": "contract panicked"}`, encoded ahead so that a panic needs no heap.
pub const PANIC_ROLLBACK: &[u8] = b"\x0e\x08Rollback\x8c\x01contract panicked";

/// `{"Return": value}`, without copying the value.
pub fn return_request(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    calldata::write_map_header(&mut out, 1);
    calldata::write_map_key(&mut out, "Return");
    calldata::write_encoded(&mut out, value);
    out
}

/// [`return_request`] of a bill's receipt, written straight from its fields.
pub fn receipt_return_request(receipt: &crate::Receipt) -> Vec<u8> {
    let mut out = Vec::with_capacity(176);
    calldata::write_map_header(&mut out, 1);
    calldata::write_map_key(&mut out, "Return");
    receipt.write(&mut out);
    out
}

/// [`return_request`] of a report's JSON string, written in the room before the document.
pub fn json_return_request(json: &mut crate::JsonText) -> &[u8] {
    let mut prefix = Vec::with_capacity(8);
    calldata::write_map_header(&mut prefix, 1);
    calldata::write_map_key(&mut prefix, "Return");
    json.calldata_after(&prefix)
}

pub fn rollback_request(error: &Error) -> Vec<u8> {
    calldata::encode(&Value::map([("Rollback", Value::Str(error.message().into_owned()))]))
}

/// The line written to stdout before a rollback, as the seed prints `[LimitExceeded]`:
/// `[Refused] code=daily_call_limit attempted_calls=6 max_calls=5 reason=daily_call_limit`.
pub fn refusal_log_line(error: &Error) -> String {
    let mut line = String::from("[Refused] code=");
    line.push_str(error.code());
    if let Value::Map(details) = error.details() {
        for (key, value) in details {
            line.push(' ');
            line.push_str(&key);
            line.push('=');
            match value {
                Value::Int(int) => line.push_str(&int.to_decimal()),
                Value::Str(text) => line.push_str(&text),
                Value::Address(address) => line.push_str(&address.to_hex()),
                _ => line.push('?'),
            }
        }
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_with_fractions_and_offsets() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_seconds("2025-08-01T00:00:00Z"), Some(1_754_006_400));
        assert_eq!(rfc3339_seconds("2026-01-01T00:00:00.999999Z"), Some(1_767_225_600));
        assert_eq!(rfc3339_seconds("2026-01-01T02:30:00+02:30"), Some(1_767_225_600));
        assert_eq!(rfc3339_seconds("2025-12-31T23:00:00-01:00"), Some(1_767_225_600));
        assert_eq!(rfc3339_seconds("2024-02-29t12:00:00z"), Some(1_709_208_000));
        for bad in [
            "",
            "2025-08-01",
            "2025-13-01T00:00:00Z",
            "2025-02-30T00:00:00Z",
            "2025-08-01T00:00:00",
            "2025-08-01T00:00:00.Z",
            "1969-12-31T23:59:59Z",
            "2025-08-01T00:00:00+2:00",
            "2025-08-01T24:00:00Z",
        ] {
            assert_eq!(rfc3339_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn datetimes_written_read_back_as_their_seconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_208_000), "2024-02-29T12:00:00Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        for seconds in [0, 59, 86_399, 951_782_400, 1_709_208_000, 4_107_542_399, 253_402_300_799] {
            assert_eq!(rfc3339_seconds(&rfc3339(seconds)), Some(seconds), "{seconds}");
        }
        assert_eq!(civil(1_709_251_199), (2024, 2, 29, 23, 59, 59));
    }

    #[test]
    fn slots_hold_a_length_header_that_tells_absent_from_empty() {
        assert_eq!(slot_len([0; 4]), None);
        assert_eq!(slot_len(slot_bytes(b"")[..4].try_into().unwrap()), Some(0));
        assert_eq!(slot_bytes(b"abc"), [4, 0, 0, 0, b'a', b'b', b'c']);
        assert_ne!(slot_id(b"v"), [0; 32]);
        assert_ne!(slot_id(b"v"), slot_id(b"w"));
    }

    #[test]
    fn the_event_topic_is_keccak_of_the_signature() {
        // Keccak-256("Transfer(address,address,uint256)") is the ERC-20 topic everyone knows;
        // the same hasher gives ours.
        let mut hasher = Keccak256::new();
        hasher.update(b"Transfer(address,address,uint256)");
        let erc20: [u8; 32] = hasher.finalize().into();
        assert_eq!(erc20[..4], [0xdd, 0xf2, 0x52, 0xad]);
        assert_eq!(event_topic("CallBilled").len(), 32);
    }

    #[test]
    fn requests_written_directly_are_what_their_values_encode_to() {
        let event = Event::new(
            "CallBilled",
            [
                ("api", Value::from("weather")),
                ("consumer", Value::Address(Address([7; 20]))),
                ("billed_wei", Value::from(10u64)),
                ("remaining_credit_wei", Value::from(u128::MAX)),
                ("calls_today", Value::from(2u64)),
                ("calls", Value::from(1u64)),
            ],
        );
        let blob =
            Value::Map(event.fields.iter().map(|(k, v)| (String::from(k.as_ref()), v.clone())).collect());
        let topics = Value::Array(alloc::vec![Value::Bytes(event_topic("CallBilled").to_vec())]);
        let expected =
            calldata::encode(&Value::map([("EmitEvent", Value::map([("blob", blob), ("topics", topics)]))]));
        assert_eq!(emit_event_request(&event), expected);
        let receipt = Value::map([("a", Value::from(1u64)), ("b", Value::from("x"))]);
        assert_eq!(return_request(&receipt), calldata::encode(&Value::map([("Return", receipt.clone())])));
    }

    /// Large and small amounts, so a header of every length is compared.
    fn call_billed_examples() -> [CallBilled; 2] {
        let big = CallBilled {
            api: String::from("weather"),
            consumer: Address([7; 20]),
            billed_wei: u128::MAX,
            remaining_credit_wei: 1 << 90,
            calls_today: u64::MAX,
            spend_today_wei: 300,
            calls: 1,
        };
        let small = CallBilled {
            api: String::from("a"),
            billed_wei: 0,
            remaining_credit_wei: 0,
            calls_today: 0,
            spend_today_wei: 0,
            calls: 0,
            ..big.clone()
        };
        [big, small]
    }

    #[test]
    fn call_billed_written_directly_is_what_its_event_encodes_to() {
        for event in call_billed_examples() {
            let general = Event::from(event.clone());
            assert_eq!(call_billed_request(&event), emit_event_request(&general));
            assert_eq!(event.encode(), calldata::encode_event(&general));
        }
    }

    #[test]
    fn a_receipt_written_directly_is_what_its_value_encodes_to() {
        let big = crate::Receipt {
            billed_wei: u128::MAX,
            calls_remaining_today: u64::MAX,
            calls_today: 3,
            remaining_credit_wei: 1 << 90,
            resets_at: 1_767_225_600,
            spend_remaining_today_wei: 0,
            spend_today_wei: 127,
        };
        let small = crate::Receipt { billed_wei: 0, calls_remaining_today: 0, ..big };
        for receipt in [big, small] {
            assert_eq!(receipt.encode(), calldata::encode(&receipt.to_value()));
            assert_eq!(receipt_return_request(&receipt), return_request(&receipt.to_value()));
        }
    }

    #[test]
    fn a_report_written_in_place_is_what_its_value_encodes_to() {
        for len in [0, 3, 200, 70_000] {
            let document = "{".repeat(len);
            let mut json = crate::json::Json::with_capacity(0);
            json.str(&document);
            let mut text = json.finish();
            let quoted = alloc::format!("\"{document}\"");
            assert_eq!(json_return_request(&mut text), return_request(&Value::Str(quoted)));
        }
    }

    #[test]
    fn the_panic_rollback_is_encoded_right() {
        let expected = calldata::encode(&Value::map([("Rollback", Value::from("contract panicked"))]));
        assert_eq!(PANIC_ROLLBACK, expected.as_slice());
    }

    #[test]
    fn the_refusal_line_carries_the_code_and_details() {
        let line = refusal_log_line(&Error::DailyCallLimit { attempted_calls: 6, max_calls: 5 });
        assert_eq!(
            line,
            "[Refused] code=daily_call_limit reason=daily_call_limit attempted_calls=6 max_calls=5\n"
        );
        let wide = refusal_log_line(&Error::DailySpendLimit {
            attempted_spend: crate::Int::sum(u128::MAX, 1),
            max_spend: 1,
        });
        assert!(wide.contains("attempted_spend=340282366920938463463374607431768211456"), "{wide}");
    }
}
