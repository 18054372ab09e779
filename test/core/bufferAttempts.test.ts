import test from 'ava';
import { AttemptOutputs } from '../../actors/worker/attemptOutputs.js';
import { BUFFER_QUEUE } from '../../actors/state/bufferBatches.js';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import { createInstallation, eventually, type TestInstallation } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';

/** A data table without a unique key: a batch applied twice, or a second attempt's batch, shows as extra rows. */
async function createTransfers(inst: TestInstallation): Promise<void> {
  await inst.pool.query(`CREATE TABLE ${inst.schemas.data}.transfers (attempt integer NOT NULL, n integer NOT NULL)`);
}

const transfers = async (inst: TestInstallation) =>
  (await inst.pool.query<{ attempt: number; n: number }>('SELECT attempt, n FROM transfers ORDER BY attempt, n')).rows;

const batchesOf = async (inst: TestInstallation) =>
  (await inst.pool.query<{ attempt: number; status: string }>('SELECT attempt, status FROM buffer_batches ORDER BY attempt')).rows;

test('only the batch of the attempt that succeeded is applied: a failed attempt\'s batch is discarded', async (t) => {
  const inst = await createInstallation(t, { retryBaseSeconds: 0.2, sweepGraceSeconds: 1 });
  await createTransfers(inst);
  const { objects } = await embeddedObjects(t, inst);
  const operators = builtinOperators().register('buffer_then_fail_first', async ({ task, outputs }) => {
    await outputs.publishBuffer('transfers', 'transfers', [1, 2].map((n) => ({ attempt: task.attempt, n })));
    if (task.attempt === 1) throw new Error('attempt 1 fails after publishing its batch');
    return null;
  });
  const { rt } = await startNode(t, inst, { roles: ['dispatcher', 'publisher', 'heartbeat', 'worker', 'sink'], operators, objects });
  const taskId = await rt.tasks.runs.submitTask('buffer_then_fail_first', {}, 2);
  await eventually(async () => ((await rt.tasks.reads.getTask(taskId))?.status === 'succeeded' ? true : undefined), 15_000, 'the retry to succeed');
  const batches = await eventually(async () => {
    const rows = await batchesOf(inst);
    return rows.length === 2 && rows.every((b) => b.status !== 'pending') ? rows : undefined;
  }, 10_000, 'both batches to be settled');
  t.deepEqual(await transfers(inst), [
    { attempt: 2, n: 1 },
    { attempt: 2, n: 2 },
  ]);
  t.deepEqual(batches, [
    { attempt: 1, status: 'discarded' },
    { attempt: 2, status: 'applied' },
  ]);
});

test('a wake-up for a batch whose attempt still runs applies nothing; the attempt\'s success applies it', async (t) => {
  const inst = await createInstallation(t);
  await createTransfers(inst);
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { roles: ['publisher', 'sink'], objects, start: false });
  const taskId = await node.rt.tasks.runs.submitTask('noop', {});
  const fence = (await node.rt.tasks.attempts.claim(taskId, 'worker-a', 60))!;
  const { batchId } = await new AttemptOutputs(node.rt, fence).publishBuffer('transfers', 'transfers', [{ attempt: 1, n: 1 }]);
  // A stray wake-up (a duplicate, a redrive) reaches the sink while the attempt is still running.
  await node.rt.queue.publish(BUFFER_QUEUE, { batch_id: batchId });
  await node.supervisor.start();
  await eventually(async () => ((await node.rt.queue.metrics(BUFFER_QUEUE)).depth === 0 ? true : undefined), 10_000, 'the stray wake-up');
  t.is((await node.rt.buffers.get(batchId))?.status, 'pending');
  t.deepEqual(await transfers(inst), [], 'nothing of a running attempt is visible');

  await node.rt.tasks.attempts.succeed(fence, null);
  await eventually(async () => ((await node.rt.buffers.get(batchId))?.status === 'applied' ? true : undefined), 10_000, 'the batch');
  t.deepEqual(await transfers(inst), [{ attempt: 1, n: 1 }]);
});
