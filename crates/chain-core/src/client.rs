//! The typed client of the tests: `chain.call(sender).value(v).method(args…)`.

use super::{Backend, MockChain, Outcome};
use alloc::vec::Vec;

use crate::{Address, Value};

/// A call being built: `chain.call(sender).value(v).at(t).method(args…)`. Every argument takes
/// anything that converts to a [`Value`], so tests can send wrong types as easily as right ones.
pub struct Call<'b, B: Backend> {
    pub(super) backend: &'b mut B,
    pub(super) sender: Address,
    pub(super) value: u128,
}

impl<B: Backend> Call<'_, B> {
    /// Attaches `wei` to the call.
    pub fn value(mut self, wei: u128) -> Self {
        self.value = wei;
        self
    }

    /// Calls any method by name, with positional arguments.
    pub fn method(self, method: &str, args: Vec<Value>) -> Outcome {
        self.backend.invoke(self.sender, self.value, method, args)
    }
}

impl Call<'_, MockChain> {
    /// Moves block time to `timestamp` for this call and those after it.
    pub fn at(self, timestamp: u64) -> Self {
        self.backend.set_time(timestamp);
        self
    }
}

/// One typed method per entry of the method table, taking anything that converts to a [`Value`].
macro_rules! client_methods {
    ($($kind:ident $listing:ident $method:ident($($arg:ident: $ty:ident),*) -> $ret:ident
        = $($function:ident)::+;)*) => {
        impl<B: Backend> Call<'_, B> {
            $(
                pub fn $method(self, $($arg: impl Into<Value>),*) -> Outcome {
                    self.method(stringify!($method), alloc::vec![$($arg.into()),*])
                }
            )*
        }
    };
}

api_usage_billing::method_table! { client_methods {} }
