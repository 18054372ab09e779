/**
 * The reference: DuckDB reading the same registered files directly, in this process. One
 * long-lived instance (the Query Service's thread count) with a view per dataset over
 * `read_parquet([...])` of the very files the service's cache holds, the engine's own trusted
 * macros (`u256`, the table macros; loaded from sql/query_macros.sql exactly as queryJob.ts loads
 * them), and each template's SQL with the same bound parameters, bound the same way.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { performance } from 'node:perf_hooks';
import { loadQueryMacros } from '../../actors/query/queryMacros.js';
import { cellConverter } from '../../actors/query/resultEncoding.js';
import type { BoundValue } from '../../actors/query/templates.js';
import type { Answer } from './analytics.js';

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const listLiteral = (values: readonly string[]): string => `[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]`;

/** Binds named parameters as src/query/queryJob.ts `execute` does: strings VARCHAR, integers BIGINT, else DOUBLE. */
function bind(prepared: DuckDBPreparedStatement, params: Record<string, BoundValue>): void {
  for (let i = 1; i <= prepared.parameterCount; i++) {
    const name = prepared.parameterName(i);
    const value = params[name];
    if (value === undefined) throw new Error(`no value for parameter $${name}`);
    if (typeof value === 'string') prepared.bindVarchar(i, value);
    else if (Number.isInteger(value)) prepared.bindBigInt(i, BigInt(value));
    else prepared.bindDouble(i, value);
  }
}

export class DirectDuckDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** `files`: local Parquet paths per relation name (the service's cached copies). */
  static async open(files: Readonly<Record<string, readonly string[]>>, threads: number): Promise<DirectDuckDb> {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(threads),
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const connection = await instance.connect();
    for (const [name, paths] of Object.entries(files)) {
      if (paths.length === 0) throw new Error(`relation ${name} has no files`);
      await connection.run(`CREATE VIEW ${quoteIdent(name)} AS SELECT * FROM read_parquet(${listLiteral(paths)})`);
    }
    // After the views, in file order, as queryJob.ts creates them.
    for (const macro of loadQueryMacros()) await connection.run(macro.sql);
    return new DirectDuckDb(instance, connection);
  }

  /** Runs `sql` with `params`; `ms` is prepare + bind + execute + read, the answer is converted after. */
  async run(sql: string, params: Record<string, BoundValue>): Promise<{ ms: number; answer: Answer }> {
    const started = performance.now();
    const prepared = await this.connection.prepare(sql);
    bind(prepared, params);
    const reader = await prepared.runAndReadAll();
    const raw = reader.getRows();
    const ms = performance.now() - started;
    const types = reader.columnTypes().map(String);
    const convert = types.map(cellConverter);
    const columns = reader.columnNames().map((name, i) => ({ name, type: types[i]! }));
    return { ms, answer: { columns, rows: raw.map((row) => row.map((value, i) => convert[i]!(value))) } };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Whether two answers are the same: column names and types, and every row in order. Doubles may
 * differ in the last bits between runs (parallel sums), so they are equal within 1e-12 relative.
 */
export function answerDifference(a: Answer, b: Answer): string | null {
  const columnsA = JSON.stringify(a.columns);
  const columnsB = JSON.stringify(b.columns);
  if (columnsA !== columnsB) return `columns ${columnsA} vs ${columnsB}`;
  if (a.rows.length !== b.rows.length) return `${a.rows.length} rows vs ${b.rows.length}`;
  for (let r = 0; r < a.rows.length; r++) {
    const x = a.rows[r]!;
    const y = b.rows[r]!;
    for (let c = 0; c < x.length; c++) {
      const u = x[c];
      const v = y[c];
      if (u === v) continue;
      if (typeof u === 'number' && typeof v === 'number' && Math.abs(u - v) <= 1e-12 * Math.max(Math.abs(u), Math.abs(v))) continue;
      return `row ${r} column ${a.columns[c]?.name}: ${JSON.stringify(u)} vs ${JSON.stringify(v)}`;
    }
  }
  return null;
}
