import test from 'ava';
import { JanitorActor } from '../../actors/janitor/janitor.js';
import { AttemptOutputs } from '../../actors/worker/attemptOutputs.js';
import type { ObjectStore } from '../../drivers/store/objectStore.js';
import { pauseAt } from '../../runtime/failpoints.js';
import { createInstallation, eventually, type TestInstallation } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { rangeContent } from '../helpers/writeRangeOperator.js';

/** Keys in the bucket that neither a staged record nor a committed version accounts for. */
async function untracked(inst: TestInstallation, store: ObjectStore, bucket: string): Promise<string[]> {
  const { rows } = await inst.pool.query<{ key: string }>(
    `SELECT object_key AS key FROM staged_objects WHERE bucket = $1
     UNION SELECT unnest(object_keys || manifest_key) FROM dataset_versions WHERE bucket = $1`,
    [bucket],
  );
  const tracked = new Set(rows.map((r) => r.key));
  const out: string[] = [];
  for await (const object of store.list(bucket, '')) if (!tracked.has(object.key)) out.push(object.key);
  return out;
}

test('an upload that outlasts its reaped attempt and the staging TTL lands tracked; the janitor removes it after the upload deadline', async (t) => {
  const inst = await createInstallation(t, { stagingTtlSeconds: 1 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { roles: [], objects, start: false });
  const store = await objects.get();
  const janitor = new JanitorActor(node.rt);
  const taskId = await node.rt.tasks.runs.submitTask('noop', {});
  const attempt = (await node.rt.tasks.attempts.claim(taskId, 'worker-a', 0.2))!;
  const outputs = new AttemptOutputs(node.rt, attempt);
  const key = outputs.stagingKey('logs', 1, 0, 100);

  // The key is recorded, then its upload is held while the attempt is reaped and the TTL passes.
  const held = pauseAt('outputs.afterRecordStaged', { when: (ctx) => ctx.key === key });
  const upload = outputs.stage(outputs.buckets.datasets, key, rangeContent('logs', 0, 100));
  await held.reached;
  await eventually(async () => ((await node.rt.tasks.maintenance.reapExpiredLeases()) === 1 ? true : undefined), 5_000, 'the attempt reaped');
  await eventually(async () => {
    const { rows } = await inst.pool.query("SELECT 1 FROM staged_objects WHERE object_key = $1 AND staged_at < now() - interval '1 second'", [key]);
    return rows.length > 0 ? true : undefined;
  }, 5_000, 'the staging TTL to pass');
  t.is(await janitor.sweep(), 1, 'the janitor deletes the key (nothing is there yet)');
  held.release();
  await upload;

  t.truthy(await store.head('datasets', key), 'the slow upload landed after the delete');
  t.deepEqual(await untracked(inst, store, 'datasets'), [], 'every object in the bucket is tracked');
  t.is(await janitor.sweep(), 0, 'a key deleted before its upload deadline waits for the deadline');

  // Past the deadline (moved back here, not waited for) nothing can land on the key: the janitor
  // deletes it again and only then forgets it.
  await inst.pool.query("UPDATE staged_objects SET upload_deadline = now() - interval '1 second' WHERE object_key = $1", [key]);
  t.is(await janitor.sweep(), 1);
  t.is(await store.head('datasets', key), undefined);
  t.is((await inst.pool.query('SELECT 1 FROM staged_objects')).rowCount, 0);
  t.is(await janitor.sweep(), 0);
});
