//! The hand-written codec against borsh's derive: the same bytes out, the same inputs accepted.

use super::*;
use crate::record::{decode, Record};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};
use core::fmt::Debug;
use proptest::prelude::*;

fn encode<T: Record>(record: &T) -> Vec<u8> {
    let mut out = Vec::new();
    record.write(&mut out);
    out
}

/// The two codecs agree on `record`, and on every truncation, extension and one-byte change of its
/// bytes (each either decodes to the same record in both or is refused by both).
fn agree<T: Record + BorshSerialize + BorshDeserialize + PartialEq + Debug>(record: &T, change: (usize, u8)) {
    let bytes = borsh::to_vec(record).unwrap();
    assert_eq!(encode(record), bytes);
    assert_eq!(decode::<T>(&bytes).as_ref(), Some(record));
    let mut variants =
        vec![bytes[..bytes.len() / 2].to_vec(), bytes[..bytes.len().saturating_sub(1)].to_vec()];
    let mut longer = bytes.clone();
    longer.push(change.1);
    variants.push(longer);
    if !bytes.is_empty() {
        let mut changed = bytes.clone();
        changed[change.0 % bytes.len()] = change.1;
        variants.push(changed);
    }
    for variant in variants {
        assert_eq!(decode::<T>(&variant), T::try_from_slice(&variant).ok(), "{variant:?}");
    }
}

fn address() -> impl Strategy<Value = Address> {
    any::<[u8; 20]>().prop_map(Address)
}

fn day() -> impl Strategy<Value = DayUsage> {
    (any::<u64>(), any::<u64>(), any::<u128>()).prop_map(|(day_id, calls, spend_wei)| DayUsage {
        day_id,
        calls,
        spend_wei,
    })
}

fn api() -> impl Strategy<Value = ApiRecord> {
    (address(), any::<u128>(), any::<u64>(), any::<bool>(), any::<u128>(), proptest::option::of(address()))
        .prop_flat_map(|(operator, cost, limit, active, earnings, pending)| {
            (any::<u64>(), day(), any::<u128>()).prop_map(move |(subscribers, today, revenue)| ApiRecord {
                operator,
                cost_per_call_wei: cost,
                daily_limit_calls: limit,
                active,
                earnings_wei: earnings,
                pending_operator: pending,
                subscribers,
                today,
                revenue_total_wei: revenue,
            })
        })
}

fn account() -> impl Strategy<Value = Account> {
    (any::<u128>(), any::<u128>(), proptest::collection::vec(any::<u8>(), 0..6), any::<u8>()).prop_map(
        |(credit_wei, funded_wei, alert_percents, fired)| Account {
            credit_wei,
            funded_wei,
            alert_percents,
            fired,
        },
    )
}

fn subscription() -> impl Strategy<Value = Subscription> {
    let delegate = (address(), proptest::option::of(any::<u64>()), any::<u64>())
        .prop_map(|(address, max_daily_calls, calls)| Delegate { address, max_daily_calls, calls });
    let ids = (address(), any::<u64>(), any::<u64>()).prop_map(|(biller, highest, seen)| UsageIds {
        biller,
        highest,
        seen,
    });
    (
        (any::<bool>(), any::<u128>(), any::<u128>(), day()),
        proptest::collection::vec(delegate, 0..4),
        (any::<u64>(), proptest::collection::vec(ids, 0..3), any::<u128>(), any::<u128>()),
    )
        .prop_map(
            |((active, cap, price, today), delegates, (archived_days, usage_ids, billed, noted))| {
                Subscription {
                    active,
                    max_daily_spend_wei: cap,
                    accepted_price_wei: price,
                    today,
                    delegates,
                    archived_days,
                    usage_ids,
                    billed_total_wei: billed,
                    credit_noted_wei: noted,
                }
            },
        )
}

proptest! {
    #[test]
    fn api_records_agree_with_borsh(record in api(), change in any::<(usize, u8)>()) {
        agree(&record, change);
    }

    #[test]
    fn accounts_agree_with_borsh(record in account(), change in any::<(usize, u8)>()) {
        agree(&record, change);
    }

    #[test]
    fn subscriptions_agree_with_borsh(record in subscription(), change in any::<(usize, u8)>()) {
        agree(&record, change);
    }

    #[test]
    fn days_lists_and_versions_agree_with_borsh(
        record in day(),
        names in proptest::collection::vec("[a-z./:_-]{0,8}", 0..4),
        version in any::<u32>(),
        change in any::<(usize, u8)>(),
    ) {
        agree(&record, change);
        agree(&names, change);
        agree(&version, change);
    }
}

/// Inputs a byte change rarely reaches: tags and bools above 1, text that is not UTF-8, a length
/// longer than the bytes.
#[test]
fn malformed_inputs_are_refused_as_borsh_refuses_them() {
    let cases: [&[u8]; 6] =
        [&[2], &[1, 0, 0, 0, 0xff], &[1, 0, 0, 0, b'a'], &[9, 0, 0, 0, b'a'], &[255, 255, 255, 255], &[]];
    for bytes in cases {
        assert_eq!(decode::<bool>(bytes), bool::try_from_slice(bytes).ok(), "{bytes:?}");
        assert_eq!(decode::<Vec<String>>(bytes), <Vec<String>>::try_from_slice(bytes).ok(), "{bytes:?}");
        assert_eq!(decode::<Option<u8>>(bytes), <Option<u8>>::try_from_slice(bytes).ok(), "{bytes:?}");
        assert_eq!(decode::<Vec<u8>>(bytes), <Vec<u8>>::try_from_slice(bytes).ok(), "{bytes:?}");
    }
    assert_eq!(decode::<Vec<String>>(&[1, 0, 0, 0, 1, 0, 0, 0, b'a']), Some(vec![String::from("a")]));
}
