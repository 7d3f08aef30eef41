#!/usr/bin/env bash
# Builds the npm-style package billing-js: the crate for wasm32v1-none (the workspace's `contract`
# profile: the smallest code, panic = abort), wasm-bindgen (web target, ES
# module), wasm-opt -Oz when binaryen is installed, then the wrapper (js/) and package.json.
# Usage: crates/js/build.sh [OUT_DIR]   (default: <cargo target dir>/billing-js; never checked in)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' "$here/Cargo.toml")
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
  echo "billing-js: needs wasm-bindgen-cli $version (found: $(wasm-bindgen --version 2>/dev/null || echo none));" \
    "install it with: cargo install wasm-bindgen-cli --version $version --locked" >&2
  exit 1
fi
target_dir=$(cargo metadata --format-version 1 --no-deps --manifest-path "$here/Cargo.toml" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
out=${1:-$target_dir/billing-js}
cargo build --profile contract --target wasm32v1-none -p billing-js --manifest-path "$here/Cargo.toml" >&2
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" --out-name billing_js "$target_dir/wasm32v1-none/contract/billing_js.wasm"
if command -v wasm-opt > /dev/null; then
  wasm-opt -Oz "$out/billing_js_bg.wasm" -o "$out/billing_js_bg.wasm"
else
  echo "billing-js: wasm-opt not found (apt-get install binaryen): the .wasm is not size-optimized" >&2
fi
cp "$here/js/index.js" "$here/js/index.d.ts" "$here/README.md" "$out/"
cat > "$out/package.json" <<JSON
{
  "name": "billing-js",
  "version": "$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/Cargo.toml" | head -1)",
  "description": "The api-usage-billing contract for JavaScript: the real contract on an in-memory chain, calldata, reports, exact wei",
  "type": "module",
  "main": "index.js",
  "types": "index.d.ts",
  "files": ["index.js", "index.d.ts", "billing_js.js", "billing_js.d.ts", "billing_js_bg.wasm", "billing_js_bg.wasm.d.ts", "README.md"],
  "sideEffects": false,
  "license": "MIT OR Apache-2.0"
}
JSON
echo "billing-js: $out ($(wc -c < "$out/billing_js_bg.wasm") bytes of wasm, wasm-bindgen $version)"
