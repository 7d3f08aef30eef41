//! GenLayer's transaction data inside `addTransaction` and `gen_call`: RLP of `[calldata,
//! leader_only]` for a call, `[code, calldata, leader_only]` for a deploy, the calldata a map
//! `{method, args, kwargs}`.

use api_usage_billing::{calldata, Value};
use thiserror::Error;

use crate::rlp::{self, RlpError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxData {
    Call { method: String, args: Vec<Value>, leader_only: bool },
    Deploy { code: Vec<u8>, args: Vec<Value>, leader_only: bool },
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DataError {
    #[error("transaction data is not RLP: {0}")]
    Rlp(#[from] RlpError),
    #[error("transaction data is a list of {0} items; a call has 2, a deploy 3")]
    Shape(usize),
    #[error("calldata does not decode: {0}")]
    Calldata(#[source] api_usage_billing::Error),
    #[error("calldata is not a map of method, args and kwargs")]
    NotACall,
    #[error("keyword arguments are not supported: the contract's methods take positional ones")]
    Kwargs,
}

fn leader_only(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b != 0)
}

/// Reads the `{method, args, kwargs}` map; `deploy` calls carry no method.
fn call_map(bytes: &[u8], deploy: bool) -> Result<(Option<String>, Vec<Value>), DataError> {
    if bytes.is_empty() && deploy {
        return Ok((None, vec![]));
    }
    let value = calldata::decode(bytes).map_err(DataError::Calldata)?;
    let Value::Map(entries) = value else { return Err(DataError::NotACall) };
    let mut method = None;
    let mut args = vec![];
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("method", Value::Str(name)) => method = Some(name),
            ("args", Value::Array(items)) => args = items,
            ("kwargs", Value::Map(kwargs)) if kwargs.is_empty() => {}
            ("kwargs", _) => return Err(DataError::Kwargs),
            _ => return Err(DataError::NotACall),
        }
    }
    if method.is_none() && !deploy {
        return Err(DataError::NotACall);
    }
    Ok((method, args))
}

pub fn decode(data: &[u8]) -> Result<TxData, DataError> {
    let item = rlp::decode(data)?;
    let items = item.list()?;
    match items {
        [calldata, leader] => {
            let (method, args) = call_map(calldata.bytes()?, false)?;
            Ok(TxData::Call {
                method: method.unwrap_or_default(),
                args,
                leader_only: leader_only(leader.bytes()?),
            })
        }
        [code, calldata, leader] => {
            let (_, args) = call_map(calldata.bytes()?, true)?;
            Ok(TxData::Deploy {
                code: code.bytes()?.to_vec(),
                args,
                leader_only: leader_only(leader.bytes()?),
            })
        }
        other => Err(DataError::Shape(other.len())),
    }
}

/// The call's calldata map as genlayer-js builds it (`makeCalldataObject`).
pub fn call_calldata(method: &str, args: &[Value]) -> Vec<u8> {
    let mut entries = vec![];
    if !args.is_empty() {
        entries.push(("args".to_string(), Value::Array(args.to_vec())));
    }
    entries.push(("method".to_string(), Value::Str(method.to_string())));
    calldata::encode(&Value::Map(entries))
}

/// `[calldata, leader_only]` as genlayer-js serializes it.
pub fn encode_call(method: &str, args: &[Value]) -> Vec<u8> {
    rlp::encode_list(&[rlp::bytes(&call_calldata(method, args)), rlp::bytes(&[0])])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_deploys_decode() {
        let args = vec![Value::from("weather"), Value::from(10u64)];
        assert_eq!(
            decode(&encode_call("register_api", &args)),
            Ok(TxData::Call { method: "register_api".into(), args: args.clone(), leader_only: false })
        );
        let empty_ctor = calldata::encode(&Value::Map(vec![]));
        let deploy =
            rlp::encode_list(&[rlp::bytes(b"PK\x03\x04"), rlp::bytes(&empty_ctor), rlp::bytes(&[1])]);
        assert_eq!(
            decode(&deploy),
            Ok(TxData::Deploy { code: b"PK\x03\x04".to_vec(), args: vec![], leader_only: true })
        );
    }

    #[test]
    fn malformed_data_is_refused() {
        assert!(matches!(decode(b"\x01"), Err(DataError::Rlp(_))));
        assert_eq!(decode(&rlp::encode_list(&[rlp::bytes(b"x")])), Err(DataError::Shape(1)));
        let not_map = rlp::encode_list(&[rlp::bytes(&calldata::encode(&Value::from(1u64))), rlp::bytes(&[])]);
        assert_eq!(decode(&not_map), Err(DataError::NotACall));
        let garbage = rlp::encode_list(&[rlp::bytes(&[0xff, 0xff]), rlp::bytes(&[])]);
        assert!(matches!(decode(&garbage), Err(DataError::Calldata(_))));
        let kwargs = calldata::encode(&Value::Map(vec![
            ("kwargs".into(), Value::Map(vec![("a".into(), Value::Null)])),
            ("method".into(), Value::from("x")),
        ]));
        assert_eq!(
            decode(&rlp::encode_list(&[rlp::bytes(&kwargs), rlp::bytes(&[])])),
            Err(DataError::Kwargs)
        );
    }
}
