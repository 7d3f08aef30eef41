// genlayer-js 1.2.0 against the node, as a dapp uses Studio's localnet: local private-key accounts,
// views, a deploy, writes with attached value, a refusal, a withdrawal, the schema.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient, createAccount, generatePrivateKey } from "genlayer-js";
import { localnet } from "genlayer-js/chains";
import { CalldataAddress } from "genlayer-js/types";
import { CONTRACT, RPC_URL, SCHEMA, genvmZip, rpc, uniqueName } from "../lib/helpers.mjs";

const client = (account) => createClient({ chain: localnet, endpoint: RPC_URL, account });
const wait = (c, hash) => c.waitForTransactionReceipt({ hash, status: "FINALIZED", interval: 100, retries: 5 });
const addressBytes = (hex) => new CalldataAddress(Uint8Array.from(Buffer.from(hex.slice(2), "hex")));
const leader = (receipt) => receipt.consensus_data.leader_receipt[0];

const operator = createAccount(generatePrivateKey());
const consumer = createAccount(generatePrivateKey());
const delegate = createAccount(generatePrivateKey());
const [op, co, de] = [operator, consumer, delegate].map(client);
const api = uniqueName("weather");

test("the node is genlayer-js's localnet", async () => {
  assert.equal(await rpc("eth_chainId"), "0xeec7");
  assert.equal(await op.getChainId(), localnet.id);
  assert.equal(Number(await op.getCurrentNonce({ address: operator.address })), 0);
});

test("views read through gen_call", async () => {
  const example = await op.readContract({ address: CONTRACT, functionName: "consumer_integration_example", args: [] });
  assert.match(example, /consume_credit/);
  const report = JSON.parse(
    await op.readContract({ address: CONTRACT, functionName: "get_usage_report", args: [consumer.address] }),
  );
  assert.equal(report.credit_balance_wei, "0");
  const schema = JSON.parse(await op.readContract({ address: CONTRACT, functionName: "get_schema", args: [] }));
  assert.deepEqual(schema, SCHEMA);
});

test("getContractSchema and getContractSchemaForCode give schema/contract.json", async () => {
  assert.deepEqual(await op.getContractSchema(CONTRACT), SCHEMA);
  assert.deepEqual(await op.getContractSchemaForCode(genvmZip()), SCHEMA);
});

test("deploying the GenVM zip gets a decided receipt with the contract's address", async () => {
  const hash = await op.deployContract({ code: genvmZip(), args: [] });
  const receipt = await wait(op, hash);
  assert.equal(receipt.status_name, "FINALIZED");
  assert.equal(receipt.data.contract_address.toLowerCase(), CONTRACT);
  assert.equal(leader(receipt).execution_result, "SUCCESS");
});

test("a billing day through genlayer-js: register, subscribe with value, delegate, bill, refusal, withdraw", async () => {
  let receipt = await wait(op, await op.writeContract({
    address: CONTRACT, functionName: "register_api", args: [api, 10, 5], value: 0n,
  }));
  assert.equal(leader(receipt).execution_result, "SUCCESS", JSON.stringify(leader(receipt)));

  const before = await co.getBalance({ address: consumer.address });
  receipt = await wait(co, await co.writeContract({
    address: CONTRACT, functionName: "subscribe", args: [api, 100, 1000], value: 1000n,
  }));
  assert.equal(leader(receipt).execution_result, "SUCCESS", JSON.stringify(leader(receipt)));
  assert.equal(await co.getBalance({ address: consumer.address }), before - 1000n, "the value moved");

  receipt = await wait(co, await co.writeContract({
    address: CONTRACT, functionName: "approve_delegate", args: [api, addressBytes(delegate.address)], value: 0n,
  }));
  assert.equal(leader(receipt).execution_result, "SUCCESS");

  receipt = await wait(de, await de.writeContract({
    address: CONTRACT, functionName: "consume_credit", args: [api, addressBytes(consumer.address)], value: 0n,
  }));
  assert.equal(leader(receipt).execution_result, "SUCCESS", JSON.stringify(leader(receipt)));
  assert.equal(leader(receipt).result.status, "return");

  // The operator may not bill the consumer: decided, refused, the [EXPECTED] message in the receipt.
  receipt = await wait(op, await op.writeContract({
    address: CONTRACT, functionName: "consume_credit", args: [api, consumer.address], value: 0n,
  }));
  assert.equal(leader(receipt).execution_result, "ERROR");
  assert.equal(leader(receipt).result.status, "rollback");
  assert.match(leader(receipt).result.payload, /^\[EXPECTED\] /);
  assert.match(leader(receipt).genvm_result.stdout, /^\[Refused\] code=caller_not_allowed/);

  const report = JSON.parse(
    await co.readContract({ address: CONTRACT, functionName: "get_usage_report", args: [consumer.address] }),
  );
  assert.equal(report.credit_balance_wei, "990");
  assert.equal(report.apis[0].calls_today, 1);
  assert.equal(report.apis[0].delegates[0], delegate.address.toLowerCase());

  const held = await co.getBalance({ address: consumer.address });
  receipt = await wait(co, await co.writeContract({
    address: CONTRACT, functionName: "withdraw_credit", args: [400], value: 0n,
  }));
  assert.equal(leader(receipt).execution_result, "SUCCESS");
  assert.equal(await co.getBalance({ address: consumer.address }), held + 400n, "the withdrawal arrived");
});

test("a write simulation answers without changing anything", async () => {
  const name = uniqueName("sim");
  const answer = await op.simulateWriteContract({ address: CONTRACT, functionName: "register_api", args: [name, 1, 1] });
  assert.equal(answer, null);
  await assert.rejects(
    op.readContract({ address: CONTRACT, functionName: "get_api_report", args: [name] }),
    /\[EXPECTED\]/,
  );
});

test("the time helper crosses a day: the daily count starts over", async () => {
  const now = Number(BigInt((await rpc("eth_getBlockByNumber", ["latest", false])).timestamp));
  await rpc("sim_increaseTime", [86_400]);
  const later = Number(BigInt((await rpc("eth_getBlockByNumber", ["latest", false])).timestamp));
  assert.equal(later, now + 86_400);
  const report = JSON.parse(
    await co.readContract({ address: CONTRACT, functionName: "get_usage_report", args: [consumer.address] }),
  );
  assert.equal(report.apis[0].calls_today, 0);
});
