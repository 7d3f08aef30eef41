//! Events: a name and named fields, emitted only by calls that succeed.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::Value;

/// Names are borrowed when the contract emits them and owned when a host decodes them from a VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub name: Cow<'static, str>,
    /// In the order SPEC.md lists them; the seed's fields first.
    pub fields: Vec<(Cow<'static, str>, Value)>,
}

impl Event {
    pub fn new<const N: usize>(name: &'static str, fields: [(&'static str, Value); N]) -> Event {
        Event {
            name: Cow::Borrowed(name),
            fields: fields.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)).collect(),
        }
    }

    /// The event as calldata: `[name, [[field, value], ...]]`, fields in their order.
    pub fn to_value(&self) -> Value {
        let fields = self
            .fields
            .iter()
            .map(|(k, v)| Value::Array(alloc::vec![Value::from(k.as_ref()), v.clone()]))
            .collect();
        Value::Array(alloc::vec![Value::from(self.name.as_ref()), Value::Array(fields)])
    }

    /// Reads back what [`Event::to_value`] wrote.
    pub fn from_value(value: Value) -> Option<Event> {
        let Value::Array(parts) = value else { return None };
        let [Value::Str(name), Value::Array(fields)] = <[Value; 2]>::try_from(parts).ok()? else {
            return None;
        };
        let fields = fields
            .into_iter()
            .map(|field| match <[Value; 2]>::try_from(field.into_array()?).ok()? {
                [Value::Str(key), value] => Some((Cow::Owned(key), value)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Event { name: Cow::Owned(name), fields })
    }

    /// The field `name`, if the event has it.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}
