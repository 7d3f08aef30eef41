// Shared by the browser suites: the browser (Debian's chromium through puppeteer-core), what a view
// shows (read from the data-attributes that hold each figure's exact value) and the contract's report
// in the same shape, so that a test compares the two with one deepEqual.
import { existsSync, mkdirSync, mkdtempSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

export const root = path.resolve(import.meta.dirname, "../..");
export const dist = path.resolve(process.env.DASHBOARD_DIST ?? path.join(root, "dashboard/dist"));
export const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const shots = path.resolve(process.env.BILLING_SCREENSHOTS ?? path.join(root, "target/dashboard-screenshots"));
const pkgDir = path.resolve(process.env.BILLING_JS_PKG ?? path.join(root, "target/billing-js"));

/** billing-js loaded in node, to compute what the page must show. */
export async function loadBilling() {
  const billing = await import(pathToFileURL(path.join(pkgDir, "index.js")).href);
  const { readFileSync } = await import("node:fs");
  billing.initSync(readFileSync(path.join(pkgDir, "billing_js_bg.wasm")));
  return billing;
}

export async function launch() {
  if (!existsSync(chromium)) throw new Error(`no chromium at ${chromium} (apt-get install -y chromium)`);
  if (!existsSync(path.join(dist, "app.js"))) throw new Error(`the dashboard is not built at ${dist} (dashboard/build.sh)`);
  return puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${mkdtempSync(path.join(tmpdir(), "billing-chromium-"))}`,
    ],
  });
}

/** A page that records every console error and uncaught exception into `errors`. */
export async function open(browser, url, { width = 1100, height = 900 } = {}) {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
  page.on("requestfailed", (r) => errors.push(`request: ${r.url()} ${r.failure()?.errorText}`));
  await page.setViewport({ width, height });
  await page.goto(url);
  await loaded(page, 0);
  return { page, errors };
}

/** Waits for the render after `count` (the page counts its renders in body[data-loaded]). */
export async function loaded(page, count) {
  await page.waitForFunction(
    (n) => {
      const v = document.body.dataset.loaded;
      return v === "error" || v === "home" || Number(v) > n;
    },
    { timeout: 20000 },
    count,
  );
  const state = await page.evaluate(() => document.body.dataset.loaded);
  if (state === "error") {
    throw new Error(`the page could not load: ${await page.$eval("#view", (e) => e.textContent.trim())}`);
  }
  return Number(state);
}

/** Clicks `selector` and waits for the page to render again. */
export async function clickAndWait(page, selector) {
  const before = Number(await page.evaluate(() => document.body.dataset.loaded));
  await page.click(selector);
  return loaded(page, before);
}

/** Fills a form's inputs ({name: value}) and submits it with its (first or named) button. */
export async function submit(page, formSelector, values, button = "button") {
  for (const [name, value] of Object.entries(values)) {
    const sel = `${formSelector} [name="${name}"]`;
    const tag = await page.$eval(sel, (e) => e.tagName);
    if (tag === "SELECT") await page.select(sel, value);
    else {
      await page.$eval(sel, (e) => (e.value = ""));
      await page.type(sel, value);
    }
  }
  return clickAndWait(page, `${formSelector} ${button}`);
}

/** Writes target/dashboard-screenshots/NAME.png; `docs` ones also go to docs/screenshots/ (the README's)
 * when BILLING_DOCS_SCREENSHOTS=1. */
export async function screenshot(page, name, { docs = false, full = true } = {}) {
  mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  // From the top: the sticky status line would otherwise be drawn where the last action scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: full });
  if (docs && process.env.BILLING_DOCS_SCREENSHOTS === "1") {
    const docs = path.join(root, "docs/screenshots");
    mkdirSync(docs, { recursive: true });
    copyFileSync(file, path.join(docs, `${name}.png`));
  }
  console.log(`screenshot: ${file}`);
  return file;
}

/** What the consumer view shows, every figure as its exact decimal text. */
export function readConsumerView(page) {
  return page.evaluate(() => {
    const val = (root, field) => {
      const el = root.querySelector(`[data-field="${field}"]`);
      return el ? (el.dataset.wei ?? el.dataset.count ?? el.dataset.seconds ?? el.textContent) : undefined;
    };
    const summary = document.querySelector("#view section.summary:not([data-api])");
    const apis = {};
    for (const card of document.querySelectorAll("#view section.api")) {
      apis[card.dataset.api] = {
        active: card.querySelector(".badge").textContent === "active",
        calls_today: val(card, "calls_today"),
        api_daily_limit_calls: val(card, "api_daily_limit_calls"),
        calls_remaining_today: val(card, "calls_remaining_today"),
        spend_today_wei: val(card, "spend_today_wei"),
        consumer_max_daily_spend_wei: val(card, "consumer_max_daily_spend_wei"),
        spend_remaining_today_wei: val(card, "spend_remaining_today_wei"),
        cost_per_call_wei: val(card, "cost_per_call_wei"),
        accepted_price_wei: val(card, "accepted_price_wei"),
        price_raise: card.querySelector('[data-field="price_raise"]') !== null,
        delegates: [...card.querySelectorAll(".delegates code")].map((c) => c.textContent),
        delegate_limits: [...card.querySelectorAll(".delegates li")]
          .filter((li) => li.querySelector(".delegate-limit[data-max]"))
          .map((li) => ({
            delegate: li.querySelector("code").textContent,
            max_daily_calls: li.querySelector(".delegate-limit").dataset.max,
            calls_today: li.querySelector('[data-field="delegate_calls_today"]').dataset.count,
          })),
        days: [...card.querySelectorAll(".chart .day")].map((d) => [d.dataset.day, d.dataset.calls]),
      };
    }
    return {
      consumer: val(summary, "consumer"),
      credit_balance_wei: val(summary, "credit_balance_wei"),
      funded_wei: val(summary, "funded_wei"),
      low_credit: summary.querySelector('[data-field="low_credit"]') !== null,
      credit_alerts: [...summary.querySelectorAll('[data-field="credit_alerts"] li')].map((li) => ({
        percent: li.dataset.percent,
        armed: li.dataset.armed === "true",
        shown: li.querySelector(".badge").textContent,
      })),
      countdown: val(summary, "countdown"),
      block_time: val(summary, "block_time"),
      apis,
    };
  });
}

/** The same, from the contract's report and history (bigints to text; chart days oldest first). */
export function expectedConsumerView(report, histories, blockTime) {
  const apis = {};
  report.apis.forEach((a, i) => {
    apis[a.api_name] = {
      active: a.active,
      calls_today: String(a.calls_today),
      api_daily_limit_calls: String(a.api_daily_limit_calls),
      calls_remaining_today: String(a.calls_remaining_today),
      spend_today_wei: String(a.spend_today_wei),
      consumer_max_daily_spend_wei: String(a.consumer_max_daily_spend_wei),
      spend_remaining_today_wei: String(a.spend_remaining_today_wei),
      cost_per_call_wei: String(a.cost_per_call_wei),
      accepted_price_wei: String(a.accepted_price_wei),
      price_raise: a.cost_per_call_wei > a.accepted_price_wei,
      delegates: a.delegates,
      delegate_limits: a.delegate_limits.map((l) => ({
        delegate: l.delegate,
        max_daily_calls: l.max_daily_calls === null ? "unlimited" : String(l.max_daily_calls),
        calls_today: String(l.calls_today),
      })),
      days: [...histories[i]].reverse().map((d) => [String(d.day_id), String(d.calls)]),
    };
  });
  return {
    consumer: report.consumer,
    credit_balance_wei: String(report.credit_balance_wei),
    funded_wei: String(report.funded_wei),
    low_credit: report.low_credit,
    credit_alerts: report.credit_alerts.map((a) => ({
      percent: String(a.percent),
      armed: a.armed,
      shown: a.armed ? "armed" : "fired",
    })),
    countdown: String(report.resets_at - blockTime),
    block_time: String(blockTime),
    apis,
  };
}

export const OPERATOR_FIELDS = [
  "cost_per_call_wei",
  "daily_limit_calls",
  "subscribers",
  "calls_today",
  "revenue_today_wei",
  "revenue_total_wei",
  "earnings_available_wei",
];

/** What an operator view (section.summary[data-api=NAME]) shows. */
export function readOperatorView(page, api) {
  return page.evaluate(
    (api, fields) => {
      const card = document.querySelector(`#view section.summary[data-api="${api}"]`);
      const out = {};
      for (const f of fields) {
        const el = card.querySelector(`[data-field="${f}"]`);
        out[f] = el.dataset.wei ?? el.dataset.count;
      }
      out.active = card.querySelector('[data-field="active"]').textContent === "active";
      out.operator = card.querySelector('[data-field="operator"]').textContent;
      out.pending_operator = card.querySelector('[data-field="pending_operator"] code')?.textContent ?? null;
      return out;
    },
    api,
    OPERATOR_FIELDS,
  );
}

export function expectedOperatorView(report) {
  const out = {};
  for (const f of OPERATOR_FIELDS) out[f] = String(report[f]);
  out.active = report.active;
  out.operator = report.operator;
  out.pending_operator = report.pending_operator;
  return out;
}
