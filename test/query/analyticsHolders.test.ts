/**
 * The holder analytics templates (ERC-20 and native) against the chain's own answers.
 * A seeded Monad-like devnet (real anvil) is synced through a real node (Postgres, embedded S3)
 * for this file (test/helpers/analyticsDevnet.ts), then the templates run through the Query Service
 * and are compared with balanceOf / eth_getBalance at the same historic blocks (the native ones at
 * every block: they answer from geth_balance_diffs, not from sampled balances reads).
 */
import test from 'ava';
import { addr, big, columns, int, sampledBlocks } from '../helpers/analyticsAnswers.js';
import { fundedAddresses, useAnalyticsDevnet } from '../helpers/analyticsDevnet.js';

const ready = useAnalyticsDevnet();

test('top_holders(token) = the largest balanceOf over every address the token ever reached, ranked', async (t) => {
  const s = ready();
  for (const block of [10, 33, s.last]) {
    const result = await s.qs.query({ template: 'top_holders', params: { token: s.token, n: 5, block } });
    t.deepEqual(columns(result), ['rank:BIGINT', 'address:BLOB', 'balance:HUGEINT']);
    // The chain's own ranking: balanceOf of every recipient up to the block, largest first.
    const expected = await s.answers.topTokenHolders(block, 5);
    t.deepEqual(
      result.rows.map((r) => ({ rank: int(r[0]), address: addr(r[1]), balance: big(r[2]) })),
      expected.map((h, i) => ({ rank: i + 1, ...h })),
      `block ${block}`,
    );
    for (let i = 1; i < result.rows.length; i++) t.true(big(result.rows[i - 1]![2]) > big(result.rows[i]![2]), `block ${block}: strictly descending`);
  }
});

test('holder_balance_history(token) = balanceOf of the top holders at every sampled block', async (t) => {
  const s = ready();
  const params = { token: s.token, n: 4, from_block: 5, to_block: s.last, step: 11 };
  const result = await s.qs.query({ template: 'holder_balance_history', params });
  t.deepEqual(columns(result), ['block_number:BIGINT', 'address:BLOB', 'balance:HUGEINT']);
  const top = await s.qs.query({ template: 'top_holders', params: { token: s.token, n: 4, block: s.last } });
  const holders = top.rows.map((r) => addr(r[1])).sort();
  t.is(holders.length, 4);
  // The full grid, ordered by block then address.
  t.deepEqual(
    result.rows.map((r) => `${int(r[0])} ${addr(r[1])}`),
    sampledBlocks(5, s.last, 11).flatMap((block) => holders.map((address) => `${block} ${address}`)),
  );
  for (const [block, address, balance] of result.rows) {
    t.is(big(balance), await s.answers.tokenBalance(addr(address), int(block)), `${address} at block ${block}`);
  }
});

test("top_holders('native') = the chain's own ranking by eth_getBalance, from geth_balance_diffs at any block", async (t) => {
  const s = ready();
  // Every funded account, ranked by eth_getBalance: at genesis (no diff yet: the balances the first
  // diffs found), in the first blocks, and at the tip.
  const funded = await fundedAddresses(s);
  for (const block of [0, 1, 2, 17, 33, s.last]) {
    const expected = await s.answers.topNativeHolders(funded, block, 5);
    const top = await s.qs.query({ template: 'top_holders', params: { token: 'native', n: 5, block } });
    t.deepEqual(columns(top), ['rank:BIGINT', 'address:BLOB', 'balance:HUGEINT']);
    t.deepEqual(
      top.rows.map((r) => ({ rank: int(r[0]), address: addr(r[1]), balance: big(r[2]) })),
      expected.map((h, i) => ({ rank: i + 1, ...h })),
      `block ${block}`,
    );
  }
});

test("holder_balance_history('native') = eth_getBalance of the top holders at every block of the window", async (t) => {
  const s = ready();
  const n = 4;
  const expected = await s.answers.topNativeHolders(await fundedAddresses(s), s.last, n);
  const history = await s.qs.query({ template: 'holder_balance_history', params: { token: 'native', n, from_block: 0, to_block: s.last } });
  const holders = expected.map((h) => h.address).sort();
  const blocks = sampledBlocks(0, s.last, 1);
  t.deepEqual(
    history.rows.map((r) => `${int(r[0])} ${addr(r[1])}`),
    blocks.flatMap((block) => holders.map((address) => `${block} ${address}`)),
    'every block, every holder',
  );
  const onChain = await Promise.all(history.rows.map(([block, address]) => s.answers.nativeBalance(addr(address), int(block))));
  t.deepEqual(
    history.rows.map(([block, address, balance]) => `${int(block)} ${addr(address)} ${big(balance)}`),
    history.rows.map(([block, address], i) => `${int(block)} ${addr(address)} ${onChain[i]}`),
  );
  // The balances move inside the window (the series is not a constant read at one block).
  for (const address of holders) {
    t.true(new Set(history.rows.filter((r) => addr(r[1]) === address).map((r) => big(r[2]))).size > 1, `${address} moves`);
  }
});
