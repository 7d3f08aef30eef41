//! The JavaScript suites from `cargo test`: billing-js's node tests (crates/js/tests) and the dashboard
//! in headless Chromium (dashboard/test) against this crate's `billing-sandbox serve`. Each needs node,
//! wasm-bindgen-cli at the crate's version, and (the browser suite) Chromium and `npm ci` in dashboard/;
//! without them a test prints one `skipped:` line and passes, unless BILLING_REQUIRE_ALL=1.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::{Arc, Mutex, OnceLock};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace exists")
}

/// Skips (one line) or, under BILLING_REQUIRE_ALL=1, fails.
fn skip(why: &str) {
    if std::env::var("BILLING_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!("BILLING_REQUIRE_ALL=1 but {why}");
    }
    println!("skipped: {why}");
}

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// The wasm-bindgen version crates/js pins (`wasm-bindgen = { version = "=X", … }`).
fn pinned_wasm_bindgen(root: &Path) -> String {
    let manifest = std::fs::read_to_string(root.join("crates/js/Cargo.toml")).expect("crates/js/Cargo.toml");
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("wasm-bindgen = { version = \"="))
        .and_then(|rest| rest.split('"').next())
        .expect("crates/js pins wasm-bindgen exactly")
        .to_string()
}

/// Why the package cannot be built here, if it cannot.
fn missing_for_package(root: &Path) -> Option<String> {
    if output_of("node", &["--version"]).is_none() {
        return Some("node is not installed (apt-get install nodejs)".into());
    }
    let version = pinned_wasm_bindgen(root);
    if output_of("wasm-bindgen", &["--version"]).as_deref() != Some(&format!("wasm-bindgen {version}")) {
        return Some(format!(
            "wasm-bindgen-cli {version} is not installed (cargo install wasm-bindgen-cli --version {version} --locked)"
        ));
    }
    None
}

/// Why billing-js did not build (kept for every test of the binary, hence `Clone`).
#[derive(Clone, Debug, thiserror::Error)]
enum BuildError {
    #[error("crates/js/build.sh: {0}")]
    Start(Arc<std::io::Error>),
    #[error("crates/js/build.sh failed ({0})")]
    Failed(ExitStatus),
}

/// Builds billing-js once for the whole test binary; the package's directory.
fn package(root: &Path) -> Result<PathBuf, BuildError> {
    static BUILT: OnceLock<Mutex<Option<Result<PathBuf, BuildError>>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(|| Mutex::new(None)).lock().unwrap_or_else(|e| e.into_inner());
    built
        .get_or_insert_with(|| {
            let out = root.join("target/billing-js");
            let mut command = Command::new(root.join("crates/js/build.sh"));
            command.arg(&out).current_dir(root);
            // An outer build's environment would steer this one (clippy's wrapper, outer flags, the
            // outer target directory, whose lock the running `cargo test` may hold).
            for var in
                ["RUSTC", "RUSTFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "CARGO_BUILD_TARGET"]
            {
                command.env_remove(var);
            }
            command.env("CARGO_TARGET_DIR", root.join("target/billing-js-build"));
            let status = command.status().map_err(|e| BuildError::Start(Arc::new(e)))?;
            if status.success() {
                Ok(out)
            } else {
                Err(BuildError::Failed(status))
            }
        })
        .clone()
}

/// `node --test` on the `*.test.mjs` files of `dir` (not its helpers).
fn node_test(root: &Path, dir: &str, envs: &[(&str, &Path)]) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    let mut command = Command::new("node");
    command.args(["--test", "--test-concurrency=1"]).args(&files).current_dir(root);
    for (key, value) in envs {
        command.env(key, value);
    }
    let status = command.status().expect("node runs");
    assert!(status.success(), "node --test {dir} failed ({status})");
}

#[test]
fn billing_js_node_suite() {
    let root = workspace();
    if let Some(why) = missing_for_package(&root) {
        return skip(&why);
    }
    let pkg = package(&root).unwrap_or_else(|e| panic!("{e}"));
    node_test(&root, "crates/js/tests", &[("BILLING_JS_PKG", &pkg)]);
}

#[test]
fn dashboard_browser_suite() {
    let root = workspace();
    if let Some(why) = missing_for_package(&root) {
        return skip(&why);
    }
    if !chromium().exists() {
        return skip(&format!("no Chromium at {} (apt-get install chromium)", chromium().display()));
    }
    if !root.join("dashboard/node_modules/puppeteer-core").exists() {
        return skip("dashboard/node_modules is missing (cd dashboard && npm ci)");
    }
    let pkg = package(&root).unwrap_or_else(|e| panic!("{e}"));
    let status = Command::new("node")
        .arg("dashboard/build.mjs")
        .current_dir(&root)
        .env("BILLING_JS_PKG", &pkg)
        .status()
        .expect("node runs");
    assert!(status.success(), "dashboard/build.mjs failed ({status})");
    let shots = root.join("target/dashboard-screenshots");
    let sandbox = PathBuf::from(env!("CARGO_BIN_EXE_billing-sandbox"));
    node_test(
        &root,
        "dashboard/test",
        &[
            ("BILLING_JS_PKG", &pkg),
            ("BILLING_SANDBOX", &sandbox),
            ("BILLING_SCREENSHOTS", &shots),
            ("CHROMIUM", &chromium()),
        ],
    );
    println!("screenshots: {}", shots.display());
}
