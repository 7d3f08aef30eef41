//! The node over HTTP as a client sees it: JSON-RPC errors, signed transactions and their receipts,
//! `gen_call`, the helpers, and bad input that must change nothing.

mod common;

use api_usage_billing::Value;
use billing_chain::CONTRACT;
use billing_rpc::{genlayer, hex, rlp, CHAIN_ID, MAX_BODY};
use common::*;
use serde_json::{json, Value as Json};

fn error_code(answer: &Json) -> i64 {
    answer["error"]["code"].as_i64().unwrap_or_else(|| panic!("no error: {answer}"))
}

/// What a client could observe of the chain: every account's balance and nonce, the block, the
/// report of every consumer, an API's report.
fn snapshot(node: &TestNode, accounts: &[api_usage_billing::Address]) -> Json {
    let a = node.addr;
    json!({
        "block": result(a, "eth_blockNumber", json!([])),
        "balances": accounts.iter().map(|x| balance(a, x).to_string()).collect::<Vec<_>>(),
        "nonces": accounts.iter().map(|x| nonce(a, x)).collect::<Vec<_>>(),
        "contract": balance(a, &CONTRACT).to_string(),
        "reports": accounts.iter().map(|x| format!("{:?}", view(a, "get_usage_report", &[Value::Address(*x)]))).collect::<Vec<_>>(),
        "api": format!("{:?}", view(a, "get_api_report", &[Value::from("weather")])),
    })
}

#[test]
fn json_rpc_errors_have_the_codes_clients_expect() {
    let node = start("errors", 2);
    let a = node.addr;
    let (status, body) = http(a, "POST", &[], b"{not json");
    assert_eq!(status, 200);
    let answer: Json = serde_json::from_str(&body).unwrap();
    assert_eq!(error_code(&answer), -32700);
    assert_eq!(answer["id"], Json::Null);

    let (_, body) = http(a, "POST", &[], b"[]");
    assert_eq!(error_code(&serde_json::from_str(&body).unwrap()), -32600);
    let (_, body) = http(a, "POST", &[], br#"{"jsonrpc":"1.0","id":3,"method":"eth_chainId"}"#);
    let answer: Json = serde_json::from_str(&body).unwrap();
    assert_eq!((error_code(&answer), answer["id"].clone()), (-32600, json!(3)));
    assert_eq!(error_code(&rpc(a, "eth_noSuchMethod", json!([]))), -32601);
    assert_eq!(error_code(&rpc(a, "eth_getBalance", json!(["0x1234"]))), -32602);
    assert_eq!(error_code(&rpc(a, "eth_getTransactionByHash", json!([7]))), -32602);
    assert_eq!(error_code(&rpc(a, "gen_call", json!(["read"]))), -32602);
    assert_eq!(error_code(&rpc(a, "eth_sendRawTransaction", json!(["0xzz"]))), -32602);

    // A batch answers each request in order; notifications get no answer.
    let batch = json!([
        { "jsonrpc": "2.0", "id": 1, "method": "eth_chainId" },
        { "jsonrpc": "2.0", "method": "eth_chainId" },
        { "jsonrpc": "2.0", "id": "b", "method": "nope" },
        5,
    ]);
    let (_, body) = http(a, "POST", &[], batch.to_string().as_bytes());
    let answers: Json = serde_json::from_str(&body).unwrap();
    assert_eq!(answers[0]["result"], json!(format!("{:#x}", CHAIN_ID)));
    assert_eq!((answers[1]["id"].clone(), error_code(&answers[1])), (json!("b"), -32601));
    assert_eq!(error_code(&answers[2]), -32600);
    assert_eq!(answers.as_array().unwrap().len(), 3);
    let (status, body) = http(a, "POST", &[], br#"{"jsonrpc":"2.0","method":"eth_chainId"}"#);
    assert_eq!((status, body.as_str()), (204, ""));

    assert_eq!(result(a, "eth_chainId", json!([])), json!("0xeec7"));
    assert_eq!(result(a, "eth_blockNumber", json!([])), json!("0x0"));
}

#[test]
fn http_limits_and_cross_origin_rules() {
    let node = start("http", 2);
    let a = node.addr;
    let big = vec![b' '; MAX_BODY + 10];
    let (status, body) = http(a, "POST", &[], &big);
    assert_eq!(status, 413, "{body}");
    assert_eq!(error_code(&serde_json::from_str(&body).unwrap()), -32600);

    let allowed = raw_headers(a, "OPTIONS", &[("Origin", "http://localhost:5173")]);
    assert!(allowed.starts_with("HTTP/1.1 204"), "{allowed}");
    assert!(allowed.contains("Access-Control-Allow-Origin: http://localhost:5173"), "{allowed}");
    let refused = raw_headers(a, "POST", &[("Origin", "https://evil.example")]);
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(!refused.contains("Access-Control-Allow-Origin"));
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).to_string();
    let (status, _) = http(a, "POST", &[("Origin", "http://127.0.0.1:8080")], body.as_bytes());
    assert_eq!(status, 200);
}

#[test]
fn signed_transactions_run_once_and_their_receipts_tell_the_outcome() {
    let node = start("writes", 2);
    let a = node.addr;
    let (operator, consumer, delegate) = (key(1), key(2), key(3));
    let (op, co, de) = (address(&operator), address(&consumer), address(&delegate));

    let hash = result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(
            &operator,
            0,
            0,
            "register_api",
            &[Value::from("weather"), Value::from(10u64), Value::from(5u64)]
        )]),
    );
    let receipt = result(a, "eth_getTransactionReceipt", json!([hash]));
    assert_eq!(receipt["status"], "0x1");
    let log = &receipt["logs"][0];
    assert_eq!(log["topics"][0], "0xdab9102861c7483a187584d6371d88316f005af507982ccf95c110879f3ed5a5");
    let id = log["topics"][1].as_str().unwrap().to_string();
    assert_ne!(id, hash.as_str().unwrap());
    for key in [id.as_str(), hash.as_str().unwrap()] {
        let tx = result(a, "eth_getTransactionByHash", json!([key]));
        assert_eq!(tx["status"], "FINALIZED");
        assert_eq!(tx["hash"], json!(id));
        assert_eq!(tx["consensus_data"]["leader_receipt"][0]["execution_result"], "SUCCESS");
        assert_eq!(tx["consensus_data"]["leader_receipt"][0]["events"][0]["name"], "ApiRegistered");
    }
    assert_eq!(nonce(a, &op), 1);

    // Value attached to a payable method moves real money.
    let before = balance(a, &co);
    result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(
            &consumer,
            0,
            1000,
            "subscribe",
            &[Value::from("weather"), Value::from(30u64), Value::from(1000u64)]
        )]),
    );
    assert_eq!(balance(a, &co), before - 1000);
    assert_eq!(balance(a, &CONTRACT), 1000);
    result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(&consumer, 1, 0, "approve_delegate", &[Value::from("weather"), Value::Address(de)])]),
    );
    result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(&delegate, 0, 0, "consume_credit", &[Value::from("weather"), Value::Address(co)])]),
    );
    let report = view(a, "get_usage_report", &[Value::Address(co)]);
    let report: Json = serde_json::from_str(report.as_str().unwrap()).unwrap();
    assert_eq!(report["credit_balance_wei"], "990");

    // A refused bill is still a decided transaction: its nonce is used, its [Refused] line and
    // [EXPECTED] message are in the leader's receipt, and nothing else changed.
    let accounts = [op, co, de];
    let before = snapshot(&node, &accounts);
    let refused = result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(&operator, 1, 0, "consume_credit", &[Value::from("weather"), Value::Address(co)])]),
    );
    let tx = result(a, "eth_getTransactionByHash", json!([refused]));
    let leader = &tx["consensus_data"]["leader_receipt"][0];
    assert_eq!(leader["execution_result"], "ERROR");
    assert!(
        leader["genvm_result"]["stdout"].as_str().unwrap().starts_with("[Refused] code=caller_not_allowed"),
        "{leader}"
    );
    assert!(leader["error"]["message"].as_str().unwrap().starts_with("[EXPECTED]"), "{leader}");
    let trace = result(a, "gen_dbg_traceTransaction", json!([{ "txID": tx["hash"], "round": 0 }]));
    assert!(trace["stdout"].as_str().unwrap().starts_with("[Refused] "), "{trace}");
    let mut after = snapshot(&node, &accounts);
    assert_eq!(after["nonces"][0], 2);
    after["nonces"][0] = json!(1);
    assert_eq!(after["block"], "0x5");
    after["block"] = before["block"].clone();
    assert_eq!(after, before);

    // withdraw_credit sends the credit back.
    let held = balance(a, &co);
    result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(&consumer, 2, 0, "withdraw_credit", &[Value::from(500u64)])]),
    );
    assert_eq!(balance(a, &co), held + 500);
}

#[test]
fn bad_transactions_are_refused_and_change_nothing() {
    let node = start("bad", 2);
    let a = node.addr;
    let (operator, other) = (key(1), key(2));
    let (op, ot) = (address(&operator), address(&other));
    result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(
            &operator,
            0,
            0,
            "register_api",
            &[Value::from("weather"), Value::from(10u64), Value::from(5u64)]
        )]),
    );
    let accounts = [op, ot];
    let before = snapshot(&node, &accounts);
    let register = |key: &[u8; 32], nonce: u64| {
        call_tx(key, nonce, 0, "register_api", &[Value::from("maps"), Value::from(1u64), Value::from(1u64)])
    };
    let replay = register(&operator, 0);
    let cases: Vec<(&str, String, &str)> = vec![
        ("replayed nonce", replay.clone(), "nonce too low"),
        ("future nonce", register(&operator, 5), "nonce too high"),
        (
            "other chain",
            tx_to(&operator, 1, 0, CONTRACT.0, &genlayer::encode_call("get_schema", &[]), 1),
            "chain id",
        ),
        (
            "unknown contract",
            tx_to(&operator, 1, 0, [0x42; 20], &genlayer::encode_call("register_api", &[]), CHAIN_ID),
            "no contract at",
        ),
        (
            "unknown code",
            tx_to(
                &operator,
                1,
                0,
                [0; 20],
                &rlp::encode_list(&[rlp::bytes(b"PK other"), rlp::bytes(&[]), rlp::bytes(&[0])]),
                CHAIN_ID,
            ),
            "GenVM contract",
        ),
        ("not RLP data", tx_to(&operator, 1, 0, CONTRACT.0, &[0xff, 0x01], CHAIN_ID), "RLP"),
        ("truncated", replay[..replay.len() - 8].to_string(), "invalid transaction"),
        ("not a transaction", "0xc0".to_string(), "invalid transaction"),
    ];
    for (what, raw, expected) in cases {
        let answer = rpc(a, "eth_sendRawTransaction", json!([raw]));
        assert_eq!(error_code(&answer), -32000, "{what}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{what}: {message}");
    }
    // A flipped bit in the signature: refused, or a different (unfunded, nonce-0) signer whose
    // nonce 1 is then wrong. Either way nothing runs.
    let mut raw = hex::decode(&register(&operator, 1)).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    assert_eq!(error_code(&rpc(a, "eth_sendRawTransaction", json!([hex::data(&raw)]))), -32000);
    // The same transaction sent twice runs once.
    let once = register(&operator, 1);
    result(a, "eth_sendRawTransaction", json!([once]));
    let again = rpc(a, "eth_sendRawTransaction", json!([once]));
    assert!(again["error"]["message"].as_str().unwrap().contains("already known"), "{again}");
    let mut after = snapshot(&node, &accounts);
    assert_eq!(after["nonces"][0], 2);
    assert_eq!(after["block"], "0x2");
    after["nonces"] = before["nonces"].clone();
    after["block"] = before["block"].clone();
    after["api"] = before["api"].clone();
    assert_eq!(after, before);
}

#[test]
fn gen_call_reads_simulates_and_the_schema_and_code_are_served() {
    let node = start("reads", 2);
    let a = node.addr;
    let example = view(a, "consumer_integration_example", &[]);
    assert!(example.as_str().unwrap().contains("consume_credit"));
    // A write simulation answers as the call would, and changes nothing.
    let data = hex::data(&genlayer::encode_call(
        "register_api",
        &[Value::from("w"), Value::from(1u64), Value::from(1u64)],
    ));
    let sim = result(
        a,
        "gen_call",
        json!([{ "type": "write", "to": CONTRACT.to_hex(), "from": address(&key(1)).to_hex(), "data": data }]),
    );
    assert_eq!(sim["status"]["code"], 0);
    assert_eq!(sim["events"][0]["name"], "ApiRegistered");
    let report = hex::data(&genlayer::encode_call("get_api_report", &[Value::from("w")]));
    let report = result(a, "gen_call", json!([{ "type": "read", "to": CONTRACT.to_hex(), "data": report }]));
    assert_eq!(report["error"]["code"], "api_not_registered", "the simulation stored nothing: {report}");
    // A refusal is a status, with the [EXPECTED] message.
    let bad = hex::data(&genlayer::encode_call("get_usage_report", &[Value::from("nope")]));
    let refused = result(a, "gen_call", json!([{ "type": "read", "to": CONTRACT.to_hex(), "data": bad }]));
    assert_eq!(refused["status"]["code"], 1);
    assert!(refused["status"]["message"].as_str().unwrap().starts_with("[EXPECTED]"));
    let schema = result(a, "gen_getContractSchema", json!([CONTRACT.to_hex()]));
    let file: Json = serde_json::from_str(include_str!("../../../schema/contract.json")).unwrap();
    assert_eq!(schema, file);
    assert_eq!(
        error_code(&rpc(a, "gen_getContractSchema", json!(["0x".to_string() + &"42".repeat(20)]))),
        -32000
    );
    let zip = billing_artifact::genvm_zip().unwrap();
    assert_eq!(result(a, "gen_getContractSchemaForCode", json!([hex::data(&zip)])), file);
    assert_eq!(error_code(&rpc(a, "gen_getContractSchemaForCode", json!(["0x00"]))), -32000);
    assert!(result(a, "gen_getContractCode", json!([CONTRACT.to_hex()]))
        .as_str()
        .unwrap()
        .starts_with("UEsDB"));
}

#[test]
fn funding_and_time_helpers() {
    let node = start("helpers", 1);
    let a = node.addr;
    let who = address(&key(9));
    let start = balance(a, &who);
    result(a, "sim_fundAccount", json!([who.to_hex(), 5]));
    assert_eq!(balance(a, &who), start + 5);
    let block = |a| result(a, "eth_getBlockByNumber", json!(["latest", false]))["timestamp"].clone();
    let t0 = hex::parse_quantity(block(a).as_str().unwrap()).unwrap();
    result(a, "sim_increaseTime", json!([86_400]));
    assert_eq!(hex::parse_quantity(block(a).as_str().unwrap()).unwrap(), t0 + 86_400);
    assert_eq!(error_code(&rpc(a, "sim_setTime", json!([t0]))), -32000);
}

#[test]
fn a_deploy_of_the_contract_s_zip_gets_a_receipt_with_its_address() {
    let node = start("deploy", 1);
    let a = node.addr;
    let zip = billing_artifact::genvm_zip().unwrap();
    let empty = api_usage_billing::calldata::encode(&Value::Map(vec![]));
    let data = rlp::encode_list(&[rlp::bytes(&zip), rlp::bytes(&empty), rlp::bytes(&[0])]);
    let hash = result(a, "eth_sendRawTransaction", json!([tx_to(&key(4), 0, 0, [0; 20], &data, CHAIN_ID)]));
    let tx = result(a, "eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["data"]["contract_address"], json!(CONTRACT.to_hex()));
    assert_eq!(tx["status"], "FINALIZED");
}

#[test]
fn both_add_transaction_forms_are_accepted_and_valid_until_is_enforced() {
    let node = start("v6", 1);
    let a = node.addr;
    let operator = key(1);
    let register = |name: &str| {
        genlayer::encode_call("register_api", &[Value::from(name), Value::from(1u64), Value::from(1u64)])
    };
    let block = result(a, "eth_getBlockByNumber", json!(["latest", false]));
    let now = hex::parse_quantity(block["timestamp"].as_str().unwrap()).unwrap();
    // The older CLI's fallback sends `_validUntil` = 0 (no limit); genlayer-js 1.2 an hour ahead.
    for (nonce, until) in [(0, Some(0)), (1, Some(now + 3600))] {
        let raw =
            tx_until(&operator, nonce, 0, CONTRACT.0, &register(&format!("api{nonce}")), CHAIN_ID, until);
        result(a, "eth_sendRawTransaction", json!([raw]));
    }
    let expired = tx_until(&operator, 2, 0, CONTRACT.0, &register("late"), CHAIN_ID, Some(now - 1));
    let answer = rpc(a, "eth_sendRawTransaction", json!([expired]));
    assert!(answer["error"]["message"].as_str().unwrap().contains("expired"), "{answer}");
    assert_eq!(nonce(a, &address(&operator)), 2);
}

#[test]
fn value_beyond_u64_is_refused_as_genvm_cannot_carry_it_and_moves_nothing() {
    let node = start("bigvalue", 1);
    let a = node.addr;
    let consumer = key(5);
    let who = address(&consumer);
    let before = balance(a, &who);
    let contract_before = balance(a, &CONTRACT);
    let big: u128 = 20 * 10u128.pow(18);
    let hash = result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(&consumer, 0, big, "top_up_credit", &[Value::from(big)])]),
    );
    let tx = result(a, "eth_getTransactionByHash", json!([hash]));
    let receipt = &tx["consensus_data"]["leader_receipt"][0];
    assert_eq!(receipt["execution_result"], "ERROR", "{tx}");
    assert!(receipt["genvm_result"]["stdout"].as_str().unwrap().contains("value_not_expressible"), "{tx}");
    assert_eq!(balance(a, &who), before);
    assert_eq!(balance(a, &CONTRACT), contract_before);
    // Within u64 the value arrives whole.
    let fits = u128::from(u64::MAX);
    let hash = result(
        a,
        "eth_sendRawTransaction",
        json!([call_tx(&consumer, 1, fits, "top_up_credit", &[Value::from(fits)])]),
    );
    let tx = result(a, "eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["consensus_data"]["leader_receipt"][0]["execution_result"], "SUCCESS", "{tx}");
    assert_eq!(balance(a, &who), before - fits);
}
