//! The store library must never take the process down: a panic inside it (a damaged file can cause
//! one) becomes a clear error about the state instead.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::{ChainError, WhyUnreadable};

pub(crate) fn guarded<T>(path: &Path, work: impl FnOnce() -> Result<T, ChainError>) -> Result<T, ChainError> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the state store failed".to_string());
            Err(ChainError::unreadable(path, WhyUnreadable::Panicked(why)))
        }
    }
}
