//! The contract's `.wasm` on wasmi: [`billing`] hosts the billing ABI (docs/ABI.md), [`genvm`] GenVM's
//! interface, and [`executor`] plugs both into the mock chain, so scenarios, property tests and tools
//! run the real artifacts, each call checked against the native build where asked.

pub mod billing;
pub mod calls;
pub mod executor;
pub mod genvm;
pub mod time;
pub mod trace;

/// Why a module could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("invalid contract module: {0}")]
    InvalidModule(String),
    #[error("host setup: {0}")]
    HostSetup(String),
}
