import test, { type ExecutionContext } from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { PublisherActor } from '../../actors/publisher/publisher.js';
import { armFailpoint, disarmFailpoint, pauseAt } from '../../runtime/failpoints.js';
import { PgQueueDriver } from '../../drivers/queue/pgQueueDriver.js';
import type { QueueDriver } from '../../drivers/queue/queueDriver.js';
import { TASK_QUEUE } from '../../actors/state/tasks/taskTypes.js';
import { outboxStore } from '../../actors/state/outbox/outboxStore.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { probeOperators } from '../helpers/operators.js';

test('creating a task writes the task and its outbox row in one transaction; the publisher emits the wake-up', async (t) => {
  const inst = await createInstallation(t);
  const { rt, supervisor } = await startNode(t, inst, { roles: ['publisher'], start: false });
  const taskId = await rt.tasks.runs.submitTask('noop', {});
  const outbox = await inst.pool.query<{ queue: string; payload: unknown; xmin: string }>('SELECT queue, payload, xmin::text FROM outbox');
  const task = await inst.pool.query<{ xmin: string; status: string }>('SELECT status, xmin::text FROM tasks WHERE task_id = $1', [taskId]);
  t.deepEqual(outbox.rows.map((r) => [r.queue, r.payload]), [[TASK_QUEUE, { task_id: taskId }]]);
  t.is(task.rows[0]!.status, 'queued');
  t.is(outbox.rows[0]!.xmin, task.rows[0]!.xmin, 'the task and its outbox row were written by the same transaction');
  t.is((await rt.queue.metrics(TASK_QUEUE)).depth, 0, 'nothing reaches the queue inside the intent transaction');

  await supervisor.start();
  const [delivery] = await eventually(async () => {
    const got = await rt.queue.receive(TASK_QUEUE, 10, 30);
    return got.length > 0 ? got : undefined;
  }, 5_000, 'the wake-up');
  t.deepEqual(delivery!.payload, { task_id: taskId });
  // The publisher deletes the row after the publish returns: a consumer can see the message first.
  await eventually(async () => ((await outboxStore.stats(rt.db)).pending === 0 ? true : undefined), 5_000, 'the published outbox row to be deleted');
});

test.serial('publisher crash between publish and mark: the wake-up is published again and the task runs once', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 5 });
  const probe = probeOperators();
  armFailpoint('publisher.afterPublish', 'throw', 1);
  t.teardown(() => disarmFailpoint('publisher.afterPublish'));
  const { rt } = await startNode(t, inst, { operators: probe.operators });
  const taskId = await rt.tasks.runs.submitTask('probe', { ms: 10 });
  await eventually(async () => ((await rt.tasks.reads.getTask(taskId))?.status === 'succeeded' ? true : undefined), 10_000, 'task success');
  // The restarted publisher sends the row again; that duplicate wake-up loses its claim.
  await eventually(async () => ((await outboxStore.stats(rt.db)).pending === 0 ? true : undefined), 5_000, 'the republish');
  await eventually(async () => ((await rt.queue.metrics(TASK_QUEUE)).depth === 0 ? true : undefined), 5_000, 'the duplicate acked');
  t.deepEqual(await rt.queue.deadLetters(TASK_QUEUE), []);
  t.is(probe.runs.get(taskId), 1);
  t.deepEqual((await rt.tasks.reads.attemptHistory(taskId)).map((a) => a.outcome), ['succeeded']);
});

test.serial('the same outbox row is published twice when the mark is lost (at-least-once), never zero times', async (t) => {
  const inst = await createInstallation(t);
  const { rt } = await startNode(t, inst, { roles: [], start: false });
  await rt.tasks.runs.submitTask('noop', {});
  const publisher = new PublisherActor(rt);
  armFailpoint('publisher.afterPublish', 'throw', 1);
  t.teardown(() => disarmFailpoint('publisher.afterPublish'));
  await t.throwsAsync(publisher.publishBatch(), { message: /failpoint/ });
  t.is((await outboxStore.stats(rt.db)).pending, 1, 'the row is still there after the crash');
  t.is(await publisher.publishBatch(), 1);
  t.is((await outboxStore.stats(rt.db)).pending, 0);
  t.is((await rt.queue.metrics(TASK_QUEUE)).depth, 2);
});

test.serial('an outbox row written while the publisher publishes goes out at once, not at its next poll', async (t) => {
  // A poll far longer than the test waits: only the row's NOTIFY can get it out in time.
  const inst = await createInstallation(t, { pollIntervalMs: 20_000 });
  const { rt, supervisor } = await startNode(t, inst, { roles: ['publisher'], start: false });
  const first = pauseAt('publisher.afterPublish');
  t.teardown(() => first.release());
  await supervisor.start();
  await rt.tasks.runs.submitTask('noop', {});
  await first.reached;
  // Written and announced while the publisher is inside its batch, whose snapshot does not see it.
  await rt.tasks.runs.submitTask('noop', {});
  // Its NOTIFY reaches the publisher's LISTEN connection meanwhile (well under 300 ms on loopback).
  await sleep(300);
  first.release();
  await eventually(async () => ((await rt.queue.metrics(TASK_QUEUE)).depth === 2 ? true : undefined), 3_000, 'both wake-ups published');
  t.is((await outboxStore.stats(rt.db)).pending, 0);
});

test('dispatcher restart with unpublished outbox rows: they are published after the restart', async (t) => {
  const inst = await createInstallation(t);
  const probe = probeOperators();
  const first = await startNode(t, inst, { roles: ['dispatcher'], operators: probe.operators });
  const ids = await Promise.all([1, 2, 3].map(() => first.rt.tasks.runs.submitTask('probe', { ms: 1 })));
  await first.stop();
  t.is((await outboxStore.stats(inst.pool)).pending, 3);

  const second = await startNode(t, inst, { operators: probe.operators });
  await eventually(async () => ((await second.rt.tasks.reads.countsByStatus()).succeeded === 3 ? true : undefined), 10_000, 'all tasks');
  t.deepEqual(ids.map((id) => probe.runs.get(id)), [1, 1, 1]);
});

/** A node (not started) whose queue refuses publishes while `failing` is set. */
async function flakyQueueNode(t: ExecutionContext) {
  const inst = await createInstallation(t);
  const real = new PgQueueDriver({ pool: inst.pool, url: inst.url, schemas: inst.schemas });
  t.teardown(() => real.close());
  const fault = { failing: true };
  // Fault injection around the real driver.
  const flaky: QueueDriver = Object.assign(Object.create(real) as QueueDriver, {
    publishBatch: async (...args: Parameters<QueueDriver['publishBatch']>) => {
      if (fault.failing) throw new Error('queue unreachable');
      return real.publishBatch(...args);
    },
  });
  const { rt } = await startNode(t, inst, { roles: [], queue: flaky, start: false });
  return { inst, rt, fault };
}

test('publish failures back off and park the rows with their error instead of losing them', async (t) => {
  const { inst, rt, fault } = await flakyQueueNode(t);
  await rt.tasks.runs.submitTask('noop', {});
  const publisher = new PublisherActor(rt);
  await publisher.publishBatch();
  const row = await inst.pool.query<{ publish_failures: number; last_error: string; due_in: number }>(
    'SELECT publish_failures, last_error, extract(epoch FROM next_attempt_at - now())::float8 AS due_in FROM outbox',
  );
  t.is(row.rows[0]!.publish_failures, 1);
  t.is(row.rows[0]!.last_error, 'queue unreachable');
  t.true(row.rows[0]!.due_in > 0, 'the row backs off');
  t.is(await publisher.publishBatch(), 0, 'a backed-off row is not retried at once');

  await inst.pool.query('UPDATE outbox SET publish_failures = 19, next_attempt_at = now()');
  await publisher.publishBatch();
  t.deepEqual(await outboxStore.stats(rt.db), { pending: 0, parked: 1, oldestAgeSeconds: 0 });

  fault.failing = false;
  t.is(await outboxStore.unpark(rt.db), 1);
  t.is(await publisher.publishBatch(), 1);
  t.is((await rt.queue.metrics(TASK_QUEUE)).depth, 1);
});

test('a parked row is tried again on a slow schedule and published without outbox-unpark', async (t) => {
  const { inst, rt, fault } = await flakyQueueNode(t);
  await rt.tasks.runs.submitTask('noop', {});
  const publisher = new PublisherActor(rt);
  await inst.pool.query('UPDATE outbox SET publish_failures = 19');
  await publisher.publishBatch();
  t.is((await outboxStore.stats(rt.db)).parked, 1);
  const { due_in: dueIn } = (await inst.pool.query<{ due_in: number }>('SELECT extract(epoch FROM next_attempt_at - now())::float8 AS due_in FROM outbox')).rows[0]!;

  fault.failing = false;
  t.is(await publisher.publishBatch(), 0, 'a parked row waits for its slow retry');
  // The slow retry interval passes.
  await inst.pool.query('UPDATE outbox SET next_attempt_at = now()');
  t.is(await publisher.publishBatch(), 1);
  t.deepEqual(await outboxStore.stats(rt.db), { pending: 0, parked: 0, oldestAgeSeconds: 0 });
  t.is((await rt.queue.metrics(TASK_QUEUE)).depth, 1);
  t.true(dueIn > 60, `a parked row is retried later than the longest backoff (60 s), here in ${dueIn} s`);
});
