//! Random histories of every entrypoint, from several operators, consumers and delegates over several
//! days, with amounts up to the u128 edges; after every step the ledger must still add up.
//!
//! Invariants checked after each step:
//! * the contract's balance equals every credit plus every unwithdrawn earning (from the records);
//! * all balances, the contract's included, add up to what the faucet minted;
//! * a refused call left storage byte for byte, balances and events as they were;
//! * a bill stayed within the call limit, the spend cap and the accepted price in force when it ran,
//!   and a delegate's bill within the delegate's own limit in force when it ran;
//! * delegates' counts today never add up to more than the subscription's calls today;
//! * credit notes never pass what the consumer was billed on the API;
//! * after a bill, no armed low-credit threshold is at or above the consumer's credit share;
//! * the usage report says what the stored records say;
//! * usage never moves back in time: no subscription's recorded day decreases, whatever the block
//!   times (which may go backwards);
//! * a transaction from the contract's own address is refused and changes nothing;
//! * `preview_bill` just before a bill answers what the bill then answers, receipt or refusal, field
//!   for field (a bill with a usage id: unless the id itself is what the bill refuses), and changes
//!   nothing.

use crate::common::*;
use api_usage_billing::inspect::{account_summaries, api_summaries, subscription_summaries};
use api_usage_billing::Int;
use billing_chain::{Outcome, CONTRACT, CONTRACT_SENDER, GENESIS_TIME};
use proptest::prelude::*;

const OPERATORS: [Address; 2] = [Address([0x01; 20]), Address([0x02; 20])];
const CONSUMERS: [Address; 3] = [Address([0x11; 20]), Address([0x12; 20]), Address([0x13; 20])];
const DELEGATES: [Address; 2] = [Address([0x21; 20]), Address([0x22; 20])];
const APIS: [&str; 3] = ["weather", "maps", "geo"];
const FUNDS: u128 = u128::MAX / 16;

#[derive(Clone, Debug)]
enum Step {
    Register {
        op: usize,
        api: usize,
        cost: Amount,
        limit: Amount,
    },
    Subscribe {
        who: usize,
        api: usize,
        cap: Amount,
        deposit: Amount,
        honest: bool,
    },
    TopUp {
        who: usize,
        amount: Amount,
        honest: bool,
    },
    Bill {
        caller: usize,
        who: usize,
        api: usize,
    },
    BillMany {
        caller: usize,
        who: usize,
        api: usize,
        calls: Amount,
        usage_id: u8,
    },
    Unsubscribe {
        who: usize,
        api: usize,
    },
    Approve {
        who: usize,
        api: usize,
        delegate: usize,
    },
    Revoke {
        who: usize,
        api: usize,
        delegate: usize,
    },
    SetActive {
        op: usize,
        api: usize,
        active: bool,
    },
    WithdrawCredit {
        who: usize,
        amount: Amount,
    },
    WithdrawEarnings {
        op: usize,
        api: usize,
        amount: Amount,
    },
    Transfer {
        op: usize,
        api: usize,
        to: usize,
    },
    Accept {
        who: usize,
        api: usize,
    },
    Advance {
        seconds: u64,
    },
    /// Block time going backwards, as nothing guarantees it does not between transactions.
    Rewind {
        seconds: u64,
    },
    SetCap {
        who: usize,
        api: usize,
        cap: Amount,
    },
    /// The contract's own address tries to deposit (the chain must refuse it before it runs).
    ContractDeposit {
        amount: Amount,
    },
    SetDelegateLimit {
        who: usize,
        api: usize,
        delegate: usize,
        max: Amount,
    },
    SetAlerts {
        who: usize,
        percents: Vec<Amount>,
    },
    CreditNote {
        op: usize,
        api: usize,
        who: usize,
        amount: Amount,
        reason: &'static str,
    },
}

/// Reasons for credit notes: valid ones, and an empty, a 65-character and a non-ASCII one.
const REASONS: [&str; 5] = [
    "outage",
    "empty response",
    "",
    "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr",
    "d\u{e9}faut",
];

/// An integer argument: mostly small, sometimes at or beyond the u128 edges, sometimes negative.
#[derive(Clone, Debug)]
enum Amount {
    Small(u128),
    Edge(u128),
    Negative,
    Beyond,
}

impl Amount {
    fn value(&self) -> Value {
        match self {
            Amount::Small(n) | Amount::Edge(n) => Value::from(*n),
            Amount::Negative => Value::from(-1),
            Amount::Beyond => Value::Int(Int::sum(u128::MAX, 1)),
        }
    }

    fn wei(&self) -> u128 {
        match self {
            Amount::Small(n) | Amount::Edge(n) => *n,
            _ => 0,
        }
    }
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        12 => (0u128..60).prop_map(Amount::Small),
        2 => prop_oneof![Just(u128::MAX), Just(u128::MAX - 1), Just(1u128 << 127), Just(u128::from(u64::MAX)), any::<u128>()]
            .prop_map(Amount::Edge),
        1 => Just(Amount::Negative),
        1 => Just(Amount::Beyond),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let op = 0..OPERATORS.len();
    let who = 0..CONSUMERS.len();
    let api = 0..APIS.len();
    // Callers of a bill: the consumers, then the delegates, then an operator.
    let caller = 0..CONSUMERS.len() + DELEGATES.len() + 1;
    prop_oneof![
        3 => (op.clone(), api.clone(), amount(), amount()).prop_map(|(op, api, cost, limit)| Step::Register { op, api, cost, limit }),
        3 => (who.clone(), api.clone(), amount(), amount(), prop::bool::weighted(0.9))
            .prop_map(|(who, api, cap, deposit, honest)| Step::Subscribe { who, api, cap, deposit, honest }),
        2 => (who.clone(), amount(), prop::bool::weighted(0.9)).prop_map(|(who, amount, honest)| Step::TopUp { who, amount, honest }),
        10 => (caller.clone(), who.clone(), api.clone()).prop_map(|(caller, who, api)| Step::Bill { caller, who, api }),
        3 => (caller, who.clone(), api.clone(), amount(), 0u8..6)
            .prop_map(|(caller, who, api, calls, usage_id)| Step::BillMany { caller, who, api, calls, usage_id }),
        1 => (who.clone(), api.clone()).prop_map(|(who, api)| Step::Unsubscribe { who, api }),
        2 => (who.clone(), api.clone(), 0..DELEGATES.len()).prop_map(|(who, api, delegate)| Step::Approve { who, api, delegate }),
        1 => (who.clone(), api.clone(), 0..DELEGATES.len()).prop_map(|(who, api, delegate)| Step::Revoke { who, api, delegate }),
        1 => (op.clone(), api.clone(), any::<bool>()).prop_map(|(op, api, active)| Step::SetActive { op, api, active }),
        2 => (who.clone(), amount()).prop_map(|(who, amount)| Step::WithdrawCredit { who, amount }),
        2 => (op.clone(), api.clone(), amount()).prop_map(|(op, api, amount)| Step::WithdrawEarnings { op, api, amount }),
        1 => (op.clone(), api.clone(), 0..OPERATORS.len()).prop_map(|(op, api, to)| Step::Transfer { op, api, to }),
        1 => (0..OPERATORS.len(), api.clone()).prop_map(|(who, api)| Step::Accept { who, api }),
        2 => prop_oneof![Just(1u64), Just(3_600), Just(86_399), Just(86_400), Just(3 * 86_400)].prop_map(|seconds| Step::Advance { seconds }),
        1 => prop_oneof![Just(1u64), Just(86_400), Just(2 * 86_400)].prop_map(|seconds| Step::Rewind { seconds }),
        1 => (who.clone(), api.clone(), amount()).prop_map(|(who, api, cap)| Step::SetCap { who, api, cap }),
        1 => amount().prop_map(|amount| Step::ContractDeposit { amount }),
        2 => (who.clone(), api.clone(), 0..DELEGATES.len(), prop_oneof![4 => (0u128..4).prop_map(Amount::Small), 1 => amount()])
            .prop_map(|(who, api, delegate, max)| Step::SetDelegateLimit { who, api, delegate, max }),
        1 => (who.clone(), prop::collection::vec(prop_oneof![6 => (1u128..100).prop_map(Amount::Small), 1 => amount()], 0..6))
            .prop_map(|(who, percents)| Step::SetAlerts { who, percents }),
        3 => (op.clone(), api.clone(), who.clone(), amount(), prop_oneof![6 => 0..2usize, 1 => 2..REASONS.len()])
            .prop_map(|(op, api, who, amount, reason)| Step::CreditNote { op, api, who, amount, reason: REASONS[reason] }),
    ]
}

fn caller_address(caller: usize) -> Address {
    match caller {
        c if c < CONSUMERS.len() => CONSUMERS[c],
        c if c < CONSUMERS.len() + DELEGATES.len() => DELEGATES[c - CONSUMERS.len()],
        _ => OPERATORS[0],
    }
}

/// The bill a step attempted: caller, consumer, api.
type Bill = (Address, Address, &'static str);

/// Runs one step; returns the bill it attempted if it was one.
fn run(chain: &mut MockChain, step: &Step) -> (Outcome, Option<Bill>) {
    match step {
        Step::Register { op, api, cost, limit } => {
            (chain.call(OPERATORS[*op]).register_api(APIS[*api], cost.value(), limit.value()), None)
        }
        Step::Subscribe { who, api, cap, deposit, honest } => {
            let value = if *honest { deposit.wei() } else { deposit.wei().wrapping_add(1) };
            (
                chain.call(CONSUMERS[*who]).value(value).subscribe(APIS[*api], cap.value(), deposit.value()),
                None,
            )
        }
        Step::TopUp { who, amount, honest } => {
            let value = if *honest { amount.wei() } else { amount.wei() / 2 };
            (chain.call(CONSUMERS[*who]).value(value).top_up_credit(amount.value()), None)
        }
        Step::Bill { caller, who, api } => (
            chain.call(caller_address(*caller)).consume_credit(APIS[*api], CONSUMERS[*who]),
            Some((caller_address(*caller), CONSUMERS[*who], APIS[*api])),
        ),
        Step::BillMany { caller, who, api, calls, usage_id } => (
            chain.call(caller_address(*caller)).consume_credits(
                APIS[*api],
                CONSUMERS[*who],
                calls.value(),
                u64::from(*usage_id),
            ),
            Some((caller_address(*caller), CONSUMERS[*who], APIS[*api])),
        ),
        Step::Unsubscribe { who, api } => (chain.call(CONSUMERS[*who]).unsubscribe(APIS[*api]), None),
        Step::Approve { who, api, delegate } => {
            (chain.call(CONSUMERS[*who]).approve_delegate(APIS[*api], DELEGATES[*delegate]), None)
        }
        Step::Revoke { who, api, delegate } => {
            (chain.call(CONSUMERS[*who]).revoke_delegate(APIS[*api], DELEGATES[*delegate]), None)
        }
        Step::SetActive { op, api, active } => {
            (chain.call(OPERATORS[*op]).set_api_active(APIS[*api], *active), None)
        }
        Step::WithdrawCredit { who, amount } => {
            (chain.call(CONSUMERS[*who]).withdraw_credit(amount.value()), None)
        }
        Step::WithdrawEarnings { op, api, amount } => {
            (chain.call(OPERATORS[*op]).withdraw_earnings(APIS[*api], amount.value()), None)
        }
        Step::Transfer { op, api, to } => {
            (chain.call(OPERATORS[*op]).transfer_api(APIS[*api], OPERATORS[*to]), None)
        }
        Step::Accept { who, api } => (chain.call(OPERATORS[*who]).accept_api(APIS[*api]), None),
        Step::Advance { seconds } => {
            chain.advance(*seconds);
            (Ok(Value::Null), None)
        }
        Step::Rewind { seconds } => {
            chain.set_time(chain.now().saturating_sub(*seconds).max(GENESIS_TIME));
            (Ok(Value::Null), None)
        }
        Step::SetCap { who, api, cap } => {
            (chain.call(CONSUMERS[*who]).set_daily_cap(APIS[*api], cap.value()), None)
        }
        Step::ContractDeposit { amount } => {
            let outcome = chain.call(CONTRACT).value(amount.wei()).top_up_credit(amount.value());
            if outcome.as_ref().err().map(|r| r.code.as_str()) != Some(CONTRACT_SENDER) {
                return (Err(billing_chain::Refusal::host("test", "the contract's deposit ran")), None);
            }
            (outcome, None)
        }
        Step::SetDelegateLimit { who, api, delegate, max } => (
            chain.call(CONSUMERS[*who]).set_delegate_limit(APIS[*api], DELEGATES[*delegate], max.value()),
            None,
        ),
        Step::SetAlerts { who, percents } => (
            chain
                .call(CONSUMERS[*who])
                .set_credit_alerts(percents.iter().map(Amount::value).collect::<Vec<_>>()),
            None,
        ),
        Step::CreditNote { op, api, who, amount, reason } => (
            chain.call(OPERATORS[*op]).credit_note(APIS[*api], CONSUMERS[*who], amount.value(), *reason),
            None,
        ),
    }
}

/// The `preview_bill` of a bill step, by the same caller for the same calls, and whether the bill's
/// usage id can make it disagree (the preview bills with none).
fn preview_of(step: &Step) -> Option<(Address, Address, &'static str, Value, bool)> {
    match step {
        Step::Bill { caller, who, api } => {
            Some((caller_address(*caller), CONSUMERS[*who], APIS[*api], Value::from(1), false))
        }
        Step::BillMany { caller, who, api, calls, usage_id } => {
            Some((caller_address(*caller), CONSUMERS[*who], APIS[*api], calls.value(), *usage_id != 0))
        }
        _ => None,
    }
}

fn storage_pairs(chain: &MockChain) -> Vec<(&[u8], &[u8])> {
    chain.storage().iter().map(|(k, v)| (k.as_slice(), v.as_slice())).collect()
}

fn check_ledger(chain: &MockChain) -> Result<(), TestCaseError> {
    let pairs = storage_pairs(chain);
    let credits = account_summaries(pairs.iter().copied())
        .iter()
        .try_fold(0u128, |sum, a| sum.checked_add(a.credit_wei));
    let earnings =
        api_summaries(pairs.iter().copied()).iter().try_fold(0u128, |sum, a| sum.checked_add(a.earnings_wei));
    let owed = credits.zip(earnings).and_then(|(c, e)| c.checked_add(e));
    prop_assert_eq!(owed, Some(chain.contract_balance()), "contract balance != credits + earnings");
    for account in account_summaries(pairs.iter().copied()) {
        prop_assert!(account.credit_wei <= account.funded_wei, "credit above funded: {:?}", account);
    }
    let total = chain.balances().values().try_fold(0u128, |sum, b| sum.checked_add(*b));
    prop_assert_eq!(total, Some(chain.minted()), "value created or destroyed");
    for sub in subscription_summaries(pairs.iter().copied()) {
        prop_assert!(sub.credit_noted_wei <= sub.billed_total_wei, "credit notes above billed: {:?}", sub);
        let delegated = sub.delegate_limits.iter().map(|(_, _, calls)| u128::from(*calls)).sum::<u128>();
        prop_assert!(delegated <= u128::from(sub.calls), "delegates billed more than the day: {:?}", sub);
    }
    Ok(())
}

/// `credit * 100 <= percent * funded`, exactly, for a funded account.
fn at_or_below(credit: u128, funded: u128, percent: u8) -> bool {
    // Each side as (high, low) halves below and above 2^64: products of 71 bits at most.
    let times = |x: u128, m: u128| {
        let low = (x & u128::from(u64::MAX)) * m;
        ((x >> 64) * m + (low >> 64), low & u128::from(u64::MAX))
    };
    funded > 0 && times(credit, 100) <= times(funded, u128::from(percent))
}

/// After a successful bill: every threshold at or above the consumer's credit share fired (is
/// disarmed), and the caller, if a delegate, stayed within the limit it had before the bill.
fn check_alerts_and_delegate(
    before: &MockChain,
    after: &MockChain,
    (caller, consumer, api): Bill,
) -> Result<(), TestCaseError> {
    let pairs = storage_pairs(after);
    if let Some(account) =
        account_summaries(pairs.iter().copied()).into_iter().find(|a| a.consumer == consumer)
    {
        for (percent, armed) in &account.alerts {
            prop_assert!(
                !(*armed && at_or_below(account.credit_wei, account.funded_wei, *percent)),
                "an armed threshold at or above the credit after a bill: {:?}",
                account
            );
        }
    }
    if caller == consumer {
        return Ok(());
    }
    let find = |chain: &MockChain| {
        let pairs = storage_pairs(chain);
        subscription_summaries(pairs.iter().copied())
            .into_iter()
            .find(|s| s.consumer == consumer && s.api == api)
            .and_then(|s| s.delegate_limits.into_iter().find(|(d, _, _)| *d == caller))
    };
    let limit_before = find(before).and_then(|(_, max, _)| max);
    let calls_after = find(after).map(|(_, _, calls)| calls);
    if let (Some(max), Some(calls)) = (limit_before, calls_after) {
        prop_assert!(calls <= max, "a delegate billed past its own limit: {} > {}", calls, max);
    }
    prop_assert!(calls_after.is_some(), "a bill by a delegate that is not approved");
    Ok(())
}

/// The bill's receipt against the records in force before it ran.
fn check_bill(
    before: &MockChain,
    consumer: Address,
    api: &str,
    receipt: &Value,
) -> Result<(), TestCaseError> {
    let pairs = storage_pairs(before);
    let api_record = api_summaries(pairs.iter().copied()).into_iter().find(|a| a.name == api);
    let sub = subscription_summaries(pairs.iter().copied())
        .into_iter()
        .find(|s| s.consumer == consumer && s.api == api);
    let (Some(api_record), Some(sub)) = (api_record, sub) else {
        return Err(TestCaseError::fail("a bill without an API or a subscription"));
    };
    let field = |name: &str| receipt.get(name).and_then(Value::as_u128).unwrap_or(u128::MAX);
    let (calls_today, spend_today, billed) =
        (field("calls_today"), field("spend_today_wei"), field("billed_wei"));
    prop_assert!(calls_today <= u128::from(api_record.daily_limit_calls), "call limit passed");
    prop_assert!(spend_today <= sub.max_daily_spend_wei, "spend cap passed");
    prop_assert!(api_record.cost_per_call_wei <= sub.accepted_price_wei, "billed above the accepted price");
    prop_assert_eq!(billed % api_record.cost_per_call_wei.max(1), 0, "billed is not a whole number of calls");
    prop_assert!(sub.active, "billed an inactive subscription");
    Ok(())
}

/// No subscription's recorded day went back, whatever the step did to block time.
fn check_days_never_go_back(
    before: &MockChain,
    after: &MockChain,
    index: usize,
) -> Result<(), TestCaseError> {
    let (before, after) = (storage_pairs(before), storage_pairs(after));
    let subscriptions = subscription_summaries(before.iter().copied());
    for sub in subscription_summaries(after.iter().copied()) {
        let earlier = subscriptions.iter().find(|s| s.consumer == sub.consumer && s.api == sub.api);
        if let Some(earlier) = earlier {
            prop_assert!(sub.day_id >= earlier.day_id, "step {}: a subscription's day went back", index);
        }
    }
    Ok(())
}

/// The usage report of `consumer` against its records.
fn check_report(chain: &mut MockChain, consumer: Address) -> Result<(), TestCaseError> {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> =
        chain.storage().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let pairs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(k, v)| (k.as_slice(), v.as_slice())).collect();
    let text = chain.call(STRANGER).get_usage_report(consumer).map_err(|r| TestCaseError::fail(r.message))?;
    let report: serde_json::Value = serde_json::from_str(text.as_str().unwrap_or_default()).unwrap();
    let account = account_summaries(pairs.iter().copied()).into_iter().find(|a| a.consumer == consumer);
    let (credit, funded) = account.as_ref().map_or((0, 0), |a| (a.credit_wei, a.funded_wei));
    prop_assert_eq!(&report["credit_balance_wei"], &serde_json::Value::from(credit.to_string()));
    prop_assert_eq!(&report["funded_wei"], &serde_json::Value::from(funded.to_string()));
    let day = chain.now() / DAY;
    for entry in report["apis"].as_array().into_iter().flatten() {
        let name = entry["api_name"].as_str().unwrap_or_default();
        let sub = subscription_summaries(pairs.iter().copied())
            .into_iter()
            .find(|s| s.consumer == consumer && s.api == name);
        let Some(sub) = sub else { return Err(TestCaseError::fail("a listed API without a subscription")) };
        // A subscription counts on the later of the block's day and its own (block time may go back).
        let calls = if sub.day_id >= day { sub.calls } else { 0 };
        prop_assert_eq!(&entry["calls_today"], &serde_json::Value::from(calls));
        prop_assert_eq!(&entry["active"], &serde_json::Value::from(sub.active));
        prop_assert_eq!(
            &entry["accepted_price_wei"],
            &serde_json::Value::from(sub.accepted_price_wei.to_string())
        );
        prop_assert_eq!(entry["delegates"].as_array().map(Vec::len), Some(sub.delegates.len()));
        let limits = entry["delegate_limits"].as_array().cloned().unwrap_or_default();
        prop_assert_eq!(limits.len(), sub.delegate_limits.len());
        for (shown, (delegate, max, calls)) in limits.iter().zip(&sub.delegate_limits) {
            prop_assert_eq!(&shown["delegate"], &serde_json::Value::from(delegate.to_hex()));
            prop_assert_eq!(&shown["max_daily_calls"], &serde_json::json!(max));
            let calls = if sub.day_id >= day { *calls } else { 0 };
            prop_assert_eq!(&shown["calls_today"], &serde_json::Value::from(calls));
        }
    }
    let alerts = account.map(|a| a.alerts).unwrap_or_else(|| vec![(20, true)]);
    let shown: Vec<(u64, bool)> = report["credit_alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| (a["percent"].as_u64().unwrap_or(0), a["armed"].as_bool().unwrap_or(false)))
        .collect();
    let stored: Vec<(u64, bool)> = alerts.iter().map(|(p, armed)| (u64::from(*p), *armed)).collect();
    prop_assert_eq!(&shown, &stored);
    let highest = alerts.first().map_or(20, |(p, _)| *p);
    prop_assert_eq!(&report["low_credit"], &serde_json::Value::from(at_or_below(credit, funded, highest)));
    Ok(())
}

fn history_holds(steps: &[Step]) -> Result<(), TestCaseError> {
    let mut chain = new_chain();
    for who in OPERATORS.iter().chain(&CONSUMERS).chain(&DELEGATES) {
        chain.faucet(*who, FUNDS);
    }
    for (index, step) in steps.iter().enumerate() {
        let previewed = preview_of(step).map(|(caller, consumer, api, calls, with_usage_id)| {
            (preview(&mut chain, caller, api, consumer, calls), with_usage_id)
        });
        let before = chain.clone();
        let (outcome, bill) = run(&mut chain, step);
        if let Some((previewed, with_usage_id)) = previewed {
            let id_refused =
                matches!(&outcome, Err(r) if r.code == "duplicate_usage_id" || r.code == "too_many_billers");
            if !(with_usage_id && id_refused) {
                prop_assert_eq!(&previewed, &outcome, "step {}: preview_bill and the bill disagree", index);
            }
        }
        match &outcome {
            Err(refusal) => {
                prop_assert!(
                    refusal.message.starts_with("[EXPECTED] ")
                        || refusal.code == "insufficient_funds"
                        || refusal.code == CONTRACT_SENDER,
                    "step {}: {:?}",
                    index,
                    refusal
                );
                prop_assert!(chain.storage() == before.storage(), "step {}: a refused call wrote", index);
                prop_assert!(
                    chain.balances() == before.balances(),
                    "step {}: a refused call moved value",
                    index
                );
                prop_assert!(chain.events() == before.events(), "step {}: a refused call emitted", index);
            }
            Ok(receipt) => {
                if let Some(bill) = bill {
                    check_bill(&before, bill.1, bill.2, receipt)?;
                    check_alerts_and_delegate(&before, &chain, bill)?;
                }
            }
        }
        check_ledger(&chain)?;
        check_days_never_go_back(&before, &chain, index)?;
        check_report(&mut chain, CONSUMERS[index % CONSUMERS.len()])?;
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("BILLING_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(HISTORY_CASES)
}

fn steps() -> usize {
    std::env::var("BILLING_PROPTEST_STEPS").ok().and_then(|v| v.parse().ok()).unwrap_or(HISTORY_STEPS)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_history_keeps_the_ledger_whole(steps in prop::collection::vec(step(), steps())) {
        history_holds(&steps)?;
    }
}
