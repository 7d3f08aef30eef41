//! The real clients against `billing-sandbox serve`: the Node suite in js/rpc-tests (genlayer-js 1.2.0
//! and the genlayer CLI, pinned by its package-lock.json) on a fresh state and a free port.
//! Without node and npm it prints one line and passes, unless BILLING_REQUIRE_ALL=1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use api_usage_billing::Value;
use billing_chain::CONTRACT;
use billing_rpc::abi::{encode_add_transaction, AddTransaction};
use billing_rpc::{eth, genlayer, hex, CHAIN_ID, CONSENSUS_ADDRESS};

fn found(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Stops the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..").join("js").join("rpc-tests")
}

/// Starts `billing-sandbox --abi genvm --state STATE serve --port 0 --fixed-clock`; its URL.
fn serve(state: &Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
        .args(["--abi", "genvm", "--state"])
        .arg(state)
        .args(["serve", "--port", "0", "--fixed-clock"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("billing-sandbox starts");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("serve printed no URL: {first:?}"))
        .to_string();
    // Keep reading what the server prints, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (server, url)
}

#[test]
fn genlayer_js_and_the_genlayer_cli_use_the_node_unchanged() {
    if !found("node") || !found("npm") {
        assert!(
            std::env::var("BILLING_REQUIRE_ALL").map_or(true, |v| v != "1"),
            "node and npm are required (BILLING_REQUIRE_ALL=1)"
        );
        println!("skipped: node or npm not found (the genlayer-js / genlayer CLI suite needs them)");
        return;
    }
    let js = js_dir();
    if !js.join("node_modules").join("genlayer-js").exists() {
        // --ignore-scripts: the CLI's keychain module (keytar) needs libsecret to build; the CLI
        // works without it, reading the password from stdin.
        let status = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&js)
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm ci failed in {}", js.display());
    }
    let dir = std::env::temp_dir().join(format!("billing-rpc-clients-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let zip = dir.join("api_usage_billing_genvm.zip");
    std::fs::write(&zip, billing_artifact::genvm_zip().unwrap()).unwrap();
    let state = dir.join("state.redb");

    let (server, url) = serve(&state);
    let output = Command::new("node")
        .args(["--test", "--test-concurrency=1", "test/"])
        .current_dir(&js)
        .env("BILLING_RPC_URL", &url)
        .env("BILLING_GENVM_ZIP", &zip)
        .output()
        .expect("node runs");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Node suite failed:\n{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let passed = text.lines().find(|l| l.starts_with("# pass")).unwrap_or("# pass ?");
    println!("genlayer-js and genlayer CLI suite: {passed}");
}

/// `eth_sendRawTransaction` over a plain socket; `Some(hash)` when the node accepted it.
fn send(url: &str, raw: &str) -> Option<String> {
    let addr = url.trim_start_matches("http://").trim_end_matches("/api");
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["{raw}"]}}"#);
    let mut stream = TcpStream::connect(addr).ok()?;
    let head = format!(
        "POST /api HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let json: serde_json::Value = serde_json::from_str(answer.split_once("\r\n\r\n")?.1).ok()?;
    json["result"].as_str().map(str::to_string)
}

fn signed(key: &[u8; 32], nonce: u64, value: u128, method: &str, args: &[Value]) -> String {
    let add = AddTransaction {
        sender: eth::address_of_key(key).unwrap(),
        recipient: CONTRACT.0,
        num_initial_validators: 5,
        max_rotations: 3,
        tx_data: genlayer::encode_call(method, args),
        valid_until: None,
    };
    let data = encode_add_transaction(&add);
    hex::data(&eth::sign_legacy(key, nonce, Some(CONSENSUS_ADDRESS), value, &data, CHAIN_ID).unwrap())
}

/// `kill -9` of the server in the middle of a stream of writes: the state opens, holds every
/// transaction the node had accepted, and is exactly that after some prefix of those sent.
#[test]
fn a_killed_node_leaves_a_prefix_of_its_transactions() {
    let dir = std::env::temp_dir().join(format!("billing-rpc-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.redb");
    let key = eth::keccak(b"billing-sandbox crash test key");
    let me = api_usage_billing::Address(eth::address_of_key(&key).unwrap());
    let (mut server, url) = serve(&state);
    let setup = [
        signed(&key, 0, 0, "register_api", &[Value::from("w"), Value::from(1u64), Value::from(1_000_000u64)]),
        signed(
            &key,
            1,
            1_000_000,
            "subscribe",
            &[Value::from("w"), Value::from(1_000_000u64), Value::from(1_000_000u64)],
        ),
    ];
    for raw in &setup {
        assert!(send(&url, raw).is_some(), "setup accepted");
    }
    let started = Instant::now();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        let _ = server.0.kill();
        let _ = server.0.wait();
    });
    let mut accepted = 2u64;
    let mut sent = 2u64;
    let mut hashes = vec![];
    while started.elapsed() < Duration::from_secs(10) {
        let raw = signed(&key, sent, 0, "consume_credit", &[Value::from("w"), Value::Address(me)]);
        sent += 1;
        match send(&url, &raw) {
            Some(hash) => {
                accepted += 1;
                hashes.push(hash);
            }
            None => break,
        }
    }
    killer.join().unwrap();
    assert!(accepted > 3, "the node accepted writes before the kill ({accepted})");

    let wasm = billing_artifact::genvm_wasm().unwrap();
    let chain = billing_chain::Chain::open_with(&state, &wasm, false, billing_chain::Abi::Genvm).unwrap();
    let applied = chain.next_nonce(&me).unwrap();
    assert!((accepted..=sent).contains(&applied), "applied {applied}, accepted {accepted}, sent {sent}");
    for hash in &hashes {
        assert!(chain.transaction_record(&hex::fixed::<32>(hash).unwrap()).unwrap().is_some(), "{hash} kept");
    }
    // The contract saw exactly the bills of that prefix, once each, and holds the deposit.
    let report = match chain.view("get_usage_report", &[Value::Address(me)]).unwrap() {
        Ok(Value::Str(text)) => serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        other => panic!("{other:?}"),
    };
    let bills = applied - 2;
    assert_eq!(report["apis"][0]["calls_today"], serde_json::json!(bills));
    assert_eq!(report["credit_balance_wei"], serde_json::json!((1_000_000 - bills).to_string()));
    assert_eq!(chain.block_number().unwrap(), applied);
    assert_eq!(chain.balance(&CONTRACT).unwrap(), 1_000_000);
    drop(chain);
    let _ = std::fs::remove_dir_all(&dir);
}
