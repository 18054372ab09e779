/**
 * The Query Service: SQL over hot + cold as one relation per dataset (DESIGN.md §2.8, §4).
 *
 * A request is a template with parameters or ad-hoc SQL. It passes the fail-closed gate first
 * (nothing rejected ever reaches DuckDB), the block window it reads of each relation is read from
 * its parse tree, then the registry is pinned for it (until it ends), the cold files of that window
 * are fetched into the local cache, and a pool thread runs it in a fresh, locked DuckDB.
 */
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { HOT_DATASETS } from '../../drivers/datasets/catalog.js';
import type { PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import type { Config } from '../../runtime/config.js';
import type { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import type { NodeThreadPool } from '../threadJobs.js';
import { ColdFileCache } from './coldFileCache.js';
import type { QueryThreadFailure, QueryThreadOutput } from './queryThreadJob.js';
import {
  QueryInputError,
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
import { pinRegistrySnapshot, threadInput } from './registrySnapshot.js';
import { loadQueryMacros, queryNeeds, type QueryMacro } from './queryMacros.js';
import { CONTENT_TYPES } from './resultEncoding.js';
import { SqlGate, type GateResult } from './sqlGate.js';
import { TemplateCatalog, type BoundValue } from './templates.js';

const SQL = loadStatements('state/query.sql', ['registeredChains', 'newestBlock'] as const);

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
  threads: NodeThreadPool;
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
  ) {
    this.cache = new ColdFileCache(path.resolve(deps.config.dataDir, 'query-cache'), deps.config.queryCacheBytes, () => deps.objects.get());
  }

  static async open(deps: QueryServiceDeps): Promise<QueryService> {
    const catalog = TemplateCatalog.load();
    const macros = loadQueryMacros();
    const gate = await SqlGate.create({ trustedTableFunctions: macros.filter((m) => m.table).map((m) => m.name) });
    return new QueryService(deps, gate, catalog, macros);
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
  }

  private async execute(request: QueryRequest, format: QueryFormat, options: QueryOptions): Promise<Executed> {
    const started = performance.now();
    const { sql, params } = await this.resolve(request);
    const checked = await this.check(request, sql);
    const needs = queryNeeds(this.macros, checked);
    const { config, db, url, dataSchema, threads } = this.deps;
    const pinned = await pinRegistrySnapshot(db, dataSchema, needs.relations, readPlan(checked, params, needs, config.hotRetentionBlocks));
    try {
      await options.onPinned?.();
      const held = await this.cache.hold(pinned.relations.flatMap((r) => r.coldObjects));
      try {
        const input = threadInput({
          sql,
          params,
          macros: needs.macros,
          pinned,
          coldPaths: held.paths,
          url,
          limits: { timeoutMs: config.queryTimeoutMs, maxRows: config.queryMaxRows, maxBytes: config.queryMaxBytes },
          format,
          threads: config.queryThreads,
        });
        const output = await replyOf((reply) => threads.run('runQuery', { ...input, reply }, { transfer: [reply] }), options.signal);
        if (!output.ok) throw failureError(output.failure, config.queryTimeoutMs);
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
 * Starts a query job with a reply port and takes its output from the port as soon as it is posted
 * (the job goes on creating its thread's next DuckDB). Aborting interrupts the query in DuckDB,
 * never the thread: a thread ended while DuckDB works aborts the process.
 */
export async function replyOf(start: (reply: MessagePort) => Promise<QueryThreadOutput | null>, signal?: AbortSignal): Promise<QueryThreadOutput> {
  signal?.throwIfAborted();
  const { port1, port2 } = new MessageChannel();
  const interrupt = (): void => port1.postMessage('interrupt');
  signal?.addEventListener('abort', interrupt, { once: true });
  try {
    const replied = new Promise<QueryThreadOutput>((resolve) => port1.once('message', resolve));
    const job = start(port2);
    job.catch(() => undefined); // a failure after the reply has nobody waiting for it
    const output = await Promise.race([replied, job.then((output) => output ?? replied)]);
    signal?.throwIfAborted();
    return output;
  } finally {
    signal?.removeEventListener('abort', interrupt);
    port1.close();
  }
}

function failureError(failure: QueryThreadFailure, timeoutMs: number): Error {
  switch (failure.kind) {
    case 'timeout':
      return new QueryTimeoutError(timeoutMs);
    case 'too_large':
      return new ResultTooLargeError(failure.what);
    case 'query_error':
      return new QueryInputError('query_error', failure.message);
  }
}
