//! Compiling one flavor: the `contract`-profile `.wasm` for `wasm32v1-none` with the pinned toolchain, then
//! `wasm-opt -Oz` (cached by the input's hash), with paths of this machine kept out of the bytes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{sha256_hex, ArtifactError, Flavor};

/// The plain release build of `flavor`, as cargo leaves it.
pub fn cargo_build(workspace: &Path, flavor: Flavor) -> Result<PathBuf, ArtifactError> {
    ensure_wasm_target(workspace)?;
    let target_dir = workspace.join("target").join("contract-wasm");
    let mut command = pinned(workspace, "cargo");
    command
        .args([
            "build",
            "--quiet",
            "--profile",
            "contract",
            "--locked",
            "--target",
            "wasm32v1-none",
            "-p",
            flavor.package(),
            "--lib",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // An outer build's environment would steer this one (clippy's wrapper, outer flags, target dir).
    for var in [
        "RUSTC",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        command.env_remove(var);
    }
    command.env("CARGO_ENCODED_RUSTFLAGS", rustflags(workspace));
    let status = command.status().map_err(|e| ArtifactError::tool("cargo", e))?;
    if !status.success() {
        return Err(ArtifactError::BuildFailed(flavor.package()));
    }
    Ok(target_dir.join("wasm32v1-none").join("contract").join(flavor.cargo_file()))
}

/// The flags of every artifact build: a 64 KiB stack, and this machine's paths (the registry under
/// `CARGO_HOME`, the checkout) rewritten to fixed ones, so the bytes are the same on any machine with
/// the same toolchain, lock file and binaryen.
fn rustflags(workspace: &Path) -> OsString {
    // A smaller initial memory makes each call's fresh instance cheaper; decoding nests at most 64
    // levels, far below it, and an overflow runs below address 0 (the stack comes first) and traps.
    let mut flags: Vec<OsString> = vec!["-C".into(), "link-arg=-zstack-size=65536".into()];
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let mut remap = |from: &Path, to: &str| {
        let mut flag = OsString::from("--remap-path-prefix=");
        flag.push(from.as_os_str());
        flag.push("=");
        flag.push(to);
        flags.push(flag);
    };
    if let Some(home) = cargo_home {
        remap(&home.join("registry").join("src"), "/cargo/registry/src");
    }
    let workspace = workspace.canonicalize().unwrap_or_else(|_| workspace.to_path_buf());
    remap(&workspace, "/build");
    let mut encoded = OsString::new();
    for (i, flag) in flags.iter().enumerate() {
        if i > 0 {
            encoded.push("\u{1f}");
        }
        encoded.push(flag);
    }
    encoded
}

/// The wasm-opt passes and options every artifact gets (the output path follows them).
const WASM_OPT_FLAGS: &[&str] = &[
    // Functions that differ only in constants merged first (one body, the constants as parameters),
    // then -Oz until nothing more shrinks: about 330 bytes of each artifact.
    "--merge-similar-functions",
    "-Oz",
    "--converge",
    "--mvp-features",
    "--enable-mutable-globals",
    "--strip-debug",
    "--strip-producers",
    // Not every function with one caller: wasmi charges a function's straight-line code whenever it
    // is entered, so entrypoints merged into one dispatch function would charge each call for all
    // of them (src/dispatch.rs keeps them apart for the same reason).
    "--one-caller-inline-max-function-size=200",
];

/// `raw` through `wasm-opt -Oz`, from the cache when this exact input was optimized before with
/// these flags (they are part of the cache key, so a change of flags is never served stale output).
/// `Ok(None)`: no `wasm-opt` on this machine.
pub fn optimize(workspace: &Path, raw: &[u8]) -> Result<Option<Vec<u8>>, ArtifactError> {
    let cache = workspace.join("target").join("contract-wasm").join("wasm-opt-cache");
    std::fs::create_dir_all(&cache).map_err(|e| ArtifactError::io(&cache, e))?;
    let mut keyed = raw.to_vec();
    keyed.extend_from_slice(WASM_OPT_FLAGS.join(" ").as_bytes());
    let cached = cache.join(format!("{}.wasm", sha256_hex(&keyed)));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(Some(bytes));
    }
    // Unique names: several test processes may optimize the same input at once.
    let unique = format!("{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], "");
    let input = cache.join(format!("in-{unique}.wasm"));
    let output = cache.join(format!("out-{unique}.wasm"));
    std::fs::write(&input, raw).map_err(|e| ArtifactError::io(&input, e))?;
    let ran = Command::new("wasm-opt").arg(&input).args(WASM_OPT_FLAGS).arg("-o").arg(&output).status();
    let _ = std::fs::remove_file(&input);
    match ran {
        Ok(status) if status.success() => {}
        Ok(status) => return Err(ArtifactError::ToolFailed("wasm-opt", status)),
        Err(_) => return Ok(None),
    }
    let bytes = std::fs::read(&output).map_err(|e| ArtifactError::io(&output, e))?;
    std::fs::rename(&output, &cached).map_err(|e| ArtifactError::io(&cached, e))?;
    Ok(Some(bytes))
}

/// A machine whose pinned toolchain came without the wasm target gets it, as `rustup toolchain
/// install` in the checkout would add it (rust-toolchain.toml lists it).
fn ensure_wasm_target(workspace: &Path) -> Result<(), ArtifactError> {
    let sysroot = pinned(workspace, "rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| ArtifactError::tool("rustc", e))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib/wasm32v1-none").exists() {
        return Ok(());
    }
    eprintln!("the wasm32v1-none target is missing: rustup target add wasm32v1-none");
    let added =
        Command::new("rustup").current_dir(workspace).args(["target", "add", "wasm32v1-none"]).status();
    match added {
        Ok(status) if status.success() => Ok(()),
        _ => Err(ArtifactError::MissingTarget),
    }
}

/// A toolchain command run in the workspace with the toolchain rust-toolchain.toml pins, whatever
/// toolchain runs the outer build (`cargo +nightly fuzz` builds the same artifact as CI). Without
/// rustup, the outer build's own cargo and rustc.
fn pinned(workspace: &Path, tool: &str) -> Command {
    let has_rustup = Command::new("rustup").arg("--version").output().is_ok_and(|o| o.status.success());
    let program = match (has_rustup, tool) {
        (false, "cargo") => std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        (false, "rustc") => std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()),
        _ => tool.to_string(),
    };
    let mut command = Command::new(program);
    command.current_dir(workspace);
    if has_rustup {
        command.env_remove("RUSTUP_TOOLCHAIN");
    }
    command
}
