// Types of billing-js (index.js). Every integer is a bigint; amounts go in as bigint, safe integer or digits.

/** Loads the module: a URL, a Response, bytes or a WebAssembly.Module; default: the .wasm beside index.js. */
export function init(input?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
/** Loads the module from its bytes or a compiled module, at once (node: `initSync(readFileSync(wasmUrl))`). */
export function initSync(bytes: BufferSource | WebAssembly.Module): void;

/** Bytes of linear memory the module holds now (it grows, never shrinks). */
export function memoryBytes(): number;

export type Amount = bigint | number | string;

/** A calldata address; `String(a)` and `a.hex` are `0x` + 40 lowercase hex digits. */
export class Address {
  constructor(hex: string);
  readonly hex: string;
  toString(): string;
  toJSON(): string;
  equals(other: Address | string): boolean;
}

/** What calldata carries, as this package gives it back. */
export type CalldataValue =
  | null
  | boolean
  | bigint
  | string
  | Uint8Array
  | Address
  | CalldataValue[]
  | { [key: string]: CalldataValue };

/** What `encode` and `Chain.call` take: numbers must be safe integers; maps are plain objects or Maps. */
export type CalldataInput =
  | null
  | undefined
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | Address
  | CalldataInput[]
  | Map<string, CalldataInput>
  | { [key: string]: CalldataInput };

export function encode(value: CalldataInput): Uint8Array;
export function decode(bytes: Uint8Array): CalldataValue;

export interface BillingEvent {
  name: string;
  fields: { [field: string]: CalldataValue };
}

export interface Transfer {
  to: string;
  amount: bigint;
}

export interface StorageOps {
  reads: number;
  writes: number;
}

export interface Refusal {
  /** Stable code (SPEC.md, Errors), e.g. "insufficient_credit"; the chain's own: "insufficient_funds". */
  code: string;
  /** `[EXPECTED] …` for every refusal a caller can cause. */
  message: string;
  details: { [key: string]: CalldataValue };
}

export type CallOutcome =
  | { ok: true; result: CalldataValue; events: BillingEvent[]; transfers: Transfer[]; storage: StorageOps }
  | { ok: false; error: Refusal; storage: StorageOps };

export interface CallOptions {
  /** Wei attached to the call (payable methods). */
  value?: Amount;
  /** Block time for this call and the ones after it (Unix seconds). */
  at?: Amount;
}

/** The receipt of `consume_credit` / `consume_credits`. */
export interface Receipt {
  billed_wei: bigint;
  calls_remaining_today: bigint;
  calls_today: bigint;
  remaining_credit_wei: bigint;
  resets_at: bigint;
  spend_remaining_today_wei: bigint;
  spend_today_wei: bigint;
}

export interface ReportApi {
  api_name: string;
  calls_today: bigint;
  spend_today_wei: bigint;
  cost_per_call_wei: bigint;
  api_daily_limit_calls: bigint;
  consumer_max_daily_spend_wei: bigint;
  active: boolean;
  accepted_price_wei: bigint;
  calls_remaining_today: bigint;
  spend_remaining_today_wei: bigint;
  delegates: string[];
}

/** `get_usage_report`. */
export interface UsageReport {
  consumer: string;
  day_id: bigint;
  credit_balance_wei: bigint;
  apis: ReportApi[];
  resets_at: bigint;
  funded_wei: bigint;
  low_credit: boolean;
}

/** `get_api_report`. */
export interface ApiReport {
  api_name: string;
  operator: string;
  cost_per_call_wei: bigint;
  daily_limit_calls: bigint;
  active: boolean;
  subscribers: bigint;
  day_id: bigint;
  calls_today: bigint;
  revenue_today_wei: bigint;
  revenue_total_wei: bigint;
  earnings_available_wei: bigint;
  resets_at: bigint;
  pending_operator: string | null;
}

/** One day of `get_usage_history` (newest first). */
export interface HistoryDay {
  day_id: bigint;
  calls: bigint;
  spend_wei: bigint;
}

export function parseUsageReport(json: string): UsageReport;
export function parseApiReport(json: string): ApiReport;
export function parseUsageHistory(json: string): HistoryDay[];

export const TOKEN_DECIMALS: 18;
/** Exact: `formatUnits(1500000000000000000n) === "1.5"`. */
export function formatUnits(wei: Amount, decimals?: number): string;
/** Exact: `parseUnits("1.5") === 1500000000000000000n`; finer than 1 wei or past u128 throws RangeError. */
export function parseUnits(text: string, decimals?: number): bigint;
export function formatTokens(wei: Amount): string;
export function parseTokens(text: string): bigint;
/** "1000000" -> "1,000,000". */
export function groupDigits(amount: Amount, separator?: string): string;
/** An amount as decimal digits; negative, fractional or unsafe numbers throw. */
export function toDecimal(amount: Amount, what?: string): string;

export type ParamType = "string" | "int" | "bool" | "address";
export interface MethodInfo {
  name: string;
  params: [string, ParamType][];
  readonly: boolean;
  payable: boolean;
  returns: "null" | "string" | "receipt" | "preview";
}
export function methods(): MethodInfo[];
/** `schema/contract.json`, byte for byte. */
export function contractSchema(): string;

/** The billing contract deployed on a fresh in-memory chain at 2026-01-01T00:00:00Z (1767225600). */
export class Chain {
  constructor();
  /** The contract's own account. */
  readonly address: string;
  call(sender: string | Address, method: string, args?: CalldataInput[], options?: CallOptions): CallOutcome;
  /** `call`, but a refusal throws a BillingRefusal. */
  send(
    sender: string | Address,
    method: string,
    args?: CalldataInput[],
    options?: CallOptions,
  ): Extract<CallOutcome, { ok: true }>;
  faucet(account: string | Address, wei: Amount): void;
  balance(account: string | Address): bigint;
  balances(): { [address: string]: bigint };
  minted(): bigint;
  now(): bigint;
  setTime(timestamp: Amount): void;
  advance(seconds: Amount): void;
  events(): BillingEvent[];
  usageReport(consumer: string | Address): UsageReport;
  apiReport(apiName: string, reader?: string): ApiReport;
  usageHistory(consumer: string | Address, apiName: string): HistoryDay[];
  free(): void;
}

export class BillingRefusal extends Error {
  constructor(refusal: Refusal);
  readonly code: string;
  readonly details: { [key: string]: CalldataValue };
}
