//! What can go wrong with a state file, as the sandbox's user reads it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("{}: the state is in use by another billing-sandbox; wait for it or pass another --state", .0.display())]
    InUse(PathBuf),
    #[error("{}: not a readable sandbox state (corrupt, truncated or from another program): {why}", path.display())]
    Unreadable { path: PathBuf, why: String },
    #[error("{}: this state was made with --abi {abi}; the two interfaces keep records differently", path.display())]
    OtherAbi { path: PathBuf, abi: String },
    #[error("{}: a state file of another version or program; start a new one with --fresh", .0.display())]
    OtherVersion(PathBuf),
    #[error("{}: a redb file of another program, not a sandbox state", .0.display())]
    Foreign(PathBuf),
    #[error("deploying the contract failed: {0}")]
    Deploy(String),
    #[error(transparent)]
    Load(#[from] billing_vm::LoadError),
    #[error("contract code: {0}")]
    Code(String),
    #[error("the GenVM executor: {0}")]
    Executor(String),
    #[error("the real GenVM executor runs the GenVM flavor only: pass --abi genvm")]
    ExecutorNeedsGenvm,
    #[error("corrupt state: {0}")]
    Corrupt(String),
    #[error("the state is damaged: the {table} record {key} fails its checksum (restore a copy, or start anew with --fresh)")]
    Damaged { table: String, key: String },
    #[error("a view tried to write")]
    ReadOnly,
    #[error("{}: {why}", path.display())]
    At { path: PathBuf, why: String },
    #[error("a call of this group broke the state store: none of the group's calls is committed")]
    GroupBroken,
    #[error("state store: {0}")]
    Store(String),
}

impl ChainError {
    pub(crate) fn store(e: impl std::fmt::Display) -> ChainError {
        ChainError::Store(e.to_string())
    }

    pub(crate) fn at(path: &Path, e: impl std::fmt::Display) -> ChainError {
        ChainError::At { path: path.to_path_buf(), why: e.to_string() }
    }
}
