//! Builds the contract artifact: the release `.wasm` for `wasm32v1-none`, `wasm-opt -Oz`, and only
//! the documented exports left. Shared by the build script (for tests) and `billing-sandbox build`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// The artifact's file name.
pub const WASM_NAME: &str = "api_usage_billing.wasm";
/// The GenVM flavor's file name, and its deployment archive's.
pub const GENVM_WASM_NAME: &str = "api_usage_billing_genvm.wasm";
pub const GENVM_ZIP_NAME: &str = "api_usage_billing_genvm.zip";
/// The contract version GenVM runs the archive at (events need v0.1.6 or later; GENVM.md).
pub const GENVM_VERSION: &str = "v0.1.6";

/// Which host interface the artifact is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// One export per entrypoint over the `billing` imports (docs/ABI.md).
    Billing,
    /// `_start` over GenLayer's `genlayer_sdk` and WASI (docs/ABI.md, "GenVM flavor").
    Genvm,
}

/// A built artifact and the figures a user checks it by.
#[derive(Clone, Debug)]
pub struct Artifact {
    pub path: PathBuf,
    pub size: usize,
    pub sha256: String,
    /// False when `wasm-opt` was not installed and the plain release build was kept.
    pub optimized: bool,
}

/// Builds the artifact of the contract crate at `workspace` into `out_dir`. Without `wasm-opt` on
/// the PATH it keeps the plain build, unless `require_optimizer`.
pub fn build(workspace: &Path, out_dir: &Path, require_optimizer: bool) -> Result<Artifact, String> {
    build_flavor(workspace, out_dir, require_optimizer, Flavor::Billing)
}

/// Builds one flavor; the GenVM flavor also gets its deployment archive (`Artifact::path` is the
/// `.wasm`; the archive sits beside it).
pub fn build_flavor(
    workspace: &Path,
    out_dir: &Path,
    require_optimizer: bool,
    flavor: Flavor,
) -> Result<Artifact, String> {
    ensure_wasm_target(workspace)?;
    let (target_dir, name) = match flavor {
        Flavor::Billing => (workspace.join("target").join("contract-wasm"), WASM_NAME),
        Flavor::Genvm => (workspace.join("target").join("contract-genvm"), GENVM_WASM_NAME),
    };
    let mut command = pinned(workspace, "cargo");
    command
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32v1-none",
            "-p",
            "api-usage-billing",
            "--lib",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    if flavor == Flavor::Genvm {
        command.args(["--features", "genvm"]);
    }
    // A build script's environment would steer the inner build (clippy's wrapper, outer flags).
    for var in [
        "RUSTC",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
    ] {
        command.env_remove(var);
    }
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the contract's wasm32v1-none build failed (is the target installed? \
                    `rustup toolchain install` in the checkout adds it)"
            .into());
    }
    let raw = target_dir.join("wasm32v1-none").join("release").join(WASM_NAME);
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let optimized_path = out_dir.join(format!("optimized-{name}"));
    let optimized = match Command::new("wasm-opt")
        .arg(&raw)
        .args([
            "-Oz",
            "--mvp-features",
            "--enable-mutable-globals",
            "--strip-debug",
            "--strip-producers",
            "-o",
        ])
        .arg(&optimized_path)
        .status()
    {
        Ok(status) if status.success() => true,
        Ok(status) => return Err(format!("wasm-opt failed: {status}")),
        Err(_) if require_optimizer => {
            return Err("wasm-opt not found: install binaryen (apt-get install binaryen)".into())
        }
        Err(_) => false,
    };
    let source = if optimized { &optimized_path } else { &raw };
    let bytes = std::fs::read(source).map_err(|e| format!("{}: {e}", source.display()))?;
    let bytes = drop_linker_exports(&bytes)?;
    let path = out_dir.join(name);
    std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let _ = std::fs::remove_file(&optimized_path);
    if flavor == Flavor::Genvm {
        let archive = genvm_archive(&bytes);
        let zip = out_dir.join(GENVM_ZIP_NAME);
        std::fs::write(&zip, archive).map_err(|e| format!("{}: {e}", zip.display()))?;
    }
    Ok(Artifact { path, size: bytes.len(), sha256: sha256_hex(&bytes), optimized })
}

/// The deployment archive GenVM takes: `runner.json` naming `contract.wasm`, the `version` file,
/// and the wasm itself.
pub fn genvm_archive(wasm: &[u8]) -> Vec<u8> {
    stored_zip(&[
        ("runner.json", br#"{"StartWasm":"contract.wasm"}"#.as_slice()),
        ("version", GENVM_VERSION.as_bytes()),
        ("contract.wasm", wasm),
    ])
}

/// A zip archive of `files`, stored (not compressed), with fixed timestamps so it is reproducible.
pub fn stored_zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    const DOS_TIME: u16 = 0;
    const DOS_DATE: u16 = (1 << 5) | 1; // 1980-01-01
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32fast::hash(data);
        let mut common = Vec::new();
        common.extend_from_slice(&20u16.to_le_bytes()); // version needed
        common.extend_from_slice(&0u16.to_le_bytes()); // flags
        common.extend_from_slice(&0u16.to_le_bytes()); // stored
        common.extend_from_slice(&DOS_TIME.to_le_bytes());
        common.extend_from_slice(&DOS_DATE.to_le_bytes());
        common.extend_from_slice(&crc.to_le_bytes());
        common.extend_from_slice(&(data.len() as u32).to_le_bytes());
        common.extend_from_slice(&(data.len() as u32).to_le_bytes());
        common.extend_from_slice(&(name.len() as u16).to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes()); // extra length
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        central.extend_from_slice(&common);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment length
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

/// A machine whose pinned toolchain came without the wasm target gets it, as `rustup toolchain
/// install` in the checkout would add it (rust-toolchain.toml lists it).
fn ensure_wasm_target(workspace: &Path) -> Result<(), String> {
    let sysroot = pinned(workspace, "rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib/wasm32v1-none").exists() {
        return Ok(());
    }
    eprintln!("the wasm32v1-none target is missing: rustup target add wasm32v1-none");
    let added =
        Command::new("rustup").current_dir(workspace).args(["target", "add", "wasm32v1-none"]).status();
    match added {
        Ok(status) if status.success() => Ok(()),
        _ => Err("the wasm32v1-none target is missing and rustup could not add it: run `rustup toolchain install` \
                  in the checkout"
            .into()),
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

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// Rewrites the export section without the linker's own symbols (`__heap_base`, `__data_end`): no
/// host should see them, and docs/ABI.md lists every export that is left.
pub fn drop_linker_exports(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let bad = || "malformed wasm module".to_string();
    let header = wasm.get(..8).ok_or_else(bad)?;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let id = *wasm.get(at).ok_or_else(bad)?;
        let (size, body_start) = read_u32(wasm, at + 1).ok_or_else(bad)?;
        let body_end = body_start.checked_add(size as usize).ok_or_else(bad)?;
        let body = wasm.get(body_start..body_end).ok_or_else(bad)?;
        if id == 7 {
            let (count, mut p) = read_u32(body, 0).ok_or_else(bad)?;
            let mut kept = Vec::new();
            let mut kept_count = 0u32;
            for _ in 0..count {
                let start = p;
                let (name_len, name_at) = read_u32(body, p).ok_or_else(bad)?;
                let name_end = name_at + name_len as usize;
                let name =
                    std::str::from_utf8(body.get(name_at..name_end).ok_or_else(bad)?).map_err(|_| bad())?;
                let (_, index_end) = read_u32(body, name_end + 1).ok_or_else(bad)?;
                p = index_end;
                if !name.starts_with("__") {
                    kept.extend_from_slice(&body[start..p]);
                    kept_count += 1;
                }
            }
            let mut section = Vec::new();
            write_u32(&mut section, kept_count);
            section.extend_from_slice(&kept);
            out.push(7);
            write_u32(&mut out, section.len() as u32);
            out.extend_from_slice(&section);
        } else {
            out.extend_from_slice(&wasm[at..body_end]);
        }
        at = body_end;
    }
    Ok(out)
}

fn read_u32(bytes: &[u8], mut at: usize) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
