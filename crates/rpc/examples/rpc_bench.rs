//! Reads and writes per second through JSON-RPC on loopback, one client and several, on a state on
//! disk (one durable commit per write). `cargo run --release -p billing-rpc --example rpc_bench --
//! [seconds per phase] [clients]`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_usage_billing::Value;
use billing_chain::CONTRACT;
use billing_chain::{Abi, Chain};
use billing_rpc::abi::{encode_add_transaction, AddTransaction};
use billing_rpc::{eth, genlayer, hex, ClockMode, Node, NodeConfig, CHAIN_ID, CONSENSUS_ADDRESS};

/// One keep-alive connection, as fetch in Node keeps one.
struct Client {
    reader: BufReader<TcpStream>,
    addr: SocketAddr,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Client { reader: BufReader::new(stream), addr }
    }

    fn call(&mut self, method: &str, params: &str) -> serde_json::Value {
        let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
        let head = format!(
            "POST /api HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).expect("write");
        stream.write_all(body.as_bytes()).expect("write");
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("read");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("length");
            }
        }
        let mut answer = vec![0; length];
        self.reader.read_exact(&mut answer).expect("body");
        serde_json::from_slice(&answer).expect("json")
    }
}

fn key(seed: u64) -> [u8; 32] {
    eth::keccak(format!("rpc bench key {seed}").as_bytes())
}

fn signed(key: &[u8; 32], nonce: u64, value: u128, method: &str, args: &[Value]) -> String {
    let add = AddTransaction {
        sender: eth::address_of_key(key).expect("key"),
        recipient: CONTRACT.0,
        num_initial_validators: 5,
        max_rotations: 3,
        tx_data: genlayer::encode_call(method, args),
        valid_until: None,
    };
    let raw =
        eth::sign_legacy(key, nonce, Some(CONSENSUS_ADDRESS), value, &encode_add_transaction(&add), CHAIN_ID)
            .expect("sign");
    format!(r#"["{}"]"#, hex::data(&raw))
}

/// Runs `clients` threads for `seconds`, each doing `op(client index, n)`; total operations.
fn phase(
    clients: usize,
    seconds: u64,
    op: impl Fn(&mut Client, usize, u64) + Send + Sync + 'static,
    addr: SocketAddr,
) -> f64 {
    let op = Arc::new(op);
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let op = Arc::clone(&op);
            std::thread::spawn(move || {
                let mut client = Client::new(addr);
                let mut n = 0;
                while started.elapsed() < Duration::from_secs(seconds) {
                    op(&mut client, c, n);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().expect("client")).sum();
    total as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let many: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(4);
    let dir = std::env::temp_dir().join(format!("billing-rpc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let wasm = billing_artifact::genvm_wasm().expect("artifact");
    let zip = billing_artifact::genvm_zip().expect("artifact");
    let chain = Chain::open_with(&dir.join("state.redb"), &wasm, true, Abi::Genvm).expect("chain");
    let node =
        Node::new(chain, NodeConfig { clock: ClockMode::Fixed, deployable: vec![zip.clone()], code: zip })
            .expect("node");
    let running = billing_rpc::serve(Arc::new(node), 0, many.max(4)).expect("serve");
    let addr = running.addr;

    // Setup: an API with a large limit; each client subscribes itself with a deposit (nonce 0, 1).
    let mut setup = Client::new(addr);
    let limit = Value::from(u64::MAX / 2);
    let operator = key(1_000);
    setup.call(
        "eth_sendRawTransaction",
        &signed(&operator, 0, 0, "register_api", &[Value::from("w"), Value::from(1u64), limit.clone()]),
    );
    for c in 0..many as u64 {
        let deposit = Value::from(1_000_000_000u64);
        let raw = signed(&key(c), 0, 1_000_000_000, "subscribe", &[Value::from("w"), limit.clone(), deposit]);
        let answer = setup.call("eth_sendRawTransaction", &raw);
        assert!(answer.get("result").is_some(), "{answer}");
    }
    let nonces: Arc<Vec<std::sync::atomic::AtomicU64>> =
        Arc::new((0..many).map(|_| std::sync::atomic::AtomicU64::new(1)).collect());
    let write = {
        let nonces = Arc::clone(&nonces);
        move |client: &mut Client, c: usize, _n: u64| {
            let me = api_usage_billing::Address(eth::address_of_key(&key(c as u64)).expect("key"));
            let nonce = nonces[c].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let raw =
                signed(&key(c as u64), nonce, 0, "consume_credit", &[Value::from("w"), Value::Address(me)]);
            let answer = client.call("eth_sendRawTransaction", &raw);
            assert!(answer.get("result").is_some(), "{answer}");
        }
    };
    let read = |client: &mut Client, c: usize, _n: u64| {
        let me = api_usage_billing::Address(eth::address_of_key(&key(c as u64)).expect("key"));
        let data = hex::data(&genlayer::encode_call("get_usage_report", &[Value::Address(me)]));
        let params = format!(r#"[{{"type":"read","to":"{}","data":"{data}"}}]"#, CONTRACT.to_hex());
        let answer = client.call("gen_call", &params);
        assert_eq!(answer["result"]["status"]["code"], 0, "{answer}");
    };
    let write = Arc::new(write);
    let w1 = {
        let w = Arc::clone(&write);
        phase(1, seconds, move |cl, c, n| w(cl, c, n), addr)
    };
    let wn = {
        let w = Arc::clone(&write);
        phase(many, seconds, move |cl, c, n| w(cl, c, n), addr)
    };
    let r1 = phase(1, seconds, read, addr);
    let rn = phase(many, seconds, read, addr);
    println!("JSON-RPC on loopback, state on disk, {seconds} s a phase:");
    println!("  writes (eth_sendRawTransaction consume_credit, durable): 1 client {w1:.0}/s, {many} clients {wn:.0}/s");
    println!("  reads (gen_call get_usage_report): 1 client {r1:.0}/s, {many} clients {rn:.0}/s");
    running.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
