//! Crash safety of the sandbox's store: killed at random moments during a long `run`, the state is
//! exactly the state after some prefix of the script's calls, never half a call, and every line it
//! printed is a call of that prefix; a truncated or corrupt state file gets a clear error.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use api_usage_billing::{Address, Value};
use billing_chain::CONTRACT;
use billing_chain::{Abi, Chain};

mod support;

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

type Snapshot = (Vec<(Vec<u8>, Vec<u8>)>, usize, Vec<(Address, u128)>, u64);

fn snapshot(chain: &Chain) -> Snapshot {
    let (storage, events) = chain.dump().unwrap();
    let overview = chain.overview().unwrap();
    (storage, events.len(), overview.balances, overview.calls)
}

/// The states after the first `k` calls of the script, for each `k` of `ks`, built in-process on
/// one fresh file (committing at each `k`).
fn expected_after(
    ks: &[usize],
    calls: &[(Address, u128, &'static str, Vec<Value>)],
    dir: &Path,
    wasm: &[u8],
) -> Vec<(usize, Snapshot)> {
    let mut ks = ks.to_vec();
    ks.sort_unstable();
    ks.dedup();
    let chain = Chain::open_with(&dir.join("expected.redb"), wasm, true, Abi::Billing).unwrap();
    let (mut done, mut out) = (0, Vec::new());
    for k in ks {
        let mut group = chain.begin_group().unwrap();
        for (sender, value, method, args) in &calls[done..k] {
            let report = group.call_to(CONTRACT, *sender, *value, None, method, args).unwrap();
            assert!(report.outcome.is_ok(), "{method}: {:?}", report.outcome);
        }
        group.commit().unwrap();
        done = k;
        out.push((k, snapshot(&chain)));
    }
    out
}

/// Runs the script on a fresh `state`, its output going to `stdout`; killed after `kill_after`
/// unless it ends first.
fn run_fresh(wasm: &Path, state: &Path, script: &Path, stdout: &Path, kill_after: Option<Duration>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
        .arg("--wasm")
        .arg(wasm)
        .arg("--state")
        .arg(state)
        .args(["run", "--fresh"])
        .arg(script)
        .stdout(std::fs::File::create(stdout).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    match kill_after {
        Some(delay) => {
            std::thread::sleep(delay);
            child.kill().unwrap();
            child.wait().unwrap();
        }
        None => assert!(child.wait().unwrap().success(), "the whole run failed"),
    }
}

#[test]
fn a_killed_run_leaves_the_state_of_a_prefix_of_its_calls_and_printed_only_committed_ones() {
    let dir = support::temp_dir("crash", "kill");
    let wasm = billing_artifact::billing_wasm().expect("the billing artifact builds");
    // Three groups of calls (a group commits at most GROUP_CALLS calls at once), the last one short.
    let group = billing_sandbox::script::GROUP_CALLS;
    let calls = script(2 * group + group / 2);
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
    // The whole run first: its output is what every killed run's printed lines must begin with,
    // and its length spreads the kill moments over a run on this machine.
    let full_out = dir.join("full.out");
    let started = std::time::Instant::now();
    run_fresh(&wasm_path, &state, &script_path, &full_out, None);
    let whole = started.elapsed();
    let full = std::fs::read_to_string(&full_out).unwrap();
    let full: Vec<&str> = full.lines().collect();
    assert_eq!(full.len(), calls.len(), "one line per call");
    // A deterministic spread of kill moments, from before the first commit to the end of the run;
    // BILLING_CRASH_ROUNDS=N runs N rounds at pseudo-random moments instead (a longer soak).
    let per_mille: Vec<u64> =
        match std::env::var("BILLING_CRASH_ROUNDS").ok().and_then(|n| n.parse::<u64>().ok()) {
            Some(rounds) => (0..rounds).map(|r| (r.wrapping_mul(2_654_435_761) >> 7) % 1_000).collect(),
            None => vec![20, 150, 300, 450, 600, 750, 900],
        };
    let mut kills = Vec::new();
    for (round, per_mille) in per_mille.into_iter().enumerate() {
        let out_path = dir.join(format!("round-{round}.out"));
        let delay = whole.mul_f64(per_mille as f64 / 1_000.0);
        run_fresh(&wasm_path, &state, &script_path, &out_path, Some(delay));
        let chain = Chain::open_with(&state, &wasm, false, Abi::Billing)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let after_kill = snapshot(&chain);
        drop(chain);
        let committed = after_kill.3 as usize;
        assert!(committed <= calls.len());
        let printed = std::fs::read_to_string(&out_path).unwrap();
        // A kill may cut the last line short: only whole lines were printed.
        let whole_lines = printed.matches('\n').count();
        let printed: Vec<&str> = printed.lines().take(whole_lines).collect();
        assert!(
            printed.len() <= committed,
            "round {round}: {} lines printed, only {committed} calls committed",
            printed.len()
        );
        assert_eq!(printed[..], full[..printed.len()], "round {round}: the printed lines are the run's");
        kills.push((round, committed, printed.len(), after_kill));
    }
    let ks: Vec<usize> = kills.iter().map(|kill| kill.1).collect();
    let expected = expected_after(&ks, &calls, &dir, &wasm);
    for (round, committed, _, after_kill) in &kills {
        let (_, state) = expected.iter().find(|(k, _)| k == committed).unwrap();
        assert!(
            after_kill == state,
            "round {round}: the state after the kill is not the state after {committed} calls"
        );
    }
    let seen: Vec<(usize, usize)> = kills.iter().map(|kill| (kill.1, kill.2)).collect();
    eprintln!("killed with (committed calls, printed lines): {seen:?}");
    assert!(ks.iter().any(|&k| k > 0 && k < calls.len()), "no kill landed mid-run: {seen:?}");
}

#[test]
fn truncated_and_corrupted_state_files_get_a_clear_error() {
    let dir = support::temp_dir("crash", "truncate");
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
