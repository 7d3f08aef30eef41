//! What the JSON-RPC node (crates/rpc) needs from the chain: per-sender nonces, transactions by
//! EVM hash and by GenLayer id with their records, a block counter, funding and the clock, each
//! signed transaction applied together with its bookkeeping in one store transaction.

use api_usage_billing::testing::{Outcome, Refusal, CONTRACT, GENESIS_TIME};
use api_usage_billing::{calldata, Address, Value};
use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableError, WriteTransaction};

use crate::tables::{balance, move_value, read_u128, read_u64, set_balance, write_u64, EVENTS, META};
use crate::{CallReport, Chain, ChainError, StoreTx};

/// Sender address (20 bytes) → the nonce its next transaction must carry.
const NONCES: TableDefinition<&[u8], u64> = TableDefinition::new("node_nonces");
/// EVM transaction hash (32 bytes) → the node's record of the transaction (opaque here).
const TXS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("node_txs");
/// GenLayer transaction id (32 bytes) → the EVM hash it was sent under.
const IDS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("node_ids");
/// Meta key of the node's block counter: one block per transaction.
const BLOCKS: &str = "node_blocks";

/// One signed transaction, as the node hands it to the chain.
pub struct Submission<'a> {
    pub sender: Address,
    pub nonce: u64,
    pub value: u128,
    /// Block time for the call; earlier than the chain's time means the chain's time.
    pub at: u64,
    /// The method and its arguments; `None` runs nothing (a deploy of the code already deployed).
    pub call: Option<(&'a str, &'a [Value])>,
    pub hash: [u8; 32],
    pub id: [u8; 32],
}

/// What became of a submission.
pub enum Submitted {
    /// Recorded under its block number, whether the contract accepted it or refused it.
    Applied { report: CallReport, block: u64 },
    /// Not the sender's next nonce: nothing happened.
    WrongNonce { expected: u64 },
    /// This exact transaction was applied before: nothing happened again.
    Known,
}

fn store(e: impl std::fmt::Display) -> ChainError {
    ChainError::Store(e.to_string())
}

fn nonce_in(txn: &WriteTransaction, sender: &Address) -> Result<u64, ChainError> {
    let table = txn.open_table(NONCES).map_err(store)?;
    let nonce = table.get(sender.0.as_slice()).map_err(store)?.map_or(0, |v| v.value());
    Ok(nonce)
}

fn known_in(txn: &WriteTransaction, hash: &[u8; 32]) -> Result<bool, ChainError> {
    let table = txn.open_table(TXS).map_err(store)?;
    let known = table.get(hash.as_slice()).map_err(store)?.is_some();
    Ok(known)
}

/// Why the submission cannot run, checked inside the transaction that would run it.
fn precheck(txn: &WriteTransaction, submission: &Submission<'_>) -> Result<Option<Submitted>, ChainError> {
    if known_in(txn, &submission.hash)? {
        return Ok(Some(Submitted::Known));
    }
    let expected = nonce_in(txn, &submission.sender)?;
    if expected != submission.nonce {
        return Ok(Some(Submitted::WrongNonce { expected }));
    }
    Ok(None)
}

/// The nonce, the block and the record, written in the transaction that applies the call.
fn book(
    txn: &WriteTransaction,
    submission: &Submission<'_>,
    report: &CallReport,
    record: &dyn Fn(&CallReport, u64) -> Vec<u8>,
) -> Result<u64, ChainError> {
    let block =
        read_u64(txn, BLOCKS)?.unwrap_or(0).checked_add(1).ok_or_else(|| store("block counter full"))?;
    write_u64(txn, BLOCKS, block)?;
    let next = submission.nonce.checked_add(1).ok_or_else(|| store("nonce space exhausted"))?;
    txn.open_table(NONCES).map_err(store)?.insert(submission.sender.0.as_slice(), next).map_err(store)?;
    txn.open_table(TXS)
        .map_err(store)?
        .insert(submission.hash.as_slice(), record(report, block).as_slice())
        .map_err(store)?;
    txn.open_table(IDS)
        .map_err(store)?
        .insert(submission.id.as_slice(), submission.hash.as_slice())
        .map_err(store)?;
    Ok(block)
}

impl Chain {
    /// Applies one signed transaction: checks it is new and carries the sender's next nonce, runs its
    /// call as [`Chain::call`] does, and stores `record(report, block)` under its hash and id. A call
    /// the contract refuses still uses its nonce and is recorded (its effects are not): that store
    /// transaction is separate from the aborted call, and either commits whole or not at all.
    pub fn submit(
        &self,
        submission: &Submission<'_>,
        record: &dyn Fn(&CallReport, u64) -> Vec<u8>,
    ) -> Result<Submitted, ChainError> {
        let txn = self.db.begin_write().map_err(store)?;
        if let Some(rejected) = precheck(&txn, submission)? {
            txn.abort().map_err(store)?;
            return Ok(rejected);
        }
        let now = read_u64(&txn, "now")?.unwrap_or(GENESIS_TIME);
        let timestamp = submission.at.max(now);
        let Some((method, args)) = submission.call else {
            let report = CallReport {
                outcome: Ok(Value::Null),
                events: vec![],
                transfers: vec![],
                fuel: 0,
                timestamp,
            };
            write_u64(&txn, "now", timestamp)?;
            let block = book(&txn, submission, &report, record)?;
            txn.commit().map_err(store)?;
            return Ok(Submitted::Applied { report, block });
        };
        let sender = submission.sender;
        let value = submission.value;
        let sender_balance = balance(&txn, &sender)?;
        let (outcome, fuel, txn) = if sender_balance < value {
            let refusal = Refusal::host(
                "insufficient_funds",
                &format!(
                    "{} holds {sender_balance} wei, less than the {value} wei attached",
                    sender.to_hex()
                ),
            );
            (Err(refusal), 0, Some(txn))
        } else {
            let spendable = balance(&txn, &CONTRACT)?.saturating_add(value);
            let host = StoreTx::new(txn, sender, value, timestamp, spendable);
            let (host, mut result, fuel) = self.engine.run(host, Some(method), args);
            if let Some(fault) = host.fault.borrow_mut().take() {
                result = Err(Refusal::host("host_fault", &fault));
            }
            if result.is_ok() {
                let StoreTx { txn, events, transfers, .. } = host;
                move_value(&txn, &sender, &CONTRACT, value)?;
                for transfer in &transfers {
                    move_value(&txn, &CONTRACT, &transfer.to, transfer.amount)?;
                }
                {
                    let mut log = txn.open_table(EVENTS).map_err(store)?;
                    let first = log.last().map_err(store)?.map_or(0, |(seq, _)| seq.value() + 1);
                    for (seq, event) in (first..).zip(&events) {
                        log.insert(seq, calldata::encode(&event.to_value()).as_slice()).map_err(store)?;
                    }
                }
                write_u64(&txn, "now", timestamp)?;
                let calls = read_u64(&txn, "calls")?.unwrap_or(0);
                write_u64(&txn, "calls", calls + 1)?;
                let report = CallReport { outcome: result, events, transfers, fuel, timestamp };
                let block = book(&txn, submission, &report, record)?;
                txn.commit().map_err(store)?;
                return Ok(Submitted::Applied { report, block });
            }
            host.txn.abort().map_err(store)?;
            (result, fuel, None)
        };
        // Refused: nothing of the call stays; the nonce, the record and the time do.
        let txn = match txn {
            Some(txn) => txn,
            None => self.db.begin_write().map_err(store)?,
        };
        if let Some(rejected) = precheck(&txn, submission)? {
            txn.abort().map_err(store)?;
            return Ok(rejected);
        }
        write_u64(&txn, "now", timestamp)?;
        let report = CallReport { outcome, events: vec![], transfers: vec![], fuel, timestamp };
        let block = book(&txn, submission, &report, record)?;
        txn.commit().map_err(store)?;
        Ok(Submitted::Applied { report, block })
    }

    /// Runs a call as `sender` with `value` attached at the chain's time (or `at`, if later) and
    /// throws every effect away: `gen_call`'s read and write simulations.
    pub fn simulate(
        &self,
        sender: Address,
        value: u128,
        at: u64,
        method: &str,
        args: &[Value],
    ) -> Result<CallReport, ChainError> {
        let txn = self.db.begin_write().map_err(store)?;
        let now = read_u64(&txn, "now")?.unwrap_or(GENESIS_TIME);
        let timestamp = at.max(now);
        let spendable = balance(&txn, &CONTRACT)?.saturating_add(value);
        let host = StoreTx::new(txn, sender, value, timestamp, spendable);
        let (host, mut outcome, fuel): (StoreTx, Outcome, u64) = self.engine.run(host, Some(method), args);
        if let Some(fault) = host.fault.borrow_mut().take() {
            outcome = Err(Refusal::host("host_fault", &fault));
        }
        let StoreTx { txn, events, transfers, .. } = host;
        txn.abort().map_err(store)?;
        let (events, transfers) = if outcome.is_ok() { (events, transfers) } else { (vec![], vec![]) };
        Ok(CallReport { outcome, events, transfers, fuel, timestamp })
    }

    /// The nonce the sender's next transaction must carry.
    pub fn next_nonce(&self, sender: &Address) -> Result<u64, ChainError> {
        self.read(|txn| {
            let table = match txn.open_table(NONCES) {
                Ok(table) => table,
                Err(TableError::TableDoesNotExist(_)) => return Ok(0),
                Err(e) => return Err(store(e)),
            };
            let nonce = table.get(sender.0.as_slice()).map_err(store)?.map_or(0, |v| v.value());
            Ok(nonce)
        })
    }

    /// The record stored for a transaction, looked up by EVM hash or by GenLayer id.
    pub fn transaction_record(&self, key: &[u8; 32]) -> Result<Option<Vec<u8>>, ChainError> {
        self.read(|txn| {
            let txs = match txn.open_table(TXS) {
                Ok(table) => table,
                Err(TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(store(e)),
            };
            if let Some(record) = txs.get(key.as_slice()).map_err(store)? {
                return Ok(Some(record.value().to_vec()));
            }
            let ids = txn.open_table(IDS).map_err(store)?;
            let Some(hash) = ids.get(key.as_slice()).map_err(store)? else { return Ok(None) };
            let record = txs.get(hash.value()).map_err(store)?.map(|r| r.value().to_vec());
            Ok(record)
        })
    }

    /// The node's block number: how many transactions it has recorded.
    pub fn block_number(&self) -> Result<u64, ChainError> {
        self.read(|txn| {
            let meta = txn.open_table(META).map_err(store)?;
            let blocks = meta.get(BLOCKS).map_err(store)?;
            blocks
                .map(|v| {
                    v.value()
                        .try_into()
                        .map(u64::from_le_bytes)
                        .map_err(|_| ChainError::Corrupt(BLOCKS.into()))
                })
                .transpose()
                .map(|b| b.unwrap_or(0))
        })
    }

    /// Adds `amount` to `account`'s balance, as a local network's faucet does; returns the new balance.
    pub fn fund(&self, account: &Address, amount: u128) -> Result<u128, ChainError> {
        let txn = self.db.begin_write().map_err(store)?;
        let funded =
            balance(&txn, account)?.checked_add(amount).ok_or_else(|| store("a balance beyond u128"))?;
        set_balance(&txn, account, funded)?;
        let minted = read_u128(&txn, "minted")?.unwrap_or(0);
        let minted = minted.checked_add(amount).ok_or_else(|| store("the faucet ran dry"))?;
        txn.open_table(META)
            .map_err(store)?
            .insert("minted", minted.to_le_bytes().as_slice())
            .map_err(store)?;
        txn.commit().map_err(store)?;
        Ok(funded)
    }

    /// Moves block time to `timestamp`; a time earlier than the chain's is refused.
    pub fn advance_time(&self, timestamp: u64) -> Result<Result<u64, u64>, ChainError> {
        let txn = self.db.begin_write().map_err(store)?;
        let now = read_u64(&txn, "now")?.unwrap_or(GENESIS_TIME);
        if timestamp < now {
            txn.abort().map_err(store)?;
            return Ok(Err(now));
        }
        write_u64(&txn, "now", timestamp)?;
        txn.commit().map_err(store)?;
        Ok(Ok(timestamp))
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&redb::ReadTransaction) -> Result<T, ChainError>,
    ) -> Result<T, ChainError> {
        let txn = self.db.begin_read().map_err(store)?;
        f(&txn)
    }
}
