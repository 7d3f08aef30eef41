//! What each entrypoint costs on the `.wasm`: fuel, storage reads, writes and bytes written, for a
//! typical call on a small, fresh chain.

use billing_chain::{Address, MockChain, Value};

use billing_vm::executor::{metered_chain, WasmExecutor};

use crate::error::TaskError;

/// The cost of one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    pub method: &'static str,
    /// What the call does, in a few words.
    pub case: &'static str,
    pub fuel: u64,
    pub reads: u32,
    pub writes: u32,
    pub bytes_written: u64,
}

const OPERATOR: Address = Address([0x0a; 20]);
const ALICE: Address = Address([0xa1; 20]);
const DAPP: Address = Address([0xda; 20]);

type Step = (&'static str, &'static str, Address, u128, Vec<Value>);

fn measure_step(chain: &mut MockChain, executor: &WasmExecutor, step: Step) -> Result<Cost, TaskError> {
    let (method, case, sender, value, args) = step;
    chain.call(sender).value(value).method(method, args).map_err(|refusal| TaskError::CallRefused {
        what: format!("{method} ({case})"),
        message: refusal.message,
    })?;
    let record = chain.last();
    Ok(Cost {
        method,
        case,
        fuel: executor.last_fuel(),
        reads: record.storage_reads,
        writes: record.storage_writes,
        bytes_written: record.storage_bytes_written,
    })
}

/// Runs the typical call of every entrypoint, in an order that gives each one the state it needs.
pub fn measure(wasm: &[u8]) -> Result<Vec<Cost>, TaskError> {
    let (mut chain, executor) = metered_chain(wasm)?;
    chain.faucet(ALICE, 1_000_000);
    let steps = typical_calls();
    let mut costs = Vec::with_capacity(steps.len() + 2);
    for step in steps {
        costs.push(measure_step(&mut chain, &executor, step)?);
    }
    // The next UTC day: the first bill archives the finished day, then the history has two days.
    chain.advance(86_400);
    for step in next_day_calls() {
        costs.push(measure_step(&mut chain, &executor, step)?);
    }
    Ok(costs)
}

/// The typical calls of the first day, in an order that gives each one the state it needs (Alice
/// holds 1,000,000 wei from the faucet).
fn typical_calls() -> Vec<Step> {
    vec![
        ("register_api", "new API", OPERATOR, 0, vec!["weather".into(), 10.into(), 1_000.into()]),
        (
            "subscribe",
            "first subscription, with deposit",
            ALICE,
            500,
            vec!["weather".into(), 5_000.into(), 500.into()],
        ),
        ("top_up_credit", "deposit", ALICE, 100, vec![100.into()]),
        ("approve_delegate", "first delegate", ALICE, 0, vec!["weather".into(), DAPP.into()]),
        (
            "consume_credit",
            "first bill of the day, by the consumer",
            ALICE,
            0,
            vec!["weather".into(), ALICE.into()],
        ),
        (
            "preview_bill",
            "same-day bill, by a delegate",
            DAPP,
            0,
            vec!["weather".into(), ALICE.into(), 1.into()],
        ),
        ("consume_credit", "same-day bill, by a delegate", DAPP, 0, vec!["weather".into(), ALICE.into()]),
        (
            "set_delegate_limit",
            "limit the delegate",
            ALICE,
            0,
            vec!["weather".into(), DAPP.into(), 100.into()],
        ),
        (
            "consume_credit",
            "same-day bill, by a limited delegate",
            DAPP,
            0,
            vec!["weather".into(), ALICE.into()],
        ),
        (
            "set_credit_alerts",
            "three thresholds",
            ALICE,
            0,
            vec![Value::Array(vec![50.into(), 20.into(), 10.into()])],
        ),
        (
            "credit_note",
            "part of the earnings back",
            OPERATOR,
            0,
            vec!["weather".into(), ALICE.into(), 5.into(), "outage".into()],
        ),
        ("get_usage_report", "one API, one delegate", DAPP, 0, vec![ALICE.into()]),
        ("consumer_integration_example", "text", DAPP, 0, vec![]),
        ("set_api_active", "pause", OPERATOR, 0, vec!["weather".into(), false.into()]),
        ("set_api_active", "resume", OPERATOR, 0, vec!["weather".into(), true.into()]),
        ("revoke_delegate", "last delegate", ALICE, 0, vec!["weather".into(), DAPP.into()]),
        ("withdraw_credit", "part of the credit", ALICE, 0, vec![50.into()]),
        ("withdraw_earnings", "part of the earnings", OPERATOR, 0, vec!["weather".into(), 10.into()]),
        ("unsubscribe", "active subscription", ALICE, 0, vec!["weather".into()]),
        ("subscribe", "again, no deposit", ALICE, 0, vec!["weather".into(), 5_000.into(), 0.into()]),
        (
            "consume_credits",
            "batch of 10, by the consumer",
            ALICE,
            0,
            vec!["weather".into(), ALICE.into(), 10.into(), 1.into()],
        ),
        ("get_api_report", "one API", DAPP, 0, vec!["weather".into()]),
        ("get_usage_history", "today only", DAPP, 0, vec![ALICE.into(), "weather".into()]),
        ("transfer_api", "name the next operator", OPERATOR, 0, vec!["weather".into(), DAPP.into()]),
        ("accept_api", "take the API over", DAPP, 0, vec!["weather".into()]),
        ("set_daily_cap", "raise the cap", ALICE, 0, vec!["weather".into(), 6_000.into()]),
        (
            "register_api",
            "limit update by the operator",
            DAPP,
            0,
            vec!["weather".into(), 10.into(), 2_000.into()],
        ),
    ]
}

/// The calls of the next UTC day, after the typical calls.
fn next_day_calls() -> Vec<Step> {
    vec![
        (
            "consume_credit",
            "first bill of a new day (archives one)",
            ALICE,
            0,
            vec!["weather".into(), ALICE.into()],
        ),
        ("get_usage_history", "today and one archived day", DAPP, 0, vec![ALICE.into(), "weather".into()]),
    ]
}

/// The most a usage report can cost: a consumer with the most subscriptions (64), each with the most
/// delegates (16) and usage today. Set up natively, measured on the `.wasm`.
pub fn worst_case_report(wasm: &[u8]) -> Result<Cost, TaskError> {
    let (mut chain, executor) = metered_chain(wasm)?;
    chain.set_executor(std::rc::Rc::new(billing_chain::Native));
    worst_case_state(&mut chain)?;
    chain.set_executor(executor.clone());
    chain.call(DAPP).get_usage_report(ALICE)?;
    let record = chain.last();
    Ok(Cost {
        method: "get_usage_report",
        case: "worst case: 64 subscriptions x 16 delegates",
        fuel: executor.last_fuel(),
        reads: record.storage_reads,
        writes: record.storage_writes,
        bytes_written: record.storage_bytes_written,
    })
}

/// Alice subscribed to 64 APIs, 16 delegates each, one bill each today.
pub(crate) fn worst_case_state(chain: &mut MockChain) -> Result<(), TaskError> {
    chain.faucet(ALICE, 1_000_000);
    // SPEC.md: at most 64 APIs in a consumer's list, 16 delegates a subscription.
    for i in 0..64 {
        let name = format!("api-{i:02}");
        chain.call(OPERATOR).register_api(name.as_str(), 1, 1_000)?;
        chain.call(ALICE).value(10).subscribe(name.as_str(), 1_000, 10)?;
        for d in 0..16u8 {
            let mut delegate = [0xd0; 20];
            delegate[19] = d;
            chain.call(ALICE).approve_delegate(name.as_str(), Address(delegate))?;
        }
        chain.call(ALICE).consume_credit(name.as_str(), ALICE)?;
    }
    Ok(())
}

/// [`worst_case_report`] on the GenVM flavor, through `_start` (state built through it too: its
/// records live in hashed slots).
pub fn genvm_worst_case_report(genvm_wasm: &[u8]) -> Result<Cost, TaskError> {
    let executor = std::rc::Rc::new(billing_vm::executor::GenvmExecutor::load(genvm_wasm)?);
    let mut chain = MockChain::on(executor.clone());
    worst_case_state(&mut chain)?;
    chain.call(DAPP).get_usage_report(ALICE)?;
    let record = chain.last();
    Ok(Cost {
        method: "get_usage_report",
        case: "GenVM flavor: worst case, 64 subscriptions x 16 delegates",
        fuel: executor.last_fuel(),
        reads: record.storage_reads,
        writes: record.storage_writes,
        bytes_written: record.storage_bytes_written,
    })
}

/// Fuel of a same-day `consume_credit` by a delegate on the GenVM flavor, through `_start`
/// (slots hashed with SHA3-256, events and transfers through `gl_call`).
pub fn genvm_bill(genvm_wasm: &[u8]) -> Result<Cost, TaskError> {
    let executor = std::rc::Rc::new(billing_vm::executor::GenvmExecutor::load(genvm_wasm)?);
    let mut chain = MockChain::on(executor.clone());
    chain.faucet(ALICE, 1_000_000);
    chain.call(OPERATOR).register_api("weather", 10, 1_000)?;
    chain.call(ALICE).value(500).subscribe("weather", 5_000, 500)?;
    chain.call(ALICE).approve_delegate("weather", DAPP)?;
    chain.call(ALICE).consume_credit("weather", ALICE)?;
    chain.call(DAPP).consume_credit("weather", ALICE)?;
    let record = chain.last();
    Ok(Cost {
        method: "consume_credit",
        case: "GenVM flavor: same-day bill, by a delegate",
        fuel: executor.last_fuel(),
        reads: record.storage_reads,
        writes: record.storage_writes,
        bytes_written: record.storage_bytes_written,
    })
}

/// The fuel of one call on the sandbox's chain (billing-chain), where contracts call each other and
/// fetch; that chain does not count storage operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainFuel {
    pub method: &'static str,
    pub case: &'static str,
    pub fuel: u64,
}

/// `fetch` of the example consumer contract (examples/weather-consumer: a bill through the billing
/// contract, then a GET of a 40-byte forecast from a weather server on 127.0.0.1 started here), next
/// to the same bill sent straight to `consume_credit` by a delegate, on one fresh chain in memory.
/// Both are same-day bills by a delegate.
pub fn consumer_fetch(billing_wasm: &[u8], consumer_wasm: &[u8]) -> Result<Vec<ChainFuel>, TaskError> {
    let server = billing_sandbox::weather::WeatherServer::start().map_err(TaskError::WeatherServer)?;
    let measured = consumer_fetch_on(billing_wasm, consumer_wasm, &server.url())?;
    let requests = server.requests();
    if requests != ["/forecast?city=oslo"] {
        return Err(TaskError::WeatherRequests(requests));
    }
    Ok(measured)
}

fn consumer_fetch_on(
    billing_wasm: &[u8],
    consumer_wasm: &[u8],
    base_url: &str,
) -> Result<Vec<ChainFuel>, TaskError> {
    use billing_chain::CONTRACT;
    let chain = billing_chain::Chain::in_memory(
        billing_wasm,
        billing_chain::Abi::Billing,
        &billing_chain::Vm::Wasmi,
    )?;
    let passed = |what: &str, report: billing_chain::CallReport| match &report.outcome {
        Ok(_) => Ok(report),
        Err(refusal) => {
            Err(TaskError::CallRefused { what: what.to_string(), message: refusal.message.clone() })
        }
    };
    let config = [Value::Address(CONTRACT), "weather".into(), base_url.into()];
    let deployed = chain.deploy(OPERATOR, 0, None, consumer_wasm, &config)?;
    let consumer = passed("the consumer's deploy", deployed)?.contract.ok_or(TaskError::NoContract)?;
    let call = |to: Address, sender: Address, value: u128, method: &str, args: Vec<Value>| {
        let report = chain.call_to(to, sender, value, None, method, &args)?;
        passed(method, report)
    };
    call(CONTRACT, OPERATOR, 0, "register_api", vec!["weather".into(), 10.into(), 1_000.into()])?;
    call(CONTRACT, ALICE, 500, "subscribe", vec!["weather".into(), 5_000.into(), 500.into()])?;
    for delegate in [DAPP, consumer] {
        call(CONTRACT, ALICE, 0, "approve_delegate", vec!["weather".into(), delegate.into()])?;
    }
    call(CONTRACT, ALICE, 0, "consume_credit", vec!["weather".into(), ALICE.into()])?;
    let bill = call(CONTRACT, DAPP, 0, "consume_credit", vec!["weather".into(), ALICE.into()])?;
    let fetch = call(consumer, ALICE, 0, "fetch", vec!["/forecast?city=oslo".into()])?;
    Ok(vec![
        ChainFuel {
            method: "consume_credit",
            case: "same-day bill, by a delegate (sandbox chain)",
            fuel: bill.fuel,
        },
        ChainFuel {
            method: "fetch",
            case: "weather-consumer: the same bill through it, then a 40-byte GET",
            fuel: fetch.fuel,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cost steps cannot be generated from the method table (each needs a call that succeeds in
    /// its place), so this keeps them from drifting: a new entrypoint without a step fails here.
    /// `get_schema` is the one unlisted method: it answers constant text and touches no state.
    #[test]
    fn every_listed_method_has_a_cost_step() {
        let steps: Vec<&str> = typical_calls().iter().chain(&next_day_calls()).map(|step| step.0).collect();
        let missing: Vec<&str> = api_usage_billing::METHODS
            .iter()
            .filter(|method| method.listed && !steps.contains(&method.name))
            .map(|method| method.name)
            .collect();
        assert!(missing.is_empty(), "no cost step in xtask/src/costs.rs for {missing:?}");
        for step in &steps {
            assert!(
                api_usage_billing::METHODS.iter().any(|method| method.name == *step),
                "cost step for {step}, which is not in the method table"
            );
        }
    }
}
