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

/// A refused call. The codes are stable (clients match on them); the messages of the seed's errors are
/// kept to the letter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum Error {
    ApiNameRequired,
    InvalidApiName,
    CostNotPositive,
    LimitNotPositive,
    ApiTaken,
    ApiNotRegistered,
    CapNotPositive,
    NegativeDeposit,
    AmountNotPositive,
    ValueMismatch {
        attached: u128,
        declared: u128,
    },
    NotPayable,
    ApiPaused,
    TooManySubscriptions,
    CallerNotAllowed,
    NotSubscribed,
    PriceIncreased {
        price: u128,
        accepted_price: u128,
    },
    DailyCallLimit {
        attempted_calls: u128,
        max_calls: u64,
    },
    DailySpendLimit {
        attempted_spend: Int,
        max_spend: u128,
    },
    InsufficientCredit {
        credit: u128,
        required: u128,
    },
    NotOperator,
    InsufficientEarnings {
        earnings: u128,
        required: u128,
    },
    TooManyDelegates,
    DelegateNotApproved,
    /// The argument, by its parameter name, passed its sign checks but does not fit its type.
    OutOfRange(&'static str),
    Overflow,
    InvalidAddress,
    InvalidArguments(String),
    UnknownMethod,
    InvalidCalldata,
    CallsNotPositive,
    DuplicateUsageId {
        usage_id: u64,
        last_usage_id: u64,
    },
    NotPendingOperator,
    /// A stored record that does not decode: never the caller's doing, so not `[EXPECTED]`.
    CorruptState,
}

impl Error {
    /// Every code [`Error::code`] can return.
    pub const CODES: &'static [&'static str] = &[
        "api_name_required",
        "invalid_api_name",
        "cost_not_positive",
        "limit_not_positive",
        "api_taken",
        "api_not_registered",
        "cap_not_positive",
        "negative_deposit",
        "amount_not_positive",
        "value_mismatch",
        "not_payable",
        "api_paused",
        "too_many_subscriptions",
        "caller_not_allowed",
        "not_subscribed",
        "price_increased",
        "daily_call_limit",
        "daily_spend_limit",
        "insufficient_credit",
        "not_operator",
        "insufficient_earnings",
        "too_many_delegates",
        "delegate_not_approved",
        "out_of_range",
        "overflow",
        "invalid_address",
        "invalid_arguments",
        "unknown_method",
        "invalid_calldata",
        "calls_not_positive",
        "duplicate_usage_id",
        "not_pending_operator",
        "corrupt_state",
    ];

    /// What the caller reads: `[EXPECTED] ` and the reason (the seed's words where the seed has them).
    /// Built without `core::fmt`, which would cost the wasm artifact its weight.
    pub fn message(&self) -> Cow<'static, str> {
        match self {
            Error::ApiNameRequired => Cow::Borrowed("[EXPECTED] api_name is required"),
            Error::InvalidApiName => {
                Cow::Borrowed("[EXPECTED] api_name must be 1-64 characters of a-z 0-9 . _ - : /")
            }
            Error::CostNotPositive => Cow::Borrowed("[EXPECTED] cost_per_call_wei must be positive"),
            Error::LimitNotPositive => Cow::Borrowed("[EXPECTED] daily_limit_calls must be positive"),
            Error::ApiTaken => Cow::Borrowed("[EXPECTED] api registered by another operator"),
            Error::ApiNotRegistered => Cow::Borrowed("[EXPECTED] api not registered"),
            Error::CapNotPositive => Cow::Borrowed("[EXPECTED] max_daily_spend_wei must be positive"),
            Error::NegativeDeposit => Cow::Borrowed("[EXPECTED] initial_deposit_wei cannot be negative"),
            Error::AmountNotPositive => Cow::Borrowed("[EXPECTED] amount must be positive"),
            Error::ValueMismatch { .. } => Cow::Borrowed("[EXPECTED] attached value must equal the deposit"),
            Error::NotPayable => Cow::Borrowed("[EXPECTED] method is not payable"),
            Error::ApiPaused => Cow::Borrowed("[EXPECTED] api is paused"),
            Error::TooManySubscriptions => Cow::Borrowed("[EXPECTED] too many subscriptions"),
            Error::CallerNotAllowed => Cow::Borrowed("[EXPECTED] caller may not bill this consumer"),
            Error::NotSubscribed => Cow::Borrowed("[EXPECTED] consumer not subscribed to api"),
            Error::PriceIncreased { .. } => {
                Cow::Borrowed("[EXPECTED] api price raised above the subscribed price")
            }
            Error::DailyCallLimit { .. } => Cow::Borrowed("[EXPECTED] daily call limit exceeded"),
            Error::DailySpendLimit { .. } => Cow::Borrowed("[EXPECTED] max daily spend exceeded"),
            Error::InsufficientCredit { .. } => Cow::Borrowed("[EXPECTED] insufficient prepaid credit"),
            Error::NotOperator => Cow::Borrowed("[EXPECTED] caller is not the api operator"),
            Error::InsufficientEarnings { .. } => Cow::Borrowed("[EXPECTED] insufficient earnings"),
            Error::TooManyDelegates => Cow::Borrowed("[EXPECTED] too many delegates"),
            Error::DelegateNotApproved => Cow::Borrowed("[EXPECTED] delegate not approved"),
            Error::OutOfRange(argument) => Cow::Owned(concat(&["[EXPECTED] ", argument, " out of range"])),
            Error::Overflow => Cow::Borrowed("[EXPECTED] amount overflow"),
            Error::InvalidAddress => Cow::Borrowed("[EXPECTED] invalid address"),
            Error::InvalidArguments(what) => Cow::Owned(concat(&["[EXPECTED] invalid arguments: ", what])),
            Error::UnknownMethod => Cow::Borrowed("[EXPECTED] unknown method"),
            Error::InvalidCalldata => Cow::Borrowed("[EXPECTED] invalid calldata"),
            Error::CallsNotPositive => Cow::Borrowed("[EXPECTED] calls must be positive"),
            Error::DuplicateUsageId { .. } => Cow::Borrowed("[EXPECTED] duplicate usage id"),
            Error::NotPendingOperator => Cow::Borrowed("[EXPECTED] caller is not the pending operator"),
            Error::CorruptState => Cow::Borrowed("corrupt state record"),
        }
    }

    /// The stable snake_case code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::ApiNameRequired => "api_name_required",
            Error::InvalidApiName => "invalid_api_name",
            Error::CostNotPositive => "cost_not_positive",
            Error::LimitNotPositive => "limit_not_positive",
            Error::ApiTaken => "api_taken",
            Error::ApiNotRegistered => "api_not_registered",
            Error::CapNotPositive => "cap_not_positive",
            Error::NegativeDeposit => "negative_deposit",
            Error::AmountNotPositive => "amount_not_positive",
            Error::ValueMismatch { .. } => "value_mismatch",
            Error::NotPayable => "not_payable",
            Error::ApiPaused => "api_paused",
            Error::TooManySubscriptions => "too_many_subscriptions",
            Error::CallerNotAllowed => "caller_not_allowed",
            Error::NotSubscribed => "not_subscribed",
            Error::PriceIncreased { .. } => "price_increased",
            Error::DailyCallLimit { .. } => "daily_call_limit",
            Error::DailySpendLimit { .. } => "daily_spend_limit",
            Error::InsufficientCredit { .. } => "insufficient_credit",
            Error::NotOperator => "not_operator",
            Error::InsufficientEarnings { .. } => "insufficient_earnings",
            Error::TooManyDelegates => "too_many_delegates",
            Error::DelegateNotApproved => "delegate_not_approved",
            Error::OutOfRange(_) => "out_of_range",
            Error::Overflow => "overflow",
            Error::InvalidAddress => "invalid_address",
            Error::InvalidArguments(_) => "invalid_arguments",
            Error::UnknownMethod => "unknown_method",
            Error::InvalidCalldata => "invalid_calldata",
            Error::CallsNotPositive => "calls_not_positive",
            Error::DuplicateUsageId { .. } => "duplicate_usage_id",
            Error::NotPendingOperator => "not_pending_operator",
            Error::CorruptState => "corrupt_state",
        }
    }

    /// The refusal as a VM carries it: the calldata map `{code, details, message}`.
    pub fn to_value(&self) -> Value {
        Value::map([
            ("code", Value::from(self.code())),
            ("details", self.details()),
            ("message", Value::Str(self.message().into_owned())),
        ])
    }

    /// The figures behind a refusal, as a map (empty where there are none). Limit refusals carry the
    /// seed's `[LimitExceeded]` fields, with `reason` = the code.
    pub fn details(&self) -> Value {
        let reason = || ("reason", Value::from(self.code()));
        let entries: Vec<(&'static str, Value)> = match self {
            Error::ValueMismatch { attached, declared } => {
                alloc::vec![("attached", Value::from(*attached)), ("declared", Value::from(*declared))]
            }
            Error::PriceIncreased { price, accepted_price } => {
                alloc::vec![("price", Value::from(*price)), ("accepted_price", Value::from(*accepted_price)),]
            }
            Error::DailyCallLimit { attempted_calls, max_calls } => alloc::vec![
                reason(),
                ("attempted_calls", Value::from(*attempted_calls)),
                ("max_calls", Value::from(*max_calls)),
            ],
            Error::DailySpendLimit { attempted_spend, max_spend } => alloc::vec![
                reason(),
                ("attempted_spend", Value::Int(attempted_spend.clone())),
                ("max_spend", Value::from(*max_spend)),
            ],
            Error::InsufficientCredit { credit, required } => {
                alloc::vec![reason(), ("credit", Value::from(*credit)), ("required", Value::from(*required)),]
            }
            Error::InsufficientEarnings { earnings, required } => {
                alloc::vec![("earnings", Value::from(*earnings)), ("required", Value::from(*required)),]
            }
            Error::OutOfRange(argument) => alloc::vec![("argument", Value::from(*argument))],
            Error::DuplicateUsageId { usage_id, last_usage_id } => alloc::vec![
                ("usage_id", Value::from(*usage_id)),
                ("last_usage_id", Value::from(*last_usage_id)),
            ],
            _ => Vec::new(),
        };
        Value::map(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calldata;

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
            Error::DuplicateUsageId { usage_id: 0, last_usage_id: 0 },
            Error::NotPendingOperator,
            Error::CorruptState,
        ];
        let codes: Vec<&str> = all.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
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
