//! What a contract's calls out of itself answer (docs/ABI.md, "Calls to other contracts and outbound
//! fetches"): a nested contract call's result or refusal, an outbound fetch's response or failure,
//! each as the calldata the contract reads back with `result_read`.

use api_usage_billing::calldata;
use api_usage_billing::{Int, Value};

/// The deepest call stack: the top-level call is depth 1, so three nested levels.
pub const MAX_CALL_DEPTH: usize = 4;

/// The longest URL `http_get` takes: a longer one is `bad_url`, refused before the host copies it.
pub const MAX_URL_BYTES: usize = 2048;

/// How a nested `call_contract` ended, for the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallAnswer {
    /// The callee returned: the calldata of its return value (`null` if it returned none).
    Returned(Vec<u8>),
    /// The callee (or the host) refused: the calldata map `{code, details, message}`.
    Refused(Vec<u8>),
    /// The callee burned all the fuel it was given: fuel is shared, so the caller traps too.
    OutOfFuel,
}

impl CallAnswer {
    /// A refusal of the host's (no contract there, too deep, reentrant, the callee trapped).
    pub fn refused(code: &str, message: &str) -> CallAnswer {
        CallAnswer::Refused(refusal_calldata(code, message))
    }
}

/// The calldata map a refusal is carried in, with no details.
pub fn refusal_calldata(code: &str, message: &str) -> Vec<u8> {
    calldata::encode(&Value::map([
        ("code", Value::from(code)),
        ("details", Value::Map(Vec::new())),
        ("message", Value::Str(message.to_string())),
    ]))
}

/// Why an outbound fetch got no response; `code()` is what the contract reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchFailure {
    /// The host does not fetch this (a remote host by default, past the per-transaction count, no
    /// fetcher at all).
    #[error("not_allowed")]
    NotAllowed,
    /// Not an `http://` URL the host can read.
    #[error("bad_url")]
    BadUrl,
    /// No connection (refused, unreachable, the name did not resolve).
    #[error("connect")]
    Connect,
    /// The whole request took longer than the time-out.
    #[error("timeout")]
    Timeout,
    /// The body is larger than the limit.
    #[error("too_large")]
    TooLarge,
    /// The peer's bytes are not an HTTP/1.1 response.
    #[error("protocol")]
    Protocol,
}

impl FetchFailure {
    /// The stable reason the contract reads in `{"error": str}`.
    pub fn code(self) -> &'static str {
        match self {
            FetchFailure::NotAllowed => "not_allowed",
            FetchFailure::BadUrl => "bad_url",
            FetchFailure::Connect => "connect",
            FetchFailure::Timeout => "timeout",
            FetchFailure::TooLarge => "too_large",
            FetchFailure::Protocol => "protocol",
        }
    }
}

/// How an outbound `http_get` ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchAnswer {
    /// A response arrived (any status).
    Response { status: u16, body: Vec<u8> },
    /// No response.
    Failed(FetchFailure),
}

impl FetchAnswer {
    /// The result buffer: `{"status": int, "body": bytes}` or `{"error": str}`.
    pub fn to_calldata(&self) -> Vec<u8> {
        let value = match self {
            FetchAnswer::Response { status, body } => Value::map([
                ("body", Value::Bytes(body.clone())),
                ("status", Value::Int(Int::from(u64::from(*status)))),
            ]),
            FetchAnswer::Failed(why) => Value::map([("error", Value::from(why.code()))]),
        };
        calldata::encode(&value)
    }
}
