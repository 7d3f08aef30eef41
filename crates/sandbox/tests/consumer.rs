//! The example consumer contract (examples/weather-consumer) as a user runs it with the sandbox: it
//! is deployed with `deploy`, the end user subscribes and approves it as a delegate, and each
//! `fetch` through it bills the user one call before a real HTTP request to a weather server on
//! 127.0.0.1 that this test starts. A refused bill sends no request; a failed fetch bills nothing.

use std::path::{Path, PathBuf};
use std::process::Output;

use billing_sandbox::weather::WeatherServer;
use serde_json::Value as Json;

mod support;

use support::{stderr, stdout};

const OPERATOR: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
const ALICE: &str = "0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const BOB: &str = "0xb0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
const BILLING: &str = "0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";

/// A state of its own, with the two artifacts written beside it.
struct Sandbox {
    dir: PathBuf,
    billing_wasm: PathBuf,
    consumer_wasm: PathBuf,
}

impl Sandbox {
    fn new(name: &str) -> Sandbox {
        let dir = support::temp_dir("consumer", name);
        let billing_wasm = support::billing_wasm_in(&dir);
        let consumer_wasm = dir.join("weather_consumer.wasm");
        std::fs::write(&consumer_wasm, billing_artifact::consumer_wasm().expect("the consumer artifact"))
            .unwrap();
        Sandbox { dir, billing_wasm, consumer_wasm }
    }

    fn state(&self) -> PathBuf {
        self.dir.join("state.redb")
    }

    fn sandbox(&self, args: &[&str], stdin: &str) -> Output {
        support::sandbox(&self.state(), &[&["--wasm", path(&self.billing_wasm)], args].concat(), stdin)
    }

    /// Deploys a consumer contract billing `api` and fetching from `base_url`; its address.
    fn deploy_consumer(&self, api: &str, base_url: &str) -> String {
        let args = format!(r#"["{BILLING}","{api}","{base_url}"]"#);
        let out = self.sandbox(&["deploy", path(&self.consumer_wasm), "--args", &args], "");
        assert!(out.status.success(), "deploy: {}{}", stdout(&out), stderr(&out));
        let address = stdout(&out).trim().to_string();
        assert!(address.starts_with("0x") && address.len() == 42, "{address}");
        address
    }

    /// Runs a script of lines; one JSON value out per line.
    fn run(&self, lines: &[String]) -> Vec<Json> {
        let out = self.sandbox(&["run", "-"], &lines.join("\n"));
        assert!(out.status.success(), "run: {}", stderr(&out));
        stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// One run line's answer.
    fn one(&self, line: String) -> Json {
        self.run(&[line]).remove(0)
    }

    fn dump(&self) -> Json {
        let out = self.sandbox(&["dump"], "");
        assert!(out.status.success(), "dump: {}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    }

    /// Alice's usage report on the billing contract, parsed.
    fn report(&self, consumer: &str) -> Json {
        let out = self.sandbox(&["report", consumer, "--json"], "");
        assert!(out.status.success(), "report: {}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A run line: `sender` calls `method(args)` on `to` (the billing contract when `None`).
fn line(sender: &str, to: Option<&str>, value: u128, method: &str, args: Json) -> String {
    let mut call = serde_json::json!({"sender": sender, "method": method, "args": args});
    if let Some(to) = to {
        call["to"] = Json::from(to);
    }
    if value > 0 {
        call["value"] = Json::from(value.to_string());
    }
    call.to_string()
}

fn fetch(user: &str, consumer: &str, target: &str) -> String {
    line(user, Some(consumer), 0, "fetch", serde_json::json!([target]))
}

/// The operator registers `api` at 10 wei a call with `daily_limit` calls a day; `user` subscribes
/// with a daily cap of `cap` and `deposit` credit, then approves `consumer`.
fn subscribed(
    api: &str,
    daily_limit: u64,
    user: &str,
    cap: u128,
    deposit: u128,
    consumer: &str,
) -> Vec<String> {
    vec![
        line(OPERATOR, None, 0, "register_api", serde_json::json!([api, 10, daily_limit])),
        line(
            user,
            None,
            deposit,
            "subscribe",
            serde_json::json!([api, cap.to_string(), deposit.to_string()]),
        ),
        line(user, None, 0, "approve_delegate", serde_json::json!([api, consumer])),
    ]
}

fn ok(answer: &Json) -> &Json {
    assert!(answer["error"].is_null(), "refused: {answer}");
    &answer["ok"]
}

fn refused(answer: &Json) -> &str {
    answer["error"]["code"].as_str().unwrap_or_else(|| panic!("not refused: {answer}"))
}

fn api_usage<'a>(report: &'a Json, api: &str) -> &'a Json {
    report["apis"].as_array().unwrap().iter().find(|a| a["api_name"] == api).unwrap()
}

#[test]
fn a_fetch_bills_the_user_once_then_returns_the_response_with_the_receipt() {
    let server = WeatherServer::start().unwrap();
    let sandbox = Sandbox::new("fetch");
    let consumer = sandbox.deploy_consumer("weather", &server.url());

    let config = sandbox.one(line(ALICE, Some(&consumer), 0, "get_config", serde_json::json!([])));
    assert_eq!(ok(&config)["billing_address"], BILLING);
    assert_eq!(ok(&config)["api_name"], "weather");
    assert_eq!(ok(&config)["base_url"], server.url());

    let mut script = subscribed("weather", 5, ALICE, 100, 1_000, &consumer);
    script.push(fetch(ALICE, &consumer, "/forecast?city=oslo"));
    let answers = sandbox.run(&script);
    let fetched = answers.last().unwrap();
    let answer = ok(fetched);
    assert_eq!(answer["status"], "200", "{fetched}");
    assert_eq!(answer["body"], r#"{"city":"oslo","temp_c":-3,"sky":"snow"}"#);
    assert_eq!(answer["receipt"]["billed_wei"], "10");
    assert_eq!(answer["receipt"]["remaining_credit_wei"], "990");
    assert_eq!(answer["receipt"]["calls_today"], "1");
    // The bill's event is the billing contract's, made by the consumer contract on Alice's behalf.
    let events: Vec<&str> =
        fetched["events"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(events, ["CallBilled"], "{fetched}");
    let url = format!("{}/forecast?city=oslo", server.url());
    assert_eq!(
        fetched["fetches"],
        serde_json::json!([{"url": url, "status": 200, "bytes": 40}]),
        "{fetched}"
    );
    assert_eq!(server.requests(), ["/forecast?city=oslo"], "exactly one request went out");

    let report = sandbox.report(ALICE);
    assert_eq!(report["credit_balance_wei"], "990");
    assert_eq!(api_usage(&report, "weather")["calls_today"], 1);
    assert_eq!(api_usage(&report, "weather")["spend_today_wei"], "10");

    // A 4xx is the API's answer, not a failed fetch: returned, and billed.
    let missing = sandbox.one(fetch(ALICE, &consumer, "/forecast?city=atlantis"));
    assert_eq!(ok(&missing)["status"], "404", "{missing}");
    assert_eq!(ok(&missing)["body"], r#"{"error":"unknown city"}"#);
    assert_eq!(ok(&missing)["receipt"]["remaining_credit_wei"], "980");
    assert_eq!(sandbox.report(ALICE)["credit_balance_wei"], "980");
    assert_eq!(server.requests().len(), 2);

    // The contract takes no value (it could never pay it out), and is configured once only.
    let paid =
        sandbox.one(line(ALICE, Some(&consumer), 5, "fetch", serde_json::json!(["/forecast?city=oslo"])));
    assert_eq!(refused(&paid), "not_payable");
    let again = sandbox.one(line(
        BOB,
        Some(&consumer),
        0,
        "init",
        serde_json::json!([BOB, "weather", "http://127.0.0.1:1"]),
    ));
    assert_eq!(refused(&again), "already_initialized");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_refused_bill_sends_no_request_and_changes_nothing() {
    let server = WeatherServer::start().unwrap();
    let sandbox = Sandbox::new("refusals");
    // One API per case, each with a consumer contract of its own.
    let cases = ["calls", "spend", "credit", "unsubscribed", "never-subscribed", "not-approved", "paused"];
    let consumers: Vec<String> =
        cases.iter().map(|api| sandbox.deploy_consumer(api, &server.url())).collect();
    let consumer = |api: &str| consumers[cases.iter().position(|c| *c == api).unwrap()].clone();
    let mut setup = Vec::new();
    // Each first fetch succeeds and uses up what the second needs.
    setup.extend(subscribed("calls", 1, ALICE, 1_000, 1_000, &consumer("calls")));
    setup.extend(subscribed("spend", 100, ALICE, 10, 1_000, &consumer("spend")));
    setup.extend(subscribed("credit", 100, BOB, 1_000, 10, &consumer("credit")));
    for api in ["calls", "spend", "credit"] {
        let user = if api == "credit" { BOB } else { ALICE };
        setup.push(fetch(user, &consumer(api), "/forecast?city=lisbon"));
    }
    setup.extend(subscribed("unsubscribed", 100, ALICE, 1_000, 0, &consumer("unsubscribed")));
    setup.push(line(ALICE, None, 0, "unsubscribe", serde_json::json!(["unsubscribed"])));
    setup.push(line(OPERATOR, None, 0, "register_api", serde_json::json!(["never-subscribed", 10, 100])));
    let mut not_approved = subscribed("not-approved", 100, ALICE, 1_000, 0, &consumer("not-approved"));
    not_approved.pop();
    setup.extend(not_approved);
    setup.extend(subscribed("paused", 100, ALICE, 1_000, 0, &consumer("paused")));
    setup.push(line(OPERATOR, None, 0, "set_api_active", serde_json::json!(["paused", false])));
    for answer in sandbox.run(&setup) {
        ok(&answer);
    }
    assert_eq!(server.requests().len(), 3);

    let expected = [
        ("calls", "daily_call_limit"),
        ("spend", "daily_spend_limit"),
        ("credit", "insufficient_credit"),
        ("unsubscribed", "not_subscribed"),
        ("never-subscribed", "caller_not_allowed"),
        ("not-approved", "caller_not_allowed"),
        ("paused", "api_paused"),
    ];
    let before = sandbox.dump();
    for (api, code) in expected {
        let user = if api == "credit" { BOB } else { ALICE };
        let answer = sandbox.one(fetch(user, &consumer(api), "/forecast?city=cairo"));
        assert_eq!(refused(&answer), code, "{api}: {answer}");
        // The billing contract's refusal, passed on whole: its message and details.
        assert!(answer["error"]["message"].as_str().unwrap().starts_with("[EXPECTED] "), "{answer}");
        if matches!(code, "daily_call_limit" | "daily_spend_limit" | "insufficient_credit") {
            assert_eq!(answer["error"]["details"]["reason"], code, "{answer}");
        }
        let fetches = answer["fetches"].as_array();
        assert!(fetches.is_none_or(Vec::is_empty), "{api}: {answer}");
        let events = sandbox.dump()["events"].as_array().map(Vec::len);
        assert_eq!(events, before["events"].as_array().map(Vec::len), "{api}: an event was kept");
    }
    assert_eq!(server.requests().len(), 3, "no request left for a refused bill");
    assert_eq!(sandbox.dump(), before, "a refused fetch changed the state");
}

#[test]
fn a_failed_fetch_bills_nothing() {
    let server = WeatherServer::start().unwrap();
    let sandbox = Sandbox::new("failed");
    let consumer = sandbox.deploy_consumer("weather", &server.url());
    // A server that is gone: a port that was free a moment ago.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = sandbox.deploy_consumer("weather", &format!("http://{gone}"));
    let mut script = subscribed("weather", 5, ALICE, 100, 1_000, &consumer);
    script.push(line(ALICE, None, 0, "approve_delegate", serde_json::json!(["weather", unreachable])));
    script.push(fetch(ALICE, &consumer, "/forecast?city=lima"));
    for answer in sandbox.run(&script) {
        ok(&answer);
    }
    let before = sandbox.dump();
    let report_before = sandbox.report(ALICE);

    let outage = sandbox.one(fetch(ALICE, &consumer, "/outage"));
    assert_eq!(refused(&outage), "fetch_failed", "{outage}");
    assert_eq!(outage["error"]["message"], "[EXPECTED] fetch failed: the API answered 503");
    let url = format!("{}/outage", server.url());
    assert_eq!(outage["error"]["details"], serde_json::json!({"status": "503", "url": url}));
    // The request went out (a rollback cannot call it back), and the output says so.
    assert_eq!(outage["fetches"][0]["url"], url, "{outage}");
    assert_eq!(outage["fetches"][0]["status"], 503, "{outage}");
    assert_eq!(server.requests(), ["/forecast?city=lima", "/outage"]);

    let no_server = sandbox.one(fetch(ALICE, &unreachable, "/forecast?city=lima"));
    assert_eq!(refused(&no_server), "fetch_failed", "{no_server}");
    assert_eq!(no_server["error"]["details"]["error"], "connect", "{no_server}");
    assert_eq!(no_server["fetches"][0]["error"], "connect", "{no_server}");

    // Credit, usage and events exactly as before: the bill rolled back with the failed fetch.
    assert_eq!(sandbox.report(ALICE), report_before);
    assert_eq!(sandbox.dump(), before, "a failed fetch changed the state");
    assert_eq!(report_before["credit_balance_wei"], "990");
}

#[test]
fn two_consumer_contracts_of_one_user_bill_independently_and_revoking_one_stops_only_it() {
    let server = WeatherServer::start().unwrap();
    let sandbox = Sandbox::new("two");
    let first = sandbox.deploy_consumer("weather", &server.url());
    let second = sandbox.deploy_consumer("weather", &server.url());
    assert_ne!(first, second);
    let mut script = subscribed("weather", 100, ALICE, 1_000, 1_000, &first);
    script.push(line(ALICE, None, 0, "approve_delegate", serde_json::json!(["weather", second])));
    // Alice lets the first one make one fetch a day; the second is unlimited within her limits.
    script.push(line(ALICE, None, 0, "set_delegate_limit", serde_json::json!(["weather", first, 1])));
    script.push(fetch(ALICE, &first, "/forecast?city=oslo"));
    script.push(fetch(ALICE, &second, "/forecast?city=cairo"));
    script.push(fetch(ALICE, &first, "/forecast?city=oslo"));
    script.push(fetch(ALICE, &second, "/forecast?city=lima"));
    let answers = sandbox.run(&script);
    let fetches = &answers[answers.len() - 4..];
    assert_eq!(ok(&fetches[0])["receipt"]["remaining_credit_wei"], "990");
    assert_eq!(ok(&fetches[1])["receipt"]["remaining_credit_wei"], "980");
    assert_eq!(refused(&fetches[2]), "delegate_limit", "{}", fetches[2]);
    assert_eq!(ok(&fetches[3])["receipt"]["remaining_credit_wei"], "970");
    assert_eq!(server.requests(), ["/forecast?city=oslo", "/forecast?city=cairo", "/forecast?city=lima"]);

    let revoked = sandbox.run(&[
        line(ALICE, None, 0, "revoke_delegate", serde_json::json!(["weather", first])),
        fetch(ALICE, &first, "/forecast?city=oslo"),
        fetch(ALICE, &second, "/forecast?city=oslo"),
    ]);
    ok(&revoked[0]);
    assert_eq!(refused(&revoked[1]), "caller_not_allowed", "{}", revoked[1]);
    assert_eq!(ok(&revoked[2])["receipt"]["remaining_credit_wei"], "960");
    assert_eq!(server.requests().len(), 4, "the revoked contract sent nothing");
    let report = sandbox.report(ALICE);
    assert_eq!(api_usage(&report, "weather")["calls_today"], 4);
    assert_eq!(api_usage(&report, "weather")["delegates"], serde_json::json!([second]));
}

#[test]
fn a_deploy_with_a_bad_configuration_makes_no_contract() {
    let sandbox = Sandbox::new("bad-init");
    for (args, code) in [
        (r#"["0x12", "weather", "http://127.0.0.1:1"]"#, "invalid_address"),
        (format!(r#"["{BILLING}", "Bad Name!", "http://127.0.0.1:1"]"#).as_str(), "invalid_api_name"),
        (format!(r#"["{BILLING}", "weather", "https://127.0.0.1:1"]"#).as_str(), "invalid_arguments"),
        (format!(r#"["{BILLING}", "weather"]"#).as_str(), "invalid_arguments"),
    ] {
        let out = sandbox.sandbox(&["deploy", path(&sandbox.consumer_wasm), "--args", args], "");
        assert!(!out.status.success(), "{args}: {}", stdout(&out));
        let line: Json = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(refused(&line), code, "{args}: {line}");
    }
    let state = stdout(&sandbox.sandbox(&["state"], ""));
    assert!(!state.contains("deployed contract"), "{state}");
}

/// A contract in between: its `relay` calls `consumer`'s `fetch(path)` and returns the answer.
fn middle_contract(consumer: &str, path: &str) -> Vec<u8> {
    let address = api_usage_billing::Address::parse(consumer).unwrap();
    let method = b"fetch";
    let args = api_usage_billing::calldata::encode(&api_usage_billing::Value::Array(vec![path.into()]));
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("\\{b:02x}")).collect::<String>();
    let text = format!(
        r#"(module
  (import "billing" "call_contract" (func $call (param i32 i32 i32 i32 i32) (result i32)))
  (import "billing" "result_size" (func $size (result i32)))
  (import "billing" "result_read" (func $read (param i32)))
  (import "billing" "return_output" (func $out (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{}")
  (data (i32.const 32) "{}")
  (data (i32.const 64) "{}")
  (func (export "init"))
  (func (export "relay")
    (drop (call $call (i32.const 0) (i32.const 32) (i32.const {}) (i32.const 64) (i32.const {})))
    (call $read (i32.const 4096))
    (call $out (i32.const 4096) (call $size))))"#,
        hex(&address.0),
        hex(method),
        hex(&args),
        method.len(),
        args.len()
    );
    wat::parse_str(&text).unwrap()
}

#[test]
fn a_contract_in_between_cannot_spend_the_users_credit_through_the_consumer() {
    let server = WeatherServer::start().unwrap();
    let sandbox = Sandbox::new("middle");
    let consumer = sandbox.deploy_consumer("weather", &server.url());
    let middle_wasm = sandbox.dir.join("middle.wasm");
    std::fs::write(&middle_wasm, middle_contract(&consumer, "/forecast?city=oslo")).unwrap();
    let out = sandbox.sandbox(&["deploy", path(&middle_wasm)], "");
    assert!(out.status.success(), "deploy: {}{}", stdout(&out), stderr(&out));
    let middle = stdout(&out).trim().to_string();
    for answer in sandbox.run(&subscribed("weather", 5, ALICE, 100, 1_000, &consumer)) {
        ok(&answer);
    }
    let before = sandbox.dump();

    // Alice sends a transaction to the middle contract, which calls the consumer she approved.
    let relayed = sandbox.one(line(ALICE, Some(&middle), 0, "relay", serde_json::json!([])));
    assert_eq!(ok(&relayed)["code"], "not_end_user", "{relayed}");
    assert!(ok(&relayed)["message"].as_str().unwrap().starts_with("[EXPECTED] "), "{relayed}");
    assert!(server.requests().is_empty(), "no request left");
    assert_eq!(sandbox.report(ALICE)["credit_balance_wei"], "1000", "Alice paid nothing");
    let after = sandbox.dump();
    for part in ["storage", "balances", "events", "deployed"] {
        assert_eq!(after[part], before[part], "{part}: only the middle contract's call was counted");
    }

    // A path that would run on into the base URL's port is refused before the bill too.
    let port_change = sandbox.one(fetch(ALICE, &consumer, "5/x"));
    assert_eq!(refused(&port_change), "invalid_arguments", "{port_change}");
    assert!(server.requests().is_empty());
    assert_eq!(sandbox.dump()["storage"], before["storage"]);
}
