import test from 'ava';
import { setTimeout as delay } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { openThreadPool } from '../../actors/threadJobs.js';
import { armFailpoint } from '../../runtime/failpoints.js';
import { THREAD_EXIT_POINT, THREAD_START_FAILS_POINT } from '../../runtime/threads/threadPool.js';

/** How long the stray failure may take to reach the pool (it fails as it starts). */
const REPORT_WAIT_MS = 5_000;

/** The pools below expect no thread to fail outside a job: such a failure fails the test that saw it. */
const noStrayErrors = (error: Error) => {
  throw error;
};

test('pool jobs run by name on another thread', async (t) => {
  const pool = openThreadPool({ maxThreads: 1, onThreadError: noStrayErrors });
  t.teardown(() => pool.close());
  t.not(await pool.run('threadId', undefined), threadId);
});

test('ArrayBuffers are moved into and out of the pool, not copied', async (t) => {
  const pool = openThreadPool({ maxThreads: 1, onThreadError: noStrayErrors });
  t.teardown(() => pool.close());
  const data = await pool.run('fill', { bytes: 1 << 20, seed: 7 });
  t.is(data.byteLength, 1 << 20, 'the result buffer arrived whole');
  const expected = await pool.run('sha256', { data: data.slice(0) });
  const hash = await pool.run('sha256', { data }, { transfer: [data] });
  t.is(hash, expected);
  t.is(data.byteLength, 0, 'the transferred buffer is detached here');
});

test('aborting a running job rejects it and the pool keeps working', async (t) => {
  const pool = openThreadPool({ maxThreads: 1, onThreadError: noStrayErrors });
  t.teardown(() => pool.close());
  const controller = new AbortController();
  const job = pool.run('sleep', { ms: 10_000 }, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  const started = Date.now();
  await t.throwsAsync(job, { name: 'AbortError' });
  t.true(Date.now() - started < 2_000);
  t.is(await pool.run('sleep', { ms: 1 }), 1);
});

test('a pool thread that dies mid-job fails that job only, and the pool runs the next on a new thread', async (t) => {
  const pool = openThreadPool({ maxThreads: 1, onThreadError: noStrayErrors });
  t.teardown(() => pool.close());
  const before = await pool.run('threadId', undefined);
  armFailpoint(THREAD_EXIT_POINT, 'exit', 1);
  await t.throwsAsync(pool.run('sleep', { ms: 1_000 }), { message: /worker exited with code: 70/ });
  t.is(await pool.run('sleep', { ms: 1 }), 1, 'the next job runs');
  t.not(await pool.run('threadId', undefined), before, 'on a new thread');
});

test('jobs with an abort signal share a thread, and aborting one leaves the thread to the others', async (t) => {
  const pool = openThreadPool({ maxThreads: 1, onThreadError: noStrayErrors });
  t.teardown(() => pool.close());
  const thread = await pool.run('threadId', undefined);
  const controller = new AbortController();
  const doomed = pool.run('sleep', { ms: 10_000 }, { signal: controller.signal });
  const started = Date.now();
  const others = [1, 2, 3].map(() => pool.run('sleep', { ms: 400 }, { signal: new AbortController().signal }));
  setTimeout(() => controller.abort(), 100);
  await t.throwsAsync(doomed, { name: 'AbortError' });
  t.deepEqual(await Promise.all(others), [400, 400, 400]);
  t.true(Date.now() - started < 1_100, 'the three ran side by side, not one after another');
  t.is(await pool.run('threadId', undefined), thread, 'the thread was not ended');
});

test('a thread that fails while it holds no job is reported to the pool and does not end the process', async (t) => {
  armFailpoint(THREAD_START_FAILS_POINT, 'exit', 1);
  let reported: (error: Error) => void = () => undefined;
  const failure = new Promise<Error>((resolve) => (reported = resolve));
  const pool = openThreadPool({ maxThreads: 1, onThreadError: (error) => reported(error) });
  t.teardown(() => pool.close());
  // The job starts the thread, which fails before it takes the job: Piscina's 'error' event on the
  // pool, which ended the process while nobody listened. The job waits for a thread that starts.
  const job = pool.run('sleep', { ms: 1 });
  // A pending timer keeps this process up meanwhile (a starting pool thread does not).
  const waited = delay(REPORT_WAIT_MS).then(() => new Error(`no thread failure reported within ${REPORT_WAIT_MS} ms`));
  t.is((await Promise.race([failure, waited])).message, 'the pool thread failed as it started (failpoint)');
  await pool.close();
  await t.throwsAsync(job, { message: /aborted/ }, 'the job that was waiting ends with the pool');
});

test('warming starts every thread of the pool and loads the ingest modules on each, once', async (t) => {
  const pool = openThreadPool({ maxThreads: 2, onThreadError: noStrayErrors });
  t.teardown(() => pool.close());
  t.is(pool.threads, 0, 'a new pool has no thread');
  t.is(await pool.warm('warmIngest', undefined), 2, 'both threads ran the warm-up');
  t.is(pool.threads, 2);
  const again = Date.now();
  t.is(await pool.warm('warmIngest', undefined), 2);
  t.true(Date.now() - again < 50, 'a warm pool is not warmed again');
});
