//! `consume_credit`: bills one call, in three storage reads and three writes.

use super::{is_low_credit, load_api, resets_at, today};
use crate::state::{self, Account, Subscription};
use crate::{Address, Error, Event, Host, Int, Value};

pub(crate) fn consume_credit(
    host: &mut impl Host,
    api_name: &str,
    consumer: Address,
) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    if !api.active {
        return Err(Error::ApiPaused);
    }
    let sub_key = state::subscription_key(&consumer, &name);
    let subscription: Option<Subscription> = state::load(host, &sub_key)?;
    let caller = host.sender();
    let allowed =
        caller == consumer || subscription.as_ref().is_some_and(|sub| sub.delegates.contains(&caller));
    if !allowed {
        return Err(Error::CallerNotAllowed);
    }
    let mut subscription = match subscription {
        Some(sub) if sub.active => sub,
        _ => return Err(Error::NotSubscribed),
    };
    let price = api.cost_per_call_wei;
    if price > subscription.accepted_price_wei {
        return Err(Error::PriceIncreased { price, accepted_price: subscription.accepted_price_wei });
    }
    let day = today(host);
    let (calls, spend) = subscription.usage_on(day);
    let calls = match calls.checked_add(1) {
        Some(next) if next <= api.daily_limit_calls => next,
        _ => {
            return Err(Error::DailyCallLimit {
                attempted_calls: u128::from(calls) + 1,
                max_calls: api.daily_limit_calls,
            })
        }
    };
    let cap = subscription.max_daily_spend_wei;
    let spend = match spend.checked_add(price) {
        Some(next) if next <= cap => next,
        _ => return Err(Error::DailySpendLimit { attempted_spend: Int::sum(spend, price), max_spend: cap }),
    };
    let account_key = state::account_key(&consumer);
    let mut account: Account = state::load(host, &account_key)?.unwrap_or_default();
    let remaining = account
        .credit_wei
        .checked_sub(price)
        .ok_or(Error::InsufficientCredit { credit: account.credit_wei, required: price })?;
    api.earnings_wei = api.earnings_wei.checked_add(price).ok_or(Error::Overflow)?;
    account.credit_wei = remaining;
    subscription.day_id = day;
    subscription.calls = calls;
    subscription.spend_wei = spend;
    let warn = !account.warned && is_low_credit(remaining, account.funded_wei);
    account.warned |= warn;

    state::save(host, &account_key, &account)?;
    state::save(host, &state::api_key(&name), &api)?;
    state::save(host, &sub_key, &subscription)?;
    host.emit_event(Event::new(
        "CallBilled",
        [
            ("api", Value::from(name)),
            ("consumer", Value::from(consumer)),
            ("billed_wei", Value::from(price)),
            ("remaining_credit_wei", Value::from(remaining)),
            ("calls_today", Value::from(calls)),
            ("spend_today_wei", Value::from(spend)),
            ("calls", Value::from(1u64)),
        ],
    ));
    if warn {
        host.emit_event(Event::new(
            "CreditDepleted",
            [
                ("consumer", Value::from(consumer)),
                ("remaining_credit_wei", Value::from(remaining)),
                ("threshold", Value::from("20_percent_of_total_deposit")),
                ("funded_wei", Value::from(account.funded_wei)),
            ],
        ));
    }
    Ok(Value::map([
        ("billed_wei", Value::from(price)),
        ("remaining_credit_wei", Value::from(remaining)),
        ("calls_today", Value::from(calls)),
        ("spend_today_wei", Value::from(spend)),
        ("calls_remaining_today", Value::from(api.daily_limit_calls.saturating_sub(calls))),
        ("spend_remaining_today_wei", Value::from(cap.saturating_sub(spend))),
        ("resets_at", Value::from(resets_at(day))),
    ]))
}
