// What a GenLayer receipt says about a write: nothing (it succeeded) or the contract's refusal. No
// imports, so that node tests it on receipts as genlayer-js hands them over.

/** A refusal read from a GenLayer receipt: the rollback message, the `[Refused] code=… k=v` line. */
export function refusalOf(receipt) {
  const list = receipt?.consensus_data?.leader_receipt;
  const leader = Array.isArray(list) ? list[0] : list;
  if (!leader || typeof leader !== "object") return { code: "no_receipt", message: "the node returned no leader receipt", details: {} };
  const status = leader.result?.status ?? "";
  const executed = leader.execution_result;
  if (executed === "SUCCESS" || status === "return") return null;
  const text = JSON.stringify(leader);
  const line = /\[Refused\] ((?:[^"\\]|\\.)*?)(?:\\n|"|$)/.exec(text);
  const details = {};
  let code = executed === "ERROR" || status === "rollback" ? "refused" : String(status || executed || "failed");
  if (line) {
    for (const pair of line[1].trim().split(/\s+/)) {
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const [key, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (key === "code") code = value || code;
      else details[key] = /^-?[0-9]+$/.test(value) ? BigInt(value) : value;
    }
  }
  const payload = typeof leader.result?.payload === "string" ? leader.result.payload : null;
  const expected = /\[EXPECTED\](?:[^"\\]|\\.)*/.exec(text);
  const message = payload ?? (expected ? JSON.parse(`"${expected[0]}"`) : `the transaction failed (${status || executed})`);
  return { code, message, details };
}

