/**
 * The tip case: the newest 5 blocks with their transaction counts (template `newest_blocks`, its
 * block the newest registered), warm, at two history lengths of the same chain. Its answer is
 * checked against the generator; a tip query must read hot rows only (no cold file). Where its time
 * goes is timed from outside with the service's own pieces, in the order the service calls them.
 */
import { performance } from 'node:perf_hooks';
import { readPlan } from '../../actors/query/blockWindows.js';
import { loadQueryMacros, queryNeeds } from '../../actors/query/queryMacros.js';
import type { QueryService } from '../../actors/query/queryService.js';
import type { QueryThreadInput, QueryThreadOutput } from '../../actors/query/queryThreadJob.js';
import type { QueryResult } from '../../actors/query/queryTypes.js';
import { pinRegistrySnapshot, threadInput } from '../../actors/query/registrySnapshot.js';
import { SqlGate } from '../../actors/query/sqlGate.js';
import { TemplateCatalog } from '../../actors/query/templates.js';
import { median, round1 } from '../queue/stats.js';
import type { SyntheticChain } from './chain.js';
import { queryLimits } from './measure.js';
import type { Installation } from './setup.js';

/** "The newest 5 blocks": the tip question. */
const TIP_BLOCKS = 5;
const TEMPLATE = 'newest_blocks';
/** A tip query takes ~15–25 ms: 50 warm rounds (with the breakdown's steps) cost a few seconds, and their medians hold still on a busy machine. */
const TIP_RUNS = 50;

/** Medians of the tip query's steps, in ms. */
export interface TipBreakdown {
  /** Template binding: the newest registered block, by index. */
  bind_ms: number;
  /** pinRegistrySnapshot + release: the block window's live versions and tips, the hot ranges' check, the snapshot export. */
  pin_ms: number;
  /** The query's pool job until its reply. */
  pool_job_ms: number;
  /** A pool job of `SELECT 1` with nothing to set up: the thread hop, taking the thread's fresh DuckDB, locking it. */
  bare_job_ms: number;
  /** `SELECT 1` with the query's relations − the bare job: hot rows read in the pinned snapshot, their tables and views. */
  hot_setup_ms: number;
  /** The query's job − `SELECT 1` with its relations: the SQL itself and its result's conversion. */
  query_ms: number;
  /** Warm service − (bind + pin + pool job): the gate's verdict (kept per template), the cache hold, awaits. */
  rest_ms: number;
}

export interface TipRun {
  /** Median of the warm runs. */
  warm_ms: number;
  runs_ms: number[];
  cold_files: number;
  hot_rows: number;
  breakdown: TipBreakdown;
}

/** Measures the tip query on a chain whose newest registered block is `lastBlock`. */
export async function measureTip(inst: Installation, service: QueryService, chain: SyntheticChain, lastBlock: number): Promise<TipRun> {
  const { rt, url, schemas } = inst;
  const expected = expectedTip(chain, lastBlock);
  const request = { template: TEMPLATE, params: { chain_id: inst.chainId, n: TIP_BLOCKS } };
  const once = async (): Promise<{ ms: number; result: QueryResult }> => {
    const started = performance.now();
    const result = await service.query(request);
    const ms = performance.now() - started;
    const got = JSON.stringify(result.rows.map((r) => [Number(r[0]), Number(r[2])]));
    if (got !== JSON.stringify(expected)) throw new Error(`tip at ${lastBlock}: ${got}, the generator made ${JSON.stringify(expected)}`);
    return { ms, result };
  };
  await once(); // warm-up: pool thread, prepared statements, the template's gate verdict

  const macros = loadQueryMacros();
  const gate = await SqlGate.create({ trustedTableFunctions: macros.filter((m) => m.table).map((m) => m.name) });
  const sql = TemplateCatalog.load().get(TEMPLATE).sql;
  const checked = await gate.check(sql);
  gate.close();
  const needs = queryNeeds(macros, checked);
  const s = { service: [] as number[], bind: [] as number[], pin: [] as number[], job: [] as number[], setup: [] as number[], bare: [] as number[] };
  const timed = async <T>(into: number[], fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await fn();
    into.push(performance.now() - started);
    return value;
  };
  const poolJob = async (input: QueryThreadInput): Promise<QueryThreadOutput> => {
    const output = await service.runJob(input);
    if (!output.ok) throw new Error(`tip at ${lastBlock}: a breakdown job failed: ${JSON.stringify(output)}`);
    return output;
  };
  let last: QueryResult | undefined;
  for (let r = 0; r < TIP_RUNS; r++) {
    const params = await timed(s.bind, () => service.bindTemplate(TEMPLATE, request.params));
    let t = performance.now();
    const pinned = await pinRegistrySnapshot(rt.db, schemas.data, needs.relations, readPlan(checked, params, needs, rt.config.hotRetentionBlocks));
    let pinMs = performance.now() - t;
    try {
      if (pinned.relations.some((x) => x.coldObjects.length > 0)) throw new Error(`tip at ${lastBlock}: the pin lists cold files`);
      const input = threadInput({ sql, params, pinned, coldPaths: [], url, limits: queryLimits(rt.config), format: 'json' });
      const steps: Array<() => Promise<unknown>> = [
        async () => {
          const run = await once();
          s.service.push(run.ms);
          last = run.result;
        },
        () => timed(s.job, () => poolJob(input)),
        () => timed(s.setup, () => poolJob({ ...input, sql: 'SELECT 1', params: {} })),
        () => timed(s.bare, () => poolJob({ ...input, sql: 'SELECT 1', params: {}, relations: [], hot: null })),
      ];
      for (let i = 0; i < steps.length; i++) await steps[(i + r) % steps.length]!();
    } finally {
      t = performance.now();
      await pinned.release();
      pinMs += performance.now() - t;
      s.pin.push(pinMs);
    }
  }
  const paired = (a: readonly number[], b: readonly number[]): number => round1(median(a.map((x, i) => x - b[i]!)));
  return {
    warm_ms: round1(median(s.service)),
    runs_ms: s.service.map(round1),
    cold_files: last!.stats.coldFiles,
    hot_rows: last!.stats.hotRows,
    breakdown: {
      bind_ms: round1(median(s.bind)),
      pin_ms: round1(median(s.pin)),
      pool_job_ms: round1(median(s.job)),
      bare_job_ms: round1(median(s.bare)),
      hot_setup_ms: paired(s.setup, s.bare),
      query_ms: paired(s.job, s.setup),
      rest_ms: round1(median(s.service.map((x, i) => x - s.bind[i]! - s.pin[i]! - s.job[i]!))),
    },
  };
}

/** [block, transactions] of the newest blocks up to `lastBlock`, newest first, as the generator made them. */
function expectedTip(chain: SyntheticChain, lastBlock: number): [number, number][] {
  const counts = new Map<number, number>();
  const firstRange = Math.floor(Math.max(0, lastBlock - TIP_BLOCKS + 1) / chain.rangeBlocks) * chain.rangeBlocks;
  for (let start = firstRange; start <= lastBlock; start += chain.rangeBlocks) {
    const { blocks } = chain.fetched(start, Math.min(start + chain.rangeBlocks, chain.blocks)).transactions;
    for (const b of blocks) counts.set(Number(b.number), b.transactions.length);
  }
  return Array.from({ length: TIP_BLOCKS }, (_, i) => [lastBlock - i, counts.get(lastBlock - i) ?? -1]);
}
