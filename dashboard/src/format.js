// Display helpers: exact amounts (tokens and wei, from bigints, never floats), times in UTC, escaping.
import { formatTokens, groupDigits, parseUnits } from "billing-js";

export const TOKEN = "GEN";

export function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An amount both ways: "0.001 GEN" and "(1,000,000,000,000,000 wei)", the wei kept in data-wei. */
export function amount(wei, field = "") {
  const w = BigInt(wei);
  const attr = field ? ` data-field="${esc(field)}"` : "";
  return `<span class="amount"${attr} data-wei="${w}"><b>${esc(formatTokens(w))} ${TOKEN}</b> <small>${esc(groupDigits(w))} wei</small></span>`;
}

/** A count, kept in data-count. */
export function count(n, field = "") {
  const attr = field ? ` data-field="${esc(field)}"` : "";
  return `<span class="count"${attr} data-count="${BigInt(n)}">${esc(groupDigits(BigInt(n)))}</span>`;
}

/** Unix seconds (bigint) as "2026-01-02 00:00:00 UTC"; past what Date holds, the seconds themselves. */
export function utc(seconds) {
  const s = BigInt(seconds);
  if (s > 8_640_000_000_000n) return `${s} s`;
  return new Date(Number(s) * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function utcDay(dayId) {
  return utc(BigInt(dayId) * 86400n).slice(0, 10);
}

/** Seconds left as "5 h 03 min 10 s" (whole days first when there are any). */
export function duration(seconds) {
  let s = BigInt(seconds);
  if (s < 0n) s = 0n;
  const d = s / 86400n;
  const h = (s % 86400n) / 3600n;
  const m = (s % 3600n) / 60n;
  const r = s % 60n;
  const two = (x) => String(x).padStart(2, "0");
  return `${d > 0n ? `${d} d ` : ""}${h} h ${two(m)} min ${two(r)} s`;
}

/** Part of a whole in per mille, for bar widths: integer arithmetic on bigints, capped at 1000. */
export function perMille(part, whole) {
  const p = BigInt(part);
  const w = BigInt(whole);
  if (w <= 0n) return p > 0n ? 1000 : 0;
  const v = (p * 1000n) / w;
  return Number(v > 1000n ? 1000n : v);
}

/** What an amount field holds, in wei: "1.5" in GEN or "1500" in wei, exactly; throws RangeError. */
export function readAmount(text, unit) {
  const trimmed = String(text).trim();
  if (trimmed === "") throw new RangeError("enter an amount");
  return parseUnits(trimmed, unit === "wei" ? 0 : 18);
}

export function shortAddress(address) {
  const a = String(address);
  return a.length === 42 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a;
}
