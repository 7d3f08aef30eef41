//! Small hand-written GenVM modules ("probes") that call one host function and return its errno as
//! the call's `Return` value, and the table of what genvm v0.1.8 answers each.

use api_usage_billing::calldata;
use api_usage_billing::genvm::protocol::event_topic;
use api_usage_billing::{Address, Value};

pub const ALICE: Address = Address([0xa1; 20]);
pub const SLOT: [u8; 32] = [0x5a; 32];

/// `bytes` as a WAT data string.
fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

pub fn request(kind: &str, body: Value) -> Vec<u8> {
    calldata::encode(&Value::Map(vec![(kind.to_string(), body)]))
}

/// A module whose `_start` runs `body`. Memory: the slot id at 0, "hello" at 64, `request` at 1024,
/// a `{"Return": 0}` reply at 4096 (its last byte patched by `$return_small`).
pub fn module(request: &[u8], body: &str) -> Vec<u8> {
    let ret = self::request("Return", Value::from(0u64));
    let text = format!(
        r#"(module
  (import "genlayer_sdk" "storage_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "genlayer_sdk" "storage_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "genlayer_sdk" "gl_call" (func $gl_call (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{slot}")
  (data (i32.const 64) "hello")
  (data (i32.const 1024) "{request}")
  (data (i32.const 4096) "{ret}")
  (func $request (result i32) (call $gl_call (i32.const 1024) (i32.const {request_len}) (i32.const 8192)))
  (func $write_hello (result i32) (call $write (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 5)))
  ;; Ends the call with Return(n), n < 16.
  (func $return_small (param $n i32)
    (i32.store8 (i32.const {last}) (i32.add (i32.shl (local.get $n) (i32.const 3)) (i32.const 1)))
    (drop (call $gl_call (i32.const 4096) (i32.const {ret_len}) (i32.const 8192)))
    unreachable)
  (func (export "_start") {body}))"#,
        slot = wat_bytes(&SLOT),
        request = wat_bytes(request),
        request_len = request.len(),
        ret = wat_bytes(&ret),
        ret_len = ret.len(),
        last = 4096 + ret.len() - 1,
    );
    wat::parse_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

pub fn zip(wasm: &[u8]) -> Vec<u8> {
    billing_artifact::genvm_archive(wasm)
}

/// A module that makes `call` and returns its errno.
pub fn probe(request: &[u8], call: &str) -> Vec<u8> {
    module(request, &format!("(call $return_small ({call}))"))
}

/// An `ApiRegistered` event (a kind the contract has, so both hosts can take it) with `topics`
/// copies of its topic.
pub fn event_request(topics: usize) -> Vec<u8> {
    event_with(vec![event_topic("ApiRegistered").to_vec(); topics])
}

pub fn event_with(topics: Vec<Vec<u8>>) -> Vec<u8> {
    request(
        "EmitEvent",
        Value::map([
            (
                "blob",
                Value::map([
                    ("api", Value::from("w")),
                    ("cost_per_call_wei", Value::from(1u64)),
                    ("daily_limit_calls", Value::from(1u64)),
                    ("operator", Value::Address(ALICE)),
                ]),
            ),
            ("topics", Value::Array(topics.into_iter().map(Value::Bytes).collect())),
        ]),
    )
}

pub fn send_request(value: u64, calldata: &[u8]) -> Vec<u8> {
    request(
        "EthSend",
        Value::map([
            ("address", Value::Address(ALICE)),
            ("calldata", Value::Bytes(calldata.to_vec())),
            ("value", Value::from(value)),
        ]),
    )
}

/// One probe: a module (a bare `.wasm`, run as a zip when `zip`), read-only or not, with the
/// contract holding 10 wei, and the errno genvm v0.1.8 answers. `wasmi` is the wasmi host's answer
/// where it differs by design (documented in /work/notes/genvm.md).
pub struct Probe {
    pub name: &'static str,
    pub wasm: Vec<u8>,
    pub zip: bool,
    pub readonly: bool,
    pub errno: u64,
    pub wasmi: Option<u64>,
}

pub fn probes() -> Vec<Probe> {
    let write = "call $write_hello";
    let p = |name, wasm, zip, readonly, errno| Probe { name, wasm, zip, readonly, errno, wasmi: None };
    let read =
        |index: i32| format!("call $read (i32.const 0) (i32.const {index}) (i32.const 64) (i32.const 5)");
    let write_at =
        |index: i32| format!("call $write (i32.const 0) (i32.const {index}) (i32.const 64) (i32.const 5)");
    vec![
        p("storage_write in a write call", probe(&[], write), false, false, 0),
        p("storage_write read-only", probe(&[], write), false, true, 6),
        p("storage_write past u32", probe(&[], &write_at(-2)), false, false, 2),
        p("storage_read read-only", probe(&[], &read(0)), false, true, 0),
        p("storage_read past u32", probe(&[], &read(-1)), false, false, 2),
        p("EmitEvent in a write call", probe(&event_request(1), "call $request"), true, false, 0),
        p("EmitEvent read-only", probe(&event_request(1), "call $request"), true, true, 0),
        p("EmitEvent, four topics", probe(&event_request(4), "call $request"), true, false, 0),
        p("EmitEvent, five topics", probe(&event_request(5), "call $request"), true, false, 2),
        p(
            "EmitEvent, a 31-byte topic",
            probe(&event_with(vec![vec![7; 31]]), "call $request"),
            true,
            false,
            2,
        ),
        Probe {
            wasmi: Some(2), // the wasmi host only takes the contract's own events
            ..p(
                "EmitEvent of an unknown kind",
                probe(&event_with(vec![vec![7; 32]]), "call $request"),
                true,
                false,
                0,
            )
        },
        Probe {
            wasmi: Some(0), // the wasmi host has no contract versions
            ..p(
                "EmitEvent in a bare wasm (v0.0.1)",
                probe(&event_request(1), "call $request"),
                false,
                false,
                2,
            )
        },
        p("EthSend within the balance", probe(&send_request(10, &[]), "call $request"), false, false, 0),
        p("EthSend above the balance", probe(&send_request(11, &[]), "call $request"), false, false, 7),
        p("EthSend of zero", probe(&send_request(0, &[]), "call $request"), false, false, 0),
        p("EthSend read-only", probe(&send_request(1, &[]), "call $request"), false, true, 6),
        Probe {
            wasmi: Some(2), // Host::send_value carries no calldata
            ..p("EthSend with calldata", probe(&send_request(1, &[1]), "call $request"), false, false, 0)
        },
        p(
            "EthSend with an extra field",
            probe(&with_extra(send_request(1, &[])), "call $request"),
            false,
            false,
            2,
        ),
        p(
            "EmitEvent with an extra field",
            probe(&with_extra(event_request(1)), "call $request"),
            true,
            false,
            2,
        ),
        p("EthSend of more than u128", probe(&send_wide(), "call $request"), false, false, 7),
        p("EthSend of a negative value", probe(&send_negative(), "call $request"), false, false, 2),
        p("gl_call with undecodable calldata", probe(&[0xff], "call $request"), false, false, 2),
        p(
            "gl_call with an unknown request",
            probe(&request("Nope", Value::Null), "call $request"),
            false,
            false,
            2,
        ),
        p(
            "Rollback with a non-string",
            probe(&request("Rollback", Value::from(1u64)), "call $request"),
            false,
            false,
            2,
        ),
    ]
}

/// The request with one more field in its body.
fn with_extra(request: Vec<u8>) -> Vec<u8> {
    let Ok(Value::Map(mut outer)) = calldata::decode(&request) else { panic!("a request") };
    if let Some((_, Value::Map(body))) = outer.first_mut() {
        body.push(("zzz".to_string(), Value::Null));
    }
    calldata::encode(&Value::Map(outer))
}

fn send_value(value: Value) -> Vec<u8> {
    request(
        "EthSend",
        Value::map([
            ("address", Value::Address(ALICE)),
            ("calldata", Value::Bytes(Vec::new())),
            ("value", value),
        ]),
    )
}

fn send_wide() -> Vec<u8> {
    send_value(Value::Int(api_usage_billing::Int::sum(u128::MAX, 1)))
}

fn send_negative() -> Vec<u8> {
    send_value(Value::Int(api_usage_billing::Int::from_le_bytes(true, &[0])))
}
