import test from 'ava';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import { JanitorActor } from '../../actors/janitor/janitor.js';
import { AttemptOutputs } from '../../actors/worker/attemptOutputs.js';
import { LeaseLostError, taskIsFinished } from '../../actors/state/tasks/taskTypes.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { rangeContent, writeRange } from '../helpers/writeRangeOperator.js';

const operators = () => builtinOperators().register('write_range', writeRange);

async function waitFinished(node: Awaited<ReturnType<typeof startNode>>, taskId: string) {
  return eventually(async () => {
    const task = await node.rt.tasks.reads.getTask(taskId);
    return task && taskIsFinished(task) ? task : undefined;
  }, 20_000, `task ${taskId} to finish`);
}

test('a committed range is visible through the registry with its manifest; staged-only objects are not', async (t) => {
  const inst = await createInstallation(t);
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { operators: operators(), objects });
  const committed = await node.rt.tasks.runs.submitTask('write_range', { start: 0, end: 100 });
  const stagedOnly = await node.rt.tasks.runs.submitTask('write_range', { start: 100, end: 200, skip_commit: true });
  t.is((await waitFinished(node, committed)).status, 'succeeded');
  const stagedTask = await waitFinished(node, stagedOnly);
  t.is(stagedTask.status, 'succeeded');

  const versions = await node.rt.registry.listVersions('logs', 1);
  t.deepEqual(versions.map((v) => [v.range_start, v.range_end, v.row_count]), [['0', '100', '100']]);
  const store = await objects.get();
  const [key] = versions[0]!.object_keys;
  // Cryo names chain 1 "ethereum" in its file names (drivers/datasets/cryoSchemas.ts).
  t.regex(key!, /^staging\/logs\/chain_1\/task_\d+\/attempt_1\/ethereum__logs__00000000_to_00000099\.parquet$/);
  t.deepEqual(await store.getBytes('datasets', key!), rangeContent('logs', 0, 100));
  const manifest = JSON.parse(new TextDecoder().decode(await store.getBytes('datasets', versions[0]!.manifest_key))) as Record<string, unknown>;
  t.like(manifest, { dataset: 'logs', chain_id: 1, range_start: 0, range_end_exclusive: 100, row_count: 100, task_id: committed });

  const stagedKey = (stagedTask.result as { staged: string }).staged;
  t.truthy(await store.head('datasets', stagedKey), 'the staged object exists in the bucket');
  t.deepEqual(await node.rt.registry.listVersions('logs', 1, 100, 200), [], 'but no reader can resolve it');
});

test('a stale attempt cannot commit; its objects stay unregistered and the janitor removes them after the TTL', async (t) => {
  const inst = await createInstallation(t, { stagingTtlSeconds: 1 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { roles: [], operators: operators(), objects, start: false });
  const taskId = await node.rt.tasks.runs.submitTask('write_range', {});
  const stale = (await node.rt.tasks.attempts.claim(taskId, 'worker-a', 0.2))!;
  const outputs = new AttemptOutputs(node.rt, stale);
  const key = `${outputs.stagingPrefix('logs', 1)}part.parquet`;
  await outputs.stage('datasets', key, rangeContent('logs', 0, 100));
  await new Promise((r) => setTimeout(r, 300));
  t.is(await node.rt.tasks.maintenance.reapExpiredLeases(), 1, 'the lease lapsed');
  const version = { dataset: 'logs', chainId: 1, rangeStart: 0, rangeEnd: 100, configHash: 'test', bucket: 'datasets', objectKeys: [key], rowCount: 100, bytes: 1024 };
  await t.throwsAsync(outputs.commit(version), { instanceOf: LeaseLostError });
  t.deepEqual(await node.rt.registry.listVersions('logs', 1), []);

  const store = await objects.get();
  t.truthy(await store.head('datasets', key));
  const janitor = new JanitorActor(node.rt);
  await new Promise((r) => setTimeout(r, 1_100));
  t.true((await janitor.sweep()) >= 1);
  t.is(await store.head('datasets', key), undefined, 'the janitor deleted the stale attempt\'s object');
});

test('the janitor never deletes what a live attempt may still commit, nor what is committed', async (t) => {
  const inst = await createInstallation(t, { stagingTtlSeconds: 1 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { roles: [], operators: operators(), objects, start: false });
  const taskId = await node.rt.tasks.runs.submitTask('write_range', {});
  const live = (await node.rt.tasks.attempts.claim(taskId, 'worker-a', 60))!;
  const outputs = new AttemptOutputs(node.rt, live);
  const key = `${outputs.stagingPrefix('logs', 1)}part.parquet`;
  await outputs.stage('datasets', key, rangeContent('logs', 0, 100));
  await new Promise((r) => setTimeout(r, 1_100));
  const janitor = new JanitorActor(node.rt);
  t.is(await janitor.sweep(), 0, 'a running attempt keeps its staged objects');
  await outputs.commit({ dataset: 'logs', chainId: 1, rangeStart: 0, rangeEnd: 100, configHash: 'test', bucket: 'datasets', objectKeys: [key], rowCount: 100, bytes: 1024 });
  await node.rt.tasks.attempts.succeed(live, null);
  await new Promise((r) => setTimeout(r, 1_100));
  t.is(await janitor.sweep(), 0, 'committed objects and their manifest are kept');
  t.truthy(await (await objects.get()).head('datasets', key));
});

test('the same range committed twice (a retry after a crash) leaves one registry row and the same data', async (t) => {
  const inst = await createInstallation(t, { retryBaseSeconds: 0.05 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { operators: operators(), objects });
  const taskId = await node.rt.tasks.runs.submitTask('write_range', { start: 0, end: 50, fail_after_commit_until_attempt: 1 });
  const done = await waitFinished(node, taskId);
  t.is(done.status, 'succeeded');
  t.is(done.attempt, 2, 'the first attempt committed, then failed');
  t.like(done.result as object, { registered: 0, alreadyRegistered: 1 });
  const versions = await node.rt.registry.listVersions('logs', 1);
  t.is(versions.length, 1);
  t.is(versions[0]!.attempt, 1, 'the first commit is the visible one');
  t.deepEqual(await (await objects.get()).getBytes('datasets', versions[0]!.object_keys[0]!), rangeContent('logs', 0, 50));
  const leftovers = await inst.pool.query<{ attempt: number }>('SELECT DISTINCT attempt FROM staged_objects');
  t.deepEqual(leftovers.rows, [{ attempt: 2 }], "only the retry's duplicate objects are left for the janitor");
});
