//! One call in flight on any chain: the contract's `Host` over a [`Store`]. The transaction
//! semantics every chain shares live here once (what the contract may still send, its transfers and
//! events, storage operations counted, the fault that fails a call asking the impossible): the mock
//! chain runs it over an in-memory [`Overlay`], the sandbox's redb chain over its store transaction.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::Transfer;
use crate::{Address, Event};
use api_usage_billing::Host;

/// Why a chain fails a call as a whole (`host_fault`): the contract asked for something the chain
/// cannot do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// A transfer beyond what the contract holds in this call.
    #[error("the contract sent more than it holds")]
    Overspent,
    /// A write in a view (a read-only store transaction).
    #[error("a view cannot change anything")]
    ReadOnly,
}

/// Where a call's contract storage lives while it runs; what it holds reaches the chain only when
/// the chain commits the call.
pub trait Store {
    /// The value under `key`, the call's own writes included.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// Stores `value` under `key` (`None`: removes it). A store that may not write refuses with the
    /// fault that fails the call; a store's own failure it keeps to report itself.
    fn set(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), Fault>;
}

/// The mock chain's store: its committed storage, and the call's writes over it, applied only if
/// the call succeeds.
#[derive(Clone, Debug, Default)]
pub struct Overlay {
    pub(super) committed: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Writes (`Some`) and removals (`None`) by key.
    pub pending: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl Store for Overlay {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self.pending.get(key) {
            Some(entry) => entry.clone(),
            None => self.committed.get(key).cloned(),
        }
    }

    fn set(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), Fault> {
        self.pending.insert(key.to_vec(), value.map(<[u8]>::to_vec));
        Ok(())
    }
}

/// What a call in flight did besides its storage writes; the chain applies it only if the call
/// succeeds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    pub events: Vec<Event>,
    pub transfers: Vec<Transfer>,
    pub reads: u32,
    pub writes: u32,
    /// Key and value bytes of every write.
    pub bytes_written: u64,
    /// The first thing the contract asked for that the chain cannot do: the call fails on it.
    pub fault: Option<Fault>,
}

/// A point in a call's run ([`Transaction::mark`]): its events, transfers and what it may spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    events: usize,
    transfers: usize,
    spendable: u128,
}

/// One call in flight, as the contract's [`Host`]: reads see its own writes; nothing reaches the
/// chain before it commits.
#[derive(Clone, Debug, Default)]
pub struct Transaction<S> {
    pub store: S,
    sender: Address,
    value: u128,
    timestamp: u64,
    /// What the contract may still send: its balance plus the attached value, less what it sent.
    spendable: u128,
    pub effects: Effects,
}

/// A call in flight on the mock chain.
pub type Tx = Transaction<Overlay>;

impl<S: Store> Transaction<S> {
    /// A call by `sender` with `value` attached at `timestamp`, over `store`; the contract may send
    /// `spendable` (its balance with the attached value).
    pub fn new(store: S, sender: Address, value: u128, timestamp: u64, spendable: u128) -> Transaction<S> {
        Transaction { store, sender, value, timestamp, spendable, effects: Effects::default() }
    }

    /// What the contract may still send in this call: its balance and the attached value, less what
    /// it sent.
    pub fn spendable(&self) -> u128 {
        self.spendable
    }

    /// What a read of `key` returns, without counting as a read (a VM host finishing a read the
    /// contract began with too small a buffer).
    pub fn storage_peek(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.store.get(key)
    }

    /// Fails the call (the first fault stays).
    pub fn fault(&mut self, fault: Fault) {
        self.effects.fault.get_or_insert(fault);
    }

    /// This point of the call, for [`Transaction::roll_back_to`] (the store keeps its own marks).
    pub fn mark(&self) -> Mark {
        Mark {
            events: self.effects.events.len(),
            transfers: self.effects.transfers.len(),
            spendable: self.spendable,
        }
    }

    /// Forgets the events and transfers since `mark` and gives back what they spent (a nested
    /// call refused).
    pub fn roll_back_to(&mut self, mark: Mark) {
        self.effects.events.truncate(mark.events);
        self.effects.transfers.truncate(mark.transfers);
        self.spendable = mark.spendable;
    }

    fn write(&mut self, key: &[u8], value: Option<&[u8]>) {
        self.effects.writes = self.effects.writes.saturating_add(1);
        let bytes = key.len().saturating_add(value.map_or(0, <[u8]>::len));
        self.effects.bytes_written = self.effects.bytes_written.saturating_add(bytes as u64);
        if let Err(fault) = self.store.set(key, value) {
            self.fault(fault);
        }
    }
}

impl<S: Store + Clone> Transaction<S> {
    /// The same transaction with `value` attached instead.
    pub fn with_value(&self, value: u128) -> Transaction<S> {
        Transaction {
            value,
            spendable: self.spendable.saturating_sub(self.value).saturating_add(value),
            ..self.clone()
        }
    }
}

impl<S: Store> Host for Transaction<S> {
    fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.effects.reads = self.effects.reads.saturating_add(1);
        self.storage_peek(key)
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) {
        self.write(key, Some(value));
    }

    fn storage_remove(&mut self, key: &[u8]) {
        self.write(key, None);
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
            None => self.fault(Fault::Overspent),
        }
    }

    fn emit_event(&mut self, event: Event) {
        self.effects.events.push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(spendable: u128) -> Tx {
        let mut store = Overlay::default();
        store.committed.insert(b"old".to_vec(), b"1".to_vec());
        Tx::new(store, Address([1; 20]), 5, 7, spendable)
    }

    #[test]
    fn a_transaction_counts_its_storage_and_reads_its_own_writes() {
        let mut tx = tx(0);
        assert_eq!(tx.storage_get(b"old").as_deref(), Some(&b"1"[..]));
        tx.storage_set(b"new", b"22");
        tx.storage_remove(b"old");
        assert_eq!(tx.storage_get(b"new").as_deref(), Some(&b"22"[..]));
        assert_eq!(tx.storage_peek(b"old"), None, "a removal is seen, and a peek is not counted");
        assert_eq!((tx.effects.reads, tx.effects.writes, tx.effects.bytes_written), (2, 2, 5 + 3));
        assert_eq!(
            tx.store.committed.get(&b"old"[..]).map(Vec::as_slice),
            Some(&b"1"[..]),
            "nothing committed"
        );
    }

    #[test]
    fn sending_spends_what_the_call_holds_and_more_is_a_fault_that_stays_the_first() {
        let mut tx = tx(100);
        tx.send_value(&Address([2; 20]), 60);
        let mark = tx.mark();
        tx.emit_event(Event::new("Later", []));
        tx.send_value(&Address([3; 20]), 40);
        assert_eq!(tx.spendable(), 0);
        tx.roll_back_to(mark);
        assert_eq!(tx.spendable(), 40);
        assert!(tx.effects.events.is_empty());
        assert_eq!(tx.effects.transfers, [Transfer { to: Address([2; 20]), amount: 60 }]);
        assert_eq!(tx.effects.fault, None);
        tx.send_value(&Address([3; 20]), 41);
        tx.fault(Fault::ReadOnly);
        assert_eq!(tx.effects.fault, Some(Fault::Overspent), "the first fault stays");
        assert_eq!(tx.effects.transfers.len(), 1, "a refused transfer is not listed");
        assert_eq!(tx.spendable(), 40);
    }
}
