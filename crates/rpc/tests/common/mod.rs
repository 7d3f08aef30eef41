//! A node on a fresh chain on a free loopback port, and a plain HTTP JSON-RPC client for it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;

use api_usage_billing::Value;
use billing_chain::CONTRACT;
use billing_chain::{Abi, Chain};
use billing_rpc::abi::{encode_add_transaction, AddTransaction};
use billing_rpc::{eth, genlayer, hex, ClockMode, Node, NodeConfig, Running, CHAIN_ID, CONSENSUS_ADDRESS};
use serde_json::{json, Value as Json};

pub struct TestNode {
    pub node: Arc<Node>,
    pub running: Option<Running>,
    pub addr: SocketAddr,
    pub state: PathBuf,
    _dir: TempDir,
}

pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("billing-rpc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

pub fn start(name: &str, threads: usize) -> TestNode {
    start_with(name, threads, None)
}

/// [`start`], serving `dashboard` at `/`.
pub fn start_with(name: &str, threads: usize, dashboard: Option<billing_rpc::Dashboard>) -> TestNode {
    let dir = temp_dir(name);
    let state = dir.0.join("state.redb");
    let wasm = billing_artifact::genvm_wasm().unwrap();
    let zip = billing_artifact::genvm_zip().unwrap();
    let chain = Chain::open_with(&state, &wasm, true, Abi::Genvm).unwrap();
    let config = NodeConfig { clock: ClockMode::Fixed, deployable: vec![zip.clone(), wasm], code: zip };
    let node = Arc::new(Node::new(chain, config).unwrap());
    let running = billing_rpc::serve_with(Arc::clone(&node), 0, threads, dashboard).unwrap();
    let addr = running.addr;
    TestNode { node, running: Some(running), addr, state, _dir: dir }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }
}

/// One HTTP request; returns the status and the body.
pub fn http(addr: SocketAddr, method: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} /api HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A server refusing a large body may close before reading it all.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string());
    (status, body)
}

pub fn raw_headers(addr: SocketAddr, method: &str, headers: &[(&str, &str)]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut head =
        format!("{method} /api HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

pub fn rpc(addr: SocketAddr, method: &str, params: Json) -> Json {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
    let (_, answer) = http(addr, "POST", &[], body.as_bytes());
    serde_json::from_str(&answer).unwrap_or_else(|e| panic!("not JSON ({e}): {answer}"))
}

pub fn result(addr: SocketAddr, method: &str, params: Json) -> Json {
    let answer = rpc(addr, method, params);
    assert!(answer.get("error").is_none(), "{method}: {answer}");
    answer["result"].clone()
}

/// A development key: 32 bytes from a seed.
pub fn key(seed: u8) -> [u8; 32] {
    eth::keccak(&[b"billing-rpc test key".as_slice(), &[seed]].concat())
}

pub fn address(key: &[u8; 32]) -> api_usage_billing::Address {
    api_usage_billing::Address(eth::address_of_key(key).unwrap())
}

/// A signed transaction calling `method(args)` on the billing contract, as genlayer-js builds it.
pub fn call_tx(key: &[u8; 32], nonce: u64, value: u128, method: &str, args: &[Value]) -> String {
    tx_to(key, nonce, value, CONTRACT.0, &genlayer::encode_call(method, args), CHAIN_ID)
}

pub fn tx_to(
    key: &[u8; 32],
    nonce: u64,
    value: u128,
    recipient: [u8; 20],
    data: &[u8],
    chain_id: u64,
) -> String {
    tx_until(key, nonce, value, recipient, data, chain_id, None)
}

/// The six argument `addTransaction` (with `_validUntil`), as newer genlayer-js chains send it.
pub fn tx_until(
    key: &[u8; 32],
    nonce: u64,
    value: u128,
    recipient: [u8; 20],
    data: &[u8],
    chain_id: u64,
    valid_until: Option<u128>,
) -> String {
    let add = AddTransaction {
        sender: eth::address_of_key(key).unwrap(),
        recipient,
        num_initial_validators: 5,
        max_rotations: 3,
        tx_data: data.to_vec(),
        valid_until,
    };
    let raw =
        eth::sign_legacy(key, nonce, Some(CONSENSUS_ADDRESS), value, &encode_add_transaction(&add), chain_id)
            .unwrap();
    hex::data(&raw)
}

/// `gen_call` read of a view; the decoded calldata result.
pub fn view(addr: SocketAddr, method: &str, args: &[Value]) -> Value {
    let data = hex::data(&genlayer::encode_call(method, args));
    let answer = result(addr, "gen_call", json!([{ "type": "read", "to": CONTRACT.to_hex(), "data": data }]));
    assert_eq!(answer["status"]["code"], 0, "{answer}");
    let bytes = hex::decode(answer["data"].as_str().unwrap()).unwrap();
    api_usage_billing::calldata::decode(&bytes).unwrap()
}

pub fn balance(addr: SocketAddr, account: &api_usage_billing::Address) -> u128 {
    let text = result(addr, "eth_getBalance", json!([account.to_hex(), "latest"]));
    hex::parse_quantity(text.as_str().unwrap()).unwrap()
}

pub fn nonce(addr: SocketAddr, account: &api_usage_billing::Address) -> u64 {
    let text = result(addr, "eth_getTransactionCount", json!([account.to_hex(), "latest"]));
    hex::parse_quantity(text.as_str().unwrap()).unwrap() as u64
}
