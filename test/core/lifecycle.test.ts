import test from 'ava';
import { randomUUID } from 'node:crypto';
import { LeaseLostError, TASK_QUEUE, taskIsFinished } from '../../actors/state/tasks/taskTypes.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';
import { probeOperators } from '../helpers/operators.js';

/** Waits until the task can no longer change and checks it ended in `status`. */
async function finished(node: TestNode, taskId: string, status = 'succeeded'): Promise<void> {
  const task = await eventually(async () => {
    const row = await node.rt.tasks.reads.getTask(taskId);
    return row && taskIsFinished(row) ? row : undefined;
  }, 15_000, `task ${taskId} to finish`);
  if (task.status !== status) throw new Error(`task ${taskId} ended ${task.status}, expected ${status}: ${task.last_error}`);
}

test('10 duplicate wake-ups for one task: the operator runs exactly once, never concurrently', async (t) => {
  const inst = await createInstallation(t, { workerConcurrency: 8 });
  const probe = probeOperators();
  const node = await startNode(t, inst, { roles: ['publisher', 'heartbeat', 'worker'], operators: probe.operators, start: false });
  const taskId = await node.rt.tasks.runs.submitTask('probe', { ms: 300 });
  await node.rt.queue.publishBatch(TASK_QUEUE, Array.from({ length: 10 }, () => ({ task_id: taskId })));
  await node.supervisor.start();
  await finished(node, taskId);
  await eventually(async () => ((await node.rt.queue.metrics(TASK_QUEUE)).depth === 0 ? true : undefined), 5_000, 'all wake-ups acked');
  t.is(probe.runs.get(taskId), 1);
  t.is(probe.maxConcurrent.get(taskId), 1);
  t.is((await node.rt.queue.metrics(TASK_QUEUE)).dead, 0);
});

test('a stale attempt (lease expired, task re-claimed) cannot heartbeat, complete or fail the task', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 1, retryBaseSeconds: 0.05 });
  const { rt } = await startNode(t, inst, { roles: [], start: false });
  const taskId = await rt.tasks.runs.submitTask('noop', {});
  const stale = await rt.tasks.attempts.claim(taskId, 'worker-a', 0.2);
  t.truthy(stale);
  t.is(await rt.tasks.attempts.claim(taskId, 'worker-b', 30), undefined, 'a running task cannot be claimed twice');
  await new Promise((r) => setTimeout(r, 300));
  t.is(await rt.tasks.maintenance.reapExpiredLeases(), 1);
  await new Promise((r) => setTimeout(r, 100));
  t.like(await rt.tasks.maintenance.requeueDueRetries(), { requeued: 1 });
  const current = await rt.tasks.attempts.claim(taskId, 'worker-b', 30);
  t.is(current?.attempt, 2);

  await t.throwsAsync(rt.tasks.attempts.heartbeat(stale!, 30), { instanceOf: LeaseLostError });
  await t.throwsAsync(rt.tasks.attempts.succeed(stale!, { stale: true }), { instanceOf: LeaseLostError });
  await t.throwsAsync(rt.tasks.attempts.fail(stale!, 'stale failure'), { instanceOf: LeaseLostError });
  await t.throwsAsync(rt.tasks.attempts.handBack(stale!), { instanceOf: LeaseLostError });
  const forged = { ...current!, leaseToken: randomUUID() };
  await t.throwsAsync(rt.tasks.attempts.succeed(forged, null), { instanceOf: LeaseLostError }, 'the current attempt number alone is not enough');

  const task = await rt.tasks.reads.getTask(taskId);
  t.is(task?.status, 'running');
  t.is(task?.worker_id, 'worker-b');
  t.is(task?.result, null);
  await rt.tasks.attempts.succeed(current!, { ok: true });
  t.deepEqual((await rt.tasks.reads.getTask(taskId))?.result, { ok: true });
  t.deepEqual(
    (await rt.tasks.reads.attemptHistory(taskId)).map((a) => [a.attempt, a.worker_id, a.outcome]),
    [
      [1, 'worker-a', 'lease_expired'],
      [2, 'worker-b', 'succeeded'],
    ],
  );
});

test('a refused heartbeat aborts the running attempt, and its late completion changes nothing', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 2, heartbeatSeconds: 0.2 });
  const probe = probeOperators();
  const node = await startNode(t, inst, { roles: ['publisher', 'heartbeat', 'worker'], operators: probe.operators });
  const taskId = await node.rt.tasks.runs.submitTask('probe', { ms: 5_000 });
  await eventually(async () => ((await node.rt.tasks.reads.getTask(taskId))?.status === 'running' ? true : undefined), 5_000, 'running');
  // Another party takes the task over, as the reaper and a second worker would.
  await inst.pool.query("UPDATE tasks SET lease_token = gen_random_uuid(), worker_id = 'usurper' WHERE task_id = $1", [taskId]);
  await eventually(async () => (node.rt.running.size === 0 ? true : undefined), 3_000, 'the attempt to abort');
  const task = await node.rt.tasks.reads.getTask(taskId);
  t.is(task?.status, 'running');
  t.is(task?.worker_id, 'usurper');
  t.is(task?.failures, 0);
});

test('retries: a failing task is retried with backoff until it succeeds, and the history shows each attempt', async (t) => {
  const inst = await createInstallation(t, { retryBaseSeconds: 0.1 });
  const node = await startNode(t, inst);
  const taskId = await node.rt.tasks.runs.submitTask('fail', { until_attempt: 2, message: 'flaky' }, 3);
  await finished(node, taskId);
  t.deepEqual(
    (await node.rt.tasks.reads.attemptHistory(taskId)).map((a) => [a.attempt, a.outcome, a.error]),
    [
      [1, 'failed', 'flaky'],
      [2, 'failed', 'flaky'],
      [3, 'succeeded', null],
    ],
  );
  const exhausted = await node.rt.tasks.runs.submitTask('fail', { message: 'always' }, 2);
  await finished(node, exhausted, 'failed');
  const task = await node.rt.tasks.reads.getTask(exhausted);
  t.is(task?.failures, 2);
  t.is(task?.next_retry_at, null);
  t.is(task?.last_error, 'always');
});

test('queue table wiped while tasks are queued: the sweeper re-emits and every task completes', async (t) => {
  const inst = await createInstallation(t, { sweepGraceSeconds: 1 });
  const probe = probeOperators();
  const node = await startNode(t, inst, { roles: ['publisher'], operators: probe.operators });
  const ids = await Promise.all(Array.from({ length: 5 }, () => node.rt.tasks.runs.submitTask('probe', { ms: 1 })));
  await eventually(async () => ((await node.rt.queue.metrics(TASK_QUEUE)).depth === 5 ? true : undefined), 5_000, 'wake-ups');
  await inst.pool.query('TRUNCATE queue_messages');
  await node.stop();

  const full = await startNode(t, inst, { operators: probe.operators });
  await eventually(async () => ((await full.rt.tasks.reads.countsByStatus()).succeeded === 5 ? true : undefined), 15_000, 'all five tasks');
  t.deepEqual(ids.map((id) => probe.runs.get(id)), [1, 1, 1, 1, 1]);
});

// Once on each queue driver: the core depends on the QueueDriver interface only.
for (const queueDriver of ['pgqueue', 'nats'] as const) {
  test(`a three-task DAG (a → b, a → c) runs in dependency order (${queueDriver})`, async (t) => {
    const inst = await createInstallation(t, { queueDriver });
    const probe = probeOperators();
    const node = await startNode(t, inst, { operators: probe.operators });
    t.is(node.rt.queue.name, queueDriver);
    const { runId, tasks } = await node.rt.tasks.runs.submitRun({
      name: 'fan-out',
      tasks: [
        { name: 'a', operator: 'probe', params: { ms: 200 }, depends_on: [] },
        { name: 'b', operator: 'probe', params: { ms: 10 }, depends_on: ['a'] },
        { name: 'c', operator: 'probe', params: { ms: 10 }, depends_on: ['a'] },
      ],
    });
    t.is((await node.rt.tasks.reads.getTask(tasks.b!))?.status, 'pending');
    const done = await eventually(async () => {
      const run = await node.rt.tasks.reads.getRun(runId);
      return run?.run.finished_at ? run : undefined;
    }, 10_000, 'the run');
    t.is(done.run.status, 'succeeded');
    t.is(probe.order[0], tasks.a);
    t.deepEqual(probe.order.slice(1).sort(), [tasks.b, tasks.c].sort());
    const a = done.tasks.find((x) => x.name === 'a')!;
    for (const name of ['b', 'c']) {
      const dependent = done.tasks.find((x) => x.name === name)!;
      t.true(dependent.created_at <= a.finished_at!, 'created with the run');
    }
  });
}

test('a terminal failure of a cancels b and c and fails the run', async (t) => {
  const inst = await createInstallation(t, { retryBaseSeconds: 0.05 });
  const probe = probeOperators();
  const node = await startNode(t, inst, { operators: probe.operators });
  const { runId, tasks } = await node.rt.tasks.runs.submitRun({
    name: 'doomed',
    tasks: [
      { name: 'a', operator: 'fail', params: { message: 'a broke' }, max_attempts: 2, depends_on: [] },
      { name: 'b', operator: 'probe', params: {}, depends_on: ['a'] },
      { name: 'c', operator: 'probe', params: {}, depends_on: ['a'] },
      { name: 'd', operator: 'probe', params: {}, depends_on: ['b'] },
    ],
  });
  const done = await eventually(async () => {
    const run = await node.rt.tasks.reads.getRun(runId);
    return run?.run.finished_at ? run : undefined;
  }, 10_000, 'the run');
  t.is(done.run.status, 'failed');
  t.deepEqual(
    done.tasks.map((x) => [x.name, x.status]),
    [
      ['a', 'failed'],
      ['b', 'cancelled'],
      ['c', 'cancelled'],
      ['d', 'cancelled'],
    ],
  );
  t.is(probe.runs.size, 0, 'no dependent ran');
  t.is((await node.rt.tasks.reads.attemptHistory(tasks.a!)).length, 2);
});

test('dependencies finishing at the same moment queue their common dependent exactly once', async (t) => {
  const inst = await createInstallation(t, { workerConcurrency: 8 });
  const probe = probeOperators();
  const node = await startNode(t, inst, { operators: probe.operators });
  const parents = Array.from({ length: 6 }, (_, i) => ({ name: `p${i}`, operator: 'probe', params: { ms: 20 }, depends_on: [] }));
  const { runId, tasks } = await node.rt.tasks.runs.submitRun({
    name: 'join',
    tasks: [...parents, { name: 'join', operator: 'probe', params: { ms: 1 }, depends_on: parents.map((p) => p.name) }],
  });
  await eventually(async () => ((await node.rt.tasks.reads.getRun(runId))?.run.status === 'succeeded' ? true : undefined), 10_000, 'the run');
  t.is(probe.runs.get(tasks.join!), 1);
});
