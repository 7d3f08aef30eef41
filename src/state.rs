//! Typed storage: borsh records under short prefixed keys, shaped so a bill touches three records.
//! One typed table per record kind ([`Map`]: prefix, key type, record type), read like
//! cw-storage-plus's `Map`: `SUBSCRIPTIONS.load(host, (&consumer, name))`.
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
use core::marker::PhantomData;

use crate::record::{self, Record};
use crate::{Address, Error, Host};

/// The layout described above (docs/STORAGE.md). Version 2 replaced the subscription's single
/// `last_usage_id` with one anti-replay window per biller; version 3 gave each delegate its daily
/// limit and count, the subscription its billed and credit-noted totals, and the account its alert
/// thresholds. A later layout bumps it again.
pub const STATE_VERSION: u32 = 3;
/// Where the version lives: borsh `u32` (4 bytes, little-endian) under this key.
pub const STATE_VERSION_KEY: &[u8] = b"v";

/// The parts a table's key is made of, after its prefix byte.
pub(crate) trait KeyParts {
    /// What a caller passes to name one record.
    type Ref<'a>: Copy;
    fn len(key: Self::Ref<'_>) -> usize;
    fn push(key: Self::Ref<'_>, out: &mut Vec<u8>);
    /// A key read back from its bytes (tools and tests).
    #[cfg(feature = "inspect")]
    type Parsed<'a>;
    #[cfg(feature = "inspect")]
    fn parse(bytes: &[u8]) -> Option<Self::Parsed<'_>>;
}

/// A normalized API name, as the last part of a key (its bytes, to the key's end).
pub(crate) enum ApiName {}
/// One slot of the history ring (< [`HISTORY_DAYS`]).
pub(crate) enum Slot {}

impl KeyParts for Address {
    type Ref<'a> = &'a Address;
    fn len(_: &Address) -> usize {
        20
    }
    fn push(key: &Address, out: &mut Vec<u8>) {
        out.extend_from_slice(&key.0);
    }
    #[cfg(feature = "inspect")]
    type Parsed<'a> = Address;
    #[cfg(feature = "inspect")]
    fn parse(bytes: &[u8]) -> Option<Address> {
        bytes.try_into().ok().map(Address)
    }
}

impl KeyParts for ApiName {
    type Ref<'a> = &'a str;
    fn len(key: &str) -> usize {
        key.len()
    }
    fn push(key: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(key.as_bytes());
    }
    #[cfg(feature = "inspect")]
    type Parsed<'a> = &'a str;
    #[cfg(feature = "inspect")]
    fn parse(bytes: &[u8]) -> Option<&str> {
        core::str::from_utf8(bytes).ok()
    }
}

impl KeyParts for Slot {
    type Ref<'a> = u8;
    fn len(_: u8) -> usize {
        1
    }
    fn push(key: u8, out: &mut Vec<u8>) {
        out.push(key);
    }
    #[cfg(feature = "inspect")]
    type Parsed<'a> = u8;
    #[cfg(feature = "inspect")]
    fn parse(bytes: &[u8]) -> Option<u8> {
        match bytes {
            [slot] => Some(*slot),
            _ => None,
        }
    }
}

impl KeyParts for (Address, ApiName) {
    type Ref<'a> = (&'a Address, &'a str);
    fn len((_, name): Self::Ref<'_>) -> usize {
        20 + name.len()
    }
    fn push((consumer, name): Self::Ref<'_>, out: &mut Vec<u8>) {
        Address::push(consumer, out);
        ApiName::push(name, out);
    }
    #[cfg(feature = "inspect")]
    type Parsed<'a> = (Address, &'a str);
    #[cfg(feature = "inspect")]
    fn parse(bytes: &[u8]) -> Option<Self::Parsed<'_>> {
        let (consumer, name) = bytes.split_at_checked(20)?;
        Some((<Address as KeyParts>::parse(consumer)?, ApiName::parse(name)?))
    }
}

impl KeyParts for (Address, Slot, ApiName) {
    type Ref<'a> = (&'a Address, u8, &'a str);
    fn len((_, _, name): Self::Ref<'_>) -> usize {
        21 + name.len()
    }
    fn push((consumer, slot, name): Self::Ref<'_>, out: &mut Vec<u8>) {
        Address::push(consumer, out);
        Slot::push(slot, out);
        ApiName::push(name, out);
    }
    #[cfg(feature = "inspect")]
    type Parsed<'a> = (Address, u8, &'a str);
    #[cfg(feature = "inspect")]
    fn parse(bytes: &[u8]) -> Option<Self::Parsed<'_>> {
        let (consumer, rest) = bytes.split_at_checked(20)?;
        let (slot, name) = rest.split_at_checked(1)?;
        Some((<Address as KeyParts>::parse(consumer)?, Slot::parse(slot)?, ApiName::parse(name)?))
    }
}

/// A table of records of type `V` under `prefix ‖ key`.
pub(crate) struct Map<K, V> {
    prefix: u8,
    kinds: PhantomData<fn() -> (K, V)>,
}

impl<K: KeyParts, V: Record> Map<K, V> {
    pub const fn new(prefix: u8) -> Map<K, V> {
        Map { prefix, kinds: PhantomData }
    }

    /// The storage key of the record `key`.
    pub fn key(&self, key: K::Ref<'_>) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(1 + K::len(key));
        bytes.push(self.prefix);
        K::push(key, &mut bytes);
        bytes
    }

    /// The record `key`, if any; a record that does not decode is [`Error::CorruptState`].
    pub fn load(&self, host: &mut impl Host, key: K::Ref<'_>) -> Result<Option<V>, Error> {
        load(host, &self.key(key))
    }

    pub fn save(&self, host: &mut impl Host, key: K::Ref<'_>, record: &V) -> Result<(), Error> {
        save(host, &self.key(key), record)
    }

    /// The key parts and the record of one stored entry, if it is an entry of this table that
    /// decodes as the contract's own load reads it.
    #[cfg(feature = "inspect")]
    pub fn parse_entry<'a>(&self, key: &'a [u8], value: &[u8]) -> Option<(K::Parsed<'a>, V)> {
        match key.split_first() {
            Some((prefix, rest)) if *prefix == self.prefix => Some((K::parse(rest)?, record::decode(value)?)),
            _ => None,
        }
    }
}

/// `a` ‖ api name.
pub(crate) const APIS: Map<ApiName, ApiRecord> = Map::new(b'a');
/// `c` ‖ consumer.
pub(crate) const ACCOUNTS: Map<Address, Account> = Map::new(b'c');
/// `s` ‖ consumer ‖ api name.
pub(crate) const SUBSCRIPTIONS: Map<(Address, ApiName), Subscription> = Map::new(b's');
/// `l` ‖ consumer.
pub(crate) const API_LISTS: Map<Address, ApiList> = Map::new(b'l');
/// `h` ‖ consumer ‖ slot ‖ api name.
pub(crate) const HISTORY: Map<(Address, Slot, ApiName), DayUsage> = Map::new(b'h');

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
    /// Calls billed and revenue on the latest day billed.
    pub today: DayUsage,
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
            today: DayUsage::default(),
            revenue_total_wei: 0,
        }
    }
}

/// One consumer's prepaid credit, shared by all its APIs.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct Account {
    pub credit_wei: u128,
    /// Deposits and credit notes minus credit withdrawals: the base of the low-credit thresholds.
    pub funded_wei: u128,
    /// The low-credit thresholds, highest first; empty means the default, [`crate::LOW_CREDIT_PERCENT`].
    pub alert_percents: Vec<u8>,
    /// Bit `i` set: the warning at `alert_percents[i]` (the default's: bit 0) was given and no deposit
    /// has lifted credit above that threshold since.
    pub fired: u8,
}

impl Account {
    /// The `fired` bit of threshold `index` (none past the eighth: only a foreign record has them).
    pub fn bit(index: usize) -> u8 {
        u32::try_from(index).ok().and_then(|i| 1u8.checked_shl(i)).unwrap_or(0)
    }

    /// Threshold `index` is armed: its warning was not given since credit was last above it.
    pub fn armed(&self, index: usize) -> bool {
        self.fired & Account::bit(index) == 0
    }

    /// The thresholds in force, highest first.
    pub fn thresholds(&self) -> &[u8] {
        if self.alert_percents.is_empty() {
            &[DEFAULT_ALERT]
        } else {
            &self.alert_percents
        }
    }
}

/// [`crate::LOW_CREDIT_PERCENT`] as stored.
pub(crate) const DEFAULT_ALERT: u8 = 20;
const _: () = assert!(DEFAULT_ALERT as u128 == crate::LOW_CREDIT_PERCENT);
/// Most thresholds an account holds (they fit the `fired` bits).
pub const MAX_ALERTS: usize = 4;

/// An approved delegate: its own daily call limit, if the consumer set one, and its calls on the
/// subscription's latest day billed (`Subscription::today`'s day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct Delegate {
    pub address: Address,
    /// `None`: unlimited (within the subscription's own limits).
    pub max_daily_calls: Option<u64>,
    pub calls: u64,
}

impl Delegate {
    pub fn new(address: Address) -> Delegate {
        Delegate { address, max_daily_calls: None, calls: 0 }
    }
}

/// One consumer's subscription to one API, with today's usage kept beside it so a bill reads it once.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct Subscription {
    pub active: bool,
    pub max_daily_spend_wei: u128,
    /// The API's price when the consumer last subscribed: the most a bill may charge.
    pub accepted_price_wei: u128,
    /// Usage on the latest day billed.
    pub today: DayUsage,
    /// Accounts the consumer allows to bill it for this API, in approval order.
    pub delegates: Vec<Delegate>,
    /// How many finished days were archived to the history ring (slot = count % 30).
    pub archived_days: u64,
    /// The usage-id window of each biller (the consumer, a delegate) that billed with a usage id, in
    /// order of first use. Kept through revoke, unsubscribe and resubscribe, so ids never replay.
    pub usage_ids: Vec<UsageIds>,
    /// Everything ever billed on this subscription (saturating: a bound, not money).
    pub billed_total_wei: u128,
    /// Everything the operator ever gave back by credit notes: never above `billed_total_wei`.
    pub credit_noted_wei: u128,
}

impl Subscription {
    /// A new subscription, active, with nothing billed.
    pub fn new(cap: u128, price: u128) -> Subscription {
        Subscription {
            active: true,
            max_daily_spend_wei: cap,
            accepted_price_wei: price,
            today: DayUsage::default(),
            delegates: Vec::new(),
            archived_days: 0,
            usage_ids: Vec::new(),
            billed_total_wei: 0,
            credit_noted_wei: 0,
        }
    }

    /// The approved delegate `address`, if it is one.
    pub fn delegate(&self, address: &Address) -> Option<&Delegate> {
        self.delegates.iter().find(|d| d.address == *address)
    }

    /// `delegate`'s calls on `day` (its count is kept for the latest day billed only).
    pub fn delegate_calls_on(&self, delegate: &Delegate, day: u64) -> u64 {
        if self.today.day_id == day {
            delegate.calls
        } else {
            0
        }
    }

    /// The day a bill or report at `block_day` counts on: never before the day already recorded, so
    /// block time that goes backwards cannot reset the day's usage.
    pub fn effective_day(&self, block_day: u64) -> u64 {
        block_day.max(self.today.day_id)
    }
}

/// Ids a window remembers below the highest (as IPsec and DTLS keep one).
pub const USAGE_ID_WINDOW: u64 = 64;
/// Billers a subscription keeps windows for: the consumer and, over time, up to 31 delegates.
pub const MAX_USAGE_ID_BILLERS: usize = 32;

/// One biller's `usage_id` sequence: the highest id it used and which of the
/// [`USAGE_ID_WINDOW`] ids just below it it used too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct UsageIds {
    pub biller: Address,
    pub highest: u64,
    /// Bit `k` set: id `highest - 1 - k` was used.
    pub seen: u64,
}

/// Why a usage id was refused (the `rule` of `duplicate_usage_id`'s details).
pub(crate) const USED: &str = "already_used";
pub(crate) const BELOW_WINDOW: &str = "below_window";

impl UsageIds {
    pub fn new(biller: Address) -> UsageIds {
        UsageIds { biller, highest: 0, seen: 0 }
    }

    /// `Ok` if `id` (> 0) is new to this biller: above its highest, or one of the 64 just below not
    /// used yet; otherwise the rule that refuses it.
    pub fn check(&self, id: u64) -> Result<(), &'static str> {
        if id > self.highest {
            return Ok(());
        }
        if id == self.highest {
            return Err(USED);
        }
        let back = self.highest - 1 - id;
        if back >= USAGE_ID_WINDOW {
            return Err(BELOW_WINDOW);
        }
        if self.seen & (1 << back) != 0 {
            Err(USED)
        } else {
            Ok(())
        }
    }

    /// Records `id`, which [`UsageIds::check`] accepted.
    pub fn accept(&mut self, id: u64) {
        if id > self.highest {
            let shift = id - self.highest;
            // The old highest becomes bit `shift - 1`; older bits move up with it.
            let moved = if shift >= USAGE_ID_WINDOW { 0 } else { self.seen << shift };
            let old_highest = if self.highest > 0 && shift <= USAGE_ID_WINDOW { 1 << (shift - 1) } else { 0 };
            self.seen = moved | old_highest;
            self.highest = id;
        } else if let Some(back) = (self.highest - 1).checked_sub(id) {
            if back < USAGE_ID_WINDOW {
                self.seen |= 1 << back;
            }
        }
    }
}

/// One day of usage: calls and spend (for an API: calls and revenue) on `day_id`. Embedded in the
/// subscription and the API record (the latest day billed) and stored as one slot of the history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct DayUsage {
    /// The UTC day (`timestamp / SECONDS_PER_DAY`).
    pub day_id: u64,
    pub calls: u64,
    pub spend_wei: u128,
}

impl DayUsage {
    /// `(calls, spend_wei)` on `day`: figures of another day count as zero.
    pub fn on(&self, day: u64) -> (u64, u128) {
        if self.day_id == day {
            (self.calls, self.spend_wei)
        } else {
            (0, 0)
        }
    }
}

/// Days of usage the history keeps per subscription.
pub const HISTORY_DAYS: u64 = 30;

/// The APIs a consumer ever subscribed to, in subscription order.
pub(crate) type ApiList = Vec<String>;

record::struct_record! {
    DayUsage { day_id, calls, spend_wei }
    Delegate { address, max_daily_calls, calls }
    UsageIds { biller, highest, seen }
    ApiRecord {
        operator, cost_per_call_wei, daily_limit_calls, active, earnings_wei, pending_operator, subscribers,
        today, revenue_total_wei
    }
    Account { credit_wei, funded_wei, alert_percents, fired }
    Subscription {
        active, max_daily_spend_wei, accepted_price_wei, today, delegates, archived_days, usage_ids,
        billed_total_wei, credit_noted_wei
    }
}

/// The record under `key`, if any.
fn load<T: Record>(host: &mut impl Host, key: &[u8]) -> Result<Option<T>, Error> {
    match host.storage_get(key) {
        None => Ok(None),
        Some(bytes) => record::decode(&bytes).map(Some).ok_or(Error::CorruptState),
    }
}

fn save<T: Record>(host: &mut impl Host, key: &[u8], record: &T) -> Result<(), Error> {
    // Room for the records a bill writes, so writing never regrows the buffer.
    let mut bytes = Vec::with_capacity(160);
    record.write(&mut bytes);
    host.storage_set(key, &bytes);
    Ok(())
}

/// The version fresh or existing state says it has (`None`: fresh).
pub(crate) fn stored_version(host: &mut impl Host) -> Result<Option<u32>, Error> {
    load::<u32>(host, STATE_VERSION_KEY)
}

/// Marks fresh state with the current layout version (the deploy call).
pub(crate) fn write_version(host: &mut impl Host) -> Result<(), Error> {
    save(host, STATE_VERSION_KEY, &STATE_VERSION)
}

#[cfg(test)]
mod record_tests;

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
        let mut account = Account::default();
        assert_eq!(borsh::to_vec(&account).map(|b| b.len()).ok(), Some(37));
        account.alert_percents = alloc::vec![50, 20, 10, 5];
        assert_eq!(borsh::to_vec(&account).map(|b| b.len()).ok(), Some(41));
        let mut sub = Subscription::new(1, 1);
        sub.today = DayUsage { day_id: 1, calls: 1, spend_wei: 1 };
        assert_eq!(borsh::to_vec(&sub).map(|b| b.len()).ok(), Some(113));
        sub.delegates.push(Delegate::new(Address([2; 20])));
        assert_eq!(borsh::to_vec(&sub).map(|b| b.len()).ok(), Some(142));
        sub.delegates[0].max_daily_calls = Some(3);
        assert_eq!(borsh::to_vec(&sub).map(|b| b.len()).ok(), Some(150));
        sub.usage_ids.push(UsageIds::new(Address([2; 20])));
        assert_eq!(borsh::to_vec(&sub).map(|b| b.len()).ok(), Some(186));
        assert_eq!(borsh::to_vec(&STATE_VERSION).ok(), Some(alloc::vec![3, 0, 0, 0]));
        let limited = Delegate { address: Address([2; 20]), max_daily_calls: Some(1), calls: 0 };
        sub.delegates = alloc::vec![limited; 16];
        sub.usage_ids = alloc::vec![UsageIds::new(Address([3; 20])); MAX_USAGE_ID_BILLERS];
        assert_eq!(borsh::to_vec(&sub).map(|b| b.len()).ok(), Some(1_857));
        let doc = include_str!("../docs/STORAGE.md");
        for stated in [
            "# Storage layout (state version 3)",
            "`ApiRecord` — 118 bytes (138 while a transfer is pending)",
            "`Account` — 37 bytes + 1 per threshold set",
            "`Subscription` — 113 bytes + 29 per delegate (37 with a limit) + 36 per biller",
            "`Delegate` — 29 bytes (37 with a limit)",
            "`UsageIds` — 36 bytes",
            "`DayUsage` — 32 bytes",
            "1,857 bytes at most",
        ] {
            assert!(doc.contains(stated), "docs/STORAGE.md no longer says {stated:?}");
        }
        let day = DayUsage { day_id: 1, calls: 2, spend_wei: 3 };
        assert_eq!(borsh::to_vec(&day).map(|b| b.len()).ok(), Some(32));
        assert_eq!(HISTORY.key((&Address([1; 20]), 29, "w")).len(), 23);
        assert_eq!(APIS.key("w"), b"aw");
        assert_eq!(SUBSCRIPTIONS.key((&Address([1; 20]), "w")).len(), 22);
    }

    /// The keys are the prefix and the parts, as docs/STORAGE.md lays them out.
    #[test]
    fn keys_are_prefix_then_parts() {
        let consumer = Address([7; 20]);
        let mut expected = alloc::vec![b's'];
        expected.extend_from_slice(&[7; 20]);
        expected.extend_from_slice(b"weather");
        assert_eq!(SUBSCRIPTIONS.key((&consumer, "weather")), expected);
        assert_eq!(ACCOUNTS.key(&consumer).first(), Some(&b'c'));
        assert_eq!(API_LISTS.key(&consumer).first(), Some(&b'l'));
        let history = HISTORY.key((&consumer, 3, "w"));
        assert_eq!((history.first(), history.get(21), history.get(22)), (Some(&b'h'), Some(&3), Some(&b'w')));
    }
}

#[cfg(test)]
mod usage_id_tests {
    use super::*;

    fn window_after(ids: &[u64]) -> UsageIds {
        let mut window = UsageIds::new(Address([1; 20]));
        for id in ids {
            assert_eq!(window.check(*id), Ok(()), "id {id}");
            window.accept(*id);
        }
        window
    }

    #[test]
    fn each_id_is_accepted_once_above_or_within_the_window() {
        let window = window_after(&[10, 7, 11, 9]);
        for used in [7, 9, 10, 11] {
            assert_eq!(window.check(used), Err(USED), "id {used}");
        }
        assert_eq!(window.check(8), Ok(()));
        assert_eq!(window.check(12), Ok(()));
        // 11 - 64 = -53: everything from 1 is inside the window.
        assert_eq!(window.check(1), Ok(()));
    }

    #[test]
    fn ids_64_below_the_highest_are_in_the_window_and_65_below_are_not() {
        let window = window_after(&[100]);
        assert_eq!(window.check(36), Ok(()));
        assert_eq!(window.check(35), Err(BELOW_WINDOW));
        let window = window_after(&[36, 100]);
        assert_eq!(window.check(36), Err(USED));
        let window = window_after(&[35, 100]);
        assert_eq!(window.check(35), Err(BELOW_WINDOW));
    }

    #[test]
    fn a_jump_of_the_whole_window_forgets_nothing_it_must_keep() {
        let window = window_after(&[1, 65]);
        assert_eq!(window.check(1), Err(USED), "64 below the highest, used");
        let window = window_after(&[1, 66]);
        assert_eq!(window.check(1), Err(BELOW_WINDOW));
        let window = window_after(&[5, u64::MAX]);
        assert_eq!(window.check(u64::MAX), Err(USED));
        assert_eq!(window.check(u64::MAX - 1), Ok(()));
        assert_eq!(window.check(5), Err(BELOW_WINDOW));
    }
}
