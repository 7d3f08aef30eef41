#!/usr/bin/env bash
# Builds the dashboard into dashboard/dist (what `billing-sandbox serve` serves at /): billing-js first
# (crates/js/build.sh, into target/billing-js unless BILLING_JS_PKG names a built one), then the
# esbuild bundle. Needs node, `npm ci` in dashboard/, and wasm-bindgen-cli (crates/js/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ ! -d "$here/node_modules" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi
if [ -z "${BILLING_JS_PKG:-}" ]; then
  export BILLING_JS_PKG="$root/target/billing-js"
  CARGO_TARGET_DIR="${BILLING_JS_TARGET_DIR:-$root/target/billing-js-build}" "$root/crates/js/build.sh" "$BILLING_JS_PKG"
fi
node "$here/build.mjs"
