import test from 'ava';
import pg from 'pg';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';

test('a dispatcher whose maintenance query loses its connection retries the tick instead of crashing', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 2, retryBaseSeconds: 0.2 });
  const node = await startNode(t, inst, { roles: ['dispatcher'] });
  const dispatcher = node.supervisor.actor('dispatcher');
  t.truthy(dispatcher);

  // Hold the tasks table so every dispatcher query on it waits, then kill the waiting backends: their
  // ticks fail with a terminated connection, a transient error, exactly as in a database restart.
  const locker = new pg.Client({ connectionString: inst.url });
  await locker.connect();
  t.teardown(() => locker.end());
  await locker.query('BEGIN');
  await locker.query(`LOCK TABLE ${inst.schemas.state}.tasks IN ACCESS EXCLUSIVE MODE`);
  const lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const blocked = await eventually(async () => {
    // Probed from another connection: pg_stat_activity is a snapshot per transaction.
    const { rows } = await inst.pool.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))',
      [lockerPid],
    );
    return rows.length > 0 ? rows.map((r) => r.pid) : undefined;
  }, 5_000, 'a dispatcher query waiting on the lock');
  await locker.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [blocked]);
  await locker.query('ROLLBACK');

  // The duties go on: an attempt whose lease lapses is reaped and retried by this same actor.
  const taskId = await node.rt.tasks.runs.submitTask('noop', {}, 3);
  const claimed = await node.rt.tasks.attempts.claim(taskId, 'gone-worker', 1);
  t.truthy(claimed);
  const retried = await eventually(async () => {
    const task = await node.rt.tasks.reads.getTask(taskId);
    return task && task.status === 'queued' && task.attempt === 2 ? task : undefined;
  }, 10_000, 'the lapsed attempt reaped and queued again');
  t.is(retried.failures, 1);
  t.is(node.supervisor.actor('dispatcher'), dispatcher, 'the dispatcher actor was never restarted');
});
