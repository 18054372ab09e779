import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../drivers/postgres/migrations.js';
import { createInstallation } from '../helpers/installation.js';
import { childEnv, cli, spawnNode } from './childNode.js';

test('migrations applied by several processes at once run exactly once', async (t) => {
  const inst = await createInstallation(t);
  const results = await Promise.all([1, 2, 3].map(() => migrate(inst.url, inst.schemas)));
  t.deepEqual(results.map((r) => r.applied.length), [0, 0, 0]);
  const fresh = { ...inst.schemas, state: `${inst.prefix}x_state`, data: `${inst.prefix}x_data` };
  t.teardown(() => inst.pool.query(`DROP SCHEMA IF EXISTS ${fresh.state} CASCADE; DROP SCHEMA IF EXISTS ${fresh.data} CASCADE`));
  const racing = await Promise.all([1, 2, 3].map(() => migrate(inst.url, fresh)));
  t.is(racing.filter((r) => r.applied.length > 0).length, 1, 'one process applied them, the others found them applied');
});

test('task submit --wait, status --json and run submit through the CLI against a running node', async (t) => {
  const inst = await createInstallation(t, { retryBaseSeconds: 0.1 });
  const env = childEnv(inst, { TRACE_LOG_LEVEL: 'warn' });
  spawnNode(t, inst);

  const ok = await cli(env, 'task', 'submit', '--operator', 'noop', '--params', '{"n":1}', '--wait');
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout.trim(), /^\d+$/);
  t.regex(ok.stderr, /succeeded/);

  const failed = await cli(env, 'task', 'submit', '--operator', 'fail', '--max-attempts', '2', '--wait');
  t.is(failed.code, 1);
  t.regex(failed.stderr, /failed: fail operator failed/);

  const status = await cli(env, 'status', '--json');
  t.is(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as { tasks: Record<string, number>; queue: { depth: number; dead: number }; outbox: { pending: number } };
  t.is(report.tasks.succeeded, 1);
  t.is(report.tasks.failed, 1);
  t.is(typeof report.queue.depth, 'number');
  t.is(report.queue.dead, 0);
  t.is(typeof report.outbox.pending, 'number');

  const dir = mkdtempSync(join(tmpdir(), 'trace-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dag = join(dir, 'dag.yaml');
  writeFileSync(dag, 'name: fan\ntasks:\n  - {name: a, operator: noop}\n  - {name: b, operator: noop, depends_on: [a]}\n');
  const run = await cli(env, 'run', 'submit', '--file', dag, '--wait');
  t.is(run.code, 0, run.stderr);
  const shown = await cli(env, 'run', 'status', run.stdout.trim(), '--json');
  t.is((JSON.parse(shown.stdout) as { run: { status: string } }).run.status, 'succeeded');
});

test('bad input is refused with a clear message and exit code 2, and nothing is written', async (t) => {
  const inst = await createInstallation(t);
  const env = childEnv(inst, { TRACE_LOG_LEVEL: 'warn' });
  const cases: [string[], RegExp][] = [
    [['task', 'submit', '--operator', 'nope'], /unknown operator/],
    [['task', 'submit', '--operator', 'noop', '--params', '{oops'], /--params must be JSON/],
    [['task', 'submit', '--operator', 'noop', '--params', '[1]'], /must be a JSON object/],
    [['run', 'submit', '--file', '/nonexistent.yaml'], /cannot read/],
    [['up', '--roles', 'dispatcher,chef'], /unknown role/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(env, ...args);
    t.true(result.code === 1 || result.code === 2, `${args.join(' ')} exited ${result.code}`);
    t.regex(result.stderr, message);
  }
  t.is((await cli({ ...env, TRACE_LEASE_TTL_SECONDS: 'soon' }, 'status')).code, 2);
  t.is((await inst.pool.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n, 0);
});
