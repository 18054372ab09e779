/** The gateway's health, readiness and metrics endpoints, through a real node over real HTTP. */
import test from 'ava';
import { postJson, startGateway, type ErrorBody } from '../helpers/gateway.js';

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
