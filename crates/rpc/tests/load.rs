//! A short loopback load test: several clients send signed writes and reads at once; every accepted
//! transaction is applied exactly once, in nonce order per sender, and no wei is created or lost.

mod common;

use std::time::{Duration, Instant};

use api_usage_billing::Value;
use billing_chain::CONTRACT;
use common::*;
use serde_json::{json, Value as Json};

const CLIENTS: u8 = 4;
/// Writes per client, at most; the run also stops after `BUDGET`.
const WRITES: u64 = 40;
const BUDGET: Duration = Duration::from_secs(5);

#[test]
fn concurrent_clients_each_transaction_applied_once_in_nonce_order() {
    let node = start("load", 4);
    let a = node.addr;
    let operator = key(100);
    result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(
            &operator,
            0,
            0,
            "register_api",
            &[Value::from("weather"), Value::from(1u64), Value::from(1_000_000u64)]
        )]),
    );
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            std::thread::spawn(move || {
                let me = key(c);
                let who = address(&me);
                let mut accepted = vec![];
                // Nonce 0 subscribes with a deposit; then bills, with a read between writes.
                let first = call_tx(
                    &me,
                    0,
                    100_000,
                    "subscribe",
                    &[Value::from("weather"), Value::from(1_000_000u64), Value::from(100_000u64)],
                );
                accepted.push(result(a, "eth_sendRawTransaction", json!([first])));
                for n in 1..WRITES {
                    if started.elapsed() > BUDGET {
                        break;
                    }
                    let raw =
                        call_tx(&me, n, 0, "consume_credit", &[Value::from("weather"), Value::Address(who)]);
                    let answer = rpc(a, "eth_sendRawTransaction", json!([raw]));
                    // A client replays its last transaction now and then: it must not run twice.
                    if n % 7 == 0 {
                        let again = rpc(a, "eth_sendRawTransaction", json!([raw]));
                        assert!(again.get("error").is_some(), "{again}");
                    }
                    accepted.push(answer["result"].clone());
                    let report = view(a, "get_usage_report", &[Value::Address(who)]);
                    assert!(report.as_str().is_some());
                }
                (who, accepted)
            })
        })
        .collect();
    let mut total_writes = 1;
    let mut expected_credit = 0u128;
    for client in clients {
        let (who, accepted) = client.join().unwrap();
        assert!(accepted.iter().all(Json::is_string), "every write accepted: {accepted:?}");
        total_writes += accepted.len() as u64;
        // Nonce order: the i-th accepted transaction carries nonce i, and the sender's next is len.
        for (i, hash) in accepted.iter().enumerate() {
            let tx = result(a, "eth_getTransactionByHash", json!([hash]));
            assert_eq!(tx["nonce"], json!(format!("{i:#x}")));
            assert_eq!(tx["from_address"], json!(who.to_hex()));
        }
        assert_eq!(nonce(a, &who), accepted.len() as u64);
        let bills = accepted.len() as u128 - 1;
        let report: Json =
            serde_json::from_str(view(a, "get_usage_report", &[Value::Address(who)]).as_str().unwrap())
                .unwrap();
        assert_eq!(report["apis"][0]["calls_today"], json!(bills as u64), "each bill once");
        assert_eq!(report["credit_balance_wei"], json!((100_000 - bills).to_string()));
        assert_eq!(balance(a, &who), billing_chain::FAUCET_WEI - 100_000);
        expected_credit += 100_000;
    }
    // Blocks: one per transaction; money: what left the consumers is held by the contract.
    let blocks = result(a, "eth_blockNumber", json!([]));
    assert_eq!(blocks, json!(format!("{:#x}", total_writes)));
    assert_eq!(balance(a, &CONTRACT), expected_credit);
    eprintln!("load: {total_writes} writes from {CLIENTS} clients in {:?}", started.elapsed());
}
