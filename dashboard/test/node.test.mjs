// The consumer and operator views in headless Chromium against `billing-sandbox serve` (BILLING_SANDBOX:
// the binary), state scripted through genlayer-js with the node's development keys; each figure on
// screen is compared with the contract's own report read over RPC in the same test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAccount, createClient } from "genlayer-js";
import { localnet } from "genlayer-js/chains";
import * as h from "./helpers.mjs";

const sandbox = process.env.BILLING_SANDBOX;
function serveMissing() {
  try {
    const help = execFileSync(sandbox, ["--help"], { encoding: "utf8" });
    return /^\s+serve\b/m.test(help) ? false : "billing-sandbox has no `serve` subcommand";
  } catch (error) {
    return `billing-sandbox --help failed: ${error.message}`;
  }
}
const skip = sandbox ? serveMissing() : "BILLING_SANDBOX (the billing-sandbox binary) is not set";
if (skip && process.env.BILLING_REQUIRE_ALL === "1") throw new Error(`BILLING_REQUIRE_ALL=1 but ${skip}`);
if (skip) console.log(`skipped: ${skip}`);
let node; // { proc, rpc, contract, keys, base }
let browser;
let billing;
let staticServer;

async function startNode() {
  const dir = mkdtempSync(path.join(tmpdir(), "billing-dashboard-"));
  const proc = spawn(sandbox, ["--state", path.join(dir, "state.redb"), "serve", "--port", "0", "--fixed-clock"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr.on("data", (d) => (err += d));
  await new Promise((resolve, reject) => {
    // The first start may build the GenVM artifact (billing-artifact caches it under target/).
    const timer = setTimeout(() => reject(new Error(`serve did not start in 10 min:\n${out}\n${err}`)), 600000);
    proc.stdout.on("data", (d) => {
      out += d;
      if ((out.match(/private key 0x[0-9a-f]{64}/g) ?? []).length >= 3 && /\n\s*$/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on("exit", (code) => reject(new Error(`serve exited ${code}:\n${out}\n${err}`)));
  });
  const rpc = /(http:\/\/127\.0\.0\.1:\d+\/api)/.exec(out)[1];
  const contract = /contract at (0x[0-9a-f]{40})/.exec(out)[1];
  const keys = [...out.matchAll(/private key (0x[0-9a-f]{64})/g)].map((m) => m[1]);
  return { proc, rpc, contract, keys, out };
}

/** The dashboard from `serve` itself at `/` when it serves it, else from a static server here. */
async function dashboardBase(rpc) {
  const origin = rpc.replace(/\/api$/, "");
  const res = await fetch(`${origin}/`).catch(() => null);
  if (res?.ok && (await res.text()).includes("API usage billing")) return { base: `${origin}/`, rpcParam: "" };
  staticServer = createServer((req, resp) => {
    const file = new URL(req.url, "http://x").pathname.replace(/^\/$/, "/index.html");
    const type = { ".js": "text/javascript", ".css": "text/css", ".html": "text/html" }[path.extname(file)];
    try {
      const body = readFileSync(path.join(h.dist, path.normalize(file)));
      resp.writeHead(200, { "content-type": type ?? "application/octet-stream" }).end(body);
    } catch {
      resp.writeHead(404).end();
    }
  });
  await new Promise((r) => staticServer.listen(0, "127.0.0.1", r));
  console.log("serve does not serve the dashboard at / yet: using a static server here");
  return { base: `http://127.0.0.1:${staticServer.address().port}/`, rpcParam: `&rpc=${encodeURIComponent(rpc)}` };
}

function client(key) {
  const chain = { ...localnet, rpcUrls: { default: { http: [node.rpc] } } };
  return createClient({ chain, endpoint: node.rpc, ...(key ? { account: createAccount(key) } : {}) });
}

async function write(key, functionName, args, value = 0n) {
  const c = client(key);
  const hash = await c.writeContract({ address: node.contract, functionName, args, value });
  return c.waitForTransactionReceipt({ hash, status: "ACCEPTED", interval: 100, retries: 100 });
}

async function read(functionName, args) {
  return client().readContract({ address: node.contract, functionName, args });
}

async function rpc(method, params) {
  const res = await fetch(node.rpc, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function blockTime() {
  return BigInt((await rpc("eth_getBlockByNumber", ["latest", false])).timestamp);
}

async function expectedConsumer(consumer) {
  const report = billing.parseUsageReport(await read("get_usage_report", [consumer]));
  const histories = [];
  for (const a of report.apis) histories.push(billing.parseUsageHistory(await read("get_usage_history", [consumer, a.api_name])));
  return h.expectedConsumerView(report, histories, await blockTime());
}

let operator, alice, dapp; // { key, address }

before(async () => {
  if (skip) return;
  billing = await h.loadBilling();
  node = await startNode();
  Object.assign(node, await dashboardBase(node.rpc));
  [operator, alice, dapp] = node.keys.slice(0, 3).map((key) => ({ key, address: createAccount(key).address.toLowerCase() }));
  // The scripted state: one API at 10 wei a call, 5 calls a day; Alice deposits 100 wei with a cap of
  // 50 a day; her consumer contract bills 5 calls on day one and 4 the next (credit 10: low).
  await write(operator.key, "register_api", ["weather", 10n, 5n]);
  await write(alice.key, "subscribe", ["weather", 50n, 100n], 100n);
  await write(alice.key, "approve_delegate", ["weather", dapp.address]);
  for (let i = 0; i < 5; i++) await write(dapp.key, "consume_credit", ["weather", alice.address]);
  await rpc("sim_increaseTime", [86400]);
  for (let i = 0; i < 4; i++) await write(dapp.key, "consume_credit", ["weather", alice.address]);
  browser = await h.launch();
});

after(async () => {
  await browser?.close();
  node?.proc.kill();
  staticServer?.close();
});

test("the consumer view shows the contract's report, and actions change chain and screen", { skip }, async () => {
  const url = `${node.base}?contract=${node.contract}&consumer=${alice.address}${node.rpcParam}#key=${alice.key}`;
  const { page, errors } = await h.open(browser, url);
  let want = await expectedConsumer(alice.address);
  assert.equal(want.low_credit, true, "the script leaves Alice's credit low");
  assert.deepEqual(await h.readConsumerView(page), want);
  assert.deepEqual(want.apis.weather.days.map(([, c]) => c), ["5", "4"], "one bar per day, newest last");
  assert.deepEqual(want.apis.weather.delegates, [dapp.address]);
  assert.equal(await page.$eval("#signer-address", (e) => e.textContent), alice.address);
  await h.screenshot(page, "consumer", { docs: true });

  // Top up 50 wei from the page: the chain has it, the warning goes (credit 60 of 150 funded).
  await h.submit(page, 'form[data-form="top_up"]', { amount: "50", amount_unit: "wei" });
  assert.match(await page.$eval("#status", (e) => e.textContent), /top_up_credit/);
  want = await expectedConsumer(alice.address);
  assert.equal(want.credit_balance_wei, "60");
  assert.equal(want.low_credit, false);
  assert.deepEqual(await h.readConsumerView(page), want);

  // Withdrawing more than the credit: refused, the contract's message on screen, nothing changed.
  await h.submit(page, 'form[data-form="withdraw_credit"]', { amount: "61", amount_unit: "wei" });
  assert.equal(await page.$eval("#status .refusal", (e) => e.dataset.code), "insufficient_credit");
  assert.match(await page.$eval('#status [data-field="message"]', (e) => e.textContent), /^\[EXPECTED\] /);
  assert.deepEqual(await h.readConsumerView(page), await expectedConsumer(alice.address));
  await h.screenshot(page, "consumer-refusal");

  // A new daily cap from the page (set_daily_cap, or subscribe without deposit where the contract lacks it).
  await h.submit(page, 'form[data-form="set_cap"]', { api: "weather", cap: "70", cap_unit: "wei" });
  want = await expectedConsumer(alice.address);
  assert.equal(want.apis.weather.consumer_max_daily_spend_wei, "70");
  assert.deepEqual(await h.readConsumerView(page), want);

  // A daily limit of its own for Alice's consumer contract, from the page: limit and use as the report has them.
  // "set limit…" beside the delegate fills the form with it; a limit that is not a number never leaves the page.
  await page.$eval(`.delegates button[data-action="limit"][data-delegate="${dapp.address}"]`, (b) => b.click());
  assert.equal(await page.$eval('form[data-form="delegate_limit"] [name="delegate"]', (e) => e.value), dapp.address);
  await page.type('form[data-form="delegate_limit"] [name="max_daily_calls"]', "three");
  await page.click('form[data-form="delegate_limit"] button');
  await page.waitForSelector('#status .refusal[data-code="bad_input"]', { timeout: 5000 });
  await h.submit(page, 'form[data-form="delegate_limit"]', { max_daily_calls: "3" });
  assert.match(await page.$eval("#status", (e) => e.textContent), /set_delegate_limit accepted/);
  want = await expectedConsumer(alice.address);
  assert.deepEqual(want.apis.weather.delegate_limits.map((l) => [l.delegate, l.max_daily_calls]), [[dapp.address, "3"]]);
  assert.deepEqual(await h.readConsumerView(page), want);
  assert.match(await page.$eval("#view .delegate-limit", (e) => e.textContent), / of 3 calls today/);

  // Alert thresholds from the page: credit 60 of 150 funded (40 %) is at or below 50 % (fired) and above
  // 10 % (armed); the highest one now decides the warning.
  await h.submit(page, 'form[data-form="credit_alerts"]', { percents: "10, 50" });
  want = await expectedConsumer(alice.address);
  assert.deepEqual(want.credit_alerts, [
    { percent: "50", armed: false, shown: "fired" },
    { percent: "10", armed: true, shown: "armed" },
  ]);
  assert.equal(want.low_credit, true);
  assert.deepEqual(await h.readConsumerView(page), want);
  await h.screenshot(page, "consumer-limits-alerts");
  // A list the contract refuses (a threshold twice): its message on screen, the thresholds unchanged.
  await h.submit(page, 'form[data-form="credit_alerts"]', { percents: "30, 30" });
  assert.equal(await page.$eval("#status .refusal", (e) => e.dataset.code), "credit_alerts_repeated");
  assert.match(await page.$eval('#status [data-field="message"]', (e) => e.textContent), /^\[EXPECTED\] /);
  assert.deepEqual(await h.readConsumerView(page), await expectedConsumer(alice.address));

  // A price raise waits for consent: shown, then accepted from the page.
  await write(operator.key, "register_api", ["weather", 12n, 5n]);
  await page.reload();
  await h.loaded(page, 0);
  want = await expectedConsumer(alice.address);
  assert.equal(want.apis.weather.price_raise, true);
  assert.deepEqual(await h.readConsumerView(page), want);
  await h.screenshot(page, "consumer-price-raise");
  await h.clickAndWait(page, 'button[data-action="accept-price"]');
  want = await expectedConsumer(alice.address);
  assert.equal(want.apis.weather.price_raise, false);
  assert.equal(want.apis.weather.accepted_price_wei, "12");
  assert.deepEqual(await h.readConsumerView(page), want);

  // The countdown runs on the node's clock: moving the node's time moves it.
  await rpc("sim_increaseTime", [3600]);
  await page.waitForFunction(
    (s) => document.querySelector('[data-field="countdown"]').dataset.seconds === s,
    { timeout: 10000 },
    String(BigInt(want.countdown) - 3600n),
  );
  assert.deepEqual(errors, []);
});

test("the consumer view on a narrow screen (chain id given in the URL)", { skip }, async () => {
  const url = `${node.base}?contract=${node.contract}&consumer=${alice.address}${node.rpcParam}&chain=61127`;
  const { page, errors } = await h.open(browser, url, { width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await h.screenshot(page, "consumer-narrow", { docs: true, full: false });
  assert.deepEqual(errors, []);
});

test("the operator view shows the API report; pause, resume and withdraw earnings", { skip }, async () => {
  const url = `${node.base}?contract=${node.contract}&api=weather${node.rpcParam}#key=${operator.key}`;
  const { page, errors } = await h.open(browser, url);
  const apiReport = async () => billing.parseApiReport(await read("get_api_report", ["weather"]));
  let report = await apiReport();
  assert.equal(report.revenue_total_wei, 90n);
  assert.equal(report.cost_per_call_wei, 12n);
  assert.deepEqual(await h.readOperatorView(page, "weather"), h.expectedOperatorView(report));

  await h.clickAndWait(page, 'form[data-form="pause"] button[value="false"]');
  report = await apiReport();
  assert.equal(report.active, false);
  assert.deepEqual(await h.readOperatorView(page, "weather"), h.expectedOperatorView(report));
  await h.screenshot(page, "operator-paused");
  await h.clickAndWait(page, 'form[data-form="pause"] button[value="true"]');

  await h.submit(page, 'form[data-form="withdraw_earnings"]', { amount: "40", amount_unit: "wei" });
  report = await apiReport();
  assert.equal(report.earnings_available_wei, 50n);
  assert.equal(report.active, true);
  assert.deepEqual(await h.readOperatorView(page, "weather"), h.expectedOperatorView(report));
  await h.submit(page, 'form[data-form="withdraw_earnings"]', { amount: "51", amount_unit: "wei" });
  assert.equal(await page.$eval("#status .refusal", (e) => e.dataset.code), "insufficient_earnings");
  assert.match(await page.$eval("#status .details", (e) => e.textContent), /earnings/);

  // A credit note from the page: 5 wei of the earnings become Alice's credit, as the report says.
  const credit = async (who) => billing.parseUsageReport(await read("get_usage_report", [who])).credit_balance_wei;
  const aliceBefore = await credit(alice.address);
  await h.submit(page, 'form[data-form="credit_note"]', { consumer: alice.address, amount: "5", amount_unit: "wei", reason: "outage" });
  assert.match(await page.$eval("#status", (e) => e.textContent), /credit_note accepted/);
  assert.equal(await credit(alice.address), aliceBefore + 5n);
  report = await apiReport();
  assert.equal(report.earnings_available_wei, 45n);
  assert.deepEqual(await h.readOperatorView(page, "weather"), h.expectedOperatorView(report));
  // Her consumer contract subscribes but was never billed: a credit note to it passes what it was billed.
  await write(dapp.key, "subscribe", ["weather", 50n, 10n], 10n);
  const dappBefore = await credit(dapp.address);
  await h.submit(page, 'form[data-form="credit_note"]', { consumer: dapp.address, amount: "1", amount_unit: "wei", reason: "goodwill" });
  assert.equal(await page.$eval("#status .refusal", (e) => e.dataset.code), "credit_note_exceeds_billed");
  assert.match(await page.$eval('#status [data-field="message"]', (e) => e.textContent), /^\[EXPECTED\] /);
  assert.match(await page.$eval("#status .details", (e) => e.textContent), /billed/);
  assert.equal(await credit(dapp.address), dappBefore);
  report = await apiReport();
  assert.deepEqual(await h.readOperatorView(page, "weather"), h.expectedOperatorView(report));
  await h.screenshot(page, "operator", { docs: true });
  assert.deepEqual(errors, []);
});

test("a view of an API the contract does not know shows the contract's refusal", { skip }, async () => {
  const url = `${node.base}?contract=${node.contract}&api=nope${node.rpcParam}`;
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.loaded === "error", { timeout: 20000 });
  const text = await page.$eval('[data-field="load-error"]', (e) => e.textContent);
  assert.match(text, /not registered/i);
});
