//! billing-sandbox: runs the api-usage-billing `.wasm` on this machine.
//!
//! [`vm`] hosts the contract's ABI on wasmi; [`executor`] plugs it into the mock chain, so scenarios,
//! property tests and the CLI run the real artifact; [`artifact`] builds it.

pub mod artifact;
pub mod bench;
pub mod budget;
pub mod costs;
pub mod demo;
pub mod executor;
pub mod genvm;
pub mod json;
pub mod render;
pub mod schema;
pub mod store;
pub mod vm;

/// The artifact the build script made for this build of the sandbox.
pub const BUILT_WASM: &str = env!("BILLING_WASM");
/// Whether that artifact went through `wasm-opt`.
pub const BUILT_WASM_OPTIMIZED: &str = env!("BILLING_WASM_OPTIMIZED");

/// The GenVM flavor of the artifact built with this sandbox (its `.zip` sits beside it).
pub const BUILT_GENVM_WASM: &str = env!("BILLING_GENVM_WASM");

/// The bytes of [`BUILT_GENVM_WASM`].
pub fn built_genvm_wasm() -> Vec<u8> {
    std::fs::read(BUILT_GENVM_WASM).unwrap_or_else(|e| panic!("{BUILT_GENVM_WASM}: {e}"))
}

/// The bytes of [`BUILT_WASM`].
pub fn built_wasm() -> Vec<u8> {
    std::fs::read(BUILT_WASM).unwrap_or_else(|e| panic!("{BUILT_WASM}: {e}"))
}
