/**
 * The Query Service: SQL over hot + cold as one relation per dataset (DESIGN.md §2.8, §4).
 *
 * A request is a template with parameters or ad-hoc SQL. It passes the fail-closed gate first
 * (nothing rejected ever reaches DuckDB), the block window it reads of each relation is read from
 * its parse tree, then the registry is pinned for it (until it ends), the cold files of that window
 * are fetched into the local cache, and a query process runs it on a fresh connection of its
 * long-lived, locked DuckDB (queryProcess.ts). A query process runs one query at a time and is
 * killed when its query outlives the deadline (DuckDB does not check for interrupts everywhere),
 * when its caller went away and it does not stop, or when it passes its memory cap: the node and
 * every other query and job go on.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { HOT_DATASETS, isCryoDataset } from '../../drivers/datasets/catalog.js';
import type { PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import type { Config } from '../../runtime/config.js';
import type { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { ProcessJobTimeoutError, ProcessOverMemoryError, ProcessPool } from '../../runtime/processes/processPool.js';
import { ColdFileCache } from './coldFileCache.js';
import { spillDirOf, type QueryProcessOptions } from './queryProcess.js';
import type { QueryThreadFailure, QueryThreadInput, QueryThreadOutput } from './queryThreadJob.js';
import {
  QueryInputError,
  QueryMemoryError,
  QueryTimeoutError,
  ResultTooLargeError,
  type DownloadFormat,
  type QueryAnswer,
  type QueryDownload,
  type QueryFormat,
  type QueryRequest,
  type QueryResult,
  type QueryStats,
  type ResultCell,
  type ResultColumn,
  type TemplateInfo,
} from './queryTypes.js';
import { readPlan } from './blockWindows.js';
import { pinRegistrySnapshot, threadInput, type PinnedRelation } from './registrySnapshot.js';
import { loadQueryMacros, queryNeeds, type QueryMacro } from './queryMacros.js';
import { CONTENT_TYPES } from './resultEncoding.js';
import { SqlGate, type GateResult } from './sqlGate.js';
import { TemplateCatalog, type BoundValue } from './templates.js';

const SQL = loadStatements('state/query.sql', ['registeredChains', 'newestBlock'] as const);

const MB = 1024 * 1024;
/**
 * A query process's resident memory beyond DuckDB's memory_limit before it is killed: the process
 * itself (Node and DuckDB loaded, idle: ~95 MB measured), DuckDB's allocations outside its buffer
 * pool (strings and lists of a vector being built), and the result turned into JS rows (up to
 * TRACE_QUERY_MAX_BYTES of JSON, ~3× that as JS objects).
 */
const PROCESS_RSS_HEADROOM_BYTES = 384 * MB;
/** A query process idle this long exits (it holds ~95 MB), so an idle node holds none. */
const QUERY_PROCESS_IDLE_MS = 60_000;

export interface QueryOptions {
  /** Aborting interrupts the query. */
  signal?: AbortSignal;
  /** Runs once the registry is pinned, before any data is read (tests commit mid-query here). */
  onPinned?: () => Promise<void>;
}

export interface QueryServiceDeps {
  config: Config;
  db: PgPool;
  /** The database URL, for the pool thread that reads hot rows. */
  url: string;
  dataSchema: string;
  objects: LazyObjectStore;
}

interface Executed {
  columns: ResultColumn[];
  rows: ResultCell[][] | null;
  body: Uint8Array | null;
  stats: QueryStats;
}

export class QueryService {
  private readonly cache: ColdFileCache;
  /**
   * A template's SQL is fixed, so it passes the gate once and its result (parse tree included) is
   * kept: ~2 ms of DuckDB parsing off every template query, a tenth of a tip query's time.
   */
  private readonly checkedTemplates = new Map<string, Promise<GateResult>>();

  private constructor(
    private readonly deps: QueryServiceDeps,
    private readonly gate: SqlGate,
    private readonly catalog: TemplateCatalog,
    private readonly macros: readonly QueryMacro[],
    private readonly processes: ProcessPool,
    cacheDir: string,
  ) {
    this.cache = new ColdFileCache(cacheDir, deps.config.queryCacheBytes, () => deps.objects.get());
  }

  static async open(deps: QueryServiceDeps): Promise<QueryService> {
    const catalog = TemplateCatalog.load();
    const macros = loadQueryMacros();
    const gate = await SqlGate.create({ trustedTableFunctions: macros.filter((m) => m.table).map((m) => m.name) });
    const { config } = deps;
    const cacheDir = path.resolve(config.dataDir, 'query-cache');
    const spillDir = path.resolve(config.dataDir, 'query-spill');
    const options: QueryProcessOptions = { cacheDir, spillDir, memoryLimitMb: config.queryMemoryMb, spillLimitMb: config.querySpillMb, threads: config.queryThreads };
    const processes = new ProcessPool({
      module: new URL('./queryProcess.js', import.meta.url),
      options,
      maxProcesses: config.queryConcurrency,
      rssLimitBytes: config.queryMemoryMb * MB + PROCESS_RSS_HEADROOM_BYTES,
      idleTimeoutMs: QUERY_PROCESS_IDLE_MS,
      // A killed process leaves its spill files behind.
      onExit: (pid) => rmSync(spillDirOf(spillDir, pid), { recursive: true, force: true }),
    });
    // The first query does not wait for a process to start and load DuckDB (~0.3 s).
    processes.warm();
    return new QueryService(deps, gate, catalog, macros, processes, cacheDir);
  }

  async query(request: QueryRequest, options: QueryOptions = {}): Promise<QueryResult> {
    const { columns, rows, stats } = await this.execute(request, 'json', options);
    return { columns, rows: rows ?? [], stats };
  }

  async download(request: QueryRequest, format: DownloadFormat, options: QueryOptions = {}): Promise<QueryDownload> {
    const { body, stats } = await this.execute(request, format, options);
    return { contentType: CONTENT_TYPES[format], extension: format, body: body ?? new Uint8Array(), stats };
  }

  /** The request answered in `format`: query() for JSON, download() for the file formats. */
  async answer(request: QueryRequest, format: QueryFormat, options: QueryOptions = {}): Promise<QueryAnswer> {
    if (format === 'json') return { format, result: await this.query(request, options) };
    return { format, download: await this.download(request, format, options) };
  }

  templates(): TemplateInfo[] {
    return this.catalog.list();
  }

  /** A template's parameters as the query would bind them (validated, defaults filled). */
  async bindTemplate(name: string, params: Record<string, unknown>): Promise<Record<string, BoundValue>> {
    return (await this.resolve({ template: name, params })).params;
  }

  async close(): Promise<void> {
    this.gate.close();
    await this.processes.close();
  }

  /**
   * Runs a query job in a query process, as the service does (tests and benchmarks hand it jobs the
   * gate never saw). The job's timeout counts from when a started process takes it (as DuckDB's
   * interrupt in the process does): a process start is the node's cost, not the query's.
   */
  async runJob(input: QueryThreadInput, signal?: AbortSignal): Promise<QueryThreadOutput> {
    try {
      return await this.processes.run<QueryThreadOutput>('runQuery', input, { signal, deadlineMs: input.limits.timeoutMs });
    } catch (err) {
      if (err instanceof ProcessJobTimeoutError) return { ok: false, failure: { kind: 'timeout' } };
      if (err instanceof ProcessOverMemoryError) return { ok: false, failure: { kind: 'memory_limit', what: 'memory' } };
      throw err;
    }
  }

  private async execute(request: QueryRequest, format: QueryFormat, options: QueryOptions): Promise<Executed> {
    const started = performance.now();
    const { sql, params } = await this.resolve(request);
    const checked = await this.check(request, sql);
    const needs = queryNeeds(this.macros, checked);
    const { config, db, url, dataSchema } = this.deps;
    const pinned = await pinRegistrySnapshot(db, dataSchema, needs.relations, readPlan(checked, params, needs, config.hotRetentionBlocks));
    try {
      refuseUnknownRelations(checked, pinned.relations);
      await options.onPinned?.();
      const held = await this.cache.hold(pinned.relations.flatMap((r) => r.coldObjects));
      try {
        const input = threadInput({
          sql,
          params,
          pinned,
          coldPaths: held.paths,
          url,
          limits: { timeoutMs: config.queryTimeoutMs, maxRows: config.queryMaxRows, maxBytes: config.queryMaxBytes },
          format,
        });
        const output = await this.runJob(input, options.signal);
        if (!output.ok) throw failureError(output.failure, config);
        return {
          columns: output.columns,
          rows: output.rows,
          body: output.body,
          stats: {
            elapsedMs: Math.round(performance.now() - started),
            rows: output.rowCount,
            coldFiles: held.paths.length,
            cacheHits: held.hits,
            hotRows: output.hotRows,
          },
        };
      } finally {
        held.release();
      }
    } finally {
      await pinned.release();
    }
  }

  /** The gate's verdict on the request's SQL: once per template, every time for ad-hoc SQL. */
  private check(request: QueryRequest, sql: string): Promise<GateResult> {
    const template = request.template;
    if (typeof template !== 'string') return this.gate.check(sql);
    let checked = this.checkedTemplates.get(template);
    if (!checked) {
      checked = this.gate.check(sql);
      this.checkedTemplates.set(template, checked);
      checked.catch(() => this.checkedTemplates.delete(template));
    }
    return checked;
  }

  /** The SQL and bound parameters of a request: a template's, or the ad-hoc SQL's. */
  private async resolve(request: QueryRequest): Promise<{ sql: string; params: Record<string, BoundValue> }> {
    const hasSql = typeof request.sql === 'string';
    const hasTemplate = typeof request.template === 'string';
    if (hasSql === hasTemplate) throw new QueryInputError('bad_request', 'give exactly one of sql or template');
    if (hasSql) {
      if (request.params !== undefined && Object.keys(request.params).length > 0) {
        throw new QueryInputError('bad_request', 'params are for templates; write values into ad-hoc SQL');
      }
      return { sql: request.sql!, params: {} };
    }
    const template = this.catalog.get(request.template!);
    const params = await this.catalog.bind(template, request.params ?? {}, {
      config: { genesis_supply_wei: this.deps.config.nativeGenesisSupplyWei },
      chainId: async () => {
        const { rows } = await this.deps.db.query<{ first_chain: string | null; last_chain: string | null }>(SQL.registeredChains);
        const { first_chain: first, last_chain: last } = rows[0]!;
        return first !== null && first === last ? Number(first) : undefined;
      },
      newestBlock: async (chainId) => {
        const { rows } = await this.deps.db.query<{ block: string | null }>(SQL.newestBlock, [chainId, HOT_DATASETS]);
        return rows[0]?.block == null ? undefined : Number(rows[0].block);
      },
    });
    return { sql: template.sql, params };
  }
}

/**
 * Only dataset relations may be named: a table the query names that is not one of its own WITH
 * names must be a chain dataset or a dataset with a live version. Anything else would be looked up
 * in DuckDB's own catalog (which the gate refuses by name too).
 */
function refuseUnknownRelations(checked: Pick<GateResult, 'tables' | 'ctes'>, relations: readonly PinnedRelation[]): void {
  const known = new Set(relations.filter((r) => isCryoDataset(r.name) || r.coldObjects.length > 0 || r.hotRanges.length > 0).map((r) => r.name));
  const unknown = checked.tables.filter((t) => !checked.ctes.includes(t) && !known.has(t));
  if (unknown.length > 0) throw new QueryInputError('unknown_relation', `no dataset named ${unknown.join(', ')}; query a chain dataset or a committed analytics output`);
}

function failureError(failure: QueryThreadFailure, config: Config): Error {
  switch (failure.kind) {
    case 'timeout':
      return new QueryTimeoutError(config.queryTimeoutMs);
    case 'memory_limit':
      return new QueryMemoryError(failure.what, failure.what === 'memory' ? config.queryMemoryMb : config.querySpillMb);
    case 'too_large':
      return new ResultTooLargeError(failure.what);
    case 'query_error':
      return new QueryInputError('query_error', failure.message);
  }
}
