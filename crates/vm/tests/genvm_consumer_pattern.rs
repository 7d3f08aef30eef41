//! The GenLayer consumer pattern (examples/genlayer/consumer.py) replayed against the contract
//! through GenVM's `_start` (every call also run natively and compared): the consumer contract's view
//! `preview_bill(api, user, 1)`, then, only if allowed, its queued `consume_credits(api, user, 1, id)`
//! with its own increasing ids, the queued messages delivered late, duplicated and reordered within
//! the 64-id window, with other bills of the same user interleaved. Nothing is billed twice, and every
//! bill the preview allowed is billed unless a bill that landed in between used up the call limit, the
//! cap or the credit.

use billing_chain_core::{Address, MockChain, Outcome, Value};
use std::collections::BTreeSet;

const OPERATOR: Address = Address([0x0a; 20]);
const ALICE: Address = Address([0xa1; 20]);
/// The consumer contract: Alice's approved delegate, the sender of its view and of its messages.
const CONSUMER: Address = Address([0xc5; 20]);
/// Another app Alice approved, billing her directly in between.
const OTHER_APP: Address = Address([0xdb; 20]);
const PRICE: u128 = 10;
const LIMIT_CODES: [&str; 3] = ["daily_call_limit", "daily_spend_limit", "insufficient_credit"];

/// xorshift64*: a fixed, seeded sequence (no randomness the test cannot replay).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// A queued `consume_credits` message: its usage id, and how many bills had landed when its
/// preview allowed it.
#[derive(Clone, Copy)]
struct Message {
    usage_id: u64,
    landed_at_preview: u64,
}

fn chain() -> MockChain {
    let wasm = billing_artifact::genvm_wasm().expect("the GenVM artifact builds");
    billing_vm::executor::genvm_chain(&wasm).expect("artifact loads")
}

fn allowed(outcome: &Outcome) -> bool {
    match outcome {
        Ok(answer) => answer.get("allowed") == Some(&Value::Bool(true)),
        Err(refusal) => panic!("preview_bill refused its own call: {refusal:?}"),
    }
}

/// What one history saw: the refusal codes of first deliveries, and whether a duplicate was refused.
#[derive(Default)]
struct Seen {
    late_refusals: BTreeSet<String>,
    duplicates_refused: u64,
    billed_by_consumer: u64,
}

fn history(seed: u64, steps: usize) -> Seen {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let (limit, cap_calls, credit_calls) = (4 + rng.below(12), 3 + rng.below(12), 3 + rng.below(12));
    let mut chain = chain();
    chain.faucet(ALICE, 1_000_000);
    chain.call(OPERATOR).register_api("weather", PRICE, limit).expect("register");
    let deposit = PRICE * u128::from(credit_calls);
    chain
        .call(ALICE)
        .value(deposit)
        .subscribe("weather", PRICE * u128::from(cap_calls), deposit)
        .expect("subscribe");
    chain.call(ALICE).approve_delegate("weather", CONSUMER).expect("approve the consumer contract");
    chain.call(ALICE).approve_delegate("weather", OTHER_APP).expect("approve another app");

    let mut seen = Seen::default();
    let (mut next_id, mut landed) = (1u64, 0u64);
    let mut queue: Vec<Message> = Vec::new();
    let mut billed: BTreeSet<u64> = BTreeSet::new();
    let mut credit = deposit;
    for _ in 0..steps {
        match rng.below(10) {
            // The consumer's transaction: the view, then (allowed) the fetch and the queued bill,
            // sometimes queued twice (a replayed message).
            0..=3 if queue.len() < 32 => {
                let preview = chain.call(CONSUMER).preview_bill("weather", ALICE, 1);
                if allowed(&preview) {
                    let message = Message { usage_id: next_id, landed_at_preview: landed };
                    next_id += 1;
                    queue.push(message);
                    if rng.below(4) == 0 {
                        queue.push(message);
                    }
                }
            }
            // Another bill of Alice's lands: by herself or another app she approved.
            4 => {
                let biller = if rng.below(2) == 0 { ALICE } else { OTHER_APP };
                if chain.call(biller).consume_credit("weather", ALICE).is_ok() {
                    landed += 1;
                    credit -= PRICE;
                }
            }
            // A queued message is delivered: one of the oldest eight, so the order changes but every
            // id stays within 64 of the highest one accepted.
            _ if !queue.is_empty() => {
                let message = queue.remove(rng.below(queue.len().min(8) as u64) as usize);
                let outcome = chain.call(CONSUMER).consume_credits("weather", ALICE, 1, message.usage_id);
                // A copy of a message already billed; a copy of one refused is a retry and may bill.
                let already_billed = billed.contains(&message.usage_id);
                match outcome {
                    Ok(receipt) => {
                        assert!(!already_billed, "seed {seed}: usage id {} billed twice", message.usage_id);
                        billed.insert(message.usage_id);
                        landed += 1;
                        credit -= PRICE;
                        seen.billed_by_consumer += 1;
                        assert_eq!(
                            receipt.get("remaining_credit_wei").and_then(Value::as_u128),
                            Some(credit)
                        );
                    }
                    Err(refusal) if already_billed => {
                        assert_eq!(refusal.code, "duplicate_usage_id", "seed {seed}: {refusal:?}");
                        assert_eq!(refusal.detail("rule"), Some(&Value::from("already_used")));
                        seen.duplicates_refused += 1;
                    }
                    Err(refusal) => {
                        // Allowed by its preview, refused now: only because bills landed in between
                        // and used up a limit, the cap or the credit.
                        assert!(
                            LIMIT_CODES.contains(&refusal.code.as_str()),
                            "seed {seed}: an allowed bill refused with {refusal:?}"
                        );
                        assert!(
                            landed > message.landed_at_preview,
                            "seed {seed}: id {} refused ({}) though no bill landed since its preview",
                            message.usage_id,
                            refusal.code
                        );
                        seen.late_refusals.insert(refusal.code);
                    }
                }
            }
            _ => {}
        }
    }
    // The report agrees: every bill that landed, and nothing else, was taken from the credit.
    let report = chain.call(OPERATOR).get_usage_report(ALICE).expect("report");
    let report: serde_json::Value = serde_json::from_str(report.as_str().expect("a string")).expect("JSON");
    assert_eq!(report["credit_balance_wei"], serde_json::Value::from(credit.to_string()), "seed {seed}");
    assert_eq!(report["apis"][0]["calls_today"], serde_json::Value::from(landed), "seed {seed}");
    seen
}

#[test]
fn the_genlayer_pattern_never_bills_twice_and_bills_what_it_previewed_unless_others_landed_first() {
    let (mut late, mut duplicates, mut billed) = (BTreeSet::new(), 0, 0);
    for seed in 0..24 {
        let seen = history(seed, 160);
        late.extend(seen.late_refusals);
        duplicates += seen.duplicates_refused;
        billed += seen.billed_by_consumer;
    }
    // The histories did meet what the test is about.
    assert!(billed > 50, "{billed} bills by the consumer contract");
    assert!(duplicates > 10, "{duplicates} duplicates refused");
    for code in LIMIT_CODES {
        assert!(late.contains(code), "no allowed bill was refused by {code} in any history: {late:?}");
    }
}
