//! Events: a name and named fields, emitted only by calls that succeed.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::fields::{FieldKind, Fields};
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

/// Declares every event once: its name and its fields with their kinds, in order. Generates one
/// struct per event (the contract emits `Event::from(ApiRegistered { … })`) and [`EVENTS`], the list
/// the schema and the hosts read.
macro_rules! events {
    ($($(#[doc = $doc:literal])* $name:ident { $($field:ident: $kind:ident),* $(,)? })*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Clone, Debug, PartialEq, Eq)]
            pub struct $name {
                $(pub $field: events!(@type $kind),)*
            }

            impl From<$name> for Event {
                fn from(event: $name) -> Event {
                    Event {
                        name: Cow::Borrowed(stringify!($name)),
                        fields: alloc::vec![
                            $((Cow::Borrowed(stringify!($field)), Value::from(event.$field))),*
                        ],
                    }
                }
            }
        )*

        /// Every event the contract emits, with its fields in order.
        pub const EVENTS: &[(&str, Fields)] =
            &[$((stringify!($name), &[$((stringify!($field), FieldKind::$kind)),*])),*];
    };
    (@type ApiName) => { String };
    (@type Address) => { crate::Address };
    (@type Wei) => { u128 };
    (@type Count) => { u64 };
    (@type Text) => { String };
    (@type Percents) => { alloc::vec::Vec<u64> };
}

events! {
    ApiRegistered { api: ApiName, operator: Address, cost_per_call_wei: Wei, daily_limit_calls: Count }
    ApiUpdated { api: ApiName, operator: Address, cost_per_call_wei: Wei, daily_limit_calls: Count }
    ApiPaused { api: ApiName, operator: Address }
    ApiResumed { api: ApiName, operator: Address }
    Subscribed { consumer: Address, api: ApiName, max_daily_spend_wei: Wei, initial_deposit_wei: Wei }
    Unsubscribed { consumer: Address, api: ApiName }
    CreditToppedUp { consumer: Address, amount: Wei }
    CallBilled {
        api: ApiName,
        consumer: Address,
        billed_wei: Wei,
        remaining_credit_wei: Wei,
        calls_today: Count,
        spend_today_wei: Wei,
        calls: Count,
    }
    /// `threshold` is `<percent>_percent_of_total_deposit`: [`crate::LOW_CREDIT_THRESHOLD`] by default.
    CreditDepleted { consumer: Address, remaining_credit_wei: Wei, threshold: Text, funded_wei: Wei }
    CreditWithdrawn { consumer: Address, amount: Wei, remaining_credit_wei: Wei }
    EarningsWithdrawn { api: ApiName, operator: Address, amount: Wei, remaining_earnings_wei: Wei }
    DelegateApproved { consumer: Address, api: ApiName, delegate: Address }
    DelegateRevoked { consumer: Address, api: ApiName, delegate: Address }
    ApiTransferRequested { api: ApiName, operator: Address, new_operator: Address }
    ApiTransferred { api: ApiName, operator: Address, previous_operator: Address }
    DailyCapChanged { consumer: Address, api: ApiName, max_daily_spend_wei: Wei }
    /// `max_daily_calls`: the delegate's own daily call limit (0: no calls).
    DelegateLimitSet { consumer: Address, api: ApiName, delegate: Address, max_daily_calls: Count }
    /// `percents`: the thresholds now in force, highest first.
    CreditAlertsSet { consumer: Address, percents: Percents }
    CreditNoted { api: ApiName, consumer: Address, amount: Wei, reason: Text, remaining_earnings_wei: Wei }
}

impl CallBilled {
    /// The event as [`crate::calldata::encode_event`] writes `Event::from(self)`, written straight
    /// from the fields: a bill's event is the hot one, and building its `Event` costs fuel in wasm.
    pub fn encode(&self) -> Vec<u8> {
        use crate::calldata::{write_address, write_array_header, write_str, write_uint};
        let mut out = Vec::with_capacity(192);
        write_array_header(&mut out, 2);
        write_str(&mut out, "CallBilled");
        write_array_header(&mut out, 7);
        let field = |out: &mut Vec<u8>, key: &str| {
            write_array_header(out, 2);
            write_str(out, key);
        };
        field(&mut out, "api");
        write_str(&mut out, &self.api);
        field(&mut out, "consumer");
        write_address(&mut out, &self.consumer);
        field(&mut out, "billed_wei");
        write_uint(&mut out, self.billed_wei);
        field(&mut out, "remaining_credit_wei");
        write_uint(&mut out, self.remaining_credit_wei);
        field(&mut out, "calls_today");
        write_uint(&mut out, u128::from(self.calls_today));
        field(&mut out, "spend_today_wei");
        write_uint(&mut out, self.spend_today_wei);
        field(&mut out, "calls");
        write_uint(&mut out, u128::from(self.calls));
        out
    }
}
