//! The project's own tasks behind `cargo xtask …` and its aliases (`cargo build-wasm`, `cargo schema`,
//! `cargo costs`, `cargo bench-costs`, `cargo budget`): measuring and publishing, never run by a build.

pub mod bench;
pub mod budget;
pub mod costs;
pub mod error;
pub mod phases;
pub mod report;
pub mod schema;
