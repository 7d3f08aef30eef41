//! Events: a name and named fields, emitted only by calls that succeed.

use alloc::vec::Vec;

use crate::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub name: &'static str,
    /// In the order SPEC.md lists them; the seed's fields first.
    pub fields: Vec<(&'static str, Value)>,
}

impl Event {
    pub fn new<const N: usize>(name: &'static str, fields: [(&'static str, Value); N]) -> Event {
        Event { name, fields: fields.into() }
    }

    /// The field `name`, if the event has it.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}
