// Shared by the suites: the node under test (BILLING_RPC_URL, started by crates/sandbox/tests/rpc_clients.rs
// or by hand with `billing-sandbox --abi genvm serve --port 4000 --fixed-clock`), the contract's address
// and artifacts, and small JSON-RPC helpers.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const RPC_URL = process.env.BILLING_RPC_URL ?? "http://127.0.0.1:4000/api";
export const CONTRACT = "0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const SCHEMA = JSON.parse(readFileSync(join(ROOT, "schema", "contract.json"), "utf8"));

/** The GenVM deployment archive: BILLING_GENVM_ZIP, or what `cargo build-wasm` wrote. */
export function genvmZip() {
  const path = process.env.BILLING_GENVM_ZIP ?? join(ROOT, "artifacts", "api_usage_billing_genvm.zip");
  return new Uint8Array(readFileSync(path));
}

export async function rpc(method, params = []) {
  const response = await fetch(RPC_URL, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) {
    throw new Error(`${method}: ${body.error.code} ${body.error.message}`);
  }
  return body.result;
}

/** A fresh API name per run, so suites and reruns on one state do not collide. */
export function uniqueName(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
