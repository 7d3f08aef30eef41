//! Billing: `consume_credit` (one call), `consume_credits` (a batch, idempotent by usage id) and the
//! `preview_bill` view, in three storage reads and three writes; the first bill of a new day also
//! archives the finished day. A bill is a plan (every check, no write) then its commit.

use super::{crossed_thresholds, load_api, resets_at, threshold_text, today};
use crate::state::{
    Account, ApiRecord, DayUsage, Delegate, Subscription, UsageIds, ACCOUNTS, APIS, HISTORY, HISTORY_DAYS,
    MAX_USAGE_ID_BILLERS, SUBSCRIPTIONS,
};
use crate::{events, Address, Error, Event, Host, Int, Value};

pub(crate) fn consume_credit(
    host: &mut impl Host,
    api_name: &str,
    consumer: Address,
) -> Result<Value, Error> {
    bill(host, api_name, consumer, 1, 0)
}

/// Bills `calls` calls at once, all or nothing. A non-zero `usage_id` is accepted once per biller
/// (the caller): above the highest id it used, or one of the 64 just below not used yet, so a retried
/// batch cannot bill twice and batches that arrive out of order still bill.
pub(crate) fn consume_credits(
    host: &mut impl Host,
    api_name: &str,
    consumer: Address,
    calls: &Int,
    usage_id: &Int,
) -> Result<Value, Error> {
    let calls = calls_argument(calls)?;
    let usage_id = usage_id.to_u64().ok_or(Error::OutOfRange("usage_id"))?;
    bill(host, api_name, consumer, calls, usage_id)
}

/// Bills `calls` calls for the caller: the plan, then its commit.
fn bill(
    host: &mut impl Host,
    api_name: &str,
    consumer: Address,
    calls: u64,
    usage_id: u64,
) -> Result<Value, Error> {
    plan(host, api_name, consumer, calls, usage_id, Then::Commit)
}

/// What `consume_credits(api_name, consumer_address, calls, 0)` by the view's sender would answer now:
/// `{allowed: true, receipt}` with its receipt, or `{allowed: false, code, details, message}` with its
/// refusal. It runs the bill's own plan ([`plan`]) and stops before its commit, so the two cannot disagree.
pub(crate) fn preview_bill(
    host: &mut impl Host,
    api_name: &str,
    consumer: Address,
    calls: &Int,
) -> Result<Value, Error> {
    let calls = calls_argument(calls)?;
    // Keys in calldata order already, so encoding needs no sort.
    Ok(match plan(host, api_name, consumer, calls, 0, Then::Preview) {
        Ok(receipt) => Value::map([("allowed", Value::from(true)), ("receipt", receipt)]),
        Err(refusal) => Value::map([
            ("allowed", Value::from(false)),
            ("code", Value::from(refusal.code())),
            ("details", refusal.details()),
            ("message", Value::Str(refusal.message().into_owned())),
        ]),
    })
}

/// `calls` of `consume_credits` and `preview_bill`: positive, then within u64.
fn calls_argument(calls: &Int) -> Result<u64, Error> {
    if !calls.is_positive() {
        return Err(Error::CallsNotPositive);
    }
    calls.to_u64().ok_or(Error::OutOfRange("calls"))
}

/// The receipt of a bill that passed every check: `to_value` is what the call answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub billed_wei: u128,
    pub calls_remaining_today: u64,
    pub calls_today: u64,
    pub remaining_credit_wei: u128,
    pub resets_at: u64,
    pub spend_remaining_today_wei: u128,
    pub spend_today_wei: u128,
}

impl Receipt {
    fn new(billed: u128, remaining: u128, today: DayUsage, api: &ApiRecord, cap: u128, day: u64) -> Receipt {
        Receipt {
            billed_wei: billed,
            calls_remaining_today: api.daily_limit_calls.saturating_sub(today.calls),
            calls_today: today.calls,
            remaining_credit_wei: remaining,
            resets_at: resets_at(day),
            spend_remaining_today_wei: cap.saturating_sub(today.spend_wei),
            spend_today_wei: today.spend_wei,
        }
    }

    pub fn to_value(&self) -> Value {
        // Keys in calldata order already, so encoding needs no sort.
        Value::map([
            ("billed_wei", Value::from(self.billed_wei)),
            ("calls_remaining_today", Value::from(self.calls_remaining_today)),
            ("calls_today", Value::from(self.calls_today)),
            ("remaining_credit_wei", Value::from(self.remaining_credit_wei)),
            ("resets_at", Value::from(self.resets_at)),
            ("spend_remaining_today_wei", Value::from(self.spend_remaining_today_wei)),
            ("spend_today_wei", Value::from(self.spend_today_wei)),
        ])
    }

    /// `calldata::encode(&self.to_value())`, written straight from the fields.
    pub fn encode(&self) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::with_capacity(160);
        self.write(&mut out);
        out
    }

    /// [`Receipt::encode`], appended to `out`.
    pub fn write(&self, out: &mut alloc::vec::Vec<u8>) {
        use crate::calldata::{write_map_header, write_map_key, write_uint};
        write_map_header(out, 7);
        write_map_key(out, "billed_wei");
        write_uint(out, self.billed_wei);
        write_map_key(out, "calls_remaining_today");
        write_uint(out, u128::from(self.calls_remaining_today));
        write_map_key(out, "calls_today");
        write_uint(out, u128::from(self.calls_today));
        write_map_key(out, "remaining_credit_wei");
        write_uint(out, self.remaining_credit_wei);
        write_map_key(out, "resets_at");
        write_uint(out, u128::from(self.resets_at));
        write_map_key(out, "spend_remaining_today_wei");
        write_uint(out, self.spend_remaining_today_wei);
        write_map_key(out, "spend_today_wei");
        write_uint(out, self.spend_today_wei);
    }
}

/// What [`plan`] does with a bill that passed: commit it, or only answer its receipt (the preview).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Then {
    Commit,
    Preview,
}

/// A bill in two steps. The plan: every check, in order, and the records as the bill would write
/// them (three storage reads, no write, no event); a refusal ends it. Then, for [`Then::Commit`] only,
/// the commit: the writes and the events. One function rather than two so the records are not moved
/// or borrowed across a call (two functions cost a bill about 400 fuel more, `cargo costs`).
fn plan<H: Host>(
    host: &mut H,
    api_name: &str,
    consumer: Address,
    calls: u64,
    usage_id: u64,
    then: Then,
) -> Result<Value, Error> {
    let (name, mut api) = load_api(host, api_name)?;
    if !api.active {
        return Err(Error::ApiPaused);
    }
    let subscription = SUBSCRIPTIONS.load(host, (&consumer, &name))?;
    let caller = host.sender();
    // The caller's place among the delegates, looked up once. The consumer's own bills are never
    // limited by a delegate limit, even if it named itself.
    let delegate = if caller == consumer {
        None
    } else {
        let found =
            subscription.as_ref().and_then(|sub| sub.delegates.iter().position(|d| d.address == caller));
        if found.is_none() {
            return Err(Error::CallerNotAllowed);
        }
        found
    };
    let mut subscription = match subscription {
        Some(sub) if sub.active => sub,
        _ => return Err(Error::NotSubscribed),
    };
    let day = subscription.effective_day(today(host));
    let delegate_calls_after = match delegate.and_then(|index| subscription.delegates.get(index)) {
        Some(entry) => Some(delegate_calls_after(&subscription, entry, day, calls)?),
        None => None,
    };
    let usage_ids =
        if usage_id == 0 { None } else { Some(usage_id_window(&subscription, caller, usage_id)?) };
    let price = api.cost_per_call_wei;
    if price > subscription.accepted_price_wei {
        return Err(Error::PriceIncreased { price, accepted_price: subscription.accepted_price_wei });
    }
    let (calls_before, spend_before) = subscription.today.on(day);
    let calls_after = match calls_before.checked_add(calls) {
        Some(total) if total <= api.daily_limit_calls => total,
        _ => {
            return Err(Error::DailyCallLimit {
                attempted_calls: u128::from(calls_before) + u128::from(calls),
                max_calls: api.daily_limit_calls,
            })
        }
    };
    let cap = subscription.max_daily_spend_wei;
    let billed = price.checked_mul(u128::from(calls));
    let spend_after = match billed.and_then(|b| spend_before.checked_add(b)) {
        Some(total) if total <= cap => total,
        _ => {
            return Err(Error::DailySpendLimit {
                attempted_spend: attempted_spend(spend_before, price, calls),
                max_spend: cap,
            })
        }
    };
    // The spend check passed, so `billed` fits.
    let billed = billed.ok_or(Error::Overflow)?;
    let mut account: Account = ACCOUNTS.load(host, &consumer)?.unwrap_or_default();
    let remaining = account
        .credit_wei
        .checked_sub(billed)
        .ok_or(Error::InsufficientCredit { credit: account.credit_wei, required: billed })?;

    let finished_day = archive_if_new_day(&mut subscription, day);
    record_on_api(&mut api, day, calls, billed)?;
    account.credit_wei = remaining;
    if subscription.today.day_id != day {
        // Delegates' counts are kept for the latest day billed only: a new day starts them at zero.
        subscription.delegates.iter_mut().for_each(|d| d.calls = 0);
    }
    if let Some(entry) = delegate.and_then(|index| subscription.delegates.get_mut(index)) {
        entry.calls = delegate_calls_after.ok_or(Error::CorruptState)?;
    }
    subscription.today = DayUsage { day_id: day, calls: calls_after, spend_wei: spend_after };
    subscription.billed_total_wei = subscription.billed_total_wei.saturating_add(billed);
    if let Some((index, mut window)) = usage_ids {
        window.accept(usage_id);
        match subscription.usage_ids.get_mut(index) {
            Some(slot) => *slot = window,
            None => subscription.usage_ids.push(window),
        }
    }
    let crossed = crossed_thresholds(&mut account);
    let receipt = Receipt::new(billed, remaining, subscription.today, &api, cap, day);
    if then == Then::Preview {
        return Ok(receipt.to_value());
    }

    // The commit: the planned records, the events, the receipt.
    ACCOUNTS.save(host, &consumer, &account)?;
    APIS.save(host, &name, &api)?;
    SUBSCRIPTIONS.save(host, (&consumer, &name), &subscription)?;
    if let Some((slot, usage)) = finished_day {
        HISTORY.save(host, (&consumer, slot, &name), &usage)?;
    }
    host.emit_call_billed(events::CallBilled {
        api: name,
        consumer,
        billed_wei: billed,
        remaining_credit_wei: remaining,
        calls_today: calls_after,
        spend_today_wei: spend_after,
        calls,
    });
    for percent in crossed {
        host.emit_event(Event::from(events::CreditDepleted {
            consumer,
            remaining_credit_wei: remaining,
            threshold: threshold_text(percent),
            funded_wei: account.funded_wei,
        }));
    }
    Ok(host.answer_receipt(receipt))
}

/// A delegate's calls today after this bill, if its own limit allows them (`delegate_limit`).
fn delegate_calls_after(
    subscription: &Subscription,
    delegate: &Delegate,
    day: u64,
    calls: u64,
) -> Result<u64, Error> {
    let before = subscription.delegate_calls_on(delegate, day);
    let Some(max) = delegate.max_daily_calls else {
        // Unlimited: the subscription's own call limit, checked next, bounds the count.
        return Ok(before.saturating_add(calls));
    };
    match before.checked_add(calls) {
        Some(total) if total <= max => Ok(total),
        _ => Err(Error::DelegateLimit {
            attempted_calls: u128::from(before) + u128::from(calls),
            max_calls: max,
        }),
    }
}

/// The caller's usage-id window and where it goes in the record (past the end: a new one), if `id` is
/// new to it.
fn usage_id_window(
    subscription: &Subscription,
    caller: Address,
    id: u64,
) -> Result<(usize, UsageIds), Error> {
    let windows = &subscription.usage_ids;
    let (index, window) = match windows.iter().position(|w| w.biller == caller) {
        Some(index) => (index, windows.get(index).copied().ok_or(Error::CorruptState)?),
        None if windows.len() >= MAX_USAGE_ID_BILLERS => return Err(Error::TooManyBillers),
        None => (windows.len(), UsageIds::new(caller)),
    };
    window.check(id).map_err(|rule| Error::DuplicateUsageId {
        usage_id: id,
        last_usage_id: window.highest,
        rule,
    })?;
    Ok((index, window))
}

/// On the first bill of a new day, the finished day with usage moves to the history ring: its slot
/// is the count of days archived so far, modulo 30, so archiving writes without reading.
fn archive_if_new_day(subscription: &mut Subscription, day: u64) -> Option<(u8, DayUsage)> {
    if subscription.today.day_id == day || subscription.today.calls == 0 {
        return None;
    }
    let slot = (subscription.archived_days % HISTORY_DAYS) as u8;
    subscription.archived_days = subscription.archived_days.saturating_add(1);
    Some((slot, subscription.today))
}

/// The API's own totals for its report, on the bill's day or the API's recorded day if later: its
/// statistics never go back in time either.
fn record_on_api(api: &mut ApiRecord, day: u64, calls: u64, billed: u128) -> Result<(), Error> {
    let day = day.max(api.today.day_id);
    let (calls_today, revenue_today) = api.today.on(day);
    api.today = DayUsage {
        day_id: day,
        calls: calls_today.saturating_add(calls),
        spend_wei: revenue_today.saturating_add(billed),
    };
    api.revenue_total_wei = api.revenue_total_wei.saturating_add(billed);
    api.earnings_wei = api.earnings_wei.checked_add(billed).ok_or(Error::Overflow)?;
    Ok(())
}

/// `spend + price * calls` exactly, though it may not fit a u128 (it fits 193 bits).
fn attempted_spend(spend: u128, price: u128, calls: u64) -> Int {
    // Little-endian 64-bit limbs: price * calls = price_lo * calls + (price_hi * calls) << 64.
    let mut limbs = [0u64; 4];
    add_at(&mut limbs, 0, u128::from(price as u64) * u128::from(calls));
    add_at(&mut limbs, 1, u128::from((price >> 64) as u64) * u128::from(calls));
    add_at(&mut limbs, 0, spend);
    let bytes: alloc::vec::Vec<u8> = limbs.iter().flat_map(|limb| limb.to_le_bytes()).collect();
    Int::from_le_bytes(false, &bytes)
}

/// Adds `value << (64 * at)` into `limbs`, carrying upwards (the caller leaves room for the carry).
fn add_at(limbs: &mut [u64; 4], at: usize, value: u128) {
    let mut carry = value;
    for limb in limbs.iter_mut().skip(at) {
        let total = u128::from(*limb) + (carry & u128::from(u64::MAX));
        *limb = total as u64;
        carry = (carry >> 64) + (total >> 64);
        if carry == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::attempted_spend;
    use crate::Int;

    #[test]
    fn attempted_spend_is_exact_beyond_u128() {
        assert_eq!(attempted_spend(5, 10, 3), Int::from(35u128));
        assert_eq!(attempted_spend(u128::MAX, 1, 1), Int::sum(u128::MAX, 1));
        // (2^128 - 1) * (2^64 - 1) + (2^128 - 1) = (2^128 - 1) * 2^64
        let mut le = [0u8; 24];
        le[8..].copy_from_slice(&u128::MAX.to_le_bytes());
        assert_eq!(attempted_spend(u128::MAX, u128::MAX, u64::MAX), Int::from_le_bytes(false, &le));
    }
}
