// Where the views get their figures and send their actions: a GenLayer node through genlayer-js, or the
// contract itself in the page (billing-js) for the playground. Both answer the same questions.
import { createAccount, createClient } from "genlayer-js";
import * as chains from "genlayer-js/chains";
import { Chain, methods, parseApiReport, parseUsageHistory, parseUsageReport } from "billing-js";
import { DAY, seedPlayground } from "./seed.js";
import { refusalOf } from "./receipt.js";

export { PLAYGROUND } from "./seed.js";

function clientError(error) {
  const message = error?.shortMessage ?? error?.details ?? error?.message ?? String(error);
  return { ok: false, error: { code: "rpc_error", message: String(message), details: {} } };
}

/** genlayer-js's definition of the network (`&network=`, else the one with this chain id, else
 * localnet's: Studio-style, as the sandbox is), at `rpc`. A fresh object each time: createClient
 * writes into the one it gets. */
export function chainFor(chainId, network, rpc) {
  const known = [chains.localnet, chains.studionet, chains.testnetBradbury, chains.testnetAsimov];
  const base = (network && chains[network]) || known.find((c) => c.id === chainId) || chains.localnet;
  return { ...base, id: chainId ?? base.id, rpcUrls: { default: { http: [rpc] } } };
}

/** A GenLayer node (the serving sandbox, Studio's localnet, a testnet) at `rpc` with chain id `chainId`. */
export function nodeBackend({ rpc, chainId, network, contract }) {
  const chain = () => chainFor(chainId, network, rpc);
  const reader = createClient({ chain: chain(), endpoint: rpc });
  const read = (functionName, args) => reader.readContract({ address: contract, functionName, args });
  return {
    kind: "node",
    label: `node ${rpc} (chain ${chain().id}${network ? `, ${network}` : ""})`,
    contract,
    async usageReport(consumer) {
      return parseUsageReport(await read("get_usage_report", [consumer]));
    },
    async apiReport(api) {
      return parseApiReport(await read("get_api_report", [api]));
    },
    async history(consumer, api) {
      return parseUsageHistory(await read("get_usage_history", [consumer, api]));
    },
    async blockTime() {
      const block = await reader.request({ method: "eth_getBlockByNumber", params: ["latest", false] });
      return BigInt(block.timestamp);
    },
    /** The contract's method names, from its schema (`gen_getContractSchema`). */
    async methods() {
      try {
        return new Set(Object.keys((await reader.getContractSchema(contract)).methods ?? {}));
      } catch {
        return new Set();
      }
    },
    async balance(address) {
      const hex = await reader.request({ method: "eth_getBalance", params: [address, "latest"] });
      return BigInt(hex);
    },
    /** Signs with a development private key (or the browser wallet: `signer.provider`). */
    async write(signer, method, args, value = 0n) {
      try {
        const account = signer.privateKey ? createAccount(signer.privateKey) : signer.address;
        const client = createClient({
          chain: chain(),
          endpoint: rpc,
          account,
          ...(signer.provider ? { provider: signer.provider } : {}),
        });
        const hash = await client.writeContract({ account, address: contract, functionName: method, args, value });
        const receipt = await client.waitForTransactionReceipt({ hash, status: "ACCEPTED", interval: 300, retries: 100 });
        const refusal = refusalOf(receipt);
        return refusal ? { ok: false, error: refusal, hash } : { ok: true, hash };
      } catch (error) {
        return clientError(error);
      }
    },
    signerFromKey(privateKey) {
      return { privateKey, address: createAccount(privateKey).address.toLowerCase() };
    },
  };
}

/** The contract in the page, seeded with the demo; writes return at once. */
export function localBackend() {
  const chain = new Chain();
  seedPlayground(chain);
  return {
    kind: "playground",
    label: "playground: the real contract in this page (billing-js), no node",
    contract: chain.address,
    chain,
    async usageReport(consumer) {
      return chain.usageReport(consumer);
    },
    async apiReport(api) {
      return chain.apiReport(api);
    },
    async history(consumer, api) {
      return chain.usageHistory(consumer, api);
    },
    async blockTime() {
      return chain.now();
    },
    async methods() {
      return new Set(methods().map((m) => m.name));
    },
    async balance(address) {
      return chain.balance(address);
    },
    async write(signer, method, args, value = 0n) {
      const outcome = chain.call(signer.address, method, args, { value });
      return outcome.ok ? { ok: true, events: outcome.events } : { ok: false, error: outcome.error };
    },
    /** The start of the next UTC day on the in-page chain. */
    nextDay() {
      chain.setTime((chain.now() / DAY + 1n) * DAY);
    },
  };
}
