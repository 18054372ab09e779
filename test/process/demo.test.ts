/**
 * `trace-lite demo` end to end as a user runs it: a child process with a small devnet, the real
 * Postgres, the embedded S3 server and anvil, through sync, queries, analytics tasks and the report.
 */
import test from 'ava';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInstallation } from '../helpers/installation.js';
import { childEnv, cli } from './childNode.js';

test('trace-lite demo syncs a devnet, answers queries, commits the analytics and writes the report', async (t) => {
  const inst = await createInstallation(t);
  const dir = await mkdtemp(path.join(tmpdir(), 'trace-demo-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'report');
  const env = childEnv(inst, { TRACE_DATA_DIR: path.join(dir, 'data'), TRACE_LOG_LEVEL: 'warn' });
  delete env.TRACE_SCHEMA_PREFIX;

  const started = Date.now();
  const { code, stdout, stderr } = await cli(env, 'demo', '--blocks', '30', '--follow-blocks', '2', '--top', '5', '--out', out, '--schema-prefix', inst.prefix);
  t.is(code, 0, stderr);
  t.log(`demo took ${((Date.now() - started) / 1000).toFixed(1)} s`);

  for (const step of ['[1/7]', '[3/7]', '[5/7]', '[7/7]']) t.true(stderr.includes(step), `progress shows step ${step}`);
  for (const title of ['Tip: the newest blocks', 'History: activity', 'Native MON supply by block', 'Top 5 MON holders', 'Stake concentration']) {
    t.true(stdout.includes(title), `prints ${title}`);
  }
  // The tip is the followed head: 30 seeded blocks + 2 produced while following.
  t.regex(stdout, /Tip: the newest blocks[^\n]*\n[^\n]*\n[^\n]*\n\s+32\s/, 'the tip query starts at block 32');

  // The analytics were committed as datasets, each once.
  const { rows } = await inst.pool.query<{ dataset: string; n: string }>(
    `SELECT dataset, count(*)::text AS n FROM ${inst.schemas.state}.dataset_versions WHERE dataset LIKE 'demo\\_%' GROUP BY 1 ORDER BY 1`,
  );
  t.deepEqual(
    rows.map((r) => r.dataset),
    ['demo_erc20_holder_history', 'demo_erc20_supply', 'demo_erc20_top_holders', 'demo_native_holder_history', 'demo_native_supply', 'demo_native_top_holders', 'demo_stake_by_validator', 'demo_stake_concentration', 'demo_stake_history'],
  );
  t.true(rows.every((r) => r.n === '1'));
  const job = await inst.pool.query<{ status: string }>(`SELECT status FROM ${inst.schemas.state}.sync_jobs WHERE name = 'demo'`);
  t.deepEqual(job.rows, [{ status: 'paused' }], 'the devnet is gone: its sync job no longer polls it');

  const html = await readFile(path.join(out, 'index.html'), 'utf8');
  const charts = (await readdir(path.join(out, 'charts'))).sort();
  t.deepEqual(charts, ['erc20-supply.svg', 'holders-native.svg', `holders-${charts.find((c) => c.startsWith('holders-0x'))!.slice(8)}`, 'lorenz.svg', 'native-supply.svg', 'stake-by-validator.svg', 'stake-over-time.svg'].sort());
  for (const chart of charts) t.true(html.includes(`charts/${chart}`), `the page shows ${chart}`);
});
