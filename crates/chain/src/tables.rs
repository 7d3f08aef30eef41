//! The state file's tables, and every record in them sealed with a checksum of its table, key and
//! value, so a damaged record is found on read and named, never taken for a real one.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use api_usage_billing::{Address, Event};
use billing_chain_core::CONTRACT;
use redb::{
    ReadTransaction, ReadableDatabase as _, ReadableTable, TableDefinition, TableError, TableHandle,
    WriteTransaction,
};

use crate::{ChainError, FAUCET_WEI};

/// Every table maps bytes to a sealed value.
pub(crate) type Table = TableDefinition<'static, &'static [u8], &'static [u8]>;

/// Contract storage: the contract's key → its value.
pub(crate) const STORAGE: Table = TableDefinition::new("contract_storage");
/// Address (20 bytes) → balance (16 bytes, little-endian wei).
pub(crate) const BALANCES: Table = TableDefinition::new("balances");
/// Sequence number (8 bytes, big-endian, so they sort) → event as calldata (`[name, [[field, value], ...]]`).
pub(crate) const EVENTS: Table = TableDefinition::new("events");
/// A deployed contract's address (20 bytes) ‖ its key → its value (the billing contract's are in
/// [`STORAGE`]).
pub(crate) const DEPLOYED_STORAGE: Table = TableDefinition::new("deployed_storage");
/// A deployed contract's address (20 bytes) → its interface (`b` billing, `g` GenVM) ‖ its code.
pub(crate) const CONTRACTS: Table = TableDefinition::new("contracts");
/// Sender (20 bytes) → how many contracts it has deployed (8 bytes LE): the next address's seed.
pub(crate) const DEPLOYS: Table = TableDefinition::new("deploy_counts");
/// `format`, `abi`, `now`, `calls`, `minted`.
pub(crate) const META: Table = TableDefinition::new("meta");

/// Sender address (20 bytes) → the nonce its next transaction must carry (8 bytes LE).
pub(crate) const NONCES: Table = TableDefinition::new("node_nonces");
/// EVM transaction hash (32 bytes) → the node's record of the transaction (opaque here).
pub(crate) const TXS: Table = TableDefinition::new("node_txs");
/// GenLayer transaction id (32 bytes) → the EVM hash it was sent under.
pub(crate) const IDS: Table = TableDefinition::new("node_ids");

/// Every table a state may hold: a name outside it is a damaged table directory (a flipped bit in a
/// name would otherwise read as an empty table) or another program's file.
pub(crate) const KNOWN: [Table; 10] =
    [STORAGE, BALANCES, EVENTS, DEPLOYED_STORAGE, CONTRACTS, DEPLOYS, META, NONCES, TXS, IDS];

/// The checksum appended to every value: CRC-32 of table name, key and value.
fn checksum(table: &Table, key: &[u8], value: &[u8]) -> [u8; 4] {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(table.name().as_bytes());
    hasher.update(&(key.len() as u32).to_le_bytes());
    hasher.update(key);
    hasher.update(value);
    hasher.finalize().to_le_bytes()
}

pub(crate) fn seal(table: &Table, key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut sealed = Vec::with_capacity(value.len() + 4);
    sealed.extend_from_slice(value);
    sealed.extend_from_slice(&checksum(table, key, value));
    sealed
}

/// `key` as people read it in an error: text when it is text, hex otherwise.
fn key_text(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(text) if text.chars().all(|c| c.is_ascii_graphic()) => text.to_string(),
        _ => format!("0x{}", key.iter().map(|b| format!("{b:02x}")).collect::<String>()),
    }
}

pub(crate) fn unseal(table: &Table, key: &[u8], sealed: &[u8]) -> Result<Vec<u8>, ChainError> {
    let damaged = || ChainError::Damaged { table: table.name().to_string(), key: key_text(key) };
    let split = sealed.len().checked_sub(4).ok_or_else(damaged)?;
    let (value, sum) = sealed.split_at(split);
    if sum == checksum(table, key, value) {
        Ok(value.to_vec())
    } else {
        Err(damaged())
    }
}

/// Entries of a table, in key order.
pub(crate) type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Which redb transaction a [`Txn`] holds.
#[allow(clippy::large_enum_variant)]
enum Kind {
    Write(WriteTransaction),
    Read(ReadTransaction),
}

/// A record as a write transaction holds it: its sealed value now (`None`: absent), and whether
/// that differs from what the file holds (written back at the commit).
#[derive(Clone)]
struct Held {
    now: Option<Vec<u8>>,
    dirty: bool,
}

/// What one write replaced: the record as the transaction held it before (`table`: its place in
/// [`KNOWN`]).
struct Undo {
    table: usize,
    key: Vec<u8>,
    previous: Held,
}

/// An open mark ([`Txn::mark`]): rolling back to it undoes every write made since, until it is
/// released ([`Txn::release`]). Marks nest: a mark is open inside the ones taken before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    /// How many marks were open when it was taken.
    depth: usize,
    /// Where the undo log stood.
    at: usize,
}

/// One open mark's part of the undo log: the records it logged already, each once, since the
/// oldest value written after the mark is the one a rollback must restore.
struct Scope {
    at: usize,
    /// (the table's place in [`KNOWN`], key).
    logged: BTreeSet<(usize, Vec<u8>)>,
}

/// A store transaction: a call's (read and write) or a view's (read only). One lives at a time, so
/// the write transaction's size does not matter.
///
/// A write transaction keeps every record it has read or written in memory, by table, and writes
/// the changed ones to redb at its commit: each record costs one redb lookup per transaction (a
/// group of calls reads what the calls before it wrote from memory), and a table is opened once a
/// commit. Every write goes through [`Txn::put`] and [`Txn::remove`], which log what they replaced, so part
/// of an open write transaction can be undone ([`Txn::roll_back_to`]) while the rest stays to be
/// committed: redb's own savepoints refuse a transaction that has written already. A record is
/// logged once per open mark, and nothing is logged while no mark is open (aborting undoes that),
/// so rewriting a key in a loop does not grow the log.
pub(crate) struct Txn {
    kind: Kind,
    undo: RefCell<Vec<Undo>>,
    scopes: RefCell<Vec<Scope>>,
    /// Per table of [`KNOWN`], the records held (write transactions only).
    held: RefCell<Vec<BTreeMap<Vec<u8>, Held>>>,
}

/// Where `table` is in [`KNOWN`].
fn table_index(table: &Table) -> Result<usize, ChainError> {
    KNOWN
        .iter()
        .position(|known| known.name() == table.name())
        .ok_or_else(|| ChainError::NotATable(table.name().to_string()))
}

impl Txn {
    /// A transaction that may write.
    pub(crate) fn writing(txn: WriteTransaction) -> Txn {
        Txn::of(Kind::Write(txn))
    }

    /// A transaction that only reads.
    pub(crate) fn reading(txn: ReadTransaction) -> Txn {
        Txn::of(Kind::Read(txn))
    }

    fn of(kind: Kind) -> Txn {
        Txn {
            kind,
            undo: RefCell::new(Vec::new()),
            scopes: RefCell::new(Vec::new()),
            held: RefCell::new(KNOWN.iter().map(|_| BTreeMap::new()).collect()),
        }
    }

    /// The sealed record under `key` as this write transaction holds it, read from the file the
    /// first time.
    fn held(
        &self,
        txn: &WriteTransaction,
        table: Table,
        index: usize,
        key: &[u8],
    ) -> Result<Held, ChainError> {
        if let Some(held) = self.held.borrow().get(index).and_then(|records| records.get(key)) {
            return Ok(held.clone());
        }
        let opened = txn.open_table(table).map_err(ChainError::store)?;
        let now = opened.get(key).map_err(ChainError::store)?.map(|v| v.value().to_vec());
        let held = Held { now, dirty: false };
        if let Some(records) = self.held.borrow_mut().get_mut(index) {
            records.insert(key.to_vec(), held.clone());
        }
        Ok(held)
    }

    /// The value under `key`, checked.
    pub(crate) fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, ChainError> {
        let sealed = match &self.kind {
            Kind::Write(txn) => self.held(txn, table, table_index(&table)?, key)?.now,
            Kind::Read(txn) => match txn.open_table(table) {
                Ok(opened) => opened.get(key).map_err(ChainError::store)?.map(|v| v.value().to_vec()),
                Err(TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(ChainError::store(e)),
            },
        };
        sealed.map(|sealed| unseal(&table, key, &sealed)).transpose()
    }

    /// Every entry of `table` in key order, checked.
    pub(crate) fn entries(&self, table: Table) -> Result<Entries, ChainError> {
        fn collect(
            opened: &impl ReadableTable<&'static [u8], &'static [u8]>,
        ) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, ChainError> {
            let mut out = BTreeMap::new();
            for entry in opened.iter().map_err(ChainError::store)? {
                let (key, sealed) = entry.map_err(ChainError::store)?;
                out.insert(key.value().to_vec(), sealed.value().to_vec());
            }
            Ok(out)
        }
        let sealed = match &self.kind {
            Kind::Write(txn) => {
                let mut sealed = collect(&txn.open_table(table).map_err(ChainError::store)?)?;
                if let Some(records) = self.held.borrow().get(table_index(&table)?) {
                    for (key, held) in records {
                        match &held.now {
                            Some(value) => sealed.insert(key.clone(), value.clone()),
                            None => sealed.remove(key),
                        };
                    }
                }
                sealed
            }
            Kind::Read(txn) => match txn.open_table(table) {
                Ok(opened) => collect(&opened)?,
                Err(TableError::TableDoesNotExist(_)) => BTreeMap::new(),
                Err(e) => return Err(ChainError::store(e)),
            },
        };
        sealed.into_iter().map(|(key, sealed)| Ok((key.clone(), unseal(&table, &key, &sealed)?))).collect()
    }

    /// A view's transaction: every write is refused.
    pub(crate) fn is_read_only(&self) -> bool {
        matches!(self.kind, Kind::Read(_))
    }

    pub(crate) fn write(&self) -> Result<&WriteTransaction, ChainError> {
        match &self.kind {
            Kind::Write(txn) => Ok(txn),
            Kind::Read(_) => Err(ChainError::ReadOnly),
        }
    }

    /// Makes `now` the record under `key`, logging what it replaced (once per open mark).
    fn set(&self, table: Table, key: &[u8], now: Option<Vec<u8>>) -> Result<(), ChainError> {
        let txn = self.write()?;
        let index = table_index(&table)?;
        let previous = self.held(txn, table, index, key)?;
        if let Some(records) = self.held.borrow_mut().get_mut(index) {
            records.insert(key.to_vec(), Held { now, dirty: true });
        }
        if self.first_since_mark(index, key) {
            self.undo.borrow_mut().push(Undo { table: index, key: key.to_vec(), previous });
        }
        Ok(())
    }

    /// Stores `value` (sealed) under `key`, logging what it replaced.
    pub(crate) fn put(&self, table: Table, key: &[u8], value: &[u8]) -> Result<(), ChainError> {
        self.set(table, key, Some(seal(&table, key, value)))
    }

    /// Removes the record under `key` (if any), logging what it was.
    pub(crate) fn remove(&self, table: Table, key: &[u8]) -> Result<(), ChainError> {
        self.set(table, key, None)
    }

    /// Whether a write of `key` in the table at `index` of [`KNOWN`] is the first since the
    /// innermost open mark (so what it replaces must be logged); `false` with no mark open.
    fn first_since_mark(&self, index: usize, key: &[u8]) -> bool {
        match self.scopes.borrow_mut().last_mut() {
            Some(scope) => scope.logged.insert((index, key.to_vec())),
            None => false,
        }
    }

    /// Opens a mark here: [`Txn::roll_back_to`] it undoes what is written after, until
    /// [`Txn::release`] closes it.
    pub(crate) fn mark(&self) -> Mark {
        let at = self.undo.borrow().len();
        let mut scopes = self.scopes.borrow_mut();
        scopes.push(Scope { at, logged: BTreeSet::new() });
        Mark { depth: scopes.len() - 1, at }
    }

    /// Whether `mark` is still open.
    fn is_open(&self, mark: Mark) -> bool {
        self.scopes.borrow().get(mark.depth).is_some_and(|scope| scope.at == mark.at)
    }

    /// Closes `mark` (and any still open inside it): what was written since stays, to be undone by
    /// an outer mark or, with none open, by aborting. A closed mark is not closed again.
    pub(crate) fn release(&self, mark: Mark) {
        if !self.is_open(mark) {
            return;
        }
        let mut scopes = self.scopes.borrow_mut();
        let closed = scopes.split_off(mark.depth);
        match scopes.last_mut() {
            // What the closed marks logged, the outer one has logged too.
            Some(outer) => closed.into_iter().for_each(|scope| outer.logged.extend(scope.logged)),
            None => self.undo.borrow_mut().clear(),
        }
    }

    /// Undoes every write made since `mark`, newest first, so each record holds again the bytes it
    /// held at the mark (or is absent again); the mark stays open, the ones inside it close.
    pub(crate) fn roll_back_to(&self, mark: Mark) -> Result<(), ChainError> {
        if !self.is_open(mark) {
            return Err(ChainError::Corrupt("a rollback to a released mark"));
        }
        {
            let mut scopes = self.scopes.borrow_mut();
            scopes.truncate(mark.depth.saturating_add(1));
            if let Some(scope) = scopes.last_mut() {
                scope.logged.clear();
            }
        }
        let undone = {
            let mut undo = self.undo.borrow_mut();
            let from = mark.at.min(undo.len());
            undo.split_off(from)
        };
        let mut held = self.held.borrow_mut();
        for entry in undone.into_iter().rev() {
            if let Some(records) = held.get_mut(entry.table) {
                records.insert(entry.key, entry.previous);
            }
        }
        Ok(())
    }

    /// The key after the last one of `table` (event sequence numbers).
    pub(crate) fn next_sequence(&self, table: Table) -> Result<u64, ChainError> {
        let txn = self.write()?;
        let held = self.held.borrow();
        let records = held.get(table_index(&table)?);
        // The last key the transaction holds a record under, and the file's last that it has not
        // removed.
        let mut last = records
            .and_then(|records| records.iter().rev().find(|(_, held)| held.now.is_some()))
            .map(|(key, _)| key.clone());
        let opened = txn.open_table(table).map_err(ChainError::store)?;
        for entry in opened.iter().map_err(ChainError::store)?.rev() {
            let (key, _) = entry.map_err(ChainError::store)?;
            let key = key.value();
            if records.and_then(|records| records.get(key)).is_some_and(|held| held.now.is_none()) {
                continue;
            }
            if last.as_deref().is_none_or(|held_last| key > held_last) {
                last = Some(key.to_vec());
            }
            break;
        }
        match last {
            None => Ok(0),
            Some(key) => {
                let bytes: [u8; 8] = key.try_into().map_err(|_| ChainError::Corrupt("event sequence key"))?;
                Ok(u64::from_be_bytes(bytes).saturating_add(1))
            }
        }
    }

    pub(crate) fn read_u64(&self, key: &'static str) -> Result<Option<u64>, ChainError> {
        self.get(META, key.as_bytes())?
            .map(|v| v.try_into().map(u64::from_le_bytes).map_err(|_| ChainError::BadRecord(key)))
            .transpose()
    }

    pub(crate) fn read_u128(&self, key: &str) -> Result<Option<u128>, ChainError> {
        self.get(META, key.as_bytes())?.map(|v| u128_of(&v)).transpose()
    }

    pub(crate) fn write_u64(&self, key: &str, value: u64) -> Result<(), ChainError> {
        self.put(META, key.as_bytes(), &value.to_le_bytes())
    }

    /// An account's balance; one never seen before holds the faucet's gift (the contract: nothing).
    pub(crate) fn balance(&self, account: &Address) -> Result<u128, ChainError> {
        match self.get(BALANCES, &account.0)? {
            Some(bytes) => u128_of(&bytes),
            None if *account == CONTRACT => Ok(0),
            None => Ok(FAUCET_WEI),
        }
    }

    /// A contract's balance: an address the chain has not seen holds nothing (no faucet gift).
    pub(crate) fn contract_balance(&self, account: &Address) -> Result<u128, ChainError> {
        self.get(BALANCES, &account.0)?.map_or(Ok(0), |bytes| u128_of(&bytes))
    }

    /// Opens a new contract's account at zero (the faucet gives contracts nothing).
    pub(crate) fn open_contract_account(&self, account: &Address) -> Result<(), ChainError> {
        if self.get(BALANCES, &account.0)?.is_none() {
            self.put(BALANCES, &account.0, &0u128.to_le_bytes())?;
        }
        Ok(())
    }

    fn set_balance(&self, account: &Address, amount: u128) -> Result<(), ChainError> {
        let known = self.get(BALANCES, &account.0)?.is_some();
        if !known && *account != CONTRACT {
            let minted = self.read_u128("minted")?.unwrap_or(0);
            let minted = minted.checked_add(FAUCET_WEI).ok_or(ChainError::Corrupt("the faucet ran dry"))?;
            self.put(META, b"minted", &minted.to_le_bytes())?;
        }
        self.put(BALANCES, &account.0, &amount.to_le_bytes())
    }

    /// Adds `amount` to `account`, minted by the local network's faucet; the new balance.
    pub(crate) fn mint(&self, account: &Address, amount: u128) -> Result<u128, ChainError> {
        let funded =
            self.balance(account)?.checked_add(amount).ok_or(ChainError::Corrupt("a balance beyond u128"))?;
        self.set_balance(account, funded)?;
        let minted = self.read_u128("minted")?.unwrap_or(0);
        let minted = minted.checked_add(amount).ok_or(ChainError::Corrupt("the faucet ran dry"))?;
        self.put(META, b"minted", &minted.to_le_bytes())?;
        Ok(funded)
    }

    pub(crate) fn move_value(&self, from: &Address, to: &Address, amount: u128) -> Result<(), ChainError> {
        let from_balance = self
            .balance(from)?
            .checked_sub(amount)
            .ok_or(ChainError::Corrupt("a transfer beyond the balance"))?;
        self.set_balance(from, from_balance)?;
        let to_balance =
            self.balance(to)?.checked_add(amount).ok_or(ChainError::Corrupt("a balance beyond u128"))?;
        self.set_balance(to, to_balance)
    }

    /// Writes the records this transaction changed to redb, each table opened once, and commits.
    pub(crate) fn commit(self) -> Result<(), ChainError> {
        let Kind::Write(txn) = self.kind else { return Ok(()) };
        for (table, records) in KNOWN.iter().zip(self.held.into_inner()) {
            let mut changed = records.into_iter().filter(|(_, held)| held.dirty).peekable();
            if changed.peek().is_none() {
                continue;
            }
            let mut opened = txn.open_table(*table).map_err(ChainError::store)?;
            for (key, held) in changed {
                match held.now {
                    Some(sealed) => {
                        drop(opened.insert(key.as_slice(), sealed.as_slice()).map_err(ChainError::store)?)
                    }
                    None => drop(opened.remove(key.as_slice()).map_err(ChainError::store)?),
                }
            }
        }
        txn.commit().map_err(ChainError::store)
    }

    pub(crate) fn abort(self) -> Result<(), ChainError> {
        match self.kind {
            Kind::Write(txn) => txn.abort().map_err(ChainError::store),
            Kind::Read(_) => Ok(()),
        }
    }
}

/// The store's balances, for the core's settlement of a call.
impl billing_chain_core::Ledger for &Txn {
    type Error = ChainError;

    fn move_value(&mut self, from: &Address, to: &Address, amount: u128) -> Result<(), ChainError> {
        Txn::move_value(self, from, to, amount)
    }
}

/// The store's event log and call count, for the core's commit step.
impl billing_chain_core::Books for &Txn {
    fn log_events(&mut self, events: &[Event]) -> Result<(), ChainError> {
        let first = self.next_sequence(EVENTS)?;
        for (seq, event) in (first..).zip(events) {
            self.put(EVENTS, &seq.to_be_bytes(), &api_usage_billing::calldata::encode(&event.to_value()))?;
        }
        Ok(())
    }

    fn count_call(&mut self) -> Result<(), ChainError> {
        let calls = self.read_u64("calls")?.unwrap_or(0);
        self.write_u64("calls", calls.saturating_add(1))
    }
}

pub(crate) fn u128_of(bytes: &[u8]) -> Result<u128, ChainError> {
    bytes.try_into().map(u128::from_le_bytes).map_err(|_| ChainError::Corrupt("balance record"))
}

/// Opens a read transaction on `db`.
pub(crate) fn begin_read(db: &redb::Database) -> Result<Txn, ChainError> {
    db.begin_read().map(Txn::reading).map_err(ChainError::store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::backends::InMemoryBackend;
    use redb::Database;

    fn memory_db() -> Database {
        Database::builder().create_with_backend(InMemoryBackend::new()).unwrap()
    }

    /// Every record of the tables a call writes, as the transaction holds them.
    fn raw(txn: &Txn) -> Vec<(String, Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        for table in [STORAGE, BALANCES, EVENTS, DEPLOYED_STORAGE, CONTRACTS, DEPLOYS, META] {
            for (key, value) in txn.entries(table).unwrap() {
                out.push((table.name().to_string(), key, value));
            }
        }
        out
    }

    #[test]
    fn rolling_back_to_a_mark_restores_every_record_byte_for_byte() {
        let db = memory_db();
        let txn = Txn::writing(db.begin_write().unwrap());
        txn.put(STORAGE, b"kept", b"one").unwrap();
        txn.put(STORAGE, b"overwritten", b"old").unwrap();
        txn.put(STORAGE, b"removed", b"here").unwrap();
        txn.put(BALANCES, &[1; 20], &7u128.to_le_bytes()).unwrap();
        txn.write_u64("calls", 3).unwrap();
        let before = raw(&txn);
        let mark = txn.mark();

        txn.put(STORAGE, b"overwritten", b"new").unwrap();
        txn.put(STORAGE, b"overwritten", b"newer").unwrap();
        txn.remove(STORAGE, b"removed").unwrap();
        txn.remove(STORAGE, b"never there").unwrap();
        txn.put(STORAGE, b"added", b"x").unwrap();
        txn.remove(STORAGE, b"added").unwrap();
        txn.put(STORAGE, b"added too", b"y").unwrap();
        txn.move_value(&Address([1; 20]), &Address([2; 20]), 5).unwrap();
        txn.put(EVENTS, &0u64.to_be_bytes(), b"event").unwrap();
        txn.write_u64("calls", 4).unwrap();
        txn.put(CONTRACTS, &[3; 20], b"bcode").unwrap();
        txn.put(DEPLOYS, &[1; 20], &1u64.to_le_bytes()).unwrap();
        txn.put(DEPLOYED_STORAGE, b"slot", b"z").unwrap();
        assert_ne!(raw(&txn), before);

        txn.roll_back_to(mark).unwrap();
        assert_eq!(raw(&txn), before);
        assert_eq!(txn.next_sequence(EVENTS).unwrap(), 0, "the event is gone");
        assert_eq!(txn.get(STORAGE, b"overwritten").unwrap().as_deref(), Some(&b"old"[..]));
        assert_eq!(txn.balance(&Address([2; 20])).unwrap(), FAUCET_WEI, "an account never seen again");
        assert_eq!(txn.read_u128("minted").unwrap(), None, "the faucet's gift is undone too");

        // What committed is what was there at the mark.
        txn.commit().unwrap();
        let read = begin_read(&db).unwrap();
        assert_eq!(read.get(STORAGE, b"removed").unwrap().as_deref(), Some(&b"here"[..]));
        assert_eq!(read.get(STORAGE, b"added too").unwrap(), None);
        assert_eq!(read.read_u64("calls").unwrap(), Some(3));
    }

    #[test]
    fn sequence_numbers_follow_the_file_and_the_transaction_and_a_commit_writes_every_change() {
        let db = memory_db();
        let txn = Txn::writing(db.begin_write().unwrap());
        for seq in 0..3u64 {
            assert_eq!(txn.next_sequence(EVENTS).unwrap(), seq);
            txn.put(EVENTS, &seq.to_be_bytes(), b"e").unwrap();
        }
        txn.put(STORAGE, b"gone", b"x").unwrap();
        txn.commit().unwrap();
        let txn = Txn::writing(db.begin_write().unwrap());
        assert_eq!(txn.next_sequence(EVENTS).unwrap(), 3, "from the file");
        let mark = txn.mark();
        txn.put(EVENTS, &3u64.to_be_bytes(), b"e").unwrap();
        assert_eq!(txn.next_sequence(EVENTS).unwrap(), 4, "from the transaction");
        txn.roll_back_to(mark).unwrap();
        assert_eq!(txn.next_sequence(EVENTS).unwrap(), 3);
        txn.remove(EVENTS, &2u64.to_be_bytes()).unwrap();
        assert_eq!(txn.next_sequence(EVENTS).unwrap(), 2, "the file's last, removed here");
        txn.remove(STORAGE, b"gone").unwrap();
        txn.put(STORAGE, b"new", b"y").unwrap();
        txn.commit().unwrap();
        let read = begin_read(&db).unwrap();
        assert_eq!(read.entries(EVENTS).unwrap().len(), 2);
        assert_eq!(read.entries(STORAGE).unwrap(), vec![(b"new".to_vec(), b"y".to_vec())]);
    }

    #[test]
    fn marks_nest_and_a_rollback_keeps_what_came_before_its_mark() {
        let db = memory_db();
        let txn = Txn::writing(db.begin_write().unwrap());
        let outer = txn.mark();
        txn.put(STORAGE, b"a", b"1").unwrap();
        let after_a = raw(&txn);
        let inner = txn.mark();
        txn.put(STORAGE, b"a", b"2").unwrap();
        txn.put(STORAGE, b"b", b"3").unwrap();
        txn.roll_back_to(inner).unwrap();
        assert_eq!(raw(&txn), after_a);
        txn.roll_back_to(inner).unwrap();
        assert_eq!(raw(&txn), after_a, "rolling back twice undoes nothing more");
        txn.put(STORAGE, b"c", b"4").unwrap();
        txn.roll_back_to(outer).unwrap();
        assert!(raw(&txn).is_empty());
    }

    impl Txn {
        fn logged(&self) -> usize {
            self.undo.borrow().len()
        }
    }

    #[test]
    fn a_record_is_logged_once_per_open_mark_and_never_with_none_open() {
        let db = memory_db();
        let txn = Txn::writing(db.begin_write().unwrap());
        let big = vec![7u8; 4096];
        for _ in 0..1000 {
            txn.put(STORAGE, b"k", &big).unwrap();
        }
        txn.remove(STORAGE, b"k").unwrap();
        assert_eq!(txn.logged(), 0, "no mark open: aborting is the only undo");
        txn.put(STORAGE, b"k", b"at the mark").unwrap();

        let outer = txn.mark();
        for _ in 0..1000 {
            txn.put(STORAGE, b"k", &big).unwrap();
            txn.remove(STORAGE, b"k").unwrap();
        }
        assert_eq!(txn.logged(), 1, "the value at the mark, once");
        let inner = txn.mark();
        for _ in 0..1000 {
            txn.put(STORAGE, b"k", &big).unwrap();
        }
        txn.put(STORAGE, b"other", b"x").unwrap();
        assert_eq!(txn.logged(), 3, "once more for the inner mark, and the other key");
        txn.release(inner);
        txn.put(STORAGE, b"k", b"after the inner mark").unwrap();
        txn.put(STORAGE, b"other", b"y").unwrap();
        assert_eq!(txn.logged(), 3, "the released mark's records count as the outer one's");

        txn.roll_back_to(outer).unwrap();
        assert_eq!(txn.get(STORAGE, b"k").unwrap().as_deref(), Some(&b"at the mark"[..]));
        assert_eq!(txn.get(STORAGE, b"other").unwrap(), None);
        txn.put(STORAGE, b"k", &big).unwrap();
        assert_eq!(txn.logged(), 1, "after a rollback the mark logs afresh");
        txn.roll_back_to(outer).unwrap();
        assert_eq!(txn.get(STORAGE, b"k").unwrap().as_deref(), Some(&b"at the mark"[..]));
        txn.release(outer);
        assert_eq!(txn.logged(), 0, "no mark open: the log is let go");
        assert!(txn.roll_back_to(outer).is_err(), "a released mark cannot be returned to");
    }

    #[test]
    fn a_read_transaction_refuses_writes_and_has_nothing_to_roll_back() {
        let db = memory_db();
        Txn::writing(db.begin_write().unwrap()).commit().unwrap();
        let read = begin_read(&db).unwrap();
        let mark = read.mark();
        assert!(matches!(read.put(STORAGE, b"a", b"1"), Err(ChainError::ReadOnly)));
        read.roll_back_to(mark).unwrap();
    }

    #[test]
    fn a_sealed_record_opens_and_any_changed_bit_is_found() {
        let sealed = seal(&BALANCES, &[7; 20], &5u128.to_le_bytes());
        assert_eq!(unseal(&BALANCES, &[7; 20], &sealed).unwrap(), 5u128.to_le_bytes());
        for bit in 0..sealed.len() * 8 {
            let mut flipped = sealed.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(unseal(&BALANCES, &[7; 20], &flipped).is_err(), "bit {bit}");
        }
        assert!(unseal(&BALANCES, &[8; 20], &sealed).is_err(), "another key's record");
        assert!(unseal(&STORAGE, &[7; 20], &sealed).is_err(), "another table's record");
        assert!(unseal(&BALANCES, &[7; 20], &[1, 2]).is_err(), "too short");
    }
}
