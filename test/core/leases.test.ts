import test from 'ava';
import { setTimeout as delay } from 'node:timers/promises';
import { AttemptOutputs } from '../../actors/worker/attemptOutputs.js';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import type { Operator } from '../../actors/worker/operators/registry.js';
import { LeaseLostError, taskIsFinished } from '../../actors/state/tasks/taskTypes.js';
import { PgQueueDriver } from '../../drivers/queue/pgQueueDriver.js';
import type { Delivery } from '../../drivers/queue/queueDriver.js';
import { armFailpoint, disarmFailpoint, pauseAt } from '../../runtime/failpoints.js';
import { createInstallation, eventually, type TestInstallation } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { probeOperators } from '../helpers/operators.js';
import { rangeContent } from '../helpers/writeRangeOperator.js';

/** Waits until the task's lease has lapsed by the database clock (nothing reaps it in these tests). */
async function leaseLapsed(inst: TestInstallation, taskId: string): Promise<Date> {
  return eventually(async () => {
    const { rows } = await inst.pool.query<{ lease_expires_at: Date; lapsed: boolean }>(
      'SELECT lease_expires_at, lease_expires_at <= now() AS lapsed FROM tasks WHERE task_id = $1',
      [taskId],
    );
    return rows[0]?.lapsed ? rows[0].lease_expires_at : undefined;
  }, 5_000, `the lease of task ${taskId} to lapse`);
}

/** trace_leases_lost_total of the node, by refused operation. */
async function leaseLosses(node: TestNode): Promise<Record<string, number>> {
  const metric = node.rt.metrics().registry.getSingleMetric('trace_leases_lost_total');
  const values = metric ? (await metric.get()).values : [];
  return Object.fromEntries(values.map((v) => [String(v.labels.operation), v.value]));
}

async function finished(node: TestNode, taskId: string) {
  return eventually(async () => {
    const task = await node.rt.tasks.reads.getTask(taskId);
    return task && taskIsFinished(task) ? task : undefined;
  }, 15_000, `task ${taskId} to finish`);
}

const outcomes = async (node: TestNode, taskId: string) =>
  (await node.rt.tasks.reads.attemptHistory(taskId)).map((a) => [a.attempt, a.outcome]);

// A failpoint is armed process-wide, once per name: the tests that arm one run one at a time (serial).

test.serial('a lapsed lease that was not reaped yet is refused by commit, heartbeat, success, failure and hand-back alike', async (t) => {
  const inst = await createInstallation(t);
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { roles: [], objects, start: false }); // no reaper runs
  const taskId = await node.rt.tasks.runs.submitTask('noop', {});
  const attempt = (await node.rt.tasks.attempts.claim(taskId, 'worker-a', 1))!;
  const outputs = new AttemptOutputs(node.rt, attempt);
  const body = rangeContent('logs', 0, 100);
  const key = outputs.stagingKey('logs', 1, 0, 100);
  await outputs.stage(outputs.buckets.datasets, key, body);
  // The commit records its manifest, then waits there until the lease has lapsed.
  const held = pauseAt('outputs.afterRecordStaged', { when: (ctx) => ctx.taskId === taskId && String(ctx.key).endsWith('_manifest.json') });
  const commit = outputs.commitFile({ dataset: 'logs', chainId: 1, start: 0, end: 100, configHash: 'test', key, rows: 100, bytes: body.byteLength });
  await held.reached;
  const expiredAt = await leaseLapsed(inst, taskId);
  held.release();

  await t.throwsAsync(commit, { instanceOf: LeaseLostError }, 'commit');
  await t.throwsAsync(node.rt.tasks.attempts.heartbeat(attempt, 30), { instanceOf: LeaseLostError }, 'heartbeat');
  await t.throwsAsync(node.rt.tasks.attempts.succeed(attempt, { late: true }), { instanceOf: LeaseLostError }, 'success');
  await t.throwsAsync(node.rt.tasks.attempts.fail(attempt, 'late failure'), { instanceOf: LeaseLostError }, 'failure');
  await t.throwsAsync(node.rt.tasks.attempts.handBack(attempt), { instanceOf: LeaseLostError }, 'hand-back');
  const task = await node.rt.tasks.reads.getTask(taskId);
  t.like(task, { status: 'running', attempt: 1, failures: 0, result: null });
  t.deepEqual(task?.lease_expires_at, expiredAt, 'the lapsed lease was not renewed');
  t.deepEqual(await node.rt.registry.listVersions('logs', 1), []);
});

test.serial('a worker whose commit is refused for a lapsed lease stops the operator and fails the attempt at once', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 1 });
  const { objects } = await embeddedObjects(t, inst);
  let signal: AbortSignal | undefined;
  // Ignores the refusal and carries on: only the worker can stop it.
  const stubborn: Operator = async ({ outputs, signal: attemptSignal }) => {
    signal = attemptSignal;
    const body = rangeContent('logs', 0, 10);
    const key = outputs.stagingKey('logs', 1, 0, 10);
    await outputs.stage(outputs.buckets.datasets, key, body);
    await outputs.commitFile({ dataset: 'logs', chainId: 1, start: 0, end: 10, configHash: 'test', key, rows: 10, bytes: body.byteLength }).catch(() => undefined);
    await delay(60_000, undefined, { signal: attemptSignal });
    return null;
  };
  // No heartbeat renews the lease, no dispatcher reaps it.
  const node = await startNode(t, inst, { roles: ['publisher', 'worker'], objects, operators: builtinOperators().register('stubborn', stubborn) });
  const taskId = await node.rt.tasks.runs.submitTask('stubborn', {}, 3);
  const held = pauseAt('outputs.afterRecordStaged', { when: (ctx) => ctx.taskId === taskId && String(ctx.key).endsWith('_manifest.json') });
  await held.reached;
  await leaseLapsed(inst, taskId);
  held.release();

  await eventually(async () => (node.rt.running.size === 0 ? true : undefined), 10_000, 'the attempt to stop');
  t.true(signal?.aborted, 'the operator was aborted');
  const task = await node.rt.tasks.reads.getTask(taskId);
  t.like(task, { status: 'failed', failures: 1 });
  t.truthy(task?.next_retry_at, 'a retry is scheduled');
  t.regex(task?.last_error ?? '', /commit refused/);
  t.deepEqual(await outcomes(node, taskId), [[1, 'lease_expired']]);
  t.deepEqual(await leaseLosses(node), { commit: 1 });
  t.deepEqual(await node.rt.registry.listVersions('logs', 1), []);
});

test.serial('a heartbeat that comes after the lease lapsed is refused: the worker stops the operator and fails the attempt at once', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 1, heartbeatSeconds: 0.2 });
  const probe = probeOperators();
  const node = await startNode(t, inst, { roles: ['publisher', 'heartbeat', 'worker'], operators: probe.operators, start: false });
  const taskId = await node.rt.tasks.runs.submitTask('probe', { ms: 60_000 }, 3);
  // The first renewal is held until the lease has lapsed, as a stalled process would be.
  const held = pauseAt('heartbeat.beforeRenew', { when: (ctx) => ctx.taskId === taskId });
  await node.supervisor.start();
  await held.reached;
  await leaseLapsed(inst, taskId);
  held.release();

  await eventually(async () => (node.rt.running.size === 0 ? true : undefined), 10_000, 'the attempt to stop');
  const task = await node.rt.tasks.reads.getTask(taskId);
  t.like(task, { status: 'failed', failures: 1 });
  t.regex(task?.last_error ?? '', /heartbeat refused/);
  t.deepEqual(await outcomes(node, taskId), [[1, 'lease_expired']]);
  t.deepEqual(await leaseLosses(node), { heartbeat: 1 });
});

test.serial('a claim whose reply was lost costs no attempt: the worker claims again for the same wake-up and runs it', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 1, retryBaseSeconds: 0.05 });
  const probe = probeOperators();
  const node = await startNode(t, inst, { roles: ['dispatcher', 'publisher', 'heartbeat', 'worker'], operators: probe.operators, start: false });
  const taskId = await node.rt.tasks.runs.submitTask('probe', { ms: 50 }, 3);
  // The claim commits, then its caller sees an error, as when the connection drops before the reply.
  armFailpoint('attempts.afterClaim', 'throw', 1);
  t.teardown(() => disarmFailpoint('attempts.afterClaim'));
  await node.supervisor.start();

  const task = await finished(node, taskId);
  t.like(task, { status: 'succeeded', attempt: 1, failures: 0 });
  t.deepEqual(await outcomes(node, taskId), [[1, 'succeeded']]);
  t.is(probe.runs.get(taskId), 1);
});

test('a claim retried by the same worker for the same wake-up gets the running attempt back; no other claim does, nor one after the lease lapsed', async (t) => {
  const inst = await createInstallation(t);
  const { rt } = await startNode(t, inst, { roles: [], start: false });
  const taskId = await rt.tasks.runs.submitTask('noop', {});
  const first = await rt.tasks.attempts.claim(taskId, 'worker-a', 30, 'message-1');
  const retried = await rt.tasks.attempts.claim(taskId, 'worker-a', 30, 'message-1');
  t.truthy(first);
  t.like(retried, { attempt: 1, leaseToken: first?.leaseToken });
  t.is(await rt.tasks.attempts.claim(taskId, 'worker-a', 30, 'message-2'), undefined, 'a duplicate wake-up loses');
  t.is(await rt.tasks.attempts.claim(taskId, 'worker-b', 30, 'message-1'), undefined, 'another worker loses');
  t.like(await rt.tasks.reads.getTask(taskId), { status: 'running', attempt: 1, failures: 0, worker_id: 'worker-a' });
  t.is((await rt.tasks.reads.attemptHistory(taskId)).length, 1, 'one attempt recorded');

  const lapsing = await rt.tasks.runs.submitTask('noop', {});
  await rt.tasks.attempts.claim(lapsing, 'worker-a', 0.2, 'message-3');
  await leaseLapsed(inst, lapsing);
  t.is(await rt.tasks.attempts.claim(lapsing, 'worker-a', 30, 'message-3'), undefined, 'a lapsed lease is not handed out again');
});

test('a wake-up redelivered to the worker that runs its attempt does not run it twice', async (t) => {
  // No heartbeat extends the wake-up's visibility: it comes back to this worker while the attempt runs.
  const inst = await createInstallation(t, { visibilitySeconds: 1 });
  const queue = new CountingQueue({ pool: inst.pool, url: inst.url, schemas: inst.schemas });
  const probe = probeOperators();
  const node = await startNode(t, inst, { roles: ['publisher', 'worker'], operators: probe.operators, queue });
  const taskId = await node.rt.tasks.runs.submitTask('probe', { ms: 2_500 });
  await eventually(async () => (queue.deliveries >= 2 ? true : undefined), 5_000, 'the wake-up delivered again');
  const task = await finished(node, taskId);
  t.is(task.status, 'succeeded');
  t.is(probe.runs.get(taskId), 1);
  t.is(probe.maxConcurrent.get(taskId), 1);
});

/** pgqueue, counting the deliveries it hands out. */
class CountingQueue extends PgQueueDriver {
  deliveries = 0;

  override async receive(queue: string, max: number, visibilitySeconds: number): Promise<Delivery[]> {
    const received = await super.receive(queue, max, visibilitySeconds);
    this.deliveries += received.length;
    return received;
  }
}
