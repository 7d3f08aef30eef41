// The views as HTML from the contract's own reports: every figure carries its exact value in a data-
// attribute (data-wei, data-count) so that the browser tests compare it with the report over RPC.
import { amount, count, duration, esc, perMille, shortAddress, utc, utcDay } from "./format.js";

function bar(label, used, total, usedHtml, totalHtml, field) {
  const width = perMille(used, total);
  const full = width >= 1000 ? " full" : "";
  return `<div class="bar-row" data-bar="${esc(field)}">
    <div class="bar-label">${label}: ${usedHtml} of ${totalHtml}</div>
    <div class="bar${full}" role="meter" aria-valuemin="0" aria-valuemax="1000" aria-valuenow="${width}">
      <div class="bar-fill" style="width:${width / 10}%"></div></div></div>`;
}

export function countdown(resetsAt, blockTime) {
  const left = BigInt(resetsAt) - BigInt(blockTime);
  return `<span data-field="countdown" data-seconds="${left < 0n ? 0n : left}">${esc(duration(left))}</span>`;
}

function resetLine(resetsAt, blockTime) {
  return `<p class="reset">Day resets in ${countdown(resetsAt, blockTime)} at ${esc(utc(resetsAt))}
    <small>(node block time <span data-field="block_time" data-seconds="${BigInt(blockTime)}">${esc(utc(blockTime))}</span>)</small></p>`;
}

function chart(history) {
  if (history.length === 0) return `<p class="muted">No usage yet.</p>`;
  const days = [...history].reverse(); // newest last
  const most = days.reduce((m, d) => (d.calls > m ? d.calls : m), 1n);
  const bars = days
    .map((d) => {
      const h = perMille(d.calls, most);
      const title = `${utcDay(d.day_id)}: ${d.calls} calls, ${d.spend_wei} wei`;
      return `<div class="day" data-day="${d.day_id}" data-calls="${d.calls}" data-spend-wei="${d.spend_wei}" title="${esc(title)}">
        <div class="day-bar" style="height:${Math.max(h / 10, 2)}%"></div>
        <div class="day-calls">${esc(String(d.calls))}</div><div class="day-date">${esc(utcDay(d.day_id).slice(5))}</div></div>`;
    })
    .join("");
  return `<div class="chart" role="img" aria-label="calls per day, the last ${days.length} days with usage">${bars}</div>`;
}

function priceLine(api) {
  if (api.cost_per_call_wei > api.accepted_price_wei) {
    return `<div class="notice" data-field="price_raise">Price raise waiting for your consent: now
      ${amount(api.cost_per_call_wei, "cost_per_call_wei")} a call, you accepted ${amount(api.accepted_price_wei, "accepted_price_wei")}.
      Bills are refused until you accept it.
      <button type="button" data-action="accept-price" data-api="${esc(api.api_name)}" data-cap="${api.consumer_max_daily_spend_wei}">Accept the new price</button></div>`;
  }
  return `<div>Price ${amount(api.cost_per_call_wei, "cost_per_call_wei")} a call (accepted: ${amount(api.accepted_price_wei, "accepted_price_wei")})</div>`;
}

/** A delegate's own daily limit and its calls today: "2 of 3 calls today", or "unlimited". */
function delegateLimit(limit) {
  if (!limit) return `<span class="delegate-limit muted">unlimited</span>`;
  const used = count(limit.calls_today, "delegate_calls_today");
  if (limit.max_daily_calls === null || limit.max_daily_calls === undefined) {
    return `<span class="delegate-limit" data-max="unlimited"><span data-field="delegate_max_daily_calls">unlimited</span> (${used} today)</span>`;
  }
  const full = limit.calls_today >= limit.max_daily_calls ? " full" : "";
  return `<span class="delegate-limit${full}" data-max="${BigInt(limit.max_daily_calls)}">${used} of ${count(limit.max_daily_calls, "delegate_max_daily_calls")} calls today</span>`;
}

/** The low-credit alert thresholds, highest first: armed ones fire at the next crossing. */
function alertsLine(alerts) {
  if (!alerts?.length) return "";
  const items = alerts
    .map(
      (a) => `<li data-percent="${BigInt(a.percent)}" data-armed="${a.armed}">${esc(String(a.percent))} %
        <span class="badge ${a.armed ? "ok" : "paused"}">${a.armed ? "armed" : "fired"}</span></li>`,
    )
    .join("");
  return `<div class="alerts" data-field="credit_alerts">Low-credit alerts (of what you funded): <ul class="alert-list">${items}</ul></div>`;
}

function apiCard(api, history) {
  const state = api.active ? `<span class="badge ok">active</span>` : `<span class="badge paused">paused</span>`;
  const limits = new Map((api.delegate_limits ?? []).map((l) => [l.delegate, l]));
  const delegates = api.delegates.length
    ? api.delegates
        .map(
          (d) => `<li><code title="${esc(d)}">${esc(d)}</code> ${delegateLimit(limits.get(d))}
          <button type="button" data-action="limit" data-api="${esc(api.api_name)}" data-delegate="${esc(d)}">set limit…</button>
          <button type="button" data-action="revoke" data-api="${esc(api.api_name)}" data-delegate="${esc(d)}">revoke</button></li>`,
        )
        .join("")
    : `<li class="muted">none</li>`;
  return `<section class="card api" data-api="${esc(api.api_name)}">
    <h3>${esc(api.api_name)} ${state}</h3>
    ${bar("Calls today", api.calls_today, api.api_daily_limit_calls, count(api.calls_today, "calls_today"), count(api.api_daily_limit_calls, "api_daily_limit_calls"), "calls")}
    <div class="remaining">Calls left today: ${count(api.calls_remaining_today, "calls_remaining_today")}</div>
    ${bar("Spend today", api.spend_today_wei, api.consumer_max_daily_spend_wei, amount(api.spend_today_wei, "spend_today_wei"), amount(api.consumer_max_daily_spend_wei, "consumer_max_daily_spend_wei"), "spend")}
    <div class="remaining">Left under your cap today: ${amount(api.spend_remaining_today_wei, "spend_remaining_today_wei")}</div>
    ${priceLine(api)}
    <div>Delegates (may bill you):<ul class="delegates">${delegates}</ul></div>
    <h4>Days with usage <small class="muted">(the last ${history.length} of at most 30)</small></h4>
    ${chart(history)}
  </section>`;
}

/** The consumer view: credit, funded, warning, one card per API, the reset countdown. */
export function consumerView(report, histories, blockTime) {
  const highest = (report.credit_alerts ?? []).reduce((m, a) => (a.percent > m ? a.percent : m), 0n) || 20n;
  const warning = report.low_credit
    ? `<div class="warning" role="alert" data-field="low_credit">Low credit: at or below ${esc(String(highest))} % of what you funded. Top up to keep billing.</div>`
    : "";
  const apis = report.apis.map((api, i) => apiCard(api, histories[i] ?? [])).join("");
  return `<section class="card summary">
      <h2>Consumer <code data-field="consumer" title="${esc(report.consumer)}">${esc(report.consumer)}</code></h2>
      ${warning}
      <div class="figures">
        <div><span class="label">Credit</span>${amount(report.credit_balance_wei, "credit_balance_wei")}</div>
        <div><span class="label">Funded (deposits less withdrawals)</span>${amount(report.funded_wei, "funded_wei")}</div>
      </div>
      ${alertsLine(report.credit_alerts)}
      ${resetLine(report.resets_at, blockTime)}
    </section>
    ${apis || `<section class="card"><p class="muted">No subscriptions.</p></section>`}`;
}

/** The operator view of one API. */
export function operatorView(api, blockTime) {
  const state = api.active ? `<span class="badge ok" data-field="active">active</span>` : `<span class="badge paused" data-field="active">paused</span>`;
  const pending = api.pending_operator
    ? `<div class="notice" data-field="pending_operator">Transfer pending to <code>${esc(api.pending_operator)}</code> (until it accepts, the operator keeps every right)</div>`
    : `<div class="muted">No transfer pending.</div>`;
  return `<section class="card summary" data-api="${esc(api.api_name)}">
    <h2>API ${esc(api.api_name)} ${state}</h2>
    <div>Operator <code data-field="operator" title="${esc(api.operator)}">${esc(api.operator)}</code></div>
    ${pending}
    <div class="figures">
      <div><span class="label">Price a call</span>${amount(api.cost_per_call_wei, "cost_per_call_wei")}</div>
      <div><span class="label">Daily limit</span>${count(api.daily_limit_calls, "daily_limit_calls")} calls per subscriber</div>
      <div><span class="label">Active subscribers</span>${count(api.subscribers, "subscribers")}</div>
      <div><span class="label">Calls today</span>${count(api.calls_today, "calls_today")}</div>
      <div><span class="label">Revenue today</span>${amount(api.revenue_today_wei, "revenue_today_wei")}</div>
      <div><span class="label">Total revenue</span>${amount(api.revenue_total_wei, "revenue_total_wei")}</div>
      <div><span class="label">Earnings not yet withdrawn</span>${amount(api.earnings_available_wei, "earnings_available_wei")}</div>
    </div>
    ${resetLine(api.resets_at, blockTime)}
  </section>`;
}

/** A refusal as the contract gave it: message, code and every detail. */
export function refusalView(method, error) {
  const details = Object.entries(error.details ?? {})
    .map(([k, v]) => `<li><code>${esc(k)}</code> = <code>${esc(String(v))}</code></li>`)
    .join("");
  return `<div class="refusal" role="alert" data-code="${esc(error.code)}"><b>${esc(method)} refused:</b>
    <span data-field="message">${esc(error.message)}</span> <small>(code <code>${esc(error.code)}</code>)</small>
    ${details ? `<ul class="details">${details}</ul>` : ""}</div>`;
}

export function doneView(method, outcome) {
  const hash = outcome.hash ? ` <small>transaction <code>${esc(shortAddress(outcome.hash))}</code></small>` : "";
  const events = (outcome.events ?? []).map((e) => esc(e.name)).join(", ");
  return `<div class="done" role="status" data-method="${esc(method)}"><b>${esc(method)}</b> accepted${hash}${events ? ` — events: ${events}` : ""}</div>`;
}
