// The genlayer CLI (its own, older genlayer-js inside) against the node: `call`, `write` and `schema`
// with --rpc, each account in a temporary HOME with an encrypted keystore, the password on stdin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ethers } from "ethers";
import { createClient, createAccount, generatePrivateKey } from "genlayer-js";
import { localnet } from "genlayer-js/chains";
import { CONTRACT, RPC_URL, rpc, uniqueName } from "../lib/helpers.mjs";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "genlayer", "dist", "index.js");
const PASSWORD = "correct-horse-battery";
const homes = [];

/** A temporary HOME holding one CLI account (keystore `default`) for `key`. */
async function cliAccount(key) {
  const home = mkdtempSync(join(tmpdir(), "genlayer-home-"));
  homes.push(home);
  const wallet = new ethers.Wallet(key);
  // A light scrypt keeps the test quick; the CLI reads any standard keystore.
  const keystore = await ethers.encryptKeystoreJson(
    { address: wallet.address, privateKey: wallet.privateKey }, PASSWORD, { scrypt: { N: 1024 } },
  );
  mkdirSync(join(home, ".genlayer", "keystores"), { recursive: true });
  writeFileSync(join(home, ".genlayer", "keystores", "default.json"), keystore);
  writeFileSync(join(home, ".genlayer", "genlayer-config.json"), JSON.stringify({ activeAccount: "default", network: "localnet" }));
  return { home, address: wallet.address };
}

/** Runs the CLI; resolves with its exit code and output. */
function genlayer(account, args) {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath, [CLI, ...args, "--rpc", RPC_URL],
      { env: { ...process.env, HOME: account.home, NO_COLOR: "1" }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? error.code ?? 1 : 0, out: stdout + stderr }),
    );
    child.stdin.end(`${PASSWORD}\n`);
  });
}

const api = uniqueName("cli");
const keys = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()];
let operator, consumer, delegate;

test.before(async () => {
  [operator, consumer, delegate] = await Promise.all(keys.map(cliAccount));
});

test.after(() => homes.forEach((home) => rmSync(home, { recursive: true, force: true })));

test("genlayer call reads views", async () => {
  const example = await genlayer(operator, ["call", CONTRACT, "consumer_integration_example"]);
  assert.equal(example.code, 0, example.out);
  assert.match(example.out, /consume_credit\(api_name, end_user\)/);
  const report = await genlayer(operator, ["call", CONTRACT, "get_usage_report", "--args", consumer.address]);
  assert.equal(report.code, 0, report.out);
  assert.match(report.out, /"credit_balance_wei":"0"/);
});

test("genlayer write: register_api, approve_delegate, consume_credit by the delegate", async () => {
  let run = await genlayer(operator, ["write", CONTRACT, "register_api", "--args", api, "10", "5"]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /status_name: 'FINALIZED'/);
  assert.match(run.out, /execution_result: 'SUCCESS'/);

  // `genlayer write` attaches no value: the deposit goes through genlayer-js with the same key.
  const js = createClient({ chain: localnet, endpoint: RPC_URL, account: createAccount(keys[1]) });
  const hash = await js.writeContract({ address: CONTRACT, functionName: "subscribe", args: [api, 100, 500], value: 500n });
  await js.waitForTransactionReceipt({ hash, status: "FINALIZED", interval: 100, retries: 5 });

  run = await genlayer(consumer, ["write", CONTRACT, "approve_delegate", "--args", api, delegate.address]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /execution_result: 'SUCCESS'/);
  run = await genlayer(delegate, ["write", CONTRACT, "consume_credit", "--args", api, consumer.address]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /execution_result: 'SUCCESS'/);

  // A refused write is decided too; the CLI shows the [EXPECTED] message.
  run = await genlayer(operator, ["write", CONTRACT, "consume_credit", "--args", api, consumer.address]);
  assert.match(run.out, /\[EXPECTED\] /);
  assert.match(run.out, /\[Refused\] code=caller_not_allowed/);

  const report = await genlayer(operator, ["call", CONTRACT, "get_usage_report", "--args", consumer.address]);
  assert.match(report.out, /"calls_today":1/);
  assert.match(report.out, /"credit_balance_wei":"490"/);
  assert.equal(Number(await rpc("eth_getTransactionCount", [operator.address, "latest"])), 2);
});

test("genlayer schema shows the contract's methods", async () => {
  const run = await genlayer(operator, ["schema", CONTRACT]);
  assert.equal(run.code, 0, run.out);
  for (const method of ["consume_credit", "get_usage_report", "withdraw_credit"]) {
    assert.match(run.out, new RegExp(`${method}:`));
  }
});
