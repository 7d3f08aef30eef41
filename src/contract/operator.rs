//! Operator entrypoints: register or update an API, pause or resume it, withdraw its earnings.

use super::{load_api, normalize_api_name, positive_u128};
use crate::state::{self, ApiRecord};
use crate::{Address, Error, Event, Host, Int, Value};

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
    let key = state::api_key(&name);
    let (record, event_name) = match state::load::<ApiRecord>(host, &key)? {
        None => (ApiRecord::new(sender, cost, limit), "ApiRegistered"),
        Some(existing) if existing.operator == sender => {
            (ApiRecord { cost_per_call_wei: cost, daily_limit_calls: limit, ..existing }, "ApiUpdated")
        }
        Some(_) => return Err(Error::ApiTaken),
    };
    state::save(host, &key, &record)?;
    host.emit_event(Event::new(
        event_name,
        [
            ("api", Value::from(name)),
            ("operator", Value::from(sender)),
            ("cost_per_call_wei", Value::from(cost)),
            ("daily_limit_calls", Value::from(limit)),
        ],
    ));
    Ok(Value::Null)
}

pub(crate) fn set_api_active(host: &mut impl Host, api_name: &str, active: bool) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    let operator = require_operator(host, &api)?;
    if api.active == active {
        return Ok(Value::Null);
    }
    api.active = active;
    state::save(host, &state::api_key(&name), &api)?;
    let event_name = if active { "ApiResumed" } else { "ApiPaused" };
    host.emit_event(Event::new(
        event_name,
        [("api", Value::from(name)), ("operator", Value::from(operator))],
    ));
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
    state::save(host, &state::api_key(&name), &api)?;
    host.send_value(&operator, amount);
    host.emit_event(Event::new(
        "EarningsWithdrawn",
        [
            ("api", Value::from(name)),
            ("operator", Value::from(operator)),
            ("amount", Value::from(amount)),
            ("remaining_earnings_wei", Value::from(api.earnings_wei)),
        ],
    ));
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
    state::save(host, &state::api_key(&name), &api)?;
    host.emit_event(Event::new(
        "ApiTransferRequested",
        [
            ("api", Value::from(name)),
            ("operator", Value::from(operator)),
            ("new_operator", Value::from(new_operator)),
        ],
    ));
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
    state::save(host, &state::api_key(&name), &api)?;
    host.emit_event(Event::new(
        "ApiTransferred",
        [
            ("api", Value::from(name)),
            ("operator", Value::from(sender)),
            ("previous_operator", Value::from(previous)),
        ],
    ));
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
