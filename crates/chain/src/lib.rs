//! The chain: its `no_std` core (one call as one transaction, the in-memory [`MockChain`] and its
//! typed client) and, with the `store` feature, the sandbox's chain on redb: several contracts,
//! nested calls and fetches, on disk or in memory.
#![cfg_attr(not(feature = "store"), no_std)]

pub use billing_chain_core::*;

/// Items of the chain on redb: compiled with the `store` feature only.
macro_rules! with_store {
    ($($item:item)*) => { $(#[cfg(feature = "store")] $item)* };
}

with_store! {
    mod calls;
    mod contracts;
    mod error;
    pub mod fetch;
    mod group;
    mod guard;
    mod lock;
    pub mod node;
    mod real;
    mod store;
    mod tables;
    mod tx;

    pub use contracts::{contract_address, wasm_in, CodeError};
    pub use error::{ChainError, WhyUnreadable};
    pub use fetch::{Fetch, FetchPolicy};
    pub use group::CallGroup;
    pub use store::*;
    pub(crate) use store::{Engine, Hooks, When};
    pub use tx::{StoreTx, TxMark};
}
