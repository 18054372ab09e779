/**
 * One query in its query process's long-lived DuckDB (queryProcess.ts), on a fresh connection:
 *
 *   1. trusted setup: hot rows read from Postgres inside the query's pinned snapshot (pg-cursor,
 *      in batches) and appended to temporary tables, one temporary view per relation over its
 *      cached cold files and hot table — all temporary objects of this connection only;
 *   2. the gated SQL with its bound parameters, interrupted at the timeout (or when the caller goes
 *      away), capped in rows and bytes;
 *   3. the connection closed: its temporary objects go with it, so nothing of this query is
 *      visible to the next one. The instance was locked (configuration, file access, extensions)
 *      before the first query, and the trusted macros created then.
 *
 * Failures the caller must tell apart come back as data: error classes do not survive the process
 * boundary.
 */
import { createHash } from 'node:crypto';
import { StatementType, type DuckDBAppender, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
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
/**
 * Up to this many blocks (~5,000 Monad-like transactions, a few MB) a relation's hot rows are read
 * with one prepared statement: a tip query's read costs ~1.5 ms that way against ~7 ms through a
 * cursor (its portal and close are round trips of their own); more go through a cursor in batches.
 */
const HOT_SINGLE_READ_BLOCKS = 256;

export interface QueryLimits {
  timeoutMs: number;
  maxRows: number;
  /** Cap on the JSON size of the rows. */
  maxBytes: number;
}

export interface QueryThreadInput {
  sql: string;
  params: Record<string, BoundValue>;
  relations: RelationPlan[];
  /** Where hot rows are read, inside the planning transaction's exported snapshot. */
  hot: { url: string; snapshotId: string } | null;
  limits: QueryLimits;
  format: QueryFormat;
}

export type QueryThreadFailure =
  | { kind: 'timeout' }
  | { kind: 'too_large'; what: string }
  /** DuckDB refused to use more memory, or to spill more, than its caps. */
  | { kind: 'memory_limit'; what: 'memory' | 'spill' }
  | { kind: 'query_error'; message: string };

export type QueryThreadOutput =
  | { ok: true; columns: ResultColumn[]; rows: ResultCell[][] | null; body: Uint8Array | null; rowCount: number; hotRows: number }
  | { ok: false; failure: QueryThreadFailure };


const pgPoolFor = perThread<{ url: string }, pg.Pool>(async ({ url }) => {
  // Hot rows are read by one connection per running query, and a query process runs one query at a
  // time; an idle one closes soon, so query processes do not sit on connections of a server that
  // may allow only 100.
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 2_000, application_name: connectionName('query') });
  pool.on('error', () => undefined);
  return pool;
});

class JobFailure extends Error {
  constructor(readonly failure: QueryThreadFailure) {
    super(failure.kind);
  }
}

/** Runs the query on a fresh connection of `instance`; aborting `signal` interrupts it. */
export async function runQuery(instance: DuckDBInstance, input: QueryThreadInput, signal: AbortSignal): Promise<QueryThreadOutput> {
  const connection = await instance.connect();
  // Sticky: an interrupt that comes between two statements stops the next one from running.
  const interrupt = (): void => connection.interrupt();
  signal.addEventListener('abort', interrupt, { once: true });
  try {
    return await answer(connection, input, signal);
  } finally {
    signal.removeEventListener('abort', interrupt);
    connection.closeSync();
  }
}

async function answer(connection: DuckDBConnection, input: QueryThreadInput, interrupted: AbortSignal): Promise<QueryThreadOutput> {
  const deadline = Date.now() + input.limits.timeoutMs;
  const timer = setTimeout(() => connection.interrupt(), input.limits.timeoutMs);
  try {
    const hotRows = await setUp(connection, input, deadline);
    if (interrupted.aborted) return { ok: false, failure: { kind: 'query_error', message: 'interrupted' } };
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
  }
}

/** The trusted part: the temporary hot tables and views created (one batch), hot rows loaded from Postgres. */
async function setUp(connection: DuckDBConnection, input: QueryThreadInput, deadline: number): Promise<number> {
  const hot = input.relations.filter((r) => r.hotTable !== null && r.hotRanges.length > 0);
  const statements = [...hot.map(hotTableSql), ...input.relations.map(relationSql).filter((sql): sql is string => sql !== null)];
  if (statements.length > 0) await connection.run(statements.join(';\n'));
  if (hot.length === 0) return 0;
  if (!input.hot) throw new Error(`relation ${hot[0]!.name} has hot ranges but no snapshot to read them in`);
  return loadHotRows(connection, hot, input.hot, deadline);
}

/** Runs the caller's SQL; whatever DuckDB says about it is the caller's error (or the timeout's). */
async function execute(connection: DuckDBConnection, input: QueryThreadInput, deadline: number): Promise<{ columns: ResultColumn[]; rows: ResultCell[][] }> {
  try {
    return await executeUnchecked(connection, input);
  } catch (err) {
    if (err instanceof JobFailure) throw err;
    if (Date.now() >= deadline) throw new JobFailure({ kind: 'timeout' });
    const message = withoutSqlEcho(err instanceof Error ? err.message : String(err));
    if (message.startsWith('Out of Memory Error')) throw new JobFailure({ kind: 'memory_limit', what: /temp(orary)? directory|max_temp_directory_size/i.test(message) ? 'spill' : 'memory' });
    throw new JobFailure({ kind: 'query_error', message });
  }
}

/** DuckDB's message without its `LINE n: <the SQL> ^` context: errors and logs never carry the SQL. */
function withoutSqlEcho(message: string): string {
  return message.split(/\n\s*LINE \d+:/)[0]!.trim();
}

async function executeUnchecked(connection: DuckDBConnection, input: QueryThreadInput): Promise<{ columns: ResultColumn[]; rows: ResultCell[][] }> {
  const prepared = await connection.prepare(input.sql);
  // The gate allows only a SELECT; this holds even for SQL that never passed it (nothing a query
  // creates may outlive it in the shared instance).
  if (prepared.statementType !== StatementType.SELECT) throw new JobFailure({ kind: 'query_error', message: 'only a SELECT may run' });
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

/** The table `__hot_<name>` the relation's hot rows are appended to. */
function hotTableSql(relation: RelationPlan): string {
  const columns = relation.columns;
  if (columns === null) throw new Error(`relation ${relation.name}: hot rows need known columns`);
  return `CREATE TEMP TABLE ${hotTableName(relation.name)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`;
}

/**
 * Reads the relations' hot ranges in the pinned snapshot, on one connection in one transaction,
 * and appends them to their `__hot_<name>` tables; returns the rows read.
 */
async function loadHotRows(connection: DuckDBConnection, relations: readonly RelationPlan[], hot: { url: string; snapshotId: string }, deadline: number): Promise<number> {
  const client = await checkOut(await pgPoolFor({ url: hot.url }));
  let rows = 0;
  try {
    // One round trip: the transaction and the snapshot it imports.
    await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${hot.snapshotId.replace(/[^0-9A-Fa-f-]/g, '')}'`);
    for (const relation of relations) rows += await appendHotRows(connection, client, relation, deadline);
  } finally {
    await client.query('COMMIT').catch(() => undefined);
    client.release();
  }
  return rows;
}

/** One relation's hot ranges, read and appended to its `__hot_<name>` table; returns the rows. */
async function appendHotRows(connection: DuckDBConnection, client: pg.PoolClient, relation: RelationPlan, deadline: number): Promise<number> {
  const columns = relation.columns!;
  const appender = await connection.createAppender(hotTableName(relation.name).slice(1, -1), 'main', 'temp');
  const appenders = columns.map((c) => appendFor(c));
  let rows = 0;
  for await (const batch of hotRowBatches(client, relation)) {
    if (Date.now() >= deadline) throw new JobFailure({ kind: 'timeout' });
    for (const row of batch) {
      columns.forEach((c, i) => appenders[i]!(appender, row[c.name]));
      appender.endRow();
    }
    rows += batch.length;
  }
  appender.closeSync();
  return rows;
}

/** The relation's hot rows in batches: one prepared statement for a few blocks, a cursor for more. */
async function* hotRowBatches(client: pg.PoolClient, relation: RelationPlan): AsyncGenerator<Record<string, unknown>[]> {
  const columns = relation.columns!.map((c) => `t.${quoteIdent(c.name)}`).join(', ');
  const text = HOT_SQL.readRanges.text.replaceAll('{{table}}', relation.hotTable!).replaceAll('{{columns}}', columns);
  const values = [relation.hotRanges.map((r) => r.chainId), relation.hotRanges.map((r) => r.start), relation.hotRanges.map((r) => r.end)];
  const blocks = relation.hotRanges.reduce((n, r) => n + Number(r.end) - Number(r.start), 0);
  if (blocks <= HOT_SINGLE_READ_BLOCKS) {
    // Named by its text (the table differs per installation): prepared once per connection.
    const name = `hot_read_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    yield (await client.query<Record<string, unknown>>({ name, text, values })).rows;
    return;
  }
  const cursor = client.query(new Cursor<Record<string, unknown>>(text, values));
  try {
    for (;;) {
      const batch = await cursor.read(HOT_BATCH_ROWS);
      if (batch.length === 0) return;
      yield batch;
    }
  } finally {
    await cursor.close();
  }
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
  if (relation.coldFiles.length > 0) sources.push(coldSourceSql(relation, columnList));
  if (relation.hotTable !== null && relation.hotRanges.length > 0) sources.push(`SELECT ${columnList} FROM ${hotTableName(relation.name)}`);
  if (sources.length === 0) {
    if (relation.columns === null) return null;
    return `CREATE TEMP TABLE ${name} (${relation.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`;
  }
  const union = sources.join(' UNION ALL ');
  if (relation.distinctOn === null) return `CREATE TEMP VIEW ${name} AS ${union}`;
  return `CREATE TEMP VIEW ${name} AS SELECT DISTINCT ON (${relation.distinctOn.map(quoteIdent).join(', ')}) * FROM (${union})`;
}

/**
 * The cold files as one source. Files written with a stream's chosen columns may lack some: read by
 * name, a column missing from every file comes from the typed empty row set (NULL), one missing
 * from some files reads NULL there.
 */
function coldSourceSql(relation: RelationPlan, columnList: string): string {
  const files = listLiteral(relation.coldFiles);
  if (!relation.coldColumnsVary || relation.columns === null) return `SELECT ${columnList} FROM read_parquet(${files})`;
  const typedEmpty = relation.columns.map((c) => `NULL::${c.type} AS ${quoteIdent(c.name)}`).join(', ');
  return `SELECT ${columnList} FROM (SELECT ${typedEmpty} WHERE false UNION ALL BY NAME SELECT * FROM read_parquet(${files}, union_by_name = true))`;
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
