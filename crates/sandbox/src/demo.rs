//! The narrated demo: two APIs, a consumer, its consumer contract, every limit, the low-credit warning,
//! a day rollover and both withdrawals, on a fresh state of the real artifact.

use std::fmt::Write as _;
use std::path::Path;

use api_usage_billing::testing::GENESIS_TIME;
use api_usage_billing::{Address, Value};

use billing_chain::{Abi, CallReport, Chain, ChainError};
use billing_vm::time::utc;

use crate::render::{event_line, refusal_line, report_table};

pub const OPERATOR: Address = Address([0x0a; 20]);
pub const ALICE: Address = Address([0xa1; 20]);
/// The consumer contract that fetches on Alice's behalf and bills her before each fetch.
pub const DAPP: Address = Address([0xda; 20]);

/// One milli-token: 10^15 wei.
const MILLI: u128 = 1_000_000_000_000_000;

/// Why the demo stopped: the sandbox failed, or the contract refused what the script needs.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("the contract refused a step of the demo: {0}")]
    Refused(String),
    #[error("the usage report is not JSON: {0}")]
    Report(String),
}

/// Narrates into `out` as it goes; returns an error only when the sandbox itself fails.
struct Narrator<'a> {
    chain: &'a Chain,
    out: &'a mut dyn FnMut(&str),
    refusals: Vec<String>,
}

impl Narrator<'_> {
    fn say(&mut self, text: &str) {
        (self.out)(text);
    }

    fn step(&mut self, text: &str) {
        (self.out)(&format!("\n▸ {text}"));
    }

    fn call(
        &mut self,
        who: &str,
        sender: Address,
        value: u128,
        method: &str,
        args: Vec<Value>,
    ) -> Result<CallReport, DemoError> {
        let report = self.chain.call(sender, value, None, method, &args)?;
        let shown_args: Vec<String> = args.iter().map(arg_text).collect();
        let value_text = if value > 0 { format!(" with {value} wei") } else { String::new() };
        let mut line = format!("  {who}: {method}({}){value_text}", shown_args.join(", "));
        match &report.outcome {
            Ok(Value::Null) => {}
            Ok(Value::Str(_)) => {}
            Ok(value) => {
                let _ = write!(line, " -> {}", crate::json::value_to_json(value));
            }
            Err(refusal) => {
                let _ = write!(line, "\n    refused {}", refusal_line(refusal));
                self.refusals.push(refusal.code.clone());
            }
        }
        let _ = write!(line, "  [fuel {}]", report.fuel);
        self.say(&line);
        for event in &report.events {
            self.say(&format!("    event {}", event_line(event)));
        }
        Ok(report)
    }

    fn bill_until_refused(&mut self, api: &str) -> Result<u32, DemoError> {
        self.bill_as_until_refused("dapp", DAPP, api)
    }

    /// Bills Alice for `api` as `sender` until a bill is refused; how many went through.
    fn bill_as_until_refused(&mut self, who: &str, sender: Address, api: &str) -> Result<u32, DemoError> {
        let mut billed = 0;
        loop {
            let report = self.call(who, sender, 0, "consume_credit", vec![api.into(), ALICE.into()])?;
            if report.outcome.is_err() {
                return Ok(billed);
            }
            billed += 1;
        }
    }

    fn report(&mut self) -> Result<(), DemoError> {
        let outcome = self.chain.view("get_usage_report", &[ALICE.into()])?;
        let json = outcome.map_err(|r| DemoError::Refused(r.message))?;
        let parsed: serde_json::Value = serde_json::from_str(json.as_str().unwrap_or_default())
            .map_err(|e| DemoError::Report(e.to_string()))?;
        self.say(&report_table(&parsed));
        Ok(())
    }
}

/// An argument as a reader expects it: numbers bare, strings quoted.
fn arg_text(value: &Value) -> String {
    match value {
        Value::Int(int) => crate::json::int_to_decimal(int),
        Value::Address(address) => address.to_hex(),
        other => crate::json::value_to_json(other).to_string(),
    }
}

/// Runs the demo on a fresh state at `state`; returns the codes of the refusals it met, in order.
pub fn run(state: &Path, wasm: &[u8], abi: Abi, out: &mut dyn FnMut(&str)) -> Result<Vec<String>, DemoError> {
    run_on(state, wasm, abi, &billing_chain::Vm::Wasmi, out)
}

/// [`run`] on the given VM (the real GenVM executor takes the deployment `.zip` as `code`).
pub fn run_on(
    state: &Path,
    code: &[u8],
    abi: Abi,
    vm: &billing_chain::Vm,
    out: &mut dyn FnMut(&str),
) -> Result<Vec<String>, DemoError> {
    let chain = Chain::open_on(state, code, true, abi, vm)?;
    out(&format!("vm: {}", chain.vm()));
    let mut n = Narrator { chain: &chain, out, refusals: Vec::new() };
    n.say(&format!("fresh chain at {} ({}), state in {}", GENESIS_TIME, utc(GENESIS_TIME), state.display()));
    n.say(&format!(
        "operator {}  alice {}  dapp (alice's consumer contract) {}",
        OPERATOR.to_hex(),
        ALICE.to_hex(),
        DAPP.to_hex()
    ));

    n.step("The operator registers two APIs: weather.v1 at 1 milli-token a call, 5 calls a day; maps.v1 at 2, 100 a day.");
    n.call("operator", OPERATOR, 0, "register_api", vec!["weather.v1".into(), MILLI.into(), 5.into()])?;
    n.call("operator", OPERATOR, 0, "register_api", vec!["maps.v1".into(), (2 * MILLI).into(), 100.into()])?;

    n.step("Alice subscribes to both, with daily caps of 10 and 6 milli-tokens, and deposits 12 (attached value).");
    n.call(
        "alice",
        ALICE,
        12 * MILLI,
        "subscribe",
        vec!["weather.v1".into(), (10 * MILLI).into(), (12 * MILLI).into()],
    )?;
    n.call("alice", ALICE, 0, "subscribe", vec!["maps.v1".into(), (6 * MILLI).into(), 0.into()])?;

    n.step("Alice lets her consumer contract bill her for both APIs.");
    n.call("alice", ALICE, 0, "approve_delegate", vec!["weather.v1".into(), DAPP.into()])?;
    n.call("alice", ALICE, 0, "approve_delegate", vec!["maps.v1".into(), DAPP.into()])?;

    n.step("Alice caps her consumer contract at 3 weather.v1 calls a day (a delegate limit), whatever the API allows.");
    n.call("alice", ALICE, 0, "set_delegate_limit", vec!["weather.v1".into(), DAPP.into(), 3.into()])?;

    n.step("The consumer contract bills weather.v1 before each fetch until its own limit stops it: no fetch after that.");
    let by_dapp = n.bill_until_refused("weather.v1")?;
    n.step(
        "Alice's own bills are never limited by it: she bills on until the API's daily call limit refuses.",
    );
    let by_alice = n.bill_as_until_refused("alice", ALICE, "weather.v1")?;
    n.say(&format!(
        "  {} weather fetches today ({by_dapp} by the consumer contract, {by_alice} by Alice)",
        by_dapp + by_alice
    ));

    n.step("It bills maps.v1 until Alice's daily spend cap refuses; credit crosses 20 % on the way.");
    let maps = n.bill_until_refused("maps.v1")?;
    n.say(&format!("  {maps} maps fetches today"));
    n.report()?;

    n.step("A stranger cannot bill Alice, nor can the operator.");
    n.call("operator", OPERATOR, 0, "consume_credit", vec!["weather.v1".into(), ALICE.into()])?;

    n.step("The UTC day rolls over: limits reset, and the consumer contract bills until credit runs out.");
    let tomorrow = GENESIS_TIME + 86_400;
    let report =
        chain.call(DAPP, 0, Some(tomorrow), "consume_credit", &["weather.v1".into(), ALICE.into()])?;
    n.say(&format!("  block time {} ({})", report.timestamp, utc(report.timestamp)));
    if let Err(refusal) = &report.outcome {
        n.say(&format!("    refused {}", refusal_line(refusal)));
    }
    for event in &report.events {
        n.say(&format!("    event {}", event_line(event)));
    }
    let more = n.bill_until_refused("weather.v1")?;
    n.say(&format!("  {} weather fetches today", more + u32::from(report.outcome.is_ok())));

    n.step("Alice tops up 5 milli-tokens; the low-credit warning re-arms once credit is back above 20 %.");
    n.call("alice", ALICE, 5 * MILLI, "top_up_credit", vec![(5 * MILLI).into()])?;
    n.report()?;

    n.step("Both withdrawals: the operator takes its earnings, Alice takes back her unused credit.");
    n.call("operator", OPERATOR, 0, "withdraw_earnings", vec!["weather.v1".into(), (6 * MILLI).into()])?;
    n.call("operator", OPERATOR, 0, "withdraw_earnings", vec!["maps.v1".into(), (6 * MILLI).into()])?;
    n.call("alice", ALICE, 0, "withdraw_credit", vec![(5 * MILLI).into()])?;
    n.report()?;
    n.say(&crate::render::overview(&chain.overview()?));
    let refusals = n.refusals;
    Ok(refusals)
}
