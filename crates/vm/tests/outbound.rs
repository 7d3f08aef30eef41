//! The outbound imports (`origin`, `call_contract`, `http_get`, `result_size`, `result_read`) on a
//! host without other contracts, the mock chain's: no contract to call, no fetch allowed, and a
//! contract that reads either answer back as calldata.

use api_usage_billing::calldata;
use api_usage_billing::testing::Tx;
use api_usage_billing::{Host, Value};
use billing_vm::billing::{Ending, WasmContract};

/// Exports `call` (calls method `ping` at the zero address), `fetch` (GETs a URL) and `who`
/// (returns `origin`); each returns the result buffer, after checking the import's status code.
const PROBE: &str = r#"
(module
  (import "billing" "origin" (func $origin (param i32)))
  (import "billing" "call_contract" (func $call (param i32 i32 i32 i32 i32) (result i32)))
  (import "billing" "http_get" (func $get (param i32 i32) (result i32)))
  (import "billing" "result_size" (func $size (result i32)))
  (import "billing" "result_read" (func $read (param i32)))
  (import "billing" "return_output" (func $out (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "ping")
  (data (i32.const 64) "http://127.0.0.1:1/x")
  (func $answer
    (call $read (i32.const 1024))
    (call $out (i32.const 1024) (call $size)))
  (func (export "call")
    (if (i32.ne (call $call (i32.const 0) (i32.const 32) (i32.const 4) (i32.const 96) (i32.const 0)) (i32.const 1))
      (then unreachable))
    (call $answer))
  (func (export "fetch")
    (if (i32.ne (call $get (i32.const 64) (i32.const 20)) (i32.const 1)) (then unreachable))
    (call $answer))
  (func (export "who")
    (call $origin (i32.const 0))
    (call $out (i32.const 0) (i32.const 20))))
"#;

fn probe() -> WasmContract<Tx> {
    WasmContract::load(&wat::parse_str(PROBE).expect("the probe is valid WAT")).expect("the probe loads")
}

fn returned(ending: Ending) -> Value {
    match ending {
        Ending::Returned(Some(bytes)) => calldata::decode(&bytes).expect("the answer is calldata"),
        other => panic!("expected a return, got {other:?}"),
    }
}

#[test]
fn a_call_to_another_contract_on_the_mock_chain_is_refused_as_unknown_contract() {
    let (_, ending, fuel) = probe().call(Tx::default(), "call", Vec::new());
    let answer = returned(ending);
    assert_eq!(answer.get("code").and_then(Value::as_str), Some("unknown_contract"));
    let message = answer.get("message").and_then(Value::as_str).unwrap_or_default();
    assert!(message.starts_with("[EXPECTED] there is no contract at 0x0000"), "{message}");
    assert_eq!(answer.get("details"), Some(&Value::Map(Vec::new())));
    assert!(fuel > 0);
}

#[test]
fn a_fetch_on_the_mock_chain_is_not_allowed() {
    let (_, ending, _) = probe().call(Tx::default(), "fetch", Vec::new());
    assert_eq!(returned(ending), Value::map([("error", Value::from("not_allowed"))]));
}

#[test]
fn origin_is_the_sender_at_the_top_level() {
    let tx = Tx::default();
    let sender = tx.sender();
    let (_, ending, _) = probe().call(tx, "who", Vec::new());
    assert_eq!(ending, Ending::Returned(Some(sender.0.to_vec())));
}

#[test]
fn reading_the_result_past_memory_traps() {
    const BAD: &str = r#"
    (module
      (import "billing" "http_get" (func $get (param i32 i32) (result i32)))
      (import "billing" "result_read" (func $read (param i32)))
      (memory (export "memory") 1)
      (func (export "go")
        (drop (call $get (i32.const 0) (i32.const 4)))
        (call $read (i32.const 65534))))
    "#;
    let contract: WasmContract<Tx> = WasmContract::load(&wat::parse_str(BAD).unwrap()).unwrap();
    let (_, ending, _) = contract.call(Tx::default(), "go", Vec::new());
    assert!(matches!(&ending, Ending::Trapped(why) if why.contains("out of bounds")), "{ending:?}");
}

#[test]
fn a_url_or_arguments_past_memory_trap() {
    const HUGE: &str = r#"
    (module
      (import "billing" "http_get" (func $get (param i32 i32) (result i32)))
      (import "billing" "call_contract" (func $call (param i32 i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "url") (drop (call $get (i32.const 0) (i32.const -1))))
      (func (export "args") (drop (call $call (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const -16)))))
    "#;
    let contract: WasmContract<Tx> = WasmContract::load(&wat::parse_str(HUGE).unwrap()).unwrap();
    for export in ["url", "args"] {
        let (_, ending, _) = contract.call(Tx::default(), export, Vec::new());
        assert!(
            matches!(&ending, Ending::Trapped(why) if why.contains("out of bounds")),
            "{export}: {ending:?}"
        );
    }
}
