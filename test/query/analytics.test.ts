/**
 * The stored analytics templates (sql/queries/*.sql) against the chain's own answers: a seeded
 * Monad-like devnet (real anvil) is synced through a real node (Postgres, embedded S3), then every
 * template runs through the Query Service and is compared with eth_getBalance / eth_call at the same
 * historic blocks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { getAddress, parseAbi, type Address } from 'viem';
import { waitForTask } from '../../cli/submissions.js';
import { createDevnetClient, type DevnetClient } from '../../drivers/devnet/client.js';
import { TraceToken } from '../../drivers/devnet/contracts.generated.js';
import { startDevnet, type Devnet, type DevnetDescription } from '../../drivers/devnet/devnet.js';
import { MONAD_STAKING_ABI, STAKING_ADDRESS } from '../../drivers/devnet/monad.js';
import type { QueryService } from '../../actors/query/queryService.js';
import type { QueryResult, ResultCell } from '../../actors/query/queryTypes.js';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';

const BLOCKS = 60;
const SEED = 7;
const ERC20_TRANSFER = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 value)'])[0];
const quiet = (): void => {};

interface Setup {
  devnet: Devnet;
  d: DevnetDescription;
  client: DevnetClient;
  node: TestNode;
  qs: QueryService;
  token: string;
  last: number;
}

/**
 * ava 7 refuses t.teardown() in hooks, and the test helpers register their cleanup that way: the
 * before hook hands them this stand-in, and after.always runs what they registered, newest first.
 */
const teardowns: Array<() => unknown> = [];
const hookContext = { teardown: (fn: () => unknown) => void teardowns.push(fn) } as unknown as ExecutionContext;
let dataDir = '';
let setup: Setup | undefined;

test.before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'trace-analytics-'));
  const devnet = await startDevnet({ dataDir, blocks: BLOCKS, seed: SEED, log: quiet });
  teardowns.push(() => devnet.stop());
  const d = devnet.description;
  // total_supply_native's genesis_supply_wei defaults from this setting (`= config`).
  const inst = await createInstallation(hookContext, { retryBaseSeconds: 0.2, nativeGenesisSupplyWei: d.genesis_supply_wei });
  const { objects } = await embeddedObjects(hookContext, inst);
  const node = await startNode(hookContext, inst, { objects, env: { TRACE_RPC_POOL_DEVNET_URL: d.rpc_url } });
  const { jobId } = await node.rt.syncJobs.apply(
    parseSyncJobSpec(`kind: chain_sync
name: analytics
chain_id: ${d.chain_id}
mode: {kind: fixed_target, from_block: 0, to_block: ${d.last_block + 1}}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 16, max_inflight: 2}
  transactions: {cryo_dataset_name: transactions, rpc_pool: devnet, chunk_size: 16, max_inflight: 2}
  logs: {cryo_dataset_name: logs, rpc_pool: devnet, chunk_size: 16, max_inflight: 2}
`),
  );
  await eventually(async () => ((await node.rt.syncJobs.status(jobId)).complete ? true : undefined), 90_000, 'the sync to complete');
  setup = {
    devnet,
    d,
    client: createDevnetClient(d.rpc_url, { batch: true }),
    node,
    qs: await node.rt.query(),
    token: d.contracts.erc20.toLowerCase(),
    last: d.last_block,
  };
});

test.after.always(async () => {
  for (const fn of teardowns.reverse()) await fn();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function ready(): Setup {
  if (!setup) throw new Error('the devnet or the sync did not come up');
  return setup;
}

// ---- cells: HUGEINT as decimal strings, BIGINT as numbers, blobs as lower-case 0x hex ----

function big(cell: ResultCell | undefined): bigint {
  if (typeof cell !== 'string' || !/^-?\d+$/.test(cell)) throw new TypeError(`expected a decimal string, got ${JSON.stringify(cell)}`);
  return BigInt(cell);
}

function int(cell: ResultCell | undefined): number {
  const n = typeof cell === 'string' ? Number(cell) : cell;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`expected an integer, got ${JSON.stringify(cell)}`);
  return n;
}

function addr(cell: ResultCell | undefined): Address {
  if (typeof cell !== 'string' || !/^0x[0-9a-f]{40}$/.test(cell)) throw new TypeError(`expected a lower-case 0x address, got ${JSON.stringify(cell)}`);
  return cell as Address;
}

function double(cell: ResultCell | undefined): number {
  if (typeof cell !== 'number') throw new TypeError(`expected a number, got ${JSON.stringify(cell)}`);
  return cell;
}

/** The sampling rule of every windowed template: range(from, to + 1, step) ∪ {to}. */
function sampledBlocks(from: number, to: number, step: number): number[] {
  const blocks = new Set<number>([to]);
  for (let b = from; b <= to; b += step) blocks.add(b);
  return [...blocks].sort((a, b) => a - b);
}

function columns(result: QueryResult): string[] {
  return result.columns.map((c) => `${c.name}:${c.type}`);
}

/** Exact ratio of two bigints as a double (18 significant decimals before rounding). */
function ratio(numerator: bigint, denominator: bigint): number {
  const SCALE = 10n ** 18n;
  return Number((numerator * SCALE) / denominator) / 1e18;
}

const descending = (a: bigint, b: bigint): number => (a > b ? -1 : a < b ? 1 : 0);

/** Every address that can hold wei: the genesis accounts, the system sender, the contracts, every tx sender/recipient and block author. */
async function fundedAddresses(s: Setup): Promise<Address[]> {
  const seen = await s.qs.query({
    sql: `SELECT DISTINCT address FROM (
            SELECT from_address AS address FROM transactions
            UNION ALL SELECT to_address FROM transactions
            UNION ALL SELECT author FROM blocks
          ) WHERE address IS NOT NULL`,
  });
  const all = [...s.d.accounts, s.d.system_sender, STAKING_ADDRESS, s.d.contracts.erc20, ...seen.rows.map((r) => addr(r[0]))];
  return [...new Set(all.map((a) => getAddress(a)))];
}

async function nativeBalance(s: Setup, address: Address, block: number): Promise<bigint> {
  return s.client.getBalance({ address, blockNumber: BigInt(block) });
}

async function tokenBalance(s: Setup, address: Address, block: number): Promise<bigint> {
  return s.client.readContract({ address: s.d.contracts.erc20, abi: TraceToken.abi, functionName: 'balanceOf', args: [address], blockNumber: BigInt(block) });
}

/** getValidator(id).stake at a block, for every validator created by then (authAddress set). */
async function chainStakes(s: Setup, block: number): Promise<Map<number, bigint>> {
  const stakes = new Map<number, bigint>();
  for (const id of s.d.validator_ids) {
    const [authAddress, , stake] = await s.client.readContract({
      address: STAKING_ADDRESS,
      abi: MONAD_STAKING_ABI,
      functionName: 'getValidator',
      args: [BigInt(id)],
      blockNumber: BigInt(block),
    });
    if (BigInt(authAddress) !== 0n) stakes.set(id, stake);
  }
  return stakes;
}

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

test('total_supply_native = Σ eth_getBalance over every funded account, at sampled historic blocks', async (t) => {
  const s = ready();
  const holders = await fundedAddresses(s);
  t.true(holders.length > s.d.accounts.length, 'senders, recipients and authors beyond the genesis accounts');
  // chain_id and genesis_supply_wei come from the defaults (the only chain; the configured genesis).
  const result = await s.qs.query({ template: 'total_supply_native', params: { from_block: 0, to_block: s.last, step: 7 } });
  t.deepEqual(columns(result), ['block_number:BIGINT', 'total_supply_wei:HUGEINT']);
  t.deepEqual(result.rows.map((r) => int(r[0])), sampledBlocks(0, s.last, 7));
  t.is(big(result.rows[0]![1]), BigInt(s.d.genesis_supply_wei), 'block 0 holds exactly the genesis allocation');
  for (const [block, supply] of result.rows) {
    const balances = await Promise.all(holders.map((address) => nativeBalance(s, address, int(block))));
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
    const onChain = await s.client.readContract({ address: s.d.contracts.erc20, abi: TraceToken.abi, functionName: 'totalSupply', blockNumber: BigInt(int(block)) });
    t.is(big(supply), onChain, `block ${block}`);
  }
  // Before the token existed (its deploy is in block 1) there is nothing.
  const genesis = await s.qs.query({ template: 'total_supply_erc20', params: { token: s.token, to_block: 0 } });
  t.deepEqual(genesis.rows, [[0, '0']]);
});

test('top_holders(token) = the largest balanceOf over every address the token ever reached, ranked', async (t) => {
  const s = ready();
  const logs = await s.client.getLogs({ address: s.d.contracts.erc20, event: ERC20_TRANSFER, fromBlock: 0n, toBlock: BigInt(s.last), strict: true });
  for (const block of [10, 33, s.last]) {
    const result = await s.qs.query({ template: 'top_holders', params: { token: s.token, n: 5, block } });
    t.deepEqual(columns(result), ['rank:BIGINT', 'address:BLOB', 'balance:HUGEINT']);
    // The chain's own ranking: balanceOf of every recipient up to the block, largest first.
    const reached = [...new Set(logs.filter((l) => l.blockNumber <= BigInt(block)).map((l) => l.args.to.toLowerCase() as Address))];
    const balances = await Promise.all(reached.map(async (address) => ({ address, balance: await tokenBalance(s, address, block) })));
    const expected = balances
      .filter((h) => h.balance > 0n && BigInt(h.address) !== 0n)
      .sort((a, b) => descending(a.balance, b.balance) || (a.address < b.address ? -1 : 1))
      .slice(0, 5);
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
    t.is(big(balance), await tokenBalance(s, addr(address), int(block)), `${address} at block ${block}`);
  }
});

test('stake_by_validator = getValidator(id).stake for every validator, at sampled historic blocks', async (t) => {
  const s = ready();
  for (const block of [1, 2, 15, 38, s.last]) {
    const result = await s.qs.query({ template: 'stake_by_validator', params: { block } });
    t.deepEqual(columns(result), ['validator_id:BIGINT', 'stake_wei:HUGEINT']);
    const stakes = await chainStakes(s, block);
    t.true(stakes.size > 0, `block ${block}: validators exist`);
    t.deepEqual(
      result.rows.map((r) => [int(r[0]), big(r[1])]),
      [...stakes].sort(([a], [b]) => a - b),
      `block ${block}: every created validator with its stake`,
    );
  }
});

test('stake_history = getValidator(id).stake of every validator at every sampled block (0 before it existed)', async (t) => {
  const s = ready();
  const result = await s.qs.query({ template: 'stake_history', params: { from_block: 0, to_block: s.last, step: 15 } });
  t.deepEqual(columns(result), ['block_number:BIGINT', 'validator_id:BIGINT', 'stake_wei:HUGEINT']);
  const blocks = [...new Set(result.rows.map((r) => int(r[0])))];
  t.deepEqual(blocks, [...new Set([0, 15, 30, 45, s.last])]);
  const everyValidator = [...(await chainStakes(s, s.last)).keys()].sort((a, b) => a - b);
  for (const block of blocks) {
    const stakes = await chainStakes(s, block);
    t.deepEqual(
      result.rows.filter((r) => int(r[0]) === block).map((r) => [int(r[1]), big(r[2])]),
      everyValidator.map((id) => [id, stakes.get(id) ?? 0n]),
      `block ${block}`,
    );
  }
});

test('stake_concentration = Gini, top-3 share, Nakamoto and HHI recomputed from the chain stakes', async (t) => {
  const s = ready();
  for (const block of [2, 20, s.last]) {
    const result = await s.qs.query({ template: 'stake_concentration', params: { block, k: 3 } });
    t.deepEqual(columns(result), ['gini:DOUBLE', 'top_k_share:DOUBLE', 'nakamoto_33:INTEGER', 'hhi:DOUBLE', 'validators:BIGINT']);
    const x = [...(await chainStakes(s, block)).values()].filter((stake) => stake > 0n).sort(descending);
    const n = BigInt(x.length);
    const total = x.reduce((a, b) => a + b, 0n);
    // Gini as the mean absolute difference over twice the mean: Σ_i Σ_j |x_i − x_j| / (2 n² μ) = … / (2 n S).
    let absDiff = 0n;
    for (const a of x) for (const b of x) absDiff += a > b ? a - b : b - a;
    const gini = ratio(absDiff, 2n * n * total);
    const top3 = ratio(x.slice(0, 3).reduce((a, b) => a + b, 0n), total);
    let nakamoto = 0;
    for (let running = 0n; 3n * running <= total; nakamoto++) running += x[nakamoto]!;
    const hhi = ratio(10_000n * x.reduce((sum, v) => sum + v * v, 0n), total * total);

    const [row] = result.rows;
    t.is(result.rows.length, 1);
    t.true(Math.abs(double(row![0]) - gini) <= 1e-9, `block ${block}: gini ${row![0]} vs ${gini}`);
    t.true(Math.abs(double(row![1]) - top3) <= 1e-9, `block ${block}: top-3 share ${row![1]} vs ${top3}`);
    t.is(int(row![2]), nakamoto, `block ${block}: Nakamoto coefficient`);
    t.true(Math.abs(double(row![3]) - hhi) <= 1e-9, `block ${block}: HHI ${row![3]} vs ${hhi}`);
    t.is(int(row![4]), x.length, `block ${block}: validators`);
    t.true(gini >= 0 && gini <= 1 && hhi > 0 && hhi <= 10_000);
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
  const atTip = await Promise.all(funded.map(async (address) => ({ address: address.toLowerCase() as Address, balance: await nativeBalance(s, address, s.last) })));
  const expected = atTip.sort((a, b) => descending(a.balance, b.balance) || (a.address < b.address ? -1 : 1)).slice(0, 3);
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
    t.is(big(balance), await nativeBalance(s, addr(address), int(block)), `${address} at block ${block}`);
  }
});
