/**
 * The HTTP API through a real node (query + gateway roles) on a free port, against real Postgres,
 * over real HTTP.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { GatewayActor } from '../../actors/gateway/gateway.js';
import { describeHttpFailure, loggableError } from '../../actors/gateway/httpFailures.js';
import type { ConfigInput } from '../../runtime/config.js';
import { createInstallation, eventually, type TestInstallation } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';

interface Gateway {
  base: string;
  port: number;
  node: TestNode;
  inst: TestInstallation;
}

async function startGateway(t: ExecutionContext, overrides: ConfigInput = {}, url?: string): Promise<Gateway> {
  const inst = await createInstallation(t, overrides);
  const node = await startNode(t, url === undefined ? inst : { ...inst, url }, { roles: ['gateway'] });
  const gateway = node.supervisor.actor('gateway');
  if (!(gateway instanceof GatewayActor)) throw new Error('no gateway actor');
  const { port } = gateway.address();
  return { base: `http://127.0.0.1:${port}`, port, node, inst };
}

interface ErrorBody {
  error: { reason: string; message: string };
}

async function postJson(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A raw GET whose path fetch() would normalise (`..`) before sending. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function tempDir(t: ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const JOB_YAML = `kind: chain_sync
name: gateway-job
chain_id: 10143
mode: {kind: fixed_target, from_block: 0, to_block: 100}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 50}
  logs: {cryo_dataset_name: logs, rpc_pool: devnet}
`;

test('healthz, readyz and metrics; a query is counted and timed', async (t) => {
  const { base } = await startGateway(t);
  const health = await fetch(`${base}/healthz`);
  t.is(health.status, 200);
  t.deepEqual(await health.json(), { ok: true });
  const ready = await fetch(`${base}/readyz`);
  t.is(ready.status, 200, await ready.clone().text());
  t.deepEqual(await ready.json(), { ok: true });

  t.is((await postJson(base, '/v1/query', { sql: 'SELECT 1 AS one' })).status, 200);
  const metrics = await fetch(`${base}/metrics`);
  t.is(metrics.status, 200);
  t.regex(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await metrics.text();
  t.regex(text, /^trace_query_requests_total\{outcome="ok"\} 1$/m);
  t.regex(text, /^trace_query_duration_seconds_count 1$/m);
  t.regex(text, /^trace_query_inflight 0$/m);
  t.regex(text, /^trace_queue_depth\{queue="tasks"\} \d+$/m);
  t.regex(text, /^trace_queue_dead_letters\{queue="buffers"\} \d+$/m);
  t.regex(text, /^trace_tasks\{status="succeeded"\} 0$/m);
  t.regex(text, /^process_cpu_user_seconds_total /m);
});

test('readyz is 503 with a reason while Postgres does not answer; healthz stays 200', async (t) => {
  const { base } = await startGateway(t, {}, 'postgres://postgres@127.0.0.1:1/nowhere');
  t.is((await fetch(`${base}/healthz`)).status, 200);
  const ready = await fetch(`${base}/readyz`);
  t.is(ready.status, 503);
  const body = (await ready.json()) as { ok: boolean } & ErrorBody;
  t.false(body.ok);
  t.is(body.error.reason, 'database_unreachable');
});

test('POST /v1/query answers columns, rows and stats; csv, arrow and parquet are downloads', async (t) => {
  const { base } = await startGateway(t);
  const sql = "SELECT 1 AS one, 'x' AS s";
  const res = await postJson(base, '/v1/query', { sql });
  t.is(res.status, 200);
  const result = (await res.json()) as { columns: unknown; rows: unknown; stats: { rows: number; elapsedMs: number } };
  t.deepEqual(result.columns, [
    { name: 'one', type: 'INTEGER' },
    { name: 's', type: 'VARCHAR' },
  ]);
  t.deepEqual(result.rows, [[1, 'x']]);
  t.is(result.stats.rows, 1);
  t.is(typeof result.stats.elapsedMs, 'number');

  const csv = await postJson(base, '/v1/query', { sql, format: 'csv' });
  t.is(csv.status, 200);
  t.regex(csv.headers.get('content-type') ?? '', /^text\/csv/);
  t.is(csv.headers.get('content-disposition'), 'attachment; filename=result.csv');
  t.is(await csv.text(), 'one,s\n1,x\n');

  const parquet = await postJson(base, '/v1/query', { sql, format: 'parquet' });
  t.is(parquet.status, 200);
  t.is(parquet.headers.get('content-disposition'), 'attachment; filename=result.parquet');
  t.is(Buffer.from(await parquet.arrayBuffer()).subarray(0, 4).toString(), 'PAR1');

  const arrow = await postJson(base, '/v1/query', { sql, format: 'arrow' });
  t.is(arrow.status, 200);
  t.is(arrow.headers.get('content-disposition'), 'attachment; filename=result.arrow');
  t.true((await arrow.arrayBuffer()).byteLength > 0);

  const templates = await fetch(`${base}/v1/templates`);
  t.is(templates.status, 200);
  const { templates: list } = (await templates.json()) as { templates: { name: string; params: unknown[]; columns: string[] }[] };
  t.true(list.length > 0);
  t.true(list.every((tpl) => typeof tpl.name === 'string' && Array.isArray(tpl.params) && Array.isArray(tpl.columns)));
});

test('forbidden statements are 400 with the gate reason and never echo the SQL', async (t) => {
  const { base } = await startGateway(t);
  for (const sql of [
    "COPY (SELECT 1) TO '/tmp/trace-gateway-leak.csv'",
    "ATTACH '/tmp/trace-gateway-other.db' AS other",
    "SELECT * FROM read_csv('/etc/passwd')",
  ]) {
    const res = await postJson(base, '/v1/query', { sql });
    t.is(res.status, 400, sql);
    const text = await res.text();
    const { error } = JSON.parse(text) as ErrorBody;
    t.truthy(error.reason, sql);
    t.regex(error.message, /SQL gate/);
    t.false(text.includes(sql), `the answer echoes ${sql}`);
    t.false(text.includes('/etc/passwd') || text.includes('/tmp/trace-gateway'), 'the answer names the file');
  }
  const res = await postJson(base, '/v1/query', { sql: "SELECT * FROM read_csv('/etc/passwd')" });
  t.regex(((await res.json()) as ErrorBody).error.reason, /read_csv/);
});

test('malformed and contradictory requests are 400 with a reason, oversized ones 413, and the server keeps serving', async (t) => {
  const { base } = await startGateway(t);
  const malformed = await fetch(`${base}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql": "SELECT' });
  t.is(malformed.status, 400);
  t.is(((await malformed.json()) as ErrorBody).error.reason, 'invalid_json');

  const cases: [unknown, RegExp][] = [
    [{}, /./], // neither sql nor template: the Query Service's reason
    [{ sql: 'SELECT 1', template: 'top_holders' }, /./],
    [{ template: 'no_such_template' }, /unknown_template/],
    [{ sql: 42 }, /invalid_request/],
    [{ sql: 'SELECT 1', format: 'xlsx' }, /invalid_request/],
    [{ sql: 'SELECT 1', limit: 5 }, /invalid_request/],
    [[1, 2], /invalid_request/],
  ];
  for (const [body, reason] of cases) {
    const res = await postJson(base, '/v1/query', body);
    t.is(res.status, 400, JSON.stringify(body));
    t.regex(((await res.json()) as ErrorBody).error.reason, reason, JSON.stringify(body));
  }

  const huge = await postJson(base, '/v1/query', { sql: `SELECT '${'x'.repeat(1_200_000)}' AS big` });
  t.is(huge.status, 413);
  t.is(((await huge.json()) as ErrorBody).error.reason, 'body_too_large');

  const unknownRoute = await fetch(`${base}/v2/nothing`, { method: 'POST' });
  t.is(unknownRoute.status, 404);

  const after = await postJson(base, '/v1/query', { sql: 'SELECT 2 AS two' });
  t.is(after.status, 200);
  t.deepEqual(((await after.json()) as { rows: unknown }).rows, [[2]]);
});

test('POST /v1/jobs applies a chain_sync job (YAML or JSON {yaml}); GET /v1/jobs/:id shows its streams', async (t) => {
  const { base } = await startGateway(t);
  const created = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: JOB_YAML });
  t.is(created.status, 201);
  const { job_id: jobId, name } = (await created.json()) as { job_id: string; name: string };
  t.regex(jobId, /^\d+$/);
  t.is(name, 'gateway-job');

  const status = await fetch(`${base}/v1/jobs/${jobId}`);
  t.is(status.status, 200);
  const job = (await status.json()) as { job_id: string; complete: boolean; streams: Record<string, { dataset: string; target: number }> };
  t.is(job.job_id, jobId);
  t.false(job.complete);
  t.deepEqual(Object.keys(job.streams).sort(), ['blocks', 'logs']);
  t.is(job.streams.blocks?.target, 100);
  t.is((await fetch(`${base}/v1/jobs/gateway-job`)).status, 200, 'by name too');

  const again = await postJson(base, '/v1/jobs', { yaml: JOB_YAML.replace('to_block: 100', 'to_block: 200') });
  t.is(again.status, 200, 'an update of an existing job');
  t.is(((await again.json()) as { job_id: string }).job_id, jobId);
  t.is((await fetch(`${base}/v1/jobs/${jobId}`).then((r) => r.json()) as { streams: Record<string, { target: number }> }).streams.blocks?.target, 200);

  const invalid = await fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JOB_YAML.replace('chunk_size: 50', 'chunk_size: -3'),
  });
  t.is(invalid.status, 400);
  const { error } = (await invalid.json()) as ErrorBody;
  t.is(error.reason, 'invalid_job');
  t.regex(error.message, /streams\.blocks\.chunk_size \(line 6\)/);

  const notYaml = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: 'kind: [unclosed' });
  t.is(notYaml.status, 400);
  t.regex(((await notYaml.json()) as ErrorBody).error.message, /line \d+/);

  t.is((await postJson(base, '/v1/jobs', { spec: 'nope' })).status, 400);

  const unknown = await fetch(`${base}/v1/jobs/no-such-job`);
  t.is(unknown.status, 404);
  t.is(((await unknown.json()) as ErrorBody).error.reason, 'unknown_job');
});

test('the report directory is served read-only: index at /, no traversal, no dotfiles, no links out', async (t) => {
  const outside = await tempDir(t, 'trace-gateway-outside-');
  await writeFile(join(outside, 'secret.txt'), 'secret');
  const reportDir = await tempDir(t, 'trace-gateway-report-');
  await writeFile(join(reportDir, 'index.html'), '<!doctype html><title>Trace Lite report</title>');
  await mkdir(join(reportDir, 'charts'));
  await writeFile(join(reportDir, 'charts', 'supply.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(reportDir, '.env'), 'TOKEN=1');
  await symlink(join(outside, 'secret.txt'), join(reportDir, 'escape.txt'));
  const { base, port } = await startGateway(t, { reportDir });

  const index = await fetch(`${base}/`);
  t.is(index.status, 200);
  t.regex(index.headers.get('content-type') ?? '', /^text\/html/);
  t.regex(await index.text(), /Trace Lite report/);
  const svg = await fetch(`${base}/charts/supply.svg`);
  t.is(svg.status, 200);
  t.is(svg.headers.get('content-type'), 'image/svg+xml');

  for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/charts/../../package.json', '/.env', '/escape.txt', '/charts/', '/missing.html']) {
    const res = await rawGet(port, path);
    t.is(res.status, 404, path);
    t.false(res.body.includes('secret') || res.body.includes('"name": "trace-lite"') || res.body.includes('TOKEN'), path);
  }
  t.is((await fetch(`${base}/index.html`, { method: 'POST' })).status, 404, 'read-only');
});

test('without a report, / is 404 with a hint to run the demo', async (t) => {
  const reportDir = join(await tempDir(t, 'trace-gateway-none-'), 'not-written');
  const { base } = await startGateway(t, { reportDir });
  const res = await fetch(`${base}/`);
  t.is(res.status, 404);
  t.regex(((await res.json()) as ErrorBody).error.message, /run `trace-lite demo` to write the report/);
});

test('more queries than the query actor admits are refused at once with 503 busy', async (t) => {
  // One query at a time, 4 waiting; a slow but bounded query (the timeout caps each one).
  const { base } = await startGateway(t, { queryConcurrency: 1, queryTimeoutMs: 5_000 });
  const slow = { sql: 'SELECT count(*) AS n FROM range(300000000)' };
  const answers = await Promise.all(Array.from({ length: 8 }, () => postJson(base, '/v1/query', slow)));
  const statuses = answers.map((r) => r.status);
  const busy = answers.filter((r) => r.status === 503);
  t.true(busy.length >= 1, `statuses ${statuses.join(',')}`);
  for (const res of busy) t.is(((await res.json()) as ErrorBody).error.reason, 'busy');
  t.true(statuses.every((s) => s === 200 || s === 408 || s === 503), `statuses ${statuses.join(',')}`);
  t.true(statuses.includes(200) || statuses.includes(408), 'the admitted ones ran');

  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.regex(metrics, new RegExp(`^trace_query_requests_total\\{outcome="busy"\\} ${busy.length}$`, 'm'));
  t.is((await postJson(base, '/v1/query', { sql: 'SELECT 1 AS one' })).status, 200, 'serving again once the queue drained');
});

test('a client that goes away cancels its query, and the slot is free for the next one', async (t) => {
  const { base } = await startGateway(t, { queryConcurrency: 1, queryTimeoutMs: 60_000 });
  const client = new AbortController();
  const abandoned = fetch(`${base}/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql: 'SELECT count(*) AS n FROM range(100000000000)' }),
    signal: client.signal,
  });
  setTimeout(() => client.abort(), 300);
  t.is(await abandoned.then(() => 'answered', (err: DOMException) => err.name), 'AbortError');
  await eventually(async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text();
    return /^trace_query_requests_total\{outcome="cancelled"\} 1$/m.test(metrics) && /^trace_query_inflight 0$/m.test(metrics) ? true : undefined;
  }, 10_000, 'the query counted as cancelled');
  t.is((await postJson(base, '/v1/query', { sql: 'SELECT 1 AS one' })).status, 200);
});

test('an unknown error is a 500 "internal" that shows nothing of it, and is logged without the statement', (t) => {
  const err = new Error('Binder Error: something broke\n\nLINE 1: SELECT secret_column FROM t');
  const failure = describeHttpFailure(err);
  t.is(failure.status, 500);
  t.is(failure.reason, 'internal');
  t.false(failure.message.includes('Binder'));
  const logged = JSON.stringify(loggableError(err));
  t.regex(logged, /Binder Error: something broke/);
  t.false(logged.includes('secret_column'));
});
