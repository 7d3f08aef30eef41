//! The contract on GenLayer's VM, independent of wasm: the message, slots and requests (tested
//! natively), and [`run_message`], everything `_start` (crates/wasm-genvm) does between reading the
//! message and ending the call.

mod host;
pub mod protocol;
mod topics;

pub use host::{expressible, refusal_from_log, Inexpressible, LATEST_DATETIME, ZIP_V016_FROM};

use alloc::string::String;

use crate::{execute, instantiate, Error, Host, Value};
use protocol::Message;

/// GenLayer's own method for the contract schema (not listed in the schema, as `get_schema` is not).
pub const GET_SCHEMA: &str = "#get-schema";

/// Runs one GenVM message on `host` (whose sender, value and time are the message's).
///
/// * A deploy message (`is_init`) runs the constructor whatever method it names, as GenLayer's runner
///   does: [`instantiate`], which takes no arguments and no value, and runs once.
/// * `#get-schema` answers `schema/contract.json`; like every view it takes no value (`not_payable`).
/// * Any other method goes to [`execute`], with its payable rule.
pub fn run_message(host: &mut impl Host, message: &Message) -> Result<Value, Error> {
    if message.is_init {
        if !message.args.is_empty() {
            return Err(Error::InvalidArguments(String::from("the constructor takes no arguments")));
        }
        return instantiate(host).map(|()| Value::Null);
    }
    match message.method.as_deref() {
        Some(GET_SCHEMA) if host.attached_value() != 0 => Err(Error::NotPayable),
        Some(GET_SCHEMA) => Ok(Value::Str(crate::schema::contract_schema())),
        Some(method) => execute(host, method, &message.args),
        None => Err(Error::UnknownMethod),
    }
}
