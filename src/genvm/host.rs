//! What every host of the GenVM flavor must agree on, whichever engine runs it (the wasmi host in
//! crates/vm, the real executor's driver in crates/genvm-executor): the calls GenVM's message cannot
//! express, refused before anything runs, and how a refusal's code and details are read back from the
//! contract's `[Refused]` line.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::{Int, Value};

/// First transaction time at which genvm v0.1.8 runs a `v0.1.6` archive (2025-07-10T11:56:59Z,
/// `executor/src/version_timestamps.rs`); earlier ones end in `version_too_big`.
pub const ZIP_V016_FROM: u64 = 1_752_148_619;
/// The last second an RFC 3339 `datetime` names (9999-12-31T23:59:59Z: four-digit years).
pub const LATEST_DATETIME: u64 = 253_402_300_799;

/// A call GenVM's message cannot carry: a host refuses it before it runs, with [`Inexpressible::code`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Inexpressible {
    /// The message's `value` is a u64.
    #[error("GenVM's message value is a u64: {value} wei cannot be attached")]
    Value { value: u128 },
    /// A `v0.1.6` archive is refused before [`ZIP_V016_FROM`].
    #[error("GenVM runs this contract version (v0.1.6) only from 2025-07-10T11:56:59Z (unix {ZIP_V016_FROM}); block time {timestamp} is earlier")]
    TooEarly { timestamp: u64 },
    /// RFC 3339 ends with year 9999.
    #[error("GenVM's datetime is RFC 3339, which ends at 9999-12-31T23:59:59Z (unix {LATEST_DATETIME}); block time {timestamp} is later")]
    TooLate { timestamp: u64 },
}

impl Inexpressible {
    /// `value_not_expressible` or `time_not_expressible`.
    pub fn code(&self) -> &'static str {
        match self {
            Inexpressible::Value { .. } => "value_not_expressible",
            Inexpressible::TooEarly { .. } | Inexpressible::TooLate { .. } => "time_not_expressible",
        }
    }
}

/// Whether GenVM can express a call with `value` attached at `timestamp`, for the deployment zip
/// (`is_zip`: version v0.1.6) or a bare `.wasm` (v0.0.1, any time).
pub fn expressible(value: u128, timestamp: u64, is_zip: bool) -> Result<(), Inexpressible> {
    if u64::try_from(value).is_err() {
        return Err(Inexpressible::Value { value });
    }
    if timestamp > LATEST_DATETIME {
        return Err(Inexpressible::TooLate { timestamp });
    }
    if is_zip && timestamp < ZIP_V016_FROM {
        return Err(Inexpressible::TooEarly { timestamp });
    }
    Ok(())
}

/// The code and details of a refusal, read back from the `[Refused] code=… key=value …` line the
/// contract writes before it rolls back ([`super::protocol::refusal_log_line`]). Values are ints
/// where they are all digits, text otherwise.
pub fn refusal_from_log(stdout: &str) -> Option<(String, Value)> {
    let line = stdout.lines().rev().find_map(|line| line.strip_prefix("[Refused] "))?;
    let mut parts = line.split(' ');
    let code = parts.next()?.strip_prefix("code=")?.to_string();
    let details: Vec<(String, Value)> = parts
        .filter_map(|part| part.split_once('='))
        .map(|(key, value)| {
            let parsed = Int::parse_decimal(value).filter(|_| !value.starts_with('-'));
            (key.to_string(), parsed.map_or_else(|| Value::from(value), Value::Int))
        })
        .collect();
    Some((code, Value::Map(details)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_above_u64_and_times_outside_v0_1_6_are_inexpressible() {
        assert_eq!(expressible(u128::from(u64::MAX), ZIP_V016_FROM, true), Ok(()));
        assert_eq!(
            expressible(u128::from(u64::MAX) + 1, ZIP_V016_FROM, true).unwrap_err().code(),
            "value_not_expressible"
        );
        assert_eq!(expressible(0, ZIP_V016_FROM - 1, true).unwrap_err().code(), "time_not_expressible");
        assert_eq!(expressible(0, ZIP_V016_FROM - 1, false), Ok(()));
        assert_eq!(expressible(0, LATEST_DATETIME + 1, false).unwrap_err().code(), "time_not_expressible");
    }

    #[test]
    fn the_refusal_line_reads_back_as_it_was_written() {
        let error = crate::Error::DailyCallLimit { attempted_calls: 6, max_calls: 5 };
        let line = super::super::protocol::refusal_log_line(&error);
        let (code, details) = refusal_from_log(&line).unwrap();
        assert_eq!(code, "daily_call_limit");
        assert_eq!(details.get("max_calls"), Some(&Value::from(5u64)));
        assert_eq!(details.get("reason"), Some(&Value::from("daily_call_limit")));
        assert_eq!(refusal_from_log("no line here"), None);
    }
}
