//! A wasmi host of the contract's ABI (docs/ABI.md): the `billing` imports over a [`Tx`], fuel
//! metering, and the outcome of each export call.

use crate::calls::{CallAnswer, FetchAnswer, FetchFailure, MAX_URL_BYTES};
use crate::trace::{mark, FuelMark, Traced};
use crate::LoadError;
use api_usage_billing::calldata;
use api_usage_billing::{Address, Event, Host};
use billing_chain_core::Tx;
use wasmi::{
    Caller, CompilationMode, Config, Engine, Extern, Linker, Memory, Module, Store, StoreLimits,
    StoreLimitsBuilder,
};

/// Fuel one call may burn. Far above any entrypoint's need (see the README's figures), low enough
/// that a runaway call ends quickly.
pub const FUEL_LIMIT: u64 = 50_000_000;

/// Linear memory one call may grow to: the contract's stack (64 KiB), data and a heap that holds
/// the decoded input a few times over (docs/ABI.md, "Memory"). A call that needs more ends in the
/// contract's panic revert: its allocation fails.
pub const MEMORY_LIMIT: usize = 32 << 20;

/// The store limits every call of either interface runs under.
pub(crate) fn call_limits() -> StoreLimits {
    StoreLimitsBuilder::new().memory_size(MEMORY_LIMIT).instances(1).build()
}

/// How an export call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The contract handed this calldata to `return_output` (none: it returned without one).
    Returned(Option<Vec<u8>>),
    /// The contract called `revert` with this calldata.
    Reverted(Vec<u8>),
    /// The VM stopped it: a trap, a bad host call, out of fuel.
    Trapped(String),
}

/// What a VM host needs of the world beyond the contract's [`Host`]: an uncounted read, for the
/// second half of a read that did not fit the contract's buffer; balances; and, for contracts that
/// are not the billing contract, the transaction's origin, calls to other contracts and outbound
/// fetches (docs/ABI.md). A host without other contracts keeps the defaults: no contract to call,
/// no fetch allowed.
pub trait VmHost: Host + 'static {
    fn storage_peek(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// The contract's balance less what this call already sent (GenVM's `get_self_balance`).
    fn self_balance(&self) -> u128;
    /// Another account's balance, where the host knows it (GenVM's `get_balance`).
    fn balance_of(&self, account: &Address) -> Option<u128>;

    /// The contract this call runs (the billing contract's address on a one-contract chain).
    fn contract(&self) -> Address {
        billing_chain_core::CONTRACT
    }

    /// The transaction's sender, the end user, however deep the call (at the top: the sender).
    fn origin(&self) -> Address {
        self.sender()
    }

    /// Runs export `method` of the contract at `to` with `args` (calldata of an array) from `fuel`;
    /// answers how it ended and the fuel it burned (taken from the caller).
    fn call_contract(&mut self, to: &Address, method: &str, args: Vec<u8>, fuel: u64) -> (CallAnswer, u64) {
        let _ = (method, args, fuel);
        let message = format!("[EXPECTED] there is no contract at {}", to.to_hex());
        (CallAnswer::refused("unknown_contract", &message), 0)
    }

    /// An outbound HTTP GET of `url`.
    fn http_get(&mut self, url: &str) -> FetchAnswer {
        let _ = url;
        FetchAnswer::Failed(FetchFailure::NotAllowed)
    }
}

impl VmHost for Tx {
    fn storage_peek(&self, key: &[u8]) -> Option<Vec<u8>> {
        Tx::storage_peek(self, key)
    }

    fn self_balance(&self) -> u128 {
        self.spendable()
    }

    fn balance_of(&self, _account: &Address) -> Option<u128> {
        None
    }
}

/// One call's view of the world, owned by the wasmi store while the call runs.
struct CallState<H> {
    tx: H,
    input: Vec<u8>,
    output: Option<Vec<u8>>,
    revert: Option<Vec<u8>>,
    /// The key of the latest read that did not fit its buffer: the contract's next read of it is the
    /// same logical read, finished, not another one.
    partial_read: Option<Vec<u8>>,
    /// The latest `call_contract` / `http_get` answer, for `result_size` and `result_read`.
    result: Vec<u8>,
    limits: StoreLimits,
    /// The fuel at each host call, when the call is traced.
    trace: Option<Vec<FuelMark>>,
}

impl<H> Traced for CallState<H> {
    fn trace(&mut self) -> &mut Option<Vec<FuelMark>> {
        &mut self.trace
    }
}

/// The compiled contract, ready to instantiate once per call over a host of type `H`.
pub struct WasmContract<H: VmHost> {
    engine: Engine,
    module: Module,
    linker: Linker<CallState<H>>,
}

impl<H: VmHost> Clone for WasmContract<H> {
    fn clone(&self) -> Self {
        WasmContract { engine: self.engine.clone(), module: self.module.clone(), linker: self.linker.clone() }
    }
}

impl<H: VmHost> WasmContract<H> {
    /// Validates and compiles `wasm` with MVP features and floats off: a contract that uses a
    /// float instruction, or a post-MVP one, does not load.
    pub fn load(wasm: &[u8]) -> Result<WasmContract<H>, LoadError> {
        let mut config = Config::default();
        // Eager compilation: fuel then measures execution only, the same whatever ran before.
        config
            .compilation_mode(CompilationMode::Eager)
            .consume_fuel(true)
            .floats(false)
            .wasm_sign_extension(false)
            .wasm_saturating_float_to_int(false)
            .wasm_multi_value(false)
            .wasm_bulk_memory(false)
            .wasm_reference_types(false)
            .wasm_tail_call(false)
            .wasm_extended_const(false);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wasm).map_err(|e| LoadError::InvalidModule(e.into()))?;
        let mut linker = Linker::new(&engine);
        define_imports(&mut linker).map_err(|e| LoadError::HostSetup(e.into()))?;
        Ok(WasmContract { engine, module, linker })
    }

    /// Whether the module exports a function `name` (an entrypoint, or `init`).
    pub fn has_function(&self, name: &str) -> bool {
        matches!(self.module.get_export(name), Some(wasmi::ExternType::Func(_)))
    }

    /// The names the module exports.
    pub fn exports(&self) -> Vec<String> {
        self.module.exports().map(|e| e.name().to_string()).collect()
    }

    /// Calls `export` with `input` on a fresh instance over `host`. Gives the host back with how the
    /// call ended and the fuel it burned.
    pub fn call(&self, host: H, export: &str, input: Vec<u8>) -> (H, Ending, u64) {
        self.call_with_fuel(host, export, input, FUEL_LIMIT)
    }

    /// [`WasmContract::call`] from `fuel` (a nested call runs from its caller's remaining fuel): a
    /// call that burns all of it traps, out of fuel.
    pub fn call_with_fuel(&self, host: H, export: &str, input: Vec<u8>, fuel: u64) -> (H, Ending, u64) {
        let (host, ending, fuel, _) = self.run_call(host, export, input, fuel, None);
        (host, ending, fuel)
    }

    /// [`WasmContract::call`], also giving the fuel burned at each host call the contract made.
    pub fn call_traced(&self, host: H, export: &str, input: Vec<u8>) -> (H, Ending, u64, Vec<FuelMark>) {
        let (host, ending, fuel, trace) = self.run_call(host, export, input, FUEL_LIMIT, Some(Vec::new()));
        (host, ending, fuel, trace.unwrap_or_default())
    }

    fn run_call(
        &self,
        host: H,
        export: &str,
        input: Vec<u8>,
        fuel: u64,
        trace: Option<Vec<FuelMark>>,
    ) -> (H, Ending, u64, Option<Vec<FuelMark>>) {
        let state = CallState {
            tx: host,
            input,
            output: None,
            revert: None,
            partial_read: None,
            result: Vec::new(),
            limits: call_limits(),
            trace,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        if let Err(e) = store.set_fuel(fuel) {
            return (store.into_data().tx, Ending::Trapped(format!("fuel: {e}")), 0, None);
        }
        let result = self
            .linker
            .instantiate_and_start(&mut store, &self.module)
            .and_then(|instance| instance.get_typed_func::<(), ()>(&store, export))
            .and_then(|func| func.call(&mut store, ()));
        // Out of fuel, the call burned all it was given (wasmi may stop short of the last units):
        // a caller that gave it its remaining fuel knows it has none left either.
        let out_of_fuel = matches!(&result, Err(e) if e.as_trap_code() == Some(wasmi::TrapCode::OutOfFuel));
        let left = if out_of_fuel { 0 } else { store.get_fuel().unwrap_or(0) };
        let start = fuel;
        let fuel = fuel.saturating_sub(left);
        let mut state = store.into_data();
        // Marks hold the fuel left at each host call: what was burned is what the call started with less it.
        state.trace.iter_mut().flatten().for_each(|mark| mark.fuel = start.saturating_sub(mark.fuel));
        let ending = match (state.revert, result) {
            (Some(error), _) => Ending::Reverted(error),
            (None, Ok(())) => Ending::Returned(state.output),
            (None, Err(e)) => Ending::Trapped(e.to_string()),
        };
        (state.tx, ending, fuel, state.trace)
    }
}

/// The contract's exported memory, whatever the store's data.
pub(crate) fn memory<T>(caller: &Caller<'_, T>) -> Result<Memory, wasmi::Error> {
    caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| wasmi::Error::new("the contract exports no memory"))
}

fn read_bytes<H: VmHost>(
    caller: &Caller<'_, CallState<H>>,
    ptr: u32,
    len: u32,
) -> Result<Vec<u8>, wasmi::Error> {
    let memory = memory(caller)?;
    // Bounds first: a length the memory cannot hold must not make the host allocate it.
    let end = (ptr as usize).checked_add(len as usize);
    if end.is_none_or(|end| end > memory.data_size(caller)) {
        return Err(wasmi::Error::new("read out of bounds"));
    }
    let mut buf = vec![0u8; len as usize];
    memory.read(caller, ptr as usize, &mut buf).map_err(|_| wasmi::Error::new("read out of bounds"))?;
    Ok(buf)
}

fn write_bytes<H: VmHost>(
    caller: &mut Caller<'_, CallState<H>>,
    ptr: u32,
    bytes: &[u8],
) -> Result<(), wasmi::Error> {
    let memory = memory(caller)?;
    memory.write(caller, ptr as usize, bytes).map_err(|_| wasmi::Error::new("write out of bounds"))
}

fn read_address<H: VmHost>(caller: &Caller<'_, CallState<H>>, ptr: u32) -> Result<Address, wasmi::Error> {
    let bytes = read_bytes(caller, ptr, 20)?;
    Ok(Address(bytes.try_into().map_err(|_| wasmi::Error::new("address"))?))
}

fn define_imports<H: VmHost>(linker: &mut Linker<CallState<H>>) -> Result<(), wasmi::Error> {
    const M: &str = "billing";
    linker.func_wrap(M, "input_size", |caller: Caller<'_, CallState<H>>| caller.data().input.len() as u32)?;
    linker.func_wrap(M, "input_read", |mut caller: Caller<'_, CallState<H>>, dst: u32| {
        mark(&mut caller, "input_read", None);
        let input = std::mem::take(&mut caller.data_mut().input);
        let written = write_bytes(&mut caller, dst, &input);
        caller.data_mut().input = input;
        written
    })?;
    linker.func_wrap(
        M,
        "storage_read",
        |mut caller: Caller<'_, CallState<H>>,
         key: u32,
         key_len: u32,
         dst: u32,
         cap: u32|
         -> Result<i32, wasmi::Error> {
            let key = read_bytes(&caller, key, key_len)?;
            mark(&mut caller, "storage_read", key.first().copied());
            let state = caller.data_mut();
            let value = if state.partial_read.as_deref() == Some(&key[..]) {
                state.tx.storage_peek(&key)
            } else {
                state.tx.storage_get(&key)
            };
            let Some(value) = value else { return Ok(-1) };
            let fits = value.len() <= cap as usize;
            caller.data_mut().partial_read = if fits { None } else { Some(key) };
            let shown = value.get(..value.len().min(cap as usize)).unwrap_or_default();
            write_bytes(&mut caller, dst, shown)?;
            i32::try_from(value.len()).map_err(|_| wasmi::Error::new("stored value too large"))
        },
    )?;
    linker.func_wrap(
        M,
        "storage_write",
        |mut caller: Caller<'_, CallState<H>>, key: u32, key_len: u32, value: u32, value_len: u32| {
            let key = read_bytes(&caller, key, key_len)?;
            mark(&mut caller, "storage_write", key.first().copied());
            let value = read_bytes(&caller, value, value_len)?;
            caller.data_mut().tx.storage_set(&key, &value);
            Ok(())
        },
    )?;
    linker.func_wrap(
        M,
        "storage_remove",
        |mut caller: Caller<'_, CallState<H>>, key: u32, key_len: u32| {
            let key = read_bytes(&caller, key, key_len)?;
            caller.data_mut().tx.storage_remove(&key);
            Ok(())
        },
    )?;
    linker.func_wrap(M, "block_timestamp", |caller: Caller<'_, CallState<H>>| {
        caller.data().tx.block_timestamp() as i64
    })?;
    linker.func_wrap(M, "sender", |mut caller: Caller<'_, CallState<H>>, dst: u32| {
        let sender = caller.data().tx.sender();
        write_bytes(&mut caller, dst, &sender.0)
    })?;
    linker.func_wrap(M, "attached_value", |mut caller: Caller<'_, CallState<H>>, dst: u32| {
        let value = caller.data().tx.attached_value();
        write_bytes(&mut caller, dst, &value.to_le_bytes())
    })?;
    linker.func_wrap(M, "send_value", |mut caller: Caller<'_, CallState<H>>, to: u32, amount: u32| {
        let to = read_address(&caller, to)?;
        let amount = read_bytes(&caller, amount, 16)?;
        let amount = u128::from_le_bytes(amount.try_into().map_err(|_| wasmi::Error::new("amount"))?);
        caller.data_mut().tx.send_value(&to, amount);
        Ok(())
    })?;
    linker.func_wrap(M, "emit_event", |mut caller: Caller<'_, CallState<H>>, ptr: u32, len: u32| {
        mark(&mut caller, "emit_event", None);
        let bytes = read_bytes(&caller, ptr, len)?;
        let event = calldata::decode(&bytes)
            .ok()
            .and_then(Event::from_value)
            .ok_or_else(|| wasmi::Error::new("emit_event: not an encoded event"))?;
        caller.data_mut().tx.emit_event(event);
        Ok(())
    })?;
    linker.func_wrap(M, "return_output", |mut caller: Caller<'_, CallState<H>>, ptr: u32, len: u32| {
        mark(&mut caller, "return_output", None);
        let bytes = read_bytes(&caller, ptr, len)?;
        caller.data_mut().output = Some(bytes);
        Ok(())
    })?;
    linker.func_wrap(
        M,
        "revert",
        |mut caller: Caller<'_, CallState<H>>, ptr: u32, len: u32| -> Result<(), wasmi::Error> {
            mark(&mut caller, "revert", None);
            let bytes = read_bytes(&caller, ptr, len)?;
            caller.data_mut().revert = Some(bytes);
            Err(wasmi::Error::new("reverted"))
        },
    )?;
    define_outbound_imports(linker)
}

/// The fuel `call_contract` and `http_get` take for the host's own work before the callee or the
/// request: a fixed part (the lookup, the refusal or the request's setup) and a part per byte copied
/// out of the contract's memory (four times wasmi's rate for `memory.copy`: the host allocates,
/// zeroes and copies), so a loop of calls with huge arguments runs out of fuel instead of keeping
/// the host copying.
const HOST_CALL_FUEL: u64 = 100;
const HOST_COPY_BYTES_PER_FUEL: u64 = 16;

fn charge_host_work<H: VmHost>(
    caller: &mut Caller<'_, CallState<H>>,
    copied: usize,
) -> Result<(), wasmi::Error> {
    let cost = HOST_CALL_FUEL.saturating_add(copied as u64 / HOST_COPY_BYTES_PER_FUEL);
    let fuel = caller.get_fuel()?;
    match fuel.checked_sub(cost) {
        Some(left) => caller.set_fuel(left),
        None => {
            caller.set_fuel(0)?;
            Err(wasmi::Error::from(wasmi::TrapCode::OutOfFuel))
        }
    }
}

/// `origin`, `call_contract`, `http_get`, `result_size`, `result_read`: what a contract that is not
/// the billing contract uses to bill before it fetches (docs/ABI.md).
fn define_outbound_imports<H: VmHost>(linker: &mut Linker<CallState<H>>) -> Result<(), wasmi::Error> {
    const M: &str = "billing";
    linker.func_wrap(M, "origin", |mut caller: Caller<'_, CallState<H>>, dst: u32| {
        let origin = caller.data().tx.origin();
        write_bytes(&mut caller, dst, &origin.0)
    })?;
    linker.func_wrap(
        M,
        "call_contract",
        |mut caller: Caller<'_, CallState<H>>,
         address: u32,
         method: u32,
         method_len: u32,
         args: u32,
         args_len: u32|
         -> Result<i32, wasmi::Error> {
            let to = read_address(&caller, address)?;
            // A name that is not UTF-8 names no export: the callee's host refuses it as unknown.
            let method = String::from_utf8_lossy(&read_bytes(&caller, method, method_len)?).into_owned();
            let args = read_bytes(&caller, args, args_len)?;
            charge_host_work(&mut caller, method.len().saturating_add(args.len()))?;
            let fuel = caller.get_fuel()?;
            let (answer, burned) = caller.data_mut().tx.call_contract(&to, &method, args, fuel);
            caller.set_fuel(fuel.saturating_sub(burned))?;
            let (result, code) = match answer {
                CallAnswer::Returned(bytes) => (bytes, 0),
                CallAnswer::Refused(bytes) => (bytes, 1),
                CallAnswer::OutOfFuel => return Err(wasmi::Error::from(wasmi::TrapCode::OutOfFuel)),
            };
            caller.data_mut().result = result;
            Ok(code)
        },
    )?;
    linker.func_wrap(
        M,
        "http_get",
        |mut caller: Caller<'_, CallState<H>>, url: u32, url_len: u32| -> Result<i32, wasmi::Error> {
            // Past the limit, refused before the host copies (or keeps) a byte of it.
            let answer = if url_len as usize > MAX_URL_BYTES {
                FetchAnswer::Failed(FetchFailure::BadUrl)
            } else {
                let url = read_bytes(&caller, url, url_len)?;
                charge_host_work(&mut caller, url.len())?;
                match std::str::from_utf8(&url) {
                    Ok(url) => caller.data_mut().tx.http_get(url),
                    Err(_) => FetchAnswer::Failed(FetchFailure::BadUrl),
                }
            };
            let code = i32::from(matches!(answer, FetchAnswer::Failed(_)));
            caller.data_mut().result = answer.to_calldata();
            Ok(code)
        },
    )?;
    linker.func_wrap(M, "result_size", |caller: Caller<'_, CallState<H>>| -> Result<u32, wasmi::Error> {
        u32::try_from(caller.data().result.len()).map_err(|_| wasmi::Error::new("result too large"))
    })?;
    linker.func_wrap(M, "result_read", |mut caller: Caller<'_, CallState<H>>, dst: u32| {
        let result = std::mem::take(&mut caller.data_mut().result);
        let written = write_bytes(&mut caller, dst, &result);
        caller.data_mut().result = result;
        written
    })?;
    Ok(())
}
