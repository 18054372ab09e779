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
  /** A query process job of 'SELECT 1' over the analytic's relations: the process round trip, a fresh connection, its temporary views. */
  connection_setup_ms: number;
  /** The analytic's job − the 'SELECT 1' job (paired per round): the query itself, plus result conversion. */
  query_in_process_ms: number;
  /** The analytic's job − the 'SELECT 1' job − the direct run: what the query costs beyond the same query on the reference instance. */
  query_vs_direct_ms: number;
  /** A query process job of 'SELECT 1' without relations: the bare process round trip (IPC, fresh connection). */
  process_round_trip_ms: number;
  /** Warm service median − (gate + pin + hold + process job): template binding, awaits, everything else. */
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
    connection_setup_ms: round1(median(s.setup)),
    query_in_process_ms: round1(paired(s.job, s.setup)),
    query_vs_direct_ms: round1(median(s.job.map((job, i) => job - s.setup[i]! - s.direct[i]!))),
    process_round_trip_ms: round1(median(s.roundTrip)),
    unaccounted_ms: round1(median(s.service.map((x, i) => x - (s.gate[i]! + s.pin[i]! + s.hold[i]! + s.job[i]!)))),
    cold_fetch_ms: round1(coldFetchMs),
  };
}
