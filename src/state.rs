//! Typed storage: borsh records under short prefixed keys, shaped so a bill touches three records.
//!
//! | key | record | read by |
//! |---|---|---|
//! | `v` | `u32` state version | deploy and migrations only |
//! | `a` ‖ api name | [`ApiRecord`] | every method naming an API |
//! | `c` ‖ consumer (20 bytes) | [`Account`] | bills, deposits, withdrawals, report |
//! | `s` ‖ consumer (20 bytes) ‖ api name | [`Subscription`] | bills, subscribe, delegates, report |
//! | `l` ‖ consumer (20 bytes) | [`ApiList`] | subscribe (append), report |
//! | `h` ‖ consumer (20 bytes) ‖ slot (1 byte) ‖ api name | [`DayUsage`] | written by the first bill of a new day; read by the history |

use alloc::string::String;
use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{Address, Error, Host};

/// The layout described above. A later layout bumps it and migrates at deploy of the new code.
pub const STATE_VERSION: u32 = 1;

const VERSION_KEY: &[u8] = b"v";

/// A registered API: its operator, price and limit, what it has billed but not paid out, and the
/// totals its report shows (kept here because every bill writes this record anyway).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct ApiRecord {
    pub operator: Address,
    pub cost_per_call_wei: u128,
    pub daily_limit_calls: u64,
    pub active: bool,
    pub earnings_wei: u128,
    /// The operator's chosen successor, until it accepts (`transfer_api`, `accept_api`).
    pub pending_operator: Option<Address>,
    /// Active subscriptions.
    pub subscribers: u64,
    /// The day `calls_today` and `revenue_today_wei` belong to.
    pub day_id: u64,
    pub calls_today: u64,
    pub revenue_today_wei: u128,
    pub revenue_total_wei: u128,
}

impl ApiRecord {
    pub fn new(operator: Address, cost_per_call_wei: u128, daily_limit_calls: u64) -> ApiRecord {
        ApiRecord {
            operator,
            cost_per_call_wei,
            daily_limit_calls,
            active: true,
            earnings_wei: 0,
            pending_operator: None,
            subscribers: 0,
            day_id: 0,
            calls_today: 0,
            revenue_today_wei: 0,
            revenue_total_wei: 0,
        }
    }

    /// `(calls, revenue_wei)` on `day`.
    pub fn usage_on(&self, day: u64) -> (u64, u128) {
        if self.day_id == day {
            (self.calls_today, self.revenue_today_wei)
        } else {
            (0, 0)
        }
    }
}

/// One consumer's prepaid credit, shared by all its APIs.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct Account {
    pub credit_wei: u128,
    /// Deposits minus credit withdrawals: the base of the low-credit threshold.
    pub funded_wei: u128,
    /// The low-credit warning was given and no deposit has lifted credit above the threshold since.
    pub warned: bool,
}

/// One consumer's subscription to one API, with today's usage kept beside it so a bill reads it once.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct Subscription {
    pub active: bool,
    pub max_daily_spend_wei: u128,
    /// The API's price when the consumer last subscribed: the most a bill may charge.
    pub accepted_price_wei: u128,
    /// The day the usage figures belong to; figures of an earlier day count as zero.
    pub day_id: u64,
    pub calls: u64,
    pub spend_wei: u128,
    /// Accounts the consumer allows to bill it for this API, in approval order.
    pub delegates: Vec<Address>,
    /// The highest `usage_id` a batch bill was accepted with (0: none yet).
    pub last_usage_id: u64,
    /// How many finished days were archived to the history ring (slot = count % 30).
    pub archived_days: u64,
}

/// One finished day of a subscription's usage, in the history ring.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct DayUsage {
    pub day_id: u64,
    pub calls: u64,
    pub spend_wei: u128,
}

/// Days of usage the history keeps per subscription.
pub const HISTORY_DAYS: u64 = 30;

/// The APIs a consumer ever subscribed to, in subscription order.
pub(crate) type ApiList = Vec<String>;

impl Subscription {
    /// `(calls, spend_wei)` on `day`.
    pub fn usage_on(&self, day: u64) -> (u64, u128) {
        if self.day_id == day {
            (self.calls, self.spend_wei)
        } else {
            (0, 0)
        }
    }
}

fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    key.push(prefix);
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

pub(crate) fn api_key(api: &str) -> Vec<u8> {
    key(b'a', &[api.as_bytes()])
}

/// The API name an API record's key holds, if `key` is one.
#[cfg(feature = "testing")]
pub(crate) fn api_name_of_key(key: &[u8]) -> Option<&str> {
    match key.split_first() {
        Some((b'a', name)) => core::str::from_utf8(name).ok(),
        _ => None,
    }
}

/// The consumer an account record's key holds, if `key` is one.
#[cfg(feature = "testing")]
pub(crate) fn consumer_of_account_key(key: &[u8]) -> Option<Address> {
    match key.split_first() {
        Some((b'c', rest)) => rest.try_into().ok().map(Address),
        _ => None,
    }
}

/// The consumer and API name a subscription record's key holds, if `key` is one.
#[cfg(feature = "testing")]
pub(crate) fn subscription_of_key(key: &[u8]) -> Option<(Address, &str)> {
    match key.split_first() {
        Some((b's', rest)) if rest.len() > 20 => {
            let (consumer, name) = rest.split_at(20);
            Some((Address(consumer.try_into().ok()?), core::str::from_utf8(name).ok()?))
        }
        _ => None,
    }
}

pub(crate) fn account_key(consumer: &Address) -> Vec<u8> {
    key(b'c', &[&consumer.0])
}

pub(crate) fn subscription_key(consumer: &Address, api: &str) -> Vec<u8> {
    key(b's', &[&consumer.0, api.as_bytes()])
}

pub(crate) fn api_list_key(consumer: &Address) -> Vec<u8> {
    key(b'l', &[&consumer.0])
}

/// The history slot `slot` (< 30) of a subscription.
pub(crate) fn history_key(consumer: &Address, api: &str, slot: u8) -> Vec<u8> {
    key(b'h', &[&consumer.0, &[slot], api.as_bytes()])
}

/// The record under `key`, if any.
pub(crate) fn load<T: BorshDeserialize>(host: &mut impl Host, key: &[u8]) -> Result<Option<T>, Error> {
    match host.storage_get(key) {
        None => Ok(None),
        Some(bytes) => T::try_from_slice(&bytes).map(Some).map_err(|_| Error::CorruptState),
    }
}

pub(crate) fn save<T: BorshSerialize>(host: &mut impl Host, key: &[u8], record: &T) -> Result<(), Error> {
    // Room for the records a bill writes, so serializing never regrows the buffer.
    let mut bytes = Vec::with_capacity(160);
    record.serialize(&mut bytes).map_err(|_| Error::CorruptState)?;
    host.storage_set(key, &bytes);
    Ok(())
}

/// Marks fresh state with the current layout version (the deploy call).
pub(crate) fn init_version(host: &mut impl Host) -> Result<(), Error> {
    match load::<u32>(host, VERSION_KEY)? {
        Some(STATE_VERSION) => Ok(()),
        // Version 1 is the first layout: nothing older exists to migrate, nothing newer is readable.
        Some(_) => Err(Error::CorruptState),
        None => save(host, VERSION_KEY, &STATE_VERSION),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes docs/STORAGE.md states.
    #[test]
    fn record_sizes_match_the_documented_layout() {
        let mut api = ApiRecord::new(Address([1; 20]), 2, 3);
        assert_eq!(borsh::to_vec(&api).map(|b| b.len()).ok(), Some(118));
        api.pending_operator = Some(Address([2; 20]));
        assert_eq!(borsh::to_vec(&api).map(|b| b.len()).ok(), Some(138));
        assert_eq!(borsh::to_vec(&Account::default()).map(|b| b.len()).ok(), Some(33));
        let mut sub = Subscription {
            active: true,
            max_daily_spend_wei: 1,
            accepted_price_wei: 1,
            day_id: 1,
            calls: 1,
            spend_wei: 1,
            delegates: Vec::new(),
            last_usage_id: 0,
            archived_days: 0,
        };
        assert_eq!(borsh::to_vec(&sub).map(|b| b.len()).ok(), Some(85));
        sub.delegates.push(Address([2; 20]));
        assert_eq!(borsh::to_vec(&sub).map(|b| b.len()).ok(), Some(105));
        let day = DayUsage { day_id: 1, calls: 2, spend_wei: 3 };
        assert_eq!(borsh::to_vec(&day).map(|b| b.len()).ok(), Some(32));
        assert_eq!(history_key(&Address([1; 20]), "w", 29).len(), 23);
        assert_eq!(api_key("w"), b"aw");
        assert_eq!(subscription_key(&Address([1; 20]), "w").len(), 22);
    }
}
