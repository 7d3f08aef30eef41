//! The host side of genvm v0.1.8's socket protocol (`executor/src/host/mod.rs` at 80433cb; the
//! reference host is `../shared/genvm/glbatch.py`): one `genvm run` process per call, which dials the
//! driver's unix socket and asks for the call data, storage, balances, and hands over its storage
//! writes, events, value sends and finally its result.
//!
//! Every request is a method byte and a fixed body; answers start with an error byte (0 ok). GenVM
//! does not buffer storage writes, so they go into the call's [`Overlay`], committed by the caller
//! only when the call ends in `Return`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use api_usage_billing::calldata;
use api_usage_billing::{Address, Value};

use crate::message::{self, Inexpressible};
use crate::overlay::{code_slot, Overlay, SlotStore};

/// Host request ids (`host/host_fns.rs`, `Methods`).
mod method {
    pub const GET_CALLDATA: u8 = 0;
    pub const STORAGE_READ: u8 = 1;
    pub const STORAGE_WRITE: u8 = 2;
    pub const CONSUME_RESULT: u8 = 3;
    pub const GET_LEADER_NONDET_RESULT: u8 = 4;
    pub const POST_NONDET_RESULT: u8 = 5;
    pub const POST_MESSAGE: u8 = 6;
    pub const POST_EVENT: u8 = 7;
    pub const CONSUME_FUEL: u8 = 8;
    pub const DEPLOY_CONTRACT: u8 = 9;
    pub const ETH_CALL: u8 = 10;
    pub const ETH_SEND: u8 = 11;
    pub const GET_BALANCE: u8 = 12;
    pub const REMAINING_FUEL_AS_GEN: u8 = 13;
}

/// Host answers (`host_fns.rs`, `Errors`).
const OK: u8 = 0;
const ABSENT: u8 = 1;
const I_AM_LEADER: u8 = 3;
const OUT_OF_STORAGE_GAS: u8 = 4;

/// Result codes of `consume_result` (`public_abi.rs`, `ResultCode`).
const RESULT_RETURN: u8 = 0;
const RESULT_USER_ERROR: u8 = 1;
const RESULT_VM_ERROR: u8 = 2;

/// The longest byte string the driver takes in one request (the code is ~94 KB, writes are small).
const MAX_REQUEST_BYTES: usize = 1 << 26;

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// `Return(value)`: the value's calldata. Only this ending commits anything.
    Return(Vec<u8>),
    /// `Rollback(message)`, the contract's user error (`[EXPECTED] …` for deterministic ones).
    Rollback(String),
    /// GenVM stopped the contract: a trap, a refused host call, a bad module (`wasm_trap …`,
    /// `version_too_big`, …).
    VmError(String),
    /// It ran past the driver's time limit and was killed.
    Timeout,
}

/// An `EmitEvent`: its topics and its blob, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmittedEvent {
    pub topics: Vec<[u8; 32]>,
    pub blob: Value,
}

/// What kind of host request moved value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendKind {
    /// `EthSend`: value (and calldata) to an account, at once.
    EthSend,
    /// `PostMessage`: a message to another GenLayer contract.
    PostMessage,
    /// `DeployContract`: a new contract (no recipient yet).
    DeployContract,
}

/// Value the contract sent out (zero-value sends included, as GenVM reports them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueSend {
    pub kind: SendKind,
    /// `None` for a deploy.
    pub to: Option<Address>,
    pub value: u128,
    pub calldata: Vec<u8>,
}

/// Everything one call did.
#[derive(Clone, Debug)]
pub struct Run {
    pub ending: Ending,
    /// The contract's stdout (the refusal line `[Refused] code=…`).
    pub stdout: String,
    /// The contract's stderr, without the executor's own log lines.
    pub stderr: String,
    /// The executor's log (JSON lines, as it writes them on stderr).
    pub log: String,
    pub events: Vec<EmittedEvent>,
    pub sends: Vec<ValueSend>,
    /// The call's storage writes; commit them only when [`Run::committed`] says so.
    pub overlay: Overlay,
    /// From spawning the process to its exit.
    pub wall: Duration,
    /// From spawning the process to its dialing the host socket (process start and runtime set-up).
    pub until_connected: Option<Duration>,
    /// From spawning the process to its result arriving.
    pub until_result: Duration,
    /// The executor's own figure for validating and loading the module ("cache compiling … done").
    pub module_load: Option<Duration>,
    /// The contract's slot reads, one per logical read: a read of the slot just read (no write
    /// between) finishes the same record, as the contract reads a header and then the rest. GenVM's
    /// own reads (the code, the locked-slot lists) are not in it.
    pub reads: Vec<[u8; 32]>,
    /// How many host requests the executor made.
    pub requests: u32,
    pub exit_status: Option<ExitStatus>,
}

impl Run {
    /// The writes to commit: some only after `Return`.
    pub fn committed(&self) -> Option<&Overlay> {
        matches!(self.ending, Ending::Return(_)).then_some(&self.overlay)
    }

    /// Events and sends count only after `Return` too.
    pub fn is_return(&self) -> bool {
        matches!(self.ending, Ending::Return(_))
    }
}

/// One call to run.
#[derive(Clone, Debug)]
pub struct CallSpec {
    pub contract: Address,
    pub sender: Address,
    pub origin: Address,
    /// Attached value, in wei; GenVM carries a u64 ([`message::expressible`]).
    pub value: u128,
    /// Block time, unix seconds.
    pub timestamp: u64,
    /// `None`: the deploy call (`is_init`).
    pub method: Option<String>,
    pub args: Vec<Value>,
    /// Run with read permission only, as a node runs a view (`--permissions r`).
    pub readonly: bool,
    /// What `get_balance` answers, per account (others: 0). As a node does, the contract's own should
    /// include the attached value.
    pub balances: BTreeMap<Address, u128>,
}

impl CallSpec {
    /// A call of `method` (none: the deploy) by `sender` to the mock chain's contract account.
    pub fn new(sender: Address, method: Option<&str>, args: &[Value]) -> CallSpec {
        CallSpec {
            contract: billing_chain_core::CONTRACT,
            sender,
            origin: sender,
            value: 0,
            timestamp: billing_chain_core::GENESIS_TIME,
            method: method.map(str::to_string),
            args: args.to_vec(),
            readonly: false,
            balances: BTreeMap::new(),
        }
    }

    pub fn value(mut self, value: u128) -> CallSpec {
        self.value = value;
        self
    }

    pub fn at(mut self, timestamp: u64) -> CallSpec {
        self.timestamp = timestamp;
        self
    }

    pub fn readonly(mut self, readonly: bool) -> CallSpec {
        self.readonly = readonly;
        self
    }

    pub fn balance(mut self, account: Address, balance: u128) -> CallSpec {
        self.balances.insert(account, balance);
        self
    }
}

/// Why a call could not be run at all (its endings, errors included, are in [`Run`]).
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error(transparent)]
    Inexpressible(#[from] Inexpressible),
    #[error("cannot start the GenVM executor {path}: {source}")]
    Spawn { path: PathBuf, source: std::io::Error },
    /// Setting up the socket's directory and the files beside it.
    #[error("host socket: {path}: {source}")]
    SocketAt { path: PathBuf, source: std::io::Error },
    #[error("host socket: {0}")]
    Socket(#[source] std::io::Error),
    #[error("the GenVM executor exited ({status}) before it connected; its stderr ends: {stderr}")]
    NoConnection { status: String, stderr: String },
    #[error("the GenVM executor ended without a result ({why}); its stderr ends: {stderr}")]
    NoResult { why: String, stderr: String },
    #[error("the GenVM executor sent a malformed request: {0}")]
    Protocol(String),
}

/// A contract's code on one executor, ready to run calls; each call is its own `genvm run`. Calls
/// from several threads run one after another (they share the driver's socket).
pub struct Genvm {
    executor: PathBuf,
    config: Option<PathBuf>,
    cache_home: Option<PathBuf>,
    code: Vec<u8>,
    is_zip: bool,
    timeout: Duration,
    dir: PathBuf,
    socket: PathBuf,
    listener: UnixListener,
    calls: AtomicU64,
    /// One call at a time: every run accepts on the same socket.
    running: Mutex<()>,
}

impl std::fmt::Debug for Genvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Genvm").field("executor", &self.executor).field("code", &self.code.len()).finish()
    }
}

impl Drop for Genvm {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The default limit for one call: generous against a loaded machine, far below a hung test.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl Genvm {
    /// `code` is the contract as deployed: a `.zip` archive (`runner.json`, `version`,
    /// `contract.wasm`) or a bare `.wasm`.
    pub fn new(executor: &Path, code: Vec<u8>) -> Result<Genvm, DriverError> {
        static INSTANCES: AtomicU64 = AtomicU64::new(0);
        let n = INSTANCES.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("genvm-host-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|source| DriverError::SocketAt { path: dir.clone(), source })?;
        let socket = dir.join("host.sock");
        let listener = UnixListener::bind(&socket)
            .and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
            .map_err(|source| DriverError::SocketAt { path: socket.clone(), source })?;
        Ok(Genvm {
            executor: executor.to_path_buf(),
            config: None,
            cache_home: None,
            is_zip: crate::is_zip(&code),
            code,
            timeout: DEFAULT_TIMEOUT,
            dir,
            socket,
            listener,
            calls: AtomicU64::new(0),
            running: Mutex::new(()),
        })
    }

    /// A limit for each call, past which it ends in [`Ending::Timeout`].
    pub fn with_timeout(mut self, timeout: Duration) -> Genvm {
        self.timeout = timeout;
        self
    }

    /// `genvm --config PATH` instead of the `../config/genvm.yaml` beside the binary.
    pub fn with_config(mut self, config: PathBuf) -> Genvm {
        self.config = Some(config);
        self
    }

    /// Runs the executor with `HOME` there: its module cache (`$HOME/.cache/genvm`) starts empty.
    pub fn with_cache_home(mut self, home: PathBuf) -> Genvm {
        self.cache_home = Some(home);
        self
    }

    pub fn executor(&self) -> &Path {
        &self.executor
    }

    /// What `genvm --version` prints, e.g. `genvm v0.1.8-x86_64-linux-release` (to say which VM ran).
    pub fn version(&self) -> Result<String, DriverError> {
        let output = Command::new(&self.executor)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| DriverError::Spawn { path: self.executor.clone(), source })?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    pub fn code(&self) -> &[u8] {
        &self.code
    }

    /// Whether the code is a deployment archive (then version v0.1.6 and its time rule apply).
    pub fn is_zip(&self) -> bool {
        self.is_zip
    }

    /// Runs one call over `store` (the committed slots). Nothing is written anywhere: the writes come
    /// back in [`Run::overlay`].
    pub fn run(&self, call: &CallSpec, store: &dyn SlotStore) -> Result<Run, DriverError> {
        message::expressible(call.value, call.timestamp, self.is_zip)?;
        self.run_unchecked(call, store)
    }

    /// [`Genvm::run`] without the [`message::expressible`] check on the block time, to show what the
    /// executor itself does with a time it refuses (tests). The value must still fit a u64.
    #[doc(hidden)]
    pub fn run_unchecked(&self, call: &CallSpec, store: &dyn SlotStore) -> Result<Run, DriverError> {
        // A panic elsewhere while holding it leaves nothing half-done here: the lock guards no data.
        let _one_at_a_time = self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let value = u64::try_from(call.value).map_err(|_| Inexpressible::Value { value: call.value })?;
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let json = message::json_message(
            &call.contract,
            &call.sender,
            &call.origin,
            value,
            call.timestamp,
            call.method.is_none(),
        );
        let host_data = format!("{{\"node_address\":\"0x{}\",\"tx_id\":\"0x{n:064x}\"}}", "00".repeat(20));
        let stdout_path = self.dir.join("stdout");
        let stderr_path = self.dir.join("stderr");
        let stdout = File::create(&stdout_path)
            .map_err(|source| DriverError::SocketAt { path: stdout_path.clone(), source })?;
        let stderr = File::create(&stderr_path)
            .map_err(|source| DriverError::SocketAt { path: stderr_path.clone(), source })?;
        // A connection left from a call killed before it was served must not reach this one.
        while let Ok((stale, _)) = self.listener.accept() {
            drop(stale);
        }

        let mut command = Command::new(&self.executor);
        if let Some(config) = &self.config {
            command.arg("--config").arg(config);
        }
        command
            .arg("run")
            .arg("--host")
            .arg(format!("unix://{}", self.socket.display()))
            .arg("--message")
            .arg(&json)
            .arg("--permissions")
            .arg(if call.readonly { "r" } else { "rwscn" })
            .arg("--host-data")
            .arg(&host_data)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        if let Some(home) = &self.cache_home {
            command.env("HOME", home);
        }
        let started = Instant::now();
        let deadline = started + self.timeout;
        let mut child =
            command.spawn().map_err(|source| DriverError::Spawn { path: self.executor.clone(), source })?;

        let mut state = CallState {
            call,
            store,
            code: &self.code,
            code_slot: code_slot(),
            entry: message::entry_data(call.method.as_deref(), &call.args),
            overlay: Overlay::default(),
            events: Vec::new(),
            sends: Vec::new(),
            reserved: reserved_slots(),
            reads: Vec::new(),
            last_read: None,
            requests: 0,
        };
        let mut until_connected = None;
        let served = self.connect(&mut child, deadline).and_then(|stream| match stream {
            Some(stream) => {
                until_connected = Some(started.elapsed());
                serve(stream, &mut state, deadline)
            }
            None => Ok(Served::Timeout),
        });
        let until_result = started.elapsed();
        let served = match served {
            Ok(served) => served,
            Err(error) => {
                kill(&mut child);
                return Err(self.with_stderr(error));
            }
        };
        let exit_status = match served {
            Served::Timeout => {
                kill(&mut child);
                child.try_wait().ok().flatten()
            }
            Served::Result(_) => {
                wait_until(&mut child, deadline.max(Instant::now() + Duration::from_secs(5)))
            }
        };
        let wall = started.elapsed();
        let ending = match served {
            Served::Timeout => Ending::Timeout,
            Served::Result(raw) => ending_of(&raw),
        };
        let stdout = String::from_utf8_lossy(&std::fs::read(&stdout_path).unwrap_or_default()).into_owned();
        let (stderr, log) =
            split_log(&String::from_utf8_lossy(&std::fs::read(&stderr_path).unwrap_or_default()));
        Ok(Run {
            ending,
            stdout,
            module_load: module_load(&log),
            stderr,
            log,
            events: state.events,
            sends: state.sends,
            overlay: state.overlay,
            wall,
            until_connected,
            until_result,
            reads: state.reads,
            requests: state.requests,
            exit_status,
        })
    }

    /// Waits for the executor to dial the socket; `None` at the deadline.
    fn connect(&self, child: &mut Child, deadline: Instant) -> Result<Option<UnixStream>, DriverError> {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).map_err(DriverError::Socket)?;
                    return Ok(Some(stream));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(DriverError::Socket(e)),
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(DriverError::NoConnection { status: status.to_string(), stderr: String::new() });
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    fn with_stderr(&self, error: DriverError) -> DriverError {
        let tail = || {
            let text = std::fs::read(self.dir.join("stderr")).unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            let start = text.len().saturating_sub(2_000);
            text.get(start..).unwrap_or_default().to_string()
        };
        match error {
            DriverError::NoConnection { status, .. } => DriverError::NoConnection { status, stderr: tail() },
            DriverError::NoResult { why, .. } => DriverError::NoResult { why, stderr: tail() },
            other => other,
        }
    }
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits for the process to exit on its own (it does, right after its result), killing it at the
/// deadline.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let mut pause = Duration::from_micros(100);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(2));
            }
            _ => {
                kill(child);
                return None;
            }
        }
    }
}

/// The executor's log lines are JSON objects with a `level`; the rest of stderr is the contract's.
fn split_log(stderr: &str) -> (String, String) {
    let (mut contract, mut log) = (String::new(), String::new());
    for line in stderr.split_inclusive('\n') {
        if line.starts_with("{\"level\":") {
            log.push_str(line);
        } else {
            contract.push_str(line);
        }
    }
    (contract, log)
}

/// The executor's "cache compiling … done" duration: how long validating and loading the module took.
fn module_load(log: &str) -> Option<Duration> {
    let line =
        log.lines().find(|l| l.contains("\"message\":\"cache compiling\"") && l.contains("\"done\""))?;
    let json: serde_json::Value = serde_json::from_str(line).ok()?;
    parse_duration(json.get("duration")?.as_str()?)
}

/// Rust's `Debug` of a `Duration`: `10.300141ms`, `850.2µs`, `1.5s`, `900ns`.
fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit_nanos) = [("ns", 1.0), ("µs", 1e3), ("us", 1e3), ("ms", 1e6), ("s", 1e9)]
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, *scale)))?;
    let value: f64 = number.parse().ok()?;
    (value.is_finite() && value >= 0.0).then(|| Duration::from_nanos((value * unit_nanos) as u64))
}

/// The ending a `consume_result` payload stands for. User and VM errors are a calldata map
/// `{message, fingerprint}`; errors raised outside the contract are plain text.
fn ending_of(raw: &[u8]) -> Ending {
    let (code, payload) = match raw.split_first() {
        Some((code, payload)) => (*code, payload),
        None => return Ending::VmError("empty result".to_string()),
    };
    let message = || match calldata::decode(payload) {
        Ok(value) => match value.get("message").and_then(Value::as_str) {
            Some(message) => message.to_string(),
            None => String::from_utf8_lossy(payload).into_owned(),
        },
        Err(_) => String::from_utf8_lossy(payload).into_owned(),
    };
    match code {
        RESULT_RETURN => Ending::Return(payload.to_vec()),
        RESULT_USER_ERROR => Ending::Rollback(message()),
        RESULT_VM_ERROR => Ending::VmError(message()),
        other => Ending::VmError(format!("internal error (result code {other}): {}", message())),
    }
}

struct CallState<'a> {
    call: &'a CallSpec,
    store: &'a dyn SlotStore,
    code: &'a [u8],
    code_slot: [u8; 32],
    entry: Vec<u8>,
    overlay: Overlay,
    events: Vec<EmittedEvent>,
    sends: Vec<ValueSend>,
    /// The slots GenVM itself reads: the code, the locked slots, the upgraders.
    reserved: [[u8; 32]; 3],
    reads: Vec<[u8; 32]>,
    last_read: Option<[u8; 32]>,
    requests: u32,
}

/// `SHA3-256(32 zero bytes ‖ le32(n))` for the root offsets GenVM uses (`root_offsets`).
fn reserved_slots() -> [[u8; 32]; 3] {
    use sha3::{Digest, Sha3_256};
    [1u32, 2, 3].map(|offset| {
        let mut hasher = Sha3_256::new();
        hasher.update([0u8; 32]);
        hasher.update(offset.to_le_bytes());
        hasher.finalize().into()
    })
}

impl CallState<'_> {
    /// The committed bytes of one of the contract's slots; the code slot holds `le32(len) ‖ code`.
    fn base(&self, slot: &[u8; 32]) -> Option<Vec<u8>> {
        if *slot == self.code_slot {
            let mut bytes = Vec::with_capacity(4 + self.code.len());
            bytes.extend_from_slice(&u32::try_from(self.code.len()).unwrap_or(u32::MAX).to_le_bytes());
            bytes.extend_from_slice(self.code);
            return Some(bytes);
        }
        self.store.read(slot)
    }
}

enum Served {
    Result(Vec<u8>),
    Timeout,
}

/// Why serving stopped before a result.
enum Stop {
    Timeout,
    Gone(String),
    Protocol(String),
}

impl From<Stop> for Result<Served, DriverError> {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::Timeout => Ok(Served::Timeout),
            Stop::Gone(why) => Err(DriverError::NoResult { why, stderr: String::new() }),
            Stop::Protocol(why) => Err(DriverError::Protocol(why)),
        }
    }
}

struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

fn io_stop(e: std::io::Error) -> Stop {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => Stop::Timeout,
        _ => Stop::Gone(e.to_string()),
    }
}

impl Conn {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
        let mut buf = [0u8; N];
        self.reader.read_exact(&mut buf).map_err(io_stop)?;
        Ok(buf)
    }

    fn u32(&mut self) -> Result<u32, Stop> {
        self.bytes::<4>().map(u32::from_le_bytes)
    }

    /// A `u32` length and that many bytes.
    fn slice(&mut self) -> Result<Vec<u8>, Stop> {
        let len = self.u32()? as usize;
        if len > MAX_REQUEST_BYTES {
            return Err(Stop::Protocol(format!("a {len}-byte field")));
        }
        let mut buf = Vec::with_capacity(len);
        (&mut self.reader).take(len as u64).read_to_end(&mut buf).map_err(io_stop)?;
        if buf.len() != len {
            return Err(Stop::Gone("connection closed inside a request".to_string()));
        }
        Ok(buf)
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        self.writer.write_all(bytes).map_err(io_stop)
    }
}

/// Answers the executor's requests until its result arrives.
fn serve(stream: UnixStream, state: &mut CallState<'_>, deadline: Instant) -> Result<Served, DriverError> {
    let writer = stream.try_clone().map_err(DriverError::Socket)?;
    let mut conn = Conn { reader: BufReader::new(stream), writer };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Served::Timeout);
        }
        if let Err(e) = conn.reader.get_ref().set_read_timeout(Some(left)) {
            return Err(DriverError::Socket(e));
        }
        match answer(&mut conn, state) {
            Ok(Some(result)) => return Ok(Served::Result(result)),
            Ok(None) => state.requests = state.requests.saturating_add(1),
            Err(stop) => return stop.into(),
        }
    }
}

/// One request and its answer; `Some` with the result bytes at the end of the call.
fn answer(conn: &mut Conn, state: &mut CallState<'_>) -> Result<Option<Vec<u8>>, Stop> {
    let [request] = conn.bytes::<1>()?;
    match request {
        method::GET_CALLDATA => {
            let mut reply = vec![OK];
            reply.extend_from_slice(&len32(&state.entry)?);
            reply.extend_from_slice(&state.entry);
            conn.send(&reply)?;
        }
        method::STORAGE_READ => {
            let _storage_type = conn.bytes::<1>()?; // default / latest final / latest non-final: one state
            let account = Address(conn.bytes::<20>()?);
            let slot = conn.bytes::<32>()?;
            let index = conn.u32()?;
            let len = conn.u32()?;
            if len as usize > MAX_REQUEST_BYTES {
                return Err(Stop::Protocol(format!("a {len}-byte storage read")));
            }
            let mut reply = Vec::with_capacity(1 + len as usize);
            reply.push(OK);
            if account == state.call.contract {
                reply.extend(state.overlay.read(&slot, index, len, || state.base(&slot)));
                if !state.reserved.contains(&slot) && state.last_read != Some(slot) {
                    state.reads.push(slot);
                }
                state.last_read = Some(slot);
            } else {
                // No other contract lives here: its storage reads as never written.
                reply.resize(1 + len as usize, 0);
            }
            conn.send(&reply)?;
        }
        method::STORAGE_WRITE => {
            let slot = conn.bytes::<32>()?;
            let index = conn.u32()?;
            let data = conn.slice()?;
            let base = state.base(&slot);
            let written = state.overlay.write(&slot, index, &data, || base);
            state.last_read = None;
            conn.send(&[if written { OK } else { OUT_OF_STORAGE_GAS }])?;
        }
        method::CONSUME_RESULT => {
            let result = conn.slice()?;
            conn.send(&[OK])?;
            return Ok(Some(result));
        }
        method::GET_LEADER_NONDET_RESULT => {
            let _call_no = conn.u32()?;
            conn.send(&[I_AM_LEADER])?;
        }
        method::POST_NONDET_RESULT => {
            let _call_no = conn.u32()?;
            let _result = conn.slice()?;
            conn.send(&[OK])?;
        }
        method::POST_MESSAGE | method::ETH_SEND => {
            let to = Address(conn.bytes::<20>()?);
            let calldata = conn.slice()?;
            let data = conn.slice()?;
            let kind = if request == method::ETH_SEND { SendKind::EthSend } else { SendKind::PostMessage };
            state.sends.push(ValueSend { kind, to: Some(to), value: value_of(&data)?, calldata });
            conn.send(&[OK])?;
        }
        method::DEPLOY_CONTRACT => {
            let calldata = conn.slice()?;
            let _code = conn.slice()?;
            let data = conn.slice()?;
            state.sends.push(ValueSend {
                kind: SendKind::DeployContract,
                to: None,
                value: value_of(&data)?,
                calldata,
            });
            conn.send(&[OK])?;
        }
        method::POST_EVENT => {
            let [count] = conn.bytes::<1>()?;
            let topics = (0..count).map(|_| conn.bytes::<32>()).collect::<Result<Vec<_>, _>>()?;
            let blob = conn.slice()?;
            let blob =
                calldata::decode(&blob).map_err(|_| Stop::Protocol("an undecodable event blob".into()))?;
            state.events.push(EmittedEvent { topics, blob });
            conn.send(&[OK])?;
        }
        method::CONSUME_FUEL => {
            let _gas = conn.bytes::<8>()?; // no answer: v0.1.8 meters nothing here
        }
        method::ETH_CALL => {
            let _to = conn.bytes::<20>()?;
            let _calldata = conn.slice()?;
            conn.send(&[ABSENT])?; // no other contracts here
        }
        method::GET_BALANCE => {
            let account = Address(conn.bytes::<20>()?);
            let balance = state.call.balances.get(&account).copied().unwrap_or(0);
            let mut reply = [0u8; 33];
            reply[1..17].copy_from_slice(&balance.to_le_bytes());
            conn.send(&reply)?;
        }
        method::REMAINING_FUEL_AS_GEN => {
            let mut reply = vec![OK];
            reply.extend_from_slice(&((1u64 << 53) - 1).to_le_bytes());
            conn.send(&reply)?;
        }
        other => return Err(Stop::Protocol(format!("unknown host request {other}"))),
    }
    Ok(None)
}

fn len32(bytes: &[u8]) -> Result<[u8; 4], Stop> {
    u32::try_from(bytes.len())
        .map(u32::to_le_bytes)
        .map_err(|_| Stop::Protocol("an answer over 4 GiB".into()))
}

/// The `value` of a send's JSON data, `{"value": "0x1f", ...}` (hex, as v0.1.8 writes it).
fn value_of(data: &[u8]) -> Result<u128, Stop> {
    let bad = || Stop::Protocol(format!("send data {:?}", String::from_utf8_lossy(data)));
    let json: serde_json::Value = serde_json::from_slice(data).map_err(|_| bad())?;
    match json.get("value") {
        None => Ok(0),
        Some(serde_json::Value::String(text)) => match text.strip_prefix("0x") {
            Some(hex) => u128::from_str_radix(hex, 16).map_err(|_| bad()),
            None => text.parse().map_err(|_| bad()),
        },
        Some(serde_json::Value::Number(number)) => number.as_u64().map(u128::from).ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_read_as_their_endings() {
        assert_eq!(ending_of(&[0, 0]), Ending::Return(vec![0]));
        let user = calldata::encode(&Value::map([
            ("fingerprint", Value::Null),
            ("message", Value::from("[EXPECTED] api not registered")),
        ]));
        assert_eq!(
            ending_of(&[&[1][..], &user].concat()),
            Ending::Rollback("[EXPECTED] api not registered".into())
        );
        assert_eq!(ending_of(b"\x02plain text"), Ending::VmError("plain text".into()));
        assert!(matches!(ending_of(b"\x03x"), Ending::VmError(m) if m.starts_with("internal error")));
        assert!(matches!(ending_of(b""), Ending::VmError(_)));
    }

    #[test]
    fn send_values_and_log_durations_parse() {
        assert!(matches!(value_of(br#"{"value":"0x1f"}"#), Ok(31)));
        assert!(matches!(value_of(br#"{"value":"0x0"}"#), Ok(0)));
        assert!(value_of(br#"{"value":"0xzz"}"#).is_err());
        assert!(value_of(b"not json").is_err());
        assert_eq!(parse_duration("10.300141ms"), Some(Duration::from_nanos(10_300_141)));
        assert_eq!(parse_duration("850µs"), Some(Duration::from_micros(850)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1_500)));
        assert_eq!(parse_duration("fast"), None);
        let log =
            "{\"level\":\"info\",\"message\":\"cache compiling\",\"status\":\"done\",\"duration\":\"2ms\"}\n";
        let (contract, log) = split_log(&format!("oops\n{log}"));
        assert_eq!(contract, "oops\n");
        assert_eq!(module_load(&log), Some(Duration::from_millis(2)));
    }
}
