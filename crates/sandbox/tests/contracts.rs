//! Several contracts on one state: `deploy` makes a contract at an address derived from the deployer
//! and its deploy count, `call --to` and a script line's `"to"` reach it, each contract keeps its
//! own storage and balance, and no contract's address may send a transaction.

use std::process::Output;

use api_usage_billing::Address;
use billing_chain::contract_address;
use serde_json::Value as Json;

mod support;

use support::{sandbox, stderr, stdout};

const OPERATOR: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
const ALICE: &str = "0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const BILLING: &str = "0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
const DEPLOYER: &str = "0xd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";

fn line(output: &Output) -> Json {
    serde_json::from_str(stdout(output).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

fn hex(address: &Address) -> String {
    address.to_hex()
}

fn deployer() -> Address {
    Address::parse(DEPLOYER).unwrap()
}

/// The billing contract's calls on a second instance at `to`, then checks that the two keep apart.
fn two_instances(abi: &[&str], code: &[u8], name: &str) {
    let dir = support::temp_dir("contracts", name);
    let state = dir.join("state.redb");
    let file = dir.join("contract.bin");
    std::fs::write(&file, code).unwrap();
    let file = file.to_string_lossy().into_owned();
    let with = |args: &[&str]| -> Vec<String> { abi.iter().chain(args).map(|a| a.to_string()).collect() };

    // A deploy of code that is no contract makes nothing and uses no address.
    let junk = dir.join("junk.wasm");
    std::fs::write(&junk, b"not wasm at all").unwrap();
    let refused = sandbox(&state, &with(&["deploy", junk.to_str().unwrap()]), "");
    assert!(!refused.status.success());
    assert_eq!(line(&refused)["error"]["code"], "invalid_contract_code", "{}", stdout(&refused));

    let first = sandbox(&state, &with(&["deploy", &file]), "");
    assert!(first.status.success(), "{}", stderr(&first));
    let first_address = hex(&contract_address(&deployer(), 0));
    assert_eq!(stdout(&first).trim(), first_address);
    let second = sandbox(&state, &with(&["deploy", &file, "--sender", OPERATOR]), "");
    assert_eq!(stdout(&second).trim(), hex(&contract_address(&Address::parse(OPERATOR).unwrap(), 0)));
    let third = sandbox(&state, &with(&["deploy", &file]), "");
    assert_eq!(stdout(&third).trim(), hex(&contract_address(&deployer(), 1)));

    // The new instance bills on its own; the billing contract never hears of it.
    let script = [
        format!(r#"{{"sender":"{OPERATOR}","to":"{first_address}","method":"register_api","args":["weather",10,5]}}"#),
        format!(r#"{{"sender":"{ALICE}","to":"{first_address}","value":"1000","method":"subscribe","args":["weather",100,1000]}}"#),
        format!(r#"{{"sender":"{ALICE}","to":"{first_address}","method":"consume_credit","args":["weather","{ALICE}"]}}"#),
        format!(r#"{{"sender":"{ALICE}","method":"consume_credit","args":["weather","{ALICE}"]}}"#),
    ]
    .join("\n");
    let ran = sandbox(&state, &with(&["run", "-"]), &script);
    assert!(ran.status.success(), "{}", stderr(&ran));
    let lines: Vec<Json> = stdout(&ran).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines[0]["ok"].is_null(), "{}", lines[0]);
    assert_eq!(lines[2]["ok"]["billed_wei"], "10", "{}", lines[2]);
    assert_eq!(lines[3]["error"]["code"], "api_not_registered", "{}", lines[3]);

    let report = sandbox(
        &state,
        &with(&["call", "--sender", ALICE, "--to", &first_address, "get_usage_report", ALICE]),
        "",
    );
    assert!(report.status.success(), "{}", stderr(&report));
    assert!(line(&report)["ok"].as_str().unwrap().contains(r#""credit_balance_wei":"990""#));
    let on_first = sandbox(&state, &with(&["api-report", "weather", "--to", &first_address, "--json"]), "");
    assert!(on_first.status.success(), "{}", stderr(&on_first));
    assert!(stdout(&on_first).contains(r#""api_name":"weather""#), "{}", stdout(&on_first));
    let table = sandbox(&state, &with(&["report", ALICE, "--to", &first_address]), "");
    assert!(table.status.success(), "{}", stderr(&table));
    let billing_report = sandbox(&state, &with(&["report", ALICE, "--json"]), "");
    assert!(stdout(&billing_report).contains(r#""apis":[]"#), "{}", stdout(&billing_report));

    // Balances: the value went to the instance it was sent to.
    let dump: Json = serde_json::from_str(&stdout(&sandbox(&state, &with(&["dump"]), ""))).unwrap();
    let balance_of = |who: &str| {
        dump["balances"].as_array().unwrap().iter().find(|b| b[0] == who || b["address"] == who).map(|b| {
            if b.is_array() {
                b[1].clone()
            } else {
                b["wei"].clone()
            }
        })
    };
    assert_eq!(balance_of(&first_address), Some(Json::from("1000")), "{dump}");

    // No contract sends a transaction; an address with no contract is refused; neither changes anything.
    let before = stdout(&sandbox(&state, &with(&["dump"]), ""));
    let from_contract = sandbox(
        &state,
        &with(&["call", "--sender", &first_address, "--to", BILLING, "register_api", "x", "1", "1"]),
        "",
    );
    assert_eq!(line(&from_contract)["error"]["code"], "contract_sender", "{}", stdout(&from_contract));
    let nobody = hex(&contract_address(&deployer(), 7));
    let unknown = sandbox(&state, &with(&["call", "--sender", ALICE, "--to", &nobody, "get_schema"]), "");
    assert_eq!(line(&unknown)["error"]["code"], "unknown_contract", "{}", stdout(&unknown));
    let after = stdout(&sandbox(&state, &with(&["dump"]), ""));
    assert_eq!(before, after, "a refused call changed the state");

    let overview = sandbox(&state, &with(&["state"]), "");
    assert!(stdout(&overview).contains(&format!("billing contract: {BILLING}")), "{}", stdout(&overview));
    assert!(stdout(&overview).contains(&format!("deployed contract: {first_address}")));
}

#[test]
fn a_second_billing_instance_on_the_billing_abi_keeps_its_own_storage_and_balance() {
    let wasm = billing_artifact::billing_wasm().unwrap();
    two_instances(&[], &wasm, "billing");
}

#[test]
fn a_genvm_zip_deployed_on_a_genvm_state_runs_at_its_own_address() {
    let zip = billing_artifact::genvm_zip().unwrap();
    two_instances(&["--abi", "genvm"], &zip, "genvm");
}

#[test]
fn deploy_arguments_must_be_a_json_array() {
    let dir = support::temp_dir("contracts", "args");
    let out = sandbox(&dir.join("state.redb"), &["deploy", "/dev/null", "--args", "{}"], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--args must be one JSON array"), "{}", stderr(&out));
}

/// A contract whose `consume_credit` returns its input as it came (the calldata array of its
/// arguments) in a bytes value; with `schema`, its `get_schema` answers that text.
fn echo(schema: Option<&str>) -> Vec<u8> {
    let escaped = |bytes: &[u8]| bytes.iter().map(|b| format!("\\{b:02x}")).collect::<String>();
    let answer =
        schema.map(|schema| api_usage_billing::calldata::encode(&api_usage_billing::Value::from(schema)));
    let get_schema = answer.as_ref().map_or_else(String::new, |answer| {
        format!(
            r#"(data (i32.const 1024) "{}") (func (export "get_schema") (call $out (i32.const 1024) (i32.const {})))"#,
            escaped(answer),
            answer.len()
        )
    });
    let text = format!(
        r#"(module
  (import "billing" "input_size" (func $size (result i32)))
  (import "billing" "input_read" (func $read (param i32)))
  (import "billing" "return_output" (func $out (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "init"))
  (func (export "consume_credit") (local $n i32) (local $header i32)
    (local.set $n (call $size))
    (call $read (i32.const 8194))
    ;; A bytes value of n bytes: its header (n << 3 | 3) as a two-byte ULEB (16 <= n < 2048).
    (local.set $header (i32.or (i32.shl (local.get $n) (i32.const 3)) (i32.const 3)))
    (i32.store8 (i32.const 8192) (i32.or (i32.and (local.get $header) (i32.const 127)) (i32.const 128)))
    (i32.store8 (i32.const 8193) (i32.shr_u (local.get $header) (i32.const 7)))
    (call $out (i32.const 8192) (i32.add (local.get $n) (i32.const 2))))
  {get_schema})"#
    );
    wat::parse_str(text).unwrap()
}

#[test]
fn a_deployed_contract_s_arguments_follow_its_own_schema_or_go_as_they_are() {
    let dir = support::temp_dir("contracts", "schemas");
    let state = dir.join("state.redb");
    let deploy = |name: &str, code: Vec<u8>| {
        let file = dir.join(name);
        std::fs::write(&file, code).unwrap();
        let out = sandbox(&state, &["deploy", file.to_str().unwrap()], "");
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).trim().to_string()
    };
    // One contract with no schema, one whose schema declares an int second argument.
    let plain = deploy("plain.wasm", echo(None));
    let schema =
        r#"{"ctor":{"params":[]},"methods":{"consume_credit":{"params":[["a","string"],["n","int"]]}}}"#;
    let typed = deploy("typed.wasm", echo(Some(schema)));
    // A JSON string of digits: a string as it is, an int where a schema declares one.
    let args = ["weather", "\"12345678901234567890123\""];
    let decoded = |output: &Output| {
        let hex =
            line(output)["ok"].as_str().map(str::to_string).unwrap_or_else(|| panic!("{}", stdout(output)));
        let bytes: Vec<u8> =
            (2..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        api_usage_billing::calldata::decode(&bytes).unwrap()
    };
    // The billing contract's `consume_credit` takes an address second: not this one's.
    let as_is =
        sandbox(&state, &["call", "--sender", ALICE, "--to", &plain, "consume_credit", "weather", ALICE], "");
    let by_schema = sandbox(
        &state,
        &[&["call", "--sender", ALICE, "--to", &typed, "consume_credit"][..], &args].concat(),
        "",
    );
    let number = api_usage_billing::Int::parse_decimal("12345678901234567890123").unwrap();
    assert_eq!(decoded(&as_is), api_usage_billing::Value::Array(vec!["weather".into(), ALICE.into()]));
    assert_eq!(decoded(&by_schema), api_usage_billing::Value::Array(vec!["weather".into(), number.into()]));
    // A script line converts the same way.
    let script = format!(
        r#"{{"sender":"{ALICE}","to":"{typed}","method":"consume_credit","args":["weather","12345678901234567890123"]}}"#
    );
    let ran = sandbox(&state, &["run", "-"], &script);
    assert_eq!(stdout(&ran).trim(), stdout(&by_schema).trim());
}
