//! A local GenLayer node over the sandbox chain: the JSON-RPC that genlayer-js and the genlayer CLI
//! speak to GenLayer Studio's localnet, served on loopback by `billing-sandbox serve`.

pub mod abi;
pub mod dashboard;
pub mod eth;
pub mod hex;
pub mod rlp;

/// genlayer-js's `localnet` chain id; the GenVM message carries the same.
pub const CHAIN_ID: u64 = 61127;
pub mod genlayer;
pub mod http;
pub mod json;
pub mod service;

pub use dashboard::Dashboard;
pub use http::{serve, serve_with, Running, ServeError, MAX_BODY};
pub use service::{dev_accounts, ClockMode, Node, NodeConfig, RpcError, CONSENSUS_ADDRESS};
