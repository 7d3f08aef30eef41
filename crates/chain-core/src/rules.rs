//! What a chain does around a call, written once for every chain: the refusals before it runs, what
//! a fault makes of its outcome, and the commit step of a call that succeeded.

use alloc::string::ToString;

use super::{Fault, Outcome, Refusal, Transfer, CONTRACT_SENDER};
use crate::{Address, Event};

/// A chain's refusal of a transaction before anything runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TurnedAway {
    /// The sender is a contract's address: its deposits would cost it nothing, minting credit.
    #[error("{} is a contract's address: a transaction is sent by an account, never by a contract", .sender.to_hex())]
    ContractSender { sender: Address },
    /// The sender does not hold the value it attached.
    #[error("{} holds {balance} wei, less than the {value} wei attached", .sender.to_hex())]
    InsufficientFunds { sender: Address, balance: u128, value: u128 },
}

impl TurnedAway {
    /// The refusal's stable code.
    pub fn code(&self) -> &'static str {
        match self {
            TurnedAway::ContractSender { .. } => CONTRACT_SENDER,
            TurnedAway::InsufficientFunds { .. } => "insufficient_funds",
        }
    }

    /// The refusal as a client sees it.
    pub fn refusal(&self) -> Refusal {
        Refusal::host(self.code(), &self.to_string())
    }
}

/// Refuses a transaction sent from a contract's address.
pub fn admit_sender(sender: Address, is_contract: bool) -> Result<(), TurnedAway> {
    if is_contract {
        return Err(TurnedAway::ContractSender { sender });
    }
    Ok(())
}

/// Refuses a transaction whose sender cannot pay the value attached.
pub fn admit_value(sender: Address, balance: u128, value: u128) -> Result<(), TurnedAway> {
    if balance < value {
        return Err(TurnedAway::InsufficientFunds { sender, balance, value });
    }
    Ok(())
}

/// Where a chain keeps its balances.
pub trait Ledger {
    type Error;
    /// Moves `amount` from `from` to `to` (the chain checked that `from` holds it).
    fn move_value(&mut self, from: &Address, to: &Address, amount: u128) -> Result<(), Self::Error>;
}

/// Where a chain keeps what a successful call leaves beside its storage: its balances, its event log
/// and its count of calls.
pub trait Books: Ledger {
    /// Appends `events` to the chain's log, in order.
    fn log_events(&mut self, events: &[Event]) -> Result<(), Self::Error>;
    /// Counts one more call done.
    fn count_call(&mut self) -> Result<(), Self::Error>;
}

/// The commit step of every chain, for a call of `contract` by `sender` that succeeded (its storage
/// writes the chain's store keeps): the attached value moves in, the call's transfers go out in
/// order, its events join the log, and it counts as a call. A refused call reaches none of this.
pub fn commit<B: Books>(
    books: &mut B,
    sender: &Address,
    contract: &Address,
    value: u128,
    transfers: &[Transfer],
    events: &[Event],
) -> Result<(), B::Error> {
    settle(books, sender, contract, value, transfers)?;
    books.log_events(events)?;
    books.count_call()
}

/// What a call answers once it ran: a fault fails it as the chain's refusal (`host_fault`), whatever
/// the contract answered.
pub fn with_fault(answered: Outcome, fault: Option<Fault>) -> Outcome {
    match fault {
        Some(fault) => Err(Refusal::host("host_fault", &fault.to_string())),
        None => answered,
    }
}

/// A call that succeeded moves its value: the attached value from `sender` to `contract`, then
/// each of its transfers out of `contract`.
pub fn settle<L: Ledger>(
    ledger: &mut L,
    sender: &Address,
    contract: &Address,
    value: u128,
    transfers: &[Transfer],
) -> Result<(), L::Error> {
    ledger.move_value(sender, contract, value)?;
    pay_out(ledger, contract, transfers)
}

/// The transfers a call of `contract` made, in order (a nested call's leave when it returns).
pub fn pay_out<L: Ledger>(
    ledger: &mut L,
    contract: &Address,
    transfers: &[Transfer],
) -> Result<(), L::Error> {
    for transfer in transfers {
        ledger.move_value(contract, &transfer.to, transfer.amount)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use core::convert::Infallible;

    use crate::Value;

    /// A ledger that only lists the moves asked of it (and books that list what they log).
    #[derive(Default)]
    struct Moves(Vec<(Address, Address, u128)>, Vec<Event>, u32);

    impl Books for Moves {
        fn log_events(&mut self, events: &[Event]) -> Result<(), Infallible> {
            self.1.extend_from_slice(events);
            Ok(())
        }

        fn count_call(&mut self) -> Result<(), Infallible> {
            self.2 += 1;
            Ok(())
        }
    }

    impl Ledger for Moves {
        type Error = Infallible;

        fn move_value(&mut self, from: &Address, to: &Address, amount: u128) -> Result<(), Infallible> {
            self.0.push((*from, *to, amount));
            Ok(())
        }
    }

    #[test]
    fn a_settled_call_moves_its_value_in_then_its_transfers_out_in_order() {
        let (sender, contract, a, b) =
            (Address([1; 20]), Address([2; 20]), Address([3; 20]), Address([4; 20]));
        let transfers = [Transfer { to: a, amount: 7 }, Transfer { to: b, amount: 0 }];
        let mut moves = Moves::default();
        let Ok(()) = settle(&mut moves, &sender, &contract, 10, &transfers);
        assert_eq!(moves.0, [(sender, contract, 10), (contract, a, 7), (contract, b, 0)]);
        let mut nested = Moves::default();
        let Ok(()) = pay_out(&mut nested, &contract, &transfers[..1]);
        assert_eq!(nested.0, [(contract, a, 7)], "a nested call's transfers only");
    }

    #[test]
    fn a_commit_moves_value_then_logs_the_events_in_order_and_counts_one_call() {
        let (sender, contract, a) = (Address([1; 20]), Address([2; 20]), Address([3; 20]));
        let events = [Event::new("First", []), Event::new("Second", [])];
        let mut books = Moves::default();
        let Ok(()) = commit(&mut books, &sender, &contract, 10, &[Transfer { to: a, amount: 4 }], &events);
        assert_eq!(books.0, [(sender, contract, 10), (contract, a, 4)]);
        assert_eq!(books.1, events);
        assert_eq!(books.2, 1);
    }

    #[test]
    fn a_fault_fails_the_call_whatever_the_contract_answered() {
        let refused = Refusal::host("insufficient_credit", "[EXPECTED] no");
        assert_eq!(with_fault(Ok(Value::Null), None), Ok(Value::Null));
        assert_eq!(with_fault(Err(refused.clone()), None), Err(refused.clone()));
        for answered in [Ok(Value::Null), Err(refused)] {
            let failed = with_fault(answered, Some(Fault::Overspent)).unwrap_err();
            assert_eq!(failed.code, "host_fault");
            assert_eq!(failed.message, "the contract sent more than it holds");
        }
    }

    #[test]
    fn a_transaction_is_turned_away_with_a_stable_code_and_its_figures() {
        let sender = Address([7; 20]);
        assert_eq!(admit_sender(sender, false), Ok(()));
        assert_eq!(admit_sender(sender, true).unwrap_err().code(), CONTRACT_SENDER);
        assert_eq!(admit_value(sender, 5, 5), Ok(()));
        let poor = admit_value(sender, 4, 5).unwrap_err().refusal();
        assert_eq!(poor.code, "insufficient_funds");
        assert!(poor.message.ends_with("holds 4 wei, less than the 5 wei attached"), "{}", poor.message);
    }
}
