/**
 * Fail-closed SQL gate for the Query Service.
 *
 * The gate parses user SQL with DuckDB's own parser (`json_serialize_sql`) on a
 * private, locked-down in-memory DuckDB instance. That connection only ever runs
 * `extractStatements(sql)` (parse-only) and the fixed query
 * `SELECT json_serialize_sql($1::VARCHAR)` with the user SQL as a bound
 * parameter, so user SQL is never executed by the gate.
 *
 * Policy (allow-list, anything not understood is rejected):
 *  - at most `maxLength` UTF-8 bytes, not blank;
 *  - exactly one statement, and it must be a SELECT (incl. WITH / set ops / FROM-first);
 *  - every query node type, table reference type and table function is allow-listed;
 *  - every function name (scalar, aggregate, window, table) is checked against a
 *    deny-list of file / network / system / state-changing functions;
 *  - base-table references must be plain identifiers (no '/', '.', ':', '\\', '~'),
 *    which rejects `FROM 'file.parquet'`, `FROM "s3://..."` replacement scans;
 *  - schema / catalog qualifiers must be allow-listed (default: `main` only);
 *  - base-table names must not be DuckDB's own: its catalog views and tables (duckdb_tables,
 *    sqlite_master, pg_class, …, read from a DuckDB's own catalog when the gate opens) and the
 *    reserved prefixes (`__` for the service's internal tables). The Query Service then requires
 *    every name that is not one of the query's WITH names to be a dataset.
 *
 * Errors never include the SQL text nor DuckDB's parser message (which quotes it).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { openMemoryDuckDb, type MemoryDuckDb } from '../../drivers/duckdb/memoryDuckDb.js';
import { cteNamesOf, isObject, objectsOf, str, type Json, type JsonObject } from './sqlAst.js';
import {
  ALLOWED_QUERY_NODES,
  ALLOWED_TABLE_FUNCTIONS,
  ALLOWED_TABLE_REFS,
  CATALOG_NAMES_SQL,
  DEFAULT_MAX_SQL_BYTES,
  isDeniedFunction,
  isReservedRelation,
  PATHLIKE,
} from './sqlGateRules.js';

export type RejectReason =
  | 'too_long'
  | 'empty'
  | 'parse_error'
  | 'multiple_statements'
  | 'not_select'
  | 'file_or_url_relation'
  | 'forbidden_schema'
  | `forbidden_relation:${string}`
  | 'unsupported_construct'
  | `forbidden_function:${string}`
  | `forbidden_table_function:${string}`
  | `forbidden_table_ref:${string}`
  | `forbidden_query_node:${string}`;

export class QueryRejectedError extends Error {
  override readonly name = 'QueryRejectedError';
  constructor(
    readonly reason: RejectReason,
    detail?: string,
  ) {
    super(`query rejected by SQL gate (${reason})${detail === undefined ? '' : `: ${detail}`}`);
  }
}

export interface GateResult {
  ok: true;
  sql: string;
  /** The base-table names the statement references, lower-case (CTE names included). */
  tables: string[];
  /** The names its WITH clauses define, lower-case. */
  ctes: string[];
  /** The table functions it calls, lower-case. */
  tableFunctions: string[];
  /** The scalar, aggregate and window functions it calls, lower-case. */
  functions: string[];
  /** The statement's parse tree (DuckDB's JSON), for reading what it filters on. */
  ast: JsonObject;
}

export interface SqlGateOptions {
  /** Max UTF-8 byte length of the SQL text. Default 100 kB. */
  maxLength?: number;
  /** Schema qualifiers allowed on table refs (unqualified is always allowed). Default ['main']. */
  allowedSchemas?: readonly string[];
  /** Catalog qualifiers allowed on table refs (unqualified is always allowed). Default []. */
  allowedCatalogs?: readonly string[];
  /** Extra function names (lower-case) to deny in addition to the built-in deny-list. */
  extraDeniedFunctions?: readonly string[];
  /** Trusted table macros the service defines, allowed in FROM besides range/generate_series/unnest. */
  trustedTableFunctions?: readonly string[];
}


/** What a statement reads, collected while it is checked. */
interface References {
  tables: Set<string>;
  tableFunctions: Set<string>;
  functions: Set<string>;
  ctes: Set<string>;
}

export class SqlGate {
  readonly #duckdb: MemoryDuckDb;
  readonly #conn: DuckDBConnection;
  readonly #maxLength: number;
  readonly #schemas: ReadonlySet<string>;
  readonly #catalogs: ReadonlySet<string>;
  readonly #extraDenied: ReadonlySet<string>;
  readonly #tableFunctions: ReadonlySet<string>;
  readonly #catalogNames: ReadonlySet<string>;
  #closed = false;

  private constructor(duckdb: MemoryDuckDb, opts: SqlGateOptions, catalogNames: ReadonlySet<string>) {
    this.#catalogNames = catalogNames;
    this.#duckdb = duckdb;
    this.#conn = duckdb.connection;
    this.#maxLength = opts.maxLength ?? DEFAULT_MAX_SQL_BYTES;
    this.#schemas = new Set((opts.allowedSchemas ?? ['main']).map((s) => s.toLowerCase()));
    this.#catalogs = new Set((opts.allowedCatalogs ?? []).map((s) => s.toLowerCase()));
    this.#extraDenied = new Set((opts.extraDeniedFunctions ?? []).map((s) => s.toLowerCase()));
    this.#tableFunctions = new Set([...ALLOWED_TABLE_FUNCTIONS, ...(opts.trustedTableFunctions ?? []).map((s) => s.toLowerCase())]);
  }

  static async create(opts: SqlGateOptions = {}): Promise<SqlGate> {
    // Parser-only instance: no file/network access, no extension auto-install/-load, config locked.
    const duckdb = await openMemoryDuckDb({ enable_external_access: 'false', lock_configuration: 'true' });
    // Its catalog is every query DuckDB's before the service adds relations: the names a query must not reach.
    const reader = await duckdb.connection.runAndReadAll(CATALOG_NAMES_SQL);
    const names = new Set(reader.getRows().map(([name]) => String(name)));
    return new SqlGate(duckdb, opts, names);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#duckdb.close();
  }

  /** Resolves `{ ok: true, sql }` or rejects with `QueryRejectedError`. */
  async check(sql: string): Promise<GateResult> {
    if (this.#closed) throw new Error('SqlGate is closed');
    if (typeof sql !== 'string' || sql.trim() === '') throw new QueryRejectedError('empty');
    if (Buffer.byteLength(sql, 'utf8') > this.#maxLength) {
      throw new QueryRejectedError('too_long', `limit is ${this.#maxLength} bytes`);
    }

    let count: number;
    try {
      count = (await this.#conn.extractStatements(sql)).count;
    } catch {
      throw new QueryRejectedError('parse_error', 'SQL could not be parsed');
    }
    if (count === 0) throw new QueryRejectedError('empty');
    if (count !== 1) throw new QueryRejectedError('multiple_statements', 'exactly one statement is allowed');

    let ast: Json;
    try {
      const reader = await this.#conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS j', [sql]);
      const raw = reader.getRows()[0]?.[0];
      if (typeof raw !== 'string') throw new Error('no AST');
      ast = JSON.parse(raw) as Json;
    } catch {
      throw new QueryRejectedError('parse_error', 'SQL could not be parsed');
    }
    if (!isObject(ast)) throw new QueryRejectedError('parse_error', 'SQL could not be parsed');
    if (ast['error'] !== false) {
      const type = isObject(ast) ? str(ast, 'error_type') : '';
      const msg = isObject(ast) ? str(ast, 'error_message') : '';
      if (type === 'not implemented' && msg.startsWith('Only SELECT')) {
        throw new QueryRejectedError('not_select', 'only a single SELECT or WITH query is allowed');
      }
      throw new QueryRejectedError('parse_error', 'SQL could not be parsed');
    }
    const statements = ast['statements'];
    if (!Array.isArray(statements) || statements.length !== 1) {
      throw new QueryRejectedError('multiple_statements', 'exactly one statement is allowed');
    }
    const statement = statements[0];
    if (!isObject(statement)) throw new QueryRejectedError('parse_error', 'SQL could not be parsed');
    const refs: References = { tables: new Set(), tableFunctions: new Set(), functions: new Set(), ctes: new Set() };
    for (const node of objectsOf(statement)) this.#checkNode(node, refs);
    return {
      ok: true,
      sql,
      tables: [...refs.tables],
      ctes: [...refs.ctes],
      tableFunctions: [...refs.tableFunctions],
      functions: [...refs.functions],
      ast: statement,
    };
  }

  /** Gate then execute: `execute` is only called if the gate accepts. */
  async guard<T>(sql: string, execute: (sql: string) => Promise<T>): Promise<T> {
    const { sql: accepted } = await this.check(sql);
    return execute(accepted);
  }

  #checkNode(node: JsonObject, refs: References): void {
    const type = str(node, 'type');
    const hasClass = 'class' in node;

    // Query nodes (SELECT_NODE, SET_OPERATION_NODE, ...) carry `modifiers`.
    if (!hasClass && 'modifiers' in node && Array.isArray(node['modifiers'])) {
      if (!ALLOWED_QUERY_NODES.has(type)) throw new QueryRejectedError(`forbidden_query_node:${type || 'unknown'}`);
      for (const name of cteNamesOf(node)) refs.ctes.add(name);
    }

    // Table refs carry `sample` and `query_location` but no expression `class`.
    if (!hasClass && 'sample' in node && 'query_location' in node && !('modifiers' in node)) {
      if (!ALLOWED_TABLE_REFS.has(type)) throw new QueryRejectedError(`forbidden_table_ref:${type || 'unknown'}`);
      if (type === 'BASE_TABLE') refs.tables.add(this.#checkBaseTable(node));
      if (type === 'TABLE_FUNCTION') {
        const fn = node['function'];
        const name = isObject(fn) ? str(fn, 'function_name').toLowerCase() : '';
        if (!this.#tableFunctions.has(name) || isObject(fn) && (str(fn, 'schema') !== '' || str(fn, 'catalog') !== '')) {
          if (isDeniedFunction(name, this.#extraDenied)) throw new QueryRejectedError(`forbidden_function:${safeName(name)}`);
          throw new QueryRejectedError(`forbidden_table_function:${safeName(name)}`);
        }
        refs.tableFunctions.add(name);
      }
    }

    // Any function-like expression (FUNCTION, AGGREGATE, WINDOW, ...).
    if ('function_name' in node) {
      const name = str(node, 'function_name').toLowerCase();
      if (name === '' || isDeniedFunction(name, this.#extraDenied)) {
        throw new QueryRejectedError(`forbidden_function:${safeName(name)}`);
      }
      const schema = str(node, 'schema').toLowerCase();
      const catalog = str(node, 'catalog').toLowerCase();
      // The parser itself qualifies desugared functions (extract -> main.date_part, [..] -> main.list_value).
      if ((schema !== '' && schema !== 'main') || catalog !== '') {
        throw new QueryRejectedError('forbidden_schema', 'qualified function names are not allowed');
      }
      refs.functions.add(name);
    }
  }

  /** Returns the table's name, lower-case. */
  #checkBaseTable(node: JsonObject): string {
    const table = str(node, 'table_name');
    const schema = str(node, 'schema_name').toLowerCase();
    const catalog = str(node, 'catalog_name').toLowerCase();
    if (table === '' || PATHLIKE.test(table) || PATHLIKE.test(schema) || PATHLIKE.test(catalog)) {
      throw new QueryRejectedError('file_or_url_relation', 'relations must be plain table names');
    }
    if (schema !== '' && !this.#schemas.has(schema)) throw new QueryRejectedError('forbidden_schema');
    if (catalog !== '' && !this.#catalogs.has(catalog)) throw new QueryRejectedError('forbidden_schema');
    if (node['at_clause'] !== null && node['at_clause'] !== undefined) {
      throw new QueryRejectedError('unsupported_construct', 'AT (time travel) clauses are not allowed');
    }
    const name = table.toLowerCase();
    if (this.#catalogNames.has(name) || isReservedRelation(name)) {
      throw new QueryRejectedError(`forbidden_relation:${safeName(name)}`, 'only datasets may be named, not DuckDB catalog views or internal tables');
    }
    return name;
  }
}

/** Function names come from user SQL; keep only a short, identifier-safe form in reasons. */
function safeName(name: string): string {
  const cleaned = name.replace(/[^a-z0-9_]/g, '?').slice(0, 64);
  return cleaned === '' ? 'unknown' : cleaned;
}

/** One-shot helper: creates a gate, checks, closes. Prefer a long-lived SqlGate in services. */
export async function checkQuery(sql: string, opts: SqlGateOptions = {}): Promise<GateResult> {
  const gate = await SqlGate.create(opts);
  try {
    return await gate.check(sql);
  } finally {
    gate.close();
  }
}
