//! Damaged and contended state files: a flipped bit anywhere in a real state either changes nothing
//! the state holds or gets a clear error and exit 1, never an abort and never a silently changed
//! balance; two `run --fresh` on one state at once: one wins, the other hears the state is in use.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod support;

const OPERATOR: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
const ALICE: &str = "0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const DAPP: &str = "0xdadadadadadadadadadadadadadadadadadadada";

fn sandbox(wasm: &Path, state: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    support::sandbox(state, &[&["--wasm", wasm.to_str().unwrap()], args].concat(), stdin.unwrap_or(""))
}

fn script() -> String {
    let mut lines = vec![
        format!(r#"{{"sender": "{OPERATOR}", "method": "register_api", "args": ["weather", 10, 1000]}}"#),
        format!(
            r#"{{"sender": "{ALICE}", "value": "5000", "method": "subscribe", "args": ["weather", 100000, 5000]}}"#
        ),
        format!(r#"{{"sender": "{ALICE}", "method": "approve_delegate", "args": ["weather", "{DAPP}"]}}"#),
    ];
    for _ in 0..20 {
        lines.push(format!(
            r#"{{"sender": "{DAPP}", "method": "consume_credit", "args": ["weather", "{ALICE}"]}}"#
        ));
    }
    lines.push(format!(r#"{{"sender": "{ALICE}", "method": "withdraw_credit", "args": [100]}}"#));
    lines.join("\n") + "\n"
}

#[test]
fn a_flipped_bit_anywhere_changes_nothing_or_gets_a_clear_error() {
    let dir = support::temp_dir("damage", "bits");
    let wasm = support::billing_wasm_in(&dir);
    let original = dir.join("state.redb");
    let made = sandbox(&wasm, &original, &["run", "--fresh", "-"], Some(&script()));
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let dump = sandbox(&wasm, &original, &["dump"], None);
    assert!(dump.status.success());
    let bytes = std::fs::read(&original).unwrap();
    let bits = bytes.len() as u64 * 8;
    // A few hundred offsets spread over the whole file, the same every run.
    let samples: u64 = 300;
    let (mut same, mut refused) = (0, 0);
    for i in 0..samples {
        let bit = (i * 7_919 * 1_009 + i * i * 31) % bits;
        let damaged = dir.join(format!("damaged-{i}.redb"));
        let mut copy = bytes.clone();
        copy[(bit / 8) as usize] ^= 1 << (bit % 8);
        std::fs::write(&damaged, &copy).unwrap();
        let out = sandbox(&wasm, &damaged, &["dump"], None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {
                assert_eq!(out.stdout, dump.stdout, "bit {bit}: opened, but the state is not the original's");
                same += 1;
            }
            Some(1) => {
                assert!(stderr.contains("error: "), "bit {bit}: exit 1 without a message: {stderr}");
                assert!(!stderr.contains("panicked"), "bit {bit}: {stderr}");
                refused += 1;
            }
            other => panic!("bit {bit}: exit {other:?} (an abort?): {stderr}"),
        }
        let _ = std::fs::remove_file(&damaged);
        let _ = std::fs::remove_file(dir.join(format!("damaged-{i}.redb.lock")));
    }
    assert_eq!(same + refused, samples);
    eprintln!("{samples} flipped bits: {same} left the state as it was, {refused} got a clear error");
    // The sample must reach both kinds of bytes: unused ones, and records that are checked.
    assert!(same > 0 && refused > 0, "{same} unchanged, {refused} refused");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_fresh_runs_at_once_one_wins_and_the_other_hears_the_state_is_in_use() {
    let dir = support::temp_dir("damage", "fresh");
    let wasm = support::billing_wasm_in(&dir);
    for round in 0..6 {
        let state = dir.join(format!("state-{round}.redb"));
        if round % 2 == 1 {
            // Also over an existing state.
            assert!(sandbox(&wasm, &state, &["state"], None).status.success());
        }
        let spawn = || {
            let mut child = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
                .arg("--wasm")
                .arg(&wasm)
                .arg("--state")
                .arg(&state)
                .args(["run", "--fresh", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // The loser may exit (state in use) before it reads its script: a broken pipe is fine.
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(script().as_bytes());
            }
            child
        };
        let (first, second) = (spawn(), spawn());
        let outputs = [first.wait_with_output().unwrap(), second.wait_with_output().unwrap()];
        let won = outputs.iter().filter(|o| o.status.success()).count();
        assert!(
            won >= 1,
            "round {round}: neither won: {:?}",
            outputs.iter().map(|o| String::from_utf8_lossy(&o.stderr).to_string()).collect::<Vec<_>>()
        );
        for lost in outputs.iter().filter(|o| !o.status.success()) {
            let stderr = String::from_utf8_lossy(&lost.stderr);
            assert!(stderr.contains("in use by another billing-sandbox"), "round {round}: {stderr}");
        }
        // Whoever won, the state is the script's, whole.
        let report = sandbox(&wasm, &state, &["report", ALICE, "--json"], None);
        let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
        assert_eq!(report["credit_balance_wei"], "4700", "round {round}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
