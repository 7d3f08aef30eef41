//! A mock chain for tests: in-memory storage, balances and time, each call run as a transaction.
//!
//! ```
//! use billing_chain_core::{MockChain, Address};
//! let (operator, user) = (Address([1; 20]), Address([2; 20]));
//! let mut chain = MockChain::new();
//! chain.faucet(user, 1_000);
//! chain.call(operator).register_api("weather", 10, 100).unwrap();
//! chain.call(user).value(500).subscribe("weather", 50, 500).unwrap();
//! let receipt = chain.call(user).consume_credit("weather", user).unwrap();
//! assert_eq!(receipt.get("remaining_credit_wei").and_then(|v| v.as_u128()), Some(490));
//! ```
//!
//! The chain runs the contract through an [`Executor`]: natively by default, or the compiled `.wasm`
//! in a VM (crates/chain provides them), so the same scenarios test both. `billing-chain` re-exports
//! all of it: depend on that crate (without its `store` feature where there is no std).
#![no_std]

extern crate alloc;

mod client;
mod rules;
mod tx;

pub use client::Call;
pub use rules::{admit_sender, admit_value, commit, pay_out, settle, with_fault, Books, Ledger, TurnedAway};
pub use tx::{Effects, Fault, Mark, Overlay, Store, Transaction, Tx};

use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use api_usage_billing::{calldata, execute, instantiate, Host as _};
pub use api_usage_billing::{Address, Error, Event, Value};

/// Block time of a fresh chain: 2026-01-01T00:00:00Z (day 20454).
pub const GENESIS_TIME: u64 = 1_767_225_600;
/// The contract's own account.
pub const CONTRACT: Address = Address([0xc0; 20]);
/// The chain's refusal of a transaction sent from a contract's address.
pub const CONTRACT_SENDER: &str = "contract_sender";

/// A refused call as any client sees it: the code, the message and the details map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: String,
    pub message: String,
    pub details: Value,
}

impl Refusal {
    pub fn detail(&self, key: &str) -> Option<&Value> {
        self.details.get(key)
    }

    /// A refusal that comes from the chain or the VM rather than the contract.
    pub fn host(code: &str, message: &str) -> Refusal {
        Refusal { code: code.to_string(), message: message.to_string(), details: Value::Map(Vec::new()) }
    }

    /// Reads the `{code, details, message}` map a VM reverts with.
    pub fn from_value(value: &Value) -> Option<Refusal> {
        Some(Refusal {
            code: value.get("code")?.as_str()?.to_string(),
            message: value.get("message")?.as_str()?.to_string(),
            details: value.get("details")?.clone(),
        })
    }
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Refusal {
        Refusal { code: error.code().to_string(), message: error.to_string(), details: error.details() }
    }
}

/// The chain's refusal of a call GenVM's message cannot carry: deterministic, so marked
/// `[EXPECTED] ` like the contract's own.
impl From<&api_usage_billing::genvm::Inexpressible> for Refusal {
    fn from(why: &api_usage_billing::genvm::Inexpressible) -> Refusal {
        Refusal::host(why.code(), &alloc::format!("[EXPECTED] {why}"))
    }
}

/// The result of one call.
pub type Outcome = Result<Value, Refusal>;

/// Value the contract sent out during a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub to: Address,
    pub amount: u128,
}

/// What one call did, kept for the test to inspect (`MockChain::last`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallRecord {
    /// Events the call emitted (none when it was refused).
    pub events: Vec<Event>,
    pub transfers: Vec<Transfer>,
    pub storage_reads: u32,
    pub storage_writes: u32,
    /// Key and value bytes of every write.
    pub storage_bytes_written: u64,
}

/// An engine that runs the contract's calls on a chain: natively, or compiled in a VM (wasmi's
/// billing-ABI and GenVM hosts, GenLayer's own executor). Every chain takes its engines through this
/// one trait, each over its own call in flight `H`: the mock chain's [`Tx`], the sandbox store's.
pub trait Executor<H = Tx> {
    /// Runs `method` (`None`: the deploy call) over `host`: the host back, what the call answered,
    /// and the fuel it burned (0 where nothing is metered).
    fn execute(&self, host: H, method: Option<&str>, args: &[Value]) -> (H, Outcome, u64);

    /// The chain's refusal, before anything runs, of a call this engine cannot carry (GenVM's
    /// message holds no value above u64).
    fn refuses(&self, value: u128, timestamp: u64) -> Option<Refusal> {
        let _ = (value, timestamp);
        None
    }

    /// The latest block time this engine can carry.
    fn latest_time(&self) -> u64 {
        u64::MAX
    }
}

/// The billing ABI's deploy export.
pub const INIT: &str = "init";

/// The contract compiled into the test binary, over any chain's host. Results and refusal details
/// pass through calldata, as they reach any client (map keys in wire order), so they compare equal
/// to a VM's.
pub struct Native;

impl<H: api_usage_billing::Host> Executor<H> for Native {
    fn execute(&self, mut host: H, method: Option<&str>, args: &[Value]) -> (H, Outcome, u64) {
        // The billing ABI's `init` export is the deploy call; after deploy it answers as an unknown
        // method does, having read the state version, and so does this.
        let result = match method {
            None | Some(INIT) => instantiate(&mut host).map(|()| Value::Null),
            Some(method) => execute(&mut host, method, args),
        };
        let outcome = match result {
            Ok(value) => Ok(as_client_sees(&value)),
            Err(error) => {
                let mut refusal = Refusal::from(error);
                refusal.details = as_client_sees(&refusal.details);
                Err(refusal)
            }
        };
        (host, outcome, 0)
    }
}

fn as_client_sees(value: &Value) -> Value {
    calldata::decode(&calldata::encode(value)).unwrap_or_else(|_| value.clone())
}

/// Anything that runs the contract's methods for a sender.
pub trait Backend {
    fn invoke(&mut self, sender: Address, value: u128, method: &str, args: Vec<Value>) -> Outcome;
}

/// Storage, balances and time of a one-contract chain.
#[derive(Clone)]
pub struct MockChain {
    executor: Rc<dyn Executor>,
    storage: BTreeMap<Vec<u8>, Vec<u8>>,
    balances: BTreeMap<Address, u128>,
    minted: u128,
    now: u64,
    events: Vec<Event>,
    calls: u64,
    last: CallRecord,
}

impl Default for MockChain {
    fn default() -> Self {
        MockChain::new()
    }
}

impl core::fmt::Debug for MockChain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MockChain").field("now", &self.now).field("balances", &self.balances).finish()
    }
}

impl MockChain {
    /// A chain at [`GENESIS_TIME`] with the contract deployed, running it natively.
    pub fn new() -> MockChain {
        MockChain::on(Rc::new(Native))
    }

    /// A chain at [`GENESIS_TIME`] with the contract deployed by `executor`, which runs its calls.
    pub fn on(executor: Rc<dyn Executor>) -> MockChain {
        let deployer = Rc::clone(&executor);
        MockChain::with_executor(executor, move |tx| {
            let (deployed, answered, _) = deployer.execute(core::mem::take(tx), None, &[]);
            *tx = deployed;
            answered
        })
    }

    /// A chain at [`GENESIS_TIME`] running the contract with `executor`; `deploy` is its deploy call
    /// (a test's own: nothing deployed, or deployed by another engine).
    pub fn with_executor(executor: Rc<dyn Executor>, deploy: impl FnOnce(&mut Tx) -> Outcome) -> MockChain {
        let mut chain = MockChain {
            executor,
            storage: BTreeMap::new(),
            balances: BTreeMap::new(),
            minted: 0,
            now: GENESIS_TIME,
            events: Vec::new(),
            calls: 0,
            last: CallRecord::default(),
        };
        let mut tx = chain.begin(CONTRACT, 0);
        let deployed = deploy(&mut tx);
        assert_eq!(deployed, Ok(Value::Null), "deploying on empty storage");
        chain.finish(tx, true);
        // The chain's making, not a call: as the sandbox's state counts them.
        chain.calls = 0;
        chain
    }

    /// Runs later calls with `executor` (e.g. set a large state up natively, then measure the `.wasm`).
    pub fn set_executor(&mut self, executor: Rc<dyn Executor>) {
        self.executor = executor;
    }

    /// Starts a call by `sender`; chain `.value(..)` and `.at(..)`, then name the method.
    pub fn call(&mut self, sender: Address) -> Call<'_, MockChain> {
        Call { backend: self, sender, value: 0 }
    }

    /// Mints `amount` wei to `account`.
    pub fn faucet(&mut self, account: Address, amount: u128) {
        let balance = self.balances.entry(account).or_insert(0);
        *balance = balance.checked_add(amount).expect("faucet overflows the account");
        self.minted = self.minted.checked_add(amount).expect("faucet overflows the supply");
    }

    pub fn balance(&self, account: Address) -> u128 {
        self.balances.get(&account).copied().unwrap_or(0)
    }

    /// Every account's balance, the contract's included.
    pub fn balances(&self) -> &BTreeMap<Address, u128> {
        &self.balances
    }

    pub fn contract_balance(&self) -> u128 {
        self.balance(CONTRACT)
    }

    /// Everything the faucet ever minted: what all balances, the contract's included, add up to.
    pub fn minted(&self) -> u128 {
        self.minted
    }

    pub fn now(&self) -> u64 {
        self.now
    }

    /// Moves block time to `timestamp` (tests may go anywhere; the sandbox is stricter).
    pub fn set_time(&mut self, timestamp: u64) {
        self.now = timestamp;
    }

    pub fn advance(&mut self, seconds: u64) {
        self.now = self.now.checked_add(seconds).expect("time overflows");
    }

    /// Every event of every successful call, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// How many calls succeeded since the contract was deployed (a refused call is not counted).
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// What the latest call did.
    pub fn last(&self) -> &CallRecord {
        &self.last
    }

    /// The whole contract storage, to compare before and after a call.
    pub fn storage(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.storage
    }

    /// Runs one call as a transaction: attached value moves to the contract and storage writes,
    /// events and transfers land only if the call succeeds.
    ///
    /// A transaction whose sender is the contract's own address is refused before it runs
    /// (`contract_sender`): its deposits would cost it nothing, minting credit.
    pub fn invoke_at(&mut self, sender: Address, value: u128, method: &str, args: &[Value]) -> Outcome {
        self.last = CallRecord::default();
        let admitted = admit_sender(sender, sender == CONTRACT)
            .and_then(|()| admit_value(sender, self.balance(sender), value));
        if let Err(turned_away) = admitted {
            return Err(turned_away.refusal());
        }
        if let Some(refusal) = self.executor.refuses(value, self.now) {
            return Err(refusal);
        }
        let tx = self.begin(sender, value);
        let executor = Rc::clone(&self.executor);
        let (tx, answered, _) = executor.execute(tx, Some(method), args);
        let outcome = with_fault(answered, tx.effects.fault);
        self.finish(tx, outcome.is_ok());
        outcome
    }

    /// A transaction over a copy of the chain's state, for running calls outside the chain (fuzzing):
    /// nothing it does reaches the chain.
    pub fn transaction(&self, sender: Address, value: u128) -> Tx {
        let store = Overlay { committed: self.storage.clone(), pending: BTreeMap::new() };
        Tx::new(store, sender, value, self.now, self.contract_balance().saturating_add(value))
    }

    /// Opens a transaction on the chain's storage (which it holds until [`MockChain::finish`]).
    fn begin(&mut self, sender: Address, value: u128) -> Tx {
        let spendable = self.contract_balance().saturating_add(value);
        let store = Overlay { committed: core::mem::take(&mut self.storage), pending: BTreeMap::new() };
        Tx::new(store, sender, value, self.now, spendable)
    }

    /// Gives the storage back, with the call's effects applied if it succeeded.
    fn finish(&mut self, tx: Tx, succeeded: bool) {
        let (sender, value) = (tx.sender(), tx.attached_value());
        let Transaction { store: Overlay { committed, pending }, effects, .. } = tx;
        self.storage = committed;
        self.last.storage_reads = effects.reads;
        self.last.storage_writes = effects.writes;
        self.last.storage_bytes_written = effects.bytes_written;
        if !succeeded {
            return;
        }
        for (key, entry) in pending {
            match entry {
                Some(bytes) => self.storage.insert(key, bytes),
                None => self.storage.remove(&key),
            };
        }
        let Ok(()) = commit(self, &sender, &CONTRACT, value, &effects.transfers, &effects.events);
        self.last.events = effects.events;
        self.last.transfers = effects.transfers;
    }

    fn move_value(&mut self, from: Address, to: Address, amount: u128) {
        if amount == 0 {
            return;
        }
        let from_balance = self.balances.entry(from).or_insert(0);
        *from_balance = from_balance.checked_sub(amount).expect("checked before the call");
        let to_balance = self.balances.entry(to).or_insert(0);
        *to_balance = to_balance.checked_add(amount).expect("balances never exceed what was minted");
    }
}

/// Balances the faucet minted: a move beyond them is a bug of the chain's checks, so it panics.
impl Ledger for MockChain {
    type Error = core::convert::Infallible;

    fn move_value(&mut self, from: &Address, to: &Address, amount: u128) -> Result<(), Self::Error> {
        MockChain::move_value(self, *from, *to, amount);
        Ok(())
    }
}

/// The mock chain's log and count, in memory.
impl Books for MockChain {
    fn log_events(&mut self, events: &[Event]) -> Result<(), Self::Error> {
        self.events.extend_from_slice(events);
        Ok(())
    }

    fn count_call(&mut self) -> Result<(), Self::Error> {
        self.calls = self.calls.saturating_add(1);
        Ok(())
    }
}

impl Backend for MockChain {
    fn invoke(&mut self, sender: Address, value: u128, method: &str, args: Vec<Value>) -> Outcome {
        self.invoke_at(sender, value, method, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    /// The native contract behind a gate: it refuses more than 100 wei attached, and counts its runs.
    struct Gated {
        runs: Cell<u32>,
    }

    impl Executor for Gated {
        fn execute(&self, tx: Tx, method: Option<&str>, args: &[Value]) -> (Tx, Outcome, u64) {
            self.runs.set(self.runs.get() + 1);
            Native.execute(tx, method, args)
        }

        fn refuses(&self, value: u128, _timestamp: u64) -> Option<Refusal> {
            (value > 100).then(|| Refusal::host("value_too_large", "more than 100 wei"))
        }
    }

    #[test]
    fn the_chain_deploys_with_its_engine_and_asks_it_before_running_a_call() {
        let gated = Rc::new(Gated { runs: Cell::new(0) });
        let mut chain = MockChain::on(Rc::clone(&gated) as Rc<dyn Executor>);
        assert_eq!((gated.runs.get(), chain.calls()), (1, 0), "the deploy ran on the engine, not counted");
        let user = Address([2; 20]);
        chain.faucet(user, 1_000);
        chain.call(Address([1; 20])).register_api("weather", 10, 100).unwrap();
        let before = (chain.storage().clone(), chain.balance(user), gated.runs.get());

        let refused = chain.call(user).value(101).subscribe("weather", 50, 101).unwrap_err();
        assert_eq!(refused.code, "value_too_large");
        assert_eq!((chain.storage().clone(), chain.balance(user), gated.runs.get()), before, "nothing ran");
        assert_eq!(chain.calls(), 1, "a refused call is not counted");

        chain.call(user).value(100).subscribe("weather", 50, 100).unwrap();
        assert_eq!((chain.balance(user), gated.runs.get(), chain.calls()), (900, before.2 + 1, 2));
        assert_eq!(chain.events().last().map(|e| &*e.name), Some("Subscribed"));
    }
}
