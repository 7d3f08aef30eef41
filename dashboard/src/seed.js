// The playground's scenario: `cargo demo`'s, up to Alice's top-up. No imports, so that the browser tests
// can run it on billing-js in node and compare the page with the contract's own figures.
export const PLAYGROUND = {
  operator: "0x" + "0a".repeat(20),
  alice: "0x" + "a1".repeat(20),
  dapp: "0x" + "da".repeat(20),
};
export const MILLI = 10n ** 15n;
export const GENESIS = 1767225600n;
export const DAY = 86400n;

/** The demo's scenario (`cargo demo`) up to Alice's top-up, on a chain in the page. */
export function seedPlayground(chain) {
  const { operator, alice, dapp } = PLAYGROUND;
  for (const who of [operator, alice, dapp]) chain.faucet(who, 1000n * 10n ** 18n);
  chain.send(operator, "register_api", ["weather.v1", MILLI, 5n]);
  chain.send(operator, "register_api", ["maps.v1", 2n * MILLI, 100n]);
  chain.send(alice, "subscribe", ["weather.v1", 10n * MILLI, 12n * MILLI], { value: 12n * MILLI });
  chain.send(alice, "subscribe", ["maps.v1", 6n * MILLI, 0n]);
  chain.send(alice, "approve_delegate", ["weather.v1", dapp]);
  chain.send(alice, "approve_delegate", ["maps.v1", dapp]);
  const billUntilRefused = (api) => {
    while (chain.call(dapp, "consume_credit", [api, alice]).ok);
  };
  billUntilRefused("weather.v1");
  billUntilRefused("maps.v1");
  chain.call(operator, "consume_credit", ["weather.v1", alice]); // refused: the operator is no delegate
  chain.setTime(GENESIS + DAY);
  billUntilRefused("weather.v1");
  chain.send(alice, "top_up_credit", [5n * MILLI], { value: 5n * MILLI });
  // Her consumer contract may make 2 maps.v1 calls a day of its own (issue 17's per-delegate limit).
  chain.send(alice, "set_delegate_limit", ["maps.v1", dapp, 2n]);
}

