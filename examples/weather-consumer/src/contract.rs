//! What the consumer contract does, over any [`World`]: keep its configuration, bill the end user
//! through the billing contract, and only then fetch.
//!
//! Everything crosses as GenLayer calldata (the core crate's codec). Messages are built by
//! concatenation: `core::fmt` would cost the artifact its weight.

use alloc::string::String;
use alloc::vec::Vec;

use api_usage_billing::calldata::{decode, decode_arguments, encode};
use api_usage_billing::{normalize_api_name, Address, Error, Value};

/// What the contract needs of its host: the `billing` imports in wasm (docs/ABI.md), a fake in the
/// unit tests.
pub trait World {
    /// The call's arguments: the calldata of an array.
    fn input(&mut self) -> Vec<u8>;
    fn storage_read(&mut self, key: &[u8]) -> Option<Vec<u8>>;
    fn storage_write(&mut self, key: &[u8], value: &[u8]);
    fn attached_value(&mut self) -> u128;
    /// The transaction's sender: the end user, who pays for the fetch.
    fn origin(&mut self) -> Address;
    /// Who called this contract: the end user, or a contract in between.
    fn sender(&mut self) -> Address;
    /// `Ok`: the calldata the callee returned; `Err`: the calldata of its refusal map.
    fn call_contract(&mut self, to: &Address, method: &str, args: &[u8]) -> Result<Vec<u8>, Vec<u8>>;
    /// `Ok`: the calldata map `{status, body}`; `Err`: the calldata map `{error}`.
    fn http_get(&mut self, url: &str) -> Result<Vec<u8>, Vec<u8>>;
}

/// The exports besides the constructor, `init`.
pub const METHODS: [&str; 3] = ["fetch", "get_config", "get_schema"];

/// The storage key of the configuration `init` stores.
const CONFIG_KEY: &[u8] = b"config";
/// Longest `base_url` and `path`: a URL of both fits an HTTP request line any server reads.
const MAX_BASE_URL: usize = 512;
const MAX_PATH: usize = 1024;

/// This contract's interface in GenLayer's schema form, so that tools (the sandbox, the node) type
/// its arguments as it declares them.
pub const SCHEMA: &str = concat!(
    r#"{"ctor":{"kwparams":{},"params":[["billing_address","address"],["api_name","string"],"#,
    r#"["base_url","string"]]},"methods":{"#,
    r#""fetch":{"kwparams":{},"params":[["path","string"]],"payable":false,"readonly":false,"#,
    r#""ret":{"$dict":"any"}},"#,
    r#""get_config":{"kwparams":{},"params":[],"readonly":true,"ret":{"$dict":"any"}}}}"#
);

/// How a call of this contract is refused: its own refusal map, or the billing contract's passed on
/// byte for byte (code, message and details as the billing contract gave them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Own(Value),
    Forwarded(Vec<u8>),
}

impl Refusal {
    /// The calldata `revert` takes.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Refusal::Own(map) => encode(map),
            Refusal::Forwarded(bytes) => bytes.clone(),
        }
    }
}

/// The core's refusals this contract can meet (argument decoding, API names) carry no details; its
/// `Error::details` would bring every other refusal's shape into the artifact.
impl From<Error> for Refusal {
    fn from(error: Error) -> Refusal {
        Refusal::Own(Value::map([
            ("code", Value::from(error.code())),
            ("details", Value::map([])),
            ("message", Value::Str(error.message().into_owned())),
        ]))
    }
}

/// A refusal of this contract's own: `message` is the text after `[EXPECTED] `.
fn refusal(code: &'static str, message: &str, details: Value) -> Refusal {
    Refusal::Own(Value::map([
        ("code", Value::from(code)),
        ("details", details),
        ("message", Value::Str(concat(&["[EXPECTED] ", message]))),
    ]))
}

fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|part| out.push_str(part));
    out
}

fn invalid(what: &str) -> Refusal {
    Error::InvalidArguments(String::from(what)).into()
}

/// What `init` stored.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Config {
    billing: Address,
    api_name: String,
    base_url: String,
}

impl Config {
    fn encode(&self) -> Vec<u8> {
        encode(&Value::Array(alloc::vec![
            Value::Address(self.billing),
            Value::from(self.api_name.as_str()),
            Value::from(self.base_url.as_str()),
        ]))
    }

    fn load(world: &mut impl World) -> Result<Config, Refusal> {
        let Some(stored) = world.storage_read(CONFIG_KEY) else {
            return Err(refusal("not_initialized", "consumer contract not initialized", Value::map([])));
        };
        match decode(&stored).ok().and_then(Value::into_array).as_deref() {
            Some([Value::Address(billing), Value::Str(api_name), Value::Str(base_url)]) => {
                Ok(Config { billing: *billing, api_name: api_name.clone(), base_url: base_url.clone() })
            }
            _ => Err(Error::CorruptState.into()),
        }
    }
}

/// Runs `method`: the calldata of its result, or of its refusal.
pub fn run(world: &mut impl World, method: &str) -> Result<Vec<u8>, Vec<u8>> {
    let result = if world.attached_value() != 0 {
        // Value sent here could never leave: the contract has no way to pay it out.
        Err(Error::NotPayable.into())
    } else {
        match method {
            "init" => init(world),
            "fetch" => fetch(world),
            "get_config" => get_config(world),
            "get_schema" => Ok(Value::from(SCHEMA)),
            _ => Err(Error::UnknownMethod.into()),
        }
    };
    result.map(|value| encode(&value)).map_err(|refusal| refusal.encode())
}

/// The call's `N` positional arguments.
fn arguments<const N: usize>(world: &mut impl World) -> Result<[Value; N], Refusal> {
    let Value::Array(items) = decode_arguments(&world.input())? else {
        return Err(invalid("arguments must be a calldata array"));
    };
    <[Value; N]>::try_from(items).map_err(|_| invalid("wrong number of arguments"))
}

/// `init(billing_address, api_name, base_url)`: the deploy call; once only, so nobody can point a
/// deployed consumer at another billing contract or another server later.
fn init(world: &mut impl World) -> Result<Value, Refusal> {
    let [billing, api_name, base_url] = arguments(world)?;
    let billing = match &billing {
        Value::Address(address) => *address,
        Value::Str(text) => Address::parse(text).ok_or(Error::InvalidAddress)?,
        _ => return Err(invalid("billing_address must be an address")),
    };
    let Value::Str(api_name) = api_name else { return Err(invalid("api_name must be a string")) };
    let api_name = normalize_api_name(&api_name)?;
    let Value::Str(base_url) = base_url else { return Err(invalid("base_url must be a string")) };
    if !base_url.starts_with("http://") || base_url.len() > MAX_BASE_URL || !is_url_text(&base_url) {
        return Err(invalid("base_url must be http:// and at most 512 printable ASCII characters"));
    }
    if world.storage_read(CONFIG_KEY).is_some() {
        return Err(refusal("already_initialized", "consumer contract already initialized", Value::map([])));
    }
    world.storage_write(CONFIG_KEY, &Config { billing, api_name, base_url }.encode());
    Ok(Value::Null)
}

/// Printable ASCII without spaces: what an HTTP request line carries unescaped.
fn is_url_text(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_graphic())
}

/// `get_config()`: where this contract bills and what it fetches.
fn get_config(world: &mut impl World) -> Result<Value, Refusal> {
    let config = Config::load(world)?;
    Ok(Value::map([
        ("api_name", Value::Str(config.api_name)),
        ("base_url", Value::Str(config.base_url)),
        ("billing_address", Value::Address(config.billing)),
    ]))
}

/// `fetch(path)`: bills the end user one call, then fetches `base_url + path`. A refused bill
/// reverts with the billing refusal and sends no request; a fetch that fails (no response, or a
/// status of 500 and above) reverts too, which rolls the bill back, so nobody pays for it.
///
/// Only the end user calls it directly: the bill goes to the transaction's origin, so a contract in
/// between (any contract the user sends a transaction to) could otherwise spend the user's credit
/// through this approved delegate and keep the answers.
fn fetch(world: &mut impl World) -> Result<Value, Refusal> {
    let [path] = arguments(world)?;
    let Value::Str(path) = path else { return Err(invalid("path must be a string")) };
    if path.len() > MAX_PATH || !is_url_text(&path) {
        return Err(invalid("path must be at most 1024 printable ASCII characters"));
    }
    // Anything else would run on from the base URL's host or port (`:808` + `0/x` is port 8080).
    if !path.starts_with('/') {
        return Err(invalid("path must start with /"));
    }
    let user = world.origin();
    if world.sender() != user {
        let message = "fetch must be called by the end user it bills, not by another contract";
        return Err(refusal(
            "not_end_user",
            message,
            Value::map([("caller", Value::Address(world.sender()))]),
        ));
    }
    let config = Config::load(world)?;
    let bill = encode(&Value::Array(alloc::vec![Value::Str(config.api_name), Value::Address(user)]));
    let receipt = match world.call_contract(&config.billing, "consume_credit", &bill) {
        Ok(receipt) => decode(&receipt).map_err(|_| malformed("the billing contract's receipt"))?,
        Err(billing_refusal) => return Err(Refusal::Forwarded(billing_refusal)),
    };
    let url = concat(&[&config.base_url, &path]);
    let answer = match world.http_get(&url) {
        Ok(answer) => decode(&answer).map_err(|_| malformed("the host's response"))?,
        Err(failure) => {
            let failure = decode(&failure).map_err(|_| malformed("the host's fetch error"))?;
            let reason = failure.get("error").and_then(Value::as_str).unwrap_or("unknown");
            let message = concat(&["fetch failed: ", reason]);
            let details = Value::map([("error", Value::from(reason)), ("url", Value::Str(url))]);
            return Err(refusal("fetch_failed", &message, details));
        }
    };
    let (Some(Value::Int(status)), Some(Value::Bytes(body))) = (answer.get("status"), answer.get("body"))
    else {
        return Err(malformed("the host's response"));
    };
    if status.to_u64().is_none_or(|status| status >= 500) {
        let message = concat(&["fetch failed: the API answered ", &status.to_decimal()]);
        let details = Value::map([("status", Value::Int(status.clone())), ("url", Value::Str(url))]);
        return Err(refusal("fetch_failed", &message, details));
    }
    Ok(Value::map([
        ("body", Value::Str(String::from_utf8_lossy(body).into_owned())),
        ("receipt", receipt),
        ("status", Value::Int(status.clone())),
    ]))
}

/// An answer of the host or the billing contract that is not what docs/ABI.md says: never the
/// caller's doing, so no `[EXPECTED] `.
fn malformed(what: &'static str) -> Refusal {
    Refusal::Own(Value::map([
        ("code", Value::from("malformed_answer")),
        ("details", Value::map([("what", Value::from(what))])),
        ("message", Value::Str(concat(&[what, " is malformed"]))),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use std::collections::BTreeMap;

    const BILLING: Address = Address([0xc0; 20]);
    const USER: Address = Address([0xa1; 20]);

    /// A host that answers the bill and the fetch as told, and records what the contract asked.
    #[derive(Default)]
    struct Fake {
        input: Vec<u8>,
        value: u128,
        storage: BTreeMap<Vec<u8>, Vec<u8>>,
        bill: Option<Result<Value, Value>>,
        response: Option<Result<Value, Value>>,
        bills: Vec<(Address, String, Value)>,
        fetches: Vec<String>,
        /// Who calls (the end user when `None`).
        sender: Option<Address>,
    }

    impl World for Fake {
        fn input(&mut self) -> Vec<u8> {
            self.input.clone()
        }
        fn storage_read(&mut self, key: &[u8]) -> Option<Vec<u8>> {
            self.storage.get(key).cloned()
        }
        fn storage_write(&mut self, key: &[u8], value: &[u8]) {
            self.storage.insert(key.to_vec(), value.to_vec());
        }
        fn attached_value(&mut self) -> u128 {
            self.value
        }
        fn origin(&mut self) -> Address {
            USER
        }
        fn sender(&mut self) -> Address {
            self.sender.unwrap_or(USER)
        }
        fn call_contract(&mut self, to: &Address, method: &str, args: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
            self.bills.push((*to, method.into(), decode(args).unwrap()));
            match self.bill.clone().expect("a bill answer") {
                Ok(v) => Ok(encode(&v)),
                Err(v) => Err(encode(&v)),
            }
        }
        fn http_get(&mut self, url: &str) -> Result<Vec<u8>, Vec<u8>> {
            self.fetches.push(url.into());
            match self.response.clone().expect("a response") {
                Ok(v) => Ok(encode(&v)),
                Err(v) => Err(encode(&v)),
            }
        }
    }

    fn call(fake: &mut Fake, method: &str, args: Vec<Value>) -> Result<Value, Value> {
        fake.input = encode(&Value::Array(args));
        run(fake, method).map(|out| decode(&out).unwrap()).map_err(|out| decode(&out).unwrap())
    }

    fn code(refused: &Value) -> &str {
        refused.get("code").and_then(Value::as_str).unwrap()
    }

    fn configured() -> Fake {
        let mut fake = Fake::default();
        let args = vec![
            "0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0".into(),
            " Weather ".into(),
            "http://127.0.0.1:9".into(),
        ];
        assert_eq!(call(&mut fake, "init", args), Ok(Value::Null));
        fake
    }

    fn response(status: u64, body: &[u8]) -> Option<Result<Value, Value>> {
        Some(Ok(Value::map([("body", Value::Bytes(body.to_vec())), ("status", Value::from(status))])))
    }

    fn receipt() -> Value {
        Value::map([("billed_wei", Value::from(10u64))])
    }

    #[test]
    fn init_stores_the_normalized_configuration_once() {
        let mut fake = configured();
        let config = call(&mut fake, "get_config", vec![]).unwrap();
        assert_eq!(config.get("billing_address"), Some(&Value::Address(BILLING)));
        assert_eq!(config.get("api_name"), Some(&Value::from("weather")));
        assert_eq!(config.get("base_url"), Some(&Value::from("http://127.0.0.1:9")));
        let again = vec![Value::Address(USER), "other".into(), "http://evil".into()];
        assert_eq!(code(&call(&mut fake, "init", again).unwrap_err()), "already_initialized");
        assert_eq!(call(&mut fake, "get_config", vec![]).unwrap(), config);
    }

    #[test]
    fn bad_configuration_is_refused_and_stores_nothing() {
        for (args, expected) in [
            (vec![Value::from("0x12"), "weather".into(), "http://a".into()], "invalid_address"),
            (vec![Value::from(1u64), "weather".into(), "http://a".into()], "invalid_arguments"),
            (vec![Value::Address(BILLING), "bad name!".into(), "http://a".into()], "invalid_api_name"),
            (vec![Value::Address(BILLING), "weather".into(), "https://a".into()], "invalid_arguments"),
            (vec![Value::Address(BILLING), "weather".into(), "http://a b".into()], "invalid_arguments"),
            (vec![Value::Address(BILLING), "weather".into()], "invalid_arguments"),
        ] {
            let mut fake = Fake::default();
            assert_eq!(code(&call(&mut fake, "init", args.clone()).unwrap_err()), expected, "{args:?}");
            assert!(fake.storage.is_empty());
        }
        let mut fake = Fake::default();
        assert_eq!(code(&call(&mut fake, "get_config", vec![]).unwrap_err()), "not_initialized");
        assert_eq!(code(&call(&mut fake, "fetch", vec!["/x".into()]).unwrap_err()), "not_initialized");
        assert_eq!(code(&call(&mut fake, "nope", vec![]).unwrap_err()), "unknown_method");
        fake.value = 1;
        assert_eq!(code(&call(&mut fake, "get_config", vec![]).unwrap_err()), "not_payable");
    }

    #[test]
    fn a_bill_then_a_fetch_returns_status_body_and_receipt() {
        let mut fake = configured();
        fake.bill = Some(Ok(receipt()));
        fake.response = response(404, b"{\"error\":\"no such city\"}");
        let answer = call(&mut fake, "fetch", vec!["/forecast?city=oslo".into()]).unwrap();
        assert_eq!(answer.get("status"), Some(&Value::from(404u64)));
        assert_eq!(answer.get("body"), Some(&Value::from("{\"error\":\"no such city\"}")));
        assert_eq!(answer.get("receipt"), Some(&receipt()));
        let bill = Value::Array(vec!["weather".into(), Value::Address(USER)]);
        assert_eq!(fake.bills, vec![(BILLING, "consume_credit".into(), bill)]);
        assert_eq!(fake.fetches, vec![String::from("http://127.0.0.1:9/forecast?city=oslo")]);
    }

    #[test]
    fn a_refused_bill_is_passed_on_unchanged_and_nothing_is_fetched() {
        let mut fake = configured();
        let refused = Value::map([
            ("code", Value::from("insufficient_credit")),
            ("details", Value::map([("credit", Value::from(3u64))])),
            ("message", Value::from("[EXPECTED] insufficient prepaid credit")),
        ]);
        fake.bill = Some(Err(refused.clone()));
        assert_eq!(call(&mut fake, "fetch", vec!["/now".into()]), Err(refused));
        assert!(fake.fetches.is_empty());
    }

    #[test]
    fn a_failed_fetch_reverts_with_the_url_and_the_reason() {
        let mut fake = configured();
        fake.bill = Some(Ok(receipt()));
        fake.response = response(503, b"busy");
        let refused = call(&mut fake, "fetch", vec!["/now".into()]).unwrap_err();
        assert_eq!(code(&refused), "fetch_failed");
        assert_eq!(
            refused.get("message"),
            Some(&Value::from("[EXPECTED] fetch failed: the API answered 503"))
        );
        assert_eq!(refused.get("details").unwrap().get("status"), Some(&Value::from(503u64)));
        assert_eq!(refused.get("details").unwrap().get("url"), Some(&Value::from("http://127.0.0.1:9/now")));
        fake.response = Some(Err(Value::map([("error", Value::from("connect"))])));
        let refused = call(&mut fake, "fetch", vec!["/now".into()]).unwrap_err();
        assert_eq!(code(&refused), "fetch_failed");
        assert_eq!(refused.get("details").unwrap().get("error"), Some(&Value::from("connect")));
        assert_eq!(refused.get("message"), Some(&Value::from("[EXPECTED] fetch failed: connect")));
    }

    #[test]
    fn bad_paths_are_refused_before_the_bill() {
        let mut fake = configured();
        let long = "/".repeat(MAX_PATH + 1);
        for path in [
            Value::from("/a b"),
            Value::from("/caf\u{e9}"),
            Value::from(long.as_str()),
            Value::from(7u64),
            // The base URL is http://127.0.0.1:9: this would fetch port 95, and these another host.
            Value::from("5/x"),
            Value::from(".evil.net/x"),
            Value::from("@evil.net/"),
            Value::from(""),
        ] {
            assert_eq!(code(&call(&mut fake, "fetch", vec![path]).unwrap_err()), "invalid_arguments");
        }
        assert_eq!(code(&call(&mut fake, "fetch", vec![]).unwrap_err()), "invalid_arguments");
        assert!(fake.bills.is_empty() && fake.fetches.is_empty());
    }

    #[test]
    fn a_contract_in_between_cannot_bill_the_end_user_through_the_consumer() {
        let mut fake = configured();
        fake.bill = Some(Ok(receipt()));
        fake.response = response(200, b"sunny");
        let middle = Address([0x66; 20]);
        fake.sender = Some(middle);
        let refused = call(&mut fake, "fetch", vec!["/forecast?city=oslo".into()]).unwrap_err();
        assert_eq!(code(&refused), "not_end_user");
        let message = refused.get("message").and_then(Value::as_str).unwrap();
        assert!(message.starts_with("[EXPECTED] "), "{message}");
        assert_eq!(refused.get("details").unwrap().get("caller"), Some(&Value::Address(middle)));
        assert!(fake.bills.is_empty() && fake.fetches.is_empty(), "neither billed nor fetched");
        fake.sender = None;
        assert!(call(&mut fake, "fetch", vec!["/forecast?city=oslo".into()]).is_ok(), "the user herself");
    }

    #[test]
    fn malformed_host_answers_are_refusals_not_panics() {
        let mut fake = configured();
        fake.bill = Some(Ok(receipt()));
        fake.response = Some(Ok(Value::map([("status", Value::from(200u64))])));
        assert_eq!(code(&call(&mut fake, "fetch", vec!["/".into()]).unwrap_err()), "malformed_answer");
    }

    #[test]
    fn the_schema_is_json_naming_every_method() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        for method in METHODS.iter().filter(|m| **m != "get_schema") {
            assert!(schema["methods"][method].is_object(), "{method}");
        }
        assert_eq!(schema["ctor"]["params"][0][1], "address");
    }
}
