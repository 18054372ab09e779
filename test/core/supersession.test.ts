/**
 * Compaction's switch from small versions to the one that merges them: a query pinned before it
 * keeps reading what it pinned, the superseded files go only after the last such query, a crash
 * between the compaction's upload and its commit leaves the small versions live, and a compaction
 * commits exactly the versions it was planned with or nothing.
 */
import test, { type ExecutionContext } from 'ava';
import { JanitorActor } from '../../actors/janitor/janitor.js';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import { OperatorRegistry } from '../../actors/worker/operators/registry.js';
import { waitForTask } from '../../cli/submissions.js';
import { pauseAt } from '../../runtime/failpoints.js';
import type { QueryResult } from '../../actors/query/queryTypes.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { writeBlocks } from '../helpers/writeBlocksOperator.js';
import { spawnNode } from '../process/childNode.js';

/**
 * Hot tier: the newest 20 blocks; a compacted file spans 120. Ranges of 10 blocks up to 160: [0, 120)
 * is one full span below the boundary (and crosses block 100: its ranges sort as numbers, not text).
 */
const TIERS = { hotRetentionBlocks: 20, compactionBlocks: 120 };
const TIP = 160;
const EVERY_BLOCK_ONCE = [TIP, TIP, 0, TIP - 1];
/** The live ranges once [0, 120) is compacted. */
const COMPACTED = [[0, 120], [120, 130], [130, 140], [140, 150], [150, 160]];
const SUMMARY = 'SELECT count(*) AS n, count(DISTINCT block_number) AS blocks, min(block_number) AS lo, max(block_number) AS hi FROM blocks';

async function writeRange(node: TestNode, start: number, end: number): Promise<void> {
  const taskId = await node.rt.tasks.runs.submitTask('write_blocks', { start, end });
  const done = await waitForTask(node.rt, taskId, 30_000);
  if (done.status !== 'succeeded') throw new Error(`write_blocks [${start}, ${end}) ${done.status}: ${done.last_error}`);
}

async function writeSmallRanges(node: TestNode): Promise<void> {
  for (let start = 0; start < TIP; start += 10) await writeRange(node, start, start + 10);
}

async function liveRanges(node: TestNode): Promise<number[][]> {
  return (await node.rt.registry.listVersions('blocks', 1)).map((v) => [Number(v.range_start), Number(v.range_end)]);
}

async function summary(node: TestNode): Promise<QueryResult> {
  return (await node.rt.query()).query({ sql: SUMMARY });
}

/** A query held right after it pinned the registry, until released. */
function pinnedQuery(node: TestNode): { pinned: Promise<void>; release: () => void; result: Promise<QueryResult> } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let pin!: () => void;
  const pinned = new Promise<void>((resolve) => (pin = resolve));
  const result = node.rt.query().then((qs) => qs.query({ sql: SUMMARY }, { onPinned: () => (pin(), released) }));
  return { pinned, release, result };
}

async function smallKeys(node: TestNode): Promise<string[]> {
  const versions = await node.rt.registry.listAll({ dataset: 'blocks', superseded: true });
  return versions.filter((v) => v.superseded_by !== null).flatMap((v) => v.object_keys);
}

test('queries pinned before the switch read the small versions; their files are deleted only after the last of them ends', async (t) => {
  const inst = await createInstallation(t, TIERS);
  const { objects } = await embeddedObjects(t, inst);
  // No dispatcher and no janitor: the test plans the compaction and runs the janitor's sweep itself.
  const node = await startNode(t, inst, { objects, roles: ['publisher', 'heartbeat', 'worker'], operators: builtinOperators().register('write_blocks', writeBlocks) });
  await writeSmallRanges(node);
  const store = await objects.get();
  const janitor = new JanitorActor(node.rt);

  const first = pinnedQuery(node);
  const second = pinnedQuery(node);
  await Promise.all([first.pinned, second.pinned]);
  const [planned] = await node.rt.compactions.planOnce({ maxInFlight: 2 });
  t.like(planned, { dataset: 'blocks', start: 0, end: 120 });
  t.is(planned!.versionIds.length, 12);
  t.is((await waitForTask(node.rt, planned!.taskId, 30_000)).status, 'succeeded');
  const superseded = await smallKeys(node);
  t.is(superseded.length, 12);

  t.is(await janitor.deleteSuperseded(), 0, 'two queries pinned before the switch may still read them');
  const after = await summary(node);
  t.deepEqual(after.rows[0], EVERY_BLOCK_ONCE);
  t.is(after.stats.coldFiles, 5, 'a query after the switch reads the compacted file and the four small ranges past it');

  first.release();
  const firstResult = await first.result;
  t.deepEqual(firstResult.rows[0], EVERY_BLOCK_ONCE);
  t.is(firstResult.stats.coldFiles, 16, 'the pinned query read the small versions it pinned');
  t.is(await janitor.deleteSuperseded(), 0, 'the second query still pins them');
  for (const key of superseded) t.truthy(await store.head('datasets', key));

  second.release();
  t.deepEqual((await second.result).rows[0], EVERY_BLOCK_ONCE);
  // Eventually: a snapshot of another client of this database may be older for a moment.
  t.is(await eventually(async () => (await janitor.deleteSuperseded()) || undefined, 20_000, 'the superseded files to go'), 12);
  for (const key of superseded) t.is(await store.head('datasets', key), undefined);
  const marked = await node.rt.registry.listAll({ dataset: 'blocks', superseded: true });
  t.is(marked.filter((v) => v.objects_deleted_at !== null).length, 12, 'their rows stay, marked');
  t.deepEqual((await summary(node)).rows[0], EVERY_BLOCK_ONCE);
});

test('a crash between the compaction upload and its commit leaves the small versions live; the retry compacts them', async (t) => {
  const inst = await createInstallation(t, { ...TIERS, leaseTtlSeconds: 2, retryBaseSeconds: 0.1 });
  const { objects } = await embeddedObjects(t, inst);
  // This node writes the ranges and answers queries; it has no `compact` operator, so only the child processes compact.
  const node = await startNode(t, inst, { objects, roles: ['publisher', 'heartbeat', 'worker'], operators: new OperatorRegistry().register('write_blocks', writeBlocks) });
  await writeSmallRanges(node);
  await node.supervisor.stop();
  const [planned] = await node.rt.compactions.planOnce({ maxInFlight: 2 });
  const { endpoint } = await objects.opened();

  const victim = spawnNode(t, inst, ['--roles', 'publisher,heartbeat,worker'], { S3_ENDPOINT: endpoint, TRACE_TEST_FAILPOINTS: 'compact.beforeCommit=crash' });
  t.is((await victim.exited).signal, 'SIGKILL', victim.output());
  const live = await node.rt.registry.listVersions('blocks', 1);
  t.is(live.length, 16, 'the small versions are still the live ones');
  t.true(live.every((v) => v.superseded_by === null));
  const staged = await inst.pool.query<{ object_key: string }>('SELECT object_key FROM staged_objects WHERE task_id = $1', [planned!.taskId]);
  const compactedKey = staged.rows.map((r) => r.object_key).find((k) => k.endsWith('.parquet'));
  t.truthy(compactedKey, 'the uploaded file is a staging leftover the janitor knows of');
  t.truthy(await (await objects.get()).head('datasets', compactedKey!), 'uploaded before the crash');
  t.deepEqual((await summary(node)).rows[0], EVERY_BLOCK_ONCE);

  spawnNode(t, inst, ['--roles', 'dispatcher,publisher,heartbeat,worker'], { S3_ENDPOINT: endpoint });
  const done = await eventually(async () => {
    const task = await node.rt.tasks.reads.getTask(planned!.taskId);
    return task?.status === 'succeeded' ? task : undefined;
  }, 60_000, 'the retried compaction'); // a spawned node's start plus the lapsed lease: ~12 s quiet, past 30 s in the full suite
  t.is(done.attempt, 2);
  t.deepEqual(await liveRanges(node), COMPACTED);
  t.deepEqual((await summary(node)).rows[0], EVERY_BLOCK_ONCE);
  await assertNotRegistered(t, node, compactedKey!);
});

test.serial('a compaction commits the versions it was planned with or nothing: one replaced meanwhile leaves them all live', async (t) => {
  const inst = await createInstallation(t, TIERS);
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, roles: ['publisher', 'heartbeat', 'worker'], operators: builtinOperators().register('write_blocks', writeBlocks) });
  await writeSmallRanges(node);
  const held = pauseAt('compact.beforeListing');
  const [planned] = await node.rt.compactions.planOnce({ maxInFlight: 2 });
  t.like(await held.reached, { dataset: 'blocks', start: 0, end: 120 });
  // As a reorg's invalidation forgets a range's version and the range is ingested again: the same
  // blocks in a version the planner did not choose.
  const replaced = planned!.versionIds[5]!;
  await inst.pool.query('DELETE FROM dataset_versions WHERE version_id = $1', [replaced]);
  await writeRange(node, 50, 60);
  held.release();
  const done = await waitForTask(node.rt, planned!.taskId, 30_000);
  t.is(done.status, 'succeeded');
  t.like(done.result, { compacted: false });
  const live = await node.rt.registry.listVersions('blocks', 1);
  t.is(live.length, 16, 'every small version is still live, the new one included');
  t.false(live.some((v) => v.version_id === replaced));
  t.deepEqual((await summary(node)).rows[0], EVERY_BLOCK_ONCE);

  const [again] = await node.rt.compactions.planOnce({ maxInFlight: 2 });
  t.true(again!.versionIds.every((id) => id !== replaced), 'planned again with the live versions');
  t.is((await waitForTask(node.rt, again!.taskId, 30_000)).status, 'succeeded');
  t.deepEqual(await liveRanges(node), COMPACTED);
  t.deepEqual((await summary(node)).rows[0], EVERY_BLOCK_ONCE);
});

async function assertNotRegistered(t: ExecutionContext, node: TestNode, key: string): Promise<void> {
  const all = await node.rt.registry.listAll({ superseded: true });
  t.false(all.some((v) => v.object_keys.includes(key)), "the crashed attempt's file was never registered");
}
