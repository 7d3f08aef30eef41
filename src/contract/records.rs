//! The records a usage report shows, read from their stored bytes: the fields it writes, the rest
//! checked and skipped. Decoding 64 subscriptions of 16 delegates and their APIs whole through
//! borsh cost the worst report about 1.7M fuel; these reads about 0.6M. A view accepts exactly the
//! bytes the record's own decoding accepts (the tests compare).

use alloc::vec::Vec;

use crate::state::{DayUsage, Delegate};
use crate::{Address, Error};

/// What a report shows of a subscription: the usage-id windows and totals are checked, not kept.
pub(crate) struct SubscriptionView {
    pub active: bool,
    pub max_daily_spend_wei: u128,
    pub accepted_price_wei: u128,
    pub today: DayUsage,
    pub delegates: Vec<Delegate>,
}

impl SubscriptionView {
    #[inline(never)]
    pub fn parse(bytes: &[u8]) -> Result<SubscriptionView, Error> {
        Self::read(bytes).ok_or(Error::CorruptState)
    }

    fn read(bytes: &[u8]) -> Option<SubscriptionView> {
        let mut record = Bytes(bytes);
        let active = record.bool()?;
        let max_daily_spend_wei = record.u128()?;
        let accepted_price_wei = record.u128()?;
        let today = record.day()?;
        let count = record.u32()?;
        // A stored record holds at most 16 delegates; a longer count is checked as it is read.
        let mut delegates = Vec::with_capacity((count as usize).min(16));
        for _ in 0..count {
            let address = Address(record.array()?);
            let max_daily_calls = if record.bool()? { Some(record.u64()?) } else { None };
            delegates.push(Delegate { address, max_daily_calls, calls: record.u64()? });
        }
        let _archived_days = record.u64()?;
        let windows = record.u32()?;
        for _ in 0..windows {
            record.take(36)?;
        }
        let _billed_total_wei = record.u128()?;
        let _credit_noted_wei = record.u128()?;
        record.end()?;
        Some(SubscriptionView { active, max_daily_spend_wei, accepted_price_wei, today, delegates })
    }

    /// [`crate::state::Subscription::effective_day`].
    pub fn effective_day(&self, block_day: u64) -> u64 {
        block_day.max(self.today.day_id)
    }

    /// [`crate::state::Subscription::delegate_calls_on`].
    pub fn delegate_calls_on(&self, delegate: &Delegate, day: u64) -> u64 {
        if self.today.day_id == day {
            delegate.calls
        } else {
            0
        }
    }
}

/// What a report shows of an API: its price and daily limit.
pub(crate) struct ApiView {
    pub cost_per_call_wei: u128,
    pub daily_limit_calls: u64,
}

impl ApiView {
    #[inline(never)]
    pub fn parse(bytes: &[u8]) -> Result<ApiView, Error> {
        Self::read(bytes).ok_or(Error::CorruptState)
    }

    fn read(bytes: &[u8]) -> Option<ApiView> {
        let mut record = Bytes(bytes);
        record.take(20)?;
        let cost_per_call_wei = record.u128()?;
        let daily_limit_calls = record.u64()?;
        let _active = record.bool()?;
        let _earnings_wei = record.u128()?;
        if record.bool()? {
            record.take(20)?;
        }
        let _subscribers = record.u64()?;
        record.day()?;
        let _revenue_total_wei = record.u128()?;
        record.end()?;
        Some(ApiView { cost_per_call_wei, daily_limit_calls })
    }
}

/// Borsh's little-endian fields, read from the front; `None` when they run out or do not decode.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    /// A bool or an option's tag: 0 or 1, as borsh accepts.
    fn bool(&mut self) -> Option<bool> {
        match self.array::<1>()? {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    fn u128(&mut self) -> Option<u128> {
        self.array().map(u128::from_le_bytes)
    }

    fn day(&mut self) -> Option<DayUsage> {
        Some(DayUsage { day_id: self.u64()?, calls: self.u64()?, spend_wei: self.u128()? })
    }

    fn end(&self) -> Option<()> {
        if self.0.is_empty() {
            Some(())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ApiRecord, Subscription, UsageIds};
    use borsh::BorshDeserialize;

    fn subscriptions() -> Vec<Subscription> {
        let mut big = Subscription::new(u128::MAX, 7);
        big.active = false;
        big.today = DayUsage { day_id: 20_454, calls: 3, spend_wei: 1 << 100 };
        for d in 0..16u8 {
            let mut delegate = Delegate::new(Address([d; 20]));
            delegate.max_daily_calls = (d % 3 == 0).then_some(u64::from(d) * 1_000);
            delegate.calls = u64::from(d);
            big.delegates.push(delegate);
        }
        big.archived_days = 45;
        big.usage_ids = (0..5u8).map(|b| UsageIds::new(Address([b; 20]))).collect();
        big.billed_total_wei = 99;
        big.credit_noted_wei = 9;
        [Subscription::new(1, 2), big].to_vec()
    }

    /// Every prefix, every longer record and every byte changed: the view accepts the bytes the
    /// record's decoding accepts, and reads the same fields.
    fn agrees_on_sub(bytes: &[u8]) {
        match (Subscription::try_from_slice(bytes), SubscriptionView::parse(bytes)) {
            (Ok(sub), Ok(view)) => {
                assert_eq!(
                    (sub.active, sub.max_daily_spend_wei, sub.accepted_price_wei, sub.today),
                    (view.active, view.max_daily_spend_wei, view.accepted_price_wei, view.today)
                );
                assert_eq!(view.delegates, sub.delegates);
            }
            (Err(_), Err(Error::CorruptState)) => {}
            (decoded, viewed) => panic!("{:?} vs {:?}", decoded.is_ok(), viewed.is_ok()),
        }
    }

    fn agrees_on_api(bytes: &[u8]) {
        match (ApiRecord::try_from_slice(bytes), ApiView::parse(bytes)) {
            (Ok(api), Ok(view)) => assert_eq!(
                (api.cost_per_call_wei, api.daily_limit_calls),
                (view.cost_per_call_wei, view.daily_limit_calls)
            ),
            (Err(_), Err(Error::CorruptState)) => {}
            (decoded, viewed) => panic!("{:?} vs {:?}", decoded.is_ok(), viewed.is_ok()),
        }
    }

    fn variants(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = (0..=bytes.len()).map(|n| bytes[..n].to_vec()).collect();
        all.push([bytes, &[0]].concat());
        for at in 0..bytes.len() {
            for value in [0, 1, 2, 0xff] {
                let mut changed = bytes.to_vec();
                changed[at] = value;
                all.push(changed);
            }
        }
        all
    }

    #[test]
    fn subscription_views_read_what_decoding_reads() {
        for sub in subscriptions() {
            for bytes in variants(&borsh::to_vec(&sub).unwrap()) {
                agrees_on_sub(&bytes);
            }
        }
    }

    #[test]
    fn api_views_read_what_decoding_reads() {
        let mut api = ApiRecord::new(Address([1; 20]), 1 << 70, 1_000);
        api.today = DayUsage { day_id: 3, calls: 4, spend_wei: 5 };
        let plain = api.clone();
        api.pending_operator = Some(Address([2; 20]));
        for record in [plain, api] {
            for bytes in variants(&borsh::to_vec(&record).unwrap()) {
                agrees_on_api(&bytes);
            }
        }
    }
}
