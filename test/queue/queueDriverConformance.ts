import test, { type ExecutionContext } from 'ava';
import { ReceiptRefusedError, type QueueDriver } from '../../drivers/queue/queueDriver.js';

/** Opens a driver onto one test's isolated queues; every driver it opens shares them, as processes of one installation do. */
export type OpenDriver = () => QueueDriver;

/**
 * The behaviour every QueueDriver must have. A driver's test file calls this once with a factory
 * that sets up fresh, isolated queues for one test (registering their teardown) and returns how
 * to open drivers onto them.
 */
export function queueDriverConformance(label: string, isolatedQueues: (t: ExecutionContext) => Promise<OpenDriver>): void {
  const withDrivers = (title: string, body: (t: ExecutionContext, open: OpenDriver) => Promise<void>) =>
    test(`${label}: ${title}`, async (t) => {
      const openDriver = await isolatedQueues(t);
      await body(t, () => {
        const driver = openDriver();
        t.teardown(() => driver.close());
        return driver;
      });
    });
  const it = (title: string, body: (t: ExecutionContext, q: QueueDriver) => Promise<void>) => withDrivers(title, (t, open) => body(t, open()));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('publish, receive and ack', async (t, q) => {
    await q.publish('jobs', { task_id: 1 });
    const [delivery, ...rest] = await q.receive('jobs', 10, 30);
    t.deepEqual(rest, []);
    t.truthy(delivery);
    t.deepEqual(delivery!.payload, { task_id: 1 });
    t.is(delivery!.receipt.deliveryCount, 1);
    await q.ack(delivery!.receipt);
    t.deepEqual(await q.receive('jobs', 10, 30), []);
    t.is((await q.metrics('jobs')).depth, 0);
  });

  it('a consumer that receives again before its acks settle gets every message once, and every ack settles', async (t, q) => {
    await q.publishBatch('jobs', Array.from({ length: 30 }, (_, n) => ({ n })));
    const seen: number[] = [];
    const acks: Promise<unknown>[] = [];
    for (let batch = await q.receive('jobs', 10, 30); batch.length > 0; batch = await q.receive('jobs', 10, 30)) {
      seen.push(...batch.map((d) => d.payload.n as number));
      acks.push(q.ackBatch(batch.map((d) => d.receipt)));
    }
    t.deepEqual(seen, Array.from({ length: 30 }, (_, n) => n));
    t.deepEqual(await Promise.all(acks), [[], [], []]);
    t.is((await q.metrics('jobs')).depth, 0);
  });

  it('batch publish delivers in order, up to max per receive, and queues stay apart', async (t, q) => {
    await q.publishBatch('a', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await q.publish('b', { n: 9 });
    const first = await q.receive('a', 2, 30);
    t.deepEqual(first.map((d) => d.payload), [{ n: 1 }, { n: 2 }]);
    const second = await q.receive('a', 2, 30);
    t.deepEqual(second.map((d) => d.payload), [{ n: 3 }]);
    t.deepEqual(await q.ackBatch([...first, ...second].map((d) => d.receipt)), []);
    t.deepEqual((await q.receive('b', 5, 30)).map((d) => d.payload), [{ n: 9 }]);
  });

  it('a message published with a delay stays hidden until the delay passes', async (t, q) => {
    await q.publish('jobs', { late: true }, { delaySeconds: 0.6 });
    t.deepEqual(await q.receive('jobs', 1, 30), []);
    await sleep(700);
    t.is((await q.receive('jobs', 1, 30)).length, 1);
  });

  it('nack with delay hides the message for the delay, then redelivers it', async (t, q) => {
    await q.publish('jobs', { n: 1 });
    const [d] = await q.receive('jobs', 1, 30);
    await q.nack(d!.receipt, 0.6, 'try later');
    t.deepEqual(await q.receive('jobs', 1, 30), []);
    await sleep(700);
    const [again] = await q.receive('jobs', 1, 30);
    t.is(again?.receipt.deliveryCount, 2);
    t.is(again?.receipt.messageId, d!.receipt.messageId);
  });

  it('visibility expiry redelivers the message', async (t, q) => {
    await q.publish('jobs', { n: 1 });
    const [d] = await q.receive('jobs', 1, 0.4);
    t.deepEqual(await q.receive('jobs', 1, 30), []);
    await sleep(500);
    const [again] = await q.receive('jobs', 1, 30);
    t.is(again?.receipt.messageId, d!.receipt.messageId);
    t.is(again?.receipt.deliveryCount, 2);
  });

  it('extendVisibility keeps a delivery hidden past its first timeout', async (t, q) => {
    await q.publish('jobs', { n: 1 });
    const [d] = await q.receive('jobs', 1, 0.4);
    await q.extendVisibility(d!.receipt, 5);
    await sleep(600);
    t.deepEqual(await q.receive('jobs', 1, 30), []);
    await q.ack(d!.receipt);
  });

  it('a lapsed receipt cannot ack, nack or extend after redelivery to another consumer', async (t, q) => {
    await q.publish('jobs', { n: 1 });
    const [stale] = await q.receive('jobs', 1, 0.3);
    await sleep(400);
    const [current] = await q.receive('jobs', 1, 30);
    t.truthy(current);
    await t.throwsAsync(q.ack(stale!.receipt), { instanceOf: ReceiptRefusedError });
    await t.throwsAsync(q.extendVisibility(stale!.receipt, 30), { instanceOf: ReceiptRefusedError });
    await t.throwsAsync(q.nack(stale!.receipt, 0), { instanceOf: ReceiptRefusedError });
    t.deepEqual(await q.ackBatch([stale!.receipt]), [stale!.receipt]);
    await q.ack(current!.receipt);
    t.is((await q.metrics('jobs')).depth, 0);
  });

  withDrivers('a lapsed receipt held in another process cannot ack, nack or extend the delivery that replaced it', async (t, open) => {
    const [first, second] = [open(), open()];
    await first.publish('jobs', { n: 1 });
    const [stale] = await first.receive('jobs', 1, 0.3);
    await sleep(400);
    const [current] = await second.receive('jobs', 1, 30);
    t.is(current?.receipt.deliveryCount, 2);
    await t.throwsAsync(first.extendVisibility(stale!.receipt, 30), { instanceOf: ReceiptRefusedError });
    await t.throwsAsync(first.nack(stale!.receipt, 0), { instanceOf: ReceiptRefusedError });
    await t.throwsAsync(first.ack(stale!.receipt), { instanceOf: ReceiptRefusedError });
    await second.ack(current!.receipt);
    t.is((await first.metrics('jobs')).depth, 0);
  });

  it('in a batch, only the messages neither acked nor handed back come back when its visibility lapses', async (t, q) => {
    await q.publishBatch('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    const batch = await q.receive('jobs', 4, 2);
    t.is(batch.length, 4);
    await q.ack(batch[0]!.receipt);
    await q.nack(batch[1]!.receipt, 0, 'retry');
    const retried = await q.receive('jobs', 4, 30);
    t.deepEqual(retried.map((d) => [d.payload, d.receipt.deliveryCount]), [[{ n: 2 }, 2]], 'the nacked one at once');
    await sleep(2_300);
    const lapsed = await q.receive('jobs', 4, 30);
    t.deepEqual(lapsed.map((d) => [d.payload, d.receipt.deliveryCount]), [[{ n: 3 }, 2], [{ n: 4 }, 2]]);
    await t.throwsAsync(q.ack(batch[3]!.receipt), { instanceOf: ReceiptRefusedError });
    t.deepEqual(await q.ackBatch([...retried, ...lapsed].map((d) => d.receipt)), []);
    t.is((await q.metrics('jobs')).depth, 0);
  });

  it('waitForMessages wakes by polling when an in-flight delivery lapses, with no notice sent', async (t, q) => {
    await q.publish('jobs', { n: 1 });
    t.is((await q.receive('jobs', 1, 0.8)).length, 1);
    const started = Date.now();
    await q.waitForMessages('jobs', 10_000);
    const waited = Date.now() - started;
    t.true(waited >= 600 && waited < 3_000, `woke after ${waited} ms`);
    t.is((await q.receive('jobs', 1, 30))[0]?.receipt.deliveryCount, 2);
  });

  it('a lapsed receipt that nobody else received still acks', async (t, q) => {
    await q.publish('jobs', { n: 1 });
    const [d] = await q.receive('jobs', 1, 0.2);
    await sleep(300);
    await q.ack(d!.receipt);
    t.deepEqual(await q.receive('jobs', 1, 30), []);
  });

  it('poison message goes to the dead-letter table after max_attempts; redrive brings it back', async (t, q) => {
    await q.publish('jobs', { poison: true }, { maxAttempts: 3 });
    for (let i = 1; i <= 3; i++) {
      const [d] = await q.receive('jobs', 1, 30);
      t.is(d?.receipt.deliveryCount, i);
      t.deepEqual(await q.nack(d!.receipt, 0, `boom ${i}`), { deadLettered: i === 3 });
    }
    t.deepEqual(await q.receive('jobs', 10, 30), []);
    const metrics = await q.metrics('jobs');
    t.is(metrics.depth, 0);
    t.is(metrics.dead, 1);
    const [dead] = await q.deadLetters('jobs');
    t.deepEqual(dead?.payload, { poison: true });
    t.is(dead?.lastError, 'boom 3');
    t.is(dead?.deliveryCount, 3);

    t.is(await q.redrive('jobs'), 1);
    t.is((await q.metrics('jobs')).dead, 0);
    const [revived] = await q.receive('jobs', 1, 30);
    t.deepEqual(revived?.payload, { poison: true });
    t.is(revived?.receipt.deliveryCount, 1);
  });

  it('a receipt from before a redrive cannot ack, nack or extend the redriven delivery', async (t, q) => {
    await q.publish('jobs', { n: 1 }, { maxAttempts: 1 });
    const [first] = await q.receive('jobs', 1, 30);
    await q.nack(first!.receipt, 0, 'poison');
    t.is(await q.redrive('jobs'), 1);
    const [revived] = await q.receive('jobs', 1, 30);
    t.is(revived?.receipt.deliveryCount, first!.receipt.deliveryCount, 'the same delivery count as the first life');
    await t.throwsAsync(q.ack(first!.receipt), { instanceOf: ReceiptRefusedError });
    await t.throwsAsync(q.nack(first!.receipt, 0), { instanceOf: ReceiptRefusedError });
    await t.throwsAsync(q.extendVisibility(first!.receipt, 60), { instanceOf: ReceiptRefusedError });
    t.deepEqual(await q.ackBatch([first!.receipt]), [first!.receipt], 'a batch ack refuses it too');
    await q.ack(revived!.receipt);
    t.is((await q.metrics('jobs')).depth, 0);
  });

  it('a released message keeps its delivery budget; its old receipt is refused', async (t, q) => {
    await q.publish('jobs', { n: 1 }, { maxAttempts: 1 });
    let [d] = await q.receive('jobs', 1, 30);
    for (let release = 1; release <= 3; release++) {
      await q.release(d!.receipt, 0);
      await t.throwsAsync(q.ack(d!.receipt), { instanceOf: ReceiptRefusedError });
      await t.throwsAsync(q.release(d!.receipt, 0), { instanceOf: ReceiptRefusedError }, 'a receipt is released once');
      const [again] = await q.receive('jobs', 1, 30);
      t.deepEqual(again?.payload, { n: 1 }, `delivered again after release ${release}, within a budget of one delivery`);
      d = again;
    }
    t.deepEqual(await q.nack(d!.receipt, 0, 'boom'), { deadLettered: true }, 'the one delivery it had is spent by a nack');
    t.is((await q.metrics('jobs')).dead, 1);
  });

  it('a release with a delay hides the message for the delay', async (t, q) => {
    await q.publish('jobs', { n: 1 });
    const [d] = await q.receive('jobs', 1, 30);
    await q.release(d!.receipt, 0.6);
    t.deepEqual(await q.receive('jobs', 1, 30), []);
    await sleep(700);
    t.is((await q.receive('jobs', 1, 30)).length, 1);
  });

  it('a message whose last delivery times out is dead-lettered, not delivered again', async (t, q) => {
    await q.publish('jobs', { n: 1 }, { maxAttempts: 1 });
    t.is((await q.receive('jobs', 1, 0.2)).length, 1);
    await sleep(300);
    t.deepEqual(await q.receive('jobs', 1, 30), []);
    t.deepEqual(await q.metrics('jobs'), { depth: 0, visible: 0, inFlight: 0, oldestAgeSeconds: 0, dead: 1 });
  });

  it('concurrent receivers never get the same message', async (t, q) => {
    await q.publishBatch('jobs', Array.from({ length: 200 }, (_, n) => ({ n })));
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (;;) {
          const batch = await q.receive('jobs', 7, 30);
          if (batch.length === 0) return;
          seen.push(...batch.map((d) => d.payload.n as number));
          t.deepEqual(await q.ackBatch(batch.map((d) => d.receipt)), []);
        }
      }),
    );
    t.is(seen.length, 200);
    t.is(new Set(seen).size, 200);
  });

  it('waitForMessages wakes an idle consumer as soon as a message is published', async (t, q) => {
    const started = Date.now();
    const waiting = q.waitForMessages('jobs', 10_000);
    await sleep(100);
    await q.publish('jobs', { n: 1 });
    await waiting;
    t.true(Date.now() - started < 2_000, `woke after ${Date.now() - started} ms`);
  });

  it('waitForMessages wakes when a delayed message becomes visible', async (t, q) => {
    const started = Date.now(); // before the publish: the delay runs from it, however slow its round trip
    await q.publish('jobs', { n: 1 }, { delaySeconds: 0.8 });
    await q.waitForMessages('jobs', 10_000);
    const waited = Date.now() - started;
    t.true(waited >= 750 && waited < 3_000, `woke after ${waited} ms`);
    t.is((await q.receive('jobs', 1, 30)).length, 1);
  });

  it('waitForMessages returns after maxWaitMs with nothing published, and at once on abort', async (t, q) => {
    let started = Date.now();
    await q.waitForMessages('idle', 200);
    t.true(Date.now() - started >= 150);
    const controller = new AbortController();
    started = Date.now();
    setTimeout(() => controller.abort(), 50);
    await q.waitForMessages('idle', 10_000, controller.signal);
    t.true(Date.now() - started < 1_000);
  });

  it('metrics report depth, in-flight, oldest age and dead letters; purge empties a queue', async (t, q) => {
    await q.publishBatch('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await q.receive('jobs', 1, 30);
    await sleep(50);
    const m = await q.metrics('jobs');
    t.is(m.depth, 3);
    t.is(m.visible, 2);
    t.is(m.inFlight, 1);
    t.true(m.oldestAgeSeconds > 0);
    t.is(await q.purge('jobs'), 3);
    t.is((await q.metrics('jobs')).depth, 0);
  });

  it('bad arguments are refused with a clear error and change nothing', async (t, q) => {
    await t.throwsAsync(q.receive('jobs', 0, 30), { instanceOf: RangeError });
    await t.throwsAsync(q.publish('jobs', { n: 1 }, { delaySeconds: -1 }), { instanceOf: RangeError });
    await t.throwsAsync(q.publish('jobs', { n: 1 }, { maxAttempts: 0 }), { instanceOf: RangeError });
    t.is((await q.metrics('jobs')).depth, 0);
  });
}
