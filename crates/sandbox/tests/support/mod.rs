//! What the sandbox's CLI tests share: the binary run on a state with a standard input, a fresh
//! directory per test, the billing artifact in a file, and the output read back.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

/// `billing-sandbox --state STATE ARGS…` with `stdin` written to its standard input, then closed
/// (the global options `--wasm`, `--abi`, `--executor` may stand anywhere in `args`).
pub fn sandbox<S: AsRef<OsStr>>(state: &Path, args: &[S], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
        .arg("--state")
        .arg(state)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sandbox runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// An empty directory of its own: `billing-SUITE-PID-NAME` in the system's temporary directory.
pub fn temp_dir(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The billing artifact written to `dir`, so each run loads it (`--wasm`) instead of building it.
pub fn billing_wasm_in(dir: &Path) -> PathBuf {
    let path = dir.join("api_usage_billing.wasm");
    std::fs::write(&path, billing_artifact::billing_wasm().expect("the billing artifact builds")).unwrap();
    path
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output as JSON lines, one value each.
pub fn json_lines(output: &Output) -> Vec<Json> {
    stdout(output).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}
