// Reading a write's outcome from a receipt as genlayer-js 1.2.0 returns it (simplified, localnet).
import { test } from "node:test";
import assert from "node:assert/strict";
import { refusalOf } from "../src/receipt.js";

const receipt = (leader) => ({ status: 5, consensus_data: { leader_receipt: [leader] } });

test("a successful write has no refusal", () => {
  assert.equal(refusalOf(receipt({ execution_result: "SUCCESS", result: { status: "return", payload: null } })), null);
});

test("a refusal carries the rollback message, its code and typed details", () => {
  const refusal = refusalOf(
    receipt({
      execution_result: "ERROR",
      result: { status: "rollback", payload: "[EXPECTED] insufficient prepaid credit" },
      genvm_result: { stdout: "[Refused] code=insufficient_credit credit=60 reason=insufficient_credit required=61\n", stderr: "" },
    }),
  );
  assert.deepEqual(refusal, {
    code: "insufficient_credit",
    message: "[EXPECTED] insufficient prepaid credit",
    details: { credit: 60n, reason: "insufficient_credit", required: 61n },
  });
});

test("without a payload the [EXPECTED] text anywhere in the receipt is the message", () => {
  const refusal = refusalOf(receipt({ execution_result: "ERROR", eq_outputs: { leader: "[EXPECTED] api paused \"x\"" } }));
  assert.equal(refusal.code, "refused");
  assert.equal(refusal.message, '[EXPECTED] api paused "x"');
  assert.deepEqual(refusal.details, {});
});

test("malformed receipts give a refusal, never an exception", () => {
  for (const bad of [null, undefined, {}, { consensus_data: {} }, { consensus_data: { leader_receipt: [] } }, "text"]) {
    assert.equal(refusalOf(bad).code, "no_receipt");
  }
  const odd = refusalOf(receipt({ execution_result: "ERROR", genvm_result: { stdout: "[Refused] =x code= k" } }));
  assert.equal(odd.code, "refused");
  assert.equal(typeof odd.message, "string");
});
