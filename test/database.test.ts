import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { probeDatabase } from '../drivers/postgres/embedded/probe.js';
import { DEFAULT_DATABASE_URL, resolveDatabase, type ResolvedDatabase } from '../drivers/postgres/embedded/resolveDatabase.js';

/** A fresh Lite data dir, removed after the test (teardowns run last-registered first). */
async function tempDataDir(t: ExecutionContext): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trace-lite-db-'));
  // mkdtemp gives 0700; as root the cluster runs as OS user postgres, which must get through it.
  await fs.chmod(dir, 0o755);
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A loopback URL where nothing listens: the newcomer's laptop. */
async function closedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return `postgres://postgres@127.0.0.1:${address.port}/test`;
}

async function query(url: string, sql: string, params: unknown[] = []): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, unknown>>(sql, params);
    return rows[0] === undefined ? undefined : Object.values(rows[0])[0];
  } finally {
    await client.end();
  }
}

async function resolveEmbedded(t: ExecutionContext, dataDir: string, defaultUrl: string, logs: string[] = []): Promise<ResolvedDatabase> {
  const started = performance.now();
  const db = await resolveDatabase({ defaultUrl, dataDir, log: (msg, fields) => logs.push(msg) && t.log(msg, fields ?? '') });
  t.teardown(() => db.stop());
  t.log(`resolved in ${Math.round(performance.now() - started)} ms`);
  t.true(db.embedded);
  return db;
}

test('an explicit DATABASE_URL is used as is, without probing or touching the data dir', async (t) => {
  const dataDir = path.join(os.tmpdir(), `trace-lite-untouched-${process.pid}`);
  const url = 'postgres://nobody:secret@127.0.0.1:1/nowhere';
  const db = await resolveDatabase({ databaseUrl: url, dataDir });
  t.is(db.url, url);
  t.false(db.embedded);
  await db.stop();
  await t.throwsAsync(fs.access(dataDir));
});

test('a default URL that answers is used', async (t) => {
  let url = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
  if (!(await probeDatabase(url))) {
    t.log(`${url} does not answer; an embedded server stands in for it`);
    url = (await resolveEmbedded(t, await tempDataDir(t), await closedUrl())).url;
  }
  const db = await resolveDatabase({ defaultUrl: url, dataDir: path.join(os.tmpdir(), `trace-lite-untouched-${process.pid}`) });
  t.is(db.url, url);
  t.false(db.embedded);
  t.is(await query(db.url, 'SELECT 1 AS one'), 1);
});

test('with nothing answering, an embedded PostgreSQL starts under the data dir, stops, and is reused', async (t) => {
  const dataDir = await tempDataDir(t);
  const defaultUrl = await closedUrl();
  t.false(await probeDatabase(defaultUrl));

  const logs: string[] = [];
  const first = await resolveEmbedded(t, dataDir, defaultUrl, logs);
  t.regex(first.url, /^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
  t.true(logs.includes('initialised embedded PostgreSQL cluster'));
  t.is(await query(first.url, 'SELECT current_setting($1)', ['data_directory']), path.join(dataDir, 'postgres'));
  await query(first.url, 'CREATE TABLE kept (v text)');
  await query(first.url, 'INSERT INTO kept VALUES ($1)', ['from the first run']);
  await first.stop();
  await t.throwsAsync(query(first.url, 'SELECT 1'), { code: 'ECONNREFUSED' });

  logs.length = 0;
  const second = await resolveEmbedded(t, dataDir, defaultUrl, logs);
  t.false(logs.includes('initialised embedded PostgreSQL cluster'), 'the existing cluster is reused, not re-initialised');
  t.is(await query(second.url, 'SELECT v FROM kept'), 'from the first run');

  // A second user of the same data dir shares the server; the last stop() stops it.
  const third = await resolveEmbedded(t, dataDir, defaultUrl);
  t.is(third.url, second.url);
  await second.stop();
  t.is(await query(third.url, 'SELECT count(*)::int FROM kept'), 1);
  await third.stop();
  await t.throwsAsync(query(third.url, 'SELECT 1'), { code: 'ECONNREFUSED' });
});

test('a killed run leaves nothing that wedges the next start', async (t) => {
  const dataDir = await tempDataDir(t);
  const defaultUrl = await closedUrl();

  // A process that started the server is killed: its server lives on, is adopted, and our stop() stops it.
  const moduleUrl = new URL('../drivers/postgres/embedded/resolveDatabase.js', import.meta.url).href;
  const script = `import { resolveDatabase } from ${JSON.stringify(moduleUrl)};
    const db = await resolveDatabase(${JSON.stringify({ defaultUrl, dataDir })});
    console.log(db.url);
    setInterval(() => undefined, 60_000);`;
  const run = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => run.kill('SIGKILL'));
  const [orphanUrl] = (await once(createInterface({ input: run.stdout }), 'line')) as [string];
  run.kill('SIGKILL');
  await once(run, 'exit');
  const adopted = await resolveEmbedded(t, dataDir, defaultUrl);
  t.is(adopted.url, orphanUrl);
  await query(adopted.url, 'CREATE TABLE kept (v int)');

  // The server itself is killed, and its pid then belongs to another live process of the server's
  // OS user (as after a reboot): postgres alone would refuse to start over that postmaster.pid.
  const cluster = path.join(dataDir, 'postgres');
  const pidFile = path.join(cluster, 'postmaster.pid');
  const lines = (await fs.readFile(pidFile, 'utf8')).split('\n');
  process.kill(Number(lines[0]), 'SIGKILL');
  const { uid, gid } = await fs.stat(cluster);
  const impostor = spawn('sleep', ['60'], { uid, gid, stdio: 'ignore' });
  t.teardown(() => impostor.kill());
  lines[0] = String(impostor.pid);
  await fs.writeFile(pidFile, lines.join('\n'));
  await adopted.stop(); // finds no server of its own to stop, and leaves the impostor alone
  t.is(impostor.exitCode, null);

  const restarted = await resolveEmbedded(t, dataDir, defaultUrl);
  t.is(await query(restarted.url, 'SELECT count(*)::int FROM kept'), 0);
  await restarted.stop();
  await t.throwsAsync(query(restarted.url, 'SELECT 1'), { code: 'ECONNREFUSED' });
});
