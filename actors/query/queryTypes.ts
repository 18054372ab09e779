/**
 * The Query Service's public shapes: what the gateway, the CLI, the duckdb_query operator and the
 * demo send and get back. JSON cells are JSON-safe: integers beyond 2^53 and every HUGEINT/DECIMAL
 * value are decimal strings (never floats), blobs are `0x` lower-case hex.
 */
export const QUERY_FORMATS = ['json', 'csv', 'arrow', 'parquet'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];
/** The formats that are files to download rather than JSON rows. */
export type DownloadFormat = Exclude<QueryFormat, 'json'>;

export interface QueryRequest {
  /** Ad-hoc SQL: one SELECT/WITH statement, checked by the SQL gate. */
  sql?: string;
  /** A stored template's name (sql/queries/<name>.sql); exclusive with `sql`. */
  template?: string;
  /** Template parameters by name; validated and typed by the template's declarations. */
  params?: Record<string, unknown>;
}

export interface ResultColumn {
  name: string;
  /** DuckDB's type name (`BIGINT`, `HUGEINT`, `DECIMAL(38,0)`, `BLOB`, `VARCHAR`, …). */
  type: string;
}

export type ResultCell = string | number | boolean | null;

export interface QueryStats {
  elapsedMs: number;
  rows: number;
  /** Registered cold files the query read, and how many of them were already in the local cache. */
  coldFiles: number;
  cacheHits: number;
  /** Hot rows read from Postgres for the query's snapshot. */
  hotRows: number;
}

export interface QueryResult {
  columns: ResultColumn[];
  rows: ResultCell[][];
  stats: QueryStats;
}

/** A result encoded for download (`format` other than json). */
export interface QueryDownload {
  contentType: string;
  /** File extension without the dot: csv, arrow, parquet. */
  extension: string;
  body: Uint8Array;
  stats: QueryStats;
}

/** A query's answer in the format asked for: the JSON result, or the result encoded as a file. */
export type QueryAnswer = { format: 'json'; result: QueryResult } | { format: DownloadFormat; download: QueryDownload };

export interface TemplateParamInfo {
  name: string;
  /** `block`, `positive_int`, `address`, `token` (an address or 'native'), `fraction`, `uint256`. */
  type: string;
  description: string;
  /** Present when the parameter is optional. */
  default?: string | number;
}

export interface TemplateInfo {
  name: string;
  description: string;
  params: TemplateParamInfo[];
  /** Result column names, in order. */
  columns: string[];
}

/**
 * A request the caller got wrong (unknown template, bad parameter, both or neither of sql and
 * template, a gate rejection): HTTP 400 with `reason`. Never carries the raw SQL.
 */
export class QueryInputError extends Error {
  override name = 'QueryInputError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The query ran past the per-query timeout and was interrupted: HTTP 408. */
export class QueryTimeoutError extends Error {
  override name = 'QueryTimeoutError';
  readonly reason = 'timeout';
  constructor(readonly timeoutMs: number) {
    super(`query interrupted after ${timeoutMs} ms (TRACE_QUERY_TIMEOUT_MS)`);
  }
}

/** The result exceeds the row or byte cap: HTTP 413. Aggregate, filter or add a LIMIT. */
export class ResultTooLargeError extends Error {
  override name = 'ResultTooLargeError';
  readonly reason = 'result_too_large';
  constructor(what: string) {
    super(`result too large: ${what}; aggregate, filter or add a LIMIT`);
  }
}

/**
 * The query needs more memory than its cap (TRACE_QUERY_MEMORY_MB) or more spill space than
 * TRACE_QUERY_SPILL_MB: HTTP 400 `memory_limit`. Aggregate, filter or narrow the block window.
 */
export class QueryMemoryError extends QueryInputError {
  override name = 'QueryMemoryError';
  constructor(what: 'memory' | 'spill', capMb: number) {
    super(
      'memory_limit',
      what === 'memory'
        ? `query needs more than its ${capMb} MB of memory (TRACE_QUERY_MEMORY_MB); aggregate, filter or narrow the block window`
        : `query needs more than its ${capMb} MB of spill space (TRACE_QUERY_SPILL_MB); aggregate, filter or narrow the block window`,
    );
  }
}
