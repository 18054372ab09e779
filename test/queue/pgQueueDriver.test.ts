import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { createPgPool, type PgPool, type SchemaNames } from '../../drivers/postgres/postgres.js';
import { PgQueueDriver, RECEIVE_MAX, VACUUM_EVERY_MESSAGES } from '../../drivers/queue/pgQueueDriver.js';
import { ReceiptRefusedError } from '../../drivers/queue/queueDriver.js';
import { createInstallation, eventually } from '../helpers/installation.js';
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
  const { pool, q, url, schemas } = await oneSessionDriver(t);
  await q.publishBatch('jobs', [{ n: 1 }, { n: 2 }]);
  const [first, second] = await q.receive('jobs', 2, 30);
  t.deepEqual(await q.ackBatch([first!.receipt]), []);
  t.is(await synchronousCommit(pool), 'on');
  const seen = await synchronousCommitInTransaction(pool, url, schemas, async (driver) => t.deepEqual(await driver.ackBatch([second!.receipt]), []));
  t.deepEqual(seen, { inside: 'off', after: 'on' });
  t.is((await q.metrics('jobs')).depth, 0);
});

test('pgqueue: the acks of an event-loop turn go with the receive issued in it, in one statement that settles both', async (t) => {
  const { pool, url, schemas } = await createInstallation(t);
  // The pool counts the statements it runs but the reclaim a receive may run first (once a second).
  const counted = createPgPool({ url, schemas, max: 2 });
  let statements = 0;
  const query = counted.query.bind(counted) as (config: unknown, values?: unknown) => unknown;
  (counted as unknown as { query: typeof query }).query = (config, values) => {
    if ((config as { name?: string }).name !== 'state/queue.sql:reclaim') statements += 1;
    return query(config, values);
  };
  const q = new PgQueueDriver({ pool: counted, url, schemas });
  t.teardown(async () => {
    await q.close();
    await counted.end();
  });
  await q.publishBatch('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const [first, second] = await q.receive('jobs', 2, 30);
  statements = 0;
  const acked = q.ackBatch([first!.receipt]);
  const alsoAcked = q.ack(second!.receipt);
  const next = await q.receive('jobs', 1, 30);
  t.is(statements, 1);
  t.deepEqual(next.map((d) => d.payload), [{ n: 3 }]);
  t.deepEqual(await acked, []);
  await alsoAcked;
  const m = await pool.query<{ leases: number }>('SELECT count(*)::int AS leases FROM queue_leases');
  t.is(m.rows[0]!.leases, 1, 'the first lease was emptied by the two folded acks and deleted; the third message holds the other');
  t.is((await q.metrics('jobs')).depth, 1);
});

test('pgqueue: acks no receive takes go alone after the turn, several leases and a stale receipt in one statement', async (t) => {
  const { pool, url, schemas } = await createInstallation(t);
  const q = new PgQueueDriver({ pool, url, schemas });
  t.teardown(() => q.close());
  await q.publishBatch('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const [a1, a2] = await q.receive('jobs', 2, 30);
  const [b1] = await q.receive('jobs', 1, 30);
  const stale = { ...a1!.receipt, fence: `${a1!.receipt.fence!.split(':')[0]}:00000000-0000-4000-8000-000000000000` };
  const forged = { ...b1!.receipt, messageId: '1},{2' };
  const [first, second] = await Promise.all([q.ackBatch([a1!.receipt, stale, forged, b1!.receipt]), q.ackBatch([a2!.receipt])]);
  t.deepEqual(first, [stale, forged]);
  t.deepEqual(second, []);
  t.is((await q.metrics('jobs')).depth, 0);
});

test('pgqueue: acks folded into a receive that fails are rejected with its error, not reported as refused', async (t) => {
  const { url, schemas } = await createInstallation(t);
  const own = createPgPool({ url, schemas, max: 1 });
  const q = new PgQueueDriver({ pool: own, url, schemas });
  t.teardown(() => q.close());
  await q.publishBatch('jobs', [{ n: 1 }]);
  const [d] = await q.receive('jobs', 1, 30);
  const acked = q.ackBatch([d!.receipt]);
  await own.end();
  await t.throwsAsync(() => q.receive('jobs', 1, 30));
  await t.throwsAsync(acked);
});

test('pgqueue: a delayed publish that waited for a connection wakes its consumer when the message is visible, not before', async (t) => {
  const { url, schemas } = await createInstallation(t);
  const single = createPgPool({ url, schemas, max: 1 });
  const q = new PgQueueDriver({ pool: single, url, schemas });
  t.teardown(async () => {
    await q.close();
    await single.end();
  });
  const waiting = q.waitForMessages('jobs', 10_000);
  await sleep(100); // listening, and past its next-visible query
  // The publish's notice is decided now, its statement runs once the one connection is free.
  const busy = single.query('SELECT pg_sleep(0.3)');
  await q.publish('jobs', { n: 1 }, { delaySeconds: 0.5 });
  await busy;
  await waiting;
  t.is((await q.receive('jobs', 1, 30)).length, 1);
});

test('pgqueue: after VACUUM_EVERY_MESSAGES taken the driver vacuums its tables itself, and not before', async (t) => {
  const { pool, url, schemas } = await createInstallation(t);
  const q = new PgQueueDriver({ pool, url, schemas });
  t.teardown(() => q.close());
  // The test server runs with autovacuum off, so every vacuum counted here is the driver's.
  const vacuums = async (): Promise<number> =>
    (
      await pool.query<{ n: number }>(
        `SELECT coalesce(sum(vacuum_count), 0)::int AS n FROM pg_stat_user_tables
         WHERE schemaname = $1 AND relname IN ('queue_messages', 'queue_leases')`,
        [schemas.state],
      )
    ).rows[0]!.n;
  const consume = async (count: number): Promise<void> => {
    await q.publishBatch('jobs', Array.from({ length: count }, (_, n) => ({ n })));
    for (let left = count; left > 0; ) {
      const got = await q.receive('jobs', Math.min(left, RECEIVE_MAX), 30);
      t.deepEqual(await q.ackBatch(got.map((d) => d.receipt)), []);
      left -= got.length;
    }
  };
  await consume(VACUUM_EVERY_MESSAGES - 1);
  t.is(await vacuums(), 0);
  await consume(1);
  t.is(await eventually(async () => ((await vacuums()) === 2 ? 2 : undefined), 30_000, 'the driver vacuum'), 2);
  t.is((await q.metrics('jobs')).depth, 0);
});

test('pgqueue: a receive commits without waiting for its WAL flush, and only the receive: the session keeps synchronous_commit on', async (t) => {
  const { pool, q, url, schemas } = await oneSessionDriver(t);
  await q.publishBatch('jobs', [{ n: 1 }, { n: 2 }]);
  const [first] = await q.receive('jobs', 1, 30);
  t.truthy(first);
  t.is(await synchronousCommit(pool), 'on');
  const seen = await synchronousCommitInTransaction(pool, url, schemas, async (driver) => t.is((await driver.receive('jobs', 1, 30)).length, 1));
  t.deepEqual(seen, { inside: 'off', after: 'on' });
});

test('pgqueue: a receipt whose lease id was handed out again (a receive lost in a crash) is refused: the lease token differs', async (t) => {
  const { pool, url, schemas } = await createInstallation(t);
  const q = new PgQueueDriver({ pool, url, schemas });
  t.teardown(() => q.close());
  await q.publishBatch('jobs', [{ n: 1 }]);
  const [stale] = await q.receive('jobs', 1, 30);
  // After a crash that lost the receive, the same lease id can be issued again, here for the same
  // message: only the token tells the two leases apart.
  await pool.query('UPDATE queue_leases SET token = gen_random_uuid()');
  for (const refused of [
    () => q.ack(stale!.receipt),
    () => q.nack(stale!.receipt, 0),
    () => q.release(stale!.receipt, 0),
    () => q.extendVisibility(stale!.receipt, 60),
  ]) {
    await t.throwsAsync(refused, { instanceOf: ReceiptRefusedError });
  }
  t.deepEqual(await q.ackBatch([stale!.receipt]), [stale!.receipt]);
  const m = await q.metrics('jobs');
  t.is(m.inFlight, 1);
  t.is(m.depth, 1);
});

/** A driver on a pool of one connection, so its statements and every check share a session. */
async function oneSessionDriver(t: ExecutionContext): Promise<{ pool: PgPool; q: PgQueueDriver; url: string; schemas: SchemaNames }> {
  const { url, schemas } = await createInstallation(t);
  const pool = createPgPool({ url, schemas, max: 1 });
  const q = new PgQueueDriver({ pool, url, schemas });
  t.teardown(async () => {
    await q.close();
    await pool.end();
  });
  return { pool, q, url, schemas };
}

async function synchronousCommit(c: { query: PgPool['query'] }): Promise<string> {
  return (await c.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
}

/**
 * Runs `operation` on a driver whose queries go to one checked-out client inside an open
 * transaction (the driver only calls query()), where the operation's own setting can be seen
 * before it commits: synchronous_commit inside that transaction, and after its COMMIT.
 */
async function synchronousCommitInTransaction(
  pool: PgPool,
  url: string,
  schemas: SchemaNames,
  operation: (driver: PgQueueDriver) => Promise<unknown>,
): Promise<{ inside: string; after: string }> {
  const client = await pool.connect();
  const driver = new PgQueueDriver({ pool: client as unknown as PgPool, url, schemas });
  try {
    await client.query('BEGIN');
    await operation(driver);
    const inside = await synchronousCommit(client);
    await client.query('COMMIT');
    return { inside, after: await synchronousCommit(client) };
  } finally {
    client.release();
    await driver.close();
  }
}
