//! One call's host over a store transaction: a write transaction for calls, a read transaction for
//! views, so a view can never change anything. The transaction semantics are the core's
//! [`Transaction`] (the mock chain's too); this adds where the storage lives (the contract's table
//! in the store transaction), nested calls and fetches.

use std::cell::RefCell;
use std::rc::Rc;

use api_usage_billing::{Address, Event, Host};
use billing_chain_core::{Fault, Store, Transaction, Transfer};
use billing_vm::billing::VmHost;
use billing_vm::calls::{CallAnswer, FetchAnswer};

use crate::calls::World;
use crate::fetch::Fetch;
use crate::tables::{Mark, Table, Txn, DEPLOYED_STORAGE, STORAGE};
use crate::ChainError;

/// A point in a call's run ([`StoreTx::mark`]): what [`StoreTx::roll_back_to`] returns to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxMark {
    store: Mark,
    call: billing_chain_core::Mark,
}

/// One contract's storage in a store transaction, as the core's [`Store`].
pub(crate) struct Slots {
    /// Shared with the hosts of the nested calls this call makes (one store transaction for all).
    txn: Rc<Txn>,
    /// The contract whose storage this is.
    contract: Address,
    /// The store failed or a record is damaged: the call fails, and so does the command.
    broken: RefCell<Option<ChainError>>,
}

impl Slots {
    /// Where a storage key of this contract lives: the billing contract's own table keeps its keys
    /// as they are (older states), a deployed contract's keys follow its address.
    fn slot(&self, key: &[u8]) -> (Table, Vec<u8>) {
        if self.contract == billing_chain_core::CONTRACT {
            (STORAGE, key.to_vec())
        } else {
            let mut full = Vec::with_capacity(20 + key.len());
            full.extend_from_slice(&self.contract.0);
            full.extend_from_slice(key);
            (DEPLOYED_STORAGE, full)
        }
    }

    fn broke(&self, error: ChainError) {
        self.broken.borrow_mut().get_or_insert(error);
    }
}

impl Store for Slots {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let (table, key) = self.slot(key);
        match self.txn.get(table, &key) {
            Ok(value) => value,
            Err(error) => {
                self.broke(error);
                None
            }
        }
    }

    /// In a view (a read transaction) a write is the call's fault, so a nested call that writes
    /// during a view is refused, not taken for a success; any other failure breaks the store.
    fn set(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), Fault> {
        let (table, key) = self.slot(key);
        let written = match value {
            Some(value) => self.txn.put(table, &key, value),
            None => self.txn.remove(table, &key),
        };
        match written {
            Ok(()) => Ok(()),
            Err(ChainError::ReadOnly) => Err(Fault::ReadOnly),
            Err(error) => {
                self.broke(error);
                Ok(())
            }
        }
    }
}

/// One call's host: the contract's reads and writes go straight to the store transaction, and
/// vanish with it unless the call succeeds.
pub struct StoreTx {
    pub(crate) tx: Transaction<Slots>,
    /// The transaction's sender, however deep this call is.
    pub(crate) origin: Address,
    /// The other contracts and the outbound fetches this call may reach (none: a host that reaches
    /// nothing, as the mock chain's).
    pub(crate) world: Option<World>,
    /// The contracts on the call stack, this call's last: the top-level call is depth 1.
    pub(crate) stack: Vec<Address>,
    /// Every fetch of the transaction so far, nested calls' included (shared with them).
    pub(crate) fetches: Rc<RefCell<Vec<Fetch>>>,
}

impl StoreTx {
    pub(crate) fn new(
        txn: Txn,
        contract: Address,
        sender: Address,
        value: u128,
        timestamp: u64,
        spendable: u128,
    ) -> StoreTx {
        let slots = Slots { txn: Rc::new(txn), contract, broken: RefCell::new(None) };
        StoreTx {
            tx: Transaction::new(slots, sender, value, timestamp, spendable),
            origin: sender,
            world: None,
            stack: vec![contract],
            fetches: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// The same host, able to call the chain's other contracts and to fetch under its policy.
    pub(crate) fn in_world(self, world: World) -> StoreTx {
        StoreTx { world: Some(world), ..self }
    }

    /// The host of a nested call from this one to the contract at `to`: on the same store
    /// transaction and fetch record, with this call's contract as its sender and no value.
    pub(crate) fn nested(&self, to: Address, spendable: u128, world: World, stack: Vec<Address>) -> StoreTx {
        let slots = Slots { txn: Rc::clone(self.txn()), contract: to, broken: RefCell::new(None) };
        StoreTx {
            tx: Transaction::new(slots, self.contract(), 0, self.tx.block_timestamp(), spendable),
            origin: self.origin,
            world: Some(world),
            stack,
            fetches: Rc::clone(&self.fetches),
        }
    }

    /// The fetches made so far (the whole transaction's, at the top level).
    pub(crate) fn fetches(&self) -> Vec<Fetch> {
        self.fetches.borrow().clone()
    }

    /// The store transaction, shared with nested calls.
    pub(crate) fn txn(&self) -> &Rc<Txn> {
        &self.tx.store.txn
    }

    /// The contract this call runs: its storage, its balance.
    pub(crate) fn contract(&self) -> Address {
        self.tx.store.contract
    }

    /// The store's failure, if it failed (taken: the caller reports it).
    pub(crate) fn take_broken(&self) -> Option<ChainError> {
        self.tx.store.broken.borrow_mut().take()
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.tx.store.broken.borrow().is_some()
    }

    /// What fails the call as the chain's refusal, if anything does (taken).
    pub(crate) fn take_fault(&mut self) -> Option<Fault> {
        self.tx.effects.fault.take()
    }

    /// The call is over: its store transaction, events and transfers.
    pub(crate) fn into_parts(self) -> (Rc<Txn>, Vec<Event>, Vec<Transfer>) {
        let effects = self.tx.effects;
        (self.tx.store.txn, effects.events, effects.transfers)
    }

    /// The store transaction back once the call is over and no nested host holds it.
    pub(crate) fn into_txn(txn: Rc<Txn>) -> Result<Txn, ChainError> {
        Rc::try_unwrap(txn).map_err(|_| ChainError::Corrupt("a nested call outlived its transaction"))
    }

    /// What the contract may spend: its balance with the attached value, less what it sent.
    pub(crate) fn spendable(&self) -> u128 {
        self.tx.spendable()
    }

    /// This point of the call: its store writes, events, transfers and what the contract may spend.
    pub fn mark(&self) -> TxMark {
        TxMark { store: self.txn().mark(), call: self.tx.mark() }
    }

    /// Undoes everything done since `mark` (a nested call refused): every store write (storage,
    /// balances, events, counters, contract records), and the events, transfers and spending
    /// gathered in memory. A store that fails to undo breaks the call, as any store failure does.
    pub fn roll_back_to(&mut self, mark: TxMark) {
        if let Err(error) = self.txn().roll_back_to(mark.store) {
            self.broke(error);
        }
        self.tx.roll_back_to(mark.call);
    }

    /// Closes `mark` (a nested call returned): what it did stays, for an outer mark to undo.
    pub fn release(&mut self, mark: TxMark) {
        self.txn().release(mark.store);
    }

    pub(crate) fn broke(&self, error: ChainError) {
        self.tx.store.broke(error);
    }
}

impl VmHost for StoreTx {
    fn contract(&self) -> Address {
        StoreTx::contract(self)
    }

    fn self_balance(&self) -> u128 {
        self.tx.spendable()
    }

    fn origin(&self) -> Address {
        self.origin
    }

    fn call_contract(&mut self, to: &Address, method: &str, args: Vec<u8>, fuel: u64) -> (CallAnswer, u64) {
        crate::calls::call_contract(self, to, method, args, fuel)
    }

    fn http_get(&mut self, url: &str) -> FetchAnswer {
        crate::calls::http_get(self, url)
    }

    fn balance_of(&self, account: &Address) -> Option<u128> {
        match self.txn().balance(account) {
            Ok(balance) => Some(balance),
            Err(error) => {
                self.broke(error);
                None
            }
        }
    }

    fn storage_peek(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.tx.storage_peek(key)
    }
}

/// The core's semantics, as they are.
impl Host for StoreTx {
    fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.tx.storage_get(key)
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) {
        self.tx.storage_set(key, value)
    }

    fn storage_remove(&mut self, key: &[u8]) {
        self.tx.storage_remove(key)
    }

    fn block_timestamp(&self) -> u64 {
        self.tx.block_timestamp()
    }

    fn sender(&self) -> Address {
        self.tx.sender()
    }

    fn attached_value(&self) -> u128 {
        self.tx.attached_value()
    }

    fn send_value(&mut self, to: &Address, amount: u128) {
        self.tx.send_value(to, amount)
    }

    fn emit_event(&mut self, event: Event) {
        self.tx.emit_event(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::backends::InMemoryBackend;
    use redb::Database;

    #[test]
    fn rolling_back_a_nested_part_undoes_its_writes_events_transfers_and_spending() {
        let db = Database::builder().create_with_backend(InMemoryBackend::new()).unwrap();
        let txn = Txn::writing(db.begin_write().unwrap());
        let contract = billing_chain_core::CONTRACT;
        let mut host = StoreTx::new(txn, contract, Address([9; 20]), 0, 1, 100);
        host.storage_set(b"kept", b"1");
        host.emit_event(Event::new("Kept", []));
        host.send_value(&Address([5; 20]), 10);
        let mark = host.mark();

        host.storage_set(b"kept", b"2");
        host.storage_set(b"nested", b"3");
        host.storage_remove(b"kept");
        host.emit_event(Event::new("Nested", []));
        host.send_value(&Address([6; 20]), 30);
        assert_eq!(host.spendable(), 60);

        host.roll_back_to(mark);
        assert_eq!(host.storage_get(b"kept").as_deref(), Some(&b"1"[..]));
        assert_eq!(host.storage_get(b"nested"), None);
        assert_eq!(host.tx.effects.events, vec![Event::new("Kept", [])]);
        assert_eq!(host.tx.effects.transfers, vec![Transfer { to: Address([5; 20]), amount: 10 }]);
        assert_eq!(host.spendable(), 90);
        assert!(!host.is_broken());
        host.release(mark);
        assert_eq!(host.mark(), mark, "back where it was");
    }
}
