import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestClient, http } from 'viem';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { ANVIL_CHAIN_ID, seedWorkload, startAnvil } from '../helpers/anvil.js';
import { duckdb } from '../helpers/duckdb.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { childEnv, cli } from './childNode.js';

const JOB = `kind: chain_sync
name: export_me
chain_id: ${ANVIL_CHAIN_ID}
mode: {kind: fixed_target, from_block: 0, to_block: 20}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 5, max_inflight: 2}
  transactions: {cryo_dataset_name: transactions, rpc_pool: devnet, chunk_size: 10, max_inflight: 2}
`;

test('export writes a flat folder of Cryo-named files with a manifest; verify re-reads every committed file and catches one altered in the store', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  const { head } = await seedWorkload(anvil.url, 3);
  if (head < 20) await createTestClient({ mode: 'anvil', transport: http(anvil.url) }).mine({ blocks: 20 - head });
  const inst = await createInstallation(t);
  const { objects, dataDir } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, env: { TRACE_RPC_POOL_DEVNET_URL: anvil.url } });
  const { jobId } = await node.rt.syncJobs.apply(parseSyncJobSpec(JOB));
  await eventually(async () => ((await node.rt.syncJobs.status(jobId)).complete ? true : undefined), 60_000, 'the sync to complete');
  // The CLI's own store serves the same files (same data dir).
  const env = childEnv(inst, { TRACE_LOG_LEVEL: 'warn', TRACE_DATA_DIR: dataDir });

  const verified = await cli(env, 'verify');
  t.is(verified.code, 0, verified.stderr);
  t.regex(verified.stdout, /^dataset\s+chain\s+range\s+file\s+rows\s+schema\s+sha256\s+etag\s+result$/m);
  t.regex(verified.stdout, /^blocks\s+10143\s+\[0, 5\)\s+network_10143__blocks__00000000_to_00000004\.parquet\s+ok\s+ok\s+ok\s+ok\s+ok$/m);
  t.regex(verified.stdout, /^6 files, 0 mismatched$/m, '4 blocks files and 2 transactions files');

  const dir = await mkdtemp(join(tmpdir(), 'trace-export-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const exported = await cli(env, 'export', '--dataset', 'blocks', '--from', '5', '--until', '15', '--to', dir);
  t.is(exported.code, 0, exported.stderr);
  const names = (await readdir(dir)).sort();
  t.deepEqual(names, ['manifest.json', 'network_10143__blocks__00000005_to_00000009.parquet', 'network_10143__blocks__00000010_to_00000014.parquet']);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { dataset: string; files: { file: string; rows: number; sha256: string }[] };
  t.is(manifest.dataset, 'blocks');
  for (const file of manifest.files) {
    t.is(createHash('sha256').update(await readFile(join(dir, file.file))).digest('hex'), file.sha256, `${file.file}: the manifest's sha256`);
  }
  const db = await duckdb(t);
  const read = await db.runAndReadAll(`SELECT count(*), min(block_number), max(block_number) FROM read_parquet('${join(dir, '*.parquet')}')`);
  t.deepEqual(read.getRows()[0]!.map(Number), [10, 5, 14], 'a tool reading the folder sees the blocks, no registry needed');

  // Someone replaces a committed file in the store with another valid Parquet file.
  const [first, second] = await node.rt.registry.listVersions('blocks', ANVIL_CHAIN_ID);
  const store = await objects.get();
  await store.put(first!.bucket, first!.object_keys[0]!, await store.getBytes(second!.bucket, second!.object_keys[0]!));
  const caught = await cli(env, 'verify', '--dataset', 'blocks');
  t.is(caught.code, 1, caught.stderr);
  const line = caught.stdout.split('\n').find((l) => l.includes('00000000_to_00000004'))!;
  t.regex(line, /ok\s+recorded [0-9a-f]{12}…, read [0-9a-f]{12}…\s+recorded "?[0-9a-f]+"?, store has "?[0-9a-f]+"?\s+MISMATCH$/, 'same row count and schema, other bytes');
  t.regex(caught.stdout, /^4 files, 1 mismatched$/m);
  const refused = await cli(env, 'export', '--dataset', 'blocks', '--to', join(dir, 'again'));
  t.is(refused.code, 1);
  t.regex(refused.stderr, /00000000_to_00000004\.parquet does not match the registry/);
});
