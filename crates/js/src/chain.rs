//! The mock chain behind the JavaScript `Chain`: text in (addresses, decimal amounts, tagged JSON
//! arguments), JSON out, and every bad input a thrown error rather than a panic.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use api_usage_billing::{Address, Int, ParamType, Value, METHODS};
use billing_chain::{MockChain, CONTRACT};
use serde_json::{json, Value as Json};

use crate::tagged::{event_json, from_json, to_json};
use crate::units::parse_wei;

/// A misuse of the JavaScript API (not a contract refusal): the wrapper throws it as a `TypeError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misuse(pub String);

fn misuse(text: &str) -> Misuse {
    Misuse(text.to_string())
}

pub fn address(text: &str) -> Result<Address, Misuse> {
    Address::parse(text).ok_or_else(|| misuse("an address is 0x and 40 hex digits"))
}

pub fn wei(text: &str) -> Result<u128, Misuse> {
    parse_wei(text).map_err(|e| Misuse(e.message()))
}

fn seconds(text: &str) -> Result<u64, Misuse> {
    wei(text).and_then(|n| u64::try_from(n).map_err(|_| misuse("a block time fits u64 seconds")))
}

/// The contract deployed on a fresh in-memory chain at its genesis time.
pub struct JsChain {
    chain: MockChain,
}

impl Default for JsChain {
    fn default() -> Self {
        JsChain::new()
    }
}

impl JsChain {
    pub fn new() -> JsChain {
        JsChain { chain: MockChain::new() }
    }

    /// One call as a transaction. `args` is a tagged JSON array; for an int parameter a decimal string
    /// is taken as the int it spells (so callers can pass amounts as text). `at` moves block time first,
    /// as the mock chain's `.at()` does, and stays moved even when the call is refused.
    pub fn call(
        &mut self,
        sender: &str,
        method: &str,
        args: &str,
        value: &str,
        at: Option<&str>,
    ) -> Result<Json, Misuse> {
        let sender = address(sender)?;
        let value = wei(value)?;
        let at = at.map(seconds).transpose()?;
        let args: Json = serde_json::from_str(args).map_err(|_| misuse("args are not JSON"))?;
        let Json::Array(items) = args else { return Err(misuse("args are a list")) };
        let mut values =
            items.iter().map(from_json).collect::<Result<Vec<_>, _>>().map_err(|e| Misuse(e.0))?;
        if let Some(info) = METHODS.iter().find(|m| m.name == method) {
            for (arg, (_, kind)) in values.iter_mut().zip(info.params) {
                if let (ParamType::Int, Value::Str(text)) = (kind, &*arg) {
                    if let Some(int) = Int::parse_decimal(text) {
                        *arg = Value::Int(int);
                    }
                }
            }
        }
        if let Some(at) = at {
            self.chain.set_time(at);
        }
        let outcome = self.chain.invoke_at(sender, value, method, &values);
        let last = self.chain.last();
        let storage = json!({ "reads": last.storage_reads, "writes": last.storage_writes });
        Ok(match outcome {
            Ok(result) => json!({
                "ok": to_json(&result),
                "events": last.events.iter().map(event_json).collect::<Vec<_>>(),
                "transfers": last.transfers.iter().map(|t| json!({
                    "to": t.to.to_hex(),
                    "amount": t.amount.to_string(),
                })).collect::<Vec<_>>(),
                "storage": storage,
            }),
            Err(refusal) => json!({
                "error": { "code": refusal.code, "message": refusal.message, "details": to_json(&refusal.details) },
                "storage": storage,
            }),
        })
    }

    /// Mints `amount` wei to `account`; refused when a balance or the supply would pass u128.
    pub fn faucet(&mut self, account: &str, amount: &str) -> Result<(), Misuse> {
        let account = address(account)?;
        let amount = wei(amount)?;
        let fits = self.chain.minted().checked_add(amount).is_some()
            && self.chain.balance(account).checked_add(amount).is_some();
        if !fits {
            return Err(misuse("the faucet would pass u128 wei"));
        }
        self.chain.faucet(account, amount);
        Ok(())
    }

    pub fn balance(&self, account: &str) -> Result<String, Misuse> {
        Ok(self.chain.balance(address(account)?).to_string())
    }

    /// Every account's balance, the contract's included, as `{address: wei}`.
    pub fn balances(&self) -> Json {
        let map =
            self.chain.balances().iter().map(|(a, b)| (a.to_hex(), Json::from(b.to_string()))).collect();
        Json::Object(map)
    }

    pub fn minted(&self) -> String {
        self.chain.minted().to_string()
    }

    pub fn now(&self) -> String {
        self.chain.now().to_string()
    }

    /// Block time for the next calls; any time, earlier ones too, as on the mock chain.
    pub fn set_time(&mut self, timestamp: &str) -> Result<(), Misuse> {
        self.chain.set_time(seconds(timestamp)?);
        Ok(())
    }

    pub fn advance(&mut self, by: &str) -> Result<(), Misuse> {
        let later =
            self.chain.now().checked_add(seconds(by)?).ok_or_else(|| misuse("block time passes u64"))?;
        self.chain.set_time(later);
        Ok(())
    }

    /// Every event of every successful call, in order.
    pub fn events(&self) -> Json {
        Json::Array(self.chain.events().iter().map(event_json).collect())
    }

    pub fn contract_address() -> String {
        CONTRACT.to_hex()
    }
}

/// The method table: name, parameters with their types, view or write, payable, return kind.
pub fn methods() -> Json {
    let methods = METHODS
        .iter()
        .map(|m| {
            let params = m
                .params
                .iter()
                .map(|(name, kind)| {
                    let kind = match kind {
                        ParamType::Str => "string",
                        ParamType::Int => "int",
                        ParamType::Bool => "bool",
                        ParamType::Address => "address",
                        ParamType::IntList => "int[]",
                    };
                    json!([name, kind])
                })
                .collect::<Vec<_>>();
            let returns = match m.returns {
                api_usage_billing::ReturnType::Null => "null",
                api_usage_billing::ReturnType::Str => "string",
                api_usage_billing::ReturnType::Receipt => "receipt",
                api_usage_billing::ReturnType::Preview => "preview",
            };
            json!({ "name": m.name, "params": params, "readonly": m.readonly, "payable": m.payable, "returns": returns })
        })
        .collect();
    Json::Array(methods)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OP: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
    const ALICE: &str = "0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";

    #[test]
    fn bills_through_text_and_refuses_as_the_contract_does() {
        let mut chain = JsChain::new();
        chain.faucet(ALICE, "1000").unwrap();
        let ok = chain.call(OP, "register_api", r#"["weather","10",{"int":"5"}]"#, "0", None).unwrap();
        assert_eq!(ok["ok"], Json::Null);
        assert_eq!(ok["events"][0]["name"], "ApiRegistered");
        chain.call(ALICE, "subscribe", r#"["weather","30","100"]"#, "100", None).unwrap();
        let bill =
            chain.call(ALICE, "consume_credit", &["[\"weather\",\"", ALICE, "\"]"].concat(), "0", None);
        let bill = bill.unwrap();
        let entries = bill["ok"]["map"].as_array().unwrap();
        assert!(entries.contains(&json!(["remaining_credit_wei", {"int": "90"}])), "{entries:?}");
        assert_eq!(chain.balance(ALICE).unwrap(), "900");
        let refused = chain.call(ALICE, "withdraw_credit", r#"["1000"]"#, "0", None).unwrap();
        assert_eq!(refused["error"]["code"], "insufficient_credit");
        assert_eq!(chain.balance(ALICE).unwrap(), "900");
        let poor = chain.call(OP, "top_up_credit", r#"["5"]"#, "5", Some("1767230000")).unwrap();
        assert_eq!(poor["error"]["code"], "insufficient_funds");
        assert_eq!(chain.now(), "1767230000");
    }

    #[test]
    fn misuse_is_an_error_not_a_panic() {
        let mut chain = JsChain::new();
        assert!(chain.call("0x12", "get_schema", "[]", "0", None).is_err());
        assert!(chain.call(OP, "get_schema", "{}", "0", None).is_err());
        assert!(chain.call(OP, "get_schema", "[1.5]", "0", None).is_err());
        assert!(chain.call(OP, "get_schema", "[]", "-1", None).is_err());
        assert!(chain.call(OP, "get_schema", "[]", "0", Some("18446744073709551616")).is_err());
        chain.faucet(ALICE, &u128::MAX.to_string()).unwrap();
        assert!(chain.faucet(OP, "1").is_err());
        chain.set_time(&u64::MAX.to_string()).unwrap();
        assert!(chain.advance("1").is_err());
    }
}
