/**
 * No query can take a node down (issue 13, part 5), over real HTTP through a node's gateway and its
 * Query Service: a memory-hungry query (one DuckDB caps, one it does not track), a query that never
 * checks for interrupts, DuckDB's catalog views and a client that disconnects are each answered
 * (400 `memory_limit`, 408 `timeout`, 400 with the gate's reason, cancelled) while a second query in
 * flight completes with its right answer, and the node keeps answering. Serial: each test loads both
 * cores, and the honest query must fit in the timeout.
 */
import test, { type ExecutionContext } from 'ava';
import { postJson, startGateway, type ErrorBody, type TestGateway } from '../helpers/gateway.js';
import { eventually } from '../helpers/installation.js';
import type { ConfigInput } from '../../runtime/config.js';

/** Two queries at once (each in its own query process), a timeout that a slow honest query fits in. */
const LIMITS = { queryConcurrency: 2, queryTimeoutMs: 6_000, queryMemoryMb: 100 };
/** Honest and slow enough (~0.1–1 s here) to be in flight while the other query misbehaves. */
const HONEST = { sql: 'SELECT count(*) AS n FROM range(60000000) WHERE range % 3 = 0' };
const HONEST_ROWS = [[20_000_000]];
/** One scalar call, O(n²) with n = 80,000 and ~100 KB of memory: DuckDB checks no interrupt in it (n = 60,000 ran 28 s here, interrupted after 0.1 s). */
const UNINTERRUPTIBLE = "SELECT levenshtein(repeat('a', 80000), repeat('b', 80000)) AS n";

interface Answer {
  status: number;
  body: unknown;
  startedAt: number;
  endedAt: number;
}

async function ask(base: string, body: unknown, signal?: AbortSignal): Promise<Answer> {
  const startedAt = Date.now();
  const res = await fetch(`${base}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  return { status: res.status, body: await res.json(), startedAt, endedAt: Date.now() };
}

/** Runs `bad` while the honest query is in flight; the honest one must answer right, after `bad` was sent. */
async function beside(t: ExecutionContext, gw: TestGateway, bad: () => Promise<Answer>): Promise<Answer> {
  const honest = ask(gw.base, HONEST);
  const answer = await bad();
  const other = await honest;
  t.is(other.status, 200, JSON.stringify(other.body));
  t.deepEqual((other.body as { rows: unknown }).rows, HONEST_ROWS);
  t.true(other.endedAt >= answer.startedAt, 'the honest query was in flight when the other one was sent');
  t.is((await fetch(`${gw.base}/healthz`)).status, 200);
  return answer;
}

/** A gateway with both query processes started (two queries at once), so process starts do not count against the timeout. */
async function limitedGateway(t: ExecutionContext, overrides: ConfigInput = {}): Promise<TestGateway> {
  const gw = await startGateway(t, { ...LIMITS, ...overrides });
  const warm = await Promise.all([1, 2].map(() => postJson(gw.base, '/v1/query', { sql: 'SELECT count(*) FROM range(3000000)' })));
  t.deepEqual(warm.map((r) => r.status), [200, 200]);
  return gw;
}

const reasonOf = (answer: Answer): string => (answer.body as ErrorBody).error.reason;

test.serial('a memory-hungry query is refused with 400 memory_limit, whether DuckDB caps it or its process is killed', async (t) => {
  // Long enough for the process to outgrow its cap on a loaded machine (~40 MB/s here at a load of 20).
  const gw = await limitedGateway(t, { queryTimeoutMs: 60_000 });
  // DuckDB's buffer pool: an aggregate that outgrows memory_limit fails in DuckDB.
  const capped = await beside(t, gw, () => ask(gw.base, { sql: "SELECT length(string_agg(range::VARCHAR, ',')) AS n FROM range(40000000)" }));
  t.is(capped.status, 400, JSON.stringify(capped.body));
  t.is(reasonOf(capped), 'memory_limit');
  t.regex((capped.body as ErrorBody).error.message, /100 MB of memory \(TRACE_QUERY_MEMORY_MB\)/);
  // A string DuckDB builds outside its buffer pool: the process passes its resident cap and is killed.
  const killed = await beside(t, gw, () => ask(gw.base, { sql: "SELECT length(repeat(repeat('x', 1000000), 600)) AS n" }));
  t.is(killed.status, 400, JSON.stringify(killed.body));
  t.is(reasonOf(killed), 'memory_limit');
  t.is((await postJson(gw.base, '/v1/query', { sql: 'SELECT 1 AS one' })).status, 200, 'a new query process answers');
});

test.serial('a query that never checks for interrupts is answered 408 timeout near the deadline, its process killed', async (t) => {
  const gw = await limitedGateway(t);
  const answer = await beside(t, gw, () => ask(gw.base, { sql: UNINTERRUPTIBLE }));
  t.is(answer.status, 408, JSON.stringify(answer.body));
  t.is(reasonOf(answer), 'timeout');
  const took = answer.endedAt - answer.startedAt;
  t.true(took < LIMITS.queryTimeoutMs + 3_000, `answered after ${took} ms`);
  t.is((await postJson(gw.base, '/v1/query', { sql: 'SELECT 1 AS one' })).status, 200, 'a new query process answers');
});

test.serial("DuckDB's catalog views, internal tables and file relations are refused by the gate with a reason", async (t) => {
  const gw = await limitedGateway(t);
  const cases: [string, string][] = [
    ['SELECT * FROM duckdb_settings()', 'forbidden_function:duckdb_settings'],
    ['SELECT * FROM duckdb_views', 'forbidden_relation:duckdb_views'],
    ['SELECT * FROM sqlite_master', 'forbidden_relation:sqlite_master'],
    ['SELECT * FROM pg_settings', 'forbidden_relation:pg_settings'],
    ['SELECT * FROM main.duckdb_tables', 'forbidden_relation:duckdb_tables'],
    ['WITH x AS (SELECT 1) SELECT * FROM pg_class', 'forbidden_relation:pg_class'],
    ['SELECT * FROM information_schema.tables', 'forbidden_schema'],
    ['SELECT * FROM __hot_logs', 'forbidden_relation:__hot_logs'],
    ["SELECT * FROM 'blocks.parquet'", 'file_or_url_relation'],
    ["SELECT * FROM read_parquet('x.parquet')", 'forbidden_function:read_parquet'],
    ['SELECT * FROM no_such_dataset', 'unknown_relation'],
  ];
  for (const [sql, reason] of cases) {
    const answer = await beside(t, gw, () => ask(gw.base, { sql }));
    t.is(answer.status, 400, sql);
    t.is(reasonOf(answer), reason, sql);
  }
});

test.serial('a client that disconnects cancels its own query only, even one that never checks for interrupts', async (t) => {
  const gw = await limitedGateway(t);
  const client = new AbortController();
  const answer = await beside(t, gw, async () => {
    const startedAt = Date.now();
    setTimeout(() => client.abort(), 300);
    const outcome = await ask(gw.base, { sql: UNINTERRUPTIBLE }, client.signal).then(
      () => 'answered',
      (err: DOMException) => err.name,
    );
    return { status: 0, body: outcome, startedAt, endedAt: Date.now() };
  });
  t.is(answer.body, 'AbortError');
  await eventually(
    async () => {
      const metrics = await (await fetch(`${gw.base}/metrics`)).text();
      return /^trace_query_requests_total\{outcome="cancelled"\} 1$/m.test(metrics) && /^trace_query_inflight 0$/m.test(metrics) ? true : undefined;
    },
    10_000,
    'the query counted as cancelled',
  );
  t.is((await postJson(gw.base, '/v1/query', { sql: 'SELECT 1 AS one' })).status, 200);
});
