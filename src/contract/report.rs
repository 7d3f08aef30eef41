//! The views: the consumer's usage report as compact JSON, and the integration text.

use alloc::string::String;
use alloc::vec::Vec;

use super::{is_low_credit, load_api, resets_at, today};
use crate::json::{push_decimal, Json};
use crate::state::{Account, ApiRecord, DayUsage, Subscription};
use crate::state::{ACCOUNTS, APIS, API_LISTS, HISTORY, HISTORY_DAYS, SUBSCRIPTIONS};
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

/// Field names and order are part of the interface (SPEC.md): seed fields first. Each report is
/// written field by field into one string ([`Json`]), in this order.
pub(crate) fn get_usage_report(host: &mut impl Host, consumer: Address) -> Result<Value, Error> {
    let block_day = today(host);
    let account: Account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
    let names = API_LISTS.load(host, &consumer)?.unwrap_or_default();
    let mut apis = Vec::with_capacity(names.len());
    // The report's day: the latest any of its subscriptions counts on (block time may go backwards).
    let mut day = block_day;
    let mut delegates = 0;
    for api_name in names {
        let api = APIS.load(host, &api_name)?;
        let sub = SUBSCRIPTIONS.load(host, (&consumer, &api_name))?;
        day = sub.as_ref().map_or(day, |sub| sub.effective_day(day));
        delegates += sub.as_ref().map_or(0, |sub| sub.delegates.len());
        apis.push((api_name, api, sub));
    }
    // About 330 bytes an API and 100 a delegate: one allocation in the common case.
    let mut json = Json::with_capacity(256 + 340 * apis.len() + 100 * delegates);
    json.open_object();
    json.key("\"consumer\":");
    json.address(&consumer);
    json.key("\"day_id\":");
    json.u64(day);
    json.key("\"credit_balance_wei\":");
    json.wei(account.credit_wei);
    json.key("\"apis\":");
    json.open_array();
    for (api_name, api, sub) in &apis {
        write_api_usage(&mut json, api_name, api.as_ref(), sub.as_ref(), block_day);
    }
    json.close_array();
    json.key("\"resets_at\":");
    json.u64(resets_at(day));
    json.key("\"funded_wei\":");
    json.wei(account.funded_wei);
    json.key("\"low_credit\":");
    json.bool(is_low_credit(&account));
    json.key("\"credit_alerts\":");
    json.open_array();
    for (bit, percent) in account.thresholds().iter().enumerate() {
        json.open_object();
        json.key("\"percent\":");
        json.u64(u64::from(*percent));
        json.key("\"armed\":");
        json.bool(account.armed(bit));
        json.close_object();
    }
    json.close_array();
    json.close_object();
    Ok(Value::Str(json.finish()))
}

/// One API of the usage report, with each approved delegate's limit (`null`: unlimited) and its
/// calls on the day its next bill counts on.
fn write_api_usage(
    json: &mut Json,
    api_name: &str,
    api: Option<&ApiRecord>,
    sub: Option<&Subscription>,
    block_day: u64,
) {
    let (cost, limit) = api.map_or((0, 0), |api| (api.cost_per_call_wei, api.daily_limit_calls));
    // Each subscription's figures are those its next bill counts against: its effective day.
    let day = sub.map_or(block_day, |sub| sub.effective_day(block_day));
    let (calls, spend) = sub.map_or((0, 0), |sub| sub.today.on(day));
    let cap = sub.map_or(0, |sub| sub.max_daily_spend_wei);
    json.open_object();
    json.key("\"api_name\":");
    json.str(api_name);
    json.key("\"calls_today\":");
    json.u64(calls);
    json.key("\"spend_today_wei\":");
    json.wei(spend);
    json.key("\"cost_per_call_wei\":");
    json.wei(cost);
    json.key("\"api_daily_limit_calls\":");
    json.u64(limit);
    json.key("\"consumer_max_daily_spend_wei\":");
    json.wei(cap);
    json.key("\"active\":");
    json.bool(sub.is_some_and(|sub| sub.active));
    json.key("\"accepted_price_wei\":");
    json.wei(sub.map_or(0, |sub| sub.accepted_price_wei));
    json.key("\"calls_remaining_today\":");
    json.u64(limit.saturating_sub(calls));
    json.key("\"spend_remaining_today_wei\":");
    json.wei(cap.saturating_sub(spend));
    let delegates = sub.map_or(&[][..], |sub| sub.delegates.as_slice());
    json.key("\"delegates\":");
    json.open_array();
    for delegate in delegates {
        json.address(&delegate.address);
    }
    json.close_array();
    json.key("\"delegate_limits\":");
    json.open_array();
    for delegate in delegates {
        json.open_object();
        json.key("\"delegate\":");
        json.address(&delegate.address);
        json.key("\"max_daily_calls\":");
        match delegate.max_daily_calls {
            Some(max) => json.u64(max),
            None => json.null(),
        }
        json.key("\"calls_today\":");
        json.u64(sub.map_or(0, |sub| sub.delegate_calls_on(delegate, day)));
        json.close_object();
    }
    json.close_array();
    json.close_object();
}

/// An API at a glance, for its operator's dashboard.
pub(crate) fn get_api_report(host: &mut impl Host, api_name: &str) -> Result<Value, Error> {
    let (name, api) = load_api(host, api_name)?;
    // The API's statistics never go back in time: its day is the later of the block's and its own.
    let day = today(host).max(api.today.day_id);
    let (calls_today, revenue_today) = api.today.on(day);
    let mut json = Json::with_capacity(512);
    json.open_object();
    json.key("\"api_name\":");
    json.str(&name);
    json.key("\"operator\":");
    json.address(&api.operator);
    json.key("\"cost_per_call_wei\":");
    json.wei(api.cost_per_call_wei);
    json.key("\"daily_limit_calls\":");
    json.u64(api.daily_limit_calls);
    json.key("\"active\":");
    json.bool(api.active);
    json.key("\"subscribers\":");
    json.u64(api.subscribers);
    json.key("\"day_id\":");
    json.u64(day);
    json.key("\"calls_today\":");
    json.u64(calls_today);
    json.key("\"revenue_today_wei\":");
    json.wei(revenue_today);
    json.key("\"revenue_total_wei\":");
    json.wei(api.revenue_total_wei);
    json.key("\"earnings_available_wei\":");
    json.wei(api.earnings_wei);
    json.key("\"resets_at\":");
    json.u64(resets_at(day));
    json.key("\"pending_operator\":");
    match &api.pending_operator {
        Some(operator) => json.address(operator),
        None => json.null(),
    }
    json.close_object();
    Ok(Value::Str(json.finish()))
}

/// The last 30 days on which the consumer used the API, newest first (today included): each
/// `{day_id, calls, spend_wei}`.
pub(crate) fn get_usage_history(
    host: &mut impl Host,
    consumer: Address,
    api_name: &str,
) -> Result<Value, Error> {
    let (name, _) = load_api(host, api_name)?;
    let mut json = Json::with_capacity(1024);
    json.open_array();
    if let Some(sub) = SUBSCRIPTIONS.load(host, (&consumer, &name))? {
        let mut written = 0;
        if sub.today.calls > 0 {
            // The latest day billed: today, or a finished day not archived yet.
            write_day(&mut json, &sub.today);
            written += 1;
        }
        let archived = sub.archived_days.min(HISTORY_DAYS);
        for back in 1..=archived {
            if written >= HISTORY_DAYS {
                break;
            }
            let slot = ((sub.archived_days - back) % HISTORY_DAYS) as u8;
            if let Some(day) = HISTORY.load(host, (&consumer, slot, &name))? {
                write_day(&mut json, &day);
                written += 1;
            }
        }
    }
    json.close_array();
    Ok(Value::Str(json.finish()))
}

fn write_day(json: &mut Json, day: &DayUsage) {
    json.open_object();
    json.key("\"day_id\":");
    json.u64(day.day_id);
    json.key("\"calls\":");
    json.u64(day.calls);
    json.key("\"spend_wei\":");
    json.wei(day.spend_wei);
    json.close_object();
}

/// `n` in decimal, without `core::fmt`.
pub(crate) fn decimal(n: u128) -> String {
    let mut out = String::with_capacity(39);
    push_decimal(&mut out, n);
    out
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
