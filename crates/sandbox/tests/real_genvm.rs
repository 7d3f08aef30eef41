//! `billing-sandbox --abi genvm --executor PATH`: the sandbox's commands on GenLayer's real GenVM
//! executor give what the wasmi GenVM host gives (fuel aside), and what GenVM cannot express is the
//! sandbox's refusal, changing nothing. Skipped (one line) without the executor, failed under
//! `BILLING_REQUIRE_ALL=1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

mod support;

use support::stderr;

const OPERATOR: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
const ALICE: &str = "0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const DAPP: &str = "0xdadadadadadadadadadadadadadadadadadadada";

fn executor() -> Option<PathBuf> {
    match genvm_executor::find_executor() {
        Ok(path) => Some(path),
        Err(not_found) => {
            if std::env::var("BILLING_REQUIRE_ALL").is_ok_and(|v| v == "1") {
                panic!("BILLING_REQUIRE_ALL=1 and {not_found}");
            }
            println!("skipped: GenVM executor not found (set BILLING_GENVM)");
            None
        }
    }
}

fn sandbox(state: &Path, engine: &[&str], args: &[&str], stdin: &str) -> Output {
    support::sandbox(state, &[&["--abi", "genvm"], engine, args].concat(), stdin)
}

fn temp_state(name: &str) -> PathBuf {
    support::temp_dir("real-genvm", name).join("state.redb")
}

/// The JSON lines, fuel left out (the real executor meters none).
fn lines(output: &Output) -> Vec<Json> {
    let mut lines = support::json_lines(output);
    for line in &mut lines {
        line.as_object_mut().unwrap().remove("fuel");
    }
    lines
}

fn script() -> String {
    [
        format!(r#"{{"sender":"{OPERATOR}","method":"register_api","args":["weather",10,2]}}"#),
        format!(r#"{{"sender":"{ALICE}","value":"1000","method":"subscribe","args":["weather",15,1000]}}"#),
        format!(r#"{{"sender":"{ALICE}","method":"approve_delegate","args":["weather","{DAPP}"]}}"#),
        format!(r#"{{"sender":"{DAPP}","timestamp":1767230000,"method":"consume_credit","args":["weather","{ALICE}"]}}"#),
        // The spend cap (15) refuses the second bill: a rollback with its code and details.
        format!(r#"{{"sender":"{DAPP}","method":"consume_credit","args":["weather","{ALICE}"]}}"#),
        format!(r#"{{"sender":"{OPERATOR}","method":"consume_credit","args":["weather","{ALICE}"]}}"#),
        format!(r#"{{"sender":"{OPERATOR}","method":"withdraw_earnings","args":["weather",10]}}"#),
        format!(r#"{{"sender":"{ALICE}","method":"withdraw_credit","args":[90]}}"#),
        format!(r#"{{"sender":"{ALICE}","method":"get_usage_report","args":["{ALICE}"]}}"#),
    ]
    .join("\n")
}

#[test]
fn a_script_on_the_real_executor_gives_what_wasmi_gives_and_the_state_serves_both() {
    let Some(executor) = executor() else { return };
    let executor = executor.to_string_lossy().into_owned();
    let real = temp_state("script-real");
    let wasmi = temp_state("script-wasmi");
    let on_real = sandbox(&real, &["--executor", &executor], &["run", "--fresh", "-"], &script());
    assert!(on_real.status.success(), "{}", stderr(&on_real));
    assert!(stderr(&on_real).contains("vm: GenVM v0.1.8 executor at "), "{}", stderr(&on_real));
    let on_wasmi = sandbox(&wasmi, &[], &["run", "--fresh", "-"], &script());
    assert!(on_wasmi.status.success(), "{}", stderr(&on_wasmi));
    assert!(stderr(&on_wasmi).contains("vm: wasmi (GenVM interface)"), "{}", stderr(&on_wasmi));
    let (real_lines, wasmi_lines) = (lines(&on_real), lines(&on_wasmi));
    assert_eq!(real_lines.len(), 9);
    assert_eq!(real_lines, wasmi_lines, "the two engines answer the script differently");
    assert_eq!(real_lines[4]["error"]["code"], "daily_spend_limit", "{}", real_lines[4]);
    assert_eq!(real_lines[5]["error"]["code"], "caller_not_allowed", "{}", real_lines[5]);
    assert_eq!(real_lines[3]["events"][0]["name"], "CallBilled");

    // The same records: a state the real executor made reads the same on wasmi, and back.
    let dump = |state: &Path, engine: &[&str]| {
        let out = sandbox(state, engine, &["dump"], "");
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(dump(&real, &[]), dump(&wasmi, &[]));
    let report = |state: &Path, engine: &[&str]| {
        let out = sandbox(state, engine, &["report", ALICE, "--json"], "");
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(report(&real, &["--executor", &executor]), report(&real, &[]));
    let call = sandbox(
        &wasmi,
        &["--executor", &executor],
        &["call", "--sender", ALICE, "--value", "5", "top_up_credit", "5"],
        "",
    );
    assert!(call.status.success(), "{}", stderr(&call));
    assert_eq!(lines(&call)[0]["events"][0]["name"], "CreditToppedUp");
}

#[test]
fn a_value_genvm_cannot_carry_is_refused_with_its_code_on_both_engines_and_changes_nothing() {
    let Some(executor) = executor() else { return };
    let executor = executor.to_string_lossy().into_owned();
    let state = temp_state("inexpressible");
    let setup = format!(r#"{{"sender":"{OPERATOR}","method":"register_api","args":["weather",10,2]}}"#);
    let out = sandbox(&state, &["--executor", &executor], &["run", "--fresh", "-"], &setup);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = sandbox(&state, &[], &["dump"], "");
    let big = (u128::from(u64::MAX) + 1).to_string();
    for engine in [vec!["--executor", executor.as_str()], vec![]] {
        let call = sandbox(
            &state,
            &engine,
            &["call", "--sender", ALICE, "--value", &big, "top_up_credit", &big],
            "",
        );
        assert!(!call.status.success());
        let line = &lines(&call)[0];
        assert_eq!(line["error"]["code"], "value_not_expressible", "{line}");
        assert!(line["error"]["message"].as_str().unwrap().starts_with("[EXPECTED] "), "{line}");
    }
    let after = sandbox(&state, &[], &["dump"], "");
    assert_eq!(String::from_utf8_lossy(&before.stdout), String::from_utf8_lossy(&after.stdout));
}

#[test]
fn the_executor_is_for_the_genvm_flavor_and_a_missing_one_is_a_clear_error() {
    let state = temp_state("wrong-abi");
    let out = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
        .args(["--executor", "auto", "--state"])
        .arg(&state)
        .arg("state")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("pass --abi genvm"), "{}", stderr(&out));
    let out = sandbox(&state, &["--executor", "/nonexistent/genvm"], &["state"], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("GenVM executor not found"), "{}", stderr(&out));
}

#[test]
fn the_demo_runs_on_the_real_executor_and_says_so() {
    let Some(executor) = executor() else { return };
    let executor = executor.to_string_lossy().into_owned();
    let out = sandbox(&temp_state("demo"), &["--executor", &executor], &["demo"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("vm: GenVM v0.1.8 executor at "), "{text}");
    for expected in [
        "refused daily_call_limit",
        "refused daily_spend_limit",
        "refused insufficient_credit",
        "CreditDepleted",
    ] {
        assert!(text.contains(expected), "the demo on the real executor never shows {expected:?}:\n{text}");
    }
}

#[test]
fn a_contract_deployed_on_the_real_executor_runs_at_its_own_address() {
    let Some(executor) = executor() else { return };
    let executor = executor.to_string_lossy().into_owned();
    let state = temp_state("deploy");
    let zip = state.with_file_name("contract.zip");
    std::fs::write(&zip, billing_artifact::genvm_zip().unwrap()).unwrap();
    let engine = ["--executor", executor.as_str()];
    let deployed = sandbox(&state, &engine, &["deploy", zip.to_str().unwrap()], "");
    assert!(deployed.status.success(), "{}", stderr(&deployed));
    let address = String::from_utf8_lossy(&deployed.stdout).trim().to_string();
    let deployer = api_usage_billing::Address::parse("0xd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0").unwrap();
    assert_eq!(address, billing_chain::contract_address(&deployer, 0).to_hex());
    let script = [
        format!(
            r#"{{"sender":"{OPERATOR}","to":"{address}","method":"register_api","args":["weather",10,2]}}"#
        ),
        format!(r#"{{"sender":"{OPERATOR}","method":"get_api_report","args":["weather"]}}"#),
    ]
    .join("\n");
    let ran = sandbox(&state, &engine, &["run", "-"], &script);
    assert!(ran.status.success(), "{}", stderr(&ran));
    let lines = lines(&ran);
    assert_eq!(lines[0]["events"][0]["name"], "ApiRegistered", "{}", lines[0]);
    assert_eq!(lines[1]["error"]["code"], "api_not_registered", "{}", lines[1]);
}
