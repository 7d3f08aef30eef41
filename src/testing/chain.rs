//! What a chain does around a call, written once for every chain: the refusals before it runs, what
//! a fault makes of its outcome, and how a call that succeeded moves value.

use alloc::string::ToString;

use super::{Fault, Outcome, Refusal, Transfer, CONTRACT_SENDER};
use crate::Address;

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
