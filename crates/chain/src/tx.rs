//! One call's host over the store's write transaction.

use std::cell::RefCell;

use api_usage_billing::testing::Transfer;
use api_usage_billing::{Address, Event, Host};
use redb::{ReadableTable, WriteTransaction};

use crate::tables::{balance, STORAGE};
use billing_vm::billing::VmHost;

/// One call's host over the store's write transaction: the contract's reads and writes go straight to
/// it, and vanish with it unless the call succeeds.
pub struct StoreTx {
    pub(super) txn: WriteTransaction,
    pub(super) sender: Address,
    pub(super) value: u128,
    pub(super) timestamp: u64,
    spendable: u128,
    pub(super) events: Vec<Event>,
    pub(super) transfers: Vec<Transfer>,
    /// A store error or an impossible transfer: the call fails as a whole.
    pub(super) fault: RefCell<Option<String>>,
}

impl StoreTx {
    pub(super) fn new(
        txn: WriteTransaction,
        sender: Address,
        value: u128,
        timestamp: u64,
        spendable: u128,
    ) -> StoreTx {
        StoreTx {
            txn,
            sender,
            value,
            timestamp,
            spendable,
            events: vec![],
            transfers: vec![],
            fault: RefCell::new(None),
        }
    }

    fn fail(&self, what: impl std::fmt::Display) {
        self.fault.borrow_mut().get_or_insert_with(|| what.to_string());
    }
}

impl VmHost for StoreTx {
    fn self_balance(&self) -> u128 {
        self.spendable
    }

    fn balance_of(&self, account: &Address) -> Option<u128> {
        balance(&self.txn, account).ok()
    }

    fn storage_peek(&self, key: &[u8]) -> Option<Vec<u8>> {
        let table = match self.txn.open_table(STORAGE) {
            Ok(table) => table,
            Err(e) => {
                self.fail(e);
                return None;
            }
        };
        let value = match table.get(key) {
            Ok(value) => value.map(|v| v.value().to_vec()),
            Err(e) => {
                self.fail(e);
                None
            }
        };
        value
    }
}

impl Host for StoreTx {
    fn storage_get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.storage_peek(key)
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) {
        let written = self
            .txn
            .open_table(STORAGE)
            .and_then(|mut table| table.insert(key, value).map(|_| ()).map_err(Into::into));
        if let Err(e) = written {
            self.fail(e);
        }
    }

    fn storage_remove(&mut self, key: &[u8]) {
        let removed = self
            .txn
            .open_table(STORAGE)
            .and_then(|mut table| table.remove(key).map(|_| ()).map_err(Into::into));
        if let Err(e) = removed {
            self.fail(e);
        }
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
                self.transfers.push(Transfer { to: *to, amount });
            }
            None => self.fail("the contract sent more than it holds"),
        }
    }

    fn emit_event(&mut self, event: Event) {
        self.events.push(event);
    }
}
