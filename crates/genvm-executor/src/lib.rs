//! Runs the GenVM flavor of the contract on GenLayer's real GenVM executor (`genvm` v0.1.8, from
//! genlayerlabs/genvm at 80433cb), one `genvm run` process per call, with this crate as its host.
//!
//! * [`driver`] speaks the executor's host socket protocol (the one `../shared/genvm/glbatch.py`
//!   implements): it hands out the code and the call data, answers storage reads from a caller's
//!   [`SlotStore`] through a per-call copy-on-write [`Overlay`], answers balances, and collects events,
//!   value sends and the result into a typed [`Run`].
//! * [`message`] builds what the executor takes for one call (its JSON `--message`, the entry calldata)
//!   and what it hands the contract on stdin; [`expressible`] says which calls it cannot express.
//! * [`chain`] plugs the driver into the core's mock chain, alone or checked call by call against the
//!   native build.
//! * [`figures`] times same-day bills on it.
//!
//! GenVM's own license (Business Source License 1.1, `../shared/genvm/LICENSE`) covers the executor,
//! which this crate only starts; nothing of it is linked or copied here.

pub mod chain;
pub mod driver;
pub mod figures;
pub mod message;
mod overlay;

use std::path::{Path, PathBuf};

pub use driver::{CallSpec, DriverError, EmittedEvent, Ending, Genvm, Run, SendKind, ValueSend};
pub use message::{expressible, Inexpressible};
pub use overlay::{code_slot, FnStore, Overlay, SlotStore};

/// The environment variable that names the executor.
pub const EXECUTOR_ENV: &str = "BILLING_GENVM";

/// No executor where one was looked for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("GenVM executor not found (set {EXECUTOR_ENV}); looked at: {}", .tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
pub struct NotFound {
    pub tried: Vec<PathBuf>,
}

/// The workspace this crate was compiled in (its root holds `Cargo.lock`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

/// The executor: `$BILLING_GENVM` when set, else `../shared/genvm/bin/genvm` beside the workspace.
pub fn find_executor() -> Result<PathBuf, NotFound> {
    find_executor_with(None)
}

/// As [`find_executor`], with an explicit path (`--executor PATH`) taking precedence over both. An
/// explicit path or `$BILLING_GENVM` that is not an executable file is an error, never a fallback.
pub fn find_executor_with(explicit: Option<&Path>) -> Result<PathBuf, NotFound> {
    let candidate = match (explicit, std::env::var_os(EXECUTOR_ENV)) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(path)) if !path.is_empty() => PathBuf::from(path),
        _ => workspace_root().join("..").join("shared").join("genvm").join("bin").join("genvm"),
    };
    if is_executable(&candidate) {
        Ok(candidate)
    } else {
        Err(NotFound { tried: vec![candidate] })
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Whether `code` is a deployment archive (a zip) rather than a bare `.wasm`.
pub fn is_zip(code: &[u8]) -> bool {
    code.starts_with(b"PK\x03\x04")
}
