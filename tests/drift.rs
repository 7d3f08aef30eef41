//! What cannot be generated from the method table is checked against it here: the export list the
//! wasm crates build with `for_each_method!`, docs/ABI.md, the README's entrypoint table, and the
//! adversarial catalog's per-method base cases.

use api_usage_billing::METHODS;

macro_rules! names {
    ($($method:ident)*) => {
        &[$(stringify!($method)),*]
    };
}

#[test]
fn for_each_method_lists_every_method_in_table_order() {
    let exported: &[&str] = api_usage_billing::for_each_method!(names);
    let declared: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
    assert_eq!(exported, declared.as_slice());
}

// The wasm crates generate items with it: it must work in item position too.
macro_rules! marker_fns {
    ($($method:ident)*) => {
        $(#[allow(dead_code, non_snake_case)] fn $method() -> &'static str { stringify!($method) })*
    };
}
api_usage_billing::for_each_method!(marker_fns);

#[test]
fn for_each_method_generates_items() {
    assert_eq!(register_api(), "register_api");
    assert_eq!(get_schema(), "get_schema");
}

/// The backticked identifiers of `text`, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

#[test]
fn the_abi_export_list_is_the_method_table() {
    let abi = include_str!("../docs/ABI.md");
    let row = abi.lines().find(|line| line.starts_with("| one per method |")).expect("the export row");
    let cell = row.split('|').nth(3).expect("the export row's list");
    let listed: Vec<&str> = backticked(cell).into_iter().filter(|name| !name.contains('/')).collect();
    let declared: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
    assert_eq!(listed, declared, "docs/ABI.md's export list drifted from METHODS");
}

/// Methods whose README row the README's owner has yet to write: allowed to be missing, checked once
/// present. Empty it when the rows are in.
const README_ROWS_PENDING: &[&str] = &[];

/// The README's entrypoint table: one row a method (or `a(…)` / `b(…)` for two alike), its kind.
#[test]
fn the_readme_entrypoint_table_is_the_method_table() {
    let readme = include_str!("../README.md");
    let table = readme.split("## Entrypoints").nth(1).expect("an Entrypoints section");
    let rows =
        table.lines().skip_while(|l| !l.starts_with("| method")).skip(2).take_while(|l| l.starts_with('|'));
    let mut documented: Vec<(String, Vec<String>, String)> = Vec::new();
    for row in rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (signatures, kind) = (cells[1], cells[2].to_string());
        for signature in backticked(signatures) {
            let (name, params) = signature.split_once('(').expect("a signature");
            let params = params.trim_end_matches(')');
            let params: Vec<String> = if params == "…" {
                documented.last().expect("a row before the …").1.clone()
            } else {
                params.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect()
            };
            documented.push((name.to_string(), params, kind.clone()));
        }
    }
    let declared: Vec<(String, Vec<String>, String)> = METHODS
        .iter()
        .map(|m| {
            let kind = match (m.readonly, m.payable) {
                (true, _) => "view",
                (false, true) => "write, payable",
                (false, false) => "write",
            };
            (m.name.to_string(), m.params.iter().map(|(p, _)| p.to_string()).collect(), kind.to_string())
        })
        .filter(|(name, _, _)| {
            !README_ROWS_PENDING.contains(&name.as_str()) || documented.iter().any(|(d, _, _)| d == name)
        })
        .collect();
    assert_eq!(documented, declared, "the README's entrypoint table drifted from METHODS");
}

/// Every method has its valid base call in the adversarial catalog (the catalog's own tests then check
/// that it is valid).
#[test]
fn the_adversarial_catalog_has_a_base_call_for_every_method() {
    let catalog = include_str!("scenarios/adversarial.rs");
    let base = catalog.split("fn base(").nth(1).expect("fn base").split("\n}\n").next().expect("its body");
    for method in METHODS {
        let arm = format!("\"{}\"", method.name);
        assert!(base.contains(&arm), "tests/scenarios/adversarial.rs: base() has no call of {}", method.name);
    }
}

/// The low-credit threshold and the day length, as the docs state them, are the constants.
#[test]
fn the_docs_state_the_threshold_and_the_day_the_code_uses() {
    use api_usage_billing::{LOW_CREDIT_PERCENT, SECONDS_PER_DAY};
    let readme = include_str!("../README.md");
    let storage = include_str!("../docs/STORAGE.md");
    assert!(readme.contains(&format!("crossing {LOW_CREDIT_PERCENT} %")), "README: the threshold");
    assert!(storage.contains(&format!("above {LOW_CREDIT_PERCENT} %")), "docs/STORAGE.md: the threshold");
    assert!(storage.contains(&format!("timestamp / {SECONDS_PER_DAY}")), "docs/STORAGE.md: the day");
}
