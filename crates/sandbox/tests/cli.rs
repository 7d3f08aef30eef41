//! The `billing-sandbox` command as a user runs it: the demo, calls and scripts on a persistent
//! state, and clear failures for bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

mod support;

use support::{json_lines as lines, stderr};

fn sandbox(state: &Path, args: &[&str]) -> Output {
    support::sandbox(state, args, "")
}

fn run_script(state: &Path, script: &str, extra: &[&str]) -> Output {
    support::sandbox(state, &[&["run", "-"], extra].concat(), script)
}

fn temp_state(name: &str) -> PathBuf {
    support::temp_dir("sandbox-test", name).join("state.redb")
}

const OPERATOR: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
const ALICE: &str = "0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";

#[test]
fn the_demo_meets_every_limit_the_warning_and_both_withdrawals() {
    let state = temp_state("demo");
    let output = sandbox(&state, &["demo"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "refused delegate_limit",
        "attempted_calls=4, max_calls=3",
        "refused daily_call_limit",
        "attempted_calls=6, max_calls=5",
        "refused daily_spend_limit",
        "refused caller_not_allowed",
        "refused insufficient_credit",
        "event CreditDepleted",
        "2026-01-02 00:00:00 UTC",
        "event EarningsWithdrawn",
        "event CreditWithdrawn",
        "** low credit **",
        // The consumer contracts at work: requests out after a bill, none after a refused one, and
        // a failed fetch that bills nobody.
        "deployed weather-consumer for weather.v1 at 0x",
        "alice -> weather app: fetch(\"/forecast?city=",
        "request out: GET http://127.0.0.1:",
        "/forecast?city=oslo -> 200, 40 bytes",
        "refused fetch_failed: [EXPECTED] fetch failed: the API answered 503",
        "the local API answered 8 requests",
    ] {
        assert!(text.contains(expected), "the demo never shows {expected:?}:\n{text}");
    }
    // Every refused fetch says that no request went out, and only those do.
    let refused_fetches = text.matches("fetch(\"/").count() - text.matches("request out: GET").count();
    assert_eq!(text.matches("    no request sent").count(), refused_fetches, "{text}");
    assert_eq!(refused_fetches, 4, "{text}");
    // Its state can be inspected afterwards.
    let report = sandbox(&state, &["report", ALICE, "--json"]);
    let report: Json = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["credit_balance_wei"], "0");
}

#[test]
fn calls_persist_across_runs_and_refusals_change_nothing() {
    let state = temp_state("persist");
    let ok = sandbox(&state, &["call", "--sender", OPERATOR, "register_api", "weather", "10", "5"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stderr(&ok).contains("state: "), "the state path is printed");
    assert_eq!(lines(&ok)[0]["events"][0]["name"], "ApiRegistered");
    let value = "1000";
    let ok =
        sandbox(&state, &["call", "--sender", ALICE, "--value", value, "subscribe", "weather", "100", value]);
    assert!(ok.status.success(), "{}", stderr(&ok));

    let refused = sandbox(&state, &["call", "--sender", ALICE, "--value", "5", "top_up_credit", "4"]);
    assert!(!refused.status.success());
    assert_eq!(lines(&refused)[0]["error"]["code"], "value_mismatch");

    let billed = sandbox(&state, &["call", "--sender", ALICE, "consume_credit", "weather", ALICE]);
    let line = &lines(&billed)[0];
    assert_eq!(line["ok"]["remaining_credit_wei"], "990", "{line}");
    assert!(line["fuel"].as_u64().unwrap() > 0);

    let report = sandbox(&state, &["report", ALICE]);
    let table = String::from_utf8_lossy(&report.stdout);
    assert!(table.contains("credit 990 wei of 1000 wei funded"), "{table}");
    let overview = sandbox(&state, &["state"]);
    let overview = String::from_utf8_lossy(&overview.stdout);
    assert!(overview.contains("weather") && overview.contains("(contract)"), "{overview}");
    assert!(overview.contains("1000\n") || overview.contains(" 1000"), "{overview}");
}

#[test]
fn block_time_never_goes_backwards() {
    let state = temp_state("time");
    let at = |t: &str| {
        sandbox(&state, &["call", "--sender", OPERATOR, "--at", t, "register_api", "weather", "1", "5"])
    };
    assert!(at("1767300000").status.success());
    let back = at("1767299999");
    assert!(!back.status.success());
    let line = &lines(&back)[0];
    assert_eq!(line["error"]["code"], "time_went_backwards");
    assert!(line["error"]["message"].as_str().unwrap().contains("1767300000"), "{line}");
    // Without --at, the call runs at the last call's time.
    let now = sandbox(&state, &["call", "--sender", ALICE, "get_usage_report", ALICE]);
    let report: Json = serde_json::from_str(lines(&now)[0]["ok"].as_str().unwrap()).unwrap();
    assert_eq!(report["day_id"], 1_767_300_000u64 / 86_400);
}

#[test]
fn a_script_runs_line_by_line_and_stops_at_the_first_line_that_is_not_a_call() {
    let state = temp_state("script");
    let script = format!(
        concat!(
            r#"{{"sender": "{op}", "method": "register_api", "args": ["weather", 10, 5]}}"#,
            "\n",
            r#"{{"sender": "{alice}", "value": "100", "method": "subscribe", "args": ["weather", "50", 100]}}"#,
            "\n\n",
            r#"{{"sender": "{alice}", "method": "consume_credit", "args": ["weather", "{alice}"], "timestamp": 1767230000}}"#,
            "\n",
            r#"{{"sender": "{alice}", "method": "consume_credit", "args": ["weather", "0x12"]}}"#,
            "\n",
            r#"{{"sender": "{alice}", "method": "no_such_method", "args": []}}"#,
            "\n",
            r#"{{"sender": "{alice}", "method": "withdraw_credit", "args": [340282366920938463463374607431768211456]}}"#,
            "\n",
            r#"{{"method": "withdraw_credit", "args": [1]}}"#,
            "\n",
            r#"{{"sender": "{alice}", "method": "withdraw_credit", "args": [1]}}"#,
            "\n"
        ),
        op = OPERATOR,
        alice = ALICE
    );
    let output = run_script(&state, &script, &["--fresh"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("line 8: not a call: no \"sender\""), "{}", stderr(&output));
    let out = lines(&output);
    assert_eq!(out.len(), 6, "{out:?}");
    assert_eq!(out[0]["events"][0]["fields"]["cost_per_call_wei"], "10");
    assert_eq!(out[2]["ok"]["calls_today"], "1");
    assert_eq!(out[2]["events"][0]["name"], "CallBilled");
    assert_eq!(out[3]["error"]["code"], "invalid_address");
    assert_eq!(out[4]["error"]["code"], "unknown_method");
    assert_eq!(out[5]["error"]["code"], "out_of_range");
    assert!(out.iter().all(|l| l.get("fuel").is_some()));
    // Lines before the bad one were committed; the one after it never ran.
    let report = sandbox(&state, &["report", ALICE, "--json"]);
    let report: Json = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["credit_balance_wei"], "90");
}

#[test]
fn bad_state_files_and_a_missing_artifact_get_clear_messages() {
    let state = temp_state("corrupt");
    std::fs::write(&state, b"this is not a database").unwrap();
    let output = sandbox(&state, &["state"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("not a readable sandbox state"), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"));

    let other = temp_state("other");
    {
        let db = redb::Database::create(&other).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(redb::TableDefinition::<u64, u64>::new("something_else"))
            .unwrap()
            .insert(1, 2)
            .unwrap();
        txn.commit().unwrap();
    }
    let output = sandbox(&other, &["state"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("another program"), "{}", stderr(&output));

    let fine = temp_state("no-artifact");
    let output = sandbox(&fine, &["--wasm", "/nonexistent/contract.wasm", "state"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("cargo build-wasm"), "{}", stderr(&output));
}

#[test]
fn a_second_sandbox_on_the_same_state_is_refused_while_the_first_runs() {
    let state = temp_state("locked");
    assert!(sandbox(&state, &["state"]).status.success());
    let mut first = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
        .arg("--state")
        .arg(&state)
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first one holds the state (it prints the path once open).
    let mut stderr_pipe = first.stderr.take().unwrap();
    let mut seen = [0u8; 7];
    std::io::Read::read_exact(&mut stderr_pipe, &mut seen).unwrap();
    assert_eq!(&seen, b"state: ");
    let second = sandbox(&state, &["state"]);
    drop(first.stdin.take());
    first.wait().unwrap();
    assert!(!second.status.success());
    assert!(stderr(&second).contains("in use by another billing-sandbox"), "{}", stderr(&second));
}

#[test]
fn api_report_and_history_show_an_operators_dashboard() {
    let state = temp_state("dashboard");
    let script = format!(
        concat!(
            r#"{{"sender": "{op}", "method": "register_api", "args": ["weather", 10, 5]}}"#,
            "\n",
            r#"{{"sender": "{alice}", "value": "100", "method": "subscribe", "args": ["weather", 50, 100]}}"#,
            "\n",
            r#"{{"sender": "{alice}", "method": "consume_credits", "args": ["weather", "{alice}", 2, 1]}}"#,
            "\n",
            r#"{{"sender": "{alice}", "method": "consume_credit", "args": ["weather", "{alice}"], "timestamp": 1767312000}}"#,
            "\n"
        ),
        op = OPERATOR,
        alice = ALICE
    );
    assert!(run_script(&state, &script, &["--fresh"]).status.success());
    let report = sandbox(&state, &["api-report", "weather"]);
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("subscribers 1") && text.contains("revenue in all 30 wei"), "{text}");
    let json = sandbox(&state, &["api-report", "weather", "--json"]);
    let json: Json = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["calls_today"], 1);
    assert_eq!(json["earnings_available_wei"], "30");
    let history = sandbox(&state, &["history", ALICE, "weather", "--json"]);
    let history: Json = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(
        history,
        serde_json::json!([
            {"day_id": 20455, "calls": 1, "spend_wei": "10"},
            {"day_id": 20454, "calls": 2, "spend_wei": "20"},
        ])
    );
    let table = sandbox(&state, &["history", ALICE, "weather"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("2026-01-01"));
    let unknown = sandbox(&state, &["api-report", "nope"]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("api_not_registered"), "{}", stderr(&unknown));
}

#[test]
fn every_command_runs_on_the_genvm_flavor_too() {
    let state = temp_state("genvm");
    let genvm = |args: &[&str]| {
        let mut all = vec!["--abi", "genvm"];
        all.extend_from_slice(args);
        sandbox(&state, &all)
    };
    let ok = genvm(&["call", "--sender", OPERATOR, "register_api", "weather", "10", "5"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(lines(&ok)[0]["events"][0]["name"], "ApiRegistered");
    let ok = genvm(&["call", "--sender", ALICE, "--value", "100", "subscribe", "weather", "50", "100"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let refused = genvm(&["call", "--sender", ALICE, "withdraw_credit", "101"]);
    let line = &lines(&refused)[0];
    assert_eq!(line["error"]["code"], "insufficient_credit", "{line}");
    assert_eq!(line["error"]["details"]["required"], "101");
    let report = genvm(&["report", ALICE, "--json"]);
    let report: Json = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["credit_balance_wei"], "100");
    // A state keeps the interface that made it.
    let other = sandbox(&state, &["state"]);
    assert!(!other.status.success());
    assert!(stderr(&other).contains("made with --abi genvm"), "{}", stderr(&other));
    let demo = sandbox(&temp_state("genvm-demo"), &["--abi", "genvm", "demo"]);
    let text = String::from_utf8_lossy(&demo.stdout);
    // The GenLayer pattern: the consumer's view, its queued bill with a usage id, a replay refused.
    for expected in [
        "refused daily_spend_limit",
        "dapp (view): preview_bill(weather.v1, alice, 1) -> allowed",
        "dapp (queued message): consume_credits(\"weather.v1\", 0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1, 1, 1) -> {",
        "refused duplicate_usage_id",
        "refused delegate_limit: [EXPECTED] delegate daily call limit exceeded (attempted_calls=4, max_calls=3, reason=delegate_limit) by the preview: no fetch, no bill",
    ] {
        assert!(text.contains(expected), "the GenVM demo never shows {expected:?}:\n{text}");
    }
}

/// The GenVM flavor's message carries dates up to 9999-12-31T23:59:59Z: a later block time (a
/// millisecond timestamp, say) is refused before it moves the clock, and the state stays usable.
#[test]
fn a_far_future_timestamp_is_refused_and_leaves_the_clock_where_it_was() {
    let state = temp_state("far-future");
    let genvm = |args: &[&str]| {
        let mut all = vec!["--abi", "genvm"];
        all.extend_from_slice(args);
        sandbox(&state, &all)
    };
    assert!(genvm(&[
        "call",
        "--sender",
        OPERATOR,
        "--at",
        "1767300000",
        "register_api",
        "weather",
        "1",
        "5"
    ])
    .status
    .success());
    let millis =
        genvm(&["call", "--sender", OPERATOR, "--at", "1767300000000", "register_api", "maps", "1", "5"]);
    assert!(!millis.status.success());
    let line = &lines(&millis)[0];
    assert_eq!(line["error"]["code"], "timestamp_out_of_range");
    assert!(line["error"]["message"].as_str().unwrap().contains("9999-12-31T23:59:59Z"), "{line}");
    // Nothing moved: the next call without --at runs at the old time, and succeeds.
    let next = genvm(&["call", "--sender", OPERATOR, "register_api", "maps", "1", "5"]);
    assert!(next.status.success(), "{}", String::from_utf8_lossy(&next.stdout));
    let report = genvm(&["call", "--sender", ALICE, "get_usage_report", ALICE]);
    let report: Json = serde_json::from_str(lines(&report)[0]["ok"].as_str().unwrap()).unwrap();
    assert_eq!(report["day_id"], 1_767_300_000u64 / 86_400);
}

/// The contract's own address never sends a transaction: its deposits would cost it nothing.
#[test]
fn the_contracts_own_address_cannot_send_a_transaction() {
    let state = temp_state("contract-sender");
    let contract = "0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
    assert!(sandbox(&state, &["call", "--sender", OPERATOR, "register_api", "weather", "1", "5"])
        .status
        .success());
    let before = sandbox(&state, &["dump"]);
    let minted = sandbox(&state, &["call", "--sender", contract, "--value", "0", "top_up_credit", "0"]);
    assert!(!minted.status.success());
    assert_eq!(lines(&minted)[0]["error"]["code"], "contract_sender");
    let deposit =
        sandbox(&state, &["call", "--sender", contract, "--value", "0", "subscribe", "weather", "10", "0"]);
    assert_eq!(lines(&deposit)[0]["error"]["code"], "contract_sender");
    assert_eq!(sandbox(&state, &["dump"]).stdout, before.stdout, "nothing changed");
}

#[test]
fn run_answers_each_line_of_standard_input_before_the_next_one_is_sent() {
    let state = temp_state("interactive");
    let mut child = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
        .arg("--state")
        .arg(&state)
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (answers, answered) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            if answers.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let register =
        format!(r#"{{"sender": "{OPERATOR}", "method": "register_api", "args": ["weather", 10, 5]}}"#);
    let again =
        format!(r#"{{"sender": "{OPERATOR}", "method": "register_api", "args": ["weather", 20, 5]}}"#);
    for (line, event) in [(register, "ApiRegistered"), (again, "ApiUpdated")] {
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        // The sandbox waits for no more input: the answer comes (committed) while stdin stays open.
        let answer = answered.recv_timeout(std::time::Duration::from_secs(120)).expect("an answer");
        let answer: Json = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["events"][0]["name"], event, "{answer}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let api = sandbox(&state, &["api-report", "weather", "--json"]);
    let api: Json = serde_json::from_slice(&api.stdout).unwrap();
    assert_eq!(api["cost_per_call_wei"], "20", "{api}");
}
