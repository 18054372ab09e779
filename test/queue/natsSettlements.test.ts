import test, { type ExecutionContext } from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { NatsQueueDriver } from '../../drivers/queue/nats/natsQueueDriver.js';
import { armFailpoint, FailpointError } from '../../runtime/failpoints.js';
import { TEST_NATS_URL, testNatsNamespace } from '../helpers/nats.js';

/** The point between a settlement's fence claim and carrying it out: where a holder dying loses nothing. */
const AFTER_CLAIM = 'natsQueue.afterSettlementClaimed';

/** Two drivers on one fresh namespace: the holder that dies mid-settlement and the next receiver. */
async function twoProcesses(t: ExecutionContext): Promise<[NatsQueueDriver, NatsQueueDriver]> {
  const namespace = await testNatsNamespace(t);
  const open = () => {
    const driver = new NatsQueueDriver({ url: TEST_NATS_URL, namespace, visibilitySeconds: 30 });
    t.teardown(() => driver.close());
    return driver;
  };
  return [open(), open()];
}

// Serial: the failpoint is armed for the whole process.
test.serial('a hand-back whose holder died after claiming it is carried out by the next receiver, budget untouched', async (t) => {
  const [holder, next] = await twoProcesses(t);
  await holder.publish('jobs', { n: 1 }, { maxAttempts: 1 });
  const [held] = await holder.receive('jobs', 1, 0.3);
  armFailpoint(AFTER_CLAIM, 'throw', 1);
  await t.throwsAsync(holder.release(held!.receipt, 0), { instanceOf: FailpointError });
  t.deepEqual(await next.receive('jobs', 1, 30), [], 'still hidden by the dead holder’s delivery');
  await sleep(400);
  t.deepEqual(await next.receive('jobs', 1, 30), [], 'the lapsed delivery is handed back, not delivered');
  const [again] = await next.receive('jobs', 1, 30);
  t.deepEqual(again?.payload, { n: 1 });
  t.is(again?.receipt.deliveryCount, 1, 'within its budget of one delivery');
  t.not(again?.receipt.messageId, held!.receipt.messageId);
  t.is((await next.metrics('jobs')).dead, 0);
});

test.serial('an ack whose holder died after claiming it is carried out by the next receiver: the message is not delivered again', async (t) => {
  const [holder, next] = await twoProcesses(t);
  await holder.publish('jobs', { n: 1 });
  const [held] = await holder.receive('jobs', 1, 0.3);
  armFailpoint(AFTER_CLAIM, 'throw', 1);
  await t.throwsAsync(holder.ack(held!.receipt), { instanceOf: FailpointError });
  await sleep(400);
  t.deepEqual(await next.receive('jobs', 1, 30), []);
  t.deepEqual(await next.metrics('jobs'), { depth: 0, visible: 0, inFlight: 0, oldestAgeSeconds: 0, dead: 0 });
});
