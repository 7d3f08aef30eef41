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

macro_rules! client_methods {
    ($($method:ident($($arg:ident),*);)*) => {
        impl<B: Backend> Call<'_, B> {
            $(
                pub fn $method(self, $($arg: impl Into<Value>),*) -> Outcome {
                    self.method(stringify!($method), alloc::vec![$($arg.into()),*])
                }
            )*
        }
    };
}

client_methods! {
    register_api(api_name, cost_per_call_wei, daily_limit_calls);
    subscribe(api_name, max_daily_spend_wei, initial_deposit_wei);
    top_up_credit(amount);
    consume_credit(api_name, consumer_address);
    get_usage_report(consumer_address);
    consumer_integration_example();
    unsubscribe(api_name);
    approve_delegate(api_name, delegate);
    revoke_delegate(api_name, delegate);
    set_api_active(api_name, active);
    withdraw_credit(amount);
    withdraw_earnings(api_name, amount);
    get_api_report(api_name);
    get_usage_history(consumer_address, api_name);
    consume_credits(api_name, consumer_address, calls, usage_id);
    transfer_api(api_name, new_operator);
    accept_api(api_name);
}
