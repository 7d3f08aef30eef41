//! The values that cross the contract boundary: arguments, results, event fields, error details.
//!
//! They mirror GenLayer's calldata types, so any ABI layer can encode them one to one.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Address, Int};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(Int),
    Bytes(Vec<u8>),
    Str(String),
    Address(Address),
    Array(Vec<Value>),
    /// Entries in the order the contract wrote them; encoders sort keys where the format asks.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// A map from `(name, value)` pairs with static names, as events, receipts and details use.
    pub fn map<I: IntoIterator<Item = (&'static str, Value)>>(entries: I) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (String::from(k), v)).collect())
    }

    /// The entry `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_u128(&self) -> Option<u128> {
        match self {
            Value::Int(int) => int.to_u128(),
            _ => None,
        }
    }

    pub fn into_array(self) -> Option<Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }
}

impl From<Int> for Value {
    fn from(v: Int) -> Value {
        Value::Int(v)
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Int(Int::from(v))
            }
        }
    )*};
}
int_value!(u128, u64, i128, i64, i32);

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(String::from(v))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Str(v)
    }
}

impl From<Address> for Value {
    fn from(v: Address) -> Value {
        Value::Address(v)
    }
}

/// A list of ints (an event's percents).
impl From<Vec<u64>> for Value {
    fn from(v: Vec<u64>) -> Value {
        Value::Array(v.into_iter().map(Value::from).collect())
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::Array(v)
    }
}
