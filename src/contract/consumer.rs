//! Consumer entrypoints: subscriptions, deposits and withdrawals of credit, delegates.

use alloc::vec::Vec;

use super::{add_credit, is_at_or_below, load_api, positive_u128, MAX_DELEGATES, MAX_SUBSCRIPTIONS};
use crate::state::{Account, Delegate, Subscription, ACCOUNTS, APIS, API_LISTS, MAX_ALERTS, SUBSCRIPTIONS};
use crate::{events, Address, Error, Event, Host, Int, Value};

pub(crate) fn subscribe(
    host: &mut impl Host,
    api_name: &str,
    cap: &Int,
    deposit: &Int,
) -> Result<Value, Error> {
    let (name, api) = load_api(host, api_name)?;
    if !cap.is_positive() {
        return Err(Error::CapNotPositive);
    }
    if deposit.is_negative() {
        return Err(Error::NegativeDeposit);
    }
    let cap = cap.to_u128().ok_or(Error::OutOfRange("max_daily_spend_wei"))?;
    let deposit = deposit.to_u128().ok_or(Error::OutOfRange("initial_deposit_wei"))?;
    require_attached(host, deposit)?;
    if !api.active {
        return Err(Error::ApiPaused);
    }
    let consumer = host.sender();
    let mut list = API_LISTS.load(host, &consumer)?.unwrap_or_default();
    let listed = list.contains(&name);
    if !listed && list.len() >= MAX_SUBSCRIPTIONS {
        return Err(Error::TooManySubscriptions);
    }
    let existing = SUBSCRIPTIONS.load(host, (&consumer, &name))?;
    let activates = !existing.as_ref().is_some_and(|sub| sub.active);
    let subscription = match existing {
        Some(existing) => Subscription {
            active: true,
            max_daily_spend_wei: cap,
            accepted_price_wei: api.cost_per_call_wei,
            ..existing
        },
        None => Subscription::new(cap, api.cost_per_call_wei),
    };
    let mut api = api;
    if activates {
        api.subscribers = api.subscribers.checked_add(1).ok_or(Error::Overflow)?;
    }
    let account = if deposit > 0 {
        let mut account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
        add_credit(&mut account, deposit)?;
        Some(account)
    } else {
        None
    };

    SUBSCRIPTIONS.save(host, (&consumer, &name), &subscription)?;
    if activates {
        APIS.save(host, &name, &api)?;
    }
    if let Some(account) = account {
        ACCOUNTS.save(host, &consumer, &account)?;
    }
    if !listed {
        list.push(name.clone());
        API_LISTS.save(host, &consumer, &list)?;
    }
    host.emit_event(Event::from(events::Subscribed {
        consumer,
        api: name,
        max_daily_spend_wei: cap,
        initial_deposit_wei: deposit,
    }));
    Ok(Value::Null)
}

pub(crate) fn unsubscribe(host: &mut impl Host, api_name: &str) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    let consumer = host.sender();
    let mut subscription = match SUBSCRIPTIONS.load(host, (&consumer, &name))? {
        Some(sub) if sub.active => sub,
        _ => return Err(Error::NotSubscribed),
    };
    subscription.active = false;
    // Every active subscription was counted when it became active.
    api.subscribers = api.subscribers.checked_sub(1).ok_or(Error::CorruptState)?;
    SUBSCRIPTIONS.save(host, (&consumer, &name), &subscription)?;
    APIS.save(host, &name, &api)?;
    host.emit_event(Event::from(events::Unsubscribed { consumer, api: name }));
    Ok(Value::Null)
}

pub(crate) fn top_up_credit(host: &mut impl Host, amount: &Int) -> Result<Value, Error> {
    let amount = positive_u128(amount, Error::AmountNotPositive, "amount")?;
    require_attached(host, amount)?;
    let consumer = host.sender();
    let mut account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
    add_credit(&mut account, amount)?;
    ACCOUNTS.save(host, &consumer, &account)?;
    host.emit_event(Event::from(events::CreditToppedUp { consumer, amount }));
    Ok(Value::Null)
}

pub(crate) fn withdraw_credit(host: &mut impl Host, amount: &Int) -> Result<Value, Error> {
    let amount = positive_u128(amount, Error::AmountNotPositive, "amount")?;
    let consumer = host.sender();
    let mut account: Account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
    account.credit_wei = account
        .credit_wei
        .checked_sub(amount)
        .ok_or(Error::InsufficientCredit { credit: account.credit_wei, required: amount })?;
    // funded >= credit always holds, so this cannot fail on a consistent state.
    account.funded_wei = account.funded_wei.checked_sub(amount).ok_or(Error::CorruptState)?;
    ACCOUNTS.save(host, &consumer, &account)?;
    host.send_value(&consumer, amount);
    host.emit_event(Event::from(events::CreditWithdrawn {
        consumer,
        amount,
        remaining_credit_wei: account.credit_wei,
    }));
    Ok(Value::Null)
}

/// Changes only the daily cap of an existing subscription, active or not: unlike `subscribe`, it never
/// accepts a new price.
pub(crate) fn set_daily_cap(host: &mut impl Host, api_name: &str, cap: &Int) -> Result<Value, Error> {
    let (name, _) = load_api(host, api_name)?;
    let cap = positive_u128(cap, Error::CapNotPositive, "max_daily_spend_wei")?;
    let consumer = host.sender();
    let mut subscription = SUBSCRIPTIONS.load(host, (&consumer, &name))?.ok_or(Error::NotSubscribed)?;
    if subscription.max_daily_spend_wei == cap {
        return Ok(Value::Null);
    }
    subscription.max_daily_spend_wei = cap;
    SUBSCRIPTIONS.save(host, (&consumer, &name), &subscription)?;
    host.emit_event(Event::from(events::DailyCapChanged { consumer, api: name, max_daily_spend_wei: cap }));
    Ok(Value::Null)
}

pub(crate) fn approve_delegate(
    host: &mut impl Host,
    api_name: &str,
    delegate: Address,
) -> Result<Value, Error> {
    let (name, consumer, mut subscription) = load_subscription(host, api_name)?;
    if subscription.delegate(&delegate).is_some() {
        return Ok(Value::Null);
    }
    if subscription.delegates.len() >= MAX_DELEGATES {
        return Err(Error::TooManyDelegates);
    }
    // A new approval starts unlimited (a revoke forgot any limit).
    subscription.delegates.push(Delegate::new(delegate));
    SUBSCRIPTIONS.save(host, (&consumer, &name), &subscription)?;
    host.emit_event(Event::from(events::DelegateApproved { consumer, api: name, delegate }));
    Ok(Value::Null)
}

pub(crate) fn revoke_delegate(
    host: &mut impl Host,
    api_name: &str,
    delegate: Address,
) -> Result<Value, Error> {
    let (name, consumer, mut subscription) = load_subscription(host, api_name)?;
    let before = subscription.delegates.len();
    // Its limit and count go with it; its usage-id window stays, so its old ids never replay.
    subscription.delegates.retain(|d| d.address != delegate);
    if subscription.delegates.len() == before {
        return Err(Error::DelegateNotApproved);
    }
    SUBSCRIPTIONS.save(host, (&consumer, &name), &subscription)?;
    host.emit_event(Event::from(events::DelegateRevoked { consumer, api: name, delegate }));
    Ok(Value::Null)
}

/// The sender's subscription to an API, active or not.
fn load_subscription(
    host: &mut impl Host,
    api_name: &str,
) -> Result<(alloc::string::String, Address, Subscription), Error> {
    let (name, _) = load_api(host, api_name)?;
    let consumer = host.sender();
    let subscription = SUBSCRIPTIONS.load(host, (&consumer, &name))?.ok_or(Error::NotSubscribed)?;
    Ok((name, consumer, subscription))
}

/// Deposits are backed by value: the declared amount must be exactly what the call carries.
fn require_attached(host: &impl Host, declared: u128) -> Result<(), Error> {
    let attached = host.attached_value();
    if attached == declared {
        Ok(())
    } else {
        Err(Error::ValueMismatch { attached, declared })
    }
}

/// Gives an approved delegate its own daily call limit (0: no calls), checked on its bills before the
/// subscription's own limits; the consumer's own bills are never limited by it.
pub(crate) fn set_delegate_limit(
    host: &mut impl Host,
    api_name: &str,
    delegate: Address,
    max_daily_calls: &Int,
) -> Result<Value, Error> {
    let (name, _) = load_api(host, api_name)?;
    if max_daily_calls.is_negative() {
        return Err(Error::NegativeLimit);
    }
    let max = max_daily_calls.to_u64().ok_or(Error::OutOfRange("max_daily_calls"))?;
    let consumer = host.sender();
    let mut subscription = SUBSCRIPTIONS.load(host, (&consumer, &name))?.ok_or(Error::NotSubscribed)?;
    let entry = subscription
        .delegates
        .iter_mut()
        .find(|d| d.address == delegate)
        .ok_or(Error::DelegateNotApproved)?;
    if entry.max_daily_calls == Some(max) {
        return Ok(Value::Null);
    }
    entry.max_daily_calls = Some(max);
    SUBSCRIPTIONS.save(host, (&consumer, &name), &subscription)?;
    host.emit_event(Event::from(events::DelegateLimitSet {
        consumer,
        api: name,
        delegate,
        max_daily_calls: max,
    }));
    Ok(Value::Null)
}

/// Sets the sender's low-credit thresholds: 1 to 4 distinct percents from 1 to 99, kept highest
/// first. It arms exactly those the current credit is above.
pub(crate) fn set_credit_alerts(host: &mut impl Host, percents: &[Value]) -> Result<Value, Error> {
    if percents.is_empty() || percents.len() > MAX_ALERTS {
        return Err(Error::CreditAlertsCount);
    }
    let mut list: Vec<u8> = Vec::with_capacity(percents.len());
    for value in percents {
        let percent = value
            .as_u128()
            .filter(|p| (1..=99).contains(p))
            .and_then(|p| u8::try_from(p).ok())
            .ok_or(Error::CreditAlertPercent)?;
        if list.contains(&percent) {
            return Err(Error::CreditAlertsRepeated);
        }
        // Kept highest first as they come (at most four): a slice sort would put about 3 KB of
        // quicksort into the artifact.
        let at = list.iter().position(|p| *p < percent).unwrap_or(list.len());
        list.insert(at, percent);
    }
    let consumer = host.sender();
    let mut account: Account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
    let mut fired = 0u8;
    for (bit, percent) in list.iter().enumerate() {
        if is_at_or_below(account.credit_wei, account.funded_wei, *percent) {
            fired |= Account::bit(bit);
        }
    }
    let event_percents = list.iter().map(|p| u64::from(*p)).collect();
    account.alert_percents = list;
    account.fired = fired;
    ACCOUNTS.save(host, &consumer, &account)?;
    host.emit_event(Event::from(events::CreditAlertsSet { consumer, percents: event_percents }));
    Ok(Value::Null)
}
