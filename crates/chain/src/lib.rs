//! The chain: its `no_std` core (one call as one transaction, the in-memory [`MockChain`] and its
//! typed client) and, with the `store` feature, the sandbox's chain on redb: several contracts,
//! nested calls and fetches, on disk or in memory.
#![cfg_attr(not(feature = "store"), no_std)]

pub use billing_chain_core::*;

#[cfg(feature = "store")]
mod calls;
#[cfg(feature = "store")]
mod contracts;
#[cfg(feature = "store")]
mod error;
#[cfg(feature = "store")]
pub mod fetch;
#[cfg(feature = "store")]
mod group;
#[cfg(feature = "store")]
mod guard;
#[cfg(feature = "store")]
mod lock;
#[cfg(feature = "store")]
pub mod node;
#[cfg(feature = "store")]
mod real;
#[cfg(feature = "store")]
mod store;
#[cfg(feature = "store")]
mod tables;
#[cfg(feature = "store")]
mod tx;

#[cfg(feature = "store")]
pub use contracts::{contract_address, wasm_in, CodeError};
#[cfg(feature = "store")]
pub use error::{ChainError, WhyUnreadable};
#[cfg(feature = "store")]
pub use fetch::{Fetch, FetchPolicy};
#[cfg(feature = "store")]
pub use group::CallGroup;
#[cfg(feature = "store")]
pub use store::*;
#[cfg(feature = "store")]
pub(crate) use store::{Engine, Hooks, When};
#[cfg(feature = "store")]
pub use tx::{StoreTx, TxMark};
