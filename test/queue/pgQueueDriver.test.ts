import test from 'ava';
import { PgQueueDriver, RECEIVE_MAX } from '../../drivers/queue/pgQueueDriver.js';
import { createInstallation } from '../helpers/installation.js';
import { queueDriverConformance } from './queueDriverConformance.js';

queueDriverConformance('pgqueue', async (t) => {
  const { pool, url, schemas } = await createInstallation(t);
  return () => new PgQueueDriver({ pool, url, schemas });
});

test('pgqueue: a receive takes at most RECEIVE_MAX messages, oldest first; the rest stay visible', async (t) => {
  const { pool, url, schemas } = await createInstallation(t);
  const q = new PgQueueDriver({ pool, url, schemas });
  t.teardown(() => q.close());
  await q.publishBatch('jobs', Array.from({ length: RECEIVE_MAX + 1 }, (_, n) => ({ n })));
  const first = await q.receive('jobs', RECEIVE_MAX + 1, 30);
  t.is(first.length, RECEIVE_MAX);
  t.deepEqual(first[0]!.payload, { n: 0 });
  const rest = await q.receive('jobs', RECEIVE_MAX + 1, 30);
  t.deepEqual(rest.map((d) => d.payload), [{ n: RECEIVE_MAX }]);
  t.deepEqual(await q.ackBatch([...first, ...rest].map((d) => d.receipt)), []);
});
