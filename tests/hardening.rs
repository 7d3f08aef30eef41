//! Regressions of the adversarial review (issue 12) that only the native build can show: what a call
//! allocates, the deploy on fresh and old state, GenVM's message dispatch and its datetime.

use std::process::Command;
use std::rc::Rc;

use api_usage_billing::genvm::protocol::{rfc3339_seconds, Message};
use api_usage_billing::genvm::{run_message, GET_SCHEMA};
use api_usage_billing::{calldata, execute, execute_calldata, instantiate, Address, Error, Host, Value};
use billing_chain::{MockChain, Native, Tx};

/// Set in the child process a memory test re-runs itself in.
const MEASURING: &str = "BILLING_HARDENING_MEASURING";

/// One field of `/proc/self/status`, in bytes (Linux; `None` elsewhere).
fn status_bytes(field: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field) && line[field.len()..].starts_with(':'))?;
    let kib: usize = line[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// Memory is measured from the outside of the process, without touching the allocator: the peak of
/// resident memory (`VmHWM`, reset through `/proc/self/clear_refs` just before the call) and how far
/// the call pushed the peak of the address space (`VmPeak`, which any reservation raises, touched or
/// not). Each memory test runs alone in a child process of this test binary (`in_own_process`), so no
/// other test's allocations count. Returns the result and the larger of the two, in bytes (`None` where
/// the system gives no such figures).
fn measure<T>(f: impl FnOnce() -> T) -> (T, Option<usize>) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = (status_bytes("VmRSS"), status_bytes("VmPeak"));
    let result = f();
    let after = (status_bytes("VmHWM"), status_bytes("VmPeak"));
    let peak = match (reset, before, after) {
        (true, (Some(rss), Some(peak_before)), (Some(hwm), Some(peak_after))) => {
            Some(hwm.saturating_sub(rss).max(peak_after.saturating_sub(peak_before)))
        }
        _ => None,
    };
    (result, peak)
}

/// Asserts `peak` is within `bound` where it was measured.
fn within(what: &str, peak: Option<usize>, bound: usize) {
    if let Some(peak) = peak {
        assert!(peak <= bound, "{what}: {peak} bytes (bound {bound})");
        eprintln!("{what}: peak {peak} bytes");
    }
}

/// True in the process that measures. Called first by a memory test: in the test run itself it re-runs
/// that one test, alone and on one thread, in a child process (with the measurements on) and requires
/// it to pass, then runs the assertions on behaviour here too; on a system without `/proc` it says so.
fn in_own_process(test: &str) -> bool {
    if std::env::var_os(MEASURING).is_some() {
        return true;
    }
    if status_bytes("VmPeak").is_none() {
        println!("skipped: no /proc/self/status to measure memory with ({test}'s behaviour still checked)");
        return false;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let output = Command::new(exe)
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(MEASURING, "1")
        .output()
        .expect("the test binary runs");
    assert!(
        output.status.success(),
        "{test}, measured alone: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    false
}

const ALICE: Address = Address([0xa1; 20]);

/// A chain with nothing deployed, for deploy calls of our own.
fn undeployed() -> MockChain {
    MockChain::with_executor(Rc::new(Native), |_| Ok(Value::Null))
}

fn deployed_tx(sender: Address, value: u128) -> Tx {
    MockChain::new().transaction(sender, value)
}

fn uleb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let group = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(group);
            return;
        }
        out.push(group | 0x80);
    }
}

/// Issue 12, item 2: the decoder reserved whatever count the input claimed, at each of 65 nesting
/// levels (a 1 MB input made the host commit about 1.5 GiB before `invalid calldata`).
#[test]
fn calldata_counts_never_drive_preallocation() {
    let measuring = in_own_process("calldata_counts_never_drive_preallocation");
    const MB: usize = 1 << 20;
    // 64 nested arrays, each claiming as many items as the input has bytes left, then nulls.
    let mut nested = Vec::new();
    for _ in 0..64 {
        uleb(((MB - nested.len() - 8) as u64) << 3 | 5, &mut nested);
    }
    nested.resize(MB, 0);
    // A count larger than the rest can hold is refused at once.
    let mut claims = Vec::new();
    for _ in 0..65 {
        uleb((u64::from(u32::MAX)) << 3 | 5, &mut claims);
    }
    claims.resize(MB, 0);
    // One array of a million nulls, and a map claiming more entries than the rest holds at 2 bytes each.
    let mut nulls = Vec::new();
    uleb(((MB - 4) as u64) << 3 | 5, &mut nulls);
    nulls.resize(MB, 0);
    let mut map = Vec::new();
    uleb(((MB / 2) as u64) << 3 | 6, &mut map);
    map.resize(MB, 0);

    // Page-grained figures: at most the input's size where the defect reserved gigabytes.
    for (what, input, bound) in [
        ("claims beyond the input", &claims, MB),
        ("a map claiming too much", &map, MB),
        ("nested claims", &nested, 2 * 48 * MB + 64 * 1024),
        ("a million nulls", &nulls, 2 * 48 * MB + 64 * 1024),
    ] {
        let (result, peak) = measure(|| calldata::decode(input).map(|_| ()));
        within(what, peak.filter(|_| measuring), bound);
        assert!(what == "a million nulls" || result == Err(Error::InvalidCalldata), "{what}: {result:?}");
    }
    // The bound docs/ABI.md states: at most 96 bytes of heap per input byte, plus 64 KiB.
    assert!(std::mem::size_of::<Value>() <= 48, "docs/ABI.md's bound assumes a 48-byte Value");
}

/// Issue 12, small items: an oversized name cost 40-60 fuel per byte before its refusal. It is
/// refused on its length, before it is validated, copied or scanned: natively, through calldata, and
/// in a GenVM message.
#[test]
fn a_1_mb_name_is_refused_before_any_per_byte_work() {
    let measuring = in_own_process("a_1_mb_name_is_refused_before_any_per_byte_work");
    // A copy of the name would touch 1 MB; a refusal uses a few pages (under 512 KiB).
    const BOUND: usize = 512 * 1024;
    let name = Value::from("w".repeat(1 << 20));
    let args = [name.clone(), Value::from(1), Value::from(1)];
    let mut tx = deployed_tx(ALICE, 0);
    let (result, peak) = measure(|| execute(&mut tx, "register_api", &args));
    assert_eq!(result, Err(calldata::too_long()));
    within("a 1 MB name", peak.filter(|_| measuring), BOUND);
    let bill = [name, Value::from(ALICE)];
    let (result, peak) = measure(|| execute(&mut tx, "consume_credit", &bill));
    assert_eq!(result, Err(calldata::too_long()));
    within("a 1 MB name", peak.filter(|_| measuring), BOUND);
    // Through calldata the decoder refuses on the string's header: no copy.
    let input = calldata::encode(&Value::Array(args.to_vec()));
    let (result, peak) = measure(|| execute_calldata(&mut tx, "register_api", &input));
    assert_eq!(result, Err(calldata::too_long()));
    within("a 1 MB name in calldata", peak.filter(|_| measuring), BOUND);
    // Up to 256 bytes the name rule answers, also without copying.
    let (result, peak) =
        measure(|| execute(&mut tx, "register_api", &[Value::from("w".repeat(257)), 1.into(), 1.into()]));
    assert_eq!(result, Err(Error::InvalidApiName));
    within("a 257-byte name", peak.filter(|_| measuring), BOUND);
    assert!(calldata::too_long().message().contains(&calldata::MAX_ARGUMENT_TEXT.to_string()));
}

/// Issue 12, item 5: a deploy takes no value.
#[test]
fn a_deploy_with_value_attached_is_not_payable() {
    let chain = undeployed();
    let mut tx = chain.transaction(ALICE, 5);
    assert_eq!(instantiate(&mut tx), Err(Error::NotPayable));
    assert!(tx.store.pending.is_empty(), "a refused deploy wrote");
    let mut tx = chain.transaction(ALICE, 0);
    assert_eq!(instantiate(&mut tx), Ok(()));
    assert_eq!(tx.storage_peek(api_usage_billing::STATE_VERSION_KEY), Some(vec![3, 0, 0, 0]));
}

/// Issue 12, item 5: `init` runs once; after deploy it is refused as an unknown method is, with or
/// without value.
#[test]
fn init_runs_once() {
    assert_eq!(instantiate(&mut deployed_tx(ALICE, 0)), Err(Error::UnknownMethod));
    assert_eq!(instantiate(&mut deployed_tx(ALICE, 5)), Err(Error::UnknownMethod));
}

/// Issue 12, item 3 (version bump): state of layout version 1 is refused with a clear error that
/// names no caller's mistake, never misread.
#[test]
fn a_deploy_on_version_1_state_is_refused_as_unsupported() {
    let mut tx = undeployed().transaction(ALICE, 0);
    tx.storage_set(api_usage_billing::STATE_VERSION_KEY, &[1, 0, 0, 0]);
    let refused = instantiate(&mut tx).unwrap_err();
    assert_eq!(refused, Error::UnsupportedStateVersion { found: 1, supported: 3 });
    // Version 2 (before delegate limits, alerts and credit notes) likewise.
    let mut tx = undeployed().transaction(ALICE, 0);
    tx.storage_set(api_usage_billing::STATE_VERSION_KEY, &[2, 0, 0, 0]);
    assert_eq!(instantiate(&mut tx), Err(Error::UnsupportedStateVersion { found: 2, supported: 3 }));
    assert_eq!(refused.code(), "unsupported_state_version");
    assert!(refused.message().contains("fresh"), "{}", refused.message());
    assert!(!refused.message().starts_with("[EXPECTED]"));
}

fn message(method: Option<&str>, value: u128, is_init: bool) -> Message {
    Message {
        sender: ALICE,
        value,
        timestamp: billing_chain::GENESIS_TIME,
        is_init,
        method: method.map(String::from),
        args: Vec::new(),
    }
}

/// Issue 12, item 5: on GenVM, `#get-schema` skipped the payable check and kept attached value.
#[test]
fn genvm_get_schema_with_value_is_not_payable() {
    let mut tx = deployed_tx(ALICE, 5);
    assert_eq!(run_message(&mut tx, &message(Some(GET_SCHEMA), 5, false)), Err(Error::NotPayable));
    let mut tx = deployed_tx(ALICE, 0);
    let schema = run_message(&mut tx, &message(Some(GET_SCHEMA), 0, false)).unwrap();
    assert_eq!(schema, Value::from(api_usage_billing::schema::CONTRACT_SCHEMA));
    assert_eq!(run_message(&mut tx, &message(None, 0, false)), Err(Error::UnknownMethod));
    let view = message(Some("consumer_integration_example"), 0, false);
    assert_eq!(run_message(&mut tx, &view), Ok(Value::from(api_usage_billing::INTEGRATION_EXAMPLE)));
}

/// Issue 12, item 5: a GenVM deploy message runs the constructor whatever method it names (as
/// GenLayer's runner does), refuses value, and runs once.
#[test]
fn a_genvm_deploy_runs_the_constructor_whatever_it_names_refuses_value_and_runs_once() {
    let chain = undeployed();
    let mut tx = chain.transaction(ALICE, 7);
    assert_eq!(run_message(&mut tx, &message(Some("withdraw_credit"), 7, true)), Err(Error::NotPayable));
    let mut tx = chain.transaction(ALICE, 0);
    assert_eq!(run_message(&mut tx, &message(Some("withdraw_credit"), 0, true)), Ok(Value::Null));
    assert_eq!(tx.effects.writes, 1, "the deploy writes the version and nothing else");
    let mut again = deployed_tx(ALICE, 0);
    assert_eq!(run_message(&mut again, &message(None, 0, true)), Err(Error::UnknownMethod));
    let mut with_args = message(None, 0, true);
    with_args.args.push(Value::from(1));
    let refused = run_message(&mut chain.transaction(ALICE, 0), &with_args).unwrap_err();
    assert_eq!(refused.code(), "invalid_arguments");
}

/// Issue 12, small items: a leap second used to count on the next day.
#[test]
fn a_leap_second_counts_on_the_day_it_is_written_in() {
    let leap = rfc3339_seconds("2026-12-31T23:59:60Z").unwrap();
    assert_eq!(Some(leap), rfc3339_seconds("2026-12-31T23:59:59Z"));
    assert_eq!(
        leap / api_usage_billing::SECONDS_PER_DAY,
        rfc3339_seconds("2026-12-31T00:00:00Z").unwrap() / 86_400
    );
    assert_eq!(rfc3339_seconds("2026-12-31T23:59:60.5+00:00"), Some(leap));
    assert_eq!(rfc3339_seconds("2026-12-31T23:59:61Z"), None);
}

/// The same on GenVM: `entry_data` is read in place, not copied, and its arguments are refused on
/// the name's length.
#[test]
fn a_genvm_message_with_a_1_mb_name_is_refused_on_its_length() {
    let measuring = in_own_process("a_genvm_message_with_a_1_mb_name_is_refused_on_its_length");
    let entry = Value::map([
        ("args", Value::Array(vec![Value::from("w".repeat(1 << 20)), 1.into(), 1.into()])),
        ("method", Value::from("register_api")),
    ]);
    let message = Value::map([
        ("datetime", Value::from("2026-01-01T00:00:00Z")),
        ("entry_data", Value::Bytes(calldata::encode(&entry))),
        ("sender_address", Value::from(ALICE)),
    ]);
    let bytes = calldata::encode(&message);
    let (result, peak) = measure(|| api_usage_billing::genvm::protocol::parse_message(&bytes));
    assert_eq!(result, Err(calldata::too_long()));
    within("a GenVM message with a 1 MB name", peak.filter(|_| measuring), 512 * 1024);
}

/// `entry_data` read in place is still checked: missing or not bytes is `invalid_calldata`.
#[test]
fn a_genvm_message_without_entry_bytes_is_invalid_calldata() {
    use api_usage_billing::genvm::protocol::parse_message;
    let entry = calldata::encode(&Value::map([("method", Value::from("get_schema"))]));
    let with = |entry_data: Option<Value>| {
        let mut fields =
            vec![("datetime", Value::from("2026-01-01T00:00:00Z")), ("sender_address", Value::from(ALICE))];
        fields.extend(entry_data.map(|value| ("entry_data", value)));
        parse_message(&calldata::encode(&Value::map(fields)))
    };
    assert_eq!(with(None).unwrap_err(), Error::InvalidCalldata);
    assert_eq!(with(Some(Value::from("not bytes"))).unwrap_err(), Error::InvalidCalldata);
    let message = with(Some(Value::Bytes(entry))).unwrap();
    assert_eq!(message.method.as_deref(), Some("get_schema"));
    assert!(message.args.is_empty() && !message.is_init);
}

/// GenVM's v0.3 line sends the method under the empty key `""`; v0.1.8 under `"method"`. Both reach
/// the same entrypoint; a message naming it under both is malformed, as on every line.
#[test]
fn a_genvm_message_names_its_method_under_method_or_the_empty_key() {
    use api_usage_billing::genvm::protocol::parse_message;
    let message = |entry: Value| {
        parse_message(&calldata::encode(&Value::map([
            ("datetime", Value::from("2026-01-01T00:00:00Z")),
            ("entry_data", Value::Bytes(calldata::encode(&entry))),
            ("sender_address", Value::from(ALICE)),
        ])))
    };
    let args = || Value::Array(vec![Value::from("weather")]);
    let v018 = message(Value::map([("args", args()), ("method", Value::from("get_api_report"))])).unwrap();
    let v03 = message(Value::map([("", Value::from("get_api_report")), ("args", args())])).unwrap();
    assert_eq!(v018, v03);
    assert_eq!(v03.method.as_deref(), Some("get_api_report"));
    let both = Value::map([("", Value::from("a")), ("method", Value::from("a"))]);
    assert_eq!(message(both).unwrap_err(), Error::InvalidCalldata);
}
