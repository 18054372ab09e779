import test, { type ExecutionContext } from 'ava';
import { AttemptOutputs } from '../../actors/worker/attemptOutputs.js';
import { BUFFER_QUEUE, UnknownTableError } from '../../actors/state/bufferBatches.js';
import { LeaseLostError } from '../../actors/state/tasks/taskTypes.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';

async function setup(t: ExecutionContext) {
  const inst = await createInstallation(t, { queueMaxDeliveries: 3 });
  await inst.pool.query(`CREATE TABLE ${inst.schemas.data}.balances (address text PRIMARY KEY, balance numeric NOT NULL)`);
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { roles: ['publisher', 'sink'], objects, start: false });
  const taskId = await node.rt.tasks.runs.submitTask('noop', {});
  const fence = (await node.rt.tasks.attempts.claim(taskId, 'worker-a', 60))!;
  return { inst, node, fence, outputs: new AttemptOutputs(node.rt, fence) };
}

const rowsIn = async (inst: Awaited<ReturnType<typeof createInstallation>>) =>
  (await inst.pool.query<{ address: string; balance: string }>('SELECT address, balance::text FROM balances ORDER BY address')).rows;

test('buffer publish: rows reach the data table once, and the same (task, attempt, artifact) is recorded once', async (t) => {
  const { inst, node, fence, outputs } = await setup(t);
  const rows = [
    { address: '0xaa', balance: '100' },
    { address: '0xbb', balance: '250' },
  ];
  const first = await outputs.publishBuffer('batch-1', 'balances', rows);
  const again = await outputs.publishBuffer('batch-1', 'balances', rows);
  t.true(first.created);
  t.deepEqual(again, { batchId: first.batchId, created: false });
  const outboxRows = async () => (await inst.pool.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n as number;
  t.is(await outboxRows(), 1, 'the task\'s wake-up only: a batch is announced when its attempt succeeds');
  await node.rt.tasks.attempts.succeed(fence, null);
  t.is(await outboxRows(), 2, 'and one for the batch');

  await node.supervisor.start();
  await eventually(async () => ((await node.rt.buffers.get(first.batchId))?.status === 'applied' ? true : undefined), 10_000, 'the batch');
  t.deepEqual(await rowsIn(inst), rows);
  // A duplicate wake-up for an applied batch changes nothing.
  await node.rt.queue.publish(BUFFER_QUEUE, { batch_id: first.batchId });
  await eventually(async () => ((await node.rt.queue.metrics(BUFFER_QUEUE)).depth === 0 ? true : undefined), 5_000, 'the duplicate');
  t.deepEqual(await rowsIn(inst), rows);
});

test('buffer publish from a stale attempt is refused and records nothing', async (t) => {
  const { inst, node, fence } = await setup(t);
  await inst.pool.query('UPDATE tasks SET lease_token = gen_random_uuid() WHERE task_id = $1', [fence.taskId]);
  const stale = new AttemptOutputs(node.rt, fence);
  await t.throwsAsync(stale.publishBuffer('batch-1', 'balances', [{ address: '0xaa', balance: '1' }]), { instanceOf: LeaseLostError });
  t.is((await inst.pool.query('SELECT count(*)::int AS n FROM buffer_batches')).rows[0].n, 0);
});

test('a buffer batch for a table that does not exist is refused at publish', async (t) => {
  const { outputs } = await setup(t);
  await t.throwsAsync(outputs.publishBuffer('batch-1', 'no_such_table', [{ a: 1 }]), { instanceOf: UnknownTableError });
});

test('a poison batch goes to the dead-letter table after the delivery budget with zero rows inserted, and is not announced again', async (t) => {
  const { inst, node, fence, outputs } = await setup(t);
  const poison = [
    { address: '0xaa', balance: '100' },
    { address: '0xbb', balance: 'not a number' },
  ];
  const { batchId } = await outputs.publishBuffer('poison', 'balances', poison);
  await node.rt.tasks.attempts.succeed(fence, null);
  await node.supervisor.start();
  const [dead] = await eventually(async () => {
    const letters = await node.rt.queue.deadLetters(BUFFER_QUEUE);
    return letters.length > 0 ? letters : undefined;
  }, 15_000, 'the dead letter');
  t.deepEqual(dead!.payload, { batch_id: batchId });
  t.is(dead!.deliveryCount, 3);
  t.regex(dead!.lastError ?? '', /invalid input syntax for type numeric/);
  t.deepEqual(await rowsIn(inst), [], 'no partial rows');
  const batch = await eventually(async () => {
    const b = await node.rt.buffers.get(batchId);
    return b?.dead_lettered_at ? b : undefined;
  }, 5_000, 'the batch marked dead-lettered');
  t.is(batch.status, 'pending');
  // A sweep with no grace announces stale batches again, but leaves this one to a redrive.
  t.deepEqual(await node.rt.buffers.sweep(0), { discarded: 0, reannounced: 0 });
});
