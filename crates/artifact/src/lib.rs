//! The contract's `.wasm` artifacts: built from the workspace with the pinned toolchain, optimized by
//! `wasm-opt`, and cached, for the tests (a fixture, never a build script), the sandbox and xtask.
//!
//! [`billing_wasm`], [`genvm_wasm`], [`genvm_zip`] and [`consumer_wasm`] (the example consumer
//! contract, examples/weather-consumer) build on first use in a process and return the
//! same bytes after that; cargo's own fingerprints make a rebuild after a source change, and a no-op
//! when nothing changed. Without `wasm-opt` the plain release build is used, unless
//! `BILLING_REQUIRE_WASM_OPT=1` (CI) makes that an error.

mod compile;
mod module;
mod zip;

use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

pub use module::drop_linker_exports;
pub use zip::{genvm_archive, stored_zip};

/// The billing-ABI artifact's file name.
pub const WASM_NAME: &str = "api_usage_billing.wasm";
/// The GenVM flavor's file name, and its deployment archive's.
pub const GENVM_WASM_NAME: &str = "api_usage_billing_genvm.wasm";
pub const GENVM_ZIP_NAME: &str = "api_usage_billing_genvm.zip";
/// The example consumer contract's file name.
pub const CONSUMER_WASM_NAME: &str = "weather_consumer.wasm";
/// The contract version GenVM runs the archive at (events need v0.1.6 or later; GENVM.md).
pub const GENVM_VERSION: &str = "v0.1.6";

/// Which artifact: the billing contract on one of its two host interfaces, or the example consumer
/// contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// One export per entrypoint over the `billing` imports (docs/ABI.md).
    Billing,
    /// `_start` over GenLayer's `genlayer_sdk` and WASI (docs/ABI.md, "GenVM flavor").
    Genvm,
    /// examples/weather-consumer: bills through the billing contract, then fetches (billing ABI).
    Consumer,
}

impl Flavor {
    /// The cdylib crate that is this flavor.
    fn package(self) -> &'static str {
        match self {
            Flavor::Billing => "billing-wasm",
            Flavor::Genvm => "billing-genvm-wasm",
            Flavor::Consumer => "weather-consumer",
        }
    }

    /// The file cargo writes for it.
    fn cargo_file(self) -> &'static str {
        match self {
            Flavor::Billing => "billing_wasm.wasm",
            Flavor::Genvm => "billing_genvm_wasm.wasm",
            Flavor::Consumer => "weather_consumer.wasm",
        }
    }

    /// The name it is published under.
    pub fn file_name(self) -> &'static str {
        match self {
            Flavor::Billing => WASM_NAME,
            Flavor::Genvm => GENVM_WASM_NAME,
            Flavor::Consumer => CONSUMER_WASM_NAME,
        }
    }
}

/// Why an artifact could not be built. Clone: [`fixture`] keeps the first build's outcome for the
/// process, so an I/O error is shared behind an `Arc`.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("the contract's wasm32v1-none build of {0} failed (is the target installed? `rustup toolchain install` in the checkout adds it)")]
    BuildFailed(&'static str),
    #[error("the wasm32v1-none target is missing and rustup could not add it: run `rustup toolchain install` in the checkout")]
    MissingTarget,
    #[error("cannot run {tool}: {source}")]
    Tool { tool: &'static str, source: Arc<std::io::Error> },
    #[error("{0} failed: {1}")]
    ToolFailed(&'static str, ExitStatus),
    #[error("wasm-opt not found: install binaryen (apt-get install binaryen)")]
    NoOptimizer,
    #[error("the built module is malformed")]
    MalformedModule,
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: Arc<std::io::Error> },
}

impl ArtifactError {
    fn io(path: &Path, error: std::io::Error) -> ArtifactError {
        ArtifactError::Io { path: path.to_path_buf(), source: Arc::new(error) }
    }

    fn tool(tool: &'static str, error: std::io::Error) -> ArtifactError {
        ArtifactError::Tool { tool, source: Arc::new(error) }
    }
}

/// A built artifact and the figures a user checks it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub flavor: Flavor,
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// False when `wasm-opt` was not installed and the plain release build was kept.
    pub optimized: bool,
}

impl Artifact {
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// The GenVM deployment archive of this artifact (meaningful for [`Flavor::Genvm`]).
    pub fn zip(&self) -> Vec<u8> {
        genvm_archive(&self.bytes)
    }
}

/// The checkout this crate was compiled in: where the contract's sources are.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

/// Builds `flavor` from the sources of `workspace`. `require_optimizer`: a missing `wasm-opt` is an
/// error instead of a fallback to the plain build.
pub fn build(workspace: &Path, flavor: Flavor, require_optimizer: bool) -> Result<Artifact, ArtifactError> {
    let raw_path = compile::cargo_build(workspace, flavor)?;
    let raw = std::fs::read(&raw_path).map_err(|e| ArtifactError::io(&raw_path, e))?;
    let (bytes, optimized) = match compile::optimize(workspace, &raw)? {
        Some(optimized) => (optimized, true),
        None if require_optimizer => return Err(ArtifactError::NoOptimizer),
        None => (raw, false),
    };
    let bytes = drop_linker_exports(&bytes)?;
    Ok(Artifact { flavor, sha256: sha256_hex(&bytes), bytes, optimized })
}

/// Writes `artifact` (and for GenVM its zip) into `out_dir`; the paths written.
pub fn write(artifact: &Artifact, out_dir: &Path) -> Result<Vec<PathBuf>, ArtifactError> {
    std::fs::create_dir_all(out_dir).map_err(|e| ArtifactError::io(out_dir, e))?;
    let path = out_dir.join(artifact.flavor.file_name());
    std::fs::write(&path, &artifact.bytes).map_err(|e| ArtifactError::io(&path, e))?;
    let mut written = vec![path];
    if artifact.flavor == Flavor::Genvm {
        let zip = out_dir.join(GENVM_ZIP_NAME);
        std::fs::write(&zip, artifact.zip()).map_err(|e| ArtifactError::io(&zip, e))?;
        written.push(zip);
    }
    Ok(written)
}

/// Whether this environment demands the optimized artifact (`BILLING_REQUIRE_WASM_OPT=1`, as CI).
pub fn optimizer_required() -> bool {
    std::env::var("BILLING_REQUIRE_WASM_OPT").is_ok_and(|v| v == "1")
}

/// The artifact of `flavor` for this checkout, built once per process.
pub fn fixture(flavor: Flavor) -> Result<&'static Artifact, ArtifactError> {
    static BILLING: OnceLock<Result<Artifact, ArtifactError>> = OnceLock::new();
    static GENVM: OnceLock<Result<Artifact, ArtifactError>> = OnceLock::new();
    static CONSUMER: OnceLock<Result<Artifact, ArtifactError>> = OnceLock::new();
    let cell = match flavor {
        Flavor::Billing => &BILLING,
        Flavor::Genvm => &GENVM,
        Flavor::Consumer => &CONSUMER,
    };
    let built = cell.get_or_init(|| {
        let artifact = build(&workspace_root(), flavor, optimizer_required())?;
        if !artifact.optimized {
            eprintln!("wasm-opt not found: using the unoptimized artifact (apt-get install binaryen)");
        }
        Ok(artifact)
    });
    built.as_ref().map_err(Clone::clone)
}

/// The billing-ABI artifact's bytes.
pub fn billing_wasm() -> Result<Vec<u8>, ArtifactError> {
    fixture(Flavor::Billing).map(|a| a.bytes.clone())
}

/// The GenVM artifact's bytes (the `.wasm` inside the zip).
pub fn genvm_wasm() -> Result<Vec<u8>, ArtifactError> {
    fixture(Flavor::Genvm).map(|a| a.bytes.clone())
}

/// The GenVM deployment archive (`runner.json`, `version`, `contract.wasm`).
pub fn genvm_zip() -> Result<Vec<u8>, ArtifactError> {
    fixture(Flavor::Genvm).map(Artifact::zip)
}

/// The example consumer contract's bytes (examples/weather-consumer).
pub fn consumer_wasm() -> Result<Vec<u8>, ArtifactError> {
    fixture(Flavor::Consumer).map(|a| a.bytes.clone())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut hex, b| {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 15)]));
        hex
    })
}
