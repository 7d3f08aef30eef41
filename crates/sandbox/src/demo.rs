//! The narrated demo: two APIs, a consumer, its consumer contracts, every limit, the low-credit
//! warning, a day rollover and both withdrawals, on a fresh state of the real artifact.
//!
//! On the billing ABI the consumer contracts are real: two deployments of examples/weather-consumer,
//! fetching from a local API server ([`WeatherServer`]) after each bill, so the demo shows which
//! requests went out and which did not. On the GenVM interface the consumer contract is an address
//! replaying the GenLayer pattern of examples/genlayer/consumer.py ([`Narrator::genlayer_bill`]).

use std::fmt::Write as _;
use std::path::Path;

use api_usage_billing::{Address, Value};
use billing_chain::{Refusal, GENESIS_TIME};

use billing_chain::{Abi, CallReport, Chain, ChainError};
use billing_vm::time::utc;

use crate::render::{event_line, refusal_line, report_table};
use crate::weather::WeatherServer;

pub const OPERATOR: Address = Address([0x0a; 20]);
pub const ALICE: Address = Address([0xa1; 20]);
/// The consumer contract that fetches on Alice's behalf and bills her before each fetch, on the GenVM
/// interface (on the billing ABI the demo deploys real ones).
pub const DAPP: Address = Address([0xda; 20]);
/// Who deploys the billing-ABI demo's consumer contracts.
pub const DEVELOPER: Address = Address([0xde; 20]);

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
    Report(serde_json::Error),
    #[error(transparent)]
    Artifact(#[from] billing_artifact::ArtifactError),
    #[error("the local weather API did not start: {0}")]
    Server(#[from] std::io::Error),
}

/// Who bills Alice before each fetch.
enum Biller {
    /// A bare address calling `consume_credit` (GenVM interface).
    Address(Address),
    /// Real consumer contracts, one per API, whose `fetch` bills then requests `target(n)`.
    Contracts { weather: Address, maps: Address, server: WeatherServer },
}

/// The n-th request of the demo to an API: each city in turn.
fn target(api: &str, n: u32) -> String {
    const CITIES: [&str; 4] = ["oslo", "lisbon", "cairo", "lima"];
    let city = CITIES[n as usize % CITIES.len()];
    if api.starts_with("maps") {
        format!("/geocode?city={city}")
    } else {
        format!("/forecast?city={city}")
    }
}

/// Narrates into `out` as it goes; returns an error only when the sandbox itself fails.
struct Narrator<'a> {
    chain: &'a Chain,
    out: &'a mut dyn FnMut(&str),
    refusals: Vec<String>,
    biller: Biller,
    /// Fetches asked of the consumer contracts so far (picks the next city).
    fetches: u32,
    /// The GenLayer consumer's last usage id (GenVM interface).
    usage_id: u64,
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
        self.show(who, value, method, &args, report)
    }

    /// Prints what a call did: its result or refusal, fuel, events and, for a consumer contract's
    /// call, the requests that went out (or that none did).
    fn show(
        &mut self,
        who: &str,
        value: u128,
        method: &str,
        args: &[Value],
        report: CallReport,
    ) -> Result<CallReport, DemoError> {
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
        for fetch in &report.fetches {
            let answer = match &fetch.outcome {
                Ok(status) => format!("{status}, {} bytes", fetch.bytes),
                Err(why) => format!("no response ({why})"),
            };
            self.say(&format!("    request out: GET {} -> {answer}", fetch.url));
        }
        if method == "fetch" && report.fetches.is_empty() {
            self.say("    no request sent");
        }
        Ok(report)
    }

    /// The address that bills Alice for `api`: a consumer contract, or the bare address.
    fn biller_of(&self, api: &str) -> Address {
        match &self.biller {
            Biller::Address(address) => *address,
            Biller::Contracts { weather, maps, .. } => {
                if api.starts_with("maps") {
                    *maps
                } else {
                    *weather
                }
            }
        }
    }

    /// One bill for `api` by the consumer contract: its `fetch` (billing ABI; `path` or the next
    /// city), or a bare `consume_credit` (GenVM interface). `at` moves block time.
    fn consumer_bill(
        &mut self,
        api: &str,
        path: Option<&str>,
        at: Option<u64>,
    ) -> Result<CallReport, DemoError> {
        let biller = self.biller_of(api);
        if let Biller::Address(_) = self.biller {
            return self.genlayer_bill(biller, api, at);
        }
        let path = path.map_or_else(|| target(api, self.fetches), str::to_string);
        self.fetches += 1;
        let args = vec![Value::from(path.as_str())];
        let who = if api.starts_with("maps") { "alice -> maps app" } else { "alice -> weather app" };
        let report = self.chain.call_to(biller, ALICE, 0, at, "fetch", &args)?;
        self.show(who, 0, "fetch", &args, report)
    }

    /// The GenLayer pattern (examples/genlayer/consumer.py): the consumer contract's view
    /// `preview_bill`; only if allowed, the fetch and its queued `consume_credits` with its next usage
    /// id. The first bill's message is delivered twice, as a replay may be: the copy is refused.
    fn genlayer_bill(&mut self, dapp: Address, api: &str, at: Option<u64>) -> Result<CallReport, DemoError> {
        let args = vec![api.into(), ALICE.into(), 1.into()];
        let mut preview = self.chain.call(dapp, 0, at, "preview_bill", &args)?;
        let answer = preview.outcome.clone().map_err(|r| DemoError::Refused(refusal_line(&r)))?;
        let refusal =
            (answer.get("allowed") != Some(&Value::Bool(true))).then(|| Refusal::from_value(&answer));
        let line = match &refusal {
            Some(refusal) => {
                let refusal =
                    refusal.clone().ok_or_else(|| DemoError::Refused("a preview without a code".into()))?;
                let line =
                    format!("\n    refused {} by the preview: no fetch, no bill", refusal_line(&refusal));
                self.refusals.push(refusal.code.clone());
                preview.outcome = Err(refusal);
                line
            }
            None => " -> allowed: fetch (in a nondet block, each validator), then queue the bill".into(),
        };
        self.say(&format!("  dapp (view): preview_bill({api}, alice, 1){line}  [fuel {}]", preview.fuel));
        if preview.outcome.is_err() {
            return Ok(preview);
        }
        self.usage_id += 1;
        let args = vec![api.into(), ALICE.into(), 1.into(), self.usage_id.into()];
        let report = self.chain.call(dapp, 0, None, "consume_credits", &args)?;
        let report = self.show("dapp (queued message)", 0, "consume_credits", &args, report)?;
        if self.usage_id == 1 {
            let replay = self.chain.call(dapp, 0, None, "consume_credits", &args)?;
            self.show("the same message again (a replay)", 0, "consume_credits", &args, replay)?;
        }
        Ok(report)
    }

    /// The consumer contract bills (and fetches) until a bill is refused; how many went through.
    fn bill_until_refused(&mut self, api: &str) -> Result<u32, DemoError> {
        let mut billed = 0;
        while self.consumer_bill(api, None, None)?.outcome.is_ok() {
            billed += 1;
        }
        Ok(billed)
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
        let parsed: serde_json::Value =
            serde_json::from_str(json.as_str().unwrap_or_default()).map_err(DemoError::Report)?;
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
    out(&format!("fresh chain at {} ({}), state in {}", GENESIS_TIME, utc(GENESIS_TIME), state.display()));
    let biller = match abi {
        Abi::Billing => deploy_consumers(&chain, out)?,
        Abi::Genvm => Biller::Address(DAPP),
    };
    let mut n = Narrator { chain: &chain, out, refusals: Vec::new(), biller, fetches: 0, usage_id: 0 };
    n.say(&format!("billing contract {}", billing_chain::CONTRACT.to_hex()));
    match &n.biller {
        Biller::Address(dapp) => n.say(&format!(
            "operator {}  alice {}  dapp (alice's consumer contract) {}",
            OPERATOR.to_hex(),
            ALICE.to_hex(),
            dapp.to_hex()
        )),
        Biller::Contracts { weather, maps, server } => {
            let text = format!(
                "operator {}  alice {}\nalice's consumer contracts (examples/weather-consumer): weather app {} \
                 and maps app {}, each fetching from the local API at {} after it bills her",
                OPERATOR.to_hex(),
                ALICE.to_hex(),
                weather.to_hex(),
                maps.to_hex(),
                server.url()
            );
            n.say(&text);
        }
    }

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

    let (weather, maps) = (n.biller_of("weather.v1"), n.biller_of("maps.v1"));
    if let Biller::Contracts { .. } = n.biller {
        n.step("Before Alice approves it, the weather app's bill is refused, so it sends no request.");
        n.consumer_bill("weather.v1", None, None)?;
    }
    n.step("Alice lets her consumer contract bill her for both APIs (approve_delegate).");
    n.call("alice", ALICE, 0, "approve_delegate", vec!["weather.v1".into(), weather.into()])?;
    n.call("alice", ALICE, 0, "approve_delegate", vec!["maps.v1".into(), maps.into()])?;

    if let Biller::Contracts { .. } = n.biller {
        n.step("The weather API is down: the fetch fails (503), the whole call reverts, and Alice is not billed.");
        n.consumer_bill("weather.v1", Some("/outage"), None)?;
    }

    n.step("Alice caps her consumer contract at 3 weather.v1 calls a day (a delegate limit), whatever the API allows.");
    n.call("alice", ALICE, 0, "set_delegate_limit", vec!["weather.v1".into(), weather.into(), 3.into()])?;

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
    n.say(&format!("  block time {tomorrow} ({})", utc(tomorrow)));
    let report = n.consumer_bill("weather.v1", None, Some(tomorrow))?;
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
    if let Biller::Contracts { server, .. } = &n.biller {
        let sent = server.requests().len();
        let text = format!(
            "the local API answered {sent} requests: one per bill that passed, and the 503 (billed to nobody); \
             none for a refused bill"
        );
        n.say(&text);
    }
    let refusals = n.refusals;
    Ok(refusals)
}

/// Starts the local API and deploys one consumer contract per API, both fetching from it.
fn deploy_consumers(chain: &Chain, out: &mut dyn FnMut(&str)) -> Result<Biller, DemoError> {
    let server = WeatherServer::start()?;
    let code = billing_artifact::consumer_wasm()?;
    let mut deploy = |api: &str| -> Result<Address, DemoError> {
        let args = [Value::Address(billing_chain::CONTRACT), api.into(), server.url().into()];
        let report = chain.deploy(DEVELOPER, 0, None, &code, &args)?;
        match (&report.outcome, report.contract) {
            (Ok(_), Some(address)) => {
                out(&format!(
                    "deployed weather-consumer for {api} at {} [fuel {}]",
                    address.to_hex(),
                    report.fuel
                ));
                Ok(address)
            }
            (Err(refusal), _) => Err(DemoError::Refused(refusal_line(refusal))),
            (Ok(_), None) => Err(DemoError::Refused("the deploy made no contract".into())),
        }
    };
    let weather = deploy("weather.v1")?;
    let maps = deploy("maps.v1")?;
    Ok(Biller::Contracts { weather, maps, server })
}
