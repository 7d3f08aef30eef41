//! Method table and argument decoding: from a method name and positional [`Value`]s to an entrypoint.

use alloc::string::String;

use crate::{calldata, contract, Error, Host, Value};

/// The declared type of a parameter (GenLayer's schema names it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    Str,
    Int,
    Bool,
    /// A calldata address, or a string of `0x`/`0X` + 40 hex digits in any case.
    Address,
    /// A calldata array of ints (GenLayer's `list[int]`).
    IntList,
}

/// What a method returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnType {
    Null,
    Str,
    /// The billing receipt: a map of integers.
    Receipt,
    /// `preview_bill`'s answer: a map of mixed values (`allowed`, then a receipt or a refusal).
    Preview,
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

/// The one declaration of every entrypoint, in [`METHODS`] order: the seed's six first, in the seed's
/// order, then the ones beyond it. Each line is `kind listing name(param: Type, …) -> Return = function;`
/// with kind `view`, `write` or `payable` and listing `listed` or `unlisted` (in the contract schema or
/// not). `method_table!(m { extra })` calls `m! { extra <the table> }`; [`METHODS`], the typed
/// decoding and dispatch, the test client and [`for_each_method!`] are all expansions of it. The
/// functions are paths in this crate. A new entrypoint is its function and one line here.
#[doc(hidden)]
#[macro_export]
macro_rules! method_table {
    ($($callback:ident)::+ { $($extra:tt)* }) => {
        $($callback)::+! {
            $($extra)*
            write listed register_api(api_name: Str, cost_per_call_wei: Int, daily_limit_calls: Int) -> Null
                = contract::register_api;
            payable listed subscribe(api_name: Str, max_daily_spend_wei: Int, initial_deposit_wei: Int)
                -> Null = contract::subscribe;
            payable listed top_up_credit(amount: Int) -> Null = contract::top_up_credit;
            write listed consume_credit(api_name: Str, consumer_address: Address) -> Receipt
                = contract::consume_credit;
            view listed get_usage_report(consumer_address: Address) -> Str = contract::get_usage_report;
            view listed consumer_integration_example() -> Str = contract::consumer_integration_example;
            write listed unsubscribe(api_name: Str) -> Null = contract::unsubscribe;
            write listed approve_delegate(api_name: Str, delegate: Address) -> Null
                = contract::approve_delegate;
            write listed revoke_delegate(api_name: Str, delegate: Address) -> Null
                = contract::revoke_delegate;
            write listed set_api_active(api_name: Str, active: Bool) -> Null = contract::set_api_active;
            write listed withdraw_credit(amount: Int) -> Null = contract::withdraw_credit;
            write listed withdraw_earnings(api_name: Str, amount: Int) -> Null = contract::withdraw_earnings;
            view listed get_api_report(api_name: Str) -> Str = contract::get_api_report;
            view listed get_usage_history(consumer_address: Address, api_name: Str) -> Str
                = contract::get_usage_history;
            write listed consume_credits(api_name: Str, consumer_address: Address, calls: Int, usage_id: Int)
                -> Receipt = contract::consume_credits;
            write listed transfer_api(api_name: Str, new_operator: Address) -> Null = contract::transfer_api;
            write listed accept_api(api_name: Str) -> Null = contract::accept_api;
            write listed set_daily_cap(api_name: Str, max_daily_spend_wei: Int) -> Null
                = contract::set_daily_cap;
            write listed set_delegate_limit(api_name: Str, delegate: Address, max_daily_calls: Int) -> Null
                = contract::set_delegate_limit;
            write listed set_credit_alerts(percents: IntList) -> Null = contract::set_credit_alerts;
            write listed credit_note(api_name: Str, consumer_address: Address, amount: Int, reason: Str)
                -> Null = contract::credit_note;
            view listed preview_bill(api_name: Str, consumer_address: Address, calls: Int) -> Preview
                = contract::preview_bill;
            view unlisted get_schema() -> Str = contract::get_schema;
        }
    };
}

/// Calls `$callback! { register_api subscribe … get_schema }`: every exported method name as a bare
/// ident, in [`METHODS`] order, so a wasm crate can generate one export per entrypoint.
#[macro_export]
macro_rules! for_each_method {
    ($callback:ident) => {
        $crate::method_table! { $crate::for_each_method { @names $callback } }
    };
    // Internal: the table's names, handed to the caller's macro.
    (@names $callback:ident $($kind:ident $listing:ident $name:ident($($param:ident: $ty:ident),*)
        -> $ret:ident = $($function:ident)::+;)*) => {
        $callback! { $($name)* }
    };
}

/// Expands the table into [`METHODS`] and the typed dispatch.
macro_rules! declare_methods {
    ($($kind:ident $listing:ident $name:ident($($param:ident: $ty:ident),*) -> $ret:ident
        = $($function:ident)::+;)*) => {
        /// Every public method, as [`method_table!`] declares it.
        pub const METHODS: &[MethodInfo] = &[$(MethodInfo {
            name: stringify!($name),
            params: &[$((stringify!($param), <params::$ty as Param>::TYPE)),*],
            readonly: declare_methods!(@readonly $kind),
            payable: declare_methods!(@payable $kind),
            returns: ReturnType::$ret,
            listed: declare_methods!(@listed $listing),
        }),*];

        /// Decodes each argument as its declared type and calls the method's function.
        fn dispatch(host: &mut impl Host, info: &'static MethodInfo, args: &[Value]) -> Result<Value, Error> {
            if args.len() != info.params.len() {
                return Err(invalid_arguments(info.name, " takes a different number of arguments"));
            }
            #[allow(unused_mut, unused_variables)]
            let mut args = args.iter();
            match info.name {
                $(stringify!($name) => {
                    // Each entrypoint stays its own function: wasmi charges a function's straight-line
                    // code whenever it is entered, so one function holding every entrypoint would
                    // charge each call for all of them.
                    #[inline(never)]
                    fn call<H: Host>(
                        host: &mut H,
                        #[allow(unused_mut, unused_variables)] mut args: core::slice::Iter<'_, Value>,
                    ) -> Result<Value, Error> {
                        $($function)::+(
                            host,
                            $(<params::$ty as Param>::decode(stringify!($param), args.next())?),*
                        )
                    }
                    call(host, args)
                })*
                _ => Err(Error::UnknownMethod),
            }
        }
    };
    (@readonly view) => { true };
    (@readonly $other:ident) => { false };
    (@payable payable) => { true };
    (@payable $other:ident) => { false };
    (@listed listed) => { true };
    (@listed unlisted) => { false };
}

crate::method_table! { declare_methods {} }

/// The parameter types of the table: each names its [`ParamType`] and decodes its argument, so what a
/// method declares is what it decodes.
mod params {
    use super::{invalid_arguments, ParamType};
    use crate::{Error, Value};

    pub(super) trait Param {
        const TYPE: ParamType;
        type Out<'a>;
        fn decode<'a>(name: &'static str, value: Option<&'a Value>) -> Result<Self::Out<'a>, Error>;
    }

    fn present<'a>(name: &'static str, value: Option<&'a Value>) -> Result<&'a Value, Error> {
        value.ok_or_else(|| invalid_arguments(name, " is missing"))
    }

    pub(super) struct Str;
    pub(super) struct Int;
    pub(super) struct Bool;
    pub(super) struct Address;
    pub(super) struct IntList;

    impl Param for Str {
        const TYPE: ParamType = ParamType::Str;
        type Out<'a> = &'a str;
        fn decode<'a>(name: &'static str, value: Option<&'a Value>) -> Result<&'a str, Error> {
            match present(name, value)? {
                Value::Str(text) => Ok(text),
                _ => Err(invalid_arguments(name, " must be a string")),
            }
        }
    }

    impl Param for Int {
        const TYPE: ParamType = ParamType::Int;
        type Out<'a> = &'a crate::Int;
        fn decode<'a>(name: &'static str, value: Option<&'a Value>) -> Result<&'a crate::Int, Error> {
            match present(name, value)? {
                Value::Int(int) => Ok(int),
                _ => Err(invalid_arguments(name, " must be an integer")),
            }
        }
    }

    impl Param for Bool {
        const TYPE: ParamType = ParamType::Bool;
        type Out<'a> = bool;
        fn decode(name: &'static str, value: Option<&Value>) -> Result<bool, Error> {
            match present(name, value)? {
                Value::Bool(flag) => Ok(*flag),
                _ => Err(invalid_arguments(name, " must be a bool")),
            }
        }
    }

    impl Param for IntList {
        const TYPE: ParamType = ParamType::IntList;
        type Out<'a> = &'a [Value];
        /// An array whose every item is an int.
        fn decode<'a>(name: &'static str, value: Option<&'a Value>) -> Result<&'a [Value], Error> {
            match present(name, value)? {
                Value::Array(items) if items.iter().all(|item| matches!(item, Value::Int(_))) => Ok(items),
                _ => Err(invalid_arguments(name, " must be a list of integers")),
            }
        }
    }

    impl Param for Address {
        const TYPE: ParamType = ParamType::Address;
        type Out<'a> = crate::Address;
        fn decode(name: &'static str, value: Option<&Value>) -> Result<crate::Address, Error> {
            match present(name, value)? {
                Value::Address(address) => Ok(*address),
                Value::Str(text) => crate::Address::parse(text).ok_or(Error::InvalidAddress),
                _ => Err(invalid_arguments(name, " must be an address")),
            }
        }
    }
}

use params::Param;

/// Runs `method` with positional `args` for the host's sender, value and time.
///
/// Order of refusals: unknown method; value attached to a non-payable method; wrong argument count or
/// type, malformed address; then the method's own checks.
pub fn execute(host: &mut impl Host, method: &str, args: &[Value]) -> Result<Value, Error> {
    let info = admit(host, method)?;
    within_text_limit(args)?;
    dispatch(host, info, args)
}

/// Refuses arguments holding a string, bytes value or map key longer than
/// [`calldata::MAX_ARGUMENT_TEXT`], as [`calldata::decode_arguments`] does while decoding, so a call
/// gets the same answer natively and through calldata.
fn within_text_limit(args: &[Value]) -> Result<(), Error> {
    let mut pending: alloc::vec::Vec<&Value> = args.iter().collect();
    while let Some(value) = pending.pop() {
        let too_long = |len: usize| len > calldata::MAX_ARGUMENT_TEXT;
        match value {
            Value::Str(text) if too_long(text.len()) => return Err(calldata::too_long()),
            Value::Bytes(bytes) if too_long(bytes.len()) => return Err(calldata::too_long()),
            Value::Array(items) => pending.extend(items),
            Value::Map(entries) => {
                if entries.iter().any(|(key, _)| too_long(key.len())) {
                    return Err(calldata::too_long());
                }
                pending.extend(entries.iter().map(|(_, item)| item));
            }
            _ => {}
        }
    }
    Ok(())
}

/// [`execute`] with the arguments still encoded: a calldata array of positional arguments. Malformed
/// calldata is refused after the method and payable checks, as any other argument error.
pub fn execute_calldata(host: &mut impl Host, method: &str, input: &[u8]) -> Result<Value, Error> {
    let info = admit(host, method)?;
    match calldata::decode_arguments(input)? {
        Value::Array(args) => dispatch(host, info, &args),
        _ => Err(Error::InvalidArguments(String::from("arguments must be a calldata array"))),
    }
}

/// The method, if it exists and takes the attached value (checked before anything else).
pub(crate) fn admit(host: &impl Host, method: &str) -> Result<&'static MethodInfo, Error> {
    let info = METHODS.iter().find(|m| m.name == method).ok_or(Error::UnknownMethod)?;
    if !info.payable && host.attached_value() != 0 {
        return Err(Error::NotPayable);
    }
    Ok(info)
}

/// `invalid_arguments` naming what is wrong, built without `core::fmt`.
fn invalid_arguments(subject: &str, problem: &str) -> Error {
    let mut what = String::with_capacity(subject.len() + problem.len());
    what.push_str(subject);
    what.push_str(problem);
    Error::InvalidArguments(what)
}
