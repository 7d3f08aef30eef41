//! Operator entrypoints: register or update an API, pause or resume it, withdraw its earnings.

use super::{load_api, normalize_api_name, positive_u128};
use crate::state::{self, ApiRecord};
use crate::{Error, Event, Host, Int, Value};

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
        None => (
            ApiRecord {
                operator: sender,
                cost_per_call_wei: cost,
                daily_limit_calls: limit,
                active: true,
                earnings_wei: 0,
            },
            "ApiRegistered",
        ),
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

fn require_operator(host: &impl Host, api: &ApiRecord) -> Result<crate::Address, Error> {
    let sender = host.sender();
    if sender == api.operator {
        Ok(sender)
    } else {
        Err(Error::NotOperator)
    }
}
