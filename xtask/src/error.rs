//! Why a task failed: one error for every measurement and command, each variant printing the
//! message the tasks have always printed.

use std::path::PathBuf;

use billing_chain::Refusal;

/// A task's failure (`cargo xtask` prints it as one `error: …` line and exits 1).
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// A measured call the contract refused: its refusal's message.
    #[error("{}", .0.message)]
    Refused(Refusal),
    /// A call of a measurement the contract refused, named.
    #[error("{what} was refused: {message}")]
    CallRefused { what: String, message: String },
    #[error("no contract deployed")]
    NoContract,
    #[error(transparent)]
    Artifact(#[from] billing_artifact::ArtifactError),
    #[error(transparent)]
    Load(#[from] billing_vm::LoadError),
    #[error(transparent)]
    Chain(#[from] billing_chain::ChainError),
    #[error(transparent)]
    Script(#[from] billing_sandbox::script::ScriptError),
    #[error(transparent)]
    NoExecutor(#[from] genvm_executor::NotFound),
    #[error(transparent)]
    Figures(#[from] genvm_executor::figures::FiguresError),
    #[error("{}: {why}", .path.display())]
    Io { path: PathBuf, why: std::io::Error },
    #[error("weather server: {0}")]
    WeatherServer(std::io::Error),
    #[error("the weather server saw {0:?}, not one forecast request")]
    WeatherRequests(Vec<String>),
    #[error("the on-disk run committed {committed} calls, not {expected}")]
    DiskRun { committed: u64, expected: u64 },
    #[error("budgets.json: {0}")]
    Budgets(serde_json::Error),
    /// The figures over or well under their budgets, one line each.
    #[error("{}", .0.join("\n"))]
    OutOfBudget(Vec<String>),
}

impl From<Refusal> for TaskError {
    fn from(refusal: Refusal) -> TaskError {
        TaskError::Refused(refusal)
    }
}

impl TaskError {
    /// An I/O failure on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> TaskError {
        let path = path.into();
        move |why| TaskError::Io { path, why }
    }
}
