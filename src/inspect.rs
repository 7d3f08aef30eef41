//! Reading a chain's records straight from a dump of its storage, for tools and invariant checks.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Address;

/// A registered API as its stored record says, for tools that show a chain's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiSummary {
    pub name: String,
    pub operator: Address,
    pub cost_per_call_wei: u128,
    pub daily_limit_calls: u64,
    pub active: bool,
    pub earnings_wei: u128,
}

/// Reads the API records out of a dump of contract storage (any order); other keys are skipped.
pub fn api_summaries<'a>(storage: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<ApiSummary> {
    storage
        .into_iter()
        .filter_map(|(key, value)| {
            let (name, record) = crate::state::APIS.parse_entry(key, value)?;
            Some(ApiSummary {
                name: String::from(name),
                operator: record.operator,
                cost_per_call_wei: record.cost_per_call_wei,
                daily_limit_calls: record.daily_limit_calls,
                active: record.active,
                earnings_wei: record.earnings_wei,
            })
        })
        .collect()
}

/// A consumer's account as its stored record says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSummary {
    pub consumer: Address,
    pub credit_wei: u128,
    pub funded_wei: u128,
    /// Some threshold's warning was given and not re-armed yet.
    pub warned: bool,
    /// The thresholds in force, highest first, each with whether it is armed.
    pub alerts: Vec<(u8, bool)>,
}

/// Reads the account records out of a dump of contract storage.
pub fn account_summaries<'a>(storage: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<AccountSummary> {
    storage
        .into_iter()
        .filter_map(|(key, value)| {
            let (consumer, record) = crate::state::ACCOUNTS.parse_entry(key, value)?;
            Some(AccountSummary {
                consumer,
                credit_wei: record.credit_wei,
                funded_wei: record.funded_wei,
                warned: record.fired != 0,
                alerts: record
                    .thresholds()
                    .iter()
                    .enumerate()
                    .map(|(bit, percent)| (*percent, record.armed(bit)))
                    .collect(),
            })
        })
        .collect()
}

/// A subscription as its stored record says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionSummary {
    pub consumer: Address,
    pub api: String,
    pub active: bool,
    pub max_daily_spend_wei: u128,
    pub accepted_price_wei: u128,
    pub day_id: u64,
    pub calls: u64,
    pub spend_wei: u128,
    pub delegates: Vec<Address>,
    /// Each delegate's own daily limit (`None`: unlimited) and its calls on `day_id`.
    pub delegate_limits: Vec<(Address, Option<u64>, u64)>,
    /// Everything billed on the subscription, and what credit notes gave back of it.
    pub billed_total_wei: u128,
    pub credit_noted_wei: u128,
    /// Each biller that used usage ids, with the highest it used.
    pub usage_ids: Vec<(Address, u64)>,
}

/// Reads the subscription records out of a dump of contract storage.
pub fn subscription_summaries<'a>(
    storage: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> Vec<SubscriptionSummary> {
    storage
        .into_iter()
        .filter_map(|(key, value)| {
            let ((consumer, api), record) = crate::state::SUBSCRIPTIONS.parse_entry(key, value)?;
            Some(SubscriptionSummary {
                consumer,
                api: String::from(api),
                active: record.active,
                max_daily_spend_wei: record.max_daily_spend_wei,
                accepted_price_wei: record.accepted_price_wei,
                day_id: record.today.day_id,
                calls: record.today.calls,
                spend_wei: record.today.spend_wei,
                delegates: record.delegates.iter().map(|d| d.address).collect(),
                delegate_limits: record
                    .delegates
                    .iter()
                    .map(|d| (d.address, d.max_daily_calls, d.calls))
                    .collect(),
                billed_total_wei: record.billed_total_wei,
                credit_noted_wei: record.credit_noted_wei,
                usage_ids: record.usage_ids.iter().map(|w| (w.biller, w.highest)).collect(),
            })
        })
        .collect()
}
