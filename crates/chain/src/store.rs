//! The sandbox's persistent chain: contract storage, balances, block time and events in one redb
//! file (or redb's memory), and one write transaction per call, so a refused or interrupted call
//! leaves no trace.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use api_usage_billing::calldata;
use api_usage_billing::inspect::{api_summaries, ApiSummary};
use api_usage_billing::{Address, Event, Value};
use billing_chain_core::{
    admit_sender, admit_value, commit, with_fault, Outcome, Refusal, Transfer, CONTRACT, GENESIS_TIME,
};
use redb::{Database, TableHandle};

use crate::guard::guarded;
use crate::lock::StateLock;
use crate::tables::{
    self, begin_read, u128_of, unseal, Txn, BALANCES, CONTRACTS, DEPLOYS, EVENTS, META, STORAGE,
};
use crate::{calls, contract_address, real, wasm_in, ChainError, Fetch, FetchPolicy, StoreTx, WhyUnreadable};
use billing_chain_core::Executor;
use billing_vm::billing::WasmContract;
use billing_vm::genvm::GenvmContract;

/// Marks a redb file as this program's state, in this layout.
/// Version 3: every record carries a checksum (version 2 states get a message naming `--fresh`).
/// Version 4: deployed contracts (their code, storage and deploy counts in tables of their own); a
/// version 3 state is the same without them, and is marked version 4 when opened.
const FORMAT: &[u8] = b"api-usage-billing sandbox state, version 4";
const FORMAT_3: &[u8] = b"api-usage-billing sandbox state, version 3";

/// What the faucet gives an account the first time the chain sees it: 1,000 tokens of 10^18 wei.
pub const FAUCET_WEI: u128 = 1_000 * 1_000_000_000_000_000_000;

/// The state file used when `--state` is not given.
pub fn default_state_path() -> PathBuf {
    PathBuf::from(".billing-sandbox").join("state.redb")
}

/// What one call did.
#[derive(Clone, Debug)]
pub struct CallReport {
    pub outcome: Outcome,
    /// Events of a successful call (none otherwise).
    pub events: Vec<Event>,
    pub transfers: Vec<Transfer>,
    pub fuel: u64,
    pub timestamp: u64,
    /// The contract a successful deploy made.
    pub contract: Option<Address>,
    /// Every outbound fetch the call made, nested calls' included, whether or not it succeeded.
    pub fetches: Vec<Fetch>,
}

/// What one transaction does.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// Nothing but moving block time (a node's deploy of the billing contract, already running).
    Nothing,
    /// `method(args)` on the contract at `to`.
    Call { to: Address, method: &'a str, args: &'a [Value] },
    /// A new contract from `code` on the state's interface, its constructor run with `args`.
    Deploy { code: &'a [u8], args: &'a [Value] },
}

/// The chain at a glance.
#[derive(Clone, Debug)]
pub struct Overview {
    pub now: u64,
    pub calls: u64,
    pub minted: u128,
    pub balances: Vec<(Address, u128)>,
    pub apis: Vec<ApiSummary>,
}

/// A contract's storage entries, in key order.
pub type Storage = Vec<(Vec<u8>, Vec<u8>)>;

/// Every contract storage entry, in key order, and every event in order.
pub type Dump = (Vec<(Vec<u8>, Vec<u8>)>, Vec<Event>);

/// Everything a state holds, for audits and for comparing two states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDump {
    /// The billing contract's storage.
    pub storage: Vec<(Vec<u8>, Vec<u8>)>,
    /// Each deployed contract (by address) with its storage, in key order.
    pub deployed: Vec<(Address, Storage)>,
    pub balances: Vec<(Address, u128)>,
    pub events: Vec<Event>,
    pub now: u64,
    pub calls: u64,
    pub minted: u128,
}

/// The host interface a state's contract runs on; a state remembers which one made it, since the two
/// keep their records differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    /// One export per entrypoint (docs/ABI.md), on wasmi.
    Billing,
    /// GenLayer's interface through `_start` (docs/ABI.md, "GenVM flavor"), on wasmi.
    Genvm,
}

/// Which VM runs a state's contract.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Vm {
    /// The wasmi hosts of crates/vm (either interface).
    #[default]
    Wasmi,
    /// GenLayer's real GenVM executor at this path (GenVM interface only), one `genvm run` per call.
    GenvmExecutor(PathBuf),
}

/// The contract behind a state: its host interface, and the engine that runs it, one of the chain's
/// [`Executor`]s over its store transaction (wasmi's billing-ABI or GenVM host, or GenLayer's real
/// executor; a GenVM state runs on either GenVM engine, over the same slots).
pub(crate) struct Engine {
    pub(crate) abi: Abi,
    /// Which VM runs the contract, for the user.
    pub(crate) vm: String,
    /// Shared by the node's request threads.
    pub(crate) executor: Box<dyn Executor<StoreTx> + Send + Sync>,
    /// The contract as other contracts call it, synchronously (`call_contract`): billing-ABI
    /// contracts only, since a GenVM contract is called by a queued message.
    pub(crate) callable: Option<WasmContract<StoreTx>>,
}

impl Engine {
    pub(crate) fn load(code: &[u8], abi: Abi, vm: &Vm) -> Result<Engine, ChainError> {
        match (abi, vm) {
            (Abi::Billing, Vm::Wasmi) => {
                let contract = WasmContract::load(code)?;
                Ok(Engine {
                    abi,
                    vm: "wasmi (billing ABI)".into(),
                    executor: Box::new(contract.clone()),
                    callable: Some(contract),
                })
            }
            (Abi::Genvm, Vm::Wasmi) => {
                let wasm = wasm_in(code)?;
                let contract: GenvmContract<StoreTx> = GenvmContract::load(&wasm)?;
                Ok(Engine {
                    abi,
                    vm: "wasmi (GenVM interface)".into(),
                    executor: Box::new(contract),
                    callable: None,
                })
            }
            (Abi::Genvm, Vm::GenvmExecutor(path)) => {
                let genvm = genvm_executor::Genvm::new(path, code.to_vec()).map_err(ChainError::Executor)?;
                let vm = format!("GenVM v0.1.8 executor at {}", genvm.executor().display());
                Ok(Engine { abi, vm, executor: Box::new(real::RealGenvm::new(genvm)), callable: None })
            }
            (Abi::Billing, Vm::GenvmExecutor(_)) => Err(ChainError::ExecutorNeedsGenvm),
        }
    }

    /// The interface's name in a state's records.
    pub(crate) fn name(&self) -> &'static [u8] {
        match self.abi {
            Abi::Billing => b"billing",
            Abi::Genvm => b"genvm",
        }
    }

    /// Runs `method` (none: the deploy call) over `host`; views run read-only on GenVM.
    pub(crate) fn run(&self, host: StoreTx, method: Option<&str>, args: &[Value]) -> (StoreTx, Outcome, u64) {
        self.executor.execute(host, method, args)
    }
}

/// When a transaction runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum When {
    /// At the last call's time.
    Now,
    /// At this time, refused if it is earlier than the last call's.
    At(u64),
    /// At this time or the last call's, whichever is later (a node's own clock).
    NotBefore(u64),
}

/// What a caller of [`Chain::execute`] adds to a transaction (the node: nonces and receipts).
pub(crate) struct Hooks<'a, R> {
    /// Runs first, inside the transaction; `Some` turns it away with nothing written.
    pub admit: &'a dyn Fn(&Txn) -> Result<Option<R>, ChainError>,
    /// Runs in the transaction that commits, with what the call did.
    pub book: &'a dyn Fn(&Txn, &CallReport) -> Result<(), ChainError>,
}

impl Hooks<'static, Infallible> {
    /// Every transaction admitted, nothing booked beside it.
    pub(crate) fn none() -> Hooks<'static, Infallible> {
        Hooks { admit: &|_| Ok(None), book: &|_, _| Ok(()) }
    }
}

/// A state file opened by this process: it holds the state's lock file until dropped.
pub struct Chain {
    /// Always there but while the chain is dropped (see its `Drop`).
    pub(crate) db: Option<Database>,
    /// The billing contract's.
    pub(crate) engine: Arc<Engine>,
    pub(crate) vm: Vm,
    /// Every contract's engine, shared with the calls' hosts for nested calls.
    pub(crate) engines: Arc<calls::Engines>,
    /// Which outbound fetches the contracts may make.
    pub(crate) fetch_policy: FetchPolicy,
    pub(crate) _lock: StateLock,
}

fn open_error(path: &Path, e: redb::DatabaseError) -> ChainError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => ChainError::InUse(path.to_path_buf()),
        other => ChainError::unreadable(path, WhyUnreadable::Store(Box::new(other.into()))),
    }
}

impl Drop for Chain {
    /// Closing the file writes to it, and a damaged file can make the store library panic there: a
    /// drop must not take the process down (what was read was checked; the next open finds the
    /// damage and says so).
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            let _ = guarded(Path::new("state"), || db.close().map_err(ChainError::store));
        }
    }
}

impl Chain {
    /// The state's database.
    pub(crate) fn db(&self) -> Result<&Database, ChainError> {
        self.db.as_ref().ok_or(ChainError::Closed)
    }

    /// Opens the state at `path`, creating it (with the contract deployed) if it does not exist or
    /// `fresh` is set.
    pub fn open(path: &Path, wasm: &[u8], fresh: bool) -> Result<Chain, ChainError> {
        Chain::open_with(path, wasm, fresh, Abi::Billing)
    }

    /// [`Chain::open`] for the contract on the given host interface. A state remembers which one
    /// made it: the two keep their records differently. One process at a time holds a state: the
    /// others get [`ChainError::InUse`], `--fresh` included, so no two replace it at once.
    pub fn open_with(path: &Path, wasm: &[u8], fresh: bool, abi: Abi) -> Result<Chain, ChainError> {
        Chain::open_on(path, wasm, fresh, abi, &Vm::Wasmi)
    }

    /// [`Chain::open_with`] on the given VM: `code` is what it runs (for the real GenVM executor,
    /// the deployment `.zip` or a bare `.wasm`). A GenVM state runs on either GenVM engine.
    pub fn open_on(path: &Path, code: &[u8], fresh: bool, abi: Abi, vm: &Vm) -> Result<Chain, ChainError> {
        let engine = Arc::new(Engine::load(code, abi, vm)?);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| ChainError::io(path, e))?;
        }
        let lock = StateLock::take(path)?;
        guarded(path, || {
            if fresh || !path.exists() {
                Chain::create(path, &engine)?;
            }
            let db = Database::create(path).map_err(|e| open_error(path, e))?;
            let chain = Chain::assemble(db, engine, vm.clone(), lock);
            chain.check_or_initialize(path)?;
            Ok(chain)
        })
    }

    /// A chain whose state lives in memory and goes with it: the same chain as on disk (contracts,
    /// nested calls, fetches, groups), for tests that want no file and no lock.
    pub fn in_memory(code: &[u8], abi: Abi, vm: &Vm) -> Result<Chain, ChainError> {
        let engine = Arc::new(Engine::load(code, abi, vm)?);
        let place = Path::new("memory");
        let db = redb::Builder::new()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|e| open_error(place, e))?;
        let chain = Chain::assemble(db, engine, vm.clone(), StateLock::unlocked());
        chain.check_or_initialize(place)?;
        Ok(chain)
    }

    /// The chain over an open database (its tables not checked yet).
    pub(crate) fn assemble(db: Database, engine: Arc<Engine>, vm: Vm, lock: StateLock) -> Chain {
        let engines = Arc::new(calls::Engines::new(Arc::clone(&engine), vm.clone()));
        Chain { db: Some(db), engine, vm, engines, fetch_policy: FetchPolicy::default(), _lock: lock }
    }

    /// A new state, made whole beside `path` and then renamed over it: a crash at any moment leaves
    /// either the old state or the new one, never a half-made file. The caller holds the lock.
    pub(crate) fn create(path: &Path, engine: &Arc<Engine>) -> Result<(), ChainError> {
        let mut building = path.as_os_str().to_owned();
        building.push(format!(".creating-{}", std::process::id()));
        let building = PathBuf::from(building);
        if building.exists() {
            std::fs::remove_file(&building).map_err(|e| ChainError::io(&building, e))?;
        }
        let made = Database::create(&building).map_err(|e| open_error(&building, e)).and_then(|db| {
            let lock = StateLock::unlocked();
            Chain::assemble(db, Arc::clone(engine), Vm::Wasmi, lock).check_or_initialize(&building)
        });
        if let Err(error) = made {
            let _ = std::fs::remove_file(&building);
            return Err(error);
        }
        std::fs::rename(&building, path).map_err(|e| ChainError::io(path, e))
    }

    pub(crate) fn check_or_initialize(&self, path: &Path) -> Result<(), ChainError> {
        let txn = Txn::writing(self.db()?.begin_write().map_err(|e| ChainError::store_at(path, e))?);
        let names: Vec<String> = txn
            .write()?
            .list_tables()
            .map_err(|e| ChainError::store_at(path, e))?
            .map(|t| t.name().to_string())
            .collect();
        if names.is_empty() {
            txn.put(META, b"format", FORMAT)?;
            txn.put(META, b"abi", self.engine.name())?;
            txn.write_u64("now", GENESIS_TIME)?;
            let host = StoreTx::new(txn, CONTRACT, CONTRACT, 0, GENESIS_TIME, 0);
            let (host, deployed, _) = self.engine.run(host, None, &[]);
            if let Some(error) = host.take_broken() {
                return Err(error);
            }
            deployed.map_err(|r| ChainError::Deploy(r.message))?;
            return StoreTx::into_txn(host.into_parts().0)?.commit();
        }
        if !names.iter().any(|name| name == "meta") {
            return Err(ChainError::Foreign(path.to_path_buf()));
        }
        if let Some(unknown) = names.iter().find(|name| !tables::KNOWN.iter().any(|t| t.name() == *name)) {
            return Err(ChainError::unreadable(path, WhyUnreadable::UnknownTable(unknown.clone())));
        }
        // An older layout's records carry no checksum: read its format mark raw.
        let format = {
            let meta = txn.write()?.open_table(META).map_err(ChainError::store)?;
            let raw = redb::ReadableTable::get(&meta, b"format".as_slice())
                .map_err(ChainError::store)?
                .map(|v| v.value().to_vec());
            raw
        };
        match format {
            Some(sealed)
                if matches!(unseal(&META, b"format", &sealed).ok().as_deref(), Some(FORMAT | FORMAT_3)) =>
            {
                let abi = txn.get(META, b"abi")?;
                if abi.as_deref() == Some(self.engine.name()) {
                    if txn.get(META, b"format")?.as_deref() == Some(FORMAT) {
                        txn.abort()
                    } else {
                        txn.put(META, b"format", FORMAT)?;
                        txn.commit()
                    }
                } else {
                    Err(ChainError::OtherAbi {
                        path: path.to_path_buf(),
                        abi: String::from_utf8_lossy(abi.as_deref().unwrap_or(b"?")).into_owned(),
                    })
                }
            }
            _ => Err(ChainError::OtherVersion(path.to_path_buf())),
        }
    }

    /// Which VM runs the contract: `wasmi (GenVM interface)`, `GenVM v0.1.8 executor at PATH`, …
    pub fn vm(&self) -> String {
        self.engine.vm.clone()
    }

    /// Runs one call as one store transaction. `at` moves block time (never backwards); without it
    /// the call runs at the last call's time. The chain's own refusals come before the call runs: a
    /// time earlier than the last call's or beyond what the interface can carry, a sender that is a
    /// contract, value the sender does not have.
    pub fn call(
        &self,
        sender: Address,
        value: u128,
        at: Option<u64>,
        method: &str,
        args: &[Value],
    ) -> Result<CallReport, ChainError> {
        self.call_to(CONTRACT, sender, value, at, method, args)
    }

    /// [`Chain::call`] of the contract at `to` (refused, `unknown_contract`, if there is none).
    pub fn call_to(
        &self,
        to: Address,
        sender: Address,
        value: u128,
        at: Option<u64>,
        method: &str,
        args: &[Value],
    ) -> Result<CallReport, ChainError> {
        let mut group = self.begin_group()?;
        let report = group.call_to(to, sender, value, at, method, args)?;
        group.commit()?;
        Ok(report)
    }

    /// The one place a transaction runs, as a group of one ([`Chain::begin_group`]): `hooks.admit`
    /// first, inside the transaction (it may turn the transaction away, writing nothing), then the
    /// chain's checks and the call; a call that succeeds commits with its value, transfers, events
    /// and `hooks.book` in one store transaction; one that is refused leaves nothing but the block
    /// time and `hooks.book`, also committed whole. `call` `None` runs nothing and succeeds (a
    /// deploy of code already deployed).
    pub(crate) fn execute<R>(
        &self,
        sender: Address,
        value: u128,
        when: When,
        action: Action<'_>,
        hooks: &Hooks<'_, R>,
    ) -> Result<Result<CallReport, R>, ChainError> {
        let mut group = self.begin_group()?;
        let done = group.execute(sender, value, when, action, hooks)?;
        match done {
            Ok(_) => group.commit()?,
            Err(_) => group.abort()?,
        }
        Ok(done)
    }

    /// A new contract from `code` on the state's interface, deployed by `sender` with `value`
    /// attached; its constructor runs with `args`. The report's `contract` is its address
    /// ([`contract_address`] of the sender and how many it deployed before); a refused deploy (bad
    /// code, a constructor refusal) makes nothing and uses no address.
    pub fn deploy(
        &self,
        sender: Address,
        value: u128,
        at: Option<u64>,
        code: &[u8],
        args: &[Value],
    ) -> Result<CallReport, ChainError> {
        let mut group = self.begin_group()?;
        let report = group.deploy(sender, value, at, code, args)?;
        group.commit()?;
        Ok(report)
    }

    /// Whether `address` is a contract's: the billing contract's or a deployed one's.
    pub(crate) fn is_contract(txn: &Txn, address: &Address) -> Result<bool, ChainError> {
        Ok(*address == CONTRACT || txn.get(CONTRACTS, &address.0)?.is_some())
    }

    /// The engine of the contract at `to`; `None`: no contract there.
    pub(crate) fn engine_at(&self, txn: &Txn, to: &Address) -> Result<Option<Arc<Engine>>, ChainError> {
        self.engines.at(txn, to)
    }

    /// What a call's host reaches: the other contracts, and fetches under the chain's policy.
    pub(crate) fn world(&self) -> calls::World {
        calls::World { engines: Arc::clone(&self.engines), policy: self.fetch_policy, fetches: true }
    }

    /// Lets contracts fetch from any host, not only loopback ones (the sandbox's
    /// `--allow-remote-fetch`).
    pub fn allow_remote_fetch(&mut self, allow: bool) {
        self.fetch_policy.allow_remote = allow;
    }

    /// The whole-request time-out of an outbound fetch (5 s unless set; tests set less).
    pub fn set_fetch_timeout(&mut self, timeout: std::time::Duration) {
        self.fetch_policy.timeout = timeout;
    }

    /// Forgets the engines loaded for deployed contracts (a group that deployed one was thrown away);
    /// they load again on first use.
    pub(crate) fn forget_deployed_engines(&self) {
        self.engines.forget_deployed();
    }

    /// Every contract on the chain: the billing contract first, then the deployed ones by address.
    pub fn contracts(&self) -> Result<Vec<Address>, ChainError> {
        guarded(Path::new("state"), || {
            let txn = begin_read(self.db()?)?;
            let mut all = vec![CONTRACT];
            for (key, _) in txn.entries(CONTRACTS)? {
                all.push(Address(key.try_into().map_err(|_| ChainError::Corrupt("contract key"))?));
            }
            Ok(all)
        })
    }

    /// The code a deployed contract was made from (`None`: no deployed contract there).
    pub fn code_at(&self, address: &Address) -> Result<Option<Vec<u8>>, ChainError> {
        guarded(Path::new("state"), || {
            let record = begin_read(self.db()?)?.get(CONTRACTS, &address.0)?;
            Ok(record.and_then(|r| r.get(1..).map(<[u8]>::to_vec)))
        })
    }

    /// One transaction's step inside the open write transaction in `slot`, committing nothing: what
    /// [`Chain::execute`] does, for one call of a group. A call turned away by `hooks.admit` leaves
    /// nothing; a refused one is rolled back to where it started, then leaves its block time and
    /// `hooks.book`; a successful one keeps its writes. On an error the transaction may hold part of
    /// the step (the group rolls it back), or be gone (taken by a failure inside the VM's run).
    pub(crate) fn step<R>(
        &self,
        slot: &mut Option<Txn>,
        sender: Address,
        value: u128,
        when: When,
        action: Action<'_>,
        hooks: &Hooks<'_, R>,
    ) -> Result<Result<CallReport, R>, ChainError> {
        let txn = slot.as_ref().ok_or(ChainError::Corrupt("no open transaction"))?;
        let start = txn.mark();
        if let Some(turned_away) = (hooks.admit)(txn)? {
            txn.roll_back_to(start)?;
            return Ok(Err(turned_away));
        }
        let now = txn.read_u64("now")?.unwrap_or(GENESIS_TIME);
        let timestamp = match when {
            When::Now => now,
            When::At(at) => at,
            When::NotBefore(at) => at.max(now),
        };
        let report = |outcome: Outcome, fuel: u64, timestamp: u64| CallReport {
            outcome,
            events: vec![],
            transfers: vec![],
            fuel,
            timestamp,
            contract: None,
            fetches: vec![],
        };
        let refuse = |txn: &Txn, refused: CallReport| -> Result<Result<CallReport, R>, ChainError> {
            txn.roll_back_to(start)?;
            Chain::record_refusal(txn, refused, hooks)
        };
        let latest = self.engine.executor.latest_time();
        if timestamp > latest {
            let time =
                if latest == u64::MAX { latest.to_string() } else { billing_vm::time::rfc3339(latest) };
            let refusal = Refusal::host(
                "timestamp_out_of_range",
                &format!(
                    "block time {timestamp} is beyond what this interface can carry: block times run from \
                     {now} (the last call's) to {latest} ({time}); the clock did not move"
                ),
            );
            return refuse(txn, report(Err(refusal), 0, now));
        }
        if timestamp < now {
            let refusal = Refusal::host(
                "time_went_backwards",
                &format!("block time {timestamp} is earlier than the last call's ({now}); time never goes backwards"),
            );
            return refuse(txn, report(Err(refusal), 0, now));
        }
        if let Action::Nothing = action {
            let done = report(Ok(Value::Null), 0, timestamp);
            txn.write_u64("now", timestamp)?;
            (hooks.book)(txn, &done)?;
            return Ok(Ok(done));
        }
        if let Err(turned_away) = admit_sender(sender, Chain::is_contract(txn, &sender)?) {
            return refuse(txn, report(Err(turned_away.refusal()), 0, timestamp));
        }
        let target = match action {
            Action::Nothing => None,
            Action::Call { to, method, args } => match self.engine_at(txn, &to)? {
                Some(engine) => Some((to, engine, Some(method), args, None)),
                None => {
                    let refusal = Refusal::host(
                        "unknown_contract",
                        &format!("there is no contract at {}", to.to_hex()),
                    );
                    return refuse(txn, report(Err(refusal), 0, timestamp));
                }
            },
            Action::Deploy { code, args } => {
                let count = match txn.get(DEPLOYS, &sender.0)? {
                    None => 0,
                    Some(bytes) => bytes
                        .try_into()
                        .map(u64::from_le_bytes)
                        .map_err(|_| ChainError::Corrupt("deploy count"))?,
                };
                let address = contract_address(&sender, count);
                match Engine::load(code, self.engine.abi, &self.vm) {
                    Ok(engine) => Some((address, Arc::new(engine), None, args, Some((code, count)))),
                    Err(why @ (ChainError::Load(_) | ChainError::Code(_))) => {
                        let refusal = Refusal::host(
                            "invalid_contract_code",
                            &format!("the code cannot be deployed on this state's interface: {why}"),
                        );
                        return refuse(txn, report(Err(refusal), 0, timestamp));
                    }
                    Err(other) => return Err(other),
                }
            }
        };
        let Some((to, engine, method, args, deploying)) = target else {
            return Err(ChainError::Corrupt("no transaction to run"));
        };
        if let Err(turned_away) = admit_value(sender, txn.balance(&sender)?, value) {
            return refuse(txn, report(Err(turned_away.refusal()), 0, timestamp));
        }
        if let Some(refusal) = engine.executor.refuses(value, timestamp) {
            return refuse(txn, report(Err(refusal), 0, timestamp));
        }
        if deploying.is_some() {
            // Before `init` runs: a payment its nested calls make to the new contract must find an
            // account, or the faucet would take it for a new user's and add its gift.
            txn.open_contract_account(&to)?;
        }
        let spendable = txn.contract_balance(&to)?.saturating_add(value);
        let taken = slot.take().ok_or(ChainError::Corrupt("no open transaction"))?;
        let host = StoreTx::new(taken, to, sender, value, timestamp, spendable).in_world(self.world());
        let (mut host, answered, fuel) = engine.run(host, method, args);
        let broken = host.take_broken();
        let result = with_fault(answered, host.take_fault());
        let fetches = host.fetches();
        let (txn, events, transfers) = host.into_parts();
        let txn = &*slot.insert(StoreTx::into_txn(txn)?);
        if let Some(error) = broken {
            return Err(error);
        }
        if result.is_err() {
            let refused = CallReport { fetches, ..report(result, fuel, timestamp) };
            return refuse(txn, refused);
        }
        let mut contract = None;
        if let Some((code, count)) = deploying {
            let mut record = Vec::with_capacity(code.len().saturating_add(1));
            record.push(match engine.abi {
                Abi::Billing => b'b',
                Abi::Genvm => b'g',
            });
            record.extend_from_slice(code);
            txn.put(CONTRACTS, &to.0, &record)?;
            let next = count.checked_add(1).ok_or_else(|| ChainError::Corrupt("deploy count full"))?;
            txn.put(DEPLOYS, &sender.0, &next.to_le_bytes())?;
            contract = Some(to);
        }
        commit(&mut { txn }, &sender, &to, value, &transfers, &events)?;
        txn.write_u64("now", timestamp)?;
        let done = CallReport { outcome: result, events, transfers, fuel, timestamp, contract, fetches };
        (hooks.book)(txn, &done)?;
        Ok(Ok(done))
    }

    /// A refused call, its own writes already rolled back, leaves the block time (`refused`'s) and
    /// its bookkeeping.
    pub(crate) fn record_refusal<R>(
        txn: &Txn,
        refused: CallReport,
        hooks: &Hooks<'_, R>,
    ) -> Result<Result<CallReport, R>, ChainError> {
        if txn.read_u64("now")? != Some(refused.timestamp) {
            txn.write_u64("now", refused.timestamp)?;
        }
        (hooks.book)(txn, &refused)?;
        Ok(Ok(refused))
    }

    /// Runs a view at the current time in a read transaction: it cannot change anything.
    pub fn view(&self, method: &str, args: &[Value]) -> Result<Outcome, ChainError> {
        self.view_at(CONTRACT, method, args)
    }

    /// [`Chain::view`] of the contract at `to` (refused, `unknown_contract`, if there is none).
    pub fn view_at(&self, to: Address, method: &str, args: &[Value]) -> Result<Outcome, ChainError> {
        guarded(Path::new("state"), || {
            let txn = begin_read(self.db()?)?;
            let Some(engine) = self.engine_at(&txn, &to)? else {
                return Ok(Err(Refusal::host(
                    "unknown_contract",
                    &format!("there is no contract at {}", to.to_hex()),
                )));
            };
            let now = txn.read_u64("now")?.unwrap_or(GENESIS_TIME);
            let host = StoreTx::new(txn, to, Address::default(), 0, now, 0).in_world(self.world());
            let (mut host, answer, _) = engine.run(host, Some(method), args);
            if let Some(error) = host.take_broken() {
                return Err(error);
            }
            Ok(with_fault(answer, host.take_fault()))
        })
    }

    /// Block time of the last call (or the genesis time).
    pub fn now(&self) -> Result<u64, ChainError> {
        guarded(Path::new("state"), || Ok(begin_read(self.db()?)?.read_u64("now")?.unwrap_or(GENESIS_TIME)))
    }

    /// The balance of `account` (the faucet's gift if the chain has not seen it yet).
    pub fn balance(&self, account: &Address) -> Result<u128, ChainError> {
        guarded(Path::new("state"), || begin_read(self.db()?)?.balance(account))
    }

    /// Balances, APIs, time and counts.
    pub fn overview(&self) -> Result<Overview, ChainError> {
        let state = self.state_dump()?;
        let apis = api_summaries(
            state
                .storage
                .iter()
                .filter(|(k, _)| k.first() == Some(&b'a'))
                .map(|(k, v)| (k.as_slice(), v.as_slice())),
        );
        Ok(Overview {
            now: state.now,
            calls: state.calls,
            minted: state.minted,
            balances: state.balances,
            apis,
        })
    }

    /// The whole contract storage, and every event so far (for tests and audits).
    pub fn dump(&self) -> Result<Dump, ChainError> {
        let state = self.state_dump()?;
        Ok((state.storage, state.events))
    }

    /// Everything the state holds, every record checked.
    pub fn state_dump(&self) -> Result<StateDump, ChainError> {
        guarded(Path::new("state"), || {
            let txn = begin_read(self.db()?)?;
            let storage = txn.entries(STORAGE)?;
            let balances = txn
                .entries(BALANCES)?
                .into_iter()
                .map(|(key, value)| {
                    let address = Address(key.try_into().map_err(|_| ChainError::Corrupt("balance key"))?);
                    Ok((address, u128_of(&value)?))
                })
                .collect::<Result<Vec<_>, ChainError>>()?;
            let events = txn
                .entries(EVENTS)?
                .into_iter()
                .map(|(_, bytes)| {
                    calldata::decode(&bytes)
                        .ok()
                        .and_then(Event::from_value)
                        .ok_or_else(|| ChainError::Corrupt("event record"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut deployed: Vec<(Address, Storage)> = Vec::new();
            for (key, _) in txn.entries(CONTRACTS)? {
                let address = Address(key.try_into().map_err(|_| ChainError::Corrupt("contract key"))?);
                deployed.push((address, Vec::new()));
            }
            for (key, value) in txn.entries(tables::DEPLOYED_STORAGE)? {
                let (address, slot) = key.split_at_checked(20).ok_or(ChainError::Corrupt("storage key"))?;
                let entry = deployed
                    .iter_mut()
                    .find(|(a, _)| a.0 == address)
                    .ok_or(ChainError::Corrupt("storage of no contract"))?;
                entry.1.push((slot.to_vec(), value));
            }
            Ok(StateDump {
                storage,
                deployed,
                balances,
                events,
                now: txn.read_u64("now")?.unwrap_or(GENESIS_TIME),
                calls: txn.read_u64("calls")?.unwrap_or(0),
                minted: txn.read_u128("minted")?.unwrap_or(0),
            })
        })
    }
}
