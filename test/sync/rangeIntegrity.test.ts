import test from 'ava';
import { createHash } from 'node:crypto';
import { CRYO_DATASETS, HOT_DATASETS } from '../../drivers/datasets/catalog.js';
import { pauseAt } from '../../runtime/failpoints.js';
import { OperatorRegistry } from '../../actors/worker/operators/registry.js';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import type { CanonicalHashes } from '../../actors/state/syncJobs.js';
import { INGEST_OPERATOR } from '../../actors/state/syncJobSpec.js';
import { AttemptOutputs } from '../../actors/worker/attemptOutputs.js';
import { RangeInvalidatedError } from '../../actors/state/datasetRegistry.js';
import { JanitorActor } from '../../actors/janitor/janitor.js';
import { ForkMismatchError } from '../../actors/state/blockHashes.js';
import type { BlockHashes } from '../../drivers/chain/datasets.js';
import { LeaseLostError, type ClaimedTask } from '../../actors/state/tasks/taskTypes.js';
import { createInstallation, type TestInstallation } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';

const CHAIN = 77;
const JOB = `kind: chain_sync
name: tip
chain_id: ${CHAIN}
mode: {kind: follow_head, from_block: 0, tail_lag: 0}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 5, max_inflight: 4}
`;

const hash = (n: number, fork = 'a') => createHash('sha256').update(`${fork}:${n}`).digest();

/** The node's answer after a reorg at `fromBlock`: blocks below keep their hashes, the rest changed. */
const reorgedAt =
  (fromBlock: number): CanonicalHashes =>
  async (_pool, blocks) =>
    new Map(blocks.map((n) => [n, `0x${hash(n, n < fromBlock ? 'a' : 'b').toString('hex')}`]));

/** Blocks 0..n-1 as committed ranges read them from the first fork: hot rows and recorded hashes (what the tip follower compares). */
async function ingestedBlocks(inst: TestInstallation, n: number): Promise<void> {
  const params = [CHAIN, Array.from({ length: n }, (_, i) => i), Array.from({ length: n }, (_, i) => hash(i))];
  await inst.pool.query(
    `INSERT INTO ${inst.schemas.data}.blocks (block_number, block_hash, timestamp, author, gas_used, extra_data, chain_id, parent_hash)
     SELECT b, h, b, '\\x00', 0, '\\x', $1, '\\x' FROM unnest($2::bigint[], $3::bytea[]) AS x(b, h)`,
    params,
  );
  await inst.pool.query(`INSERT INTO ${inst.schemas.state}.block_hashes SELECT $1, b, h FROM unnest($2::bigint[], $3::bytea[]) AS x(b, h) ON CONFLICT DO NOTHING`, params);
}

/** A node whose actors do not run: the test drives planning, claims and reorgs itself. */
async function syncSetup(t: Parameters<typeof startNode>[0], overrides = {}, job = JOB) {
  const inst = await createInstallation(t, overrides);
  const { objects } = await embeddedObjects(t, inst);
  const operators = new OperatorRegistry().register(INGEST_OPERATOR, async () => null);
  const node = await startNode(t, inst, { operators, objects, start: false });
  const { jobId } = await node.rt.syncJobs.apply(parseSyncJobSpec(job));
  for (const stream of ['blocks', 'transactions']) await node.rt.syncJobs.setTarget(jobId, stream, 100);
  return { inst, node, jobId };
}

async function claimRange(node: TestNode, jobId: string, start: number, stream = 'blocks'): Promise<ClaimedTask> {
  const { rows } = await node.rt.db.query<{ task_id: string }>(
    'SELECT task_id::text AS task_id FROM sync_ranges WHERE job_id = $1 AND range_start = $2 AND stream_key = $3',
    [jobId, start, stream],
  );
  const claimed = await node.rt.tasks.attempts.claim(rows[0]!.task_id, 'test-worker', 60);
  if (!claimed) throw new Error(`range ${start} could not be claimed`);
  return claimed;
}

/** Stages and commits a file of `dataset` for [start, end) as `task`'s attempt would, read from `fork`. */
async function commitRange(node: TestNode, task: ClaimedTask, start: number, end: number, fork = 'a', dataset = 'blocks') {
  const outputs = new AttemptOutputs(node.rt, task);
  const key = outputs.stagingKey(dataset, CHAIN, start, end);
  await outputs.stage(outputs.buckets.datasets, key, new Uint8Array([1, 2, 3]));
  const blockHashes: BlockHashes = Array.from({ length: end - start }, (_, i) => [start + i, `0x${hash(start + i, fork).toString('hex')}`]);
  return outputs.commitFile({ dataset, chainId: CHAIN, start, end, configHash: 'test', key, rows: end - start, bytes: 3 }, { blockHashes });
}

test('a reorg cancels the running attempt of an invalidated range: it can neither commit nor heartbeat', async (t) => {
  const { inst, node, jobId } = await syncSetup(t);
  t.is(await node.rt.syncJobs.planOnce(), 4);
  const stale = await claimRange(node, jobId, 15);
  await ingestedBlocks(inst, 15);

  const [reorg] = (await node.rt.syncJobs.detectReorgs(reorgedAt(12))).reorgs;
  t.deepEqual(reorg, { jobId, fromBlock: 12 });
  await t.throwsAsync(commitRange(node, stale, 15, 20), { instanceOf: LeaseLostError });
  await t.throwsAsync(node.rt.tasks.attempts.heartbeat(stale, 60), { instanceOf: LeaseLostError });
  t.deepEqual(await node.rt.registry.listVersions('blocks', CHAIN), [], 'the fetched-from-the-old-fork file is not registered');
  const task = await node.rt.tasks.reads.getTask(stale.taskId);
  t.is(task?.status, 'cancelled');
  t.regex(task?.last_error ?? '', /reorganised from block 12/);
  t.is((await node.rt.tasks.reads.attemptHistory(stale.taskId))[0]?.outcome, 'cancelled');
  const hot = await inst.pool.query(`SELECT block_number FROM ${inst.schemas.data}.blocks WHERE block_number >= 12`);
  t.is(hot.rowCount, 0, 'hot rows of the old fork are gone, so the follower does not find the same reorg again');
  t.deepEqual((await node.rt.syncJobs.detectReorgs(reorgedAt(12))).reorgs, []);
});

test('a commit of a range the ledger no longer holds is refused', async (t) => {
  const { node, jobId } = await syncSetup(t);
  await node.rt.syncJobs.planOnce();
  const task = await claimRange(node, jobId, 5);
  await node.rt.db.query('DELETE FROM sync_ranges WHERE task_id = $1', [task.taskId]);
  await t.throwsAsync(commitRange(node, task, 5, 10), { instanceOf: RangeInvalidatedError });
  t.deepEqual(await node.rt.registry.listVersions('blocks', CHAIN), []);
});

test('a reorg found while a planning transaction is in flight waits for it and forgets its ranges too', async (t) => {
  const { inst, node, jobId } = await syncSetup(t);
  t.is(await node.rt.syncJobs.planOnce(), 4);
  for (const start of [0, 5, 10, 15]) await node.rt.tasks.attempts.succeed(await claimRange(node, jobId, start), null);
  await ingestedBlocks(inst, 20);

  const planning = pauseAt('planner.inTransaction', { when: (c) => c.start === 20 });
  const planned = node.rt.syncJobs.planOnce();
  await planning.reached;
  const reorg = node.rt.syncJobs.detectReorgs(reorgedAt(12));
  planning.release();
  t.is(await planned, 4, 'the planner in flight planned [20, 40)');
  t.deepEqual((await reorg).reorgs, [{ jobId, fromBlock: 12 }]);

  // Before, the invalidation missed the ranges the planner had not committed yet and rewound the
  // cursor beneath them: the next plan hit the ledger's primary key and crashed the dispatcher.
  const ledger = () =>
    node.rt.db
      .query<{ range_start: string; status: string }>(
        'SELECT r.range_start::text AS range_start, t.status FROM sync_ranges r JOIN tasks t USING (task_id) WHERE r.job_id = $1 ORDER BY r.range_start',
        [jobId],
      )
      .then((r) => r.rows.map((row) => `${row.range_start}:${row.status}`));
  t.deepEqual(await ledger(), ['0:succeeded', '5:succeeded']);
  const cursor = await node.rt.db.query<{ cursor: string }>('SELECT cursor::text AS cursor FROM sync_streams WHERE job_id = $1', [jobId]);
  t.is(cursor.rows[0]!.cursor, '10', 'planning resumes at the first forgotten range');
  const cancelled = await node.rt.db.query("SELECT 1 FROM tasks WHERE operator = $1 AND status = 'cancelled'", [INGEST_OPERATOR]);
  t.is(cancelled.rowCount, 4, 'the tasks planned in flight, [20, 40), are cancelled');
  t.is(await node.rt.syncJobs.planOnce(), 4);
  t.deepEqual(await ledger(), ['0:succeeded', '5:succeeded', '10:queued', '15:queued', '20:queued', '25:queued']);
});

test('a range read from another fork than a committed range saw is refused, and the follower finds the stale one', async (t) => {
  const { node, jobId } = await syncSetup(t, {}, JOB + '  transactions: {cryo_dataset_name: transactions, rpc_pool: devnet, chunk_size: 5, max_inflight: 4}\n');
  await node.rt.syncJobs.planOnce();
  await commitRange(node, await claimRange(node, jobId, 10, 'blocks'), 10, 15, 'a', 'blocks');
  const error = await t.throwsAsync(commitRange(node, await claimRange(node, jobId, 10, 'transactions'), 10, 15, 'b', 'transactions'), {
    instanceOf: ForkMismatchError,
  });
  t.regex(error!.message, /block\(s\) 10, 11, 12, 13, 14 were read with another hash/);
  t.deepEqual(await node.rt.registry.listVersions('transactions', CHAIN), [], 'nothing of the other fork is registered');
  // The node is on fork b from block 10: the hashes recorded from fork a are what the follower finds.
  t.deepEqual((await node.rt.syncJobs.detectReorgs(reorgedAt(10))).reorgs, [{ jobId, fromBlock: 10 }]);
});

test('files of versions a reorg invalidated go back to staging and the janitor deletes them', async (t) => {
  const { inst, node, jobId } = await syncSetup(t, { stagingTtlSeconds: 1 });
  await node.rt.syncJobs.planOnce();
  const task = await claimRange(node, jobId, 15);
  await commitRange(node, task, 15, 20);
  const [version] = await node.rt.registry.listVersions('blocks', CHAIN);
  const keys = [...version!.object_keys, version!.manifest_key];
  await ingestedBlocks(inst, 20);
  await node.rt.syncJobs.detectReorgs(reorgedAt(17));
  t.deepEqual(await node.rt.registry.listVersions('blocks', CHAIN), []);
  const staged = await node.rt.db.query<{ object_key: string }>('SELECT object_key FROM staged_objects ORDER BY object_key');
  t.deepEqual(staged.rows.map((r) => r.object_key), [...keys].sort(), 'every object is referenced by a version or a staged record');

  const store = await node.rt.objects.get();
  const janitor = new JanitorActor(node.rt);
  await new Promise((r) => setTimeout(r, 1_100));
  t.is(await janitor.sweep(), keys.length);
  for (const key of keys) t.is(await store.head(version!.bucket, key), undefined, `${key} deleted`);
});

test('registered ranges of a synced dataset never overlap on one chain; balances may', async (t) => {
  const inst = await createInstallation(t);
  const node = await startNode(t, inst, { start: false });
  const taskId = await node.rt.tasks.runs.submitTask('noop', {});
  const register = (dataset: string, start: number, end: number, config: string) =>
    inst.pool.query(
      `INSERT INTO ${inst.schemas.state}.dataset_versions
         (dataset, chain_id, range_start, range_end, config_hash, bucket, object_keys, manifest_key, row_count, bytes, task_id, attempt)
       VALUES ($1, $2, $3, $4, $5, 'b', ARRAY['k'], 'm', 0, 0, $6, 1)`,
      [dataset, CHAIN, start, end, config, taskId],
    );
  for (const dataset of CRYO_DATASETS) {
    await register(dataset, 0, 10, 'first');
    const overlapping = register(dataset, 5, 15, 'second');
    if ((HOT_DATASETS as readonly string[]).includes(dataset)) {
      await t.throwsAsync(overlapping, { message: /dataset_versions_synced_ranges_do_not_overlap/ }, dataset);
    } else {
      await t.notThrowsAsync(overlapping, dataset);
    }
    await t.notThrowsAsync(register(dataset, 10, 20, 'adjacent'), `${dataset}: adjacent ranges are fine`);
  }
});
