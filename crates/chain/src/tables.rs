//! The state file's tables and the small reads and writes on them (time, counters, balances).

use api_usage_billing::testing::CONTRACT;
use api_usage_billing::Address;
use redb::{ReadableTable, TableDefinition, WriteTransaction};

use crate::{ChainError, FAUCET_WEI};

pub(super) const STORAGE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("contract_storage");
/// Address (20 bytes) → balance (16 bytes, little-endian wei).
pub(super) const BALANCES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("balances");
/// Sequence number → event as calldata (`[name, [[field, value], ...]]`).
pub(super) const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
pub(super) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

pub(super) fn read_u64(txn: &WriteTransaction, key: &str) -> Result<Option<u64>, ChainError> {
    let meta = txn.open_table(META).map_err(ChainError::store)?;
    let value = meta.get(key).map_err(ChainError::store)?;
    value
        .map(|v| {
            v.value()
                .try_into()
                .map(u64::from_le_bytes)
                .map_err(|_| ChainError::Corrupt(format!("{key} record")))
        })
        .transpose()
}

pub(super) fn read_u128(txn: &WriteTransaction, key: &str) -> Result<Option<u128>, ChainError> {
    let meta = txn.open_table(META).map_err(ChainError::store)?;
    let value = meta.get(key).map_err(ChainError::store)?;
    value.map(|v| u128_of(v.value())).transpose()
}

pub(super) fn write_u64(txn: &WriteTransaction, key: &str, value: u64) -> Result<(), ChainError> {
    let mut meta = txn.open_table(META).map_err(ChainError::store)?;
    meta.insert(key, value.to_le_bytes().as_slice()).map_err(ChainError::store)?;
    Ok(())
}

pub(super) fn u128_of(bytes: &[u8]) -> Result<u128, ChainError> {
    bytes.try_into().map(u128::from_le_bytes).map_err(|_| ChainError::Corrupt("balance record".into()))
}

/// An account's balance; one never seen before holds the faucet's gift (the contract: nothing).
pub(super) fn balance(txn: &WriteTransaction, account: &Address) -> Result<u128, ChainError> {
    let table = txn.open_table(BALANCES).map_err(ChainError::store)?;
    let stored = table.get(account.0.as_slice()).map_err(ChainError::store)?;
    match stored {
        Some(bytes) => u128_of(bytes.value()),
        None if *account == CONTRACT => Ok(0),
        None => Ok(FAUCET_WEI),
    }
}

pub(super) fn set_balance(txn: &WriteTransaction, account: &Address, amount: u128) -> Result<(), ChainError> {
    let known = {
        let table = txn.open_table(BALANCES).map_err(ChainError::store)?;
        let known = table.get(account.0.as_slice()).map_err(ChainError::store)?.is_some();
        known
    };
    if !known && *account != CONTRACT {
        let minted = read_u128(txn, "minted")?.unwrap_or(0);
        let mut meta = txn.open_table(META).map_err(ChainError::store)?;
        let minted =
            minted.checked_add(FAUCET_WEI).ok_or(ChainError::Corrupt("the faucet ran dry".into()))?;
        meta.insert("minted", minted.to_le_bytes().as_slice()).map_err(ChainError::store)?;
    }
    let mut table = txn.open_table(BALANCES).map_err(ChainError::store)?;
    table.insert(account.0.as_slice(), amount.to_le_bytes().as_slice()).map_err(ChainError::store)?;
    Ok(())
}

pub(super) fn move_value(
    txn: &WriteTransaction,
    from: &Address,
    to: &Address,
    amount: u128,
) -> Result<(), ChainError> {
    let from_balance = balance(txn, from)?
        .checked_sub(amount)
        .ok_or(ChainError::Corrupt("a transfer beyond the balance".into()))?;
    set_balance(txn, from, from_balance)?;
    let to_balance =
        balance(txn, to)?.checked_add(amount).ok_or(ChainError::Corrupt("a balance beyond u128".into()))?;
    set_balance(txn, to, to_balance)
}
