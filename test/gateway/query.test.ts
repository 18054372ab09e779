/**
 * POST /v1/query through a real node (query + gateway roles) on a free port, against real Postgres,
 * over real HTTP: answers and downloads, refusals, admission and cancellation, internal errors.
 */
import test from 'ava';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { pauseAt } from '../../runtime/failpoints.js';
import { describeHttpFailure, loggableError } from '../../actors/gateway/httpFailures.js';
import { postJson, startGateway, type ErrorBody } from '../helpers/gateway.js';
import { eventually } from '../helpers/installation.js';

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

test('a client that went away before its query reached the query actor cancels it too', async (t) => {
  const { base } = await startGateway(t, { queryConcurrency: 1, queryTimeoutMs: 60_000 });
  // Only this test's query is held (the file's tests run side by side in this process).
  const sql = 'SELECT count(*) AS abandoned_early FROM range(100000000000)';
  const held = pauseAt('gateway.beforeQuery', { when: (context) => context.sql === sql });
  t.teardown(() => held.release());
  const client = new AbortController();
  const abandoned = fetch(`${base}/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql }),
    signal: client.signal,
  });
  const { response } = (await held.reached) as { response: ServerResponse };
  client.abort();
  t.is(await abandoned.then(() => 'answered', (err: DOMException) => err.name), 'AbortError');
  if (!response.closed) await once(response, 'close');
  held.release();
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
