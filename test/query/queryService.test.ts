/**
 * The Query Service's limits and formats, and the lock on DuckDB: caps on rows, bytes and time,
 * downloads that round-trip, template parameters typed and refused with reasons, and a DuckDB that
 * cannot touch files or its configuration even when handed SQL the gate would have refused.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ConfigInput } from '../../runtime/config.js';
import { QueryInputError, QueryTimeoutError, ResultTooLargeError } from '../../actors/query/queryTypes.js';
import { QueryRejectedError } from '../../actors/query/sqlGate.js';
import type { QueryThreadInput } from '../../actors/query/queryThreadJob.js';
import { loadQueryMacros, queryNeeds } from '../../actors/query/queryMacros.js';
import { createInstallation } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';

async function nodeWithDir(t: ExecutionContext, overrides: ConfigInput = {}): Promise<TestNode & { dataDir: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'trace-qs-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const inst = await createInstallation(t, { dataDir, ...overrides });
  return { ...(await startNode(t, inst, { roles: ['query'] })), dataDir };
}

async function node(t: ExecutionContext, overrides: ConfigInput = {}): Promise<TestNode> {
  return nodeWithDir(t, overrides);
}

test('results over the row cap, the byte cap or the timeout are refused with the reason', async (t) => {
  const { rt } = await node(t, { queryMaxRows: 1_000, queryMaxBytes: 20_000, queryTimeoutMs: 300 });
  const qs = await rt.query();
  t.is((await qs.query({ sql: 'SELECT range AS n FROM range(1000)' })).rows.length, 1_000, 'exactly the cap is fine');
  const rows = await t.throwsAsync(qs.query({ sql: 'SELECT range AS n FROM range(1001)' }), { instanceOf: ResultTooLargeError });
  t.regex(rows!.message, /more than 1000 rows/);
  const bytes = await t.throwsAsync(qs.query({ sql: "SELECT repeat('x', 100) AS s FROM range(500)" }), { instanceOf: ResultTooLargeError });
  t.regex(bytes!.message, /bytes of rows, over 20000/);
  const started = Date.now();
  await t.throwsAsync(qs.query({ sql: 'SELECT count(*) FROM range(1000000) a, range(1000000) b' }), { instanceOf: QueryTimeoutError });
  t.true(Date.now() - started < 5_000, 'interrupted near the timeout');
  t.deepEqual((await qs.query({ sql: 'SELECT 42 AS answer' })).rows, [[42]], 'the service keeps answering');
});

test('cells are JSON-safe and exact: 128-bit integers and decimals as strings, blobs as 0x hex', async (t) => {
  const { rt } = await node(t);
  const qs = await rt.query();
  const result = await qs.query({
    sql: `SELECT 5400000000000000000000000000::HUGEINT AS supply, 7::HUGEINT AS small, 12.5::DECIMAL(38,2) AS d,
      9007199254740993::BIGINT AS big, 3::UBIGINT AS u, from_hex('ABCD') AS b, 0.25::DOUBLE AS f, true AS ok, NULL::VARCHAR AS missing`,
  });
  t.deepEqual(result.rows, [['5400000000000000000000000000', '7', '12.50', '9007199254740993', 3, '0xabcd', 0.25, true, null]]);
  t.deepEqual(
    result.columns.map((c) => c.type),
    ['HUGEINT', 'HUGEINT', 'DECIMAL(38,2)', 'BIGINT', 'UBIGINT', 'BLOB', 'DOUBLE', 'BOOLEAN', 'VARCHAR'],
  );
});

test('downloads: CSV, Arrow IPC and Parquet carry the same rows', async (t) => {
  const { rt } = await node(t);
  const qs = await rt.query();
  const sql = `SELECT range AS block_number, (range * 1000000000000000000)::HUGEINT AS wei, from_hex(printf('%040x', range)) AS address FROM range(3)`;
  const csv = await qs.download({ sql }, 'csv');
  t.is(csv.contentType, 'text/csv; charset=utf-8');
  t.is(
    new TextDecoder().decode(csv.body),
    'block_number,wei,address\n0,0,0x0000000000000000000000000000000000000000\n1,1000000000000000000,0x0000000000000000000000000000000000000001\n2,2000000000000000000,0x0000000000000000000000000000000000000002\n',
  );
  const arrow = tableFromIPC((await qs.download({ sql }, 'arrow')).body);
  t.is(arrow.numRows, 3);
  t.deepEqual(arrow.schema.fields.map((f) => `${f.name}:${String(f.type)}`), ['block_number:Int64', 'wei:Utf8', 'address:Binary']);
  t.is(String(arrow.get(2)!.wei), '2000000000000000000');

  const parquet = await qs.download({ sql }, 'parquet');
  t.is(parquet.stats.rows, 3);
  const dir = await mkdtemp(path.join(tmpdir(), 'trace-qs-parquet-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'result.parquet');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, parquet.body);
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const read = await duck.runAndReadAll(`SELECT block_number, wei, lower(hex(address)) FROM read_parquet('${file}') ORDER BY 1`);
  t.deepEqual(read.getRowsJson(), [['0', '0', '0'.repeat(40)], ['1', '1000000000000000000', `${'0'.repeat(39)}1`], ['2', '2000000000000000000', `${'0'.repeat(39)}2`]]);
  duck.closeSync();
});

test('requests the service refuses say why', async (t) => {
  const { rt } = await node(t);
  const qs = await rt.query();
  const reason = async (request: Parameters<typeof qs.query>[0]) => {
    const err = await t.throwsAsync(qs.query(request));
    return err instanceof QueryInputError || err instanceof QueryRejectedError ? err.reason : `unexpected ${String(err)}`;
  };
  t.is(await reason({}), 'bad_request');
  t.is(await reason({ sql: 'SELECT 1', template: 'top_holders' }), 'bad_request');
  t.is(await reason({ sql: 'SELECT 1', params: { a: 1 } }), 'bad_request');
  t.is(await reason({ template: 'no_such_template' }), 'unknown_template');
  t.is(await reason({ template: 'stake_by_validator', params: { chain_id: 1, block: 10, extra: 1 } }), 'unknown_param');
  t.is(await reason({ template: 'stake_by_validator', params: { chain_id: 1 } }), 'missing_param');
  t.is(await reason({ template: 'stake_by_validator', params: { chain_id: 1, block: -1 } }), 'bad_param');
  t.is(await reason({ template: 'top_holders', params: { chain_id: 1, token: '0x12', block: 1 } }), 'bad_param');
  t.is(await reason({ template: 'stake_by_validator', params: { block: 10 } }), 'missing_param', 'no chain registered: chain_id must be given');
  t.is(await reason({ sql: 'SELECT * FROM no_such_relation' }), 'unknown_relation');
  t.is(await reason({ sql: 'SELECT * FROM pg_class' }), 'forbidden_relation:pg_class');
  const echo = await t.throwsAsync(qs.query({ sql: 'SELECT nosuchcol, 12345 AS marker FROM range(3)' }), { instanceOf: QueryInputError });
  t.regex(echo!.message, /nosuchcol/, 'names what is wrong');
  t.false(echo!.message.includes('12345'), 'without echoing the SQL');
  t.is(await reason({ sql: "COPY blocks TO '/tmp/x.csv'" }), 'not_select');
  // An address in any case is accepted and lower-cased.
  const bound = await qs.bindTemplate('top_holders', { chain_id: 1, token: `0x${'AB'.repeat(20)}`, block: '7' });
  t.deepEqual(bound, { chain_id: 1, token: `0x${'ab'.repeat(20)}`, n: 10, block: 7 });
});

function job(sql: string, relations: QueryThreadInput['relations'] = []): QueryThreadInput {
  return { sql, params: {}, relations, hot: null, limits: { timeoutMs: 5_000, maxRows: 10, maxBytes: 10_000 }, format: 'json' };
}

test("the query's DuckDB is locked: no file access, no configuration change and nothing created, even for SQL that skipped the gate", async (t) => {
  const { rt } = await node(t, { queryConcurrency: 1 });
  const qs = await rt.query();
  const files = await qs.runJob(job("SELECT * FROM read_csv('/etc/passwd')"));
  t.like(files, { ok: false, failure: { kind: 'query_error' } });
  t.regex(JSON.stringify(files), /disabled by configuration|Permission|not allowed/);
  const config = await qs.runJob(job('SET enable_external_access = true'));
  t.false(config.ok, 'the configuration is locked');
  t.like(await qs.runJob(job('CREATE TABLE leak AS SELECT 1 AS x')), { ok: false, failure: { kind: 'query_error', message: 'only a SELECT may run' } });
  t.like(await qs.runJob(job("SELECT u256(from_hex(lpad('ff', 64, '0'))) AS v")), { ok: true, rows: [['255']] }, 'trusted macros are created before the lock');
});

test('queries share a locked DuckDB but see nothing of each other: fresh connection and temporary objects per query', async (t) => {
  const { rt, dataDir } = await nodeWithDir(t, { queryConcurrency: 1 });
  const qs = await rt.query();
  // Two cold files in the cache directory (the only place a query may read), one per query.
  const cacheDir = path.join(dataDir, 'query-cache');
  await mkdir(cacheDir, { recursive: true });
  const writer = await (await DuckDBInstance.create(':memory:')).connect();
  const [fileA, fileB] = [path.join(cacheDir, 'a.parquet'), path.join(cacheDir, 'b.parquet')];
  await writer.run(`COPY (SELECT range::UBIGINT AS block_number FROM range(3)) TO '${fileA}' (FORMAT parquet)`);
  await writer.run(`COPY (SELECT (100 + range)::UBIGINT AS block_number FROM range(5)) TO '${fileB}' (FORMAT parquet)`);
  writer.closeSync();
  const blocks = (file: string): QueryThreadInput['relations'] => [
    { name: 'blocks', columns: [{ name: 'block_number', type: 'UBIGINT' }], coldFiles: [file], hotTable: null, hotRanges: [], distinctOn: null, coldColumnsVary: false },
  ];
  const own = "SELECT count(*)::INTEGER AS n, min(block_number)::INTEGER AS low, (SELECT count(*)::INTEGER FROM duckdb_views() WHERE NOT internal) AS views FROM blocks";
  t.like(await qs.runJob(job(own, blocks(fileA))), { ok: true, rows: [[3, 0, 1]] });
  t.like(await qs.runJob(job(own, blocks(fileB))), { ok: true, rows: [[5, 100, 1]] }, "the second query sees its own view only");
  const after = await qs.runJob(job("SELECT count(*)::INTEGER FROM duckdb_views() WHERE NOT internal"));
  t.like(after, { ok: true, rows: [[0]] }, 'no view of an earlier query is left');
  const tables = await qs.runJob(job("SELECT count(*)::INTEGER FROM duckdb_tables() WHERE NOT internal AND table_name NOT IN ('logs', 'geth_balance_diffs')"));
  t.like(tables, { ok: true, rows: [[0]] }, 'no table but the empty ones the macros were created against');
  t.like(await qs.runJob(job('SELECT count(*)::INTEGER FROM logs')), { ok: true, rows: [[0]] }, 'and those stay empty');
});

test('a query gets the macros it calls, the macros those call, and the relations they read', (t) => {
  const macros = loadQueryMacros();
  const needs = queryNeeds(macros, { tables: ['blocks'], tableFunctions: ['ranked_holders'], functions: ['ranked_holders', 'sum'] });
  t.deepEqual(needs.macros.map((m) => m.name), ['u256', 'erc20_transfers', 'erc20_balance_changes', 'native_diffs', 'native_balances', 'ranked_holders']);
  t.deepEqual(needs.relations.sort(), ['blocks', 'geth_balance_diffs', 'logs']);
  t.deepEqual(queryNeeds(macros, { tables: ['transactions'], tableFunctions: [], functions: ['count'] }), { macros: [], relations: ['transactions'] });
});
