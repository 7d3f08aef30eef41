//! Method table and argument decoding: from a method name and positional [`Value`]s to an entrypoint.

use alloc::string::String;

use crate::{calldata, contract, Address, Error, Host, Int, Value};

/// The declared type of a parameter (GenLayer's schema names it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    Str,
    Int,
    Bool,
    /// A calldata address, or a string of `0x`/`0X` + 40 hex digits in any case.
    Address,
}

/// What a method returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnType {
    Null,
    Str,
    /// The billing receipt: a map of integers.
    Receipt,
}

/// One public method: its name, parameters and kind, as clients and schemas see it.
#[derive(Clone, Copy, Debug)]
pub struct MethodInfo {
    pub name: &'static str,
    pub params: &'static [(&'static str, ParamType)],
    pub readonly: bool,
    pub payable: bool,
    pub returns: ReturnType,
    /// Listed in the contract schema (`get_schema` itself is not).
    pub listed: bool,
}

const fn write(name: &'static str, params: &'static [(&'static str, ParamType)]) -> MethodInfo {
    MethodInfo { name, params, readonly: false, payable: false, returns: ReturnType::Null, listed: true }
}

const fn payable(name: &'static str, params: &'static [(&'static str, ParamType)]) -> MethodInfo {
    MethodInfo { payable: true, ..write(name, params) }
}

const fn view(name: &'static str, params: &'static [(&'static str, ParamType)]) -> MethodInfo {
    MethodInfo { readonly: true, returns: ReturnType::Str, ..write(name, params) }
}

use ParamType::{Address as Addr, Bool, Int as Integer, Str};

/// Every public method: the seed's six first, in the seed's order, then the ones beyond it.
pub const METHODS: &[MethodInfo] = &[
    write(
        "register_api",
        &[("api_name", Str), ("cost_per_call_wei", Integer), ("daily_limit_calls", Integer)],
    ),
    payable(
        "subscribe",
        &[("api_name", Str), ("max_daily_spend_wei", Integer), ("initial_deposit_wei", Integer)],
    ),
    payable("top_up_credit", &[("amount", Integer)]),
    MethodInfo {
        returns: ReturnType::Receipt,
        ..write("consume_credit", &[("api_name", Str), ("consumer_address", Addr)])
    },
    view("get_usage_report", &[("consumer_address", Addr)]),
    view("consumer_integration_example", &[]),
    write("unsubscribe", &[("api_name", Str)]),
    write("approve_delegate", &[("api_name", Str), ("delegate", Addr)]),
    write("revoke_delegate", &[("api_name", Str), ("delegate", Addr)]),
    write("set_api_active", &[("api_name", Str), ("active", Bool)]),
    write("withdraw_credit", &[("amount", Integer)]),
    write("withdraw_earnings", &[("api_name", Str), ("amount", Integer)]),
    view("get_api_report", &[("api_name", Str)]),
    view("get_usage_history", &[("consumer_address", Addr), ("api_name", Str)]),
    MethodInfo {
        returns: ReturnType::Receipt,
        ..write(
            "consume_credits",
            &[("api_name", Str), ("consumer_address", Addr), ("calls", Integer), ("usage_id", Integer)],
        )
    },
    write("transfer_api", &[("api_name", Str), ("new_operator", Addr)]),
    write("accept_api", &[("api_name", Str)]),
    MethodInfo { listed: false, ..view("get_schema", &[]) },
];

/// Calls `$callback! { register_api subscribe … get_schema }`: every exported method name as a bare
/// ident, in [`METHODS`] order, so a wasm crate can generate one export per entrypoint.
#[macro_export]
macro_rules! for_each_method {
    ($callback:ident) => {
        $callback! {
            register_api subscribe top_up_credit consume_credit get_usage_report consumer_integration_example
            unsubscribe approve_delegate revoke_delegate set_api_active withdraw_credit withdraw_earnings
            get_api_report get_usage_history consume_credits transfer_api accept_api get_schema
        }
    };
}

/// Runs `method` with positional `args` for the host's sender, value and time.
///
/// Order of refusals: unknown method; value attached to a non-payable method; wrong argument count or
/// type, malformed address; then the method's own checks.
pub fn execute(host: &mut impl Host, method: &str, args: &[Value]) -> Result<Value, Error> {
    let info = admit(host, method)?;
    run(host, info, args)
}

/// [`execute`] with the arguments still encoded: a calldata array of positional arguments. Malformed
/// calldata is refused after the method and payable checks, as any other argument error.
pub fn execute_calldata(host: &mut impl Host, method: &str, input: &[u8]) -> Result<Value, Error> {
    let info = admit(host, method)?;
    match calldata::decode(input)? {
        Value::Array(args) => run(host, info, &args),
        _ => Err(Error::InvalidArguments(String::from("arguments must be a calldata array"))),
    }
}

/// The method, if it exists and takes the attached value (checked before anything else).
fn admit(host: &impl Host, method: &str) -> Result<&'static MethodInfo, Error> {
    let info = METHODS.iter().find(|m| m.name == method).ok_or(Error::UnknownMethod)?;
    if !info.payable && host.attached_value() != 0 {
        return Err(Error::NotPayable);
    }
    Ok(info)
}

fn run(host: &mut impl Host, info: &'static MethodInfo, args: &[Value]) -> Result<Value, Error> {
    if args.len() != info.params.len() {
        return Err(invalid_arguments(info.name, " takes a different number of arguments"));
    }
    let args = Args { info, args };
    match info.name {
        "register_api" => contract::register_api(host, args.str(0)?, args.int(1)?, args.int(2)?),
        "subscribe" => contract::subscribe(host, args.str(0)?, args.int(1)?, args.int(2)?),
        "top_up_credit" => contract::top_up_credit(host, args.int(0)?),
        "consume_credit" => contract::consume_credit(host, args.str(0)?, args.address(1)?),
        "get_usage_report" => contract::get_usage_report(host, args.address(0)?),
        "consumer_integration_example" => Ok(Value::from(contract::INTEGRATION_EXAMPLE)),
        "get_api_report" => contract::get_api_report(host, args.str(0)?),
        "get_usage_history" => contract::get_usage_history(host, args.address(0)?, args.str(1)?),
        "consume_credits" => {
            contract::consume_credits(host, args.str(0)?, args.address(1)?, args.int(2)?, args.int(3)?)
        }
        "transfer_api" => contract::transfer_api(host, args.str(0)?, args.address(1)?),
        "accept_api" => contract::accept_api(host, args.str(0)?),
        "get_schema" => Ok(Value::from(crate::schema::CONTRACT_SCHEMA)),
        "unsubscribe" => contract::unsubscribe(host, args.str(0)?),
        "approve_delegate" => contract::approve_delegate(host, args.str(0)?, args.address(1)?),
        "revoke_delegate" => contract::revoke_delegate(host, args.str(0)?, args.address(1)?),
        "set_api_active" => contract::set_api_active(host, args.str(0)?, args.bool(1)?),
        "withdraw_credit" => contract::withdraw_credit(host, args.int(0)?),
        "withdraw_earnings" => contract::withdraw_earnings(host, args.str(0)?, args.int(1)?),
        _ => Err(Error::UnknownMethod),
    }
}

struct Args<'a> {
    info: &'a MethodInfo,
    args: &'a [Value],
}

impl<'a> Args<'a> {
    fn arg(&self, index: usize) -> Result<(&'static str, &'a Value), Error> {
        let name = self.info.params.get(index).map_or("argument", |(name, _)| *name);
        let value = self.args.get(index).ok_or_else(|| invalid_arguments(name, " is missing"))?;
        Ok((name, value))
    }

    fn str(&self, index: usize) -> Result<&'a str, Error> {
        match self.arg(index)? {
            (_, Value::Str(text)) => Ok(text),
            (name, _) => Err(invalid_arguments(name, " must be a string")),
        }
    }

    fn int(&self, index: usize) -> Result<&'a Int, Error> {
        match self.arg(index)? {
            (_, Value::Int(int)) => Ok(int),
            (name, _) => Err(invalid_arguments(name, " must be an integer")),
        }
    }

    fn bool(&self, index: usize) -> Result<bool, Error> {
        match self.arg(index)? {
            (_, Value::Bool(flag)) => Ok(*flag),
            (name, _) => Err(invalid_arguments(name, " must be a bool")),
        }
    }

    fn address(&self, index: usize) -> Result<Address, Error> {
        match self.arg(index)? {
            (_, Value::Address(address)) => Ok(*address),
            (_, Value::Str(text)) => Address::parse(text).ok_or(Error::InvalidAddress),
            (name, _) => Err(invalid_arguments(name, " must be an address")),
        }
    }
}

/// `invalid_arguments` naming what is wrong, built without `core::fmt`.
fn invalid_arguments(subject: &str, problem: &str) -> Error {
    let mut what = String::with_capacity(subject.len() + problem.len());
    what.push_str(subject);
    what.push_str(problem);
    Error::InvalidArguments(what)
}
