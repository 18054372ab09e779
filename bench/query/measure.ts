/**
 * The measurements of one analytic: the Query Service cold (a fresh service, empty cache, fresh
 * pool threads) and warm (median of runs), the direct DuckDB reference (median of runs,
 * interleaved with the warm service runs), and the samples of where the service's time goes
 * (summed up in breakdown.ts), timed from outside with the engine's own exported pieces in the
 * order the service calls them: the SQL gate, the registry pin, the cache hold, the query process
 * job (a fresh connection, temporary views, the query, the result conversion) of the analytic and of
 * 'SELECT 1' over the same relations, and a bare 'SELECT 1' job. Rounds interleave all of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ColdFileCache } from '../../actors/query/coldFileCache.js';
import type { QueryLimits, QueryThreadInput, QueryThreadOutput } from '../../actors/query/queryThreadJob.js';
import { loadQueryMacros, queryNeeds } from '../../actors/query/queryMacros.js';
import { QueryService } from '../../actors/query/queryService.js';
import type { QueryResult } from '../../actors/query/queryTypes.js';
import { readPlan } from '../../actors/query/blockWindows.js';
import { pinRegistrySnapshot, threadInput } from '../../actors/query/registrySnapshot.js';
import { SqlGate } from '../../actors/query/sqlGate.js';
import { TemplateCatalog, type BoundValue } from '../../actors/query/templates.js';
import type { Config } from '../../runtime/config.js';
import { median, round1 } from '../queue/stats.js';
import type { AnalyticCase } from './analytics.js';
import { breakdownOf, type Breakdown, type WarmSamples } from './breakdown.js';
import { BENCH_DATASETS } from './fetched.js';
import { answerDifference, DirectDuckDb } from './direct.js';
import type { Installation } from './setup.js';

export interface AnalyticFigures {
  template: string;
  params: Record<string, string | number>;
  cold_ms: number;
  warm_ms: number;
  direct_ms: number;
  ratio_service_vs_direct: number;
  warm_runs_ms: number[];
  direct_runs_ms: number[];
  /** result.stats of the last warm run. */
  hot_rows: number;
  cold_files: number;
  result_rows: number;
  breakdown: Breakdown;
}

/** A query job's limits as the service sets them from the configuration. */
export function queryLimits(config: Config): QueryLimits {
  return { timeoutMs: config.queryTimeoutMs, maxRows: config.queryMaxRows, maxBytes: config.queryMaxBytes };
}

/** The service's request → relation plans mapping (actors/query/queryService.ts `execute`), for the breakdown's pool jobs. */
export class Measurer {
  private readonly catalog = TemplateCatalog.load();
  private readonly macros = loadQueryMacros();

  private constructor(
    private readonly inst: Installation,
    private readonly service: QueryService,
    private readonly direct: DirectDuckDb,
    private readonly gate: SqlGate,
    /** A second cache over the warm service's directory: same file names, so the same files. */
    private readonly cache: ColdFileCache,
    private readonly runs: number,
  ) {}

  /**
   * Opens the warm service (the runtime's) and the direct reference over the files the registry
   * lists for the datasets now, fetched into (or found in) the warm service's cache directory.
   */
  static async open(inst: Installation, runs: number): Promise<Measurer> {
    const { rt } = inst;
    const service = await rt.query();
    // Never evicts: it must not delete files the service's own cache counts on.
    const cache = new ColdFileCache(path.resolve(rt.config.dataDir, 'query-cache'), Number.MAX_SAFE_INTEGER, () => inst.objects.get());
    // Read whole, the window reaches into the cold tier, so the service reads files only.
    const pinned = await pinRegistrySnapshot(rt.db, inst.schemas.data, BENCH_DATASETS, { windows: new Map(), columns: new Map(), retentionBlocks: rt.config.hotRetentionBlocks });
    const files: Record<string, string[]> = {};
    try {
      for (const relation of pinned.relations) {
        if (relation.hotRanges.length > 0) {
          throw new Error(`${relation.name} is read from hot rows; the window must reach below the hot tier so every analytic reads files`);
        }
        // Held for the whole run: the direct reference reads them until the end.
        files[relation.name] = (await cache.hold(relation.coldObjects)).paths;
      }
    } finally {
      await pinned.release();
    }
    const direct = await DirectDuckDb.open(files, rt.config.queryThreads);
    // The gate as the service opens it: the trusted table macros allowed in FROM.
    const gate = await SqlGate.create({ trustedTableFunctions: loadQueryMacros().filter((m) => m.table).map((m) => m.name) });
    return new Measurer(inst, service, direct, gate, cache, runs);
  }

  close(): void {
    this.direct.close();
    this.gate.close();
  }

  /** The template's parameters as the service binds them. */
  bound(c: AnalyticCase): Promise<Record<string, BoundValue>> {
    return this.service.bindTemplate(c.template, c.params);
  }

  /** First call of a fresh Query Service (opened within the figure: its query process starts then) with an empty cache. */
  async cold(c: AnalyticCase): Promise<{ ms: number; result: QueryResult }> {
    const { inst } = this;
    const dataDir = await mkdtemp(path.join(inst.root, 'cold-'));
    const started = performance.now();
    const service = await QueryService.open({ config: { ...inst.config, dataDir }, db: inst.rt.db, url: inst.url, dataSchema: inst.schemas.data, objects: inst.objects });
    try {
      const result = await service.query({ template: c.template, params: c.params });
      return { ms: performance.now() - started, result };
    } finally {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  /**
   * Warm figures in rounds: each round runs the warm service, the direct reference and the
   * breakdown's steps once, in an order rotated every round, so load from elsewhere on the machine
   * hits them alike. Answers are compared (service vs direct) after the warm-up and at the end.
   */
  async warm(c: AnalyticCase): Promise<WarmSamples> {
    const { rt, url, schemas } = this.inst;
    const { config } = rt;
    const params = await this.bound(c);
    const sql = this.templateSql(c);
    const limits = queryLimits(config);
    const runService = async (): Promise<{ ms: number; result: QueryResult }> => {
      const started = performance.now();
      const result = await this.service.query({ template: c.template, params: c.params });
      return { ms: performance.now() - started, result };
    };
    // Warm-up of both, and the check that they agree.
    const first = await runService();
    c.check(first.result);
    const reference = await this.direct.run(sql, params);
    const difference = answerDifference(first.result, reference.answer);
    if (difference !== null) throw new Error(`${c.key}: the service and direct DuckDB disagree: ${difference}`);

    const samples: WarmSamples = { service: [], direct: [], gate: [], pin: [], hold: [], setup: [], job: [], roundTrip: [], last: first.result };
    const timed = async <T>(into: number[], fn: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const value = await fn();
      into.push(performance.now() - started);
      return value;
    };
    for (let r = 0; r < this.runs; r++) {
      // The service's own steps, timed one by one: gate → pin → hold → pool job.
      const checked = await timed(samples.gate, () => this.gate.check(sql));
      const needs = queryNeeds(this.macros, checked);
      let t = performance.now();
      const pinned = await pinRegistrySnapshot(rt.db, schemas.data, needs.relations, readPlan(checked, params, needs, config.hotRetentionBlocks));
      let pinMs = performance.now() - t;
      try {
        t = performance.now();
        const held = await this.cache.hold(pinned.relations.flatMap((x) => x.coldObjects));
        let holdMs = performance.now() - t;
        try {
          const input = threadInput({ sql, params, pinned, coldPaths: held.paths, url, limits, format: 'json' });
          const bare: QueryThreadInput = { sql: 'SELECT 1', params: {}, relations: [], hot: null, limits, format: 'json' };
          const ok = (output: QueryThreadOutput): void => {
            if (!output.ok) throw new Error(`${c.key}: a breakdown job failed: ${JSON.stringify(output)}`);
          };
          const steps: Array<() => Promise<void>> = [
            async () => {
              const run = await runService();
              samples.service.push(run.ms);
              samples.last = run.result;
            },
            async () => void samples.direct.push((await this.direct.run(sql, params)).ms),
            async () => ok(await timed(samples.setup, () => this.service.runJob({ ...input, sql: 'SELECT 1', params: {} }))),
            async () => ok(await timed(samples.job, () => this.service.runJob(input))),
            async () => ok(await timed(samples.roundTrip, () => this.service.runJob(bare))),
          ];
          for (let i = 0; i < steps.length; i++) await steps[(i + r) % steps.length]!();
        } finally {
          t = performance.now();
          held.release();
          holdMs += performance.now() - t;
          samples.hold.push(holdMs);
        }
      } finally {
        t = performance.now();
        await pinned.release();
        pinMs += performance.now() - t;
        samples.pin.push(pinMs);
      }
    }
    const again = answerDifference(samples.last, reference.answer);
    if (again !== null) throw new Error(`${c.key}: a warm run's answer changed: ${again}`);
    return samples;
  }

  /** Where the warm service's time goes (see Breakdown), from one analytic's warm samples. */
  async breakdown(c: AnalyticCase, s: WarmSamples): Promise<Breakdown> {
    return breakdownOf(s, await this.coldFetch(this.templateSql(c), await this.bound(c)));
  }

  /** A fresh, empty cache fetching the files the query's relations list. */
  private async coldFetch(sql: string, params: Record<string, BoundValue>): Promise<number> {
    const { rt, root, schemas, objects } = this.inst;
    const checked = await this.gate.check(sql);
    const needs = queryNeeds(this.macros, checked);
    const pinned = await pinRegistrySnapshot(rt.db, schemas.data, needs.relations, readPlan(checked, params, needs, rt.config.hotRetentionBlocks));
    const dir = await mkdtemp(path.join(root, 'fetch-'));
    try {
      const cache = new ColdFileCache(dir, Number.MAX_SAFE_INTEGER, () => objects.get());
      const started = performance.now();
      const held = await cache.hold(pinned.relations.flatMap((x) => x.coldObjects));
      const ms = performance.now() - started;
      held.release();
      return ms;
    } finally {
      await pinned.release();
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The template's SQL as the service runs it (the catalog reads sql/queries/*.sql). */
  private templateSql(c: AnalyticCase): string {
    return this.catalog.get(c.template).sql;
  }
}

/** Every figure of one analytic. */
export async function measureAnalytic(m: Measurer, c: AnalyticCase, cold: { ms: number; result: QueryResult }): Promise<AnalyticFigures> {
  const warm = await m.warm(c);
  const warmMs = median(warm.service);
  const directMs = median(warm.direct);
  const breakdown = await m.breakdown(c, warm);
  return {
    template: c.template,
    params: c.params,
    cold_ms: round1(cold.ms),
    warm_ms: round1(warmMs),
    direct_ms: round1(directMs),
    ratio_service_vs_direct: Math.round((warmMs / directMs) * 100) / 100,
    warm_runs_ms: warm.service.map(round1),
    direct_runs_ms: warm.direct.map(round1),
    hot_rows: warm.last.stats.hotRows,
    cold_files: warm.last.stats.coldFiles,
    result_rows: warm.last.rows.length,
    breakdown,
  };
}
