// The dashboard: reads the URL, picks the node (genlayer-js) or the in-page contract (playground),
// renders the consumer or operator view, and sends the actions, showing each refusal as the contract
// gave it. Every view opens from its URL: ?contract=0x…&consumer=0x…, ?contract=0x…&api=NAME,
// ?playground; &rpc=URL&chain=ID point it at another node (default: the serving sandbox), and
// &network=studionet|testnetBradbury|… picks genlayer-js's definition of a public network.
import * as billing from "billing-js";
import wasm from "billing-js/billing_js_bg.wasm";
import { localBackend, nodeBackend, PLAYGROUND } from "./backends.js";
import { esc, readAmount, utc, duration } from "./format.js";
import { consumerView, doneView, operatorView, refusalView } from "./views.js";

billing.initSync(wasm);

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const params = new URLSearchParams(location.search);
const $ = (selector, root = document) => root.querySelector(selector);
const state = { backend: null, signer: null, resetsAt: null, blockTime: null, apis: [], methods: new Set() };

function defaultRpc() {
  return location.protocol.startsWith("http") ? `${location.origin}/api` : "http://127.0.0.1:4000/api";
}

function show(html) {
  $("#view").innerHTML = html;
}

function status(html) {
  $("#status").innerHTML = html;
}

function amountInput(name, label) {
  return `<label>${esc(label)} <span class="amount-input"><input name="${name}" inputmode="decimal" autocomplete="off" required>
    <select name="${name}_unit" aria-label="${esc(label)} unit"><option value="GEN">GEN</option><option value="wei">wei</option></select></span></label>`;
}

function apiInput(name = "api") {
  const options = state.apis.map((a) => `<option value="${esc(a)}"></option>`).join("");
  return `<label>API <input name="${name}" list="api-names" autocomplete="off" required value="${esc(state.apis[0] ?? "")}"></label>
    <datalist id="api-names">${options}</datalist>`;
}

function consumerForms() {
  return `<section class="card actions" id="consumer-actions"><h3>Consumer actions</h3>
    <form data-form="subscribe">${apiInput()}${amountInput("cap", "Daily spend cap")}${amountInput("deposit", "Deposit")}<button>Subscribe with deposit</button></form>
    <form data-form="top_up">${amountInput("amount", "Amount")}<button>Top up</button></form>
    <form data-form="set_cap">${apiInput()}${amountInput("cap", "New daily cap")}<button>Set daily cap</button>
      <small>${state.methods.has("set_daily_cap") ? "(set_daily_cap)" : "(subscribes again with no deposit)"}</small></form>
    <form data-form="approve">${apiInput()}<label>Delegate <input name="delegate" placeholder="0x…" autocomplete="off" required></label><button>Approve delegate</button></form>
    <form data-form="delegate_limit">${apiInput()}<label>Delegate <input name="delegate" placeholder="0x…" autocomplete="off" required></label>
      <label>Calls a day <input name="max_daily_calls" inputmode="numeric" autocomplete="off" required placeholder="0 = none"></label><button>Set delegate limit</button></form>
    <form data-form="credit_alerts"><label>Alert at (% of funded) <input name="percents" autocomplete="off" required placeholder="50, 20"></label>
      <button>Set credit alerts</button> <small>1 to 4 distinct whole numbers from 1 to 99</small></form>
    <form data-form="withdraw_credit">${amountInput("amount", "Amount")}<button>Withdraw credit</button></form>
  </section>`;
}

function operatorForms(api) {
  return `<section class="card actions" id="operator-actions" data-api="${esc(api)}"><h3>Operator actions: ${esc(api)}</h3>
    <form data-form="pause" data-api="${esc(api)}"><button name="active" value="false">Pause</button> <button name="active" value="true">Resume</button></form>
    <form data-form="withdraw_earnings" data-api="${esc(api)}">${amountInput("amount", "Amount")}<button>Withdraw earnings</button></form>
    <form data-form="credit_note" data-api="${esc(api)}"><label>Consumer <input name="consumer" placeholder="0x…" autocomplete="off" required></label>
      ${amountInput("amount", "Amount")}<label>Reason <input name="reason" maxlength="64" autocomplete="off" required placeholder="outage on 2026-01-02"></label>
      <button>Issue credit note</button> <small>from this API's earnings to the consumer's credit</small></form>
  </section>`;
}

function signerPanel() {
  if (state.backend.kind === "playground") {
    const options = Object.entries(PLAYGROUND)
      .map(([name, a]) => `<option value="${a}"${state.signer?.address === a ? " selected" : ""}>${name} ${a}</option>`)
      .join("");
    return `<label>Acting as <select id="signer-select">${options}</select></label>`;
  }
  const wallet = globalThis.ethereum ? `<button type="button" id="wallet">Use the browser wallet</button>` : "";
  const who = state.signer ? `Acting as <code id="signer-address">${esc(state.signer.address)}</code>` : "No account: actions need one.";
  return `<form id="signer-form"><label>Development private key <input id="dev-key" type="password" autocomplete="off" placeholder="0x… (printed by billing-sandbox serve)"></label>
    <button>Use key</button> ${wallet}</form><div>${who}</div>`;
}

function renderSigner() {
  $("#signer").innerHTML = signerPanel();
}

async function refresh() {
  const backend = state.backend;
  try {
    if (state.methods.size === 0) state.methods = await backend.methods();
    const blockTime = await backend.blockTime();
    state.blockTime = blockTime;
    let html = "";
    if (backend.kind === "playground") {
      html = await playgroundHtml(blockTime);
    } else if (params.get("consumer")) {
      html = await consumerHtml(params.get("consumer"), blockTime);
    } else {
      html = await operatorHtml(params.get("api"), blockTime);
    }
    show(html);
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1);
  } catch (error) {
    show(`<section class="card error" role="alert" data-field="load-error">Could not read the contract: ${esc(error?.shortMessage ?? error?.message ?? error)}</section>`);
    document.body.dataset.loaded = "error";
  }
}

async function consumerHtml(consumer, blockTime) {
  const report = await state.backend.usageReport(consumer);
  const histories = await Promise.all(report.apis.map((a) => state.backend.history(consumer, a.api_name)));
  state.resetsAt = report.resets_at;
  state.apis = report.apis.map((a) => a.api_name);
  return consumerView(report, histories, blockTime);
}

async function operatorHtml(api, blockTime) {
  const report = await state.backend.apiReport(api);
  state.resetsAt = report.resets_at;
  state.activeApi = report;
  return operatorView(report, blockTime);
}

async function playgroundHtml(blockTime) {
  const consumer = await consumerHtml(PLAYGROUND.alice, blockTime);
  const apis = state.apis;
  const operators = [];
  for (const api of apis) operators.push(operatorView(await state.backend.apiReport(api), blockTime));
  const bills = apis
    .map((a) => `<button type="button" data-action="bill" data-api="${esc(a)}">Bill ${esc(a)} (as the consumer contract)</button>`)
    .join(" ");
  return `<section class="card playground-controls"><h2>Playground</h2>
      <p>The real contract runs in this page, seeded with <code>cargo demo</code>'s scenario: Alice (consumer), her consumer
      contract (delegate), one operator. Block time <b data-field="playground_time">${esc(utc(blockTime))}</b>.</p>
      ${bills} <button type="button" data-action="next-day">Next UTC day</button></section>
    ${consumer}<h2 class="section">Operator views</h2>${operators.join("")}`;
}

async function act(method, args, value = 0n) {
  if (!state.signer) {
    status(refusalView(method, { code: "no_account", message: "choose an account first (a development key or the browser wallet)", details: {} }));
    return;
  }
  status(`<div class="pending" role="status">${esc(method)}: sending…</div>`);
  const outcome = await state.backend.write(state.signer, method, args, value);
  status(outcome.ok ? doneView(method, outcome) : refusalView(method, outcome.error));
  await refresh();
}

/** A whole number typed in a field, as a bigint; the contract judges its range. */
function wholeNumber(text, what) {
  if (!/^[0-9]{1,30}$/.test(text)) throw new RangeError(`${what} is a whole number (digits only): ${JSON.stringify(text)}`);
  return BigInt(text);
}

function formArgs(form) {
  const data = new FormData(form);
  const get = (name) => String(data.get(name) ?? "").trim();
  const money = (name) => readAmount(get(name), get(`${name}_unit`));
  return { get, money };
}

async function onSubmit(event) {
  const form = event.target;
  if (form.id === "signer-form") {
    event.preventDefault();
    useKey($("#dev-key").value.trim());
    return;
  }
  const kind = form.dataset.form;
  if (!kind) return;
  event.preventDefault();
  try {
    const { get, money } = formArgs(form);
    switch (kind) {
      case "subscribe": {
        const deposit = money("deposit");
        return await act("subscribe", [get("api"), money("cap"), deposit], deposit);
      }
      case "top_up": {
        const amount = money("amount");
        return await act("top_up_credit", [amount], amount);
      }
      case "set_cap":
        if (state.methods.has("set_daily_cap")) return await act("set_daily_cap", [get("api"), money("cap")]);
        return await act("subscribe", [get("api"), money("cap"), 0n]);
      case "approve":
        return await act("approve_delegate", [get("api"), get("delegate")]);
      case "delegate_limit":
        return await act("set_delegate_limit", [get("api"), get("delegate"), wholeNumber(get("max_daily_calls"), "calls a day")]);
      case "credit_alerts": {
        const percents = get("percents")
          .split(/[\s,;]+/)
          .filter((p) => p !== "")
          .map((p) => wholeNumber(p.replace(/%$/, ""), "a threshold"));
        return await act("set_credit_alerts", [percents]);
      }
      case "credit_note":
        return await act("credit_note", [form.dataset.api, get("consumer"), money("amount"), get("reason")]);
      case "withdraw_credit":
        return await act("withdraw_credit", [money("amount")]);
      case "withdraw_earnings":
        return await act("withdraw_earnings", [form.dataset.api, money("amount")]);
      case "pause":
        return await act("set_api_active", [form.dataset.api, event.submitter?.value === "true"]);
      default:
    }
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) {
      status(refusalView(kind, { code: "bad_input", message: error.message, details: {} }));
    } else {
      throw error;
    }
  }
}

async function onClick(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const { action, api, delegate } = button.dataset;
  if (action === "revoke") await act("revoke_delegate", [api, delegate]);
  if (action === "limit") {
    // Fills the delegate-limit form for this delegate; the consumer types the calls a day.
    const form = $('form[data-form="delegate_limit"]');
    if (!form) return;
    form.elements.api.value = api;
    form.elements.delegate.value = delegate;
    form.elements.max_daily_calls.focus();
    form.scrollIntoView({ block: "nearest" });
  }
  // Consent to a price raise: subscribing again accepts the current price, cap and credit unchanged.
  if (action === "accept-price") await act("subscribe", [api, BigInt(button.dataset.cap), 0n]);
  if (action === "bill") {
    const outcome = await state.backend.write({ address: PLAYGROUND.dapp }, "consume_credit", [api, PLAYGROUND.alice]);
    status(outcome.ok ? doneView(`consume_credit ${api}`, outcome) : refusalView(`consume_credit ${api}`, outcome.error));
    await refresh();
  }
  if (action === "next-day") {
    state.backend.nextDay();
    status(`<div class="done" role="status">A new UTC day: limits and caps reset.</div>`);
    await refresh();
  }
}

function useKey(key) {
  try {
    state.signer = state.backend.signerFromKey(key);
    sessionStorage.setItem("billing-dev-key", key);
  } catch {
    status(refusalView("account", { code: "bad_key", message: "a private key is 0x and 64 hex digits", details: {} }));
  }
  renderSigner();
}

async function tickBlockTime() {
  if (state.resetsAt === null) return;
  try {
    const now = await state.backend.blockTime();
    state.blockTime = now;
    const left = state.resetsAt - now;
    for (const el of document.querySelectorAll('[data-field="countdown"]')) {
      el.dataset.seconds = String(left < 0n ? 0n : left);
      el.textContent = duration(left);
    }
    for (const el of document.querySelectorAll('[data-field="block_time"]')) {
      el.dataset.seconds = String(now);
      el.textContent = utc(now);
    }
  } catch {
    // The next full refresh reports a node that went away.
  }
}

function home() {
  show(`<section class="card"><h2>Open a view</h2>
    <form id="open" method="get">
      <label>Contract <input name="contract" placeholder="0x…" required pattern="0x[0-9a-fA-F]{40}"></label>
      <label>Consumer <input name="consumer" placeholder="0x… (consumer view)" pattern="0x[0-9a-fA-F]{40}"></label>
      <label>or API <input name="api" placeholder="weather.v1 (operator view)"></label>
      <label>Node <input name="rpc" value="${esc(defaultRpc())}"></label>
      <button>Open</button></form>
    <p>Or try the <a href="?playground">playground</a>: the real contract in this page, no node needed.</p></section>`);
  document.body.dataset.loaded = "home";
}

function start() {
  document.addEventListener("submit", (e) => void onSubmit(e));
  document.addEventListener("click", (e) => void onClick(e));
  document.addEventListener("change", (e) => {
    if (e.target.id === "signer-select") state.signer = { address: e.target.value };
  });
  if (params.has("playground")) {
    state.backend = localBackend();
    state.signer = { address: PLAYGROUND.alice };
    $("#where").textContent = state.backend.label;
    renderSigner();
    void refresh().then(() => {
      $("#forms").innerHTML = consumerForms() + state.apis.map(operatorForms).join("");
    });
    return;
  }
  const contract = params.get("contract") ?? "";
  const consumer = params.get("consumer");
  const api = params.get("api");
  if (!ADDRESS.test(contract) || (!consumer && !api) || (consumer && !ADDRESS.test(consumer))) {
    home();
    return;
  }
  const rpc = params.get("rpc") ?? defaultRpc();
  const network = params.get("network") ?? undefined;
  const chainId = params.has("chain") ? Number(params.get("chain")) : network ? undefined : 61127;
  state.backend = nodeBackend({ rpc, chainId, network, contract });
  $("#where").textContent = `${state.backend.label}, contract ${contract}`;
  const key = new URLSearchParams(location.hash.slice(1)).get("key") ?? sessionStorage.getItem("billing-dev-key");
  if (key) useKey(key);
  else renderSigner();
  $("#forms").innerHTML = consumer ? consumerForms() : operatorForms(api);
  void refresh().then(() => {
    if (consumer) $("#forms").innerHTML = consumerForms();
  });
  setInterval(() => void tickBlockTime(), 2000);
  $("#signer").addEventListener("click", async (e) => {
    if (e.target.id !== "wallet") return;
    const [address] = await globalThis.ethereum.request({ method: "eth_requestAccounts" });
    state.signer = { address: address.toLowerCase(), provider: globalThis.ethereum };
    renderSigner();
  });
}

start();
