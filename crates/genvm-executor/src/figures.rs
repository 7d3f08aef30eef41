//! Per-call wall time of same-day bills (`consume_credit`) on the real executor, with the part the
//! executor itself reports as validating and loading the module; and, with the `wasmi-figures`
//! feature, the same bills on the wasmi GenVM host, for the benchmark to put side by side.

use std::path::Path;
use std::time::{Duration, Instant};

use billing_chain_core::{Address, MockChain};

use crate::chain::real_genvm_chain_alone;
use crate::driver::DriverError;

/// Why the figures could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum FiguresError {
    #[error(transparent)]
    Driver(#[from] DriverError),
    #[error("the {step} call was refused: {message}")]
    Refused { step: &'static str, message: String },
    #[cfg(feature = "wasmi-figures")]
    #[error("the wasmi host: {0}")]
    Wasmi(billing_vm::LoadError),
}

/// The operator and the consumer of the measured bills.
const OPERATOR: Address = Address([0x0a; 20]);
const CONSUMER: Address = Address([0xa1; 20]);

/// Timings of `n` bills, in call order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    /// Each call as its caller waits for it (for the real executor: process start to exit, plus the
    /// host's own work).
    pub per_call: Vec<Duration>,
    /// The executor's own "validating and loading the module" figure per call (real executor only).
    pub module_load: Vec<Duration>,
    /// From process start to the result arriving (real executor only).
    pub until_result: Vec<Duration>,
    /// From process start to its dialing the host socket (real executor only).
    pub until_connected: Vec<Duration>,
}

impl Timings {
    pub fn median(&self) -> Option<Duration> {
        median(&self.per_call)
    }

    pub fn median_module_load(&self) -> Option<Duration> {
        median(&self.module_load)
    }

    pub fn median_until_result(&self) -> Option<Duration> {
        median(&self.until_result)
    }

    pub fn median_until_connected(&self) -> Option<Duration> {
        median(&self.until_connected)
    }
}

pub fn median(samples: &[Duration]) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied()
}

/// A chain with one API and a consumer funded for `calls` bills, all on the same day.
fn prepare(chain: &mut MockChain, calls: usize) -> Result<(), FiguresError> {
    let calls = u64::try_from(calls).unwrap_or(u64::MAX).saturating_add(1);
    let deposit = u128::from(calls).saturating_mul(10);
    chain.faucet(CONSUMER, deposit);
    chain
        .call(OPERATOR)
        .register_api("weather", 10, calls)
        .map_err(|r| FiguresError::Refused { step: "register_api", message: r.message })?;
    chain
        .call(CONSUMER)
        .value(deposit)
        .subscribe("weather", deposit, deposit)
        .map_err(|r| FiguresError::Refused { step: "subscribe", message: r.message })?;
    Ok(())
}

/// `calls` same-day `consume_credit` bills of `code` (the GenVM zip) on the executor at `executor`.
pub fn real_consume_credit(executor: &Path, code: Vec<u8>, calls: usize) -> Result<Timings, FiguresError> {
    let (mut chain, genvm) = real_genvm_chain_alone(executor, code)?;
    prepare(&mut chain, calls)?;
    let mut timings = Timings::default();
    for _ in 0..calls {
        let started = Instant::now();
        chain
            .call(CONSUMER)
            .consume_credit("weather", CONSUMER)
            .map_err(|r| FiguresError::Refused { step: "consume_credit", message: r.message })?;
        timings.per_call.push(started.elapsed());
        if let Some(run) = genvm.last_run() {
            timings.until_result.push(run.until_result);
            timings.until_connected.extend(run.until_connected);
            if let Some(load) = run.module_load {
                timings.module_load.push(load);
            }
        }
    }
    Ok(timings)
}

/// The same bills of `wasm` (the GenVM flavor's `.wasm`) on the wasmi GenVM host.
#[cfg(feature = "wasmi-figures")]
pub fn wasmi_consume_credit(wasm: &[u8], calls: usize) -> Result<Timings, FiguresError> {
    use billing_vm::executor::GenvmExecutor;
    use std::rc::Rc;

    let executor = Rc::new(GenvmExecutor::load(wasm).map_err(FiguresError::Wasmi)?);
    let mut chain = MockChain::on(executor);
    prepare(&mut chain, calls)?;
    let mut timings = Timings::default();
    for _ in 0..calls {
        let started = Instant::now();
        chain
            .call(CONSUMER)
            .consume_credit("weather", CONSUMER)
            .map_err(|r| FiguresError::Refused { step: "consume_credit", message: r.message })?;
        timings.per_call.push(started.elapsed());
    }
    Ok(timings)
}
