//! What can go wrong with a state file, as the sandbox's user reads it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("{}: the state is in use by another billing-sandbox; wait for it or pass another --state", .0.display())]
    InUse(PathBuf),
    #[error("{}: not a readable sandbox state (corrupt, truncated or from another program): {why}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        why: WhyUnreadable,
    },
    #[error("{}: this state was made with --abi {abi}; the two interfaces keep records differently", path.display())]
    OtherAbi { path: PathBuf, abi: String },
    #[error("{}: a state file of another version or program; start a new one with --fresh", .0.display())]
    OtherVersion(PathBuf),
    #[error("{}: a redb file of another program, not a sandbox state", .0.display())]
    Foreign(PathBuf),
    /// The contract's own refusal message: its words, not an error of ours to keep typed.
    #[error("deploying the contract failed: {0}")]
    Deploy(String),
    #[error(transparent)]
    Load(#[from] billing_vm::LoadError),
    #[error("contract code: {0}")]
    Code(#[from] crate::CodeError),
    #[error("the GenVM executor: {0}")]
    Executor(#[source] genvm_executor::DriverError),
    #[error("the real GenVM executor runs the GenVM flavor only: pass --abi genvm")]
    ExecutorNeedsGenvm,
    #[error("corrupt state: {0}")]
    Corrupt(&'static str),
    #[error("corrupt state: {0} record")]
    BadRecord(&'static str),
    #[error("corrupt state: a table no state has: {0}")]
    NotATable(String),
    #[error("the state is damaged: the {table} record {key} fails its checksum (restore a copy, or start anew with --fresh)")]
    Damaged { table: String, key: String },
    #[error("a view tried to write")]
    ReadOnly,
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    StoreAt { path: PathBuf, source: Box<redb::Error> },
    #[error("a call of this group broke the state store: none of the group's calls is committed")]
    GroupBroken,
    #[error("state store: the state is closed")]
    Closed,
    #[error("state store: {0}")]
    Store(#[source] Box<redb::Error>),
}

/// Why a file is not a state this program can read. The store's errors are boxed here and in
/// [`ChainError`]: a `redb::Error` is large, and every `Result` of the chain carries its size.
#[derive(Debug, thiserror::Error)]
pub enum WhyUnreadable {
    #[error(transparent)]
    Store(Box<redb::Error>),
    /// The store library panicked on the file: its panic message.
    #[error("{0}")]
    Panicked(String),
    #[error("a table named {0:?}, which no sandbox state has")]
    UnknownTable(String),
}

impl ChainError {
    /// Any of the store library's errors (each converts into its one `redb::Error`).
    pub(crate) fn store(e: impl Into<redb::Error>) -> ChainError {
        ChainError::Store(Box::new(e.into()))
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> ChainError {
        ChainError::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn store_at(path: &Path, e: impl Into<redb::Error>) -> ChainError {
        ChainError::StoreAt { path: path.to_path_buf(), source: Box::new(e.into()) }
    }

    pub(crate) fn unreadable(path: &Path, why: WhyUnreadable) -> ChainError {
        ChainError::Unreadable { path: path.to_path_buf(), why }
    }
}
