// The package from JavaScript: the seed scenario, refusals and their details, calldata, reports and
// exact amounts. Run: node --test crates/js/tests/ with BILLING_JS_PKG = the built package (build.sh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const pkgDir = process.env.BILLING_JS_PKG ?? path.resolve(import.meta.dirname, "../../../target/billing-js");
const billing = await import(pathToFileURL(path.join(pkgDir, "index.js")).href);
billing.initSync(readFileSync(path.join(pkgDir, "billing_js_bg.wasm")));
const { Chain, Address, encode, decode, formatUnits, parseUnits, formatTokens, parseTokens, groupDigits } = billing;

const OPERATOR = "0x" + "0a".repeat(20);
const ALICE = "0x" + "a1".repeat(20);
const DAPP = "0x" + "da".repeat(20);
const STRANGER = "0x" + "55".repeat(20);
const DAY0 = 1767225600n;
const DAY = 86400n;

function weatherChain() {
  const chain = new Chain();
  for (const who of [OPERATOR, ALICE, DAPP, STRANGER]) chain.faucet(who, 1_000_000n);
  chain.send(OPERATOR, "register_api", ["weather", 10n, 5n]);
  chain.send(ALICE, "subscribe", ["weather", 30n, 100n], { value: 100n });
  return chain;
}

test("the seed's happy path bills, pays the operator and reports", () => {
  const chain = weatherChain();
  assert.equal(chain.balance(chain.address), 100n);
  assert.equal(chain.balance(ALICE), 1_000_000n - 100n);

  const bill = chain.send(ALICE, "consume_credit", ["weather", ALICE]);
  assert.deepEqual(bill.result, {
    billed_wei: 10n,
    calls_remaining_today: 4n,
    calls_today: 1n,
    remaining_credit_wei: 90n,
    resets_at: DAY0 + DAY,
    spend_remaining_today_wei: 20n,
    spend_today_wei: 10n,
  });
  assert.deepEqual(
    bill.events.map((e) => e.name),
    ["CallBilled"],
  );
  const billed = bill.events[0].fields;
  assert.equal(billed.api, "weather");
  assert.ok(billed.consumer instanceof Address && billed.consumer.equals(ALICE));
  assert.equal(billed.billed_wei, 10n);
  assert.equal(billed.calls, 1n);

  chain.send(ALICE, "consume_credit", ["weather", ALICE]);
  const report = chain.usageReport(ALICE);
  assert.equal(report.credit_balance_wei, 80n);
  assert.equal(report.funded_wei, 100n);
  assert.equal(report.low_credit, false);
  assert.equal(report.day_id, DAY0 / DAY);
  assert.equal(report.apis[0].calls_today, 2n);
  assert.equal(report.apis[0].spend_remaining_today_wei, 10n);

  const withdrawn = chain.send(OPERATOR, "withdraw_earnings", ["weather", 20n]);
  assert.deepEqual(withdrawn.transfers, [{ to: OPERATOR, amount: 20n }]);
  assert.equal(chain.balance(OPERATOR), 1_000_020n);
  assert.equal(chain.balance(chain.address), 80n);
  const api = chain.apiReport("weather");
  assert.equal(api.revenue_total_wei, 20n);
  assert.equal(api.earnings_available_wei, 0n);
  assert.equal(api.subscribers, 1n);
  assert.equal(api.pending_operator, null);
});

test("limits refuse with the seed's details and change nothing", () => {
  const chain = weatherChain();
  for (let i = 0; i < 3; i++) chain.send(ALICE, "consume_credit", ["weather", ALICE]);
  const before = chain.balances();
  const eventsBefore = chain.events().length;
  const refused = chain.call(ALICE, "consume_credit", ["weather", ALICE]);
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, "daily_spend_limit");
  assert.equal(refused.error.message, "[EXPECTED] max daily spend exceeded");
  assert.equal(refused.error.details.reason, "daily_spend_limit");
  assert.equal(refused.error.details.attempted_spend, 40n);
  assert.equal(refused.error.details.max_spend, 30n);
  assert.deepEqual(chain.balances(), before);
  assert.equal(chain.events().length, eventsBefore);
  assert.equal(chain.usageReport(ALICE).apis[0].calls_today, 3n);

  // The next day the cap resets: the block time is the chain's, moved by `at`.
  const next = chain.send(ALICE, "consume_credit", ["weather", ALICE], { at: DAY0 + DAY });
  assert.equal(next.result.calls_today, 1n);
  assert.equal(chain.now(), DAY0 + DAY);
  const history = chain.usageHistory(ALICE, "weather");
  assert.deepEqual(
    history.map((d) => [d.day_id, d.calls, d.spend_wei]),
    [
      [DAY0 / DAY + 1n, 1n, 10n],
      [DAY0 / DAY, 3n, 30n],
    ],
  );
});

test("refusals: strangers, withdrawals beyond credit, value on views, unfunded senders", () => {
  const chain = weatherChain();
  const stranger = chain.call(STRANGER, "consume_credit", ["weather", ALICE]);
  assert.equal(stranger.error.code, "caller_not_allowed");
  assert.match(stranger.error.message, /^\[EXPECTED\] /);

  chain.send(ALICE, "approve_delegate", ["weather", DAPP]);
  assert.equal(chain.send(DAPP, "consume_credit", ["weather", ALICE]).result.remaining_credit_wei, 90n);

  const tooMuch = chain.call(ALICE, "withdraw_credit", [91n]);
  assert.equal(tooMuch.error.code, "insufficient_credit");
  assert.equal(chain.usageReport(ALICE).credit_balance_wei, 90n);

  assert.equal(chain.call(ALICE, "get_usage_report", [ALICE], { value: 1n }).error.code, "not_payable");
  const mismatch = chain.call(ALICE, "top_up_credit", [5n], { value: 6n });
  assert.equal(mismatch.error.code, "value_mismatch");
  assert.equal(mismatch.error.details.attached, 6n);
  assert.equal(mismatch.error.details.declared, 5n);

  // The contract's own address is no sender: its deposits would cost it nothing.
  assert.equal(chain.call(chain.address, "top_up_credit", [0n]).error.code, "contract_sender");
  const poor = new Chain();
  assert.equal(poor.call(ALICE, "top_up_credit", [5n], { value: 5n }).error.code, "insufficient_funds");
  assert.equal(chain.call(OPERATOR, "set_api_active", ["weather", false]).ok, true);
  assert.equal(chain.call(DAPP, "consume_credit", ["weather", ALICE]).error.code, "api_paused");
  assert.equal(chain.call(ALICE, "no_such_method", []).error.code, "unknown_method");
  assert.equal(chain.call(ALICE, "withdraw_credit", [-1n]).error.code, "amount_not_positive");
  assert.equal(chain.call(ALICE, "withdraw_credit", [2n ** 128n]).error.code, "out_of_range");
  assert.throws(() => chain.send(ALICE, "withdraw_credit", [1000n]), (e) => e.code === "insufficient_credit");
});

test("the low-credit warning fires once on crossing 20 % and re-arms on a deposit", () => {
  const chain = weatherChain(); // 100 wei funded, 10 a call
  const days = [0n, 1n, 2n, 3n];
  let warned = [];
  for (const day of days) {
    for (let i = 0; i < 2; i++) {
      const bill = chain.send(ALICE, "consume_credit", ["weather", ALICE], { at: DAY0 + day * DAY });
      warned.push(bill.events.some((e) => e.name === "CreditDepleted"));
    }
  }
  // 100 -> 20 after eight bills: the crossing is the eighth (credit below 20 % of 100 happens at 10).
  assert.equal(chain.usageReport(ALICE).credit_balance_wei, 20n);
  assert.equal(chain.usageReport(ALICE).low_credit, true);
  assert.equal(warned.filter(Boolean).length, 1);
  chain.send(ALICE, "top_up_credit", [100n], { value: 100n });
  assert.equal(chain.usageReport(ALICE).low_credit, false);
});

test("bad input to the package throws TypeError or RangeError, never traps", () => {
  const chain = new Chain();
  assert.throws(() => chain.call("0x12", "get_schema"), TypeError);
  assert.throws(() => chain.call(ALICE, "top_up_credit", [1.5]), RangeError);
  assert.throws(() => chain.call(ALICE, "top_up_credit", [1], { value: -1n }), RangeError);
  assert.throws(() => chain.call(ALICE, "top_up_credit", [1], { value: 0.5 }), RangeError);
  assert.throws(() => chain.faucet(ALICE, 2n ** 128n), TypeError);
  assert.throws(() => chain.call(ALICE, "x", "not a list"), TypeError);
  assert.throws(() => decode(new Uint8Array([0xff, 0xff])), TypeError);
  assert.throws(() => new Address("0xnothex"), TypeError);
  assert.throws(() => billing.parseUsageReport("{}"), /report lacks consumer/);
  assert.throws(() => billing.parseUsageHistory("[1]"), TypeError);
  // The chain still works after all of that.
  chain.faucet(ALICE, 1n);
  assert.equal(chain.balance(ALICE), 1n);
});

test("calldata both ways, as GenLayer encodes it", () => {
  // GenLayer's reference: small ints are one byte (n << 3 | type), strings carry their length.
  assert.deepEqual(Array.from(encode(null)), [0]);
  assert.deepEqual(Array.from(encode(1n)), [(1 << 3) | 1]); // positive int, type 1
  const value = {
    address: new Address(ALICE),
    bytes: new Uint8Array([1, 2, 255]),
    list: [true, false, null, -5n, 2n ** 200n, "text"],
  };
  assert.deepEqual(decode(encode(value)), value);
  assert.deepEqual(decode(encode(new Map([["k", 7]]))), { k: 7n });
  assert.throws(() => encode(0.5), RangeError);
  assert.throws(() => encode(Symbol("x")), TypeError);
});

test("amounts are exact in tokens and wei", () => {
  assert.equal(formatTokens(1_500_000_000_000_000_000n), "1.5");
  assert.equal(formatTokens("1"), "0.000000000000000001");
  assert.equal(formatTokens(2n ** 128n - 1n), "340282366920938463463.374607431768211455");
  assert.equal(parseTokens("340282366920938463463.374607431768211455"), 2n ** 128n - 1n);
  assert.equal(parseTokens("1000"), 10n ** 21n);
  assert.equal(parseUnits("2.5", 6), 2_500_000n);
  assert.equal(formatUnits(2_500_000n, 6), "2.5");
  assert.throws(() => parseTokens("0.0000000000000000001"), RangeError);
  assert.throws(() => parseTokens("1e18"), RangeError);
  assert.throws(() => parseTokens("340282366920938463463.374607431768211456"), RangeError);
  assert.throws(() => formatTokens(-1n), RangeError);
  assert.throws(() => formatTokens(0.1), RangeError);
  assert.equal(groupDigits(1234567n), "1,234,567");
  assert.equal(groupDigits("100"), "100");
});

test("the method table and the schema match", () => {
  const schema = JSON.parse(billing.contractSchema());
  const listed = billing.methods().filter((m) => m.name !== "get_schema");
  assert.deepEqual(listed.map((m) => m.name).sort(), Object.keys(schema.methods).sort());
  const subscribe = billing.methods().find((m) => m.name === "subscribe");
  assert.equal(subscribe.payable, true);
  assert.deepEqual(subscribe.params[0], ["api_name", "string"]);
});

test("a long-lived instance frees memory (3,000 more bills grow memory by at most 4 MiB)", () => {
  const chain = weatherChain();
  chain.send(OPERATOR, "register_api", ["bulk", 1n, 1_000_000n]);
  chain.send(ALICE, "subscribe", ["bulk", 10n ** 9n, 10_000n], { value: 10_000n });
  const memory = () => billing.memoryBytes();
  for (let i = 0; i < 3000; i++) chain.send(ALICE, "consume_credit", ["bulk", ALICE]);
  const after = memory();
  for (let i = 0; i < 3000; i++) chain.send(ALICE, "consume_credit", ["bulk", ALICE]);
  assert.ok(after > 0 && memory() <= after + 4 * 1024 * 1024, `memory grew from ${after} to ${memory()}`);
  assert.equal(chain.usageReport(ALICE).apis[1].calls_today, 6000n);
});
