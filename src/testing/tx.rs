//! One call in flight on the mock chain: the contract's `Host` over a copy-on-write view of storage.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::Transfer;
use crate::{Address, Event, Host};

/// What a call in flight did; applied to the chain only if the call succeeds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Writes (`Some`) and removals (`None`) by key.
    pub pending: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    pub events: Vec<Event>,
    pub transfers: Vec<Transfer>,
    pub reads: u32,
    pub writes: u32,
    pub bytes_written: u64,
    /// Set when the contract asked for something the chain cannot do (send more than it holds).
    pub fault: Option<&'static str>,
}

/// One call in flight, as the contract's [`Host`]: reads see its own writes; nothing reaches the
/// chain before it commits.
#[derive(Clone, Debug, Default)]
pub struct Tx {
    pub(super) committed: BTreeMap<Vec<u8>, Vec<u8>>,
    pub(super) sender: Address,
    pub(super) value: u128,
    pub(super) timestamp: u64,
    /// What the contract may still send: its balance plus the attached value, less what it sent.
    pub(super) spendable: u128,
    pub effects: Effects,
}

impl Tx {
    /// What the contract may still send in this call: its balance and the attached value, less what
    /// it sent.
    pub fn spendable(&self) -> u128 {
        self.spendable
    }

    /// The same transaction with `value` attached instead.
    pub fn with_value(&self, value: u128) -> Tx {
        Tx {
            value,
            spendable: self.spendable.saturating_sub(self.value).saturating_add(value),
            ..self.clone()
        }
    }

    /// What a read of `key` returns, without counting as a read (a VM host finishing a read the
    /// contract began with too small a buffer).
    pub fn storage_peek(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self.effects.pending.get(key) {
            Some(entry) => entry.clone(),
            None => self.committed.get(key).cloned(),
        }
    }
}

impl Host for Tx {
    fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.effects.reads += 1;
        self.storage_peek(key)
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) {
        self.effects.writes += 1;
        self.effects.bytes_written += (key.len() + value.len()) as u64;
        self.effects.pending.insert(key.to_vec(), Some(value.to_vec()));
    }

    fn storage_remove(&mut self, key: &[u8]) {
        self.effects.writes += 1;
        self.effects.bytes_written += key.len() as u64;
        self.effects.pending.insert(key.to_vec(), None);
    }

    fn block_timestamp(&self) -> u64 {
        self.timestamp
    }

    fn sender(&self) -> Address {
        self.sender
    }

    fn attached_value(&self) -> u128 {
        self.value
    }

    fn send_value(&mut self, to: &Address, amount: u128) {
        match self.spendable.checked_sub(amount) {
            Some(left) => {
                self.spendable = left;
                self.effects.transfers.push(Transfer { to: *to, amount });
            }
            None => self.effects.fault = Some("contract balance too low for a transfer"),
        }
    }

    fn emit_event(&mut self, event: Event) {
        self.effects.events.push(event);
    }
}
