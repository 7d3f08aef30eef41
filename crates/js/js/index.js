// billing-js: the billing contract for JavaScript. This file wraps wasm-bindgen's raw exports
// (strings and tagged JSON) in BigInts, Address objects, plain objects and thrown TypeErrors.
import initWasm, {
  initSync as initSyncWasm,
  RawChain,
  contract_address,
  contract_schema,
  methods as rawMethods,
  encode as rawEncode,
  encode_error,
  decode as rawDecode,
  parse_report,
  format_units,
  parse_units,
} from "./billing_js.js";

/** Loads the module: a URL, a Response, bytes or a WebAssembly.Module; default: the .wasm beside this file. */
export async function init(input) {
  wasm = await initWasm(input === undefined ? undefined : { module_or_path: input });
}

/** Loads the module from its bytes (or a compiled WebAssembly.Module) at once, e.g. in node. */
export function initSync(bytes) {
  wasm = initSyncWasm({ module: bytes });
}

let wasm;

/** Bytes of linear memory the module holds now (it grows, never shrinks; a freeing allocator reuses it). */
export function memoryBytes() {
  return wasm ? wasm.memory.buffer.byteLength : 0;
}

const ADDRESS = /^0[xX][0-9a-fA-F]{40}$/;
const ZERO_ADDRESS = "0x" + "00".repeat(20);

/** A calldata address (distinct from a string that looks like one); `String(a)` is its lowercase hex. */
export class Address {
  constructor(hex) {
    if (typeof hex !== "string" || !ADDRESS.test(hex)) {
      throw new TypeError(`an address is 0x and 40 hex digits, not ${describe(hex)}`);
    }
    this.hex = hex.toLowerCase();
    Object.freeze(this);
  }
  toString() {
    return this.hex;
  }
  toJSON() {
    return this.hex;
  }
  equals(other) {
    return String(other).toLowerCase() === this.hex;
  }
}

function describe(value) {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function unwrap(json) {
  const answer = JSON.parse(json);
  if (answer !== null && typeof answer === "object" && "throw" in answer) {
    throw new TypeError(answer.throw);
  }
  return answer;
}

/** An amount as the decimal text the core reads: a bigint, a safe non-negative integer or digits. */
export function toDecimal(amount, what = "amount") {
  if (typeof amount === "bigint") {
    if (amount < 0n) throw new RangeError(`${what} is negative: ${amount}`);
    return amount.toString();
  }
  if (typeof amount === "number") {
    if (!Number.isSafeInteger(amount) || amount < 0) {
      throw new RangeError(`${what} must be a non-negative safe integer or a bigint, not ${amount}`);
    }
    return String(amount);
  }
  if (typeof amount === "string" && /^[0-9]+$/.test(amount)) return amount;
  throw new TypeError(`${what} is a bigint, an integer or decimal digits, not ${describe(amount)}`);
}

/** A JS value as tagged JSON (see src/tagged.rs). */
function toTagged(value) {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "bigint":
      return { int: value.toString() };
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new RangeError(`calldata has no floats: ${value} is not a safe integer (use a bigint)`);
      }
      return { int: String(value) };
    default:
  }
  if (value instanceof Address) return { address: value.hex };
  if (value instanceof Uint8Array) {
    return { bytes: Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("") };
  }
  if (Array.isArray(value)) return value.map(toTagged);
  if (value instanceof Map) {
    return { map: Array.from(value, ([k, v]) => [checkKey(k), toTagged(v)]) };
  }
  if (typeof value === "object") {
    return { map: Object.entries(value).map(([k, v]) => [k, toTagged(v)]) };
  }
  throw new TypeError(`${typeof value} is not calldata`);
}

function checkKey(key) {
  if (typeof key !== "string") throw new TypeError(`calldata map keys are strings, not ${describe(key)}`);
  return key;
}

/** Tagged JSON as JS: ints as BigInt, bytes as Uint8Array, addresses as Address, maps as objects. */
function fromTagged(json) {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map(fromTagged);
  if ("int" in json) return BigInt(json.int);
  if ("address" in json) return new Address(json.address);
  if ("bytes" in json) {
    const out = new Uint8Array(json.bytes.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(json.bytes.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  return Object.fromEntries(json.map.map(([k, v]) => [k, fromTagged(v)]));
}

/** A report as parse_report gives it: plain JSON whose integers alone are tagged `{"int": …}`. */
function fromReport(json) {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map(fromReport);
  const keys = Object.keys(json);
  if (keys.length === 1 && keys[0] === "int") return BigInt(json.int);
  return Object.fromEntries(keys.map((k) => [k, fromReport(json[k])]));
}

function event(json) {
  return { name: json.name, fields: Object.fromEntries(json.fields.map(([k, v]) => [k, fromTagged(v)])) };
}

/** GenLayer calldata bytes of a value (bigint/number ints, strings, booleans, null, Address, Uint8Array, arrays, Map or plain-object maps). */
export function encode(value) {
  const tagged = JSON.stringify(toTagged(value));
  const why = encode_error(tagged);
  if (why !== "") throw new TypeError(why);
  return rawEncode(tagged);
}

/** The value calldata bytes encode; throws a TypeError on malformed bytes. */
export function decode(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("decode takes a Uint8Array");
  return fromTagged(unwrap(rawDecode(bytes)).ok);
}

/** `get_usage_report`'s JSON, checked against its schema, with every integer a bigint. */
export function parseUsageReport(text) {
  return fromReport(unwrap(parse_report("usage", String(text))).ok);
}

/** `get_api_report`'s JSON, checked, integers as bigints. */
export function parseApiReport(text) {
  return fromReport(unwrap(parse_report("api", String(text))).ok);
}

/** `get_usage_history`'s JSON (newest day first), checked, integers as bigints. */
export function parseUsageHistory(text) {
  return fromReport(unwrap(parse_report("history", String(text))).ok);
}

export const TOKEN_DECIMALS = 18;

/** `wei` in whole units of 10^decimals, exactly ("1.5"; no trailing zeros; no rounding ever). */
export function formatUnits(wei, decimals = TOKEN_DECIMALS) {
  return unwrap(format_units(toDecimal(wei, "wei"), checkDecimals(decimals))).ok;
}

/** A decimal amount ("1.5") in wei as a bigint; finer than 1 wei or past u128 is a RangeError. */
export function parseUnits(text, decimals = TOKEN_DECIMALS) {
  if (typeof text !== "string") throw new TypeError(`parseUnits takes a string, not ${describe(text)}`);
  const answer = JSON.parse(parse_units(text.trim(), checkDecimals(decimals)));
  if ("throw" in answer) throw new RangeError(answer.throw);
  return BigInt(answer.ok);
}

export const formatTokens = (wei) => formatUnits(wei, TOKEN_DECIMALS);
export const parseTokens = (text) => parseUnits(text, TOKEN_DECIMALS);

/** Digits grouped by thousands: "1000000" -> "1,000,000" (text only: exact at any size). */
export function groupDigits(amount, separator = ",") {
  const text = typeof amount === "string" ? amount : toDecimal(amount);
  return text.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

function checkDecimals(decimals) {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 38) {
    throw new RangeError(`decimals are 0 to 38, not ${decimals}`);
  }
  return decimals;
}

/** Every method: name, params [[name, type]], readonly, payable, returns. */
export function methods() {
  return JSON.parse(rawMethods());
}

/** `schema/contract.json`, as the contract's `get_schema` answers. */
export function contractSchema() {
  return contract_schema();
}

/** The billing contract deployed on a fresh in-memory chain at 2026-01-01T00:00:00Z. */
export class Chain {
  constructor() {
    this.raw = new RawChain();
    this.address = contract_address();
  }

  /**
   * One call as a transaction. Returns `{ok: true, result, events, transfers, storage}` or
   * `{ok: false, error: {code, message, details}, storage}`; a refused call changes nothing.
   */
  call(sender, method, args = [], options = {}) {
    if (!Array.isArray(args)) throw new TypeError("args are a list");
    const value = toDecimal(options.value ?? 0n, "value");
    const at = options.at === undefined ? undefined : toDecimal(options.at, "at");
    const answer = unwrap(
      this.raw.call(String(sender), String(method), JSON.stringify(args.map(toTagged)), value, at),
    );
    if ("error" in answer) {
      const { code, message, details } = answer.error;
      return { ok: false, error: { code, message, details: fromTagged(details) }, storage: answer.storage };
    }
    return {
      ok: true,
      result: fromTagged(answer.ok),
      events: answer.events.map(event),
      transfers: answer.transfers.map((t) => ({ to: t.to, amount: BigInt(t.amount) })),
      storage: answer.storage,
    };
  }

  /** `call`, but a refusal throws a BillingRefusal. */
  send(sender, method, args = [], options = {}) {
    const outcome = this.call(sender, method, args, options);
    if (!outcome.ok) throw new BillingRefusal(outcome.error);
    return outcome;
  }

  /** Mints `wei` to `account` (the chain starts with no money anywhere). */
  faucet(account, wei) {
    unwrap(this.raw.faucet(String(account), toDecimal(wei, "wei")));
  }

  balance(account) {
    return BigInt(unwrap(this.raw.balance(String(account))));
  }

  /** Every account's balance, the contract's included: `{address: bigint}`. */
  balances() {
    const raw = JSON.parse(this.raw.balances());
    return Object.fromEntries(Object.entries(raw).map(([a, b]) => [a, BigInt(b)]));
  }

  /** Everything the faucet minted. */
  minted() {
    return BigInt(this.raw.minted());
  }

  /** Block time, Unix seconds. */
  now() {
    return BigInt(this.raw.now());
  }

  setTime(timestamp) {
    unwrap(this.raw.set_time(toDecimal(timestamp, "timestamp")));
  }

  advance(seconds) {
    unwrap(this.raw.advance(toDecimal(seconds, "seconds")));
  }

  /** Every event of every successful call, in order. */
  events() {
    return JSON.parse(this.raw.events()).map(event);
  }

  /** The usage report, parsed (anyone may read it). */
  usageReport(consumer) {
    return parseUsageReport(this.send(consumer, "get_usage_report", [String(consumer)]).result);
  }

  /** The API report; views need a sender, any account but the contract's own (refused as a sender). */
  apiReport(apiName, reader = ZERO_ADDRESS) {
    return parseApiReport(this.send(reader, "get_api_report", [apiName]).result);
  }

  usageHistory(consumer, apiName) {
    return parseUsageHistory(this.send(consumer, "get_usage_history", [String(consumer), apiName]).result);
  }

  free() {
    this.raw.free();
  }
}

/** A contract refusal thrown by `Chain.send`: `code`, `message` and `details` as the contract gave them. */
export class BillingRefusal extends Error {
  constructor({ code, message, details }) {
    super(message);
    this.name = "BillingRefusal";
    this.code = code;
    this.details = details;
  }
}
