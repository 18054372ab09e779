import test from 'ava';
import { createPgPool, type PgPool } from '../../drivers/postgres/postgres.js';
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

test('pgqueue: an ack commits without waiting for its WAL flush, and only the ack: the session keeps synchronous_commit on', async (t) => {
  const { url, schemas } = await createInstallation(t);
  // One connection, so the publish, the receive, the ack and every check share a session.
  const pool = createPgPool({ url, schemas, max: 1 });
  const q = new PgQueueDriver({ pool, url, schemas });
  t.teardown(async () => {
    await q.close();
    await pool.end();
  });
  const synchronousCommit = async (c: { query: PgPool['query'] }): Promise<string> =>
    (await c.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
  await q.publishBatch('jobs', [{ n: 1 }, { n: 2 }]);
  const [first, second] = await q.receive('jobs', 2, 30);
  t.deepEqual(await q.ackBatch([first!.receipt]), []);
  t.is(await synchronousCommit(pool), 'on');
  // Inside an open transaction the ack's setting can be seen before it commits: a driver whose
  // queries go to one checked-out client (the driver only calls query()).
  const client = await pool.connect();
  const inTransaction = new PgQueueDriver({ pool: client as unknown as PgPool, url, schemas });
  try {
    await client.query('BEGIN');
    t.deepEqual(await inTransaction.ackBatch([second!.receipt]), []);
    t.is(await synchronousCommit(client), 'off');
    await client.query('COMMIT');
    t.is(await synchronousCommit(client), 'on');
  } finally {
    client.release();
    await inTransaction.close();
  }
  t.is((await q.metrics('jobs')).depth, 0);
});
