//! The real clients against `billing-sandbox serve`: the Node suite in js/rpc-tests (genlayer-js 1.2.0
//! and the genlayer CLI, pinned by its package-lock.json) on a fresh state and a free port.
//! Without node and npm it prints one line and passes, unless BILLING_REQUIRE_ALL=1.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn found(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Stops the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..").join("js").join("rpc-tests")
}

#[test]
fn genlayer_js_and_the_genlayer_cli_use_the_node_unchanged() {
    if !found("node") || !found("npm") {
        assert!(
            std::env::var("BILLING_REQUIRE_ALL").map_or(true, |v| v != "1"),
            "node and npm are required (BILLING_REQUIRE_ALL=1)"
        );
        println!("skipped: node or npm not found (the genlayer-js / genlayer CLI suite needs them)");
        return;
    }
    let js = js_dir();
    if !js.join("node_modules").join("genlayer-js").exists() {
        // --ignore-scripts: the CLI's keychain module (keytar) needs libsecret to build; the CLI
        // works without it, reading the password from stdin.
        let status = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&js)
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm ci failed in {}", js.display());
    }
    let dir = std::env::temp_dir().join(format!("billing-rpc-clients-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let zip = dir.join("api_usage_billing_genvm.zip");
    std::fs::write(&zip, billing_artifact::genvm_zip().unwrap()).unwrap();
    let state = dir.join("state.redb");

    let mut child = Command::new(env!("CARGO_BIN_EXE_billing-sandbox"))
        .args(["--abi", "genvm", "--state"])
        .arg(&state)
        .args(["serve", "--port", "0", "--fixed-clock"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("billing-sandbox starts");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("serve printed no URL: {first:?}"))
        .to_string();
    // Keep reading what the server prints, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));

    let output = Command::new("node")
        .args(["--test", "--test-concurrency=1", "test/"])
        .current_dir(&js)
        .env("BILLING_RPC_URL", &url)
        .env("BILLING_GENVM_ZIP", &zip)
        .output()
        .expect("node runs");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Node suite failed:\n{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let passed = text.lines().find(|l| l.starts_with("# pass")).unwrap_or("# pass ?");
    println!("genlayer-js and genlayer CLI suite: {passed}");
}
