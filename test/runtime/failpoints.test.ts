import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { armFailpoint, disarmFailpoint, failpoint, FailpointError, pauseAt } from '../../runtime/failpoints.js';

const FAILPOINTS_MODULE = fileURLToPath(new URL('../../runtime/failpoints.js', import.meta.url));

test('an unarmed failpoint returns at once and costs no promise', (t) => {
  t.is(failpoint('test.unarmed'), undefined);
});

test('pauseAt holds the matching caller until released; others pass', async (t) => {
  const handle = pauseAt('test.pause', { when: (c) => c.n === 2 });
  const order: string[] = [];
  const passing = (async () => {
    await failpoint('test.pause', { n: 1 });
    order.push('n1 passed');
  })();
  const held = (async () => {
    await failpoint('test.pause', { n: 2 });
    order.push('n2 released');
  })();
  t.deepEqual(await handle.reached, { n: 2 });
  await passing;
  t.deepEqual(order, ['n1 passed']);
  handle.release();
  await held;
  t.deepEqual(order, ['n1 passed', 'n2 released']);
  t.is(failpoint('test.pause', { n: 2 }), undefined, 'released points are disarmed');
});

test('an armed throw point throws its count of hits, then passes', async (t) => {
  armFailpoint('test.throw', 'throw', 1);
  t.teardown(() => disarmFailpoint('test.throw'));
  await t.throwsAsync(async () => failpoint('test.throw'), { instanceOf: FailpointError });
  t.is(failpoint('test.throw'), undefined);
});

test('a stall point blocks the event loop for its ms, once', async (t) => {
  armFailpoint('test.stall', { stallMs: 150 }, 1);
  t.teardown(() => disarmFailpoint('test.stall'));
  let timerRan = false;
  setTimeout(() => (timerRan = true), 0);
  const started = performance.now();
  await failpoint('test.stall');
  t.true(performance.now() - started >= 140);
  t.false(timerRan, 'no timer ran while the loop was stalled');
  t.is(failpoint('test.stall'), undefined);
});

test('a child process skips a switched-off safeguard, and arms what a file says on each SIGUSR2', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'failpoints-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'armed');
  const script = [
    `const f = await import(${JSON.stringify(FAILPOINTS_MODULE)});`,
    "console.log(`skipped ${f.safeguardSkipped('hotRows.deleteBeforeCopy')} ${f.safeguardSkipped('leaseReaper.reap')}`);",
    "process.stdin.on('data', async () => { await f.failpoint('test.child'); console.log('passed'); });",
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, TRACE_TEST_FAILPOINTS: 'hotRows.deleteBeforeCopy=skip', TRACE_TEST_FAILPOINTS_ON_SIGUSR2: file },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.trim().split('\n')));
  const waitFor = async (line: string) => {
    while (!lines.includes(line)) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  await waitFor('skipped true false');
  child.stdin.write('go\n');
  await waitFor('passed'); // nothing armed yet
  await writeFile(file, 'test.child=crash*1');
  child.kill('SIGUSR2');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const exited = once(child, 'exit');
  child.stdin.write('go\n');
  const [, signal] = await exited;
  t.is(signal, 'SIGKILL');
});
