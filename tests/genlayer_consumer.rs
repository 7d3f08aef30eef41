//! examples/genlayer/consumer.py, the GenLayer consumer contract, is linted with GenLayer's own
//! linter (`genvm-lint lint`, PyPI `genvm-linter`, the checks that need no SDK download): it must pass
//! with no warning, and a copy that queues its bill inside the non-deterministic block must not (so the
//! check can fail). Without the linter at the pinned version it prints one `skipped:` line, and fails
//! under BILLING_REQUIRE_ALL=1 (`.ci/run` installs it).

use std::path::Path;
use std::process::Command;

/// The version `.ci/run` installs.
const LINTER_VERSION: &str = "0.11.0";

/// `genvm-lint lint --json FILE`: exit success, and the JSON it printed.
fn lint(file: &Path) -> (bool, serde_json::Value) {
    let out =
        Command::new("genvm-lint").args(["lint", "--json"]).arg(file).output().expect("genvm-lint runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let json =
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("genvm-lint printed {text:?}: {e}"));
    (out.status.success(), json)
}

fn linter_present() -> bool {
    let version = Command::new("genvm-lint").arg("--version").output();
    let found = version
        .as_ref()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned());
    match found {
        Some(text) if text.contains(LINTER_VERSION) => true,
        other => {
            let why = match other {
                Some(text) => format!("genvm-lint is {}, not {LINTER_VERSION}", text.trim()),
                None => format!("genvm-lint not found (pip install genvm-linter=={LINTER_VERSION})"),
            };
            if std::env::var("BILLING_REQUIRE_ALL").is_ok_and(|v| v == "1") {
                panic!("BILLING_REQUIRE_ALL=1 but {why}");
            }
            println!("skipped: {why}");
            false
        }
    }
}

#[test]
fn the_genlayer_consumer_contract_passes_genvm_lint() {
    if !linter_present() {
        return;
    }
    let contract = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/genlayer/consumer.py");
    let (passed, report) = lint(&contract);
    assert!(passed && report["ok"] == true, "genvm-lint refused consumer.py: {report}");
    let warnings = report["warnings"].as_array().map_or(0, Vec::len);
    assert_eq!(warnings, 0, "genvm-lint warned about consumer.py: {report}");

    // The same contract queuing its bill from inside the nondet block: the linter must refuse it.
    let source = std::fs::read_to_string(&contract).expect("consumer.py");
    let fetch_line = "            return (response.body or b\"\").decode(\"utf-8\")";
    assert!(source.contains(fetch_line), "consumer.py changed: update this test's broken copy");
    let broken = source.replace(
        fetch_line,
        &format!(
            "            gl.get_contract_at(self.billing).emit(on=\"accepted\").consume_credits(self.api_name, user, 1, 1)\n{fetch_line}"
        ),
    );
    let file = std::env::temp_dir().join(format!("billing-broken-consumer-{}.py", std::process::id()));
    std::fs::write(&file, broken).expect("a temporary file");
    let (passed, report) = lint(&file);
    let _ = std::fs::remove_file(&file);
    let codes: Vec<&str> =
        report["warnings"].as_array().into_iter().flatten().filter_map(|w| w["code"].as_str()).collect();
    assert!(!passed && report["ok"] == false, "genvm-lint passed a broken contract: {report}");
    assert!(codes.contains(&"E023"), "the emit inside the nondet block is E023: {report}");
}
