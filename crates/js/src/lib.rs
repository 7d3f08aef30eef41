//! billing-js: the contract core for JavaScript through wasm-bindgen — the real contract on an in-memory
//! chain, GenLayer's calldata both ways, the reports read exactly, wei and token amounts as text.
//!
//! Everything crosses the boundary as strings (decimal amounts, tagged JSON, see `tagged`) and bytes;
//! `js/index.js` turns them into BigInts, `Address`es and plain objects and throws on misuse. The raw
//! functions here answer `{"ok": …}`-style JSON or `{"throw": message}`, never a trap on bad input.
#![no_std]

extern crate alloc;
#[cfg(not(target_family = "wasm"))]
extern crate std;

pub mod chain;
pub mod reports;
pub mod tagged;
pub mod units;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{json, Value as Json};
use wasm_bindgen::prelude::wasm_bindgen;

use chain::{JsChain, Misuse};
use reports::Report;
use tagged::TagError;

// The page or the test keeps one instance for its whole life and the chain frees as it goes, so the
// allocator must reuse memory (the contract artifacts' bump allocator would only grow).
#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// A panic is a bug (input never causes one): the instance traps and JavaScript sees a RuntimeError.
#[cfg(target_family = "wasm")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

fn thrown(message: &str) -> String {
    json!({ "throw": message }).to_string()
}

fn answer(result: Result<Json, Misuse>) -> String {
    match result {
        Ok(json) => json.to_string(),
        Err(Misuse(message)) => thrown(&message),
    }
}

fn done(result: Result<(), Misuse>) -> String {
    answer(result.map(|()| Json::Null))
}

/// The contract deployed on a fresh in-memory chain (the wrapper's `Chain`).
#[wasm_bindgen(js_name = RawChain)]
pub struct RawChain {
    inner: JsChain,
}

impl Default for RawChain {
    fn default() -> Self {
        RawChain::new()
    }
}

#[wasm_bindgen(js_class = RawChain)]
impl RawChain {
    #[wasm_bindgen(constructor)]
    pub fn new() -> RawChain {
        RawChain { inner: JsChain::new() }
    }

    /// `{"ok", "events", "transfers", "storage"}` or `{"error": {code, message, details}, "storage"}`.
    pub fn call(
        &mut self,
        sender: &str,
        method: &str,
        args: &str,
        value: &str,
        at: Option<String>,
    ) -> String {
        answer(self.inner.call(sender, method, args, value, at.as_deref()))
    }

    pub fn faucet(&mut self, account: &str, amount: &str) -> String {
        done(self.inner.faucet(account, amount))
    }

    pub fn balance(&self, account: &str) -> String {
        answer(self.inner.balance(account).map(Json::from))
    }

    pub fn balances(&self) -> String {
        self.inner.balances().to_string()
    }

    pub fn minted(&self) -> String {
        self.inner.minted()
    }

    pub fn now(&self) -> String {
        self.inner.now()
    }

    pub fn set_time(&mut self, timestamp: &str) -> String {
        done(self.inner.set_time(timestamp))
    }

    pub fn advance(&mut self, seconds: &str) -> String {
        done(self.inner.advance(seconds))
    }

    pub fn events(&self) -> String {
        self.inner.events().to_string()
    }
}

/// The contract's address on the in-memory chain.
#[wasm_bindgen]
pub fn contract_address() -> String {
    JsChain::contract_address()
}

/// The method table as JSON.
#[wasm_bindgen]
pub fn methods() -> String {
    chain::methods().to_string()
}

/// `schema/contract.json`, as `get_schema` answers.
#[wasm_bindgen]
pub fn contract_schema() -> String {
    api_usage_billing::schema::CONTRACT_SCHEMA.to_string()
}

/// Tagged JSON to calldata bytes; no bytes (never valid calldata) on bad input, `encode_error` says why.
#[wasm_bindgen]
pub fn encode(tagged: &str) -> Vec<u8> {
    match parse_tagged(tagged) {
        Ok(value) => api_usage_billing::calldata::encode(&value),
        Err(_) => Vec::new(),
    }
}

/// Why `encode` would refuse `tagged`, or an empty string when it would not.
#[wasm_bindgen]
pub fn encode_error(tagged: &str) -> String {
    match parse_tagged(tagged) {
        Ok(_) => String::new(),
        Err(TagError(message)) => message,
    }
}

fn parse_tagged(tagged: &str) -> Result<api_usage_billing::Value, TagError> {
    let json: Json = serde_json::from_str(tagged).map_err(|_| TagError::new("not JSON"))?;
    tagged::from_json(&json)
}

/// Calldata bytes to `{"ok": tagged}` or `{"throw": why}`.
#[wasm_bindgen]
pub fn decode(bytes: &[u8]) -> String {
    match api_usage_billing::calldata::decode(bytes) {
        Ok(value) => json!({ "ok": tagged::to_json(&value) }).to_string(),
        Err(error) => thrown(&error.message()),
    }
}

/// `get_usage_report`'s JSON (`kind` "usage"), `get_api_report`'s ("api") or `get_usage_history`'s
/// ("history"), checked against the schema, integers tagged.
#[wasm_bindgen]
pub fn parse_report(kind: &str, text: &str) -> String {
    let report = match kind {
        "usage" => Report::Usage,
        "api" => Report::Api,
        "history" => Report::History,
        _ => return thrown("the report kind is usage, api or history"),
    };
    match reports::parse(report, text) {
        Ok(json) => json!({ "ok": json }).to_string(),
        Err(error) => thrown(&error.message()),
    }
}

/// `wei` (decimal) in units of `10^decimals`, exact: `{"ok": "1.5"}` or `{"throw": why}`.
#[wasm_bindgen]
pub fn format_units(wei: &str, decimals: u32) -> String {
    let formatted = units::parse_wei(wei).and_then(|wei| units::format_units(wei, decimals));
    match formatted {
        Ok(text) => json!({ "ok": text }).to_string(),
        Err(error) => thrown(&error.message()),
    }
}

/// A decimal amount in units of `10^decimals` to wei (decimal), exact or refused.
#[wasm_bindgen]
pub fn parse_units(text: &str, decimals: u32) -> String {
    match units::parse_units(text, decimals) {
        Ok(wei) => json!({ "ok": wei.to_string() }).to_string(),
        Err(error) => thrown(&error.message()),
    }
}
