import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestClient, http, type Address } from 'viem';
import { parseSyncJobSpec, SyncJobSpecError } from '../../actors/state/syncJobSpec.js';
import { trimHotRows } from '../../actors/state/hotRows.js';
import { formatJobStatus } from '../../cli/progress.js';
import { fetchBalances, fetchBlocks, fetchCallTraces, fetchLogs } from '../../drivers/chain/fetch.js';
import { RpcPool } from '../../drivers/chain/rpcClient.js';
import { HOT_DATASETS } from '../../drivers/datasets/catalog.js';
import { cryoDefaultColumns } from '../helpers/cryoTable.js';
import { duckdb } from '../helpers/duckdb.js';
import { ANVIL_CHAIN_ID, seedWorkload, startAnvil } from '../helpers/anvil.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';

/**
 * Job files written for the reference platform run here as they are: its example (Monad mainnet
 * shape, every field of its schema, five datasets including geth_balance_diffs) applies and syncs
 * on anvil, and follow_head's max_head_age_seconds pauses planning while the head is stale.
 */

const EXAMPLE = new URL('../../../examples/monad-reference-sync.yaml', import.meta.url);

/** The reference platform's follow_head shape: every field given. */
const FOLLOW_JOB = `kind: chain_sync
name: monad_mainnet_tip
chain_id: ${ANVIL_CHAIN_ID}

mode:
  kind: follow_head
  from_block: 0
  tail_lag: 0
  head_poll_interval_seconds: 0.2
  max_head_age_seconds: 2

streams:
  blocks:
    cryo_dataset_name: blocks
    rpc_pool: standard
    chunk_size: 5
    max_inflight: 2
`;

test('every field of the reference schema is accepted; an unsupported dataset is refused naming the field, its line and the supported names', async (t) => {
  const example = parseSyncJobSpec(await readFile(EXAMPLE, 'utf8'));
  t.deepEqual(Object.values(example.streams).map((s) => s.cryo_dataset_name), ['blocks', 'transactions', 'logs', 'geth_calls', 'geth_balance_diffs']);
  t.like(parseSyncJobSpec(FOLLOW_JOB).mode, { kind: 'follow_head', tail_lag: 0, head_poll_interval_seconds: 0.2, max_head_age_seconds: 2 });
  const error = t.throws(() => parseSyncJobSpec(FOLLOW_JOB.replace('cryo_dataset_name: blocks', 'cryo_dataset_name: erc20_transfers')), { instanceOf: SyncJobSpecError });
  t.is(
    error!.message,
    'job file: invalid chain_sync job: streams.blocks.cryo_dataset_name (line 14): unsupported dataset "erc20_transfers" (supported: blocks, transactions, logs, geth_calls, geth_balance_diffs)',
  );
  t.throws(() => parseSyncJobSpec(FOLLOW_JOB.replace('max_head_age_seconds: 2', 'max_head_age_seconds: 0')), { message: /mode\.max_head_age_seconds \(line 10\)/ });
});

test('the reference example job applies unchanged and syncs on the devnet: rows equal the node, balance diffs equal eth_getBalance at every block, hot and cold', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  const spec = parseSyncJobSpec(await readFile(EXAMPLE, 'utf8'));
  if (spec.mode.kind !== 'fixed_target') throw new Error('the example is a fixed_target job');
  const end = spec.mode.to_block;
  const { head } = await seedWorkload(anvil.url, 12);
  const rpc = new RpcPool({ name: 'reference', url: anvil.url });
  if (head < end) await createTestClient({ mode: 'anvil', transport: http(anvil.url) }).mine({ blocks: end - head });

  const inst = await createInstallation(t, { retryBaseSeconds: 0.2 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, env: { TRACE_RPC_POOL_STANDARD_URL: anvil.url, TRACE_RPC_POOL_TRACES_URL: anvil.url } });
  const { jobId } = await node.rt.syncJobs.apply(spec);
  const status = await eventually(async () => {
    const s = await node.rt.syncJobs.status(jobId);
    return s.complete ? s : undefined;
  }, 120_000, 'the example job to complete');

  const range = { start: 0, end };
  const blocks = await fetchBlocks(rpc, range, true);
  const frames = (frame: { calls?: unknown[] }): number => 1 + (frame.calls ?? []).reduce<number>((n, c) => n + frames(c as { calls?: unknown[] }), 0);
  const expected = {
    blocks: end,
    transactions: blocks.reduce((n, b) => n + b.transactions.length, 0),
    logs: (await fetchLogs(rpc, range)).length,
    geth_calls: (await fetchCallTraces(rpc, range)).reduce((n, b) => n + b.traces.reduce((m, x) => m + frames(x.result!), 0), 0),
  };
  for (const [dataset, rows] of Object.entries(expected)) t.is(status.streams[dataset]!.rows, rows, `${dataset}: committed rows equal the node's`);

  // Every committed file has Cryo's columns, order and types (drivers/datasets/cryoSchemas.ts).
  const db = await duckdb(t);
  const dir = await mkdtemp(join(tmpdir(), 'upstream-files-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const dataset of HOT_DATASETS) {
    const [version] = await node.rt.registry.listVersions(dataset, ANVIL_CHAIN_ID);
    const path = join(dir, `${dataset}.parquet`);
    await writeFile(path, await (await objects.get()).getBytes(version!.bucket, version!.object_keys[0]!));
    const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    t.deepEqual(
      described.getRowObjectsJS().map((row) => `${String(row['column_name'])} ${String(row['column_type'])}`),
      cryoDefaultColumns(dataset).map(([name, , duckType]) => `${name} ${duckType}`),
      `${dataset}: the committed file's schema is Cryo's`,
    );
  }
  const legacy = await node.rt.query().then((q) => q.query({ sql: 'SELECT count(*) FILTER (WHERE transaction_type = 0), count(*) FILTER (WHERE transaction_type IS NULL) FROM transactions' }));
  t.true(Number(legacy.rows[0]![0]) > 0 && Number(legacy.rows[0]![1]) === 0, 'legacy transactions have transaction_type 0, as Cryo writes');

  const qs = await node.rt.query();
  const diffsSql = `SELECT block_number, transaction_index, '0x' || lower(hex(address)) AS address, from_value_string, to_value_string
    FROM geth_balance_diffs ORDER BY block_number, transaction_index, address`;
  const hot = await qs.query({ sql: diffsSql });
  t.true(hot.stats.hotRows > 0, 'read from hot rows');
  t.is(hot.rows.length, status.streams.geth_balance_diffs!.rows);

  // Balance of every account the diffs name, at every block, from the diffs alone: the last
  // to_value at or before the block, else the first from_value after it.
  const diffs = hot.rows.map(([block, , address, from, to]) => ({ block: Number(block), address: String(address) as Address, from: BigInt(String(from)), to: BigInt(String(to)) }));
  const addresses = [...new Set(diffs.map((d) => d.address))];
  t.true(addresses.length >= 5 && diffs.length > expected.transactions, `${diffs.length} diffs of ${addresses.length} accounts`);
  const numbers = Array.from({ length: end }, (_, i) => i);
  const reads = await fetchBalances(rpc, addresses, numbers);
  const mismatches = reads.filter(({ block, address, balance }) => {
    const mine = diffs.filter((d) => d.address === address.toLowerCase());
    const last = mine.filter((d) => d.block <= block).at(-1);
    const fromDiffs = last !== undefined ? last.to : mine.find((d) => d.block > block)!.from;
    return fromDiffs !== BigInt(balance);
  });
  t.is(reads.length, addresses.length * end);
  t.deepEqual(mismatches, [], 'balances from the diffs equal eth_getBalance at every block');

  // The same rows from the cold files once the hot rows are trimmed.
  t.true((await trimHotRows(inst.pool, inst.schemas.data, 0)) > 0);
  const cold = await qs.query({ sql: diffsSql });
  t.like(cold.stats, { hotRows: 0 });
  t.deepEqual(cold.rows, hot.rows, 'cold files hold the same diffs');
});

test('a stream chooses its file columns as Cryo does: optional ones included in Cryo order, defaults excluded; queries read the excluded ones as NULL from files', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  await createTestClient({ mode: 'anvil', transport: http(anvil.url) }).mine({ blocks: 9 });
  const job = `kind: chain_sync
name: chosen_columns
chain_id: ${ANVIL_CHAIN_ID}
mode: {kind: fixed_target, from_block: 0, to_block: 10}
streams:
  blocks:
    cryo_dataset_name: blocks
    rpc_pool: standard
    chunk_size: 5
    max_inflight: 2
    columns: {include: [gas_limit, state_root], exclude: [extra_data]}
`;
  const bad = t.throws(() => parseSyncJobSpec(job.replace('exclude: [extra_data]', 'exclude: [block_hash]').replace('state_root', 'n_rlp_bytes')), { instanceOf: SyncJobSpecError });
  t.regex(bad!.message, /streams\.blocks\.columns\.include \(line 11\): blocks has no optional column "n_rlp_bytes" \(optional: uncles_hash, state_root, /);
  t.regex(bad!.message, /streams\.blocks\.columns\.exclude \(line 11\): "block_hash" is needed in every blocks file/);

  const inst = await createInstallation(t);
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, env: { TRACE_RPC_POOL_STANDARD_URL: anvil.url } });
  const { jobId } = await node.rt.syncJobs.apply(parseSyncJobSpec(job));
  await eventually(async () => ((await node.rt.syncJobs.status(jobId)).complete ? true : undefined), 60_000, 'the job to complete');

  const versions = await node.rt.registry.listVersions('blocks', ANVIL_CHAIN_ID);
  t.is(versions.length, 2);
  const dir = await mkdtemp(join(tmpdir(), 'chosen-columns-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'blocks.parquet');
  await writeFile(path, await (await objects.get()).getBytes(versions[0]!.bucket, versions[0]!.object_keys[0]!));
  const db = await duckdb(t);
  const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  t.deepEqual(
    described.getRowObjectsJS().map((row) => row['column_name']),
    ['block_hash', 'parent_hash', 'author', 'state_root', 'block_number', 'gas_used', 'gas_limit', 'timestamp', 'base_fee_per_gas', 'chain_id'],
    "Cryo's dataframe order: optional columns in their place, the excluded one gone",
  );

  const qs = await node.rt.query();
  const sql = 'SELECT count(*), count(extra_data), min(block_number), max(block_number) FROM blocks';
  t.deepEqual((await qs.query({ sql })).rows[0]!.map(Number), [10, 10, 0, 9], 'hot rows keep every default column');
  t.true((await trimHotRows(inst.pool, inst.schemas.data, 0)) > 0);
  const cold = await qs.query({ sql });
  t.like(cold.stats, { hotRows: 0, coldFiles: 2 });
  t.deepEqual(cold.rows[0]!.map(Number), [10, 0, 0, 9], 'files without extra_data read it as NULL');
});

test('follow_head: a head older than max_head_age_seconds pauses planning and status says so; a fresh head resumes it', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  const inst = await createInstallation(t);
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, env: { TRACE_RPC_POOL_STANDARD_URL: anvil.url } });
  // Genesis was mined when anvil started; max_head_age_seconds is 2.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const { jobId } = await node.rt.syncJobs.apply(parseSyncJobSpec(FOLLOW_JOB));

  const paused = await eventually(async () => {
    const s = await node.rt.syncJobs.status(jobId);
    return s.planning_paused !== null ? s : undefined;
  }, 10_000, 'planning to pause');
  t.regex(paused.planning_paused!, /^head block 0 is \d+s old \(max_head_age_seconds 2\): planning paused for blocks$/);
  t.like(paused.streams.blocks, { target: null, ranges_done: 0, ranges_in_flight: 0, head: { block: 0, stale: true } });
  t.regex(formatJobStatus(paused), /planning paused: head block 0/);

  await createTestClient({ mode: 'anvil', transport: http(anvil.url) }).mine({ blocks: 1 });
  const resumed = await eventually(async () => {
    const s = await node.rt.syncJobs.status(jobId);
    return s.planning_paused === null && s.streams.blocks!.target === 2 ? s : undefined;
  }, 10_000, 'planning to resume at the fresh head');
  t.like(resumed.streams.blocks, { head: { block: 1, stale: false } });
});
