//! Hand-written test contracts (WAT) for the outbound imports, and a chain to deploy them on.

#![allow(dead_code)]

use std::path::PathBuf;

use api_usage_billing::calldata;
use api_usage_billing::{Address, Event, Value};
use billing_chain::{contract_address, Abi, Chain, Vm};

/// Where a contract keeps the answer it read back (`result_read`).
const RESULT: u32 = 32768;
/// A byte of scratch for the status code it got.
const RC: u32 = 30100;

/// The account that deploys every test contract.
pub const DEPLOYER: Address = Address([0xd0; 20]);
/// The end user who sends the transactions.
pub const USER: Address = Address([0xee; 20]);
/// Where a callee sends value.
pub const PAYEE: Address = Address([0x5a; 20]);

/// A test contract: data segments laid out one after another, and exports of WAT text.
#[derive(Default)]
pub struct Wat {
    data: Vec<(u32, Vec<u8>)>,
    funcs: String,
    /// What the deploy call (`init`) runs: nothing by default.
    init: String,
}

fn escaped(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

impl Wat {
    /// `bytes` in memory: (offset, length).
    pub fn put(&mut self, bytes: &[u8]) -> (u32, u32) {
        let at = self.data.last().map_or(16, |(at, b)| (at + b.len() as u32 + 8) & !7);
        self.data.push((at, bytes.to_vec()));
        (at, bytes.len() as u32)
    }

    pub fn export(&mut self, name: &str, body: &str) -> &mut Wat {
        self.funcs.push_str(&format!("(func (export \"{name}\") (local $rc i32) (local $i i32) {body})\n"));
        self
    }

    /// `init`'s body.
    pub fn init(&mut self, body: &str) -> &mut Wat {
        self.init = body.to_string();
        self
    }

    pub fn wasm(&self) -> Vec<u8> {
        let mut text = String::from(
            r#"(module
  (import "billing" "storage_write" (func $sw (param i32 i32 i32 i32)))
  (import "billing" "emit_event" (func $ev (param i32 i32)))
  (import "billing" "return_output" (func $out (param i32 i32)))
  (import "billing" "revert" (func $revert (param i32 i32)))
  (import "billing" "send_value" (func $send (param i32 i32)))
  (import "billing" "sender" (func $sender (param i32)))
  (import "billing" "origin" (func $origin (param i32)))
  (import "billing" "call_contract" (func $call (param i32 i32 i32 i32 i32) (result i32)))
  (import "billing" "http_get" (func $get (param i32 i32) (result i32)))
  (import "billing" "result_size" (func $size (result i32)))
  (import "billing" "result_read" (func $read (param i32)))
  (memory (export "memory") 2)
"#,
        );
        text.push_str(&format!("  (func (export \"init\") (local $rc i32) (local $i i32) {})\n", self.init));
        for (at, bytes) in &self.data {
            text.push_str(&format!("  (data (i32.const {at}) \"{}\")\n", escaped(bytes)));
        }
        text.push_str(&self.funcs);
        text.push(')');
        wat::parse_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    // Statements, as WAT text.

    pub fn write(&mut self, key: &str, value: &[u8]) -> String {
        let (k, kl) = self.put(key.as_bytes());
        let (v, vl) = self.put(value);
        format!("(call $sw (i32.const {k}) (i32.const {kl}) (i32.const {v}) (i32.const {vl}))")
    }

    pub fn emit(&mut self, event: &Event) -> String {
        let (at, len) = self.put(&calldata::encode(&event.to_value()));
        format!("(call $ev (i32.const {at}) (i32.const {len}))")
    }

    pub fn send(&mut self, to: Address, amount: u128) -> String {
        let (a, _) = self.put(&to.0);
        let (v, _) = self.put(&amount.to_le_bytes());
        format!("(call $send (i32.const {a}) (i32.const {v}))")
    }

    pub fn ret(&mut self, value: &Value) -> String {
        let (at, len) = self.put(&calldata::encode(value));
        format!("(call $out (i32.const {at}) (i32.const {len}))")
    }

    pub fn revert(&mut self, code: &str) -> String {
        let refusal = Value::map([
            ("code", Value::from(code)),
            ("details", Value::map([("why", Value::from("test"))])),
            ("message", Value::from("[EXPECTED] refused on purpose")),
        ]);
        let (at, len) = self.put(&calldata::encode(&refusal));
        format!("(call $revert (i32.const {at}) (i32.const {len}))")
    }

    /// `call_contract(to, method, [])`, its status code kept in `$rc` and stored under `rc`, its
    /// answer stored under `result`.
    pub fn call(&mut self, to: Address, method: &str) -> String {
        let (a, _) = self.put(&to.0);
        let (m, ml) = self.put(method.as_bytes());
        let (args, al) = self.put(&calldata::encode(&Value::Array(Vec::new())));
        let keep = self.keep_answer();
        format!(
            "(local.set $rc (call $call (i32.const {a}) (i32.const {m}) (i32.const {ml}) (i32.const {args}) (i32.const {al}))) {keep}"
        )
    }

    /// `http_get(url)`, kept as [`Wat::call`] keeps its answer.
    pub fn get(&mut self, url: &str) -> String {
        let (u, ul) = self.put(url.as_bytes());
        let keep = self.keep_answer();
        format!("(local.set $rc (call $get (i32.const {u}) (i32.const {ul}))) {keep}")
    }

    fn keep_answer(&mut self) -> String {
        let (rc, rcl) = self.put(b"rc");
        let (r, rl) = self.put(b"result");
        format!(
            "(i32.store8 (i32.const {RC}) (local.get $rc)) \
             (call $sw (i32.const {rc}) (i32.const {rcl}) (i32.const {RC}) (i32.const 1)) \
             (call $read (i32.const {RESULT})) \
             (call $sw (i32.const {r}) (i32.const {rl}) (i32.const {RESULT}) (call $size))"
        )
    }

    /// Returns the latest answer as the export's output.
    pub fn ret_answer(&self) -> String {
        format!("(call $out (i32.const {RESULT}) (call $size))")
    }

    /// Stores the caller's `sender` and `origin` under those keys.
    pub fn who(&mut self) -> String {
        let (s, sl) = self.put(b"sender");
        let (o, ol) = self.put(b"origin");
        format!(
            "(call $sender (i32.const 30000)) (call $origin (i32.const 30020)) \
             (call $sw (i32.const {s}) (i32.const {sl}) (i32.const 30000) (i32.const 20)) \
             (call $sw (i32.const {o}) (i32.const {ol}) (i32.const 30020) (i32.const 20))"
        )
    }
}

/// A fresh billing-ABI chain in a directory of its own.
pub fn chain(name: &str) -> (Chain, PathBuf) {
    let dir = std::env::temp_dir().join(format!("billing-chain-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = billing_artifact::billing_wasm().expect("the billing artifact builds");
    let chain = Chain::open(&dir.join("state.redb"), &wasm, true).unwrap();
    (chain, dir)
}

/// A fresh billing-ABI chain in memory: the same chain, no file.
pub fn memory_chain() -> Chain {
    let wasm = billing_artifact::billing_wasm().expect("the billing artifact builds");
    Chain::in_memory(&wasm, Abi::Billing, &Vm::Wasmi).unwrap()
}

/// The address of the deployer's `n`-th contract (from 0).
pub fn nth(n: u64) -> Address {
    contract_address(&DEPLOYER, n)
}

/// Deploys `wasm` with `value`; it must land at `nth(n)`.
pub fn deploy(chain: &Chain, n: u64, wasm: &[u8], value: u128) -> Address {
    let report = chain.deploy(DEPLOYER, value, None, wasm, &[]).unwrap();
    assert_eq!(report.contract, Some(nth(n)), "{report:?}");
    nth(n)
}

/// A contract's storage entry in the chain's dump.
pub fn stored(chain: &Chain, contract: Address, key: &str) -> Option<Vec<u8>> {
    let dump = chain.state_dump().unwrap();
    let (_, storage) = dump.deployed.iter().find(|(a, _)| *a == contract)?;
    storage.iter().find(|(k, _)| k == key.as_bytes()).map(|(_, v)| v.clone())
}

/// The calldata a contract stored under `result`.
pub fn stored_answer(chain: &Chain, contract: Address) -> Value {
    calldata::decode(&stored(chain, contract, "result").expect("an answer stored")).unwrap()
}

pub fn code_of(value: &Value) -> Option<&str> {
    value.get("code").and_then(Value::as_str)
}
