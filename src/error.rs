//! Every refusal the contract can give: a stable code, an `[EXPECTED] ` message and its details.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::{Int, Value};

fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|part| out.push_str(part));
    out
}

/// `{code: "panic", details: {}, message: "contract panicked"}` as calldata, encoded ahead so that a
/// panic (a bug, never an answer to input) can revert without the heap.
pub const PANIC_REVERT: &[u8] = b"\x1e\x04code\x2cpanic\x07details\x06\x07message\x8c\x01contract panicked";

/// Declares [`Error`] once: each variant with its fields, its code, its message and the fields its
/// details carry (`reason` = the code, as the seed's `[LimitExceeded]` line has it). A message is
/// `expected "text"` (gets the `[EXPECTED] ` prefix), `expected ["part", field, …]` (built by
/// concatenation, without `core::fmt`), or `unexpected "text"` (no caller can cause it).
macro_rules! errors {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident $({ $($field:ident: $type:ty),* })? $(($arg:ident: $arg_type:ty))?
            => $code:literal, $kind:ident $message:tt $(, details($($detail:ident),*))?;
    )*) => {
        /// A refused call. The codes are stable (clients match on them); the messages of the seed's
        /// errors are kept to the letter.
        #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
        #[error("{}", self.message())]
        pub enum Error {
            $($(#[doc = $doc])* $name $({ $($field: $type),* })? $(($arg_type))?,)*
        }

        impl Error {
            /// Every code [`Error::code`] can return.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// The stable snake_case code clients match on.
            pub fn code(&self) -> &'static str {
                match self {
                    $(Error::$name $({ $($field: _),* })? $((errors!(@ignore $arg)))? => $code,)*
                }
            }

            /// What the caller reads: `[EXPECTED] ` and the reason (the seed's words where the seed has
            /// them). Built without `core::fmt`, which would cost the wasm artifact its weight; the
            /// fixed ones come from one table, so the match has an arm only for the built ones.
            pub fn message(&self) -> Cow<'static, str> {
                match self.built_message() {
                    Some(built) => Cow::Owned(built),
                    None => Cow::Borrowed(self.fixed_message()),
                }
            }

            /// The message of a variant that builds it from its fields (`None`: a fixed one).
            #[allow(unused_variables)]
            fn built_message(&self) -> Option<String> {
                match self {
                    $(Error::$name $({ $($field),* })? $(($arg))? => errors!(@built $kind $message),)*
                }
            }

            /// The fixed message of this variant (empty for a built one).
            fn fixed_message(&self) -> &'static str {
                const MESSAGES: &[&str] = &[$(errors!(@fixed $kind $message)),*];
                let index = match self {
                    $(Error::$name $({ $($field: _),* })? $((errors!(@ignore $arg)))? => Kind::$name,)*
                } as usize;
                // Opaque to the optimizer, which would otherwise fold the table back into one
                // store per arm (about 1.4 KB of code).
                MESSAGES.get(core::hint::black_box(index)).copied().unwrap_or_default()
            }

            /// Each figure behind the refusal with its name, in order. One call per figure, not a
            /// map built in every arm: this is the refusal encoding's per-variant code, kept small.
            #[allow(unused_variables)]
            fn each_detail(&self, each: &mut dyn FnMut(&'static str, Detail<'_>)) {
                match self {
                    $(Error::$name $({ $($field),* })? $(($arg))? => {
                        $($(errors!(@detail self each $detail);)*)?
                    })*
                }
            }
        }

        /// The variants without their fields, to index the message table.
        #[derive(Clone, Copy)]
        enum Kind {
            $($name,)*
        }

        /// Every code with the fields its details carry, in order: the schema's refusal map.
        pub(crate) const REFUSALS: &[(&str, &[&str])] = &[$(($code, &[$($(stringify!($detail)),*)?])),*];
    };
    (@ignore $arg:ident) => { _ };
    (@built expected [$($part:expr),*]) => { Some(concat(&["[EXPECTED] ", $($part),*])) };
    (@built $kind:ident $text:literal) => { None };
    (@fixed expected $text:literal) => { concat!("[EXPECTED] ", $text) };
    (@fixed unexpected $text:literal) => { $text };
    (@fixed expected [$($part:expr),*]) => { "" };
    (@detail $error:ident $each:ident reason) => { $each("reason", Detail::Text($error.code())) };
    (@detail $error:ident $each:ident $field:ident) => { $each(stringify!($field), Detail::from($field)) };
}

errors! {
    ApiNameRequired => "api_name_required", expected "api_name is required";
    InvalidApiName => "invalid_api_name", expected "api_name must be 1-64 characters of a-z 0-9 . _ - : /";
    CostNotPositive => "cost_not_positive", expected "cost_per_call_wei must be positive";
    LimitNotPositive => "limit_not_positive", expected "daily_limit_calls must be positive";
    ApiTaken => "api_taken", expected "api registered by another operator";
    ApiNotRegistered => "api_not_registered", expected "api not registered";
    CapNotPositive => "cap_not_positive", expected "max_daily_spend_wei must be positive";
    NegativeDeposit => "negative_deposit", expected "initial_deposit_wei cannot be negative";
    AmountNotPositive => "amount_not_positive", expected "amount must be positive";
    ValueMismatch { attached: u128, declared: u128 }
        => "value_mismatch", expected "attached value must equal the deposit", details(attached, declared);
    NotPayable => "not_payable", expected "method is not payable";
    ApiPaused => "api_paused", expected "api is paused";
    TooManySubscriptions => "too_many_subscriptions", expected "too many subscriptions";
    CallerNotAllowed => "caller_not_allowed", expected "caller may not bill this consumer";
    NotSubscribed => "not_subscribed", expected "consumer not subscribed to api";
    PriceIncreased { price: u128, accepted_price: u128 } => "price_increased",
        expected "api price raised above the subscribed price", details(price, accepted_price);
    DailyCallLimit { attempted_calls: u128, max_calls: u64 } => "daily_call_limit",
        expected "daily call limit exceeded", details(reason, attempted_calls, max_calls);
    DailySpendLimit { attempted_spend: Int, max_spend: u128 } => "daily_spend_limit",
        expected "max daily spend exceeded", details(reason, attempted_spend, max_spend);
    InsufficientCredit { credit: u128, required: u128 } => "insufficient_credit",
        expected "insufficient prepaid credit", details(reason, credit, required);
    NotOperator => "not_operator", expected "caller is not the api operator";
    InsufficientEarnings { earnings: u128, required: u128 } => "insufficient_earnings",
        expected "insufficient earnings", details(earnings, required);
    TooManyDelegates => "too_many_delegates", expected "too many delegates";
    DelegateNotApproved => "delegate_not_approved", expected "delegate not approved";
    /// The argument, by its parameter name, passed its sign checks but does not fit its type.
    OutOfRange(argument: &'static str)
        => "out_of_range", expected [argument, " out of range"], details(argument);
    Overflow => "overflow", expected "amount overflow";
    InvalidAddress => "invalid_address", expected "invalid address";
    InvalidArguments(what: String) => "invalid_arguments", expected ["invalid arguments: ", what];
    UnknownMethod => "unknown_method", expected "unknown method";
    InvalidCalldata => "invalid_calldata", expected "invalid calldata";
    CallsNotPositive => "calls_not_positive", expected "calls must be positive";
    /// `last_usage_id` is the highest id this biller used; `rule` is `already_used` (the id was
    /// accepted before) or `below_window` (more than 64 below the highest, too old to tell).
    DuplicateUsageId { usage_id: u64, last_usage_id: u64, rule: &'static str } => "duplicate_usage_id",
        expected "duplicate usage id", details(usage_id, last_usage_id, rule);
    NotPendingOperator => "not_pending_operator", expected "caller is not the pending operator";
    /// A stored record that does not decode: never the caller's doing, so not `[EXPECTED]`.
    CorruptState => "corrupt_state", unexpected "corrupt state record";
    /// A subscription whose usage-id windows are all taken (32 billers) refuses a new biller's id.
    TooManyBillers => "too_many_billers", expected "too many billers used usage ids on this subscription";
    /// The deploy found state of another layout: it needs fresh state (or a migration), never a misread.
    UnsupportedStateVersion { found: u64, supported: u64 } => "unsupported_state_version",
        unexpected "state has another layout version: deploy on fresh state", details(found, supported);
    /// A delegate's bill would pass the daily call limit its consumer set for it.
    DelegateLimit { attempted_calls: u128, max_calls: u64 } => "delegate_limit",
        expected "delegate daily call limit exceeded", details(reason, attempted_calls, max_calls);
    NegativeLimit => "negative_limit", expected "max_daily_calls cannot be negative";
    CreditAlertsCount => "credit_alerts_count", expected "credit alerts must list 1 to 4 thresholds";
    CreditAlertPercent => "credit_alert_percent", expected "credit alert thresholds must be 1 to 99 percent";
    CreditAlertsRepeated => "credit_alerts_repeated", expected "credit alert thresholds must be distinct";
    InvalidReason => "invalid_reason", expected "reason must be 1-64 printable ASCII characters";
    /// The consumer's credit notes on this API would pass what it was ever billed on it.
    CreditNoteExceedsBilled { billed_wei: u128, noted_wei: u128, amount: u128 } => "credit_note_exceeds_billed",
        expected "credit notes cannot pass what was billed", details(billed_wei, noted_wei, amount);
}

/// One figure of a refusal's details, borrowed from the error (a reference each: the arms that name
/// them stay small).
enum Detail<'a> {
    U128(&'a u128),
    U64(&'a u64),
    Int(&'a Int),
    Text(&'a str),
}

impl<'a> From<&'a u128> for Detail<'a> {
    fn from(n: &'a u128) -> Self {
        Detail::U128(n)
    }
}

impl<'a> From<&'a u64> for Detail<'a> {
    fn from(n: &'a u64) -> Self {
        Detail::U64(n)
    }
}

impl<'a> From<&'a Int> for Detail<'a> {
    fn from(n: &'a Int) -> Self {
        Detail::Int(n)
    }
}

impl<'a> From<&&'a str> for Detail<'a> {
    fn from(text: &&'a str) -> Self {
        Detail::Text(text)
    }
}

impl Error {
    /// The figures behind a refusal, as a map (empty where there are none). Limit refusals carry
    /// the seed's `[LimitExceeded]` fields, with `reason` = the code.
    pub fn details(&self) -> Value {
        let mut entries = Vec::new();
        self.each_detail(&mut |key, detail| {
            let value = match detail {
                Detail::U128(n) => Value::from(*n),
                Detail::U64(n) => Value::from(*n),
                Detail::Int(n) => Value::Int(n.clone()),
                Detail::Text(text) => Value::from(text),
            };
            entries.push((String::from(key), value));
        });
        Value::Map(entries)
    }

    /// The refusal as a VM carries it: the calldata map `{code, details, message}`.
    pub fn to_value(&self) -> Value {
        Value::map([
            ("code", Value::from(self.code())),
            ("details", self.details()),
            ("message", Value::Str(self.message().into_owned())),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calldata;
    use alloc::vec::Vec;

    #[test]
    fn the_panic_revert_is_the_encoded_error_map() {
        let map = Value::map([
            ("code", Value::from("panic")),
            ("details", Value::Map(Vec::new())),
            ("message", Value::from("contract panicked")),
        ]);
        assert_eq!(calldata::encode(&map), PANIC_REVERT);
    }

    #[test]
    fn every_variant_has_a_listed_code() {
        let all = [
            Error::ApiNameRequired,
            Error::InvalidApiName,
            Error::CostNotPositive,
            Error::LimitNotPositive,
            Error::ApiTaken,
            Error::ApiNotRegistered,
            Error::CapNotPositive,
            Error::NegativeDeposit,
            Error::AmountNotPositive,
            Error::ValueMismatch { attached: 0, declared: 0 },
            Error::NotPayable,
            Error::ApiPaused,
            Error::TooManySubscriptions,
            Error::CallerNotAllowed,
            Error::NotSubscribed,
            Error::PriceIncreased { price: 0, accepted_price: 0 },
            Error::DailyCallLimit { attempted_calls: 0, max_calls: 0 },
            Error::DailySpendLimit { attempted_spend: crate::Int::from(0u128), max_spend: 0 },
            Error::InsufficientCredit { credit: 0, required: 0 },
            Error::NotOperator,
            Error::InsufficientEarnings { earnings: 0, required: 0 },
            Error::TooManyDelegates,
            Error::DelegateNotApproved,
            Error::OutOfRange("amount"),
            Error::Overflow,
            Error::InvalidAddress,
            Error::InvalidArguments(alloc::string::String::new()),
            Error::UnknownMethod,
            Error::InvalidCalldata,
            Error::CallsNotPositive,
            Error::DuplicateUsageId { usage_id: 0, last_usage_id: 0, rule: "" },
            Error::NotPendingOperator,
            Error::CorruptState,
            Error::TooManyBillers,
            Error::UnsupportedStateVersion { found: 0, supported: 0 },
            Error::DelegateLimit { attempted_calls: 0, max_calls: 0 },
            Error::NegativeLimit,
            Error::CreditAlertsCount,
            Error::CreditAlertPercent,
            Error::CreditAlertsRepeated,
            Error::InvalidReason,
            Error::CreditNoteExceedsBilled { billed_wei: 0, noted_wei: 0, amount: 0 },
        ];
        let codes: Vec<&str> = all.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
    }

    /// The message table and the detail calls are indexed by variant: the first, the last, a built
    /// message and an unexpected one each get their own words and figures in order.
    #[test]
    fn messages_and_details_belong_to_their_variant() {
        assert_eq!(Error::ApiNameRequired.message(), "[EXPECTED] api_name is required");
        assert_eq!(Error::CorruptState.message(), "corrupt state record");
        assert_eq!(Error::OutOfRange("amount").message(), "[EXPECTED] amount out of range");
        assert_eq!(Error::InvalidArguments("x".into()).message(), "[EXPECTED] invalid arguments: x");
        let last = Error::CreditNoteExceedsBilled { billed_wei: 1, noted_wei: 2, amount: 3 };
        assert_eq!(last.message(), "[EXPECTED] credit notes cannot pass what was billed");
        let figures = Value::map([
            ("billed_wei", Value::from(1u128)),
            ("noted_wei", Value::from(2u128)),
            ("amount", Value::from(3u128)),
        ]);
        assert_eq!(last.details(), figures);
        let limit = Error::DailyCallLimit { attempted_calls: 6, max_calls: 5 };
        let figures = Value::map([
            ("reason", Value::from("daily_call_limit")),
            ("attempted_calls", Value::from(6u128)),
            ("max_calls", Value::from(5u64)),
        ]);
        assert_eq!(limit.details(), figures);
        let rule = Error::DuplicateUsageId { usage_id: 1, last_usage_id: 2, rule: "already_used" };
        assert_eq!(rule.details().get("rule"), Some(&Value::from("already_used")));
        assert_eq!(Error::NotPayable.details(), Value::Map(Vec::new()));
    }

    #[test]
    fn every_refusal_encodes_as_code_details_message() {
        let value = Error::InsufficientCredit { credit: 5, required: 10 }.to_value();
        assert_eq!(value.get("code").and_then(Value::as_str), Some("insufficient_credit"));
        assert_eq!(
            value.get("message").and_then(Value::as_str),
            Some("[EXPECTED] insufficient prepaid credit")
        );
        assert_eq!(value.get("details").and_then(|d| d.get("credit")).and_then(Value::as_u128), Some(5));
    }
}
