//! A mock chain for tests: in-memory storage, balances and time, each call run as a transaction.
//!
//! ```
//! use api_usage_billing::testing::{MockChain, Address};
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
//! in a VM (the sandbox crate provides one), so the same scenarios test both.

use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::{calldata, execute, instantiate, Host};
pub use crate::{Address, Error, Event, Value};

/// Block time of a fresh chain: 2026-01-01T00:00:00Z (day 20454).
pub const GENESIS_TIME: u64 = 1_767_225_600;
/// The contract's own account.
pub const CONTRACT: Address = Address([0xc0; 20]);

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

/// Runs one call of the contract against a transaction's host.
pub trait Executor {
    fn execute(&self, tx: &mut Tx, method: &str, args: &[Value]) -> Outcome;
}

/// The contract compiled into the test binary. Results and refusal details pass through calldata, as
/// they reach any client (map keys in wire order), so they compare equal to a VM's.
pub struct Native;

impl Executor for Native {
    fn execute(&self, tx: &mut Tx, method: &str, args: &[Value]) -> Outcome {
        match execute(tx, method, args) {
            Ok(value) => Ok(as_client_sees(&value)),
            Err(error) => {
                let mut refusal = Refusal::from(error);
                refusal.details = as_client_sees(&refusal.details);
                Err(refusal)
            }
        }
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
        MockChain::with_executor(Rc::new(Native), |tx| {
            instantiate(tx).map(|()| Value::Null).map_err(Refusal::from)
        })
    }

    /// A chain at [`GENESIS_TIME`] running the contract with `executor`; `deploy` is its deploy call.
    pub fn with_executor(executor: Rc<dyn Executor>, deploy: impl FnOnce(&mut Tx) -> Outcome) -> MockChain {
        let mut chain = MockChain {
            executor,
            storage: BTreeMap::new(),
            balances: BTreeMap::new(),
            minted: 0,
            now: GENESIS_TIME,
            events: Vec::new(),
            last: CallRecord::default(),
        };
        let mut tx = chain.begin(CONTRACT, 0);
        let deployed = deploy(&mut tx);
        assert_eq!(deployed, Ok(Value::Null), "deploying on empty storage");
        chain.finish(tx, true);
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
    pub fn invoke_at(&mut self, sender: Address, value: u128, method: &str, args: &[Value]) -> Outcome {
        self.last = CallRecord::default();
        if self.balance(sender) < value {
            return Err(Refusal::host("insufficient_funds", "sender cannot pay the attached value"));
        }
        let mut tx = self.begin(sender, value);
        let executor = Rc::clone(&self.executor);
        let outcome = match (executor.execute(&mut tx, method, args), tx.effects.fault) {
            (Ok(_), Some(fault)) => Err(Refusal::host("host_fault", fault)),
            (outcome, _) => outcome,
        };
        self.finish(tx, outcome.is_ok());
        outcome
    }

    /// A transaction over a copy of the chain's state, for running calls outside the chain (fuzzing):
    /// nothing it does reaches the chain.
    pub fn transaction(&self, sender: Address, value: u128) -> Tx {
        Tx {
            spendable: self.contract_balance().saturating_add(value),
            committed: self.storage.clone(),
            sender,
            value,
            timestamp: self.now,
            effects: Effects::default(),
        }
    }

    /// Opens a transaction on the chain's storage (which it holds until [`MockChain::finish`]).
    fn begin(&mut self, sender: Address, value: u128) -> Tx {
        Tx {
            spendable: self.contract_balance().saturating_add(value),
            committed: core::mem::take(&mut self.storage),
            sender,
            value,
            timestamp: self.now,
            effects: Effects::default(),
        }
    }

    /// Gives the storage back, with the call's effects applied if it succeeded.
    fn finish(&mut self, tx: Tx, commit: bool) {
        let Tx { committed, sender, value, effects, .. } = tx;
        self.storage = committed;
        self.last.storage_reads = effects.reads;
        self.last.storage_writes = effects.writes;
        self.last.storage_bytes_written = effects.bytes_written;
        if !commit {
            return;
        }
        for (key, entry) in effects.pending {
            match entry {
                Some(bytes) => self.storage.insert(key, bytes),
                None => self.storage.remove(&key),
            };
        }
        self.move_value(sender, CONTRACT, value);
        for transfer in &effects.transfers {
            self.move_value(CONTRACT, transfer.to, transfer.amount);
        }
        self.events.extend(effects.events.iter().cloned());
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

impl Backend for MockChain {
    fn invoke(&mut self, sender: Address, value: u128, method: &str, args: Vec<Value>) -> Outcome {
        self.invoke_at(sender, value, method, &args)
    }
}

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
    committed: BTreeMap<Vec<u8>, Vec<u8>>,
    sender: Address,
    value: u128,
    timestamp: u64,
    /// What the contract may still send: its balance plus the attached value, less what it sent.
    spendable: u128,
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

/// A call being built: `chain.call(sender).value(v).at(t).method(args…)`. Every argument takes
/// anything that converts to a [`Value`], so tests can send wrong types as easily as right ones.
pub struct Call<'b, B: Backend> {
    backend: &'b mut B,
    sender: Address,
    value: u128,
}

impl<B: Backend> Call<'_, B> {
    /// Attaches `wei` to the call.
    pub fn value(mut self, wei: u128) -> Self {
        self.value = wei;
        self
    }

    /// Calls any method by name, with positional arguments.
    pub fn method(self, method: &str, args: Vec<Value>) -> Outcome {
        self.backend.invoke(self.sender, self.value, method, args)
    }
}

impl Call<'_, MockChain> {
    /// Moves block time to `timestamp` for this call and those after it.
    pub fn at(self, timestamp: u64) -> Self {
        self.backend.set_time(timestamp);
        self
    }
}

macro_rules! client_methods {
    ($($method:ident($($arg:ident),*);)*) => {
        impl<B: Backend> Call<'_, B> {
            $(
                pub fn $method(self, $($arg: impl Into<Value>),*) -> Outcome {
                    self.method(stringify!($method), alloc::vec![$($arg.into()),*])
                }
            )*
        }
    };
}

client_methods! {
    register_api(api_name, cost_per_call_wei, daily_limit_calls);
    subscribe(api_name, max_daily_spend_wei, initial_deposit_wei);
    top_up_credit(amount);
    consume_credit(api_name, consumer_address);
    get_usage_report(consumer_address);
    consumer_integration_example();
    unsubscribe(api_name);
    approve_delegate(api_name, delegate);
    revoke_delegate(api_name, delegate);
    set_api_active(api_name, active);
    withdraw_credit(amount);
    withdraw_earnings(api_name, amount);
    get_api_report(api_name);
    get_usage_history(consumer_address, api_name);
    consume_credits(api_name, consumer_address, calls, usage_id);
    transfer_api(api_name, new_operator);
    accept_api(api_name);
}

/// A registered API as its stored record says, for tools that show a chain's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiSummary {
    pub name: String,
    pub operator: Address,
    pub cost_per_call_wei: u128,
    pub daily_limit_calls: u64,
    pub active: bool,
    pub earnings_wei: u128,
}

/// Reads the API records out of a dump of contract storage (any order); other keys are skipped.
pub fn api_summaries<'a>(storage: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<ApiSummary> {
    storage
        .into_iter()
        .filter_map(|(key, value)| {
            let name = crate::state::api_name_of_key(key)?;
            let record: crate::state::ApiRecord = borsh::from_slice(value).ok()?;
            Some(ApiSummary {
                name: String::from(name),
                operator: record.operator,
                cost_per_call_wei: record.cost_per_call_wei,
                daily_limit_calls: record.daily_limit_calls,
                active: record.active,
                earnings_wei: record.earnings_wei,
            })
        })
        .collect()
}

/// A consumer's account as its stored record says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSummary {
    pub consumer: Address,
    pub credit_wei: u128,
    pub funded_wei: u128,
    pub warned: bool,
}

/// Reads the account records out of a dump of contract storage.
pub fn account_summaries<'a>(storage: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<AccountSummary> {
    storage
        .into_iter()
        .filter_map(|(key, value)| {
            let consumer = crate::state::consumer_of_account_key(key)?;
            let record: crate::state::Account = borsh::from_slice(value).ok()?;
            Some(AccountSummary {
                consumer,
                credit_wei: record.credit_wei,
                funded_wei: record.funded_wei,
                warned: record.warned,
            })
        })
        .collect()
}

/// A subscription as its stored record says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionSummary {
    pub consumer: Address,
    pub api: String,
    pub active: bool,
    pub max_daily_spend_wei: u128,
    pub accepted_price_wei: u128,
    pub day_id: u64,
    pub calls: u64,
    pub spend_wei: u128,
    pub delegates: Vec<Address>,
    pub last_usage_id: u64,
}

/// Reads the subscription records out of a dump of contract storage.
pub fn subscription_summaries<'a>(
    storage: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> Vec<SubscriptionSummary> {
    storage
        .into_iter()
        .filter_map(|(key, value)| {
            let (consumer, api) = crate::state::subscription_of_key(key)?;
            let record: crate::state::Subscription = borsh::from_slice(value).ok()?;
            Some(SubscriptionSummary {
                consumer,
                api: String::from(api),
                active: record.active,
                max_daily_spend_wei: record.max_daily_spend_wei,
                accepted_price_wei: record.accepted_price_wei,
                day_id: record.day_id,
                calls: record.calls,
                spend_wei: record.spend_wei,
                delegates: record.delegates,
                last_usage_id: record.last_usage_id,
            })
        })
        .collect()
}
