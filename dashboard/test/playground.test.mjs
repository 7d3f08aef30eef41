// The playground in headless Chromium, opened from file:// (no server of any kind): the contract runs
// in the page; the same calls on billing-js in node give the figures the page must show.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PLAYGROUND, DAY, seedPlayground } from "../src/seed.js";
import * as h from "./helpers.mjs";

const { alice, dapp } = PLAYGROUND;
const url = `${pathToFileURL(path.join(h.dist, "index.html")).href}?playground`;
let billing;
let browser;

before(async () => {
  billing = await h.loadBilling();
  browser = await h.launch();
});
after(async () => browser?.close());

function expected(chain) {
  const report = chain.usageReport(alice);
  const histories = report.apis.map((a) => chain.usageHistory(alice, a.api_name));
  return h.expectedConsumerView(report, histories, chain.now());
}

async function assertOperatorViews(page, chain) {
  for (const api of ["weather.v1", "maps.v1"]) {
    assert.deepEqual(await h.readOperatorView(page, api), h.expectedOperatorView(chain.apiReport(api)), api);
  }
}

test("the playground bills in the page with no server, and every figure follows the contract", async () => {
  const chain = new billing.Chain();
  seedPlayground(chain);
  const { page, errors } = await h.open(browser, url);
  assert.match(await page.$eval("#where", (e) => e.textContent), /playground/);

  // The seeded demo: the view is the contract's report, figure by figure, and one bar per history day.
  assert.deepEqual(await h.readConsumerView(page), expected(chain));
  await assertOperatorViews(page, chain);
  const seeded = await h.readConsumerView(page);
  assert.deepEqual(seeded.apis["maps.v1"].delegate_limits, [{ delegate: dapp, max_daily_calls: "2", calls_today: "0" }]);
  assert.deepEqual(seeded.credit_alerts.map((a) => a.percent), ["20"]);
  const weatherDays = (await h.readConsumerView(page)).apis["weather.v1"].days;
  assert.deepEqual(weatherDays.map(([, calls]) => calls), ["5", "1"], "newest day last");
  // Amounts are printed exactly, in tokens and in wei.
  const credit = await page.$eval('[data-field="credit_balance_wei"]', (e) => e.textContent);
  assert.match(credit, /0\.005 GEN/);
  assert.match(credit, /5,000,000,000,000,000 wei/);
  await h.screenshot(page, "playground", { docs: true });

  // Bill through the page: the page and the contract move together.
  await h.clickAndWait(page, 'button[data-action="bill"][data-api="weather.v1"]');
  assert.equal(chain.call(dapp, "consume_credit", ["weather.v1", alice]).ok, true);
  assert.deepEqual(await h.readConsumerView(page), expected(chain));
  assert.equal((await h.readConsumerView(page)).low_credit, false);

  // One more bill crosses 20 % of the funded credit: the warning appears exactly then.
  await h.clickAndWait(page, 'button[data-action="bill"][data-api="weather.v1"]');
  chain.send(dapp, "consume_credit", ["weather.v1", alice]);
  assert.equal(chain.usageReport(alice).low_credit, true);
  assert.deepEqual(await h.readConsumerView(page), expected(chain));
  assert.match(await page.$eval('[data-field="low_credit"]', (e) => e.textContent), /Low credit/);
  await h.screenshot(page, "playground-low-credit");

  // A top-up lifts it above the threshold: the warning goes.
  await h.submit(page, 'form[data-form="top_up"]', { amount: "0.002", amount_unit: "GEN" });
  chain.send(alice, "top_up_credit", [2n * 10n ** 15n], { value: 2n * 10n ** 15n });
  assert.equal(chain.usageReport(alice).low_credit, false);
  assert.deepEqual(await h.readConsumerView(page), expected(chain));

  // Withdrawing more than the credit is refused with the contract's message; nothing changes.
  const tooMuch = chain.usageReport(alice).credit_balance_wei + 1n;
  await h.submit(page, 'form[data-form="withdraw_credit"]', { amount: String(tooMuch), amount_unit: "wei" });
  const refusal = chain.call(alice, "withdraw_credit", [tooMuch]);
  assert.equal(refusal.error.code, "insufficient_credit");
  assert.equal(await page.$eval("#status .refusal", (e) => e.dataset.code), "insufficient_credit");
  assert.equal(await page.$eval('#status [data-field="message"]', (e) => e.textContent), refusal.error.message);
  assert.deepEqual(await h.readConsumerView(page), expected(chain));
  await h.screenshot(page, "playground-refusal");

  // A new UTC day: the counters reset, yesterday joins the chart.
  await h.clickAndWait(page, 'button[data-action="next-day"]');
  chain.setTime((chain.now() / DAY + 1n) * DAY);
  await h.clickAndWait(page, 'button[data-action="bill"][data-api="maps.v1"]');
  chain.send(dapp, "consume_credit", ["maps.v1", alice]);
  const shown = await h.readConsumerView(page);
  assert.deepEqual(shown, expected(chain));
  assert.equal(shown.apis["weather.v1"].calls_today, "0");
  assert.deepEqual(shown.apis["maps.v1"].days.map(([, c]) => c), ["3", "1"]);
  await assertOperatorViews(page, chain);

  // An operator action: pausing refuses the next bill, as the contract does.
  await page.select("#signer-select", PLAYGROUND.operator);
  await h.clickAndWait(page, 'form[data-form="pause"][data-api="maps.v1"] button[value="false"]');
  chain.send(PLAYGROUND.operator, "set_api_active", ["maps.v1", false]);
  await h.clickAndWait(page, 'button[data-action="bill"][data-api="maps.v1"]');
  assert.equal(await page.$eval("#status .refusal", (e) => e.dataset.code), "api_paused");
  await assertOperatorViews(page, chain);
  assert.deepEqual(await h.readConsumerView(page), expected(chain));

  // Resumed, the consumer contract bills maps.v1 up to its own limit of 2 a day, then is refused with
  // the contract's delegate_limit and its details; the page shows "2 of 2" as the report does.
  await h.clickAndWait(page, 'form[data-form="pause"][data-api="maps.v1"] button[value="true"]');
  chain.send(PLAYGROUND.operator, "set_api_active", ["maps.v1", true]);
  await h.clickAndWait(page, 'button[data-action="bill"][data-api="maps.v1"]');
  chain.send(dapp, "consume_credit", ["maps.v1", alice]);
  await h.clickAndWait(page, 'button[data-action="bill"][data-api="maps.v1"]');
  const stopped = chain.call(dapp, "consume_credit", ["maps.v1", alice]);
  assert.equal(stopped.error.code, "delegate_limit");
  assert.equal(await page.$eval("#status .refusal", (e) => e.dataset.code), "delegate_limit");
  assert.equal(await page.$eval('#status [data-field="message"]', (e) => e.textContent), stopped.error.message);
  assert.match(await page.$eval("#status .details", (e) => e.textContent), /max_calls = 2/);
  const limited = await h.readConsumerView(page);
  assert.deepEqual(limited, expected(chain));
  assert.deepEqual(limited.apis["maps.v1"].delegate_limits, [{ delegate: dapp, max_daily_calls: "2", calls_today: "2" }]);
  await h.screenshot(page, "playground-delegate-limit");

  assert.deepEqual(errors, []);
});

test("the playground is usable on a narrow screen", async () => {
  const { page, errors } = await h.open(browser, url, { width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await h.screenshot(page, "playground-narrow", { docs: true, full: false });
  assert.deepEqual(errors, []);
});

test("without a view in the URL the page offers to open one", async () => {
  const { page, errors } = await h.open(browser, pathToFileURL(path.join(h.dist, "index.html")).href);
  assert.ok(await page.$('form#open input[name="contract"]'));
  assert.ok(await page.$('a[href="?playground"]'));
  assert.deepEqual(errors, []);
});
