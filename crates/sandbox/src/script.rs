//! `billing-sandbox run`: a JSON-lines script of calls, run in groups of calls that each commit
//! once, each group's output printed after its commit.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};

use api_usage_billing::{Address, ParamType};
use billing_chain::{Chain, ChainError};

use crate::input::{self, Input};
use crate::json::{arg_from_json, wei_from_json};
use crate::line::write_report;
use crate::params;

/// How many calls `run` commits at once, at most: one disk commit per group, not per call. Each
/// durable commit waits for the disk (a few milliseconds): at 256 calls a group that wait was about
/// a sixth of a call's time on disk, at 1,024 a few percent, and a group's lines still come out
/// about a tenth of a second apart.
pub const GROUP_CALLS: usize = 1024;

/// How much of a script `run` reads ahead.
pub const READ_AHEAD: usize = 1 << 20;

/// Why a script stopped.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("line {line}: {why}")]
    Read { line: usize, why: std::io::Error },
    #[error("line {line}: not a call: {why}")]
    NotACall { line: usize, why: LineError },
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("writing the output: {0}")]
    Output(std::io::Error),
}

/// Calldata arguments from JSON values, typed by the parameters the callee's schema declares: the
/// billing contract's `schema/contract.json`, or a deployed contract's own `get_schema` answer (asked
/// once per contract). A contract that gives none, and a method its schema does not name, take their
/// arguments' natural calldata. Each method's types are read from its schema once.
pub struct Schemas<'a> {
    chain: &'a Chain,
    deployed: BTreeMap<Address, Option<String>>,
    types: BTreeMap<(Address, String), Vec<Option<ParamType>>>,
}

impl<'a> Schemas<'a> {
    pub fn new(chain: &'a Chain) -> Schemas<'a> {
        Schemas { chain, deployed: BTreeMap::new(), types: BTreeMap::new() }
    }

    pub fn call_args(&mut self, to: Address, method: &str, args: &[Input]) -> Vec<api_usage_billing::Value> {
        let key = (to, method.to_string());
        if !self.types.contains_key(&key) {
            let schema = if to == billing_chain::CONTRACT {
                Some(api_usage_billing::schema::CONTRACT_SCHEMA)
            } else {
                let chain = self.chain;
                self.deployed
                    .entry(to)
                    .or_insert_with(|| match chain.view_at(to, "get_schema", &[]) {
                        Ok(Ok(api_usage_billing::Value::Str(schema))) => Some(schema),
                        _ => None,
                    })
                    .as_deref()
            };
            let types = schema.map(|schema| params::param_types(schema, method)).unwrap_or_default();
            self.types.insert(key.clone(), types);
        }
        let types = self.types.get(&key).map(Vec::as_slice).unwrap_or_default();
        args.iter().enumerate().map(|(i, arg)| arg_from_json(arg, types.get(i).copied().flatten())).collect()
    }
}

/// Runs a script's lines in groups of calls, each group one store transaction: the group commits,
/// then its output lines are printed, so every printed line is a call already durable on disk and
/// a kill leaves the state after a prefix of the calls. A group ends after [`GROUP_CALLS`] calls,
/// at the end of the script, and (`interactive`, standard input) when no more input is waiting,
/// so a program feeding lines one at a time gets each answer without sending more. A line that is
/// not a call, or a store failure, ends the run after committing and printing the calls before it.
pub fn run<R: Read>(
    chain: &Chain,
    reader: &mut BufReader<R>,
    interactive: bool,
    out: &mut impl Write,
) -> Result<(), ScriptError> {
    let mut schemas = Schemas::new(chain);
    let mut number = 0usize;
    let mut line = String::new();
    let mut printed = String::new();
    loop {
        let mut group = chain.begin_group()?;
        // The group's output lines, printed in one write once the group is durable.
        printed.clear();
        let (mut ran, mut reported, mut at_end, mut stopped) = (0usize, 0usize, false, None::<ScriptError>);
        while ran < GROUP_CALLS {
            line.clear();
            number += 1;
            match reader.read_line(&mut line) {
                Ok(0) => {
                    at_end = true;
                    break;
                }
                Ok(_) => {}
                Err(why) => {
                    stopped = Some(ScriptError::Read { line: number, why });
                    break;
                }
            }
            let text = line.trim_end_matches(['\n', '\r']);
            if !text.trim().is_empty() {
                let (sender, value, at, to, method, args) = match parse_line(text) {
                    Ok(call) => call,
                    Err(why) => {
                        stopped = Some(ScriptError::NotACall { line: number, why });
                        break;
                    }
                };
                let args = schemas.call_args(to, &method, &args);
                ran += 1;
                match group.call_to(to, sender, value, at, &method, &args) {
                    Ok(report) => {
                        write_report(&mut printed, &report);
                        printed.push('\n');
                        reported += 1;
                    }
                    Err(error) => {
                        stopped = Some(error.into());
                        break;
                    }
                }
            }
            if interactive && reader.buffer().is_empty() {
                break;
            }
        }
        let committed = if reported == 0 { group.abort() } else { group.commit() };
        if let Err(error) = committed {
            return Err(stopped.unwrap_or(error.into()));
        }
        out.write_all(printed.as_bytes()).map_err(ScriptError::Output)?;
        out.flush().map_err(ScriptError::Output)?;
        if let Some(failure) = stopped {
            return Err(failure);
        }
        if at_end {
            return Ok(());
        }
    }
}

/// A text that is not an address; `what` names where it was given (`--sender`, `"to"`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} must be 0x followed by 40 hex digits, not {text:?}")]
pub struct BadAddress {
    pub what: &'static str,
    pub text: String,
}

/// `text` as an address, or why not.
pub fn address(text: &str, what: &'static str) -> Result<Address, BadAddress> {
    Address::parse(text).ok_or_else(|| BadAddress { what, text: text.to_string() })
}

/// Why a script line is not a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("not JSON ({0})")]
    NotJson(#[from] input::ParseError),
    #[error("not a JSON object")]
    NotAnObject,
    #[error("unknown key {0:?} (a line has {keys})", keys = SCRIPT_KEYS.join(", "))]
    UnknownKey(String),
    /// The required string member that is absent (or not a string).
    #[error("no \"{0}\" string")]
    Missing(&'static str),
    #[error(transparent)]
    Address(#[from] BadAddress),
    #[error("\"to\" must be an address string, not {0}")]
    To(Input),
    #[error("\"value\" must be wei, not {0}")]
    Value(Input),
    #[error("\"timestamp\" must be unix seconds, not {0}")]
    Timestamp(Input),
    #[error("\"args\" must be an array, not {0}")]
    Args(Input),
}

/// One line of a script: sender, value, block time, contract, method, arguments.
pub type ScriptCall = (Address, u128, Option<u64>, Address, String, Vec<Input>);

/// The keys a script line may have: anything else is a typo the user should hear about.
const SCRIPT_KEYS: [&str; 6] = ["sender", "timestamp", "value", "to", "method", "args"];

/// `{"sender": "0x…", "timestamp": 123, "value": "0", "method": "…", "args": [...]}`.
pub fn parse_line(line: &str) -> Result<ScriptCall, LineError> {
    let json = input::parse(line)?;
    if !matches!(json, Input::Object(_)) {
        return Err(LineError::NotAnObject);
    }
    if let Some(unknown) = json.keys().into_iter().find(|key| !SCRIPT_KEYS.contains(key)) {
        return Err(LineError::UnknownKey(unknown.to_string()));
    }
    let sender = json.get("sender").and_then(Input::as_str).ok_or(LineError::Missing("sender"))?;
    let sender = address(sender, "\"sender\"")?;
    let method = json.get("method").and_then(Input::as_str).ok_or(LineError::Missing("method"))?.to_string();
    let to = match json.get("to") {
        None | Some(Input::Null) => billing_chain::CONTRACT,
        Some(Input::Str(to)) => address(to, "\"to\"")?,
        Some(other) => return Err(LineError::To(other.clone())),
    };
    let value = match json.get("value") {
        None => 0,
        Some(value) => wei_from_json(value).ok_or_else(|| LineError::Value(value.clone()))?,
    };
    let at = match json.get("timestamp") {
        None | Some(Input::Null) => None,
        Some(t @ Input::Number(digits)) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse().map_err(|_| LineError::Timestamp(t.clone()))?)
        }
        Some(t) => return Err(LineError::Timestamp(t.clone())),
    };
    let args = match json.get("args") {
        None => Vec::new(),
        Some(Input::Array(args)) => args.clone(),
        Some(other) => return Err(LineError::Args(other.clone())),
    };
    Ok((sender, value, at, to, method, args))
}
