import test from 'ava';
import net from 'node:net';
import { createInstallation, eventually } from '../helpers/installation.js';
import { TaskStore } from '../../actors/state/tasks/taskStore.js';
import { spawnNode } from './childNode.js';
import { dispatchChannel } from '../../actors/state/dispatchEvents.js';

function storeFor(inst: Awaited<ReturnType<typeof createInstallation>>): TaskStore {
  return new TaskStore(inst.pool, { defaultMaxAttempts: 3, retryBaseSeconds: 0.1, retryMaxSeconds: 1 }, dispatchChannel(inst.schemas));
}

test('worker process killed with SIGKILL mid-task: the lease expires, the task is retried and completes', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 2, retryBaseSeconds: 0.1 });
  const tasks = storeFor(inst);
  const taskId = await tasks.runs.submitTask('sleep', { ms: 1_500 });
  const victim = spawnNode(t, inst, ['--roles', 'publisher,heartbeat,worker']);
  await eventually(async () => ((await tasks.reads.getTask(taskId))?.status === 'running' ? true : undefined), 15_000, 'the first attempt to run');
  victim.child.kill('SIGKILL');
  t.is((await victim.exited).signal, 'SIGKILL');
  t.is((await tasks.reads.getTask(taskId))?.status, 'running', 'the dead worker still holds the lease');

  spawnNode(t, inst);
  const done = await eventually(async () => {
    const task = await tasks.reads.getTask(taskId);
    return task?.status === 'succeeded' ? task : undefined;
  }, 20_000, 'the retry to succeed');
  t.is(done.attempt, 2);
  const attempts = await tasks.reads.attemptHistory(taskId);
  t.deepEqual(attempts.map((a) => [a.attempt, a.outcome]), [
    [1, 'lease_expired'],
    [2, 'succeeded'],
  ]);
  t.not(attempts[0]!.worker_id, attempts[1]!.worker_id);
});

test('SIGTERM during a run: the process exits 0 within the lease time and no attempt is left running', async (t) => {
  const inst = await createInstallation(t, { leaseTtlSeconds: 6 });
  const tasks = storeFor(inst);
  const quick = await tasks.runs.submitTask('sleep', { ms: 500 });
  const slow = await tasks.runs.submitTask('sleep', { ms: 60_000 });
  // A grace of 1 s: the quick attempt finishes inside it, the slow one is handed back.
  const node = spawnNode(t, inst, [], { TRACE_SHUTDOWN_GRACE_SECONDS: '1' });
  await eventually(async () => {
    const [a, b] = await Promise.all([tasks.reads.getTask(quick), tasks.reads.getTask(slow)]);
    return a?.status === 'running' && b?.status === 'running' ? true : undefined;
  }, 15_000, 'both attempts to run');
  const signalledAt = Date.now();
  node.child.kill('SIGTERM');
  const { code } = await node.exited;
  const tookMs = Date.now() - signalledAt;
  t.is(code, 0, node.output());
  t.true(tookMs < 6_000, `exited after ${tookMs} ms`);

  const [a, b] = await Promise.all([tasks.reads.getTask(quick), tasks.reads.getTask(slow)]);
  t.is(a?.status, 'succeeded');
  t.is(b?.status, 'queued', 'the unfinished attempt was handed back');
  t.is(b?.attempt, 2);
  t.is(b?.failures, 0, 'a hand-back is not a failure');
  const running = await inst.pool.query("SELECT count(*)::int AS n FROM task_attempts WHERE outcome = 'running'");
  t.is(running.rows[0].n, 0);
  t.deepEqual((await tasks.reads.attemptHistory(slow)).map((x) => x.outcome), ['handed_back']);
  const outbox = await inst.pool.query('SELECT count(*)::int AS n FROM outbox');
  const queued = await inst.pool.query("SELECT count(*)::int AS n FROM queue_messages WHERE payload ->> 'task_id' = $1", [slow]);
  t.is(outbox.rows[0].n + queued.rows[0].n >= 1, true, 'the handed-back task has a wake-up waiting');
});

test('a node started while its database does not answer yet waits for it instead of exiting', async (t) => {
  const inst = await createInstallation(t);
  const database = new URL(inst.url);
  const port = await freePort();
  const waitingUrl = new URL(inst.url);
  waitingUrl.hostname = '127.0.0.1';
  waitingUrl.port = String(port);
  const node = spawnNode(t, inst, ['--roles', 'heartbeat'], { DATABASE_URL: waitingUrl.toString() });
  await eventually(async () => (node.output().includes('waiting for PostgreSQL') ? true : undefined), 15_000, 'the node to report that it waits');
  t.is(node.child.exitCode, null, 'still running while nothing answers');

  // The database "comes up": a byte-for-byte relay on the node's port to the real server.
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const server = net.connect(Number(database.port || 5432), database.hostname);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(server).pipe(client);
  });
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    relay.close();
  });
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
  await eventually(async () => (node.output().includes('trace-lite is up') ? true : undefined), 20_000, 'the node to come up once the database answers');
  node.child.kill('SIGTERM');
  t.is((await node.exited).code, 0, node.output());
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
