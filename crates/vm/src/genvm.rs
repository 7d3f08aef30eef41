//! A wasmi host of GenVM's interface (../shared/GENVM.md): the message on stdin, `genlayer_sdk`
//! storage slots, balances and `gl_call` with their errno codes, WASI `fd_read`/`fd_write`/
//! `proc_exit`, and read-only mode for views. It runs the `genvm` flavor of the artifact.

use crate::trace::{mark, FuelMark, Traced};
use crate::LoadError;
use std::borrow::Cow;

use api_usage_billing::calldata;
use api_usage_billing::genvm::protocol::event_topic;
use api_usage_billing::schema::EVENTS;
use api_usage_billing::{Address, Event, Value};
use wasmi::{Caller, CompilationMode, Config, Engine, Linker, Module, Store};

use crate::billing::{call_limits, memory, VmHost, FUEL_LIMIT};

/// genlayer_sdk errno codes.
const OK: u32 = 0;
const INVAL: u32 = 2;
const FORBIDDEN: u32 = 6;
const INBALANCE: u32 = 7;
/// The most topics an event may have (genvm `public_abi::EVENT_MAX_TOPICS`).
const MAX_TOPICS: usize = 4;
/// WASI errno codes.
const WASI_BADF: u32 = 8;
/// `gl_call`'s "no reply" file descriptor.
const NO_FD: u32 = u32::MAX;

/// How a `_start` ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GenvmEnding {
    /// `gl_call({"Return": value})`: the value's calldata (a plain return means `null`).
    Return(Vec<u8>),
    /// `gl_call({"Rollback": message})`.
    Rollback(String),
    /// A trap, a bad host call, fuel, or `proc_exit(n)` with `n` not 0 (`exit_code n`, as genvm
    /// reports it; `proc_exit(0)` is `Return(null)`).
    Trapped(String),
}

/// What one `_start` run did beyond its ending.
#[derive(Clone, Debug, Default)]
pub struct GenvmRun {
    pub stdout: String,
    pub stderr: String,
    pub fuel: u64,
    /// The fuel at each host call (empty unless the run was traced).
    pub trace: Vec<FuelMark>,
}

struct State<H> {
    host: H,
    stdin: Vec<u8>,
    stdin_at: usize,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    readonly: bool,
    ending: Option<GenvmEnding>,
    last_slot_read: Option<[u8; 32]>,
    limits: wasmi::StoreLimits,
    /// The fuel at each host call, when the run is traced.
    trace: Option<Vec<FuelMark>>,
}

impl<H> Traced for State<H> {
    fn trace(&mut self) -> &mut Option<Vec<FuelMark>> {
        &mut self.trace
    }
}

/// The `genvm` artifact, ready to run `_start` once per call over a host of type `H`.
pub struct GenvmContract<H: VmHost> {
    engine: Engine,
    module: Module,
    linker: Linker<State<H>>,
}

impl<H: VmHost> Clone for GenvmContract<H> {
    fn clone(&self) -> Self {
        GenvmContract {
            engine: self.engine.clone(),
            module: self.module.clone(),
            linker: self.linker.clone(),
        }
    }
}

impl<H: VmHost> GenvmContract<H> {
    /// Loads the module with the features GenVM enables; floats are off (GenVM traps on them).
    pub fn load(wasm: &[u8]) -> Result<GenvmContract<H>, LoadError> {
        let mut config = Config::default();
        config
            .compilation_mode(CompilationMode::Eager)
            .consume_fuel(true)
            .floats(false)
            .wasm_saturating_float_to_int(false)
            .wasm_reference_types(false)
            .wasm_extended_const(false);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wasm).map_err(|e| LoadError::InvalidModule(e.into()))?;
        let mut linker = Linker::new(&engine);
        define(&mut linker).map_err(|e| LoadError::HostSetup(e.into()))?;
        Ok(GenvmContract { engine, module, linker })
    }

    /// Runs `_start` with `message` on stdin.
    pub fn run(&self, host: H, message: Vec<u8>, readonly: bool) -> (H, GenvmEnding, GenvmRun) {
        self.run_with(host, message, readonly, None)
    }

    /// [`GenvmContract::run`], with the fuel burned at each host call in [`GenvmRun::trace`].
    pub fn run_traced(&self, host: H, message: Vec<u8>, readonly: bool) -> (H, GenvmEnding, GenvmRun) {
        self.run_with(host, message, readonly, Some(Vec::new()))
    }

    fn run_with(
        &self,
        host: H,
        message: Vec<u8>,
        readonly: bool,
        trace: Option<Vec<FuelMark>>,
    ) -> (H, GenvmEnding, GenvmRun) {
        let state = State {
            host,
            stdin: message,
            stdin_at: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
            readonly,
            ending: None,
            last_slot_read: None,
            limits: call_limits(),
            trace,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        let _ = store.set_fuel(FUEL_LIMIT);
        let result = self
            .linker
            .instantiate_and_start(&mut store, &self.module)
            .and_then(|instance| instance.get_typed_func::<(), ()>(&store, "_start"))
            .and_then(|start| start.call(&mut store, ()));
        let fuel = FUEL_LIMIT - store.get_fuel().unwrap_or(0);
        let state = store.into_data();
        let ending = match (state.ending, result) {
            (Some(ending), _) => ending,
            (None, Ok(())) => GenvmEnding::Return(calldata::encode(&Value::Null)),
            (None, Err(e)) => GenvmEnding::Trapped(e.to_string()),
        };
        let run = GenvmRun {
            stdout: String::from_utf8_lossy(&state.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&state.stderr).into_owned(),
            fuel,
            // Marks hold the fuel left at each host call: burned is the limit less it.
            trace: state
                .trace
                .into_iter()
                .flatten()
                .map(|mark| FuelMark { fuel: FUEL_LIMIT.saturating_sub(mark.fuel), ..mark })
                .collect(),
        };
        (state.host, ending, run)
    }
}

fn bytes_at<H: VmHost>(caller: &Caller<'_, State<H>>, ptr: u32, len: u32) -> Result<Vec<u8>, wasmi::Error> {
    let mut buf = vec![0u8; len as usize];
    memory(caller)?
        .read(caller, ptr as usize, &mut buf)
        .map_err(|_| wasmi::Error::new("read out of bounds"))?;
    Ok(buf)
}

fn put<H: VmHost>(caller: &mut Caller<'_, State<H>>, ptr: u32, bytes: &[u8]) -> Result<(), wasmi::Error> {
    let memory = memory(caller)?;
    memory.write(caller, ptr as usize, bytes).map_err(|_| wasmi::Error::new("write out of bounds"))
}

fn slot<H: VmHost>(caller: &Caller<'_, State<H>>, ptr: u32) -> Result<[u8; 32], wasmi::Error> {
    bytes_at(caller, ptr, 32)?.try_into().map_err(|_| wasmi::Error::new("slot"))
}

/// The iovecs `[(ptr, len); n]` at `iovs`.
fn iovecs<H: VmHost>(
    caller: &Caller<'_, State<H>>,
    iovs: u32,
    n: u32,
) -> Result<Vec<(u32, u32)>, wasmi::Error> {
    let raw = bytes_at(caller, iovs, n.checked_mul(8).ok_or_else(|| wasmi::Error::new("iovecs"))?)?;
    Ok(raw
        .chunks_exact(8)
        .map(|c| (u32::from_le_bytes([c[0], c[1], c[2], c[3]]), u32::from_le_bytes([c[4], c[5], c[6], c[7]])))
        .collect())
}

/// Whether `request` is a map with exactly these keys (genvm decodes requests with
/// `deny_unknown_fields`: an extra or a missing field is inval).
fn has_exactly(request: &Value, keys: &[&str]) -> bool {
    match request {
        Value::Map(entries) => {
            entries.len() == keys.len() && keys.iter().all(|key| entries.iter().any(|(k, _)| k == key))
        }
        _ => false,
    }
}

/// Traps unless `len` bytes from `ptr` lie in the contract's memory (checked before allocating).
fn in_memory<H: VmHost>(caller: &Caller<'_, State<H>>, ptr: u32, len: u32) -> Result<(), wasmi::Error> {
    let size = memory(caller)?.data_size(caller);
    match (ptr as usize).checked_add(len as usize) {
        Some(end) if end <= size => Ok(()),
        _ => Err(wasmi::Error::new("write out of bounds")),
    }
}

/// A balance as GenVM writes it: 32 bytes, a little-endian u256.
fn u256_le(balance: u128) -> [u8; 32] {
    let mut le = [0u8; 32];
    le[..16].copy_from_slice(&balance.to_le_bytes());
    le
}

/// The event a `{"topics": [topic0], "blob": {...}}` request stands for, fields in declared order.
fn event_of(request: &Value) -> Option<Event> {
    if !has_exactly(request, &["blob", "topics"]) {
        return None;
    }
    let topics = match request.get("topics")? {
        Value::Array(topics) => topics,
        _ => return None,
    };
    // As genvm: at most four topics, each exactly 32 bytes.
    let well_formed = |topic: &Value| matches!(topic, Value::Bytes(bytes) if bytes.len() == 32);
    if topics.len() > MAX_TOPICS || !topics.iter().all(well_formed) {
        return None;
    }
    let Some(Value::Bytes(topic)) = topics.first() else { return None };
    if !matches!(request.get("blob")?, Value::Map(_)) {
        return None;
    }
    let (name, fields) = EVENTS.iter().find(|(name, _)| event_topic(name).as_slice() == topic.as_slice())?;
    let blob = request.get("blob")?;
    let fields = fields
        .iter()
        .map(|(field, _)| blob.get(field).map(|value| (Cow::Borrowed(*field), value.clone())))
        .collect::<Option<Vec<_>>>()?;
    Some(Event { name: Cow::Borrowed(name), fields })
}

fn define<H: VmHost>(linker: &mut Linker<State<H>>) -> Result<(), wasmi::Error> {
    const SDK: &str = "genlayer_sdk";
    const WASI: &str = "wasi_snapshot_preview1";
    linker.func_wrap(
        SDK,
        "storage_read",
        |mut caller: Caller<'_, State<H>>,
         slot_ptr: u32,
         index: u32,
         buf: u32,
         len: u32|
         -> Result<u32, wasmi::Error> {
            mark(&mut caller, "storage_read", None);
            // As genvm: a range past u32 is inval; a buffer outside memory traps before any allocation.
            if index.checked_add(len).is_none() {
                return Ok(INVAL);
            }
            in_memory(&caller, buf, len)?;
            let slot = slot(&caller, slot_ptr)?;
            let state = caller.data_mut();
            // The contract's second read of the same slot finishes one record: one logical read.
            let stored = if state.last_slot_read == Some(slot) {
                state.host.storage_peek(&slot)
            } else {
                state.host.storage_get(&slot)
            };
            state.last_slot_read = Some(slot);
            let stored = stored.unwrap_or_default();
            let mut out = vec![0u8; len as usize];
            for (i, byte) in out.iter_mut().enumerate() {
                *byte = stored.get(index as usize + i).copied().unwrap_or(0);
            }
            put(&mut caller, buf, &out)?;
            Ok(OK)
        },
    )?;
    linker.func_wrap(
        SDK,
        "storage_write",
        |mut caller: Caller<'_, State<H>>,
         slot_ptr: u32,
         index: u32,
         buf: u32,
         len: u32|
         -> Result<u32, wasmi::Error> {
            mark(&mut caller, "storage_write", None);
            if caller.data().readonly {
                return Ok(FORBIDDEN);
            }
            // As genvm: a range past u32 is inval (and never a slot grown toward 4 GiB).
            if index.checked_add(len).is_none() {
                return Ok(INVAL);
            }
            let slot = slot(&caller, slot_ptr)?;
            let bytes = bytes_at(&caller, buf, len)?;
            let state = caller.data_mut();
            let mut stored = state.host.storage_peek(&slot).unwrap_or_default();
            let end = index as usize + bytes.len();
            if stored.len() < end {
                stored.resize(end, 0);
            }
            stored[index as usize..end].copy_from_slice(&bytes);
            state.host.storage_set(&slot, &stored);
            state.last_slot_read = None;
            Ok(OK)
        },
    )?;
    linker.func_wrap(
        SDK,
        "get_self_balance",
        |mut caller: Caller<'_, State<H>>, out: u32| -> Result<u32, wasmi::Error> {
            let balance = caller.data().host.self_balance();
            put(&mut caller, out, &u256_le(balance))?;
            Ok(OK)
        },
    )?;
    linker.func_wrap(
        SDK,
        "get_balance",
        |mut caller: Caller<'_, State<H>>, address: u32, out: u32| -> Result<u32, wasmi::Error> {
            let account = Address(
                bytes_at(&caller, address, 20)?.try_into().map_err(|_| wasmi::Error::new("address"))?,
            );
            let Some(balance) = caller.data().host.balance_of(&account) else { return Ok(INVAL) };
            put(&mut caller, out, &u256_le(balance))?;
            Ok(OK)
        },
    )?;
    linker.func_wrap(
        SDK,
        "gl_call",
        |mut caller: Caller<'_, State<H>>, ptr: u32, len: u32, out_fd: u32| -> Result<u32, wasmi::Error> {
            let request = calldata::decode(&bytes_at(&caller, ptr, len)?);
            let Ok(Value::Map(entries)) = request else { return Ok(INVAL) };
            let [(kind, body)] = entries.as_slice() else { return Ok(INVAL) };
            let import = match kind.as_str() {
                "Return" => "gl_call Return",
                "Rollback" => "gl_call Rollback",
                "EmitEvent" => "gl_call EmitEvent",
                "EthSend" => "gl_call EthSend",
                _ => "gl_call",
            };
            mark(&mut caller, import, None);
            put(&mut caller, out_fd, &NO_FD.to_le_bytes())?;
            let readonly = caller.data().readonly;
            match (kind.as_str(), body) {
                ("Return", value) => {
                    caller.data_mut().ending = Some(GenvmEnding::Return(calldata::encode(value)));
                    Err(wasmi::Error::new("returned"))
                }
                ("Rollback", Value::Str(message)) => {
                    caller.data_mut().ending = Some(GenvmEnding::Rollback(message.clone()));
                    Err(wasmi::Error::new("rolled back"))
                }
                // genvm v0.1.8 gates events on determinism and the contract version only, not on
                // the write permission: a read-only call may emit.
                ("EthSend", _) if readonly => Ok(FORBIDDEN),
                ("EmitEvent", request) => match event_of(request) {
                    Some(event) => {
                        caller.data_mut().host.emit_event(event);
                        Ok(OK)
                    }
                    None => Ok(INVAL),
                },
                ("EthSend", request) => {
                    if !has_exactly(request, &["address", "calldata", "value"]) {
                        return Ok(INVAL);
                    }
                    let (Some(Value::Address(to)), Some(Value::Bytes(data)), Some(Value::Int(amount))) =
                        (request.get("address"), request.get("calldata"), request.get("value"))
                    else {
                        return Ok(INVAL);
                    };
                    if amount.is_negative() {
                        return Ok(INVAL);
                    }
                    // A call with calldata is not a plain transfer: the host has no way to make one.
                    if !data.is_empty() {
                        return Ok(INVAL);
                    }
                    // As genvm: a send above what the contract holds (less what it already sent) is
                    // refused with `inbalance`, and nothing is sent.
                    let amount = match amount.to_u128() {
                        Some(amount) if amount <= caller.data().host.self_balance() => amount,
                        _ => return Ok(INBALANCE),
                    };
                    caller.data_mut().host.send_value(to, amount);
                    Ok(OK)
                }
                _ => Ok(INVAL),
            }
        },
    )?;
    linker.func_wrap(
        WASI,
        "fd_read",
        |mut caller: Caller<'_, State<H>>,
         fd: u32,
         iovs: u32,
         n: u32,
         nread: u32|
         -> Result<u32, wasmi::Error> {
            mark(&mut caller, "fd_read", None);
            if fd != 0 {
                return Ok(WASI_BADF);
            }
            let mut total = 0u32;
            for (ptr, len) in iovecs(&caller, iovs, n)? {
                let state = caller.data();
                let rest = state.stdin.get(state.stdin_at..).unwrap_or_default();
                let chunk = rest[..rest.len().min(len as usize)].to_vec();
                put(&mut caller, ptr, &chunk)?;
                caller.data_mut().stdin_at += chunk.len();
                total += chunk.len() as u32;
            }
            put(&mut caller, nread, &total.to_le_bytes())?;
            Ok(OK)
        },
    )?;
    linker.func_wrap(
        WASI,
        "fd_write",
        |mut caller: Caller<'_, State<H>>,
         fd: u32,
         iovs: u32,
         n: u32,
         nwritten: u32|
         -> Result<u32, wasmi::Error> {
            mark(&mut caller, "fd_write", None);
            if fd != 1 && fd != 2 {
                return Ok(WASI_BADF);
            }
            let mut written = Vec::new();
            for (ptr, len) in iovecs(&caller, iovs, n)? {
                written.extend(bytes_at(&caller, ptr, len)?);
            }
            let total = written.len() as u32;
            let state = caller.data_mut();
            if fd == 1 {
                state.stdout.extend(written)
            } else {
                state.stderr.extend(written)
            }
            put(&mut caller, nwritten, &total.to_le_bytes())?;
            Ok(OK)
        },
    )?;
    linker.func_wrap(
        WASI,
        "proc_exit",
        |mut caller: Caller<'_, State<H>>, code: u32| -> Result<(), wasmi::Error> {
            caller.data_mut().ending = Some(if code == 0 {
                GenvmEnding::Return(calldata::encode(&Value::Null))
            } else {
                GenvmEnding::Trapped(format!("exit_code {code}"))
            });
            Err(wasmi::Error::new("exited"))
        },
    )?;
    Ok(())
}

/// Whether GenVM runs `method` read-only: the views (the deploy call and unknown methods are writes).
pub fn runs_read_only(method: Option<&str>) -> bool {
    method
        .and_then(|m| api_usage_billing::METHODS.iter().find(|info| info.name == m))
        .is_some_and(|info| info.readonly)
}

/// The message GenVM hands `_start` on stdin for a call of `method` (none: the deploy call) to the
/// contract at `contract`.
pub fn message(
    contract: Address,
    sender: Address,
    value: u128,
    timestamp: u64,
    method: Option<&str>,
    args: &[Value],
) -> Vec<u8> {
    let mut entry = Vec::new();
    if !args.is_empty() {
        entry.push(("args".to_string(), Value::Array(args.to_vec())));
    }
    if let Some(method) = method {
        entry.push(("method".to_string(), Value::from(method)));
    }
    calldata::encode(&Value::map([
        // The chain id of the local node (`billing-sandbox serve`, genlayer-js's localnet).
        ("chain_id", Value::from(61_127u64)),
        ("contract_address", Value::Address(contract)),
        ("datetime", Value::Str(rfc3339(timestamp))),
        ("entry_data", Value::Bytes(calldata::encode(&Value::Map(entry)))),
        ("entry_kind", Value::from(0u64)),
        ("entry_stage_data", Value::Null),
        ("is_init", Value::Bool(method.is_none())),
        ("origin_address", Value::Address(sender)),
        ("sender_address", Value::Address(sender)),
        ("stack", Value::Array(Vec::new())),
        // genvm v0.1.8 always hands the contract an int (0 when nothing was attached).
        ("value", Value::from(value)),
    ]))
}

/// [`message`] for a call of `method` over `host`: its contract, sender, value and block time.
pub fn message_to<H: VmHost>(host: &H, method: Option<&str>, args: &[Value]) -> Vec<u8> {
    message(host.contract(), host.sender(), host.attached_value(), host.block_timestamp(), method, args)
}

pub use crate::time::rfc3339;

pub use api_usage_billing::genvm::{
    expressible, refusal_from_log, Inexpressible, LATEST_DATETIME, ZIP_V016_FROM,
};

#[cfg(test)]
mod tests {
    use super::*;
    use billing_chain_core::CONTRACT;

    #[test]
    fn requests_must_name_exactly_their_fields() {
        let send = Value::map([("address", Value::Null), ("calldata", Value::Null), ("value", Value::Null)]);
        assert!(has_exactly(&send, &["address", "calldata", "value"]));
        assert!(!has_exactly(&send, &["address", "value"]));
        assert!(!has_exactly(&Value::Null, &[]));
    }

    #[test]
    fn the_message_value_is_an_int_even_when_nothing_is_attached() {
        let message = calldata::decode(&message(CONTRACT, Address([1; 20]), 0, 0, Some("m"), &[])).unwrap();
        assert_eq!(message.get("value"), Some(&Value::from(0u64)));
    }

    #[test]
    fn the_message_names_the_contract_it_calls() {
        let other = Address([9; 20]);
        for to in [CONTRACT, other] {
            let message = calldata::decode(&message(to, Address([1; 20]), 0, 0, None, &[])).unwrap();
            assert_eq!(message.get("contract_address"), Some(&Value::Address(to)));
        }
    }
}
