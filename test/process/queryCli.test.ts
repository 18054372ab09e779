import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInstallation } from '../helpers/installation.js';
import { childEnv, cli } from './childNode.js';

test('trace-lite query runs in-process: --json, a text table, --csv and --out', async (t) => {
  const inst = await createInstallation(t);
  const env = childEnv(inst, { TRACE_LOG_LEVEL: 'warn' });

  const json = await cli(env, 'query', 'SELECT 42 AS answer', '--json');
  t.is(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as { columns: unknown; rows: unknown; stats: { rows: number } };
  t.deepEqual(result.columns, [{ name: 'answer', type: 'INTEGER' }]);
  t.deepEqual(result.rows, [[42]]);
  t.is(result.stats.rows, 1);

  const table = await cli(env, 'query', "SELECT 42 AS answer, 'a' AS s UNION ALL SELECT 7, NULL ORDER BY answer");
  t.is(table.code, 0, table.stderr);
  t.is(table.stdout, 'answer  s\n------  ----\n     7  NULL\n    42  a\n');
  t.regex(table.stderr, /^2 rows in \d+ ms$/m);

  const csv = await cli(env, 'query', 'SELECT 42 AS answer', '--csv');
  t.is(csv.code, 0, csv.stderr);
  t.is(csv.stdout, 'answer\n42\n');

  const dir = await mkdtemp(join(tmpdir(), 'trace-query-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'answer.parquet');
  const saved = await cli(env, 'query', 'SELECT 42 AS answer', '--out', out);
  t.is(saved.code, 0, saved.stderr);
  t.regex(saved.stderr, /wrote 1 rows .*parquet/);
  t.is((await readFile(out)).subarray(0, 4).toString(), 'PAR1');

  const templates = await cli(env, 'templates');
  t.is(templates.code, 0, templates.stderr);
  t.regex(templates.stdout, /^top_holders: /m);
  t.regex(templates.stdout, /--param \w+=<\w+>/);
});

test('trace-lite query exits 2 with "error:" on input the Query Service refuses', async (t) => {
  const inst = await createInstallation(t);
  const env = childEnv(inst, { TRACE_LOG_LEVEL: 'warn' });
  const cases: [string[], RegExp][] = [
    [['query', "COPY (SELECT 1) TO '/tmp/trace-cli-leak.csv'"], /^error: query rejected by SQL gate/],
    [['query', "SELECT * FROM read_csv('/etc/passwd')"], /^error: query rejected by SQL gate \(forbidden_(table_)?function:read_csv\)/],
    [['query', '--template', 'no_such_template'], /^error: unknown template/],
    [['query'], /^error: /],
    [['query', '--template', 'top_holders', '--param', 'n'], /expected name=value/],
    [['query', 'SELECT 1', '--out', join(tmpdir(), 'answer.xlsx')], /--format csv\|arrow\|parquet/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(env, ...args);
    t.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    t.regex(result.stderr, message, args.join(' '));
    t.is(result.stdout, '', args.join(' '));
  }
});
