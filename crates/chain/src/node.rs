//! What the JSON-RPC node (crates/rpc) needs from the chain: per-sender nonces, transactions by
//! EVM hash and by GenLayer id with their records, a block counter, funding and the clock. A signed
//! transaction runs through [`Chain::execute`], the same path as every call, with its nonce and
//! record booked in the store transaction that commits it.

use api_usage_billing::{Address, Value};
use billing_chain_core::{Outcome, Refusal, GENESIS_TIME};

use crate::tables::{begin_read, Txn, IDS, NONCES, TXS};
use crate::{guard::guarded, Action, CallReport, Chain, ChainError, Hooks, StoreTx, When};
use std::path::Path;

/// Meta key of the node's block counter: one block per transaction.
const BLOCKS: &str = "node_blocks";

/// One signed transaction, as the node hands it to the chain.
pub struct Submission<'a> {
    pub sender: Address,
    pub nonce: u64,
    pub value: u128,
    /// Block time for the call; earlier than the chain's time means the chain's time.
    pub at: u64,
    /// What it does: a call of a contract, a deploy, or nothing (a deploy of the code already running).
    pub action: Action<'a>,
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

/// Why a submission is turned away before it runs.
enum TurnedAway {
    WrongNonce(u64),
    Known,
}

fn nonce_in(txn: &Txn, sender: &Address) -> Result<u64, ChainError> {
    match txn.get(NONCES, &sender.0)? {
        None => Ok(0),
        Some(bytes) => {
            bytes.try_into().map(u64::from_le_bytes).map_err(|_| ChainError::Corrupt("nonce record"))
        }
    }
}

fn block_in(txn: &Txn) -> Result<u64, ChainError> {
    Ok(txn.read_u64(BLOCKS)?.unwrap_or(0))
}

impl Chain {
    /// Applies one signed transaction: it must be new and carry the sender's next nonce; its call
    /// runs as [`Chain::call`] runs one, and `record(report, block)` is stored under its hash and id.
    /// A call the contract refuses still uses its nonce and is recorded (its effects are not).
    pub fn submit(
        &self,
        submission: &Submission<'_>,
        record: &dyn Fn(&CallReport, u64) -> Vec<u8>,
    ) -> Result<Submitted, ChainError> {
        let admit = |txn: &Txn| -> Result<Option<TurnedAway>, ChainError> {
            if txn.get(TXS, &submission.hash)?.is_some() {
                return Ok(Some(TurnedAway::Known));
            }
            let expected = nonce_in(txn, &submission.sender)?;
            Ok((expected != submission.nonce).then_some(TurnedAway::WrongNonce(expected)))
        };
        let block = std::cell::Cell::new(0);
        let book = |txn: &Txn, report: &CallReport| -> Result<(), ChainError> {
            let next_block =
                block_in(txn)?.checked_add(1).ok_or_else(|| ChainError::Corrupt("block counter full"))?;
            txn.write_u64(BLOCKS, next_block)?;
            let next_nonce = submission
                .nonce
                .checked_add(1)
                .ok_or_else(|| ChainError::Corrupt("nonce space exhausted"))?;
            txn.put(NONCES, &submission.sender.0, &next_nonce.to_le_bytes())?;
            txn.put(TXS, &submission.hash, &record(report, next_block))?;
            txn.put(IDS, &submission.id, &submission.hash)?;
            block.set(next_block);
            Ok(())
        };
        let hooks = Hooks { admit: &admit, book: &book };
        let applied = self.execute(
            submission.sender,
            submission.value,
            When::NotBefore(submission.at),
            submission.action,
            &hooks,
        )?;
        Ok(match applied {
            Ok(report) => Submitted::Applied { report, block: block.get() },
            Err(TurnedAway::WrongNonce(expected)) => Submitted::WrongNonce { expected },
            Err(TurnedAway::Known) => Submitted::Known,
        })
    }

    /// Runs a call as `sender` with `value` attached at the chain's time (or `at`, if later) and
    /// throws every effect away: `gen_call`'s read and write simulations.
    pub fn simulate(
        &self,
        to: Address,
        sender: Address,
        value: u128,
        at: u64,
        method: &str,
        args: &[Value],
    ) -> Result<CallReport, ChainError> {
        guarded(Path::new("state"), || {
            let txn = Txn::writing(self.db()?.begin_write().map_err(ChainError::store)?);
            let now = txn.read_u64("now")?.unwrap_or(GENESIS_TIME);
            let timestamp = at.max(now);
            let Some(engine) = self.engine_at(&txn, &to)? else {
                txn.abort()?;
                let refusal =
                    Refusal::host("unknown_contract", &format!("there is no contract at {}", to.to_hex()));
                return Ok(CallReport {
                    outcome: Err(refusal),
                    events: vec![],
                    transfers: vec![],
                    fuel: 0,
                    timestamp,
                    contract: None,
                    fetches: vec![],
                });
            };
            if let Some(refusal) = engine.executor.refuses(value, timestamp) {
                txn.abort()?;
                let (events, transfers) = (vec![], vec![]);
                return Ok(CallReport {
                    outcome: Err(refusal),
                    events,
                    transfers,
                    fuel: 0,
                    timestamp,
                    contract: None,
                    fetches: vec![],
                });
            }
            let spendable = txn.contract_balance(&to)?.saturating_add(value);
            // A simulation's bill is thrown away: it must not get an API's answer for nothing.
            let world = crate::calls::World { fetches: false, ..self.world() };
            let host = StoreTx::new(txn, to, sender, value, timestamp, spendable).in_world(world);
            let (mut host, answered, fuel): (StoreTx, Outcome, u64) = engine.run(host, Some(method), args);
            if let Some(error) = host.take_broken() {
                return Err(error);
            }
            let outcome = billing_chain_core::with_fault(answered, host.take_fault());
            let fetches = host.fetches();
            let (txn, events, transfers) = host.into_parts();
            StoreTx::into_txn(txn)?.abort()?;
            let (events, transfers) = if outcome.is_ok() { (events, transfers) } else { (vec![], vec![]) };
            Ok(CallReport { outcome, events, transfers, fuel, timestamp, contract: None, fetches })
        })
    }

    /// The nonce the sender's next transaction must carry.
    pub fn next_nonce(&self, sender: &Address) -> Result<u64, ChainError> {
        guarded(Path::new("state"), || nonce_in(&begin_read(self.db()?)?, sender))
    }

    /// The record stored for a transaction, looked up by EVM hash or by GenLayer id.
    pub fn transaction_record(&self, key: &[u8; 32]) -> Result<Option<Vec<u8>>, ChainError> {
        guarded(Path::new("state"), || {
            let txn = begin_read(self.db()?)?;
            if let Some(record) = txn.get(TXS, key)? {
                return Ok(Some(record));
            }
            match txn.get(IDS, key)? {
                Some(hash) => txn.get(TXS, &hash),
                None => Ok(None),
            }
        })
    }

    /// The node's block number: how many transactions it has recorded.
    pub fn block_number(&self) -> Result<u64, ChainError> {
        guarded(Path::new("state"), || block_in(&begin_read(self.db()?)?))
    }

    /// Adds `amount` to `account`'s balance, as a local network's faucet does; returns the new balance.
    pub fn fund(&self, account: &Address, amount: u128) -> Result<u128, ChainError> {
        guarded(Path::new("state"), || {
            let txn = Txn::writing(self.db()?.begin_write().map_err(ChainError::store)?);
            let funded = txn.mint(account, amount)?;
            txn.commit()?;
            Ok(funded)
        })
    }

    /// Moves block time to `timestamp`; a time earlier than the chain's is refused (`Err(now)`).
    pub fn advance_time(&self, timestamp: u64) -> Result<Result<u64, u64>, ChainError> {
        guarded(Path::new("state"), || {
            let txn = Txn::writing(self.db()?.begin_write().map_err(ChainError::store)?);
            let now = txn.read_u64("now")?.unwrap_or(GENESIS_TIME);
            if timestamp < now {
                txn.abort()?;
                return Ok(Err(now));
            }
            txn.write_u64("now", timestamp)?;
            txn.commit()?;
            Ok(Ok(timestamp))
        })
    }
}
