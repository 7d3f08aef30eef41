//! Parameter types of a method, as the contract schema (`schema/contract.json`) declares them: the
//! sandbox converts JSON arguments by them.

use api_usage_billing::ParamType;
use serde_json::Value as Json;

/// The parameter types `contract.json` declares for `method` (none for a method it does not list).
pub fn param_types(schema: &str, method: &str) -> Vec<Option<ParamType>> {
    let parsed: Json = serde_json::from_str(schema).unwrap_or_default();
    let params = parsed["methods"][method]["params"].as_array().cloned().unwrap_or_default();
    params
        .iter()
        .map(|p| match p[1].as_str() {
            Some("string") => Some(ParamType::Str),
            Some("int") => Some(ParamType::Int),
            Some("bool") => Some(ParamType::Bool),
            Some("address") => Some(ParamType::Address),
            _ => None,
        })
        .collect()
}
