//! The workspace's shape holds: no build script (so `cargo check` builds no wasm), no serde_json
//! feature that would change the contract core under test, and no circle of imports in any crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace())
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// Cargo unifies features across a workspace build: `arbitrary_precision` or `preserve_order`
/// enabled by any crate would change the serde_json the contract core is tested with.
#[test]
fn no_crate_turns_on_serde_json_features_that_reach_the_core() {
    let metadata = metadata();
    let nodes = metadata["resolve"]["nodes"].as_array().expect("a resolve graph");
    let serde_json = nodes
        .iter()
        .find(|node| {
            node["id"].as_str().is_some_and(|id| id.contains("serde_json@") || id.contains("#serde_json@"))
        })
        .expect("serde_json is in the graph");
    let features: Vec<&str> =
        serde_json["features"].as_array().into_iter().flatten().filter_map(|f| f.as_str()).collect();
    for banned in ["arbitrary_precision", "preserve_order"] {
        assert!(!features.contains(&banned), "serde_json has {banned} in this workspace: {features:?}");
    }
}

#[test]
fn no_workspace_crate_has_a_build_script() {
    let metadata = metadata();
    for package in metadata["packages"].as_array().expect("packages") {
        let Some(manifest) = package["manifest_path"].as_str() else { continue };
        if !manifest.starts_with(workspace().canonicalize().unwrap().to_str().unwrap()) {
            continue;
        }
        for target in package["targets"].as_array().into_iter().flatten() {
            let kinds: Vec<&str> =
                target["kind"].as_array().into_iter().flatten().filter_map(|k| k.as_str()).collect();
            assert!(!kinds.contains(&"custom-build"), "{} has a build script", package["name"]);
        }
    }
}

/// The modules of one crate (`src/**.rs`) and the sibling modules each one names with `crate::x`
/// or `super::x` at its top level.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let top_module = |path: &Path| -> String {
        let relative = path.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy().to_string();
        first.trim_end_matches(".rs").to_string()
    };
    let modules: BTreeSet<String> = files.iter().map(|f| top_module(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = top_module(file);
        let text = std::fs::read_to_string(file).unwrap();
        let uses = graph.entry(from.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name != from && modules.contains(&name) && !["lib", "main"].contains(&name.as_str()) {
                uses.insert(name);
            }
        }
        // `use crate::{a, b}` lists.
        for (at, _) in text.match_indices("crate::{") {
            let rest = &text[at + "crate::{".len()..];
            let list: String = rest.chars().take_while(|c| *c != '}').collect();
            for part in list.split(',') {
                let name: String =
                    part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if name != from && modules.contains(&name) {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            return Some(path[start..].to_vec());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_a_circle_of_imports_between_its_modules() {
    let metadata = metadata();
    let root = workspace().canonicalize().unwrap();
    let mut circles = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
        if !manifest.starts_with(&root) {
            continue;
        }
        let src = manifest.parent().unwrap().join("src");
        if !src.exists() {
            continue;
        }
        if let Some(cycle) = find_cycle(&module_graph(&src)) {
            circles.push(format!("{}: {}", package["name"], cycle.join(" -> ")));
        }
    }
    assert!(circles.is_empty(), "modules import each other in a circle: {circles:?}");
}

#[test]
fn the_cycle_finder_finds_a_planted_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), ["b".to_string()].into()),
        ("b".to_string(), ["c".to_string()].into()),
        ("c".to_string(), ["a".to_string()].into()),
    ]
    .into();
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into()]));
    let acyclic: BTreeMap<String, BTreeSet<String>> =
        [("a".to_string(), ["b".to_string()].into()), ("b".to_string(), BTreeSet::new())].into();
    assert_eq!(find_cycle(&acyclic), None);
}
