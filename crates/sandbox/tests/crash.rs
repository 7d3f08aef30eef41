//! Crash safety of the sandbox's store: killed at random moments during a long `run`, the state is
//! exactly the state after some prefix of the script's calls, never half a call; a truncated or
//! corrupt state file gets a clear error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use api_usage_billing::{Address, Value};
use billing_chain::{Abi, Chain};

const OPERATOR: Address = Address([0x0a; 20]);

fn consumer(n: usize) -> Address {
    Address([0x40 + n as u8; 20])
}

/// A script whose every call succeeds and changes the state.
fn script(len: usize) -> Vec<(Address, u128, &'static str, Vec<Value>)> {
    let mut calls = vec![(OPERATOR, 0, "register_api", vec!["weather".into(), 1.into(), 1_000_000.into()])];
    for n in 0..4 {
        calls.push((
            consumer(n),
            10_000,
            "subscribe",
            vec!["weather".into(), 1_000_000.into(), 10_000.into()],
        ));
    }
    while calls.len() < len {
        let n = calls.len() % 4;
        calls.push((consumer(n), 0, "consume_credit", vec!["weather".into(), consumer(n).into()]));
    }
    calls
}

fn json_line(sender: &Address, value: u128, method: &str, args: &[Value]) -> String {
    let args: Vec<serde_json::Value> = args
        .iter()
        .map(|arg| match arg {
            Value::Int(_) => serde_json::Value::String(
                billing_sandbox::json::value_to_json(arg).as_str().unwrap().to_string(),
            ),
            other => billing_sandbox::json::value_to_json(other),
        })
        .collect();
    serde_json::json!({"sender": sender.to_hex(), "value": value.to_string(), "method": method, "args": args})
        .to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-crash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

type Snapshot = (Vec<(Vec<u8>, Vec<u8>)>, usize, Vec<(Address, u128)>, u64);

fn snapshot(chain: &Chain) -> Snapshot {
    let (storage, events) = chain.dump().unwrap();
    let overview = chain.overview().unwrap();
    (storage, events.len(), overview.balances, overview.calls)
}

/// The state after the first `k` calls of the script, built in-process on a fresh file.
fn expected_after(
    k: usize,
    calls: &[(Address, u128, &'static str, Vec<Value>)],
    dir: &Path,
    wasm: &[u8],
) -> Snapshot {
    let chain = Chain::open_with(&dir.join(format!("expected-{k}.redb")), wasm, true, Abi::Billing).unwrap();
    for (sender, value, method, args) in &calls[..k] {
        let report = chain.call(*sender, *value, None, method, args).unwrap();
        assert!(report.outcome.is_ok(), "{method}: {:?}", report.outcome);
    }
    snapshot(&chain)
}

#[test]
fn a_killed_run_leaves_the_state_of_a_prefix_of_its_calls() {
    let dir = temp_dir("kill");
    let wasm = billing_artifact::billing_wasm().expect("the billing artifact builds");
    let calls = script(600);
    let script_path = dir.join("script.jsonl");
    let mut file = std::fs::File::create(&script_path).unwrap();
    for (sender, value, method, args) in &calls {
        writeln!(file, "{}", json_line(sender, *value, method, args)).unwrap();
    }
    drop(file);
    let state = dir.join("state.redb");
    // The artifact as a file: each run loads it rather than asking cargo whether it is fresh.
    let wasm_path = dir.join("contract.wasm");
    std::fs::write(&wasm_path, &wasm).unwrap();
    let mut prefixes = Vec::new();
    // A deterministic spread of kill moments, from before the first commit to the middle of the run;
    // BILLING_CRASH_ROUNDS=N runs N rounds at pseudo-random moments instead (a longer soak).
    let delays: Vec<u64> =
        match std::env::var("BILLING_CRASH_ROUNDS").ok().and_then(|n| n.parse::<u64>().ok()) {
            Some(rounds) => (0..rounds).map(|r| 5 + (r.wrapping_mul(2_654_435_761) >> 7) % 400).collect(),
            None => vec![5, 40, 90, 150, 230, 320],
        };
    for (round, delay_ms) in delays.into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
            .arg("--wasm")
            .arg(&wasm_path)
            .arg("--state")
            .arg(&state)
            .args(["run", "--fresh"])
            .arg(&script_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let chain = Chain::open_with(&state, &wasm, false, Abi::Billing)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let after_kill = snapshot(&chain);
        drop(chain);
        let k = after_kill.3 as usize;
        assert!(k <= calls.len());
        let expected = expected_after(k, &calls, &dir, &wasm);
        assert!(
            after_kill == expected,
            "round {round}: the state after the kill is not the state after {k} calls"
        );
        prefixes.push(k);
    }
    eprintln!("killed after these many committed calls: {prefixes:?}");
    assert!(prefixes.iter().any(|&k| k > 0 && k < calls.len()), "no kill landed mid-run: {prefixes:?}");
}

#[test]
fn truncated_and_corrupted_state_files_get_a_clear_error() {
    let dir = temp_dir("truncate");
    let wasm = billing_artifact::billing_wasm().expect("the billing artifact builds");
    let state = dir.join("state.redb");
    {
        let chain = Chain::open_with(&state, &wasm, true, Abi::Billing).unwrap();
        for (sender, value, method, args) in script(40) {
            chain.call(sender, value, None, method, &args).unwrap();
        }
    }
    let bytes = std::fs::read(&state).unwrap();
    for (what, damaged) in [
        ("cut to half", bytes[..bytes.len() / 2].to_vec()),
        ("cut to 100 bytes", bytes[..100].to_vec()),
        ("header overwritten", [vec![0xff; 64], bytes[64..].to_vec()].concat()),
    ] {
        let path = dir.join("damaged.redb");
        std::fs::write(&path, &damaged).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
            .arg("--state")
            .arg(&path)
            .arg("state")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{what}: opened a damaged state");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(stderr.contains("not a readable sandbox state"), "{what}: {stderr}");
    }
}
