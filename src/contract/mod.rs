//! The entrypoints of SPEC.md over typed arguments; shared rules (names, days, thresholds) live here.

mod billing;
mod consumer;
mod operator;
mod records;
mod report;

pub use billing::Receipt;
pub(crate) use billing::{consume_credit, consume_credits, preview_bill};
pub(crate) use consumer::{
    approve_delegate, revoke_delegate, set_credit_alerts, set_daily_cap, set_delegate_limit, subscribe,
    top_up_credit, unsubscribe, withdraw_credit,
};
pub(crate) use operator::{
    accept_api, credit_note, register_api, set_api_active, transfer_api, withdraw_earnings,
};
pub use report::INTEGRATION_EXAMPLE;
pub(crate) use report::{get_api_report, get_usage_history, get_usage_report};

use alloc::string::String;
use alloc::vec::Vec;

use crate::state::{self, Account, ApiRecord, APIS};
use crate::{Error, Host, Int, Value};

/// Most APIs one consumer's list holds (unsubscribing keeps the entry).
pub const MAX_SUBSCRIPTIONS: usize = 64;
/// Most delegates one subscription allows.
pub const MAX_DELEGATES: usize = 16;
/// The length of a billing day: usage counts per UTC day, `day = block time / SECONDS_PER_DAY`.
pub const SECONDS_PER_DAY: u64 = 86_400;
/// Credit at or below this percentage of the funded amount is low: the `CreditDepleted` warning of an
/// account that set no thresholds of its own (`set_credit_alerts`).
pub const LOW_CREDIT_PERCENT: u128 = 20;
/// The `threshold` text of `CreditDepleted`, which names [`LOW_CREDIT_PERCENT`] (checked at compile time).
pub const LOW_CREDIT_THRESHOLD: &str = "20_percent_of_total_deposit";
const _: () = assert!(names_percent(LOW_CREDIT_THRESHOLD.as_bytes(), LOW_CREDIT_PERCENT));
/// The `threshold` text of `CreditDepleted` after it, as [`LOW_CREDIT_THRESHOLD`] has it.
const THRESHOLD_SUFFIX: &str = "_percent_of_total_deposit";

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
    Ok(Value::Str(crate::schema::contract_schema()))
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

/// `credit * 100 <= percent * funded` for a funded account, exactly: both products in 136 bits.
pub(crate) fn is_at_or_below(credit: u128, funded: u128, percent: u8) -> bool {
    funded > 0 && wide_mul(credit, 100) <= wide_mul(funded, u128::from(percent))
}

/// `x * m` for `m < 2^64`, as (high, low) 128-bit halves.
fn wide_mul(x: u128, m: u128) -> (u128, u128) {
    let low_part = (x & u128::from(u64::MAX)) * m;
    let high_part = (x >> 64) * m;
    let (low, carry) = low_part.overflowing_add(high_part << 64);
    ((high_part >> 64) + u128::from(carry), low)
}

/// Credit is low: at or below the account's highest threshold.
pub(crate) fn is_low_credit(account: &Account) -> bool {
    account.thresholds().first().is_some_and(|p| is_at_or_below(account.credit_wei, account.funded_wei, *p))
}

/// `CreditDepleted`'s `threshold` for `percent`: `20_percent_of_total_deposit` for the default.
pub(crate) fn threshold_text(percent: u8) -> String {
    let mut text = report::decimal(u128::from(percent));
    text.push_str(THRESHOLD_SUFFIX);
    text
}

/// The armed thresholds credit is now at or below, highest first: each is disarmed (its warning
/// given once per crossing).
pub(crate) fn crossed_thresholds(account: &mut Account) -> Vec<u8> {
    let mut crossed = Vec::new();
    let mut fired = account.fired;
    for (bit, percent) in account.thresholds().iter().enumerate() {
        let mask = Account::bit(bit);
        if fired & mask == 0 && is_at_or_below(account.credit_wei, account.funded_wei, *percent) {
            fired |= mask;
            crossed.push(*percent);
        }
    }
    account.fired = fired;
    crossed
}

/// Re-arms every threshold credit is now above (after a deposit or a credit note).
pub(crate) fn rearm(account: &mut Account) {
    let mut fired = account.fired;
    for (bit, percent) in account.thresholds().iter().enumerate() {
        if !is_at_or_below(account.credit_wei, account.funded_wei, *percent) {
            fired &= !Account::bit(bit);
        }
    }
    account.fired = fired;
}

/// Adds a deposit or a credit note to credit and `funded`, and re-arms the thresholds credit is above.
pub(crate) fn add_credit(account: &mut Account, amount: u128) -> Result<(), Error> {
    account.credit_wei = account.credit_wei.checked_add(amount).ok_or(Error::Overflow)?;
    account.funded_wei = account.funded_wei.checked_add(amount).ok_or(Error::Overflow)?;
    rearm(account);
    Ok(())
}

/// A positive integer argument that must fit a `u128`: the sign check first, as the seed runs it.
pub(crate) fn positive_u128(value: &Int, not_positive: Error, name: &'static str) -> Result<u128, Error> {
    if !value.is_positive() {
        return Err(not_positive);
    }
    value.to_u128().ok_or(Error::OutOfRange(name))
}

#[cfg(test)]
mod tests {
    use super::{is_at_or_below, threshold_text, LOW_CREDIT_THRESHOLD};

    #[test]
    fn thresholds_compare_exactly_at_the_u128_edges() {
        assert!(is_at_or_below(20, 100, 20) && !is_at_or_below(21, 100, 20));
        assert!(!is_at_or_below(0, 0, 99), "an unfunded account is never low");
        let max = u128::MAX;
        assert!(is_at_or_below(max / 5, max, 20));
        assert!(!is_at_or_below(max / 5 + 1, max, 20));
        assert!(is_at_or_below(max / 100 * 99, max, 99) && !is_at_or_below(max, max, 99));
        assert!(is_at_or_below(1, max, 1) && !is_at_or_below(max / 100 + 1, max, 1));
    }

    #[test]
    fn the_default_threshold_text_is_the_seeds() {
        assert_eq!(threshold_text(20), LOW_CREDIT_THRESHOLD);
        assert_eq!(threshold_text(5), "5_percent_of_total_deposit");
    }
}
