//! The views: the consumer's usage report as compact JSON, and the integration text.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Serialize, Serializer};

use super::{is_low_credit, load_api, resets_at, today};
use crate::state::Subscription;
use crate::state::{Account, ACCOUNTS, APIS, API_LISTS, HISTORY, HISTORY_DAYS, SUBSCRIPTIONS};
use crate::{Address, Error, Host, Value};

/// How a consumer contract bills before it fetches, on each interface (README, "Differences from the
/// seed": on GenLayer a write to another contract is a queued message, so the seed's pattern cannot
/// see a refusal before its fetch).
pub const INTEGRATION_EXAMPLE: &str = "First the end user calls subscribe(api_name, max_daily_spend_wei, \
initial_deposit_wei) with the deposit attached, then approve_delegate(api_name, consumer_contract). \
Billing ABI (calls are synchronous): the consumer contract calls consume_credit(api_name, end_user) \
(end_user = origin) through the host's call_contract and fetches only if it returned; a refusal means \
no fetch. GenLayer (a write to another contract is a queued message): \
billing.view().preview_bill(api_name, end_user, 1); only if allowed, fetch in a nondet block \
(gl.nondet.web.get), then billing.emit(on='accepted').consume_credits(api_name, end_user, 1, usage_id) \
with the consumer's own increasing usage_id, so a replayed message never bills twice. Bills landing \
in between can still refuse it, at most the calls in flight. Receipts tell the remaining credit and \
quota until resets_at.";

/// Field names and order are part of the interface (SPEC.md): seed fields first.
#[derive(Serialize)]
struct UsageReport {
    consumer: String,
    day_id: u64,
    #[serde(serialize_with = "wei")]
    credit_balance_wei: u128,
    apis: Vec<ApiUsage>,
    resets_at: u64,
    #[serde(serialize_with = "wei")]
    funded_wei: u128,
    low_credit: bool,
    credit_alerts: Vec<CreditAlert>,
}

/// One low-credit threshold of the account, highest first.
#[derive(Serialize)]
struct CreditAlert {
    percent: u8,
    armed: bool,
}

/// One approved delegate's own limit (`null`: unlimited) and its calls today.
#[derive(Serialize)]
struct DelegateLimit {
    delegate: String,
    max_daily_calls: Option<u64>,
    calls_today: u64,
}

#[derive(Serialize)]
struct ApiUsage {
    api_name: String,
    calls_today: u64,
    #[serde(serialize_with = "wei")]
    spend_today_wei: u128,
    #[serde(serialize_with = "wei")]
    cost_per_call_wei: u128,
    api_daily_limit_calls: u64,
    #[serde(serialize_with = "wei")]
    consumer_max_daily_spend_wei: u128,
    active: bool,
    #[serde(serialize_with = "wei")]
    accepted_price_wei: u128,
    calls_remaining_today: u64,
    #[serde(serialize_with = "wei")]
    spend_remaining_today_wei: u128,
    delegates: Vec<String>,
    delegate_limits: Vec<DelegateLimit>,
}

pub(crate) fn get_usage_report(host: &mut impl Host, consumer: Address) -> Result<Value, Error> {
    let block_day = today(host);
    // The report's day: the latest any of its subscriptions counts on (block time may go backwards).
    let mut day = block_day;
    let account: Account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
    let names = API_LISTS.load(host, &consumer)?.unwrap_or_default();
    let mut apis = Vec::with_capacity(names.len());
    for api_name in names {
        let api = APIS.load(host, &api_name)?;
        let sub = SUBSCRIPTIONS.load(host, (&consumer, &api_name))?;
        let (cost, limit) = api.map_or((0, 0), |api| (api.cost_per_call_wei, api.daily_limit_calls));
        // Each subscription's figures are those its next bill counts against: its effective day.
        let (calls, spend) = sub.as_ref().map_or((0, 0), |sub| sub.today.on(sub.effective_day(block_day)));
        let delegate_limits = sub.as_ref().map_or_else(Vec::new, |sub| delegate_limits(sub, block_day));
        day = sub.as_ref().map_or(day, |sub| sub.effective_day(day));
        let cap = sub.as_ref().map_or(0, |sub| sub.max_daily_spend_wei);
        apis.push(ApiUsage {
            api_name,
            calls_today: calls,
            spend_today_wei: spend,
            cost_per_call_wei: cost,
            api_daily_limit_calls: limit,
            consumer_max_daily_spend_wei: cap,
            active: sub.as_ref().is_some_and(|sub| sub.active),
            accepted_price_wei: sub.as_ref().map_or(0, |sub| sub.accepted_price_wei),
            calls_remaining_today: limit.saturating_sub(calls),
            spend_remaining_today_wei: cap.saturating_sub(spend),
            delegates: sub
                .map_or_else(Vec::new, |sub| sub.delegates.iter().map(|d| d.address.to_hex()).collect()),
            delegate_limits,
        });
    }
    let report = UsageReport {
        consumer: consumer.to_hex(),
        day_id: day,
        credit_balance_wei: account.credit_wei,
        apis,
        resets_at: resets_at(day),
        funded_wei: account.funded_wei,
        low_credit: is_low_credit(&account),
        credit_alerts: account
            .thresholds()
            .iter()
            .enumerate()
            .map(|(bit, percent)| CreditAlert { percent: *percent, armed: account.armed(bit) })
            .collect(),
    };
    to_json(&report)
}

/// Each delegate's limit and its calls on the day its next bill counts on.
fn delegate_limits(sub: &Subscription, block_day: u64) -> Vec<DelegateLimit> {
    let day = sub.effective_day(block_day);
    sub.delegates
        .iter()
        .map(|d| DelegateLimit {
            delegate: d.address.to_hex(),
            max_daily_calls: d.max_daily_calls,
            calls_today: sub.delegate_calls_on(d, day),
        })
        .collect()
}

/// An API at a glance, for its operator's dashboard.
#[derive(Serialize)]
struct ApiReport {
    api_name: String,
    operator: String,
    #[serde(serialize_with = "wei")]
    cost_per_call_wei: u128,
    daily_limit_calls: u64,
    active: bool,
    subscribers: u64,
    day_id: u64,
    calls_today: u64,
    #[serde(serialize_with = "wei")]
    revenue_today_wei: u128,
    #[serde(serialize_with = "wei")]
    revenue_total_wei: u128,
    #[serde(serialize_with = "wei")]
    earnings_available_wei: u128,
    resets_at: u64,
    pending_operator: Option<String>,
}

pub(crate) fn get_api_report(host: &mut impl Host, api_name: &str) -> Result<Value, Error> {
    let (name, api) = load_api(host, api_name)?;
    // The API's statistics never go back in time: its day is the later of the block's and its own.
    let day = today(host).max(api.today.day_id);
    let (calls_today, revenue_today) = api.today.on(day);
    to_json(&ApiReport {
        api_name: name,
        operator: api.operator.to_hex(),
        cost_per_call_wei: api.cost_per_call_wei,
        daily_limit_calls: api.daily_limit_calls,
        active: api.active,
        subscribers: api.subscribers,
        day_id: day,
        calls_today,
        revenue_today_wei: revenue_today,
        revenue_total_wei: api.revenue_total_wei,
        earnings_available_wei: api.earnings_wei,
        resets_at: resets_at(day),
        pending_operator: api.pending_operator.as_ref().map(Address::to_hex),
    })
}

/// One day of a subscription's usage in the history.
#[derive(Serialize)]
struct HistoryDay {
    day_id: u64,
    calls: u64,
    #[serde(serialize_with = "wei")]
    spend_wei: u128,
}

/// The last 30 days on which the consumer used the API, newest first (today included).
pub(crate) fn get_usage_history(
    host: &mut impl Host,
    consumer: Address,
    api_name: &str,
) -> Result<Value, Error> {
    let (name, _) = load_api(host, api_name)?;
    let Some(sub) = SUBSCRIPTIONS.load(host, (&consumer, &name))? else {
        return to_json(&Vec::<HistoryDay>::new());
    };
    let mut days = Vec::new();
    if sub.today.calls > 0 {
        // The latest day billed: today, or a finished day not archived yet.
        let today = sub.today;
        days.push(HistoryDay { day_id: today.day_id, calls: today.calls, spend_wei: today.spend_wei });
    }
    let archived = sub.archived_days.min(HISTORY_DAYS);
    for back in 1..=archived {
        if days.len() as u64 >= HISTORY_DAYS {
            break;
        }
        let slot = ((sub.archived_days - back) % HISTORY_DAYS) as u8;
        if let Some(day) = HISTORY.load(host, (&consumer, slot, &name))? {
            days.push(HistoryDay { day_id: day.day_id, calls: day.calls, spend_wei: day.spend_wei });
        }
    }
    to_json(&days)
}

fn to_json<T: Serialize>(document: &T) -> Result<Value, Error> {
    // Serializing these plain fields cannot fail.
    serde_json::to_string(document).map(Value::Str).map_err(|_| Error::CorruptState)
}

/// Wei amounts leave as decimal strings: JSON readers lose precision above 2^53.
fn wei<S: Serializer>(amount: &u128, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&decimal(*amount))
}

/// `n` in decimal, without `core::fmt`. Digits come from u64 arithmetic: a u128 division is a
/// long software routine in wasm, so it runs at most twice, not once per digit.
pub(crate) fn decimal(n: u128) -> String {
    const TEN_POW_19: u128 = 10_000_000_000_000_000_000;
    let mut out = String::with_capacity(39);
    if let Ok(small) = u64::try_from(n) {
        push_u64(&mut out, small, 0);
    } else {
        let (high, low) = (n / TEN_POW_19, (n % TEN_POW_19) as u64);
        out.push_str(&decimal(high));
        push_u64(&mut out, low, 19);
    }
    out
}

/// Appends `n` in decimal, zero-padded to `width` digits.
fn push_u64(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while n > 0 || start == digits.len() {
        start -= 1;
        if let Some(slot) = digits.get_mut(start) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
    }
    let start = start.min(digits.len().saturating_sub(width));
    digits.get(start..).into_iter().flatten().for_each(|&d| out.push(char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimal_covers_the_range() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(7), "7");
        assert_eq!(decimal(1_000_000_000_000_000_000), "1000000000000000000");
        assert_eq!(decimal(u128::MAX), "340282366920938463463374607431768211455");
        assert_eq!(decimal(u128::from(u64::MAX)), "18446744073709551615");
        assert_eq!(decimal(u128::from(u64::MAX) + 1), "18446744073709551616");
        assert_eq!(decimal(10_000_000_000_000_000_000), "10000000000000000000");
        assert_eq!(
            decimal(100_000_000_000_000_000_000_000_000_000_000_000_005),
            "100000000000000000000000000000000000005"
        );
    }
}
