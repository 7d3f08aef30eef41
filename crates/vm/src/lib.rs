//! The contract's `.wasm` on wasmi: [`billing`] hosts the billing ABI (docs/ABI.md), [`genvm`] GenVM's
//! interface, and [`executor`] plugs both into the mock chain, so scenarios, property tests and tools
//! run the real artifacts, each call checked against the native build where asked.

pub mod billing;
pub mod calls;
pub mod executor;
pub mod genvm;
pub mod time;
pub mod trace;

/// Why a module could not be loaded: wasmi's own error kept (shared, as a loaded fixture's result
/// is cloned).
#[derive(Clone, Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid contract module: {0}")]
    InvalidModule(#[source] std::sync::Arc<wasmi::Error>),
    #[error("host setup: {0}")]
    HostSetup(#[source] std::sync::Arc<wasmi::Error>),
}
