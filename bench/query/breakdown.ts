/**
 * Where the warm Query Service's time goes, from one analytic's warm samples: each step of the
 * service timed from outside, and the costs derived as medians of paired differences within a
 * round (robust to drift between rounds).
 */
import type { QueryResult } from '../../actors/query/queryTypes.js';
import { median, round1 } from '../queue/stats.js';

/** One analytic's warm timings (ms), index i of each from round i. */
export interface WarmSamples {
  service: number[];
  direct: number[];
  gate: number[];
  pin: number[];
  hold: number[];
  setup: number[];
  job: number[];
  pool: number[];
  roundTrip: number[];
  last: QueryResult;
}

/** Medians of one analytic's steps, in ms. */
export interface Breakdown {
  /** SqlGate.check: DuckDB's parser on the gate's own instance, AST walk. */
  gate_ms: number;
  /** pinRegistrySnapshot + release: a REPEATABLE READ transaction, exported snapshot, versions, hot ranges. */
  pin_ms: number;
  /** ColdFileCache.hold + release with every file cached. */
  cache_hold_ms: number;
  /** runQuery('SELECT 1') in this thread until its reply: the thread's fresh DuckDB (made while the previous query ran), allowed paths, views, macros, lock. */
  fresh_duckdb_setup_ms: number;
  /** runQuery(template) − runQuery('SELECT 1') in this thread: the query itself in the fresh instance, plus conversion. */
  query_in_fresh_duckdb_ms: number;
  /** runQuery(template) in this thread − setup − the same query on the long-lived reference instance: what a fresh instance costs the query itself. */
  fresh_vs_reused_instance_ms: number;
  /** The same job through the worker pool (runOnPool, as the service runs it) − in this thread: structured clone, thread hand-off, the pool thread's own state. */
  thread_hop_ms: number;
  /** A no-op pool job (`threadId`): Piscina's bare round trip. */
  pool_round_trip_ms: number;
  /** Warm service median − (gate + pin + hold + pool job): template binding, awaits, everything else. */
  unaccounted_ms: number;
  /** A fresh cache fetching the analytic's files from the embedded S3 server (part of cold). */
  cold_fetch_ms: number;
}

/** The breakdown of one analytic's warm samples; `coldFetchMs` is measured apart. */
export function breakdownOf(s: WarmSamples, coldFetchMs: number): Breakdown {
  const paired = (a: readonly number[], b: readonly number[]): number => median(a.map((x, i) => x - b[i]!));
  return {
    gate_ms: round1(median(s.gate)),
    pin_ms: round1(median(s.pin)),
    cache_hold_ms: round1(median(s.hold)),
    fresh_duckdb_setup_ms: round1(median(s.setup)),
    query_in_fresh_duckdb_ms: round1(paired(s.job, s.setup)),
    fresh_vs_reused_instance_ms: round1(median(s.job.map((job, i) => job - s.setup[i]! - s.direct[i]!))),
    thread_hop_ms: round1(paired(s.pool, s.job)),
    pool_round_trip_ms: round1(median(s.roundTrip)),
    unaccounted_ms: round1(median(s.service.map((x, i) => x - (s.gate[i]! + s.pin[i]! + s.hold[i]! + s.pool[i]!)))),
    cold_fetch_ms: round1(coldFetchMs),
  };
}
