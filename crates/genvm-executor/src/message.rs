//! What the executor takes for one call and what it hands the contract: the JSON `--message`
//! (genvm `host/message.rs` `MessageData`), the entry calldata (the host's `get_calldata` answer), the
//! calldata message the contract reads on stdin (`wasi/genlayer_sdk.rs` `TransformedMessage`), and
//! the calls the executor cannot express at all.

use api_usage_billing::calldata;
use api_usage_billing::{Address, Value};

/// The chain id the sandbox's chains use (the wasmi GenVM host's message carries the same).
pub const CHAIN_ID: u64 = 61_127;

pub use api_usage_billing::genvm::{expressible, Inexpressible, LATEST_DATETIME, ZIP_V016_FROM};

/// The method call GenVM's node puts in `entry_data` (`gl/genvm_contracts.py _make_calldata_obj`):
/// `{"args": [...], "method": name}`, empty args left out, no method for the deploy call.
pub fn entry_data(method: Option<&str>, args: &[Value]) -> Vec<u8> {
    let mut entry = Vec::new();
    if !args.is_empty() {
        entry.push(("args".to_string(), Value::Array(args.to_vec())));
    }
    if let Some(method) = method {
        entry.push(("method".to_string(), Value::from(method)));
    }
    calldata::encode(&Value::Map(entry))
}

/// The executor's `--message` JSON: addresses in base64, `value` a u64 (a larger attached value is
/// [`Inexpressible`]: callers check [`expressible`] first).
pub fn json_message(
    contract: &Address,
    sender: &Address,
    origin: &Address,
    value: u64,
    timestamp: u64,
    is_init: bool,
) -> String {
    format!(
        "{{\"contract_address\":\"{}\",\"sender_address\":\"{}\",\"origin_address\":\"{}\",\"chain_id\":\"{CHAIN_ID}\",\"value\":{value},\"is_init\":{is_init},\"datetime\":\"{}\"}}",
        base64(&contract.0),
        base64(&sender.0),
        base64(&origin.0),
        rfc3339(timestamp)
    )
}

/// The calldata message genvm v0.1.8 hands the contract on stdin for that `--message` and entry
/// (`TransformedMessage`): `value` is always an int (0 when none was attached), `chain_id` an int.
pub fn stdin_message(
    contract: &Address,
    sender: &Address,
    origin: &Address,
    value: u64,
    timestamp: u64,
    method: Option<&str>,
    args: &[Value],
) -> Vec<u8> {
    calldata::encode(&Value::map([
        ("chain_id", Value::from(CHAIN_ID)),
        ("contract_address", Value::Address(*contract)),
        ("datetime", Value::Str(rfc3339(timestamp))),
        ("entry_data", Value::Bytes(entry_data(method, args))),
        ("entry_kind", Value::from(0u64)),
        ("entry_stage_data", Value::Null),
        ("is_init", Value::Bool(method.is_none())),
        ("origin_address", Value::Address(*origin)),
        ("sender_address", Value::Address(*sender)),
        ("stack", Value::Array(Vec::new())),
        ("value", Value::from(value)),
    ]))
}

/// `2026-01-01T00:00:00Z` for unix seconds: the message's `datetime` (the core writes it and reads
/// it back).
pub use api_usage_billing::genvm::protocol::rfc3339;

/// Standard base64 with padding (serde_with's `Base64`, which the executor's message reads).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk.first().copied(), chunk.get(1).copied(), chunk.get(2).copied()];
        let n = u32::from(b[0].unwrap_or(0)) << 16
            | u32::from(b[1].unwrap_or(0)) << 8
            | u32::from(b[2].unwrap_or(0));
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if b[1].is_some() { sextet(6) } else { '=' });
        out.push(if b[2].is_some() { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_and_base64_are_what_the_executor_parses() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(ZIP_V016_FROM), "2025-07-10T11:56:59Z");
        assert_eq!(rfc3339(1_709_208_000), "2024-02-29T12:00:00Z");
        assert_eq!(rfc3339(LATEST_DATETIME), "9999-12-31T23:59:59Z");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        // 20-byte addresses: 28 characters, as the message schema requires.
        assert_eq!(base64(&[0xc0; 20]).len(), 28);
    }

    #[test]
    fn the_message_names_every_field_genvm_requires() {
        let json = json_message(&Address([1; 20]), &Address([2; 20]), &Address([2; 20]), 7, 0, true);
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        for field in ["contract_address", "sender_address", "origin_address", "chain_id", "is_init"] {
            assert!(parsed.get(field).is_some(), "{field} in {json}");
        }
        assert_eq!(parsed["value"], 7);
        assert_eq!(parsed["chain_id"], "61127");
        assert_eq!(entry_data(None, &[]), [0x06]);
    }
}
