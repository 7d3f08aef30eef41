//! The entrypoints of SPEC.md over typed arguments; shared rules (names, days, thresholds) live here.

mod billing;
mod consumer;
mod operator;
mod report;

pub(crate) use billing::{consume_credit, consume_credits};
pub(crate) use consumer::{
    approve_delegate, revoke_delegate, set_daily_cap, subscribe, top_up_credit, unsubscribe, withdraw_credit,
};
pub(crate) use operator::{accept_api, register_api, set_api_active, transfer_api, withdraw_earnings};
pub use report::INTEGRATION_EXAMPLE;
pub(crate) use report::{get_api_report, get_usage_history, get_usage_report};

use alloc::string::String;

use crate::state::{self, ApiRecord, APIS};
use crate::{Error, Host, Int, Value};

/// Most APIs one consumer's list holds (unsubscribing keeps the entry).
pub const MAX_SUBSCRIPTIONS: usize = 64;
/// Most delegates one subscription allows.
pub const MAX_DELEGATES: usize = 16;
/// The length of a billing day: usage counts per UTC day, `day = block time / SECONDS_PER_DAY`.
pub const SECONDS_PER_DAY: u64 = 86_400;
/// Credit at or below this percentage of the funded amount is low: the `CreditDepleted` warning.
pub const LOW_CREDIT_PERCENT: u128 = 20;
/// The `threshold` text of `CreditDepleted`, which names [`LOW_CREDIT_PERCENT`] (checked at compile time).
pub const LOW_CREDIT_THRESHOLD: &str = "20_percent_of_total_deposit";
const _: () = assert!(names_percent(LOW_CREDIT_THRESHOLD.as_bytes(), LOW_CREDIT_PERCENT));
// The rule below multiplies credit by 100 / LOW_CREDIT_PERCENT: exact only for a divisor of 100.
const _: () = assert!(LOW_CREDIT_PERCENT > 0 && 100 % LOW_CREDIT_PERCENT == 0);

/// `text` is the decimal of `percent`, then `_percent_`.
const fn names_percent(text: &[u8], percent: u128) -> bool {
    let mut digits = [0u8; 39];
    let (mut n, mut len) = (percent, 0);
    while n > 0 || len == 0 {
        digits[len] = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
    }
    let suffix = b"_percent_";
    if text.len() < len + suffix.len() {
        return false;
    }
    let mut i = 0;
    while i < len {
        if text[i] != digits[len - 1 - i] {
            return false;
        }
        i += 1;
    }
    let mut j = 0;
    while j < suffix.len() {
        if text[len + j] != suffix[j] {
            return false;
        }
        j += 1;
    }
    true
}
const MAX_API_NAME_LEN: usize = 64;
/// Longer raw names are refused before any per-byte work: at most this much surrounding whitespace.
const MAX_RAW_API_NAME_LEN: usize = 4 * MAX_API_NAME_LEN;

/// The deploy call (the constructor): marks fresh state with its layout version. It runs once: on
/// state already deployed it is refused exactly as an unknown method is (`unknown_method`), so a
/// billing-ABI `init` export answers after deploy as for a name it does not export. It takes no value
/// (`not_payable`), and state of another layout is `unsupported_state_version` (deploy on fresh state).
pub fn instantiate(host: &mut impl Host) -> Result<(), Error> {
    match state::stored_version(host)? {
        Some(state::STATE_VERSION) => Err(Error::UnknownMethod),
        Some(found) => Err(Error::UnsupportedStateVersion {
            found: found.into(),
            supported: state::STATE_VERSION.into(),
        }),
        None if host.attached_value() != 0 => Err(Error::NotPayable),
        None => state::write_version(host),
    }
}

/// The integration guide, as a method.
pub(crate) fn consumer_integration_example(_host: &mut impl Host) -> Result<Value, Error> {
    Ok(Value::from(INTEGRATION_EXAMPLE))
}

/// `schema/contract.json`, as a method (not listed in itself, as GenLayer's `#get-schema` is not).
pub(crate) fn get_schema(_host: &mut impl Host) -> Result<Value, Error> {
    Ok(Value::from(crate::schema::CONTRACT_SCHEMA))
}

/// Trims ASCII whitespace and lowercases ASCII, then requires 1-64 characters of `a-z 0-9 . _ - : /`.
/// A raw name over 256 bytes is refused on its length alone, before it is scanned or copied.
pub fn normalize_api_name(raw: &str) -> Result<String, Error> {
    if raw.len() > MAX_RAW_API_NAME_LEN {
        return Err(Error::InvalidApiName);
    }
    let name = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    if name.is_empty() {
        return Err(Error::ApiNameRequired);
    }
    let allowed = |b: &u8| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b':' | b'/');
    let lower = name.to_ascii_lowercase();
    if lower.len() > MAX_API_NAME_LEN || !lower.as_bytes().iter().all(allowed) {
        return Err(Error::InvalidApiName);
    }
    Ok(lower)
}

/// The registered API a name refers to; a name that could never be registered is simply not.
pub(crate) fn load_api(host: &mut impl Host, raw_name: &str) -> Result<(String, ApiRecord), Error> {
    let name = normalize_api_name(raw_name).map_err(|_| Error::ApiNotRegistered)?;
    let api = APIS.load(host, &name)?.ok_or(Error::ApiNotRegistered)?;
    Ok((name, api))
}

/// The UTC day of the block. Usage counts on the later of this and the day a record holds
/// (`Subscription::effective_day`): block time may go backwards between transactions.
pub(crate) fn today(host: &impl Host) -> u64 {
    host.block_timestamp() / SECONDS_PER_DAY
}

/// When `day` ends and its usage stops counting (unix seconds).
pub(crate) fn resets_at(day: u64) -> u64 {
    day.saturating_add(1).saturating_mul(SECONDS_PER_DAY)
}

/// `credit * 100 <= LOW_CREDIT_PERCENT * funded` for a funded account, without overflow
/// (`credit * (100 / LOW_CREDIT_PERCENT) <= funded`).
pub(crate) fn is_low_credit(credit: u128, funded: u128) -> bool {
    funded > 0 && credit.checked_mul(100 / LOW_CREDIT_PERCENT).is_some_and(|scaled| scaled <= funded)
}

/// A positive integer argument that must fit a `u128`: the sign check first, as the seed runs it.
pub(crate) fn positive_u128(value: &Int, not_positive: Error, name: &'static str) -> Result<u128, Error> {
    if !value.is_positive() {
        return Err(not_positive);
    }
    value.to_u128().ok_or(Error::OutOfRange(name))
}
