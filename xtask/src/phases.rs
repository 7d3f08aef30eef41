//! Where a bill's fuel goes (`cargo costs --phases`): a same-day `consume_credit` by a delegate on
//! each flavor, traced at every host call it makes, cut into the stretches between host calls and
//! summed by phase.

use std::rc::Rc;

use billing_chain::{Address, MockChain};
use billing_vm::executor::{metered_chain, GenvmExecutor};
use billing_vm::trace::FuelMark;

use crate::error::TaskError;

const OPERATOR: Address = Address([0x0a; 20]);
const ALICE: Address = Address([0xa1; 20]);
const DAPP: Address = Address([0xda; 20]);

/// The fuel burned between two host calls: what the contract did before it called `until`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stretch {
    /// The host call that ends the stretch (`end`: the call's return), with the record it names.
    pub until: String,
    pub phase: Phase,
    pub fuel: u64,
}

/// What a stretch of a bill is mostly made of (the README's Performance section details each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Instantiation and the call's context, up to the input (GenVM: reading the message).
    Start,
    /// The input decoded (GenVM: the message parsed), the method found, the name normalized.
    Decode,
    /// Reads, record decoding, the bill's checks and arithmetic, record encoding, writes (GenVM: with
    /// the slot ids hashed before each first access).
    Storage,
    /// The events built and encoded.
    Events,
    /// The receipt built and encoded, the call ended.
    Encode,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Start => "start",
            Phase::Decode => "decode",
            Phase::Storage => "storage + logic",
            Phase::Events => "events",
            Phase::Encode => "encode (receipt)",
        }
    }
}

/// A traced call: its total fuel and its stretches in order.
#[derive(Clone, Debug)]
pub struct Phases {
    pub case: &'static str,
    pub total: u64,
    pub stretches: Vec<Stretch>,
}

impl Phases {
    /// Fuel by phase, in phase order.
    pub fn by_phase(&self) -> Vec<(Phase, u64)> {
        let mut sums: Vec<(Phase, u64)> = Vec::new();
        for stretch in &self.stretches {
            match sums.iter_mut().find(|(phase, _)| *phase == stretch.phase) {
                Some((_, sum)) => *sum += stretch.fuel,
                None => sums.push((stretch.phase, stretch.fuel)),
            }
        }
        sums.sort();
        sums
    }
}

fn record_name(prefix: Option<u8>) -> &'static str {
    match prefix {
        Some(b'a') => " a (API)",
        Some(b'c') => " c (account)",
        Some(b's') => " s (subscription)",
        Some(b'l') => " l (API list)",
        Some(b'h') => " h (history)",
        Some(b'v') => " v (version)",
        _ => "",
    }
}

/// Cuts a trace into stretches. Phases follow the bill's order: context and input, decoding up to
/// the first storage call, storage until the last write, events, then the receipt.
fn stretches(marks: &[FuelMark], total: u64) -> Vec<Stretch> {
    let first_storage = marks.iter().position(|m| m.import.starts_with("storage"));
    let last_storage = marks.iter().rposition(|m| m.import.starts_with("storage"));
    let last_event = marks.iter().rposition(|m| m.import.contains("event") || m.import.contains("EmitEvent"));
    let mut out = Vec::with_capacity(marks.len() + 1);
    let mut before = 0;
    for (i, mark) in marks.iter().enumerate() {
        let phase = match (first_storage, last_storage, last_event) {
            (Some(first), _, _) if i < first && (mark.import == "input_read" || mark.import == "fd_read") => {
                Phase::Start
            }
            (Some(first), _, _) if i <= first => Phase::Decode,
            (_, Some(last), _) if i <= last => Phase::Storage,
            (_, _, Some(event)) if i <= event => Phase::Events,
            _ => Phase::Encode,
        };
        out.push(Stretch {
            until: format!("{}{}", mark.import, record_name(mark.key_prefix)),
            phase,
            fuel: mark.fuel.saturating_sub(before),
        });
        before = mark.fuel;
    }
    out.push(Stretch { until: "end".into(), phase: Phase::Encode, fuel: total.saturating_sub(before) });
    out
}

/// The state the measured bill runs on: an API, Alice subscribed with a delegate, billed once today.
fn bill_state(chain: &mut MockChain) -> Result<(), TaskError> {
    chain.faucet(ALICE, 1_000_000);
    chain.call(OPERATOR).register_api("weather", 10, 1_000)?;
    chain.call(ALICE).value(500).subscribe("weather", 5_000, 500)?;
    chain.call(ALICE).approve_delegate("weather", DAPP)?;
    chain.call(ALICE).consume_credit("weather", ALICE)?;
    Ok(())
}

/// A same-day bill by a delegate on the billing ABI, traced.
pub fn billing_bill(wasm: &[u8]) -> Result<Phases, TaskError> {
    let (mut chain, executor) = metered_chain(wasm)?;
    bill_state(&mut chain)?;
    executor.set_tracing(true);
    chain.call(DAPP).consume_credit("weather", ALICE)?;
    let total = executor.last_fuel();
    Ok(Phases {
        case: "billing ABI: same-day consume_credit by a delegate",
        total,
        stretches: stretches(&executor.last_trace(), total),
    })
}

/// The same bill on the GenVM flavor, through `_start`, traced.
pub fn genvm_bill(genvm_wasm: &[u8]) -> Result<Phases, TaskError> {
    let executor = Rc::new(GenvmExecutor::load(genvm_wasm)?);
    let mut chain = MockChain::on(executor.clone());
    bill_state(&mut chain)?;
    executor.set_tracing(true);
    chain.call(DAPP).consume_credit("weather", ALICE)?;
    let total = executor.last_fuel();
    Ok(Phases {
        case: "GenVM flavor: same-day consume_credit by a delegate",
        total,
        stretches: stretches(&executor.last_trace(), total),
    })
}

/// The worst-case usage report (64 subscriptions x 16 delegates) on the billing ABI, traced.
pub fn billing_worst_report(wasm: &[u8]) -> Result<Phases, TaskError> {
    let (mut chain, executor) = metered_chain(wasm)?;
    chain.set_executor(Rc::new(billing_chain::Native));
    crate::costs::worst_case_state(&mut chain)?;
    chain.set_executor(executor.clone());
    executor.set_tracing(true);
    chain.call(DAPP).get_usage_report(ALICE)?;
    let total = executor.last_fuel();
    Ok(Phases {
        case: "billing ABI: worst-case get_usage_report, 64 subscriptions x 16 delegates",
        total,
        stretches: stretches(&executor.last_trace(), total),
    })
}

/// Both tables: each stretch, then the sums by phase.
pub fn text(all: &[Phases]) -> String {
    let mut out = String::new();
    for phases in all {
        out.push_str(&format!("{} ({} fuel)\n", phases.case, phases.total));
        let mut rows = vec![["until host call", "phase", "fuel"].map(String::from).to_vec()];
        for s in &phases.stretches {
            rows.push(vec![s.until.clone(), s.phase.name().into(), s.fuel.to_string()]);
        }
        out.push_str(&billing_sandbox::render::table(&rows));
        let mut rows = vec![["phase", "fuel", "share"].map(String::from).to_vec()];
        for (phase, fuel) in phases.by_phase() {
            let percent = (fuel * 100 + phases.total / 2) / phases.total.max(1);
            rows.push(vec![phase.name().into(), fuel.to_string(), format!("{percent} %")]);
        }
        out.push('\n');
        out.push_str(&billing_sandbox::render::table(&rows));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(import: &'static str, key_prefix: Option<u8>, fuel: u64) -> FuelMark {
        FuelMark { import, key_prefix, fuel }
    }

    #[test]
    fn a_trace_cuts_into_stretches_that_add_up_to_the_total() {
        let marks = [
            mark("input_read", None, 100),
            mark("storage_read", Some(b'a'), 250),
            mark("storage_write", Some(b'c'), 400),
            mark("emit_event", None, 450),
            mark("return_output", None, 470),
        ];
        let cut = stretches(&marks, 500);
        let phases: Vec<Phase> = cut.iter().map(|s| s.phase).collect();
        assert_eq!(
            phases,
            [Phase::Start, Phase::Decode, Phase::Storage, Phase::Events, Phase::Encode, Phase::Encode]
        );
        assert_eq!(cut.iter().map(|s| s.fuel).sum::<u64>(), 500);
        assert_eq!(cut[1].until, "storage_read a (API)");
        assert_eq!(cut[1].fuel, 150);
    }
}
