import test, { type ExecutionContext } from 'ava';
import { AttemptOutputs } from '../../actors/worker/attemptOutputs.js';
import { BUFFER_QUEUE } from '../../actors/state/bufferBatches.js';
import { PublisherActor } from '../../actors/publisher/publisher.js';
import { SinkActor } from '../../actors/sink/sink.js';
import type { Delivery } from '../../drivers/queue/queueDriver.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { createInstallation, eventually, type TestInstallation } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';
import { embeddedObjects, interruptibleObjects } from '../helpers/objectStore.js';

const ROWS = [
  { address: '0xaa', balance: '100' },
  { address: '0xbb', balance: '250' },
];

/** A node (not started) with one batch of ROWS whose attempt succeeded, its wake-up still in the outbox. */
async function succeededBatch(t: ExecutionContext, inst: TestInstallation, objects: LazyObjectStore): Promise<{ node: TestNode; batchId: string }> {
  await inst.pool.query(`CREATE TABLE ${inst.schemas.data}.balances (address text PRIMARY KEY, balance numeric NOT NULL)`);
  const node = await startNode(t, inst, { roles: ['dispatcher', 'publisher', 'sink'], objects, start: false });
  const taskId = await node.rt.tasks.runs.submitTask('noop', {});
  const fence = (await node.rt.tasks.attempts.claim(taskId, 'worker-a', 60))!;
  const { batchId } = await new AttemptOutputs(node.rt, fence).publishBuffer('balances', 'balances', ROWS);
  await node.rt.tasks.attempts.succeed(fence, null);
  return { node, batchId };
}

const applied = (node: TestNode, batchId: string) => async () => ((await node.rt.buffers.get(batchId))?.status === 'applied' ? true : undefined);

const rowsIn = async (inst: TestInstallation) =>
  (await inst.pool.query<{ address: string; balance: string }>('SELECT address, balance::text FROM balances ORDER BY address')).rows;

test('a pending batch whose wake-up was lost from the queue is re-announced by the sweeper and applied', async (t) => {
  const inst = await createInstallation(t, { sweepGraceSeconds: 1 });
  const { objects } = await embeddedObjects(t, inst);
  const { node, batchId } = await succeededBatch(t, inst, objects);
  await new PublisherActor(node.rt).publishBatch();
  t.true((await node.rt.queue.purge(BUFFER_QUEUE)) > 0, 'the wake-up was published, then lost with the queue');
  await node.supervisor.start();
  await eventually(applied(node, batchId), 10_000, 'the batch to be re-announced and applied');
  t.deepEqual(await rowsIn(inst), ROWS);
});

test('a delivery handed back at shutdown again and again keeps its delivery budget', async (t) => {
  const inst = await createInstallation(t, { queueMaxDeliveries: 2 });
  const { rt } = await startNode(t, inst, { roles: [], start: false });
  await rt.queue.publish(BUFFER_QUEUE, { batch_id: '1' });
  // Stand-ins occupy the sink's slots, so the wake-up waits in its mailbox when it stops. Their
  // receipts match no message: what the sink does with them changes nothing.
  const standIn: Delivery = { receipt: { queue: BUFFER_QUEUE, messageId: '0', deliveryCount: 1 }, payload: { batch_id: 'stand-in' }, enqueuedAt: new Date() };
  const handBacks = 4;
  for (let round = 1; round <= handBacks; round++) {
    const [held] = await rt.queue.receive(BUFFER_QUEUE, 1, 30);
    if (held === undefined) return t.fail(`hand-back ${round}: the wake-up is gone: ${JSON.stringify(await rt.queue.deadLetters(BUFFER_QUEUE))}`);
    const sink = new SinkActor(rt);
    await sink.start(() => undefined);
    while (sink.mailbox.size === 0) rt.wakeups.deliver(standIn);
    rt.wakeups.deliver(held);
    await sink.stop();
  }
  t.deepEqual(await rt.queue.deadLetters(BUFFER_QUEUE), []);
  const [last] = await rt.queue.receive(BUFFER_QUEUE, 1, 30);
  t.is(last?.receipt.deliveryCount, 1, 'no hand-back spent a delivery');
});

test('an object store outage while the sink applies spends no delivery budget; the batch is applied when the store returns', async (t) => {
  const inst = await createInstallation(t, { queueMaxDeliveries: 2 });
  const s3 = await interruptibleObjects(t, inst);
  // Counts the sink's reads of the batch, failed ones included.
  let reads = 0;
  const counted = new LazyObjectStore(async () => {
    const opened = await s3.objects.opened();
    const store = Object.assign(Object.create(opened.store) as typeof opened.store, {
      getBytes: (bucket: string, key: string) => {
        reads += 1;
        return opened.store.getBytes(bucket, key);
      },
    });
    return { ...opened, store, stop: async () => undefined };
  });
  const { node, batchId } = await succeededBatch(t, inst, counted);
  await s3.stop();
  await node.supervisor.start();
  const budget = inst.config.queueMaxDeliveries;
  await eventually(async () => (reads > budget || (await node.rt.queue.deadLetters(BUFFER_QUEUE)).length > 0 ? true : undefined), 30_000, 'reads past the delivery budget');
  t.deepEqual(await node.rt.queue.deadLetters(BUFFER_QUEUE), [], 'no dead letter while the store is down');
  t.is((await node.rt.buffers.get(batchId))?.status, 'pending');

  await s3.restart();
  await eventually(applied(node, batchId), 45_000, 'the batch after the store returned');
  t.deepEqual(await rowsIn(inst), ROWS);
  t.deepEqual(await node.rt.queue.deadLetters(BUFFER_QUEUE), []);
});
