//! The views: the consumer's usage report as compact JSON, and the integration text.

use alloc::string::String;
use alloc::vec::Vec;

use super::records::{ApiView, SubscriptionView};
use super::{is_low_credit, load_api, resets_at, today};
use crate::json::{piece, Json};
use crate::state::{Account, DayUsage};
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
/// written piece by piece into one buffer ([`Json`]), in this order.
pub(crate) fn get_usage_report(host: &mut impl Host, consumer: Address) -> Result<Value, Error> {
    let block_day = today(host);
    let account: Account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
    let names = API_LISTS.load(host, &consumer)?.unwrap_or_default();
    // The records as stored, read in place (contract::records): a report shows a few fields of each.
    let mut stored = Vec::with_capacity(names.len());
    for api_name in names {
        let api = host.storage_get(&APIS.key(&api_name));
        let sub = host.storage_get(&SUBSCRIPTIONS.key((&consumer, &api_name)));
        stored.push((api_name, api, sub));
    }
    let mut apis = Vec::with_capacity(stored.len());
    // The report's day: the latest any of its subscriptions counts on (block time may go backwards).
    let mut day = block_day;
    let mut delegates = 0;
    let mut name_bytes = 0;
    for (api_name, api, sub) in &stored {
        let api = api.as_deref().map(ApiView::parse).transpose()?;
        let sub = sub.as_deref().map(SubscriptionView::parse).transpose()?;
        day = sub.as_ref().map_or(day, |sub| sub.effective_day(day));
        delegates += sub.as_ref().map_or(0, |sub| sub.delegates.len());
        name_bytes += api_name.len();
        apis.push((api_name.as_str(), api, sub));
    }
    // About 340 bytes an API and 150 a delegate: one allocation in the common case.
    let mut json = Json::with_capacity(256 + 340 * apis.len() + name_bytes + 150 * delegates);
    json.raw(piece!("{\"consumer\":"));
    json.address(&consumer);
    json.raw(piece!(",\"day_id\":"));
    json.u64(day);
    json.raw(piece!(",\"credit_balance_wei\":\""));
    json.decimal(account.credit_wei);
    json.raw(piece!("\",\"apis\":["));
    for (at, (api_name, api, sub)) in apis.iter().enumerate() {
        if at > 0 {
            json.raw(piece!(","));
        }
        write_api_usage(&mut json, api_name, api.as_ref(), sub.as_ref(), block_day);
    }
    json.raw(piece!("],\"resets_at\":"));
    json.u64(resets_at(day));
    json.raw(piece!(",\"funded_wei\":\""));
    json.decimal(account.funded_wei);
    json.raw(piece!("\",\"low_credit\":"));
    json.bool(is_low_credit(&account));
    json.raw(piece!(",\"credit_alerts\":["));
    for (bit, percent) in account.thresholds().iter().enumerate() {
        json.raw(if bit > 0 { piece!(",{\"percent\":") } else { piece!("{\"percent\":") });
        json.u64(u64::from(*percent));
        json.raw(piece!(",\"armed\":"));
        json.bool(account.armed(bit));
        json.raw(piece!("}"));
    }
    json.raw(piece!("]}"));
    Ok(host.answer_json(json.finish()))
}

/// One API of the usage report, with each approved delegate's limit (`null`: unlimited) and its
/// calls on the day its next bill counts on.
fn write_api_usage(
    json: &mut Json,
    api_name: &str,
    api: Option<&ApiView>,
    sub: Option<&SubscriptionView>,
    block_day: u64,
) {
    let (cost, limit) = api.map_or((0, 0), |api| (api.cost_per_call_wei, api.daily_limit_calls));
    // Each subscription's figures are those its next bill counts against: its effective day.
    let day = sub.map_or(block_day, |sub| sub.effective_day(block_day));
    let (calls, spend) = sub.map_or((0, 0), |sub| sub.today.on(day));
    let cap = sub.map_or(0, |sub| sub.max_daily_spend_wei);
    json.raw(piece!("{\"api_name\":"));
    json.str(api_name);
    json.raw(piece!(",\"calls_today\":"));
    json.u64(calls);
    json.raw(piece!(",\"spend_today_wei\":\""));
    json.decimal(spend);
    json.raw(piece!("\",\"cost_per_call_wei\":\""));
    json.decimal(cost);
    json.raw(piece!("\",\"api_daily_limit_calls\":"));
    json.u64(limit);
    json.raw(piece!(",\"consumer_max_daily_spend_wei\":\""));
    json.decimal(cap);
    json.raw(if sub.is_some_and(|sub| sub.active) {
        piece!("\",\"active\":true,\"accepted_price_wei\":\"")
    } else {
        piece!("\",\"active\":false,\"accepted_price_wei\":\"")
    });
    json.decimal(sub.map_or(0, |sub| sub.accepted_price_wei));
    json.raw(piece!("\",\"calls_remaining_today\":"));
    json.u64(limit.saturating_sub(calls));
    json.raw(piece!(",\"spend_remaining_today_wei\":\""));
    json.decimal(cap.saturating_sub(spend));
    json.raw(piece!("\",\"delegates\":["));
    let delegates = sub.map_or(&[][..], |sub| sub.delegates.as_slice());
    for (at, delegate) in delegates.iter().enumerate() {
        if at > 0 {
            json.raw(piece!(","));
        }
        json.address(&delegate.address);
    }
    json.raw(piece!("],\"delegate_limits\":["));
    for (at, delegate) in delegates.iter().enumerate() {
        json.raw(if at > 0 { piece!(",{\"delegate\":") } else { piece!("{\"delegate\":") });
        json.address(&delegate.address);
        json.raw(piece!(",\"max_daily_calls\":"));
        match delegate.max_daily_calls {
            Some(max) => json.u64(max),
            None => json.null(),
        }
        json.raw(piece!(",\"calls_today\":"));
        json.u64(sub.map_or(0, |sub| sub.delegate_calls_on(delegate, day)));
        json.raw(piece!("}"));
    }
    json.raw(piece!("]}"));
}

/// An API at a glance, for its operator's dashboard.
pub(crate) fn get_api_report(host: &mut impl Host, api_name: &str) -> Result<Value, Error> {
    let (name, api) = load_api(host, api_name)?;
    // The API's statistics never go back in time: its day is the later of the block's and its own.
    let day = today(host).max(api.today.day_id);
    let (calls_today, revenue_today) = api.today.on(day);
    let mut json = Json::with_capacity(512);
    json.raw(piece!("{\"api_name\":"));
    json.str(&name);
    json.raw(piece!(",\"operator\":"));
    json.address(&api.operator);
    json.raw(piece!(",\"cost_per_call_wei\":\""));
    json.decimal(api.cost_per_call_wei);
    json.raw(piece!("\",\"daily_limit_calls\":"));
    json.u64(api.daily_limit_calls);
    json.raw(piece!(",\"active\":"));
    json.bool(api.active);
    json.raw(piece!(",\"subscribers\":"));
    json.u64(api.subscribers);
    json.raw(piece!(",\"day_id\":"));
    json.u64(day);
    json.raw(piece!(",\"calls_today\":"));
    json.u64(calls_today);
    json.raw(piece!(",\"revenue_today_wei\":\""));
    json.decimal(revenue_today);
    json.raw(piece!("\",\"revenue_total_wei\":\""));
    json.decimal(api.revenue_total_wei);
    json.raw(piece!("\",\"earnings_available_wei\":\""));
    json.decimal(api.earnings_wei);
    json.raw(piece!("\",\"resets_at\":"));
    json.u64(resets_at(day));
    json.raw(piece!(",\"pending_operator\":"));
    match &api.pending_operator {
        Some(operator) => json.address(operator),
        None => json.null(),
    }
    json.raw(piece!("}"));
    Ok(host.answer_json(json.finish()))
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
    json.raw(piece!("["));
    if let Some(sub) = SUBSCRIPTIONS.load(host, (&consumer, &name))? {
        let mut written = 0;
        if sub.today.calls > 0 {
            // The latest day billed: today, or a finished day not archived yet.
            write_day(&mut json, &sub.today, written);
            written += 1;
        }
        let archived = sub.archived_days.min(HISTORY_DAYS);
        for back in 1..=archived {
            if written >= HISTORY_DAYS {
                break;
            }
            let slot = ((sub.archived_days - back) % HISTORY_DAYS) as u8;
            if let Some(day) = HISTORY.load(host, (&consumer, slot, &name))? {
                write_day(&mut json, &day, written);
                written += 1;
            }
        }
    }
    json.raw(piece!("]"));
    Ok(host.answer_json(json.finish()))
}

/// The `written`-th day of the history.
fn write_day(json: &mut Json, day: &DayUsage, written: u64) {
    json.raw(if written > 0 { piece!(",{\"day_id\":") } else { piece!("{\"day_id\":") });
    json.u64(day.day_id);
    json.raw(piece!(",\"calls\":"));
    json.u64(day.calls);
    json.raw(piece!(",\"spend_wei\":\""));
    json.decimal(day.spend_wei);
    json.raw(piece!("\"}"));
}

/// `n` in decimal, without `core::fmt`.
pub(crate) fn decimal(n: u128) -> String {
    let mut json = Json::with_capacity(39);
    json.decimal(n);
    json.finish().into_string()
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
