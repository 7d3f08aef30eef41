//! The outbound imports (`origin`, `call_contract`, `http_get`, `result_size`, `result_read`) on a
//! host without other contracts, the mock chain's: no contract to call, no fetch allowed, and a
//! contract that reads either answer back as calldata.

use api_usage_billing::calldata;
use api_usage_billing::{Host, Value};
use billing_chain_core::Tx;
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

/// The largest single allocation this thread made since [`largest_since`] last reset it.
mod allocations {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static LARGEST: Cell<usize> = const { Cell::new(0) };
    }

    fn saw(size: usize) {
        let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
    }

    /// The system allocator, remembering the largest request of each thread.
    pub struct Counting;

    // SAFETY: every call is passed on to the system allocator unchanged; the count touches only a
    // const-initialized thread-local cell, which never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            saw(layout.size());
            // SAFETY: the caller's contract for `alloc`, passed on.
            unsafe { System.alloc(layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            saw(layout.size());
            // SAFETY: the caller's contract for `alloc_zeroed`, passed on.
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: the caller's contract for `dealloc`, passed on.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            saw(new_size);
            // SAFETY: the caller's contract for `realloc`, passed on.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    /// Runs `f`; the largest allocation it made on this thread.
    pub fn largest_in<T>(f: impl FnOnce() -> T) -> (T, usize) {
        LARGEST.with(|largest| largest.set(0));
        let out = f();
        (out, LARGEST.with(Cell::get))
    }
}

#[global_allocator]
static ALLOCATOR: allocations::Counting = allocations::Counting;

#[test]
fn a_url_or_arguments_past_memory_trap_before_the_host_allocates_their_length() {
    const HUGE: &str = r#"
    (module
      (import "billing" "http_get" (func $get (param i32 i32) (result i32)))
      (import "billing" "call_contract" (func $call (param i32 i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "url") (drop (call $get (i32.const 65000) (i32.const 2000))))
      (func (export "method") (drop (call $call (i32.const 0) (i32.const 0) (i32.const -1) (i32.const 0) (i32.const 0))))
      (func (export "args") (drop (call $call (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const -16)))))
    "#;
    let contract: WasmContract<Tx> = WasmContract::load(&wat::parse_str(HUGE).unwrap()).unwrap();
    for export in ["url", "method", "args"] {
        let ((_, ending, _), largest) =
            allocations::largest_in(|| contract.call(Tx::default(), export, Vec::new()));
        assert!(
            matches!(&ending, Ending::Trapped(why) if why.contains("out of bounds")),
            "{export}: {ending:?}"
        );
        assert!(largest < 1 << 20, "{export}: the host allocated {largest} bytes");
    }
}

#[test]
fn a_url_past_the_limit_is_a_bad_url_never_read() {
    const LONG: &str = r#"
    (module
      (import "billing" "http_get" (func $get (param i32 i32) (result i32)))
      (import "billing" "result_size" (func $size (result i32)))
      (import "billing" "result_read" (func $read (param i32)))
      (import "billing" "return_output" (func $out (param i32 i32)))
      (memory (export "memory") 1)
      (func (export "go")
        (drop (call $get (i32.const 0) (i32.const -1)))
        (call $read (i32.const 0))
        (call $out (i32.const 0) (call $size))))
    "#;
    let contract: WasmContract<Tx> = WasmContract::load(&wat::parse_str(LONG).unwrap()).unwrap();
    let ((_, ending, _), largest) =
        allocations::largest_in(|| contract.call(Tx::default(), "go", Vec::new()));
    assert_eq!(returned(ending), Value::map([("error", Value::from("bad_url"))]));
    assert!(largest < 1 << 20, "the host allocated {largest} bytes");
}

#[test]
fn the_host_charges_fuel_for_what_it_copies_so_a_loop_of_huge_calls_runs_out() {
    // 256 calls with 32 MiB of arguments each (the whole memory): 8 GiB to copy, were it free.
    const FLOOD: &str = r#"
    (module
      (import "billing" "call_contract" (func $call (param i32 i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 512)
      (func (export "go") (local $i i32)
        (loop $again
          (drop (call $call (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 33554432)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 256))))))
    "#;
    let contract: WasmContract<Tx> = WasmContract::load(&wat::parse_str(FLOOD).unwrap()).unwrap();
    let (_, ending, fuel) = contract.call(Tx::default(), "go", Vec::new());
    assert!(matches!(&ending, Ending::Trapped(why) if why.contains("fuel")), "{ending:?}");
    assert_eq!(fuel, billing_vm::billing::FUEL_LIMIT);
}
