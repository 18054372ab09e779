/**
 * The supply analytics templates (and the catalog's shapes) against the chain's own answers.
 * A seeded Monad-like devnet (real anvil) is synced through a real node (Postgres, embedded S3)
 * for this file (test/helpers/analyticsDevnet.ts), then the templates run through the Query Service
 * and are compared with eth_getBalance / eth_call at the same historic blocks.
 */
import test from 'ava';
import { big, columns, int, sampledBlocks } from '../helpers/analyticsAnswers.js';
import { fundedAddresses, useAnalyticsDevnet } from '../helpers/analyticsDevnet.js';

const ready = useAnalyticsDevnet();

test('the analytics templates are loaded with their public parameters and columns', (t) => {
  const { qs } = ready();
  const shapes = Object.fromEntries(qs.templates().map((tpl) => [tpl.name, { params: tpl.params.map((p) => p.name), columns: tpl.columns }]));
  t.like(shapes, {
    total_supply_native: { params: ['chain_id', 'from_block', 'to_block', 'step', 'genesis_supply_wei'], columns: ['block_number', 'total_supply_wei'] },
    total_supply_erc20: { params: ['chain_id', 'token', 'from_block', 'to_block', 'step'], columns: ['block_number', 'total_supply'] },
    top_holders: { params: ['chain_id', 'token', 'n', 'block'], columns: ['rank', 'address', 'balance'] },
    holder_balance_history: { params: ['chain_id', 'token', 'n', 'from_block', 'to_block', 'step'], columns: ['block_number', 'address', 'balance'] },
    stake_by_validator: { params: ['chain_id', 'block'], columns: ['validator_id', 'stake_wei'] },
    stake_history: { params: ['chain_id', 'from_block', 'to_block', 'step'], columns: ['block_number', 'validator_id', 'stake_wei'] },
    stake_concentration: { params: ['chain_id', 'block', 'k'], columns: ['gini', 'top_k_share', 'nakamoto_33', 'hhi', 'validators'] },
  });
});

test('total_supply_native = Σ eth_getBalance over every funded account, at every block (geth_balance_diffs)', async (t) => {
  const s = ready();
  const holders = await fundedAddresses(s);
  t.true(holders.length > s.d.accounts.length, 'senders, recipients and authors beyond the genesis accounts');
  // chain_id and genesis_supply_wei come from the defaults (the only chain; the configured genesis).
  const result = await s.qs.query({ template: 'total_supply_native', params: { from_block: 0, to_block: s.last } });
  t.deepEqual(columns(result), ['block_number:BIGINT', 'total_supply_wei:HUGEINT']);
  t.deepEqual(result.rows.map((r) => int(r[0])), sampledBlocks(0, s.last, 1));
  t.is(big(result.rows[0]![1]), BigInt(s.d.genesis_supply_wei), 'block 0 holds exactly the genesis allocation');
  for (const [block, supply] of result.rows) {
    const balances = await Promise.all(holders.map((address) => s.answers.nativeBalance(address, int(block))));
    t.is(big(supply), balances.reduce((a, b) => a + b, 0n), `block ${block}`);
  }
});

test('total_supply_native samples range(from, to + 1, step) plus to, cumulative from genesis', async (t) => {
  const s = ready();
  const all = await s.qs.query({ template: 'total_supply_native', params: { to_block: s.last } });
  t.deepEqual(all.rows.map((r) => int(r[0])), sampledBlocks(0, s.last, 1), 'defaults: from 0, every block');
  const byBlock = new Map(all.rows.map((r) => [int(r[0]), big(r[1])]));
  const window = await s.qs.query({ template: 'total_supply_native', params: { from_block: 3, to_block: s.last, step: 10 } });
  t.deepEqual(window.rows.map((r) => int(r[0])), [3, 13, 23, 33, 43, 53, s.last]);
  for (const [block, supply] of window.rows) t.is<bigint | undefined, bigint | undefined>(big(supply), byBlock.get(int(block)), `block ${block} does not depend on from_block`);
});

test('total_supply_erc20 = totalSupply() by eth_call at sampled historic blocks', async (t) => {
  const s = ready();
  const result = await s.qs.query({ template: 'total_supply_erc20', params: { token: s.token, from_block: 2, to_block: s.last, step: 6 } });
  t.deepEqual(columns(result), ['block_number:BIGINT', 'total_supply:HUGEINT']);
  t.deepEqual(result.rows.map((r) => int(r[0])), sampledBlocks(2, s.last, 6));
  for (const [block, supply] of result.rows) {
    const onChain = await s.answers.tokenTotalSupply(int(block));
    t.is(big(supply), onChain, `block ${block}`);
  }
  // Before the token existed (its deploy is in block 1) there is nothing.
  const genesis = await s.qs.query({ template: 'total_supply_erc20', params: { token: s.token, to_block: 0 } });
  t.deepEqual(genesis.rows, [[0, '0']]);
});
