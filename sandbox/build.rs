//! Builds the contract's `.wasm` before the sandbox compiles, so `cargo test` from a clean clone runs
//! the real artifact with no manual step. Its path reaches the code as `BILLING_WASM`.

#[path = "src/artifact.rs"]
mod artifact;

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().expect("sandbox/ sits in the workspace").to_path_buf();
    for watched in ["src", "schema", "Cargo.toml", "Cargo.lock", "rust-toolchain.toml"] {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }
    println!("cargo:rerun-if-changed=src/artifact.rs");
    println!("cargo:rerun-if-env-changed=BILLING_REQUIRE_WASM_OPT");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let require = std::env::var("BILLING_REQUIRE_WASM_OPT").is_ok_and(|v| v == "1");
    match artifact::build_flavor(&workspace, &out_dir, require, artifact::Flavor::Genvm) {
        Ok(built) => println!("cargo:rustc-env=BILLING_GENVM_WASM={}", built.path.display()),
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    }
    match artifact::build(&workspace, &out_dir, require) {
        Ok(built) => {
            if !built.optimized {
                println!("cargo:warning=wasm-opt not found: testing the unoptimized artifact (apt-get install binaryen)");
            }
            println!("cargo:rustc-env=BILLING_WASM={}", built.path.display());
            println!("cargo:rustc-env=BILLING_WASM_OPTIMIZED={}", built.optimized);
            println!("cargo:rustc-env=BILLING_WASM_SHA256={}", built.sha256);
            println!("cargo:rustc-env=BILLING_WASM_SIZE={}", built.size);
        }
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    }
}
