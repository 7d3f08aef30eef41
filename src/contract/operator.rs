//! Operator entrypoints: register or update an API, pause or resume it, withdraw its earnings.

use super::{add_credit, load_api, normalize_api_name, positive_u128};
use crate::state::{ApiRecord, ACCOUNTS, APIS, SUBSCRIPTIONS};
use crate::{events, Address, Error, Event, Host, Int, Value};

pub(crate) fn register_api(
    host: &mut impl Host,
    api_name: &str,
    cost: &Int,
    limit: &Int,
) -> Result<Value, Error> {
    let name = normalize_api_name(api_name)?;
    if !cost.is_positive() {
        return Err(Error::CostNotPositive);
    }
    if !limit.is_positive() {
        return Err(Error::LimitNotPositive);
    }
    let cost = cost.to_u128().ok_or(Error::OutOfRange("cost_per_call_wei"))?;
    let limit = limit.to_u64().ok_or(Error::OutOfRange("daily_limit_calls"))?;
    let sender = host.sender();
    let (record, updated) = match APIS.load(host, &name)? {
        None => (ApiRecord::new(sender, cost, limit), false),
        Some(existing) if existing.operator == sender => {
            (ApiRecord { cost_per_call_wei: cost, daily_limit_calls: limit, ..existing }, true)
        }
        Some(_) => return Err(Error::ApiTaken),
    };
    APIS.save(host, &name, &record)?;
    let (api, operator, cost_per_call_wei, daily_limit_calls) = (name, sender, cost, limit);
    host.emit_event(if updated {
        Event::from(events::ApiUpdated { api, operator, cost_per_call_wei, daily_limit_calls })
    } else {
        Event::from(events::ApiRegistered { api, operator, cost_per_call_wei, daily_limit_calls })
    });
    Ok(Value::Null)
}

pub(crate) fn set_api_active(host: &mut impl Host, api_name: &str, active: bool) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    let operator = require_operator(host, &api)?;
    if api.active == active {
        return Ok(Value::Null);
    }
    api.active = active;
    APIS.save(host, &name, &api)?;
    host.emit_event(if active {
        Event::from(events::ApiResumed { api: name, operator })
    } else {
        Event::from(events::ApiPaused { api: name, operator })
    });
    Ok(Value::Null)
}

pub(crate) fn withdraw_earnings(host: &mut impl Host, api_name: &str, amount: &Int) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    let operator = require_operator(host, &api)?;
    let amount = positive_u128(amount, Error::AmountNotPositive, "amount")?;
    api.earnings_wei = api
        .earnings_wei
        .checked_sub(amount)
        .ok_or(Error::InsufficientEarnings { earnings: api.earnings_wei, required: amount })?;
    APIS.save(host, &name, &api)?;
    host.send_value(&operator, amount);
    host.emit_event(Event::from(events::EarningsWithdrawn {
        api: name,
        operator,
        amount,
        remaining_earnings_wei: api.earnings_wei,
    }));
    Ok(Value::Null)
}

/// The first half of a handover: names the next operator, who must accept (so a typo can't hand the
/// API to nobody). Naming another account replaces the pending one.
pub(crate) fn transfer_api(
    host: &mut impl Host,
    api_name: &str,
    new_operator: Address,
) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    let operator = require_operator(host, &api)?;
    if api.pending_operator == Some(new_operator) {
        return Ok(Value::Null);
    }
    api.pending_operator = Some(new_operator);
    APIS.save(host, &name, &api)?;
    host.emit_event(Event::from(events::ApiTransferRequested { api: name, operator, new_operator }));
    Ok(Value::Null)
}

/// The second half: the named account takes the API over, with its unwithdrawn earnings.
pub(crate) fn accept_api(host: &mut impl Host, api_name: &str) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    let sender = host.sender();
    if api.pending_operator != Some(sender) {
        return Err(Error::NotPendingOperator);
    }
    let previous = api.operator;
    api.operator = sender;
    api.pending_operator = None;
    APIS.save(host, &name, &api)?;
    host.emit_event(Event::from(events::ApiTransferred {
        api: name,
        operator: sender,
        previous_operator: previous,
    }));
    Ok(Value::Null)
}

/// Longest reason a credit note takes.
const MAX_REASON_LEN: usize = 64;

/// Gives a consumer credit back from the API's earnings (a dispute, an outage): at most the earnings,
/// and the consumer's notes on this API never pass what it was billed on it. It counts as a deposit
/// (credit and `funded` rise, alerts re-arm) and the value never leaves the contract.
pub(crate) fn credit_note(
    host: &mut impl Host,
    api_name: &str,
    consumer: Address,
    amount: &Int,
    reason: &str,
) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    require_operator(host, &api)?;
    let amount = positive_u128(amount, Error::AmountNotPositive, "amount")?;
    let printable = |b: &u8| (0x20..=0x7e).contains(b);
    if reason.is_empty() || reason.len() > MAX_REASON_LEN || !reason.as_bytes().iter().all(printable) {
        return Err(Error::InvalidReason);
    }
    let mut subscription = SUBSCRIPTIONS.load(host, (&consumer, &name))?.ok_or(Error::NotSubscribed)?;
    api.earnings_wei = api
        .earnings_wei
        .checked_sub(amount)
        .ok_or(Error::InsufficientEarnings { earnings: api.earnings_wei, required: amount })?;
    let (billed, noted) = (subscription.billed_total_wei, subscription.credit_noted_wei);
    subscription.credit_noted_wei = noted
        .checked_add(amount)
        .filter(|total| *total <= billed)
        .ok_or(Error::CreditNoteExceedsBilled { billed_wei: billed, noted_wei: noted, amount })?;
    let mut account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
    add_credit(&mut account, amount)?;

    APIS.save(host, &name, &api)?;
    SUBSCRIPTIONS.save(host, (&consumer, &name), &subscription)?;
    ACCOUNTS.save(host, &consumer, &account)?;
    host.emit_event(Event::from(events::CreditNoted {
        api: name,
        consumer,
        amount,
        reason: reason.into(),
        remaining_earnings_wei: api.earnings_wei,
    }));
    Ok(Value::Null)
}

fn require_operator(host: &impl Host, api: &ApiRecord) -> Result<Address, Error> {
    let sender = host.sender();
    if sender == api.operator {
        Ok(sender)
    } else {
        Err(Error::NotOperator)
    }
}
