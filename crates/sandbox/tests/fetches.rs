//! Outbound fetches through the CLI: a deployed contract's `http_get` reaches a server on 127.0.0.1
//! started by the test, `call` and `run` lines carry `"fetches"` (refused calls too), and only
//! `--allow-remote-fetch` lets a fetch leave for a host that is not loopback.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use api_usage_billing::Address;
use billing_chain::contract_address;
use serde_json::{json, Value as Json};

mod support;

use support::{json_lines as lines, sandbox};

const DEPLOYER: &str = "0xd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
const USER: &str = "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

/// Answers every request `200 hello`.
fn serve() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                request.push(byte[0]);
            }
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        }
    });
    port
}

/// A contract whose `get` fetches `url` and returns the answer, and whose `get_then_revert`
/// fetches and reverts.
fn fetcher(url: &str) -> Vec<u8> {
    wat::parse_str(fetcher_text(url)).unwrap()
}

fn fetcher_text(url: &str) -> String {
    let refusal = api_usage_billing::calldata::encode(&api_usage_billing::Value::map([
        ("code", api_usage_billing::Value::from("gave_up")),
        ("details", api_usage_billing::Value::Map(vec![])),
        ("message", api_usage_billing::Value::from("[EXPECTED] gave up")),
    ]));
    let escaped = |bytes: &[u8]| bytes.iter().map(|b| format!("\\{b:02x}")).collect::<String>();
    let text = format!(
        r#"(module
  (import "billing" "http_get" (func $get (param i32 i32) (result i32)))
  (import "billing" "result_size" (func $size (result i32)))
  (import "billing" "result_read" (func $read (param i32)))
  (import "billing" "return_output" (func $out (param i32 i32)))
  (import "billing" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{}")
  (data (i32.const 1024) "{}")
  (func (export "init"))
  (func (export "get")
    (drop (call $get (i32.const 0) (i32.const {})))
    (call $read (i32.const 4096))
    (call $out (i32.const 4096) (call $size)))
  (func (export "get_then_revert")
    (drop (call $get (i32.const 0) (i32.const {})))
    (call $revert (i32.const 1024) (i32.const {}))))"#,
        escaped(url.as_bytes()),
        escaped(&refusal),
        url.len(),
        url.len(),
        refusal.len()
    );
    text
}

fn deploy(state: &Path, dir: &Path, n: u64, url: &str) -> String {
    let file = dir.join(format!("fetcher-{n}.wasm"));
    std::fs::write(&file, fetcher(url)).unwrap();
    let deployed = sandbox(state, &["deploy", file.to_str().unwrap(), "--sender", DEPLOYER], "");
    assert!(deployed.status.success(), "{}", String::from_utf8_lossy(&deployed.stderr));
    let address = contract_address(&Address::parse(DEPLOYER).unwrap(), n).to_hex();
    assert_eq!(String::from_utf8_lossy(&deployed.stdout).trim(), address);
    address
}

#[test]
fn call_and_run_lines_carry_the_fetches_a_call_made() {
    let port = serve();
    let dir = std::env::temp_dir().join(format!("billing-sandbox-fetches-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.redb");
    let url = format!("http://127.0.0.1:{port}/weather");
    let fetcher = deploy(&state, &dir, 0, &url);

    let called = sandbox(&state, &["call", "--sender", USER, "--to", &fetcher, "get"], "");
    assert!(
        called.status.success(),
        "{}{}",
        String::from_utf8_lossy(&called.stdout),
        String::from_utf8_lossy(&called.stderr)
    );
    let line = &lines(&called)[0];
    assert_eq!(line["ok"], json!({"body": "0x68656c6c6f", "status": "200"}));
    assert_eq!(line["fetches"], json!([{"url": url, "status": 200, "bytes": 5}]));

    let script = format!(
        "{{\"sender\": \"{USER}\", \"to\": \"{fetcher}\", \"method\": \"get_then_revert\", \"args\": []}}\n\
         {{\"sender\": \"{USER}\", \"method\": \"get_schema\", \"args\": []}}\n"
    );
    let ran = sandbox(&state, &["run", "-"], &script);
    let ran = lines(&ran);
    assert_eq!(ran[0]["error"]["code"], "gave_up");
    assert_eq!(ran[0]["fetches"], json!([{"url": url, "status": 200, "bytes": 5}]), "a refused call's too");
    assert!(ran[1].get("fetches").is_none(), "a call without fetches has no such key: {}", ran[1]);

    // 0.0.0.0 is no loopback address, yet on Linux it reaches the same server.
    let remote = format!("http://0.0.0.0:{port}/weather");
    let other = deploy(&state, &dir, 1, &remote);
    let refused = lines(&sandbox(&state, &["call", "--sender", USER, "--to", &other, "get"], ""));
    assert_eq!(refused[0]["ok"], json!({"error": "not_allowed"}));
    assert_eq!(refused[0]["fetches"], json!([{"url": remote, "error": "not_allowed", "bytes": 0}]));
    let allowed = lines(&sandbox(
        &state,
        &["--allow-remote-fetch", "call", "--sender", USER, "--to", &other, "get"],
        "",
    ));
    // Linux connects 0.0.0.0 to this machine; a kernel that will not still let the request go out.
    let went_out = [
        json!([{"url": remote, "status": 200, "bytes": 5}]),
        json!([{"url": remote, "error": "connect", "bytes": 0}]),
    ];
    assert!(went_out.contains(&allowed[0]["fetches"]), "{}", allowed[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_deploy_tells_what_its_init_fetched_on_standard_error() {
    let port = serve();
    let dir = std::env::temp_dir().join(format!("billing-sandbox-init-fetch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.redb");
    let url = format!("http://127.0.0.1:{port}/at-init");
    let init = format!("(func (export \"init\") (drop (call $get (i32.const 0) (i32.const {}))))", url.len());
    let text = fetcher_text(&url).replace("(func (export \"init\"))", &init);
    let file = dir.join("init-fetcher.wasm");
    std::fs::write(&file, wat::parse_str(text).unwrap()).unwrap();
    let deployed = sandbox(&state, &["deploy", file.to_str().unwrap(), "--sender", DEPLOYER], "");
    assert!(deployed.status.success(), "{}", String::from_utf8_lossy(&deployed.stderr));
    let address = contract_address(&Address::parse(DEPLOYER).unwrap(), 0).to_hex();
    assert_eq!(String::from_utf8_lossy(&deployed.stdout).trim(), address, "standard output: the address");
    let told: Vec<Json> = String::from_utf8_lossy(&deployed.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("init fetched "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(told, [json!({"url": url, "status": 200, "bytes": 5})]);
    let _ = std::fs::remove_dir_all(&dir);
}
