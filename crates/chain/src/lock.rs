//! One process at a time on a state: an exclusive lock on `<state>.lock`, taken before the state is
//! opened or replaced (`--fresh`), released when the process lets the chain go or dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::ChainError;

/// Held, not read: dropping the file releases the lock.
pub(crate) struct StateLock {
    _file: Option<File>,
}

impl StateLock {
    pub(crate) fn take(state: &Path) -> Result<StateLock, ChainError> {
        let mut path = state.as_os_str().to_owned();
        path.push(".lock");
        let path = PathBuf::from(path);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| ChainError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(StateLock { _file: Some(file) }),
            Err(TryLockError::WouldBlock) => Err(ChainError::InUse(state.to_path_buf())),
            Err(TryLockError::Error(e)) => Err(ChainError::io(&path, e)),
        }
    }

    /// No lock: a state being built under a private name, which nobody else opens.
    pub(crate) fn unlocked() -> StateLock {
        StateLock { _file: None }
    }
}
