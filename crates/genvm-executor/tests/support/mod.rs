//! What every test of this crate starts with: the executor (or the one-line skip), and the
//! contract's GenVM zip.
#![allow(dead_code)]

pub mod probes;

use std::path::PathBuf;

/// The executor to run on, or `None` after printing the one skip line. Under
/// `BILLING_REQUIRE_ALL=1` (CI) a missing executor fails the test instead.
pub fn executor() -> Option<PathBuf> {
    match genvm_executor::find_executor() {
        Ok(path) => Some(path),
        Err(not_found) => {
            if std::env::var("BILLING_REQUIRE_ALL").is_ok_and(|v| v == "1") {
                panic!("BILLING_REQUIRE_ALL=1 and {not_found}");
            }
            println!("skipped: GenVM executor not found (set BILLING_GENVM)");
            None
        }
    }
}

/// The contract as deployed on GenVM: the `.zip` of this checkout's GenVM flavor.
pub fn contract_zip() -> Vec<u8> {
    billing_artifact::genvm_zip().unwrap_or_else(|e| panic!("the GenVM artifact: {e}"))
}

/// As [`executor`], printing the skip line once per test binary (the scenario suite asks per chain).
pub fn executor_once() -> Option<PathBuf> {
    static FOUND: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    FOUND.get_or_init(executor).clone()
}
