//! The sandbox's persistent chain: contract storage, balances, block time and events in one redb
//! file, and one write transaction per call, so a refused or interrupted call leaves no trace.

mod error;
mod tables;
mod tx;

pub use error::ChainError;
pub use tx::StoreTx;

use std::path::{Path, PathBuf};

use api_usage_billing::calldata;
use api_usage_billing::testing::{
    api_summaries, ApiSummary, Outcome, Refusal, Transfer, CONTRACT, GENESIS_TIME,
};
use api_usage_billing::{Address, Event, Value};
use redb::{Database, ReadableTable, TableHandle};

use billing_vm::billing::WasmContract;
use billing_vm::executor::{genvm_outcome, outcome};
use billing_vm::genvm::GenvmContract;
use tables::{balance, move_value, read_u128, read_u64, u128_of, write_u64, BALANCES, EVENTS, META, STORAGE};

/// Marks a redb file as this program's state, in this layout.
const FORMAT: &[u8] = b"api-usage-billing sandbox state, version 2";

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

/// Every contract storage entry, in key order, and every event in order.
pub type Dump = (Vec<(Vec<u8>, Vec<u8>)>, Vec<Event>);

/// The host interface a state's contract runs on; a state remembers which one made it, since the two
/// keep their records differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    /// One export per entrypoint (docs/ABI.md), on wasmi.
    Billing,
    /// GenLayer's interface through `_start` (docs/ABI.md, "GenVM flavor"), on wasmi.
    Genvm,
}

/// The contract behind a state, on one of its two host interfaces.
#[derive(Clone)]
enum Engine {
    Billing(WasmContract<StoreTx>),
    Genvm(GenvmContract<StoreTx>),
}

impl Engine {
    fn load(wasm: &[u8], abi: Abi) -> Result<Engine, ChainError> {
        let engine = match abi {
            Abi::Billing => WasmContract::load(wasm).map(Engine::Billing),
            Abi::Genvm => GenvmContract::load(wasm).map(Engine::Genvm),
        };
        engine.map_err(ChainError::Load)
    }

    fn name(&self) -> &'static [u8] {
        match self {
            Engine::Billing(_) => b"billing",
            Engine::Genvm(_) => b"genvm",
        }
    }

    /// Runs `method` (none: the deploy call) over `host`; views run read-only on GenVM.
    fn run(&self, host: StoreTx, method: Option<&str>, args: &[Value]) -> (StoreTx, Outcome, u64) {
        match self {
            Engine::Billing(contract) => {
                let export = method.unwrap_or("init");
                if !contract.has_function(export) {
                    return (host, Err(Refusal::from(api_usage_billing::Error::UnknownMethod)), 0);
                }
                let (host, ending, fuel) =
                    contract.call(host, export, calldata::encode(&Value::Array(args.to_vec())));
                (host, outcome(ending), fuel)
            }
            Engine::Genvm(contract) => {
                let readonly = billing_vm::genvm::runs_read_only(method);
                let message =
                    billing_vm::genvm::message(host.sender, host.value, host.timestamp, method, args);
                let (host, ending, run) = contract.run(host, message, readonly);
                (host, genvm_outcome(ending, &run), run.fuel)
            }
        }
    }
}

/// A state file opened by this process (redb locks it against other processes).
pub struct Chain {
    db: Database,
    engine: Engine,
}

fn open_error(path: &Path, e: redb::DatabaseError) -> ChainError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => ChainError::InUse(path.to_path_buf()),
        other => ChainError::Unreadable { path: path.to_path_buf(), why: other.to_string() },
    }
}

impl Chain {
    /// Opens the state at `path`, creating it (with the contract deployed) if it does not exist or
    /// `fresh` is set.
    pub fn open(path: &Path, wasm: &[u8], fresh: bool) -> Result<Chain, ChainError> {
        Chain::open_with(path, wasm, fresh, Abi::Billing)
    }

    /// [`Chain::open`] for the contract on the given host interface. A state remembers which one
    /// made it: the two keep their records differently.
    pub fn open_with(path: &Path, wasm: &[u8], fresh: bool, abi: Abi) -> Result<Chain, ChainError> {
        let contract = Engine::load(wasm, abi)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| ChainError::at(path, e))?;
        }
        if fresh || !path.exists() {
            Chain::create(path, &contract)?;
        }
        let db = Database::create(path).map_err(|e| open_error(path, e))?;
        let chain = Chain { db, engine: contract };
        chain.check_or_initialize(path)?;
        Ok(chain)
    }

    /// A new state, made whole beside `path` and then renamed over it: a crash at any moment leaves
    /// either the old state or the new one, never a half-made file.
    fn create(path: &Path, contract: &Engine) -> Result<(), ChainError> {
        if path.exists() {
            // Refuse to replace a state another sandbox is using; a damaged one may be replaced.
            if let Err(redb::DatabaseError::DatabaseAlreadyOpen) = Database::create(path) {
                return Err(open_error(path, redb::DatabaseError::DatabaseAlreadyOpen));
            }
        }
        let mut building = path.as_os_str().to_owned();
        building.push(".creating");
        let building = PathBuf::from(building);
        if building.exists() {
            std::fs::remove_file(&building).map_err(|e| ChainError::at(&building, e))?;
        }
        {
            let db = Database::create(&building).map_err(|e| open_error(&building, e))?;
            Chain { db, engine: contract.clone() }.check_or_initialize(&building)?;
        }
        std::fs::rename(&building, path).map_err(|e| ChainError::at(path, e))
    }

    fn check_or_initialize(&self, path: &Path) -> Result<(), ChainError> {
        let txn = self.db.begin_write().map_err(|e| ChainError::at(path, e))?;
        let format = {
            let meta = txn.open_table(META).map_err(|e| ChainError::at(path, e))?;
            let format = meta.get("format").map_err(|e| ChainError::at(path, e))?.map(|v| v.value().to_vec());
            format
        };
        let abi = {
            let meta = txn.open_table(META).map_err(|e| ChainError::at(path, e))?;
            let abi = meta.get("abi").map_err(|e| ChainError::at(path, e))?.map(|v| v.value().to_vec());
            abi
        };
        match format.as_deref() {
            Some(FORMAT) if abi.as_deref() == Some(self.engine.name()) => {
                txn.abort().map_err(|e| ChainError::at(path, e))
            }
            Some(FORMAT) => Err(ChainError::OtherAbi {
                path: path.to_path_buf(),
                abi: String::from_utf8_lossy(abi.as_deref().unwrap_or(b"?")).into_owned(),
            }),
            Some(_) => Err(ChainError::OtherVersion(path.to_path_buf())),
            None => {
                let names: Vec<String> = txn
                    .list_tables()
                    .map_err(|e| ChainError::at(path, e))?
                    .map(|t| t.name().to_string())
                    .collect();
                if names.iter().any(|name| name != "meta") {
                    return Err(ChainError::Foreign(path.to_path_buf()));
                }
                {
                    let mut meta = txn.open_table(META).map_err(|e| ChainError::at(path, e))?;
                    meta.insert("format", FORMAT).map_err(|e| ChainError::at(path, e))?;
                    meta.insert("abi", self.engine.name()).map_err(|e| ChainError::at(path, e))?;
                    meta.insert("now", GENESIS_TIME.to_le_bytes().as_slice())
                        .map_err(|e| ChainError::at(path, e))?;
                }
                let host = StoreTx::new(txn, CONTRACT, 0, GENESIS_TIME, 0);
                let (host, deployed, _) = self.engine.run(host, None, &[]);
                deployed.map_err(|r| ChainError::Deploy(r.message))?;
                host.txn.commit().map_err(|e| ChainError::at(path, e))
            }
        }
    }

    /// Runs one call as one store transaction. `at` moves block time (never backwards); without it
    /// the call runs at the last call's time.
    pub fn call(
        &self,
        sender: Address,
        value: u128,
        at: Option<u64>,
        method: &str,
        args: &[Value],
    ) -> Result<CallReport, ChainError> {
        let txn = self.db.begin_write().map_err(ChainError::store)?;
        let now = read_u64(&txn, "now")?.unwrap_or(GENESIS_TIME);
        let timestamp = at.unwrap_or(now);
        let refused = |refusal: Refusal| CallReport {
            outcome: Err(refusal),
            events: vec![],
            transfers: vec![],
            fuel: 0,
            timestamp,
        };
        if timestamp < now {
            txn.abort().map_err(ChainError::store)?;
            return Ok(refused(Refusal::host(
                "time_went_backwards",
                &format!("block time {timestamp} is earlier than the last call's ({now}); time never goes backwards"),
            )));
        }
        let sender_balance = balance(&txn, &sender)?;
        if sender_balance < value {
            txn.abort().map_err(ChainError::store)?;
            self.set_time(timestamp)?;
            return Ok(refused(Refusal::host(
                "insufficient_funds",
                &format!(
                    "{} holds {sender_balance} wei, less than the {value} wei attached",
                    sender.to_hex()
                ),
            )));
        }
        let spendable = balance(&txn, &CONTRACT)?.saturating_add(value);
        let host = StoreTx::new(txn, sender, value, timestamp, spendable);
        let (host, mut result, fuel) = self.engine.run(host, Some(method), args);
        if let Some(fault) = host.fault.borrow_mut().take() {
            result = Err(Refusal::host("host_fault", &fault));
        }
        if result.is_err() {
            host.txn.abort().map_err(ChainError::store)?;
            self.set_time(timestamp)?;
            return Ok(CallReport { outcome: result, events: vec![], transfers: vec![], fuel, timestamp });
        }
        let StoreTx { txn, events, transfers, .. } = host;
        move_value(&txn, &sender, &CONTRACT, value)?;
        for transfer in &transfers {
            move_value(&txn, &CONTRACT, &transfer.to, transfer.amount)?;
        }
        {
            let mut log = txn.open_table(EVENTS).map_err(ChainError::store)?;
            let first = log.last().map_err(ChainError::store)?.map_or(0, |(seq, _)| seq.value() + 1);
            for (seq, event) in (first..).zip(&events) {
                log.insert(seq, calldata::encode(&event.to_value()).as_slice()).map_err(ChainError::store)?;
            }
        }
        write_u64(&txn, "now", timestamp)?;
        let calls = read_u64(&txn, "calls")?.unwrap_or(0);
        write_u64(&txn, "calls", calls + 1)?;
        txn.commit().map_err(ChainError::store)?;
        Ok(CallReport { outcome: result, events, transfers, fuel, timestamp })
    }

    /// Runs a view at the current time without changing anything.
    pub fn view(&self, method: &str, args: &[Value]) -> Result<Outcome, ChainError> {
        let txn = self.db.begin_write().map_err(ChainError::store)?;
        let now = read_u64(&txn, "now")?.unwrap_or(GENESIS_TIME);
        let host = StoreTx::new(txn, Address::default(), 0, now, 0);
        let (host, answer, _) = self.engine.run(host, Some(method), args);
        host.txn.abort().map_err(ChainError::store)?;
        Ok(answer)
    }

    fn set_time(&self, timestamp: u64) -> Result<(), ChainError> {
        let txn = self.db.begin_write().map_err(ChainError::store)?;
        if read_u64(&txn, "now")? == Some(timestamp) {
            return txn.abort().map_err(ChainError::store);
        }
        write_u64(&txn, "now", timestamp)?;
        txn.commit().map_err(ChainError::store)
    }

    /// Block time of the last call (or the genesis time).
    pub fn now(&self) -> Result<u64, ChainError> {
        let txn = self.db.begin_write().map_err(ChainError::store)?;
        let now = read_u64(&txn, "now")?.unwrap_or(GENESIS_TIME);
        txn.abort().map_err(ChainError::store)?;
        Ok(now)
    }

    /// The balance of `account` (the faucet's gift if the chain has not seen it yet).
    pub fn balance(&self, account: &Address) -> Result<u128, ChainError> {
        let txn = self.db.begin_write().map_err(ChainError::store)?;
        let balance = balance(&txn, account)?;
        txn.abort().map_err(ChainError::store)?;
        Ok(balance)
    }

    /// Balances, APIs, time and counts.
    pub fn overview(&self) -> Result<Overview, ChainError> {
        let txn = self.db.begin_write().map_err(ChainError::store)?;
        let mut balances = Vec::new();
        {
            let table = txn.open_table(BALANCES).map_err(ChainError::store)?;
            for entry in table.iter().map_err(ChainError::store)? {
                let (key, value) = entry.map_err(ChainError::store)?;
                let address =
                    Address(key.value().try_into().map_err(|_| ChainError::Corrupt("balance key".into()))?);
                balances.push((address, u128_of(value.value())?));
            }
        }
        let storage: Vec<(Vec<u8>, Vec<u8>)> = {
            let table = txn.open_table(STORAGE).map_err(ChainError::store)?;
            let entries =
                table.range::<&[u8]>(b"a".as_slice()..b"b".as_slice()).map_err(ChainError::store)?;
            entries
                .map(|entry| {
                    entry.map(|(k, v)| (k.value().to_vec(), v.value().to_vec())).map_err(ChainError::store)
                })
                .collect::<Result<_, _>>()?
        };
        let apis = api_summaries(storage.iter().map(|(k, v)| (k.as_slice(), v.as_slice())));
        let now = read_u64(&txn, "now")?.unwrap_or(GENESIS_TIME);
        let calls = read_u64(&txn, "calls")?.unwrap_or(0);
        let minted = read_u128(&txn, "minted")?.unwrap_or(0);
        txn.abort().map_err(ChainError::store)?;
        Ok(Overview { now, calls, minted, balances, apis })
    }

    /// The whole contract storage, and every event so far (for tests and audits).
    pub fn dump(&self) -> Result<Dump, ChainError> {
        let txn = self.db.begin_write().map_err(ChainError::store)?;
        let storage = {
            let table = txn.open_table(STORAGE).map_err(ChainError::store)?;
            let entries = table.iter().map_err(ChainError::store)?;
            entries
                .map(|entry| {
                    entry.map(|(k, v)| (k.value().to_vec(), v.value().to_vec())).map_err(ChainError::store)
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        let events = {
            let table = txn.open_table(EVENTS).map_err(ChainError::store)?;
            let entries = table.iter().map_err(ChainError::store)?;
            entries
                .map(|entry| {
                    let (_, bytes) = entry.map_err(ChainError::store)?;
                    calldata::decode(bytes.value())
                        .ok()
                        .and_then(Event::from_value)
                        .ok_or_else(|| ChainError::Corrupt("event record".into()))
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        txn.abort().map_err(ChainError::store)?;
        Ok((storage, events))
    }
}
