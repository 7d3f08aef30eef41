//! api-usage-billing: meters and bills calls to paid web APIs, as a `no_std` contract over a [`Host`].
//!
//! Operators register an API with a price per call and a daily call limit; consumers subscribe with a
//! daily spend cap and prepaid credit; a consumer contract bills `consume_credit` before each outbound
//! fetch. [`execute`] is the single entry: a method name and its positional arguments in, a [`Value`]
//! or a typed [`Error`] out. Everything the contract sees of the world comes through [`Host`].
#![no_std]

extern crate alloc;
// Native builds (tests, the sandbox) take std's allocator and panic handler; the wasm artifacts
// (crates/wasm-billing, crates/wasm-genvm) bring their own.
#[cfg(not(target_family = "wasm"))]
extern crate std;

mod address;
pub mod calldata;
mod contract;
mod dispatch;
mod error;
mod events;
mod fields;
pub mod genvm;
mod host;
mod int;
mod json;
mod record;
pub mod schema;
mod state;
mod value;

#[cfg(feature = "inspect")]
pub mod inspect;

pub use address::Address;
pub use contract::{
    instantiate, normalize_api_name, Receipt, INTEGRATION_EXAMPLE, LOW_CREDIT_PERCENT, LOW_CREDIT_THRESHOLD,
    SECONDS_PER_DAY,
};
pub use dispatch::{execute, execute_calldata, MethodInfo, ParamType, ReturnType, METHODS};
pub use error::{Error, PANIC_REVERT};
pub use events::{CallBilled, Event};
pub use host::Host;
pub use int::Int;
pub use json::JsonText;
pub use state::{STATE_VERSION, STATE_VERSION_KEY};
pub use value::Value;
