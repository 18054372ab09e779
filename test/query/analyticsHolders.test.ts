/**
 * The holder analytics templates (ERC-20 and native) against the chain's own answers.
 * A seeded Monad-like devnet (real anvil) is synced through a real node (Postgres, embedded S3)
 * for this file (test/helpers/analyticsDevnet.ts), then the templates run through the Query Service
 * and are compared with balanceOf / eth_getBalance at the same historic blocks.
 */
import test from 'ava';
import type { Address } from 'viem';
import { waitForTask } from '../../cli/submissions.js';
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

test("top_holders('native') and holder_balance_history('native') = eth_getBalance after a balances_backfill", async (t) => {
  const s = ready();
  const { rt } = s.node;
  if (!rt.operators.has('balances_backfill')) {
    t.fail('the balances_backfill operator is not registered yet: native holders have no balances rows to rank');
    return;
  }
  const backfill = async (addresses: Address[], blocks: number[]): Promise<void> => {
    const params = { chain_id: s.d.chain_id, rpc_pool: 'devnet', addresses: addresses.map((a) => a.toLowerCase()), blocks };
    const task = await waitForTask(rt, await rt.tasks.runs.submitTask('balances_backfill', params), 90_000);
    t.is(task.status, 'succeeded', task.last_error ?? undefined);
  };

  // Every funded account at the tip: the chain's own top 3 by eth_getBalance.
  const funded = await fundedAddresses(s);
  await backfill(funded, [s.last]);
  const expected = await s.answers.topNativeHolders(funded, s.last, 3);
  const top = await s.qs.query({ template: 'top_holders', params: { token: 'native', n: 3, block: s.last } });
  t.deepEqual(
    top.rows.map((r) => ({ rank: int(r[0]), address: addr(r[1]), balance: big(r[2]) })),
    expected.map((h, i) => ({ rank: i + 1, ...h })),
  );

  // Their history at sampled blocks.
  const blocks = sampledBlocks(0, s.last, 20);
  await backfill(expected.map((h) => h.address), blocks);
  const history = await s.qs.query({ template: 'holder_balance_history', params: { token: 'native', n: 3, from_block: 0, to_block: s.last, step: 20 } });
  const holders = expected.map((h) => h.address).sort();
  t.deepEqual(
    history.rows.map((r) => `${int(r[0])} ${addr(r[1])}`),
    blocks.flatMap((block) => holders.map((address) => `${block} ${address}`)),
  );
  for (const [block, address, balance] of history.rows) {
    t.is(big(balance), await s.answers.nativeBalance(addr(address), int(block)), `${address} at block ${block}`);
  }
});
