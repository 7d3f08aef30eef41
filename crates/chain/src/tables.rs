//! The state file's tables, and every record in them sealed with a checksum of its table, key and
//! value, so a damaged record is found on read and named, never taken for a real one.

use api_usage_billing::testing::CONTRACT;
use api_usage_billing::Address;
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

/// A store transaction: a call's (read and write) or a view's (read only). One lives at a time, so
/// the write transaction's size does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Txn {
    Write(WriteTransaction),
    Read(ReadTransaction),
}

impl Txn {
    /// The value under `key`, checked.
    pub(crate) fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, ChainError> {
        let sealed = match self {
            Txn::Write(txn) => {
                let opened = txn.open_table(table).map_err(ChainError::store)?;
                let found = opened.get(key).map_err(ChainError::store)?.map(|v| v.value().to_vec());
                found
            }
            Txn::Read(txn) => match txn.open_table(table) {
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
            table: &Table,
            opened: &impl ReadableTable<&'static [u8], &'static [u8]>,
        ) -> Result<Entries, ChainError> {
            let mut out = Vec::new();
            for entry in opened.iter().map_err(ChainError::store)? {
                let (key, sealed) = entry.map_err(ChainError::store)?;
                let key = key.value().to_vec();
                let value = unseal(table, &key, sealed.value())?;
                out.push((key, value));
            }
            Ok(out)
        }
        match self {
            Txn::Write(txn) => collect(&table, &txn.open_table(table).map_err(ChainError::store)?),
            Txn::Read(txn) => match txn.open_table(table) {
                Ok(opened) => collect(&table, &opened),
                Err(TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
                Err(e) => Err(ChainError::store(e)),
            },
        }
    }

    pub(crate) fn write(&self) -> Result<&WriteTransaction, ChainError> {
        match self {
            Txn::Write(txn) => Ok(txn),
            Txn::Read(_) => Err(ChainError::ReadOnly),
        }
    }

    pub(crate) fn put(&self, table: Table, key: &[u8], value: &[u8]) -> Result<(), ChainError> {
        let mut opened = self.write()?.open_table(table).map_err(ChainError::store)?;
        opened.insert(key, seal(&table, key, value).as_slice()).map_err(ChainError::store)?;
        Ok(())
    }

    pub(crate) fn remove(&self, table: Table, key: &[u8]) -> Result<(), ChainError> {
        let mut opened = self.write()?.open_table(table).map_err(ChainError::store)?;
        opened.remove(key).map_err(ChainError::store)?;
        Ok(())
    }

    /// The key after the last one of `table` (event sequence numbers).
    pub(crate) fn next_sequence(&self, table: Table) -> Result<u64, ChainError> {
        let opened = self.write()?.open_table(table).map_err(ChainError::store)?;
        let last = opened.last().map_err(ChainError::store)?;
        match last {
            None => Ok(0),
            Some((key, _)) => {
                let bytes: [u8; 8] =
                    key.value().try_into().map_err(|_| ChainError::Corrupt("event sequence key".into()))?;
                Ok(u64::from_be_bytes(bytes).saturating_add(1))
            }
        }
    }

    pub(crate) fn read_u64(&self, key: &str) -> Result<Option<u64>, ChainError> {
        self.get(META, key.as_bytes())?
            .map(|v| {
                v.try_into().map(u64::from_le_bytes).map_err(|_| ChainError::Corrupt(format!("{key} record")))
            })
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
            let minted =
                minted.checked_add(FAUCET_WEI).ok_or(ChainError::Corrupt("the faucet ran dry".into()))?;
            self.put(META, b"minted", &minted.to_le_bytes())?;
        }
        self.put(BALANCES, &account.0, &amount.to_le_bytes())
    }

    /// Adds `amount` to `account`, minted by the local network's faucet; the new balance.
    pub(crate) fn mint(&self, account: &Address, amount: u128) -> Result<u128, ChainError> {
        let funded = self
            .balance(account)?
            .checked_add(amount)
            .ok_or(ChainError::Corrupt("a balance beyond u128".into()))?;
        self.set_balance(account, funded)?;
        let minted = self.read_u128("minted")?.unwrap_or(0);
        let minted = minted.checked_add(amount).ok_or(ChainError::Corrupt("the faucet ran dry".into()))?;
        self.put(META, b"minted", &minted.to_le_bytes())?;
        Ok(funded)
    }

    pub(crate) fn move_value(&self, from: &Address, to: &Address, amount: u128) -> Result<(), ChainError> {
        let from_balance = self
            .balance(from)?
            .checked_sub(amount)
            .ok_or(ChainError::Corrupt("a transfer beyond the balance".into()))?;
        self.set_balance(from, from_balance)?;
        let to_balance = self
            .balance(to)?
            .checked_add(amount)
            .ok_or(ChainError::Corrupt("a balance beyond u128".into()))?;
        self.set_balance(to, to_balance)
    }

    pub(crate) fn commit(self) -> Result<(), ChainError> {
        match self {
            Txn::Write(txn) => txn.commit().map_err(ChainError::store),
            Txn::Read(_) => Ok(()),
        }
    }

    pub(crate) fn abort(self) -> Result<(), ChainError> {
        match self {
            Txn::Write(txn) => txn.abort().map_err(ChainError::store),
            Txn::Read(_) => Ok(()),
        }
    }
}

pub(crate) fn u128_of(bytes: &[u8]) -> Result<u128, ChainError> {
    bytes.try_into().map(u128::from_le_bytes).map_err(|_| ChainError::Corrupt("balance record".into()))
}

/// Opens a read transaction on `db`.
pub(crate) fn begin_read(db: &redb::Database) -> Result<Txn, ChainError> {
    db.begin_read().map(Txn::Read).map_err(ChainError::store)
}

#[cfg(test)]
mod tests {
    use super::*;

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
