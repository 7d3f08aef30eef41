//! The node's JSON-RPC methods over the chain: requests and batches in, responses out, with no
//! HTTP in sight (so tests drive it directly). Every method either answers or changes nothing.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use api_usage_billing::{calldata, Address, Value};
use base64::Engine as _;
use billing_chain::node::{Submission, Submitted};
use billing_chain::{Action, CallReport, Chain, ChainError};
use billing_chain::{Refusal, CONTRACT};
use serde_json::{json, Value as Json};

use crate::eth::keccak;
use crate::genlayer::TxData;
use crate::{abi, eth, genlayer, hex, CHAIN_ID};

/// The consensus contract genlayer-js's `localnet` sends every transaction to.
pub const CONSENSUS_ADDRESS: [u8; 20] = [
    0xb7, 0x27, 0x8a, 0x61, 0xaa, 0x25, 0xc8, 0x88, 0x81, 0x5a, 0xfc, 0x32, 0xad, 0x3c, 0xc5, 0x2f, 0xf2,
    0x4f, 0xe5, 0x75,
];

/// Requests in one batch, at most (the body limit bounds them too).
pub const MAX_BATCH: usize = 1000;

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// Refused transactions and other application errors, as Ethereum nodes use it.
pub const SERVER_ERROR: i64 = -32000;

/// How block time moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMode {
    /// The machine's clock (plus whatever the time helpers added), never backwards.
    System,
    /// Only the time helpers move it: tests decide when a day passes.
    Fixed,
}

/// A JSON-RPC error.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Json>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError { code, message: message.into(), data: None }
    }

    fn params(message: impl Into<String>) -> RpcError {
        RpcError::new(INVALID_PARAMS, message)
    }

    fn refused(message: impl Into<String>) -> RpcError {
        RpcError::new(SERVER_ERROR, message)
    }
}

impl From<ChainError> for RpcError {
    fn from(e: ChainError) -> RpcError {
        RpcError::new(INTERNAL_ERROR, format!("chain: {e}"))
    }
}

/// What the node serves besides the chain itself.
pub struct NodeConfig {
    pub clock: ClockMode,
    /// Code a deploy may carry: the contract this chain runs (its GenVM `.zip` and `.wasm`).
    pub deployable: Vec<Vec<u8>>,
    /// What `gen_getContractCode` answers: the contract's deployment archive.
    pub code: Vec<u8>,
}

struct Clock {
    mode: ClockMode,
    /// Seconds the time helpers added to the machine's clock.
    offset: u64,
}

pub struct Node {
    chain: Chain,
    clock: Mutex<Clock>,
    deployable: Vec<Vec<u8>>,
    code: Vec<u8>,
    schema: Json,
}

fn system_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A fixed set of development accounts: private keys from a public recipe, so anyone can rebuild
/// them; never use them anywhere else.
pub fn dev_accounts() -> Vec<([u8; 32], Address)> {
    (0..10u8)
        .filter_map(|i| {
            let key = keccak(format!("billing-sandbox development account {i}").as_bytes());
            let signing = k256::ecdsa::SigningKey::from_slice(&key).ok()?;
            Some((key, Address(eth::address_of(signing.verifying_key()))))
        })
        .collect()
}

fn address_param(value: Option<&Json>, name: &str) -> Result<Address, RpcError> {
    value
        .and_then(Json::as_str)
        .and_then(hex::fixed::<20>)
        .map(Address)
        .ok_or_else(|| RpcError::params(format!("`{name}` must be a 0x-prefixed 20-byte address")))
}

fn hash_param(value: Option<&Json>) -> Result<[u8; 32], RpcError> {
    value
        .and_then(Json::as_str)
        .and_then(hex::fixed::<32>)
        .ok_or_else(|| RpcError::params("expected a 0x-prefixed 32-byte transaction hash"))
}

/// A quantity as a hex string, a decimal string or a JSON integer.
fn quantity_param(value: Option<&Json>, name: &str) -> Result<u128, RpcError> {
    let parsed = match value {
        Some(Json::String(text)) => hex::parse_quantity(text),
        Some(Json::Number(n)) => n.as_u64().map(u128::from),
        _ => None,
    };
    parsed.ok_or_else(|| {
        RpcError::params(format!("`{name}` must be a non-negative integer (0x hex or decimal)"))
    })
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The `[Refused]` line the GenVM flavor writes to stdout before it rolls back.
fn refused_line(refusal: &Refusal) -> String {
    let mut line = format!("[Refused] code={}", refusal.code);
    if let Value::Map(details) = &refusal.details {
        for (key, value) in details {
            let text = match value {
                Value::Int(int) => int.to_decimal(),
                Value::Str(text) => text.clone(),
                Value::Address(address) => address.to_hex(),
                _ => "?".to_string(),
            };
            line.push_str(&format!(" {key}={text}"));
        }
    }
    line.push('\n');
    line
}

impl Node {
    pub fn new(chain: Chain, config: NodeConfig) -> Result<Node, RpcError> {
        let schema = match chain.view("get_schema", &[])? {
            Ok(Value::Str(text)) => serde_json::from_str(&text).map_err(|e| {
                RpcError::new(INTERNAL_ERROR, format!("the contract's schema is not JSON: {e}"))
            })?,
            other => {
                return Err(RpcError::new(INTERNAL_ERROR, format!("the contract gave no schema: {other:?}")))
            }
        };
        Ok(Node {
            chain,
            clock: Mutex::new(Clock { mode: config.clock, offset: 0 }),
            deployable: config.deployable,
            code: config.code,
            schema,
        })
    }

    /// The chain needs no lock of ours: redb runs one write transaction at a time, and a signed
    /// transaction's nonce check and its effects share one (`Chain::submit`).
    fn chain(&self) -> &Chain {
        &self.chain
    }

    fn clock(&self) -> std::sync::MutexGuard<'_, Clock> {
        self.clock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The time the next block gets.
    fn block_time(&self, chain_now: u64) -> u64 {
        let clock = self.clock();
        match clock.mode {
            ClockMode::System => chain_now.max(system_seconds().saturating_add(clock.offset)),
            ClockMode::Fixed => chain_now,
        }
    }

    /// Handles one HTTP body: a request or a batch. `None`: only notifications, nothing to answer.
    pub fn handle_body(&self, body: &[u8]) -> Option<Json> {
        let request: Json = match serde_json::from_slice(body) {
            Ok(request) => request,
            Err(e) => {
                return Some(error_response(
                    Json::Null,
                    &RpcError::new(PARSE_ERROR, format!("parse error: {e}")),
                ))
            }
        };
        match request {
            Json::Array(batch) if batch.is_empty() => Some(error_response(
                Json::Null,
                &RpcError::new(INVALID_REQUEST, "an empty batch is not a request"),
            )),
            Json::Array(batch) if batch.len() > MAX_BATCH => Some(error_response(
                Json::Null,
                &RpcError::new(INVALID_REQUEST, format!("a batch holds at most {MAX_BATCH} requests")),
            )),
            Json::Array(batch) => {
                let answers: Vec<Json> = batch.iter().filter_map(|r| self.handle_one(r)).collect();
                (!answers.is_empty()).then_some(Json::Array(answers))
            }
            single => self.handle_one(&single),
        }
    }

    fn handle_one(&self, request: &Json) -> Option<Json> {
        let Json::Object(fields) = request else {
            return Some(error_response(
                Json::Null,
                &RpcError::new(INVALID_REQUEST, "a request is a JSON object"),
            ));
        };
        let id = fields.get("id").cloned();
        let id_ok = matches!(id, None | Some(Json::Null | Json::Number(_) | Json::String(_)));
        let shown_id = if id_ok { id.clone().unwrap_or(Json::Null) } else { Json::Null };
        if !id_ok || fields.get("jsonrpc").and_then(Json::as_str) != Some("2.0") {
            return Some(error_response(
                shown_id,
                &RpcError::new(INVALID_REQUEST, "not a JSON-RPC 2.0 request"),
            ));
        }
        let Some(method) = fields.get("method").and_then(Json::as_str) else {
            return Some(error_response(
                shown_id,
                &RpcError::new(INVALID_REQUEST, "`method` must be a string"),
            ));
        };
        let params = match fields.get("params") {
            None => vec![],
            Some(Json::Array(items)) => items.clone(),
            Some(Json::Object(_)) => {
                let error = RpcError::params("params must be a positional array");
                return id.map(|id| error_response(id, &error));
            }
            Some(_) => {
                return Some(error_response(
                    shown_id,
                    &RpcError::new(INVALID_REQUEST, "params must be an array"),
                ))
            }
        };
        let result = self.call(method, &params);
        // Notifications (no id) get no answer, whatever happened.
        let id = id?;
        Some(match result {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
            Err(error) => error_response(id, &error),
        })
    }

    /// Runs one method.
    pub fn call(&self, method: &str, params: &[Json]) -> Result<Json, RpcError> {
        match method {
            "eth_chainId" => Ok(json!(hex::quantity(u128::from(CHAIN_ID)))),
            "net_version" => Ok(json!(CHAIN_ID.to_string())),
            "web3_clientVersion" => Ok(json!(concat!("billing-sandbox/", env!("CARGO_PKG_VERSION")))),
            "eth_accounts" => Ok(json!([])),
            "eth_gasPrice" => Ok(json!("0x0")),
            "eth_maxPriorityFeePerGas" => Ok(json!("0x0")),
            "eth_estimateGas" => Ok(json!(hex::quantity(200_000))),
            "eth_syncing" => Ok(json!(false)),
            "eth_blockNumber" => Ok(json!(hex::quantity(u128::from(self.chain().block_number()?)))),
            "eth_getBlockByNumber" => self.block(params),
            "eth_getBalance" => {
                let account = address_param(params.first(), "address")?;
                Ok(json!(hex::quantity(self.chain().balance(&account)?)))
            }
            "eth_getTransactionCount" => {
                let account = address_param(params.first(), "address")?;
                Ok(json!(hex::quantity(u128::from(self.chain().next_nonce(&account)?))))
            }
            "eth_getCode" => {
                let account = address_param(params.first(), "address")?;
                if account == CONTRACT {
                    return Ok(json!(hex::data(&self.code)));
                }
                Ok(json!(self.chain().code_at(&account)?.map_or("0x".to_string(), |code| hex::data(&code))))
            }
            "eth_sendRawTransaction" => self.send_raw(params),
            "eth_getTransactionReceipt" => {
                let key = hash_param(params.first())?;
                Ok(self.record(&key)?.map_or(Json::Null, |r| r["receipt"].clone()))
            }
            "eth_getTransactionByHash" => {
                let key = hash_param(params.first())?;
                Ok(self.record(&key)?.map_or(Json::Null, |r| r["tx"].clone()))
            }
            "gen_call" => self.gen_call(params),
            "gen_dbg_traceTransaction" => {
                let id = match params.first() {
                    Some(Json::Object(o)) => o.get("txID").or_else(|| o.get("hash")),
                    other => other,
                };
                let key = hash_param(id)?;
                let record = self.record(&key)?.ok_or_else(|| RpcError::refused("no such transaction"))?;
                let leader = &record["tx"]["consensus_data"]["leader_receipt"][0];
                Ok(json!({
                    "result": leader["result"],
                    "stdout": leader["genvm_result"]["stdout"],
                    "stderr": leader["genvm_result"]["stderr"],
                    "events": leader["events"],
                    "error": leader["error"],
                    "fuel": leader["fuel"],
                    "genvm_log": [],
                }))
            }
            "gen_getContractSchema" => {
                let address = self.contract_param(params.first())?;
                if address == CONTRACT {
                    return Ok(self.schema.clone());
                }
                // A deployed contract answers for itself, as the billing contract's `get_schema` does.
                match self.chain().view_at(address, "get_schema", &[])? {
                    Ok(Value::Str(text)) => serde_json::from_str(&text)
                        .map_err(|_| RpcError::refused("the contract's get_schema is not JSON")),
                    _ => {
                        Err(RpcError::refused(format!("the contract at {} has no schema", address.to_hex())))
                    }
                }
            }
            "gen_getContractSchemaForCode" => {
                let code = code_param(params.first())?;
                if self.deployable.contains(&code) {
                    Ok(self.schema.clone())
                } else {
                    Err(RpcError::refused(UNKNOWN_CODE))
                }
            }
            "gen_getContractCode" => {
                let address = self.contract_param(params.first())?;
                if address == CONTRACT {
                    return Ok(json!(b64(&self.code)));
                }
                let code = self.chain().code_at(&address)?.unwrap_or_default();
                Ok(json!(b64(&code)))
            }
            "sim_fundAccount" => {
                let account = address_param(params.first(), "address")?;
                let amount = quantity_param(params.get(1), "amount")?;
                Ok(json!(hex::quantity(self.chain().fund(&account, amount)?)))
            }
            "sim_increaseTime" | "evm_increaseTime" => {
                let seconds = quantity_param(params.first(), "seconds")?;
                let seconds =
                    u64::try_from(seconds).map_err(|_| RpcError::params("`seconds` is beyond u64"))?;
                self.increase_time(seconds)
            }
            "sim_setTime" | "evm_setNextBlockTimestamp" => {
                let at = quantity_param(params.first(), "timestamp")?;
                let at = u64::try_from(at).map_err(|_| RpcError::params("`timestamp` is beyond u64"))?;
                self.set_time(at)
            }
            "sim_getTime" => {
                let now = self.chain().now()?;
                Ok(json!(self.block_time(now)))
            }
            _ => {
                Err(RpcError::new(METHOD_NOT_FOUND, format!("method `{method}` does not exist on this node")))
            }
        }
    }

    /// A contract's address (a string or `{address}`): the billing contract's or a deployed one's.
    fn contract_param(&self, param: Option<&Json>) -> Result<Address, RpcError> {
        let text = match param {
            Some(Json::Object(o)) => o.get("address"),
            other => other,
        };
        let address = address_param(text, "address")?;
        self.known_contract(address)
    }

    /// `address` if a contract is there; otherwise the refusal every method gives.
    fn known_contract(&self, address: Address) -> Result<Address, RpcError> {
        if address == CONTRACT || self.chain().code_at(&address)?.is_some() {
            Ok(address)
        } else {
            Err(RpcError::refused(format!(
                "no contract at {}; the billing contract is at {}",
                address.to_hex(),
                CONTRACT.to_hex()
            )))
        }
    }

    fn block(&self, params: &[Json]) -> Result<Json, RpcError> {
        let (number, now) = {
            let chain = self.chain();
            (chain.block_number()?, chain.now()?)
        };
        let wanted = match params.first() {
            None => number,
            Some(Json::String(tag)) if ["latest", "pending", "safe", "finalized"].contains(&tag.as_str()) => {
                number
            }
            Some(Json::String(tag)) if tag == "earliest" => 0,
            other => {
                let n = quantity_param(other, "block")?;
                u64::try_from(n)
                    .ok()
                    .filter(|&n| n <= number)
                    .ok_or_else(|| RpcError::params("no such block"))?
            }
        };
        let hash = keccak(format!("billing-sandbox block {wanted}").as_bytes());
        let parent = keccak(format!("billing-sandbox block {}", wanted.wrapping_sub(1)).as_bytes());
        Ok(json!({
            "number": hex::quantity(u128::from(wanted)),
            "hash": hex::data(&hash),
            "parentHash": hex::data(&parent),
            "timestamp": hex::quantity(u128::from(self.block_time(now))),
            "transactions": [],
            "uncles": [],
            "gasLimit": hex::quantity(30_000_000),
            "gasUsed": "0x0",
            "baseFeePerGas": "0x0",
            "difficulty": "0x0",
            "miner": hex::data(&[0; 20]),
            "nonce": "0x0000000000000000",
            "extraData": "0x",
            "logsBloom": hex::data(&[0; 256]),
            "size": "0x0",
        }))
    }

    fn increase_time(&self, seconds: u64) -> Result<Json, RpcError> {
        let chain = self.chain();
        let now = chain.now()?;
        let target = {
            let mut clock = self.clock();
            match clock.mode {
                ClockMode::System => {
                    clock.offset = clock.offset.saturating_add(seconds);
                    now.max(system_seconds().saturating_add(clock.offset))
                }
                ClockMode::Fixed => now.saturating_add(seconds),
            }
        };
        chain
            .advance_time(target)?
            .map_err(|now| RpcError::refused(format!("time never goes backwards (now {now})")))?;
        Ok(json!(target))
    }

    fn set_time(&self, at: u64) -> Result<Json, RpcError> {
        let chain = self.chain();
        chain.advance_time(at)?.map_err(|now| {
            RpcError::refused(format!(
                "block time {at} is earlier than the chain's ({now}); time never goes backwards"
            ))
        })?;
        let mut clock = self.clock();
        if clock.mode == ClockMode::System {
            clock.offset = clock.offset.max(at.saturating_sub(system_seconds()));
        }
        Ok(json!(at))
    }

    fn record(&self, key: &[u8; 32]) -> Result<Option<Json>, RpcError> {
        let bytes = self.chain().transaction_record(key)?;
        bytes
            .map(|b| {
                serde_json::from_slice(&b)
                    .map_err(|e| RpcError::new(INTERNAL_ERROR, format!("corrupt record: {e}")))
            })
            .transpose()
    }

    fn gen_call(&self, params: &[Json]) -> Result<Json, RpcError> {
        let Some(Json::Object(request)) = params.first() else {
            return Err(RpcError::params("gen_call takes one object: {type, to, from, data}"));
        };
        let kind = request.get("type").and_then(Json::as_str).unwrap_or("read");
        if !["read", "write"].contains(&kind) {
            return Err(RpcError::params("`type` is `read` or `write`"));
        }
        let to = address_param(request.get("to"), "to")?;
        let from = match request.get("from") {
            None | Some(Json::Null) => Address::default(),
            some => address_param(some, "from")?,
        };
        let value = match request.get("value") {
            None | Some(Json::Null) => 0,
            some => quantity_param(some, "value")?,
        };
        let data = request
            .get("data")
            .and_then(Json::as_str)
            .and_then(hex::decode)
            .ok_or_else(|| RpcError::params("`data` must be 0x hex of RLP [calldata, leader_only]"))?;
        let TxData::Call { method, args, .. } =
            genlayer::decode(&data).map_err(|e| RpcError::params(e.to_string()))?
        else {
            return Err(RpcError::params("gen_call runs a call, not a deploy"));
        };
        let to = self.known_contract(to)?;
        let report = {
            let chain = self.chain();
            let now = chain.now()?;
            chain.simulate(to, from, value, self.block_time(now), &method, &args)?
        };
        Ok(match &report.outcome {
            Ok(result) => json!({
                "data": hex::encode(&calldata::encode(result)),
                "status": { "code": 0, "message": "success" },
                "stdout": "",
                "stderr": "",
                "logs": [],
                "events": report.events.iter().map(crate::json::event).collect::<Vec<_>>(),
            }),
            Err(refusal) => json!({
                "data": "",
                "status": { "code": 1, "message": refusal.message },
                "stdout": refused_line(refusal),
                "stderr": "",
                "logs": [],
                "events": [],
                "error": { "code": refusal.code, "details": crate::json::value(&refusal.details) },
            }),
        })
    }

    fn send_raw(&self, params: &[Json]) -> Result<Json, RpcError> {
        let raw = params.first().and_then(Json::as_str).and_then(hex::decode).ok_or_else(|| {
            RpcError::params("eth_sendRawTransaction takes the signed transaction as 0x hex")
        })?;
        let tx = eth::decode(&raw).map_err(|e| RpcError::refused(format!("invalid transaction: {e}")))?;
        if tx.chain_id != CHAIN_ID {
            return Err(RpcError::refused(format!(
                "invalid transaction: signed for chain id {}, this node is {CHAIN_ID}",
                tx.chain_id
            )));
        }
        if tx.to != Some(CONSENSUS_ADDRESS) {
            return Err(RpcError::refused(format!(
                "transactions go to the consensus contract {}; this one goes to {}",
                hex::data(&CONSENSUS_ADDRESS),
                tx.to.map_or("nowhere (a contract creation)".to_string(), |t| hex::data(&t))
            )));
        }
        let add = abi::decode_add_transaction(&tx.data).map_err(|e| RpcError::refused(e.to_string()))?;
        if add.sender != tx.from {
            return Err(RpcError::refused(format!(
                "addTransaction names sender {} but {} signed it",
                hex::data(&add.sender),
                hex::data(&tx.from)
            )));
        }
        let data = genlayer::decode(&add.tx_data).map_err(|e| RpcError::refused(e.to_string()))?;
        let recipient = Address(add.recipient);
        let (action, deploy) = match &data {
            TxData::Deploy { code, args, .. } => {
                if recipient != Address::default() {
                    return Err(RpcError::refused("a deploy goes to the zero address"));
                }
                if self.deployable.contains(code) {
                    // The billing contract's own code: the instance already running answers.
                    if !args.is_empty() {
                        return Err(RpcError::refused(
                            "the billing contract's constructor takes no arguments",
                        ));
                    }
                    if tx.value != 0 {
                        return Err(RpcError::refused("a deploy of the billing contract takes no value"));
                    }
                    (Action::Nothing, true)
                } else if is_genvm_code(code) {
                    (Action::Deploy { code, args }, true)
                } else {
                    return Err(RpcError::refused(UNKNOWN_CODE));
                }
            }
            TxData::Call { method, args, .. } => {
                let to = self.known_contract(recipient)?;
                (Action::Call { to, method: method.as_str(), args: args.as_slice() }, false)
            }
        };
        let sender = Address(tx.from);
        let id = keccak(&[b"genlayer transaction".as_slice(), &tx.hash].concat());
        let chain = self.chain();
        let at = self.block_time(chain.now()?);
        if let Some(until) = add.valid_until {
            if until < u128::from(at) {
                return Err(RpcError::refused(format!(
                    "the transaction expired at {until} (block time {at})"
                )));
            }
        }
        let submission =
            Submission { sender, nonce: tx.nonce, value: tx.value, at, action, hash: tx.hash, id };
        let record = |report: &CallReport, block: u64| {
            let record = json!({
                "tx": studio_transaction(&tx, &add, &data, deploy, &id, report, block),
                "receipt": evm_receipt(&tx, &add, &id, block),
            });
            serde_json::to_vec(&record).unwrap_or_default()
        };
        match chain.submit(&submission, &record)? {
            Submitted::Applied { .. } => Ok(json!(hex::data(&tx.hash))),
            Submitted::Known => Err(RpcError::refused(format!("already known: {} was applied before", hex::data(&tx.hash)))),
            Submitted::WrongNonce { expected } if tx.nonce < expected => Err(RpcError::refused(format!(
                "nonce too low: {} sent nonce {}, its next nonce is {expected}",
                sender.to_hex(),
                tx.nonce
            ))),
            Submitted::WrongNonce { expected } => Err(RpcError::refused(format!(
                "nonce too high: {} sent nonce {}, its next nonce is {expected} (this node does not queue transactions)",
                sender.to_hex(),
                tx.nonce
            ))),
        }
    }
}

const UNKNOWN_CODE: &str =
    "a deploy must carry a GenVM contract: a .zip (runner.json, contract.wasm) or a bare \
     .wasm; this node runs no Python contracts";

/// A GenVM deployment archive or a bare wasm module (what the chain can load).
fn is_genvm_code(code: &[u8]) -> bool {
    code.starts_with(b"PK\x03\x04") || code.starts_with(b"\0asm")
}

fn code_param(param: Option<&Json>) -> Result<Vec<u8>, RpcError> {
    let text = param.and_then(Json::as_str).ok_or_else(|| RpcError::params("expected the code as 0x hex"))?;
    hex::decode(text).ok_or_else(|| RpcError::params("expected the code as 0x hex"))
}

pub fn error_response(id: Json, error: &RpcError) -> Json {
    let mut body = json!({ "code": error.code, "message": error.message });
    if let Some(data) = &error.data {
        body["data"] = data.clone();
    }
    json!({ "jsonrpc": "2.0", "id": id, "error": body })
}

fn padded(address: &[u8; 20]) -> String {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(address);
    hex::data(&word)
}

fn block_hash(block: u64) -> String {
    hex::data(&keccak(format!("billing-sandbox block {block}").as_bytes()))
}

/// The EVM receipt viem waits for, with the consensus contract's `NewTransaction` log.
fn evm_receipt(tx: &eth::SignedTx, add: &abi::AddTransaction, id: &[u8; 32], block: u64) -> Json {
    let topic = keccak(b"NewTransaction(bytes32,address,address)");
    let block_number = hex::quantity(u128::from(block));
    json!({
        "transactionHash": hex::data(&tx.hash),
        "transactionIndex": "0x0",
        "blockHash": block_hash(block),
        "blockNumber": block_number,
        "from": hex::data(&tx.from),
        "to": hex::data(&CONSENSUS_ADDRESS),
        "cumulativeGasUsed": hex::quantity(21_000),
        "gasUsed": hex::quantity(21_000),
        "effectiveGasPrice": hex::quantity(tx.gas_price),
        "contractAddress": null,
        "logs": [{
            "address": hex::data(&CONSENSUS_ADDRESS),
            "topics": [hex::data(&topic), hex::data(id), padded(&add.recipient), padded(&tx.from)],
            "data": "0x",
            "blockNumber": block_number,
            "blockHash": block_hash(block),
            "transactionHash": hex::data(&tx.hash),
            "transactionIndex": "0x0",
            "logIndex": "0x0",
            "removed": false,
        }],
        "logsBloom": hex::data(&[0; 256]),
        "status": "0x1",
        "type": "0x0",
    })
}

/// The transaction as GenLayer Studio's `eth_getTransactionByHash` gives it: decided at once, the
/// leader's receipt carrying the result, the `[Refused]` line and the events.
fn studio_transaction(
    tx: &eth::SignedTx,
    add: &abi::AddTransaction,
    data: &TxData,
    deploy: bool,
    id: &[u8; 32],
    report: &CallReport,
    block: u64,
) -> Json {
    let (calldata_bytes, leader_only) = match data {
        TxData::Call { method, args, leader_only } => (genlayer::call_calldata(method, args), *leader_only),
        TxData::Deploy { leader_only, .. } => (calldata::encode(&Value::Map(vec![])), *leader_only),
    };
    let (result, stdout, execution, error) = match &report.outcome {
        Ok(value) => {
            let mut bytes = vec![0u8];
            bytes.extend(calldata::encode(value));
            (bytes, String::new(), "SUCCESS", Json::Null)
        }
        Err(refusal) => {
            let mut bytes = vec![1u8];
            bytes.extend(refusal.message.as_bytes());
            let error = json!({ "code": refusal.code, "message": refusal.message,
                "details": crate::json::value(&refusal.details) });
            (bytes, refused_line(refusal), "ERROR", error)
        }
    };
    // A deploy names the contract it made; the billing contract's own code names the running one; a
    // refused deploy made none.
    let contract = match (data, report.contract, &report.outcome) {
        (TxData::Call { .. }, _, _) => json!(Address(add.recipient).to_hex()),
        (TxData::Deploy { .. }, Some(made), _) => json!(made.to_hex()),
        (TxData::Deploy { .. }, None, Ok(_)) => json!(CONTRACT.to_hex()),
        (TxData::Deploy { .. }, None, Err(_)) => Json::Null,
    };
    let mut tx_data = json!({ "calldata": b64(&calldata_bytes) });
    if deploy {
        tx_data["contract_address"] = json!(contract);
    }
    let events: Vec<Json> = report.events.iter().map(crate::json::event).collect();
    let transfers: Vec<Json> = report
        .transfers
        .iter()
        .map(|t| json!({ "to": t.to.to_hex(), "amount": t.amount.to_string() }))
        .collect();
    json!({
        "hash": hex::data(id),
        "evm_hash": hex::data(&tx.hash),
        "status": "FINALIZED",
        "from_address": hex::data(&tx.from),
        "to_address": contract,
        "data": tx_data,
        "value": hex::quantity(tx.value),
        "type": if deploy { 1 } else { 2 },
        "nonce": hex::quantity(u128::from(tx.nonce)),
        "gas": hex::quantity(u128::from(tx.gas)),
        "gasPrice": hex::quantity(tx.gas_price),
        "chainId": hex::quantity(u128::from(CHAIN_ID)),
        "blockHash": block_hash(block),
        "blockNumber": hex::quantity(u128::from(block)),
        "created_at": report.timestamp,
        "timestamp": report.timestamp,
        "leader_only": leader_only,
        "num_of_initial_validators": add.num_initial_validators.to_string(),
        "config_rotation_rounds": add.max_rotations.to_string(),
        "appealed": false,
        "triggered_transactions": [],
        "consensus_data": {
            "votes": {},
            "leader_receipt": [{
                "calldata": b64(&calldata_bytes),
                "execution_result": execution,
                "genvm_result": { "stdout": stdout, "stderr": "" },
                "mode": "leader",
                "vote": "agree",
                "result": b64(&result),
                "eq_outputs": {},
                "pending_transactions": [],
                "node_config": { "address": contract, "provider": "billing-sandbox", "model": "none" },
                "events": events,
                "transfers": transfers,
                "fuel": report.fuel,
                "error": error,
            }],
            "validators": [],
        },
    })
}
