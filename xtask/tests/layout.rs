//! The workspace's shape holds: no build script (so `cargo check` builds no wasm), no serde_json
//! feature that would change the contract core under test, no circle of imports in any crate, and
//! no `Result<_, String>` nor an error variant built from another error's text (errors are typed
//! enums that keep their sources).

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

/// The `.rs` files below `dir`, build outputs and packages aside.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if !name.starts_with('.')
                && !["target", "node_modules", "corpus", "artifacts"].contains(&name.as_str())
            {
                rust_files(&path, files);
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
}

/// The lines (from 1) where a `Result<…, String>` opens in Rust `source`: an error that is only
/// text, which callers can neither match on nor wrap. Comments are passed over; a signature that
/// rustfmt breaks over several lines is read whole.
fn string_errors(source: &str) -> Vec<usize> {
    let code: Vec<&str> = source.lines().map(|line| line.split("//").next().unwrap_or_default()).collect();
    let code = code.join("\n");
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("Result<") {
        let start = from + at;
        from = start + "Result<".len();
        // `FetchResult<…>` is another type.
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let (mut depth, mut arg_start, mut args) = (0usize, from, Vec::new());
        for (i, &byte) in bytes.iter().enumerate().skip(from) {
            match byte {
                b'<' | b'(' | b'[' => depth += 1,
                // The arrow of `impl Fn() -> T` closes nothing.
                b'>' if bytes[i - 1] == b'-' => {}
                b'>' | b')' | b']' if depth == 0 => {
                    args.push(&code[arg_start..i]);
                    break;
                }
                b'>' | b')' | b']' => depth -= 1,
                b',' if depth == 0 => {
                    args.push(&code[arg_start..i]);
                    arg_start = i + 1;
                }
                b'{' | b';' if depth == 0 => break,
                _ => {}
            }
        }
        let args: Vec<&str> = args.iter().map(|arg| arg.trim()).filter(|arg| !arg.is_empty()).collect();
        let error =
            args.last().map(|e| e.trim_start_matches("std::string::").trim_start_matches("alloc::string::"));
        if args.len() == 2 && error == Some("String") {
            found.push(code[..start].matches('\n').count() + 1);
        }
    }
    found
}

/// The workspace root and every Rust source file the project has, in order.
fn every_source_file() -> (PathBuf, Vec<PathBuf>) {
    let root = workspace();
    let mut files = Vec::new();
    for dir in ["src", "tests", "examples", "crates", "xtask", "fuzz"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 50, "the walk found only {} .rs files", files.len());
    (root, files)
}

/// Host-side code says why it failed with typed errors (thiserror enums); a `String` as the error
/// type is where that went back to text.
#[test]
fn no_result_has_a_string_as_its_error() {
    let (root, files) = every_source_file();
    let mut offenders = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for line in string_errors(&source) {
            offenders.push(format!("{}:{line}", file.strip_prefix(&root).unwrap_or(file).display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "a String as a Result's error type, where a typed error (a thiserror enum) belongs:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_string_error_finder_finds_planted_ones() {
    let string = "String";
    let planted = format!(
        "fn a() -> Result<(), {string}> {{}}\n\
         fn b(f: impl FnMut() -> Result<Vec<u8>, std::string::{string}>) {{}}\n\
         fn c() -> Result<\n    BTreeMap<u8, {string}>,\n    {string},\n> {{}}\n"
    );
    assert_eq!(string_errors(&planted), vec![1, 2, 3]);
    let typed = format!(
        "fn a() -> Result<Vec<{string}>, Error> {{}}\n\
         fn b() -> io::Result<{string}> {{}}\n\
         fn c() -> FetchResult<u8, {string}> {{}}\n\
         // fn d() -> Result<(), {string}>\n\
         fn e() -> Result<(Option<{string}>, Vec<u8>), DataError> {{}}\n"
    );
    assert_eq!(string_errors(&typed), Vec::<usize>::new());
}

/// Known error variants that still keep another error only as its text, each as `path:Error::Variant`
/// (none now). Each entry must still match something, so a fixed one leaves the list.
const STRINGIFIED_KNOWN: [&str; 0] = [];

/// Rust `source` with its line comments blanked (lines kept), and per byte whether it is inside
/// a string or character literal (their quotes included), where no code is.
fn code_and_literals(source: &str) -> (String, Vec<bool>) {
    let mut code = source.as_bytes().to_vec();
    let mut literal = vec![false; code.len()];
    let mut i = 0;
    while i < code.len() {
        let char_len = match (code[i], code.get(i + 1), code.get(i + 2), code.get(i + 3)) {
            (b'\'', Some(b'\\'), _, Some(b'\'')) => Some(4),
            (b'\'', Some(_), Some(b'\''), _) => Some(3),
            _ => None,
        };
        if let Some(len) = char_len {
            literal[i..i + len].fill(true);
            i += len;
        } else if code[i] == b'"' {
            let start = i;
            i += 1;
            while i < code.len() && code[i] != b'"' {
                i += if code[i] == b'\\' { 2 } else { 1 };
            }
            let end = (i + 1).min(code.len());
            literal[start..end].fill(true);
            i = end;
        } else if code[i..].starts_with(b"//") {
            while i < code.len() && code[i] != b'\n' {
                code[i] = b' ';
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    // Only ASCII was blanked, so the text is still UTF-8.
    (String::from_utf8(code).unwrap_or_default(), literal)
}

/// From `at`, where the expression ends in `code` (`literal` its [`literal_mask`]): at an unmatched
/// closing bracket, or with `stop_at_separator` at the first `;` or `,` outside brackets.
fn expression_end(code: &[u8], literal: &[bool], at: usize, stop_at_separator: bool) -> usize {
    let mut depth = 0usize;
    for i in at..code.len() {
        if literal[i] {
            continue;
        }
        match code[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => return i,
            b')' | b']' | b'}' => depth -= 1,
            b';' | b',' if depth == 0 && stop_at_separator => return i,
            _ => {}
        }
    }
    code.len()
}

/// The `(line, Error::Variant)`s in Rust `source` where an error enum's variant is built from a
/// caught error's text: in a closure `|e| …` or a match arm `Err(e) => …`, an `…Error::Variant(…)`
/// or `…Error::Variant { … }` whose fields hold `e.to_string()` or a `format!` of `{e}`. The
/// source error is lost to the caller: the variant belongs holding it (`#[source]`/`#[from]`).
fn stringified_errors(source: &str) -> Vec<(usize, String)> {
    let (code, literal) = code_and_literals(source);
    let bytes = code.as_bytes();
    let ident = |at: usize| {
        let len = bytes[at..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
        &code[at..at + len]
    };
    // (the caught error's name, where the code that handles it starts)
    let mut heads = Vec::new();
    for (at, _) in code.match_indices('|').filter(|(at, _)| !literal[*at]) {
        let name = ident(at + 1);
        let rest = &code[at + 1 + name.len()..];
        let close = if rest.starts_with('|') {
            Some(0)
        } else if rest.starts_with(':') {
            rest.find('|')
        } else {
            None
        };
        // One parameter: the caught error (a closure of several takes other things).
        if let Some(close) = close.filter(|&c| !name.is_empty() && !rest[..c].contains(['\n', ','])) {
            heads.push((name, at + 1 + name.len() + close + 1));
        }
    }
    for (at, _) in code.match_indices("Err(").filter(|(at, _)| !literal[*at]) {
        let name = ident(at + 4);
        let rest = &code[at + 4 + name.len()..];
        if !name.is_empty() && rest.starts_with(')') && rest[1..].trim_start().starts_with("=>") {
            heads.push((name, at + 4 + name.len() + 1));
        }
    }
    let mut found = Vec::new();
    for (name, start) in heads {
        if name == "_" || name.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let end = expression_end(bytes, &literal, start, true);
        let body = &code[start..end];
        for (at, _) in body.match_indices("Error::").filter(|(at, _)| !literal[start + at]) {
            let before = &body[..at];
            let error =
                &before[before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len()..];
            let variant = ident(start + at + "Error::".len());
            if !variant.starts_with(|c: char| c.is_ascii_uppercase()) {
                continue;
            }
            let open = start + at + "Error::".len() + variant.len();
            let open = open + code[open..].len() - code[open..].trim_start().len();
            if !matches!(bytes.get(open), Some(b'(' | b'{')) {
                continue;
            }
            let fields = &code[open + 1..expression_end(bytes, &literal, open + 1, false)];
            let stringified = fields.match_indices(name).any(|(i, _)| {
                let prior = fields[..i].chars().next_back();
                let boundary = prior.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                let after = &fields[i + name.len()..];
                boundary
                    && (after.starts_with(".to_string()")
                        || prior == Some('{') && (after.starts_with('}') || after.starts_with(':')))
            });
            if stringified {
                let line = code[..start + at].matches('\n').count() + 1;
                found.push((line, format!("{error}Error::{variant}")));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn no_error_variant_keeps_another_error_as_text() {
    let (root, files) = every_source_file();
    let (mut offenders, mut known) = (Vec::new(), BTreeSet::new());
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let path = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        for (line, variant) in stringified_errors(&source) {
            let key = format!("{path}:{variant}");
            if STRINGIFIED_KNOWN.contains(&key.as_str()) {
                known.insert(key);
            } else {
                offenders.push(format!("{path}:{line}: {variant}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "an error variant built from another error's text, where it belongs holding that error \
         (#[source] or #[from]):\n{}",
        offenders.join("\n")
    );
    let fixed: Vec<&str> = STRINGIFIED_KNOWN.iter().copied().filter(|k| !known.contains(*k)).collect();
    assert!(fixed.is_empty(), "no longer found, so off STRINGIFIED_KNOWN: {fixed:?}");
}

#[test]
fn the_stringified_error_finder_finds_planted_ones() {
    let planted = "fn a() { x.map_err(|e| AError::Io(e.to_string()))?; }\n\
         fn b() { x.map_err(|e: std::io::Error| BError::At { path, why: format!(\"{}: {e}\", p) })?; }\n\
         fn c() { match x {\n    Err(err) => return Err(CError::Socket(err.to_string())),\n    Ok(v) => v,\n} }\n\
         fn d() { let bind = |e| DError::Bind { port, why: format!(\"{e:?}\") }; }\n";
    let found: Vec<(usize, String)> = stringified_errors(planted);
    let expected = [(1, "AError::Io"), (2, "BError::At"), (4, "CError::Socket"), (7, "DError::Bind")];
    assert_eq!(found, expected.map(|(line, v)| (line, v.to_string())).to_vec());
    let typed = "fn a() { x.map_err(|e| AError::Io(e))?; }\n\
         fn b() { x.map_err(|source| BError::At { path: p.clone(), source })?; }\n\
         fn c() { x.map_err(|e| RpcError::refused(e.to_string()))?; }\n\
         fn d() { x.map_err(|e| Refusal::host(\"code\", &e.to_string()))?; }\n\
         fn e() { x.ok_or_else(|| EError::Named(name.to_string()))?; }\n\
         fn f() { if let Err(e) = x { return Err(FError::Why(other.to_string())); } }\n\
         // x.map_err(|e| GError::Io(e.to_string()))\n\
         fn h() { x.map_err(|e| HError::Late { at: e.at, what: what.to_string() })?; }\n\
         fn i() { let passed = |what: &str, e: Error| IError::Refused { what: what.to_string(), e }; }\n";
    assert_eq!(stringified_errors(typed), Vec::<(usize, String)>::new());
}
