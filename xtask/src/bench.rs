//! The benchmark: what every entrypoint costs on the `.wasm`, how the costs grow with the size of the
//! contract's state, and how fast the contract runs natively, in the sandbox in memory and on disk.

use std::rc::Rc;
use std::time::Instant;

use billing_chain::{Address, MockChain, Native};

use crate::costs::{self, Cost};
use billing_chain::{Abi, Chain};
use billing_vm::executor::{metered_chain, WasmExecutor};

use crate::error::TaskError;

/// Everything `billing-sandbox bench` prints.
#[derive(Clone, Debug)]
pub struct Report {
    pub wasm_bytes: usize,
    pub calls: Vec<Cost>,
    /// `consume_credit` with 1, 100 and 10,000 consumers, APIs and subscriptions in the contract.
    pub bill_growth: Vec<Point>,
    /// `get_usage_report` for a consumer with 1 to 64 subscriptions.
    pub report_growth: Vec<Point>,
    pub throughput: Vec<(&'static str, u64, f64)>,
}

/// Same-day bills on GenLayer's real GenVM executor and on the wasmi GenVM host, side by side
/// (medians, in microseconds).
#[derive(Clone, Debug)]
pub struct GenvmFigures {
    pub calls: usize,
    pub executor: String,
    pub real_us: u128,
    pub module_load_us: u128,
    pub wasmi_us: u128,
}

/// [`GenvmFigures`] for `calls` bills, if the executor is found (`$BILLING_GENVM`, or
/// `../shared/genvm/bin/genvm` beside the checkout).
pub fn genvm_figures(zip: Vec<u8>, wasm: &[u8], calls: usize) -> Result<GenvmFigures, TaskError> {
    let executor = genvm_executor::find_executor()?;
    let real = genvm_executor::figures::real_consume_credit(&executor, zip, calls)?;
    let wasmi = genvm_executor::figures::wasmi_consume_credit(wasm, calls)?;
    let micros = |d: Option<std::time::Duration>| d.map_or(0, |d| d.as_micros());
    Ok(GenvmFigures {
        calls,
        executor: executor.display().to_string(),
        real_us: micros(real.median()),
        module_load_us: micros(real.median_module_load()),
        wasmi_us: micros(wasmi.median()),
    })
}

/// One point of a growth series.
#[derive(Clone, Debug)]
pub struct Point {
    pub size: u64,
    pub fuel: u64,
    pub reads: u32,
    pub writes: u32,
}

const OPERATOR: Address = Address([0x0a; 20]);

fn consumer(n: u64) -> Address {
    let mut bytes = [0xc5; 20];
    bytes[12..].copy_from_slice(&n.to_be_bytes());
    Address(bytes)
}

/// Runs it all; `scale` shrinks the throughput runs (1.0 = the README's figures).
pub fn run(wasm: &[u8], scale: f64) -> Result<Report, TaskError> {
    let calls = costs::measure(wasm)?;
    let bill_growth = [1, 100, 10_000].iter().map(|&n| bill_at_size(wasm, n)).collect::<Result<_, _>>()?;
    let report_growth =
        [1, 8, 16, 32, 64].iter().map(|&n| report_at_size(wasm, n)).collect::<Result<_, _>>()?;
    let count = |n: f64| ((n * scale) as u64).max(10);
    let throughput = vec![
        ("native (mock chain)", count(200_000.0), native_rate(count(200_000.0))?),
        ("sandbox, in memory (wasmi)", count(20_000.0), wasm_rate(wasm, count(20_000.0))?),
        (
            "sandbox, on disk (`run`: wasmi + redb, one durable commit per group of calls)",
            count(20_000.0),
            disk_rate(wasm, count(20_000.0))?,
        ),
    ];
    Ok(Report { wasm_bytes: wasm.len(), calls, bill_growth, report_growth, throughput })
}

/// A chain set up natively with `n` APIs and `n` consumers, each subscribed to one API, then switched
/// to the `.wasm` for a measured same-day bill.
fn bill_at_size(wasm: &[u8], n: u64) -> Result<Point, TaskError> {
    let (mut chain, executor) = metered_chain(wasm)?;
    chain.set_executor(Rc::new(Native));
    for i in 0..n {
        let (name, who) = (format!("api-{i}"), consumer(i));
        chain.faucet(who, 1_000);
        chain.call(OPERATOR).register_api(name.as_str(), 1, 1_000)?;
        chain.call(who).value(100).subscribe(name.as_str(), 1_000, 100)?;
        chain.call(who).consume_credit(name.as_str(), who)?;
    }
    chain.set_executor(executor.clone());
    let who = consumer(n / 2);
    let name = format!("api-{}", n / 2);
    chain.call(who).consume_credit(name.as_str(), who)?;
    Ok(point(n, &chain, &executor))
}

/// A consumer with `n` subscriptions, each with a delegate and usage today.
fn report_at_size(wasm: &[u8], n: u64) -> Result<Point, TaskError> {
    let (mut chain, executor) = metered_chain(wasm)?;
    chain.set_executor(Rc::new(Native));
    let who = consumer(0);
    chain.faucet(who, 1_000_000);
    for i in 0..n {
        let name = format!("api-{i}");
        chain.call(OPERATOR).register_api(name.as_str(), 1, 1_000)?;
        chain.call(who).value(10).subscribe(name.as_str(), 1_000, 10)?;
        chain.call(who).approve_delegate(name.as_str(), consumer(1))?;
        chain.call(who).consume_credit(name.as_str(), who)?;
    }
    chain.set_executor(executor.clone());
    chain.call(who).get_usage_report(who)?;
    Ok(point(n, &chain, &executor))
}

fn point(size: u64, chain: &MockChain, executor: &WasmExecutor) -> Point {
    Point {
        size,
        fuel: executor.last_fuel(),
        reads: chain.last().storage_reads,
        writes: chain.last().storage_writes,
    }
}

fn billing_chain(chain: &mut MockChain) -> Result<Address, TaskError> {
    let who = consumer(7);
    chain.faucet(who, u128::MAX / 2);
    chain.call(OPERATOR).register_api("weather", 1, u64::MAX)?;
    chain.call(who).value(1 << 100).subscribe("weather", u128::MAX, 1u128 << 100)?;
    Ok(who)
}

fn calls_per_second(n: u64, mut call: impl FnMut() -> Result<(), TaskError>) -> Result<f64, TaskError> {
    let start = Instant::now();
    for _ in 0..n {
        call()?;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn native_rate(n: u64) -> Result<f64, TaskError> {
    let mut chain = MockChain::new();
    let who = billing_chain(&mut chain)?;
    calls_per_second(n, || chain.call(who).consume_credit("weather", who).map(drop).map_err(TaskError::from))
}

fn wasm_rate(wasm: &[u8], n: u64) -> Result<f64, TaskError> {
    let (mut chain, _) = metered_chain(wasm)?;
    let who = billing_chain(&mut chain)?;
    calls_per_second(n, || chain.call(who).consume_credit("weather", who).map(drop).map_err(TaskError::from))
}

/// `billing-sandbox run` as a user runs it, in process: a script of `n` same-day bills (after the
/// set-up lines) read, run in groups that each commit once (durably), and printed.
fn disk_rate(wasm: &[u8], n: u64) -> Result<f64, TaskError> {
    let dir = std::env::temp_dir().join(format!("billing-bench-{}", std::process::id()));
    let path = dir.join("state.redb");
    let chain = Chain::open_with(&path, wasm, true, Abi::Billing)?;
    let (operator, who) = (OPERATOR.to_hex(), consumer(7).to_hex());
    let setup = format!(
        "{{\"sender\": \"{operator}\", \"method\": \"register_api\", \"args\": [\"weather\", 1, {max}]}}\n\
         {{\"sender\": \"{who}\", \"value\": \"1000000\", \"method\": \"subscribe\", \"args\": [\"weather\", \"{cap}\", 1000000]}}\n",
        max = u64::MAX,
        cap = u128::MAX,
    );
    let bill = format!(
        "{{\"sender\": \"{who}\", \"method\": \"consume_credit\", \"args\": [\"weather\", \"{who}\"]}}\n"
    );
    let run = |script: String| -> Result<(), TaskError> {
        let mut reader =
            std::io::BufReader::with_capacity(billing_sandbox::script::READ_AHEAD, script.as_bytes());
        Ok(billing_sandbox::script::run(&chain, &mut reader, false, &mut std::io::sink())?)
    };
    run(setup)?;
    let script = bill.repeat(n as usize);
    let start = Instant::now();
    run(script)?;
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let bills = chain.overview()?.calls;
    drop(chain);
    let _ = std::fs::remove_dir_all(&dir);
    if bills != n + 2 {
        return Err(TaskError::DiskRun { committed: bills, expected: n + 2 });
    }
    Ok(rate)
}
