//! `billing-sandbox`: build the contract artifact and run it on this machine like a devnet.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use api_usage_billing::Address;
use billing_artifact::{ArtifactError, Flavor};
use billing_chain::Refusal;
use billing_chain::{default_state_path, Abi as ChainAbi, Chain, ChainError, Vm};
use billing_sandbox::input::{self, Input};
use billing_sandbox::json::{arg_from_json, cli_arg};
use billing_sandbox::line::report_line;
use billing_sandbox::script::{address, BadAddress, Schemas, ScriptError};
use billing_sandbox::serve::ServeError;
use billing_sandbox::{demo, render};
use clap::{Parser, Subcommand};
use serde_json::Value as Json;

#[derive(Parser)]
#[command(name = "billing-sandbox", version, about = "Build and run the api-usage-billing contract locally")]
struct Cli {
    /// The state file (redb). Default: .billing-sandbox/state.redb in the current directory.
    #[arg(long, global = true)]
    state: Option<PathBuf>,
    /// The contract artifact to run. Default: the one built from this checkout (built on first use;
    /// `cargo build-wasm` writes it to artifacts/).
    #[arg(long, global = true)]
    wasm: Option<PathBuf>,
    /// The host interface to run the contract on: one export per method (billing), or GenLayer's
    /// VM interface through `_start` (genvm; the artifact's GenVM flavor).
    #[arg(long, global = true, value_enum, default_value_t = Abi::Billing)]
    abi: Abi,
    /// Run the GenVM flavor (with --abi genvm) on GenLayer's real GenVM executor at PATH instead of
    /// wasmi; `auto`: $BILLING_GENVM, else ../shared/genvm/bin/genvm beside the checkout. The
    /// contract is then its deployment .zip (or the --wasm file as given).
    #[arg(long, global = true, value_name = "PATH")]
    executor: Option<PathBuf>,
    /// Let contracts' outbound fetches (`http_get`) reach any host; without it only loopback ones
    /// (127.0.0.0/8, ::1, localhost).
    #[arg(long, global = true)]
    allow_remote_fetch: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Abi {
    Billing,
    Genvm,
}

impl Abi {
    fn flavor(self) -> Flavor {
        match self {
            Abi::Billing => Flavor::Billing,
            Abi::Genvm => Flavor::Genvm,
        }
    }

    fn chain(self) -> ChainAbi {
        match self {
            Abi::Billing => ChainAbi::Billing,
            Abi::Genvm => ChainAbi::Genvm,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the narrated scenario on a fresh state (a temporary file unless --state is given).
    Demo,
    /// Make one call on the persistent state; prints the result as one JSON line.
    Call {
        /// The calling account, 0x + 40 hex digits.
        #[arg(long)]
        sender: String,
        /// Value attached to the call, in wei.
        #[arg(long, default_value = "0")]
        value: String,
        /// Block time of the call, unix seconds (default: the last call's; never earlier).
        #[arg(long)]
        at: Option<u64>,
        /// The contract to call (default: the billing contract, 0xc0…c0).
        #[arg(long)]
        to: Option<String>,
        method: String,
        /// Arguments as JSON values; text that is not JSON is taken as a string.
        args: Vec<String>,
    },
    /// Deploy a contract (a .wasm on the state's interface, or a GenVM .zip with --abi genvm); prints
    /// its address.
    Deploy {
        file: PathBuf,
        /// The deploying account (its deploy count and address give the contract's address).
        #[arg(long, default_value = DEFAULT_DEPLOYER)]
        sender: String,
        /// The constructor's arguments, as one JSON array.
        #[arg(long, default_value = "[]")]
        args: String,
        /// Value attached to the deploy, in wei.
        #[arg(long, default_value = "0")]
        value: String,
        /// Block time of the deploy, unix seconds (default: the last call's; never earlier).
        #[arg(long)]
        at: Option<u64>,
    },
    /// Run a JSON-lines script of calls, one JSON line out per call.
    Run {
        /// The script, or - for standard input.
        file: PathBuf,
        /// Start from an empty state.
        #[arg(long)]
        fresh: bool,
    },
    /// A consumer's usage report.
    Report {
        consumer: String,
        /// The contract to read (default: the billing contract, 0xc0…c0).
        #[arg(long)]
        to: Option<String>,
        /// Print the contract's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// An API's report: operator, price, subscribers, today's calls and revenue, earnings.
    ApiReport {
        api: String,
        /// The contract to read (default: the billing contract, 0xc0…c0).
        #[arg(long)]
        to: Option<String>,
        /// Print the contract's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// A consumer's last 30 days with usage of an API, newest first.
    History {
        consumer: String,
        api: String,
        /// The contract to read (default: the billing contract, 0xc0…c0).
        #[arg(long)]
        to: Option<String>,
        /// Print the contract's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Balances and APIs at a glance.
    State,
    /// Everything the state holds, every record checked, as one JSON document (for audits, and to
    /// compare two states).
    Dump,
    /// A local GenLayer node: JSON-RPC 2.0 at http://127.0.0.1:PORT/api (loopback only), for
    /// genlayer-js and the genlayer CLI; the billing contract is deployed at start.
    Serve {
        /// The port to listen on (0: any free one, printed).
        #[arg(long, default_value_t = 4000)]
        port: u16,
        /// Block time moves only when a client asks (sim_increaseTime / sim_setTime), for tests;
        /// otherwise it follows this machine's clock, never backwards.
        #[arg(long)]
        fixed_clock: bool,
        /// Worker threads answering requests.
        #[arg(long, default_value_t = 4)]
        threads: usize,
        /// Start from an empty state.
        #[arg(long)]
        fresh: bool,
        /// The dashboard's built files, served at / (default: $BILLING_DASHBOARD_DIR, else this
        /// checkout's dashboard/dist).
        #[arg(long, value_name = "DIR")]
        dashboard: Option<PathBuf>,
    },
}

/// Who deploys when `deploy` is given no `--sender`.
const DEFAULT_DEPLOYER: &str = "0xd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";

/// How a command ended, beyond success: every variant but `Refused` is one `error: …` line on
/// standard error; all exit 1.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// The contract refused a single `call` or `deploy` (its JSON line is printed already).
    #[error("the contract refused the call")]
    Refused,
    /// A view the contract refused: its refusal line.
    #[error("{}", render::refusal_line(.0))]
    ViewRefused(Refusal),
    #[error("cannot read the contract artifact {}: {why}\n(build it with `cargo build-wasm`)", .path.display())]
    ReadArtifact { path: PathBuf, why: std::io::Error },
    #[error("{}: {why}", .path.display())]
    ReadFile { path: PathBuf, why: std::io::Error },
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error(transparent)]
    Executor(#[from] genvm_executor::NotFound),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Address(#[from] BadAddress),
    #[error("--value must be wei (decimal digits), not {0:?}")]
    Value(String),
    #[error("--args must be one JSON array, not {0:?}")]
    Args(String),
    /// A view's answer that is not the JSON its table reads.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
    #[error(transparent)]
    Script(#[from] ScriptError),
    #[error(transparent)]
    Serve(#[from] ServeError),
}

fn main() -> ExitCode {
    // A panic is a bug (the store turns its own into errors): one line, not a backtrace hint.
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map_or_else(String::new, |l| format!(" ({}:{})", l.file(), l.line()));
        eprintln!("error: internal failure{location}: {}", info.payload_as_str().unwrap_or("unknown"));
    }));
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Refused) => ExitCode::FAILURE,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn wasm(path: Option<&Path>, abi: Abi) -> Result<Vec<u8>, Failure> {
    match path {
        Some(path) => {
            std::fs::read(path).map_err(|why| Failure::ReadArtifact { path: path.to_path_buf(), why })
        }
        None => Ok(billing_artifact::fixture(abi.flavor())?.bytes.clone()),
    }
}

/// The VM to run on, and the code it runs: wasmi takes the artifact's `.wasm`, the real executor
/// the deployment `.zip` (unless `--wasm` names a file).
struct Engine {
    vm: Vm,
    code: Vec<u8>,
}

fn engine(executor: Option<&Path>, wasm_path: Option<&Path>, abi: Abi) -> Result<Engine, Failure> {
    let Some(executor) = executor else {
        return Ok(Engine { vm: Vm::Wasmi, code: wasm(wasm_path, abi)? });
    };
    if abi != Abi::Genvm {
        return Err(ChainError::ExecutorNeedsGenvm.into());
    }
    let explicit = (executor.as_os_str() != "auto").then_some(executor);
    let path = genvm_executor::find_executor_with(explicit)?;
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    let code = match wasm_path {
        Some(_) => wasm(wasm_path, abi)?,
        None => billing_artifact::fixture(Flavor::Genvm)?.zip(),
    };
    Ok(Engine { vm: Vm::GenvmExecutor(path), code })
}

/// Where the engine comes from (`--executor`, `--wasm`), made only when a command opens the chain.
struct Source<'a> {
    executor: Option<&'a Path>,
    wasm: Option<&'a Path>,
    /// `--allow-remote-fetch`.
    allow_remote_fetch: bool,
}

fn open(cli_state: Option<&Path>, source: &Source<'_>, abi: Abi, fresh: bool) -> Result<Chain, Failure> {
    let engine = engine(source.executor, source.wasm, abi)?;
    let path = cli_state.map_or_else(default_state_path, Path::to_path_buf);
    let mut chain = Chain::open_on(&path, &engine.code, fresh, abi.chain(), &engine.vm)?;
    chain.allow_remote_fetch(source.allow_remote_fetch);
    eprintln!("state: {}", path.display());
    eprintln!("vm: {}", chain.vm());
    Ok(chain)
}

fn run(cli: Cli) -> Result<(), Failure> {
    let state = cli.state.as_deref();
    let wasm_path = cli.wasm.as_deref();
    let abi = cli.abi;
    let source = Source {
        executor: cli.executor.as_deref(),
        wasm: wasm_path,
        allow_remote_fetch: cli.allow_remote_fetch,
    };
    let wasm_path = &source;
    match cli.command {
        Command::Demo => {
            let path = state.map_or_else(
                || std::env::temp_dir().join(format!("billing-sandbox-demo-{}.redb", std::process::id())),
                Path::to_path_buf,
            );
            let engine = engine(source.executor, source.wasm, abi)?;
            demo::run_on(&path, &engine.code, abi.chain(), &engine.vm, &mut |line| println!("{line}"))?;
            println!(
                "\nThe demo's state stays in {}; look again with `billing-sandbox --state {} state`.",
                path.display(),
                path.display()
            );
            Ok(())
        }
        Command::Call { sender, value, at, to, method, args } => {
            let sender = address(&sender, "--sender")?;
            let to = target(to.as_deref())?;
            let value =
                billing_sandbox::json::wei_from_text(&value).ok_or_else(|| Failure::Value(value.clone()))?;
            let chain = open(state, wasm_path, abi, false)?;
            let args: Vec<Input> = args.iter().map(|a| cli_arg(a)).collect();
            let args = Schemas::new(&chain).call_args(to, &method, &args);
            let report = chain.call_to(to, sender, value, at, &method, &args)?;
            println!("{}", report_line(&report));
            if report.outcome.is_ok() {
                Ok(())
            } else {
                Err(Failure::Refused)
            }
        }
        Command::Deploy { file, sender, args, value, at } => {
            let sender = address(&sender, "--sender")?;
            let value =
                billing_sandbox::json::wei_from_text(&value).ok_or_else(|| Failure::Value(value.clone()))?;
            let args = match input::parse(&args) {
                Ok(Input::Array(args)) => args,
                _ => return Err(Failure::Args(args)),
            };
            let code = std::fs::read(&file).map_err(|why| Failure::ReadFile { path: file.clone(), why })?;
            let chain = open(state, wasm_path, abi, false)?;
            let args: Vec<_> = args.iter().map(|arg| arg_from_json(arg, None)).collect();
            let report = chain.deploy(sender, value, at, &code, &args)?;
            match (&report.outcome, report.contract) {
                (Ok(_), Some(contract)) => {
                    println!("{}", contract.to_hex());
                    eprintln!("deployed {} by {} at {}", file.display(), sender.to_hex(), contract.to_hex());
                    // Standard output is the address alone; what `init` fetched is told here.
                    for fetch in &report.fetches {
                        eprintln!("init fetched {}", billing_sandbox::json::fetch_to_json(fetch));
                    }
                    Ok(())
                }
                _ => {
                    println!("{}", report_line(&report));
                    Err(Failure::Refused)
                }
            }
        }
        Command::Run { file, fresh } => {
            let chain = open(state, wasm_path, abi, fresh)?;
            let from_stdin = file.as_os_str() == "-";
            let source: Box<dyn std::io::Read> = if from_stdin {
                Box::new(std::io::stdin())
            } else {
                Box::new(
                    std::fs::File::open(&file)
                        .map_err(|why| Failure::ReadFile { path: file.clone(), why })?,
                )
            };
            let mut reader = std::io::BufReader::with_capacity(billing_sandbox::script::READ_AHEAD, source);
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            Ok(billing_sandbox::script::run(&chain, &mut reader, from_stdin, &mut out)?)
        }
        Command::Report { consumer, to, json } => {
            let to = target(to.as_deref())?;
            let consumer_arg =
                arg_from_json(&Input::Str(consumer), Some(api_usage_billing::ParamType::Address));
            let chain = open(state, wasm_path, abi, false)?;
            let report =
                chain.view_at(to, "get_usage_report", &[consumer_arg])?.map_err(Failure::ViewRefused)?;
            let text = report.as_str().unwrap_or_default().to_string();
            if json {
                println!("{text}");
            } else {
                let parsed: Json = serde_json::from_str(&text)?;
                print!("{}", render::report_table(&parsed));
            }
            Ok(())
        }
        Command::ApiReport { api, to, json } => {
            let to = target(to.as_deref())?;
            let chain = open(state, wasm_path, abi, false)?;
            let text = view_json(&chain, to, "get_api_report", vec![Input::Str(api)])?;
            print_json_or(&text, json, render::api_report_table)
        }
        Command::History { consumer, api, to, json } => {
            let to = target(to.as_deref())?;
            let chain = open(state, wasm_path, abi, false)?;
            let text =
                view_json(&chain, to, "get_usage_history", vec![Input::Str(consumer), Input::Str(api)])?;
            print_json_or(&text, json, render::history_table)
        }
        Command::State => {
            let chain = open(state, wasm_path, abi, false)?;
            print!("{}", render::overview(&chain.overview()?));
            let contracts = chain.contracts()?;
            println!("billing contract: {}", billing_chain::CONTRACT.to_hex());
            for deployed in contracts.iter().skip(1) {
                println!("deployed contract: {}", deployed.to_hex());
            }
            Ok(())
        }
        Command::Serve { port, fixed_clock, threads, fresh, dashboard } => {
            let path = state.map_or_else(default_state_path, Path::to_path_buf);
            let chain = open(state, wasm_path, abi, fresh)?;
            let options = billing_sandbox::serve::ServeOptions { port, fixed_clock, threads, dashboard };
            Ok(billing_sandbox::serve::run(chain, &path, &options)?)
        }
        Command::Dump => {
            let chain = open(state, wasm_path, abi, false)?;
            println!("{}", billing_sandbox::json::state_json(&chain.state_dump()?));
            Ok(())
        }
    }
}

/// A view's JSON answer (or the contract's refusal, as an error).
/// `--to`: a contract's address, or the billing contract's when absent.
fn target(to: Option<&str>) -> Result<Address, BadAddress> {
    to.map_or(Ok(billing_chain::CONTRACT), |to| address(to, "--to"))
}

fn view_json(chain: &Chain, to: Address, method: &str, args: Vec<Input>) -> Result<String, Failure> {
    let answer = chain
        .view_at(to, method, &Schemas::new(chain).call_args(to, method, &args))?
        .map_err(Failure::ViewRefused)?;
    Ok(answer.as_str().unwrap_or_default().to_string())
}

fn print_json_or(text: &str, json: bool, table: fn(&Json) -> String) -> Result<(), Failure> {
    if json {
        println!("{text}");
    } else {
        let parsed: Json = serde_json::from_str(text)?;
        print!("{}", table(&parsed));
    }
    Ok(())
}
