//! Deploys of other GenVM code make new contracts, GenLayer's way: a new address in the receipt, its
//! own storage and balance; calls, simulations, code and schema route by recipient.

mod common;

use api_usage_billing::{Address, Value};
use billing_chain::CONTRACT;
use billing_rpc::{genlayer, hex, rlp, CHAIN_ID};
use common::{address, balance, key, result, rpc, start, tx_to};
use serde_json::json;

/// The billing contract's GenVM module with a custom section appended: valid, and other code.
fn other_wasm() -> Vec<u8> {
    let mut wasm = billing_artifact::genvm_wasm().unwrap();
    let name = b"another-contract";
    wasm.extend_from_slice(&[0, (name.len() + 1) as u8, name.len() as u8]);
    wasm.extend_from_slice(name);
    wasm
}

fn deploy_tx(seed: u8, nonce: u64, code: &[u8]) -> String {
    let empty = api_usage_billing::calldata::encode(&Value::Map(vec![]));
    let data = rlp::encode_list(&[rlp::bytes(code), rlp::bytes(&empty), rlp::bytes(&[0])]);
    tx_to(&key(seed), nonce, 0, [0; 20], &data, CHAIN_ID)
}

fn call_to(seed: u8, nonce: u64, value: u128, to: Address, method: &str, args: &[Value]) -> String {
    tx_to(&key(seed), nonce, value, to.0, &genlayer::encode_call(method, args), CHAIN_ID)
}

#[test]
fn a_deploy_of_other_genvm_code_makes_a_new_contract_that_calls_reach_by_address() {
    let node = start("multi", 1);
    let a = node.addr;
    let deployer = address(&key(4));
    let hash = result(a, "eth_sendRawTransaction", json!([deploy_tx(4, 0, &other_wasm())]));
    let tx = result(a, "eth_getTransactionByHash", json!([hash]));
    let made = billing_chain::contract_address(&deployer, 0);
    assert_eq!(tx["data"]["contract_address"], json!(made.to_hex()), "{tx}");
    assert_eq!(tx["consensus_data"]["leader_receipt"][0]["execution_result"], "SUCCESS", "{tx}");
    assert_eq!(result(a, "eth_getCode", json!([made.to_hex(), "latest"])), json!(hex::data(&other_wasm())));
    assert_eq!(balance(a, &made), 0);

    // A second deploy by the same sender: the next address.
    let hash = result(a, "eth_sendRawTransaction", json!([deploy_tx(4, 1, &other_wasm())]));
    let tx = result(a, "eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["data"]["contract_address"], json!(billing_chain::contract_address(&deployer, 1).to_hex()));

    // Calls route by recipient: the API exists on the new contract only.
    let operator = 5;
    let register = call_to(
        operator,
        0,
        0,
        made,
        "register_api",
        &[Value::from("w"), Value::from(10u64), Value::from(5u64)],
    );
    let hash = result(a, "eth_sendRawTransaction", json!([register]));
    let tx = result(a, "eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["consensus_data"]["leader_receipt"][0]["execution_result"], "SUCCESS", "{tx}");
    assert_eq!(tx["to_address"], json!(made.to_hex()));
    let consumer = 6;
    let subscribe = call_to(
        consumer,
        0,
        500,
        made,
        "subscribe",
        &[Value::from("w"), Value::from(100u64), Value::from(500u64)],
    );
    result(a, "eth_sendRawTransaction", json!([subscribe]));
    assert_eq!(balance(a, &made), 500);
    assert_eq!(balance(a, &CONTRACT), 0);

    let read = |to: Address| {
        let data = rlp::encode_list(&[
            rlp::bytes(&genlayer::call_calldata("get_api_report", &[Value::from("w")])),
            rlp::bytes(&[0]),
        ]);
        rpc(a, "gen_call", json!([{ "type": "read", "to": to.to_hex(), "data": hex::data(&data) }]))
    };
    assert_eq!(read(made)["result"]["status"]["code"], 0, "{}", read(made));
    assert_eq!(read(CONTRACT)["result"]["error"]["code"], "api_not_registered", "{}", read(CONTRACT));
    let schema = rpc(a, "gen_getContractSchema", json!([made.to_hex()]));
    assert!(schema["result"]["methods"]["consume_credit"].is_object(), "{schema}");

    // A contract's address never sends; a call to an address with no contract is refused up front.
    let nobody = billing_chain::contract_address(&deployer, 9);
    let answer =
        rpc(a, "eth_sendRawTransaction", json!([call_to(operator, 1, 0, nobody, "get_schema", &[])]));
    assert!(answer["error"]["message"].as_str().unwrap().contains("no contract at"), "{answer}");
    assert_eq!(rpc(a, "gen_getContractCode", json!([nobody.to_hex()]))["error"]["code"], -32000);
}

#[test]
fn a_deploy_of_code_that_is_no_contract_is_refused_and_makes_nothing() {
    let node = start("multi-bad", 1);
    let a = node.addr;
    let deployer = address(&key(4));
    // Looks like an archive, holds no contract.wasm: a decided, refused deploy.
    let hash = result(a, "eth_sendRawTransaction", json!([deploy_tx(4, 0, b"PK\x03\x04 no wasm in here")]));
    let tx = result(a, "eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["consensus_data"]["leader_receipt"][0]["execution_result"], "ERROR", "{tx}");
    assert!(tx["data"]["contract_address"].is_null(), "{tx}");
    let first = billing_chain::contract_address(&deployer, 0);
    assert_eq!(result(a, "eth_getCode", json!([first.to_hex(), "latest"])), json!("0x"));
    // Python source: refused before it is a transaction.
    let answer = rpc(
        a,
        "eth_sendRawTransaction",
        json!([deploy_tx(4, 1, b"# { \"Depends\": \"py-genlayer:test\" }")]),
    );
    assert_eq!(answer["error"]["code"], -32000, "{answer}");
    // The next deploy takes the first address: the refused one used none.
    let hash = result(a, "eth_sendRawTransaction", json!([deploy_tx(4, 1, &other_wasm())]));
    let tx = result(a, "eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["data"]["contract_address"], json!(first.to_hex()), "{tx}");
}
