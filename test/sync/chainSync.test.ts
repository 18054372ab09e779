import test, { type ExecutionContext } from 'ava';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { trimHotRows } from '../../actors/state/hotRows.js';
import { RpcPool } from '../../drivers/chain/rpcClient.js';
import { fetchBlocks, fetchCallTraces, fetchLogs } from '../../drivers/chain/fetch.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { ANVIL_CHAIN_ID, seedWorkload, startAnvil } from '../helpers/anvil.js';
import { startRpcFaultProxy } from '../../drivers/chain/rpcFaultProxy.js';
import { spawnNode } from '../process/childNode.js';
import { startEmbeddedS3 } from '../../drivers/store/embeddedS3.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function jobYaml(name: string, end: number, chunk = 4): string {
  return `kind: chain_sync
name: ${name}
chain_id: ${ANVIL_CHAIN_ID}
mode: {kind: fixed_target, from_block: 0, to_block: ${end}}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: ${chunk}, max_inflight: 2}
  transactions: {cryo_dataset_name: transactions, rpc_pool: devnet, chunk_size: ${chunk}, max_inflight: 2}
  logs: {cryo_dataset_name: logs, rpc_pool: devnet, chunk_size: ${chunk}, max_inflight: 2}
  geth_calls: {cryo_dataset_name: geth_calls, rpc_pool: devnet, chunk_size: ${chunk}, max_inflight: 2}
`;
}

/** What the node itself reports for [0, end): blocks, transactions in block bodies, logs, call frames. */
async function nodeCounts(url: string, end: number) {
  const rpc = new RpcPool({ name: 'reference', url });
  const range = { start: 0, end };
  const blocks = await fetchBlocks(rpc, range, true);
  const traces = await fetchCallTraces(rpc, range);
  const frames = (frame: { calls?: unknown[] }): number => 1 + (frame.calls ?? []).reduce<number>((n, c) => n + frames(c as { calls?: unknown[] }), 0);
  return {
    blocks: blocks.length,
    transactions: blocks.reduce((n, b) => n + b.transactions.length, 0),
    logs: (await fetchLogs(rpc, range)).length,
    geth_calls: traces.reduce((n, t) => n + t.traces.reduce((m, x) => m + frames(x.result as { calls?: unknown[] }), 0), 0),
  };
}

async function syncAndCheck(t: ExecutionContext, rpcUrl: string, nodeUrl: string) {
  const { head } = await seedWorkload(nodeUrl, 8);
  const end = head + 1;
  const inst = await createInstallation(t, { retryBaseSeconds: 0.2 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, env: { TRACE_RPC_POOL_DEVNET_URL: rpcUrl } });
  const { jobId } = await node.rt.syncJobs.apply(parseSyncJobSpec(jobYaml('anvil', end)));
  const status = await eventually(async () => {
    const s = await node.rt.syncJobs.status(jobId);
    return s.complete ? s : undefined;
  }, 90_000, 'the sync to complete');

  const expected = await nodeCounts(nodeUrl, end);
  for (const dataset of ['blocks', 'transactions', 'logs', 'geth_calls'] as const) {
    const hot = await inst.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${inst.schemas.data}.${dataset}`);
    t.is(Number(hot.rows[0]!.n), expected[dataset], `${dataset}: hot rows match the node`);
    t.is(status.streams[dataset]!.rows, expected[dataset], `${dataset}: committed rows match the node`);
    const versions = await node.rt.registry.listVersions(dataset, ANVIL_CHAIN_ID);
    t.is(versions.length, Math.ceil(end / 4), `${dataset}: every range registered once`);
    t.is(versions.reduce((n, v) => n + Number(v.row_count), 0), expected[dataset]);
    t.regex(versions[0]!.object_keys[0]!, new RegExp(`network_${ANVIL_CHAIN_ID}__${dataset}__00000000_to_00000003\\.parquet$`));
  }
  return { node, inst, expected };
}

test('a fixed_target chain_sync over anvil completes with hot rows, cold files and counts equal to the node', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  const { inst, node } = await syncAndCheck(t, anvil.url, anvil.url);

  // Hot retention 3: the ranges reaching into the newest 3 blocks keep their hot rows, whole; the
  // older ones lose them and are served from their files, which stay registered.
  const versions = await node.rt.registry.listVersions('blocks', ANVIL_CHAIN_ID);
  const tipEnd = Number(versions.at(-1)!.range_end);
  const firstHot = Number(versions.find((v) => Number(v.range_end) > tipEnd - 3)!.range_start);
  t.true((await trimHotRows(inst.pool, inst.schemas.data, 3)) > 0);
  const left = await inst.pool.query<{ lo: string; n: string }>(`SELECT min(block_number) AS lo, count(*) AS n FROM ${inst.schemas.data}.blocks`);
  t.deepEqual([Number(left.rows[0]!.lo), Number(left.rows[0]!.n)], [firstHot, tipEnd - firstHot]);
  t.is((await node.rt.registry.listVersions('blocks', ANVIL_CHAIN_ID)).length, versions.length);
  t.is(await trimHotRows(inst.pool, inst.schemas.data, 3), 0, 'trimming is idempotent');
});

test('RPC faults (drops, 429, delays, malformed JSON) through a local proxy: the sync completes with identical data', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  const proxy = await startRpcFaultProxy({
    target: anvil.url,
    schedule: { every: 4, faults: [{ kind: 'drop' }, { kind: 'status', status: 429 }, { kind: 'delay', ms: 300 }, { kind: 'malformedJson' }] },
  });
  t.teardown(() => proxy.stop());
  await syncAndCheck(t, proxy.url, anvil.url);
  t.true(Object.values(proxy.counters().faults).reduce((a, b) => a + b, 0) > 0, 'faults were injected');
});

test('a worker killed with SIGKILL mid-sync: after a restart every range is registered exactly once', async (t) => {
  t.timeout(240_000);
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  const { head } = await seedWorkload(anvil.url, 24);
  const end = head + 1;
  const inst = await createInstallation(t, { leaseTtlSeconds: 2, retryBaseSeconds: 0.2 });
  const dataDir = await mkdtemp(join(tmpdir(), 'trace-sync-kill-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const s3 = await startEmbeddedS3({ dataDir, accessKeyId: inst.config.s3AccessKeyId, secretAccessKey: inst.config.s3SecretAccessKey });
  t.teardown(() => s3.stop());
  const env = { TRACE_RPC_POOL_DEVNET_URL: anvil.url, S3_ENDPOINT: s3.endpoint, TRACE_DATA_DIR: dataDir };

  const { objects } = await embeddedObjects(t, inst);
  const observer = await startNode(t, inst, { roles: [], objects, start: false });
  const { jobId } = await observer.rt.syncJobs.apply(parseSyncJobSpec(jobYaml('killed', end, 2)));
  const victim = spawnNode(t, inst, [], env);
  await eventually(async () => {
    const s = await observer.rt.syncJobs.status(jobId);
    return Object.values(s.streams).some((x) => x.ranges_done >= 2) ? true : undefined;
  }, 90_000, 'some ranges to finish');
  victim.child.kill('SIGKILL');
  await victim.exited;
  t.false((await observer.rt.syncJobs.status(jobId)).complete, 'killed mid-sync');

  spawnNode(t, inst, [], env);
  const status = await eventually(async () => {
    const s = await observer.rt.syncJobs.status(jobId);
    return s.complete ? s : undefined;
  }, 150_000, 'the sync to complete after the restart');
  const expected = await nodeCounts(anvil.url, end);
  for (const dataset of ['blocks', 'transactions', 'logs', 'geth_calls'] as const) {
    const versions = await observer.rt.registry.listVersions(dataset, ANVIL_CHAIN_ID);
    t.is(versions.length, Math.ceil(end / 2), `${dataset}: every range registered`);
    t.is(new Set(versions.map((v) => v.range_start)).size, versions.length, `${dataset}: no range twice`);
    const hot = await inst.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${inst.schemas.data}.${dataset}`);
    t.is(Number(hot.rows[0]!.n), expected[dataset], `${dataset}: hot rows match the node`);
    t.is(status.streams[dataset]!.rows, expected[dataset]);
  }
});
