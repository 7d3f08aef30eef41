//! billing-sandbox: the contract's artifact on a local chain, like a devnet. The binary (`main.rs`)
//! is the command line; [`demo`] narrates a scenario; [`input`] reads JSON exactly, [`json`], [`line`] and
//! [`render`] are what it prints; [`params`] types call arguments by the contract schema; [`script`] runs `run`'s scripts in groups
//! of calls; [`serve`]
//! is the chain as a local GenLayer node (JSON-RPC); [`weather`] is a local weather API for the
//! consumer contract's fetches.

pub mod demo;
pub mod input;
pub mod json;
pub mod line;
pub mod params;
pub mod render;
pub mod script;
pub mod serve;
pub mod weather;
