/**
 * Thread job: one query in a fresh in-memory DuckDB on a pool thread.
 *
 *   1. trusted setup: extensions off, file access limited to this query's cached cold files,
 *      hot rows read from Postgres inside the query's pinned snapshot (pg-cursor, in batches)
 *      and appended to in-memory tables, one view per relation, the trusted macros it calls;
 *   2. lock: external access off and configuration locked before any user SQL runs;
 *   3. the gated SQL with its bound parameters, interrupted at the timeout, capped in rows and bytes.
 *
 * A fresh instance costs ~11 ms and isolates queries completely (their views differ per snapshot).
 * Failures the caller must tell apart come back as data: error classes do not survive the thread
 * boundary.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { openMemoryDuckDb } from '../../drivers/duckdb/memoryDuckDb.js';
import pg from 'pg';
import { checkOut, connectionName } from '../../drivers/postgres/postgres.js';
import Cursor from 'pg-cursor';
import { perThread } from '../../runtime/threads/perThread.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { cellConverter, encodeResult } from './resultEncoding.js';
import type { QueryFormat, ResultCell, ResultColumn } from './queryTypes.js';
import type { DuckColumnType, RelationColumn, RelationPlan } from './relations.js';
import type { BoundValue } from './templates.js';

const HOT_SQL = loadStatements('data/hot.sql', ['readRanges'] as const);

/** Hot rows fetched per cursor read: ~1–5 MB of rows, few round trips. */
const HOT_BATCH_ROWS = 5_000;

export interface QueryLimits {
  timeoutMs: number;
  maxRows: number;
  /** Cap on the JSON size of the rows. */
  maxBytes: number;
}

export interface QueryThreadInput {
  sql: string;
  params: Record<string, BoundValue>;
  /** CREATE MACRO statements of the trusted macros the SQL calls (sql/query_macros.sql), in order. */
  macros: string[];
  relations: RelationPlan[];
  /** Where hot rows are read, inside the planning transaction's exported snapshot. */
  hot: { url: string; snapshotId: string } | null;
  limits: QueryLimits;
  format: QueryFormat;
  /** DuckDB threads for this query. */
  threads: number;
}

export type QueryThreadFailure = { kind: 'timeout' } | { kind: 'too_large'; what: string } | { kind: 'query_error'; message: string };

export type QueryThreadOutput =
  | { ok: true; columns: ResultColumn[]; rows: ResultCell[][] | null; body: Uint8Array | null; rowCount: number; hotRows: number }
  | { ok: false; failure: QueryThreadFailure };


const pgPoolFor = perThread<{ url: string }, pg.Pool>(async ({ url }) => {
  // Hot rows are read by one connection per running query; idle ones close soon, so pool threads do
  // not sit on connections of a server that may allow only 100.
  const pool = new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 2_000, application_name: connectionName('query') });
  pool.on('error', () => undefined);
  return pool;
});

class JobFailure extends Error {
  constructor(readonly failure: QueryThreadFailure) {
    super(failure.kind);
  }
}

export async function runQuery(input: QueryThreadInput): Promise<QueryThreadOutput> {
  // A fresh instance per query (~9 ms). A spare one made ahead while the thread idles would save
  // that, but a pool thread ended with an instance still being created aborts the process.
  const duckdb = await openMemoryDuckDb({ threads: String(input.threads) });
  const { connection } = duckdb;
  const deadline = Date.now() + input.limits.timeoutMs;
  const timer = setTimeout(() => connection.interrupt(), input.limits.timeoutMs);
  try {
    const hotRows = await setUp(connection, input, deadline);
    const { columns, rows } = await execute(connection, input, deadline);
    const rowCount = rows.length;
    if (input.format === 'json') return { ok: true, columns, rows, body: null, rowCount, hotRows };
    return { ok: true, columns, rows: null, body: await encodeResult(input.format, columns, rows), rowCount, hotRows };
  } catch (err) {
    if (err instanceof JobFailure) return { ok: false, failure: err.failure };
    if (Date.now() >= deadline) return { ok: false, failure: { kind: 'timeout' } };
    throw err;
  } finally {
    clearTimeout(timer);
    // Closed before the result goes back (~3.5 ms): a pool thread ended while an instance is still
    // open or being created aborts the whole process.
    duckdb.close();
  }
}

/**
 * The trusted part: files allowed, hot rows loaded, views and macros created, then locked. The
 * statements go in two batches around the hot-row load (one round trip each instead of ~15).
 */
async function setUp(connection: DuckDBConnection, input: QueryThreadInput, deadline: number): Promise<number> {
  const files = input.relations.flatMap((r) => r.coldFiles);
  await connection.run([...(files.length > 0 ? [`SET allowed_paths = ${listLiteral(files)}`] : []), 'SET enable_external_access = false'].join(';\n'));
  let hotRows = 0;
  for (const relation of input.relations) {
    if (relation.hotTable !== null && relation.hotRanges.length > 0) {
      if (!input.hot) throw new Error(`relation ${relation.name} has hot ranges but no snapshot to read them in`);
      hotRows += await loadHotRows(connection, relation, input.hot, deadline);
    }
  }
  const statements = [...input.relations.map(relationSql).filter((sql): sql is string => sql !== null), ...input.macros, 'SET lock_configuration = true'];
  await connection.run(statements.join(';\n'));
  return hotRows;
}

/** Runs the caller's SQL; whatever DuckDB says about it is the caller's error (or the timeout's). */
async function execute(connection: DuckDBConnection, input: QueryThreadInput, deadline: number): Promise<{ columns: ResultColumn[]; rows: ResultCell[][] }> {
  try {
    return await executeUnchecked(connection, input);
  } catch (err) {
    if (err instanceof JobFailure) throw err;
    if (Date.now() >= deadline) throw new JobFailure({ kind: 'timeout' });
    throw new JobFailure({ kind: 'query_error', message: withoutSqlEcho(err instanceof Error ? err.message : String(err)) });
  }
}

/** DuckDB's message without its `LINE n: <the SQL> ^` context: errors and logs never carry the SQL. */
function withoutSqlEcho(message: string): string {
  return message.split(/\n\s*LINE \d+:/)[0]!.trim();
}

async function executeUnchecked(connection: DuckDBConnection, input: QueryThreadInput): Promise<{ columns: ResultColumn[]; rows: ResultCell[][] }> {
  const prepared = await connection.prepare(input.sql);
  for (let i = 1; i <= prepared.parameterCount; i++) {
    const name = prepared.parameterName(i);
    const value = input.params[name];
    if (value === undefined) throw new JobFailure({ kind: 'query_error', message: `no value for parameter $${name}` });
    if (typeof value === 'string') prepared.bindVarchar(i, value);
    else if (Number.isInteger(value)) prepared.bindBigInt(i, BigInt(value));
    else prepared.bindDouble(i, value);
  }
  const { maxRows, maxBytes } = input.limits;
  const reader = await prepared.runAndReadUntil(maxRows + 1);
  if (reader.currentRowCount > maxRows) throw new JobFailure({ kind: 'too_large', what: `more than ${maxRows} rows (TRACE_QUERY_MAX_ROWS)` });
  const types = reader.columnTypes().map(String);
  const columns = reader.columnNames().map((name, i) => ({ name, type: types[i]! }));
  const convert = types.map(cellConverter);
  const rows = reader.getRows().map((row) => row.map((value, i) => convert[i]!(value)));
  const bytes = Buffer.byteLength(JSON.stringify(rows));
  if (bytes > maxBytes) throw new JobFailure({ kind: 'too_large', what: `${bytes} bytes of rows, over ${maxBytes} (TRACE_QUERY_MAX_BYTES)` });
  return { columns, rows };
}

/** Reads the relation's hot ranges in the pinned snapshot and appends them to `__hot_<name>`. */
async function loadHotRows(connection: DuckDBConnection, relation: RelationPlan, hot: { url: string; snapshotId: string }, deadline: number): Promise<number> {
  const columns = relation.columns;
  if (columns === null) throw new Error(`relation ${relation.name}: hot rows need known columns`);
  const table = hotTableName(relation.name);
  await connection.run(`CREATE TABLE ${table} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`);
  const appender = await connection.createAppender(table.slice(1, -1));
  const client = await checkOut(await pgPoolFor({ url: hot.url }));
  let rows = 0;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT '${hot.snapshotId.replace(/[^0-9A-Fa-f-]/g, '')}'`);
    const cursor = client.query(
      new Cursor<Record<string, unknown>>(HOT_SQL.readRanges.text.replaceAll('{{table}}', relation.hotTable!), [
        relation.hotRanges.map((r) => r.chainId),
        relation.hotRanges.map((r) => r.start),
        relation.hotRanges.map((r) => r.end),
      ]),
    );
    const appenders = columns.map((c) => appendFor(c));
    for (;;) {
      const batch = await cursor.read(HOT_BATCH_ROWS);
      if (batch.length === 0) break;
      if (Date.now() >= deadline) throw new JobFailure({ kind: 'timeout' });
      for (const row of batch) {
        columns.forEach((c, i) => appenders[i]!(appender, row[c.name]));
        appender.endRow();
      }
      rows += batch.length;
    }
    await cursor.close();
    appender.closeSync();
  } finally {
    await client.query('COMMIT').catch(() => undefined);
    client.release();
  }
  return rows;
}

/** Appends one Postgres value (pg's parsing: int8/numeric as strings, bytea as Buffer) as the column's DuckDB type. */
function appendFor(column: RelationColumn): (appender: DuckDBAppender, value: unknown) => void {
  const byType: Record<DuckColumnType, (a: DuckDBAppender, v: NonNullable<unknown>) => void> = {
    UINTEGER: (a, v) => a.appendUInteger(Number(v)),
    UBIGINT: (a, v) => a.appendUBigInt(BigInt(v as string)),
    BLOB: (a, v) => a.appendBlob(v as Uint8Array),
    VARCHAR: (a, v) => a.appendVarchar(String(v)),
    DOUBLE: (a, v) => a.appendDouble(Number(v)),
    BOOLEAN: (a, v) => a.appendBoolean(v === true),
  };
  const append = byType[column.type];
  return (appender, value) => (value === null || value === undefined ? appender.appendNull() : append(appender, value));
}

/** The relation as a view over its sources, or an empty table of its columns; null if it has neither. */
function relationSql(relation: RelationPlan): string | null {
  const name = quoteIdent(relation.name);
  const columnList = relation.columns?.map((c) => quoteIdent(c.name)).join(', ') ?? '*';
  const sources: string[] = [];
  if (relation.coldFiles.length > 0) sources.push(`SELECT ${columnList} FROM read_parquet(${listLiteral(relation.coldFiles)})`);
  if (relation.hotTable !== null && relation.hotRanges.length > 0) sources.push(`SELECT ${columnList} FROM ${hotTableName(relation.name)}`);
  if (sources.length === 0) {
    if (relation.columns === null) return null;
    return `CREATE TABLE ${name} (${relation.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`;
  }
  const union = sources.join(' UNION ALL ');
  if (relation.distinctOn === null) return `CREATE VIEW ${name} AS ${union}`;
  return `CREATE VIEW ${name} AS SELECT DISTINCT ON (${relation.distinctOn.map(quoteIdent).join(', ')}) * FROM (${union})`;
}

function hotTableName(relation: string): string {
  return quoteIdent(`__hot_${relation}`);
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function listLiteral(values: readonly string[]): string {
  return `[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]`;
}
