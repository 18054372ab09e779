/**
 * Where a full round's time went, read back from the installation's own records (sync ranges,
 * tasks and their succeeded attempts), and the median over rounds.
 */
import type { PgPool } from '../../drivers/postgres/postgres.js';
import { median, round1, round3 } from '../queue/stats.js';

export interface Breakdown {
  ranges: number;
  /** Mean wall time of one attempt (fetch + decode + parquet upload + hot COPY in the pool thread, then commit). */
  attempt_ms: number;
  /** Mean planned_at → attempt started_at (queue + wake-up + claim). */
  queue_wait_ms: number;
  /** Mean time a stream slot sat empty: planned_at of range i − ended_at of range i − max_inflight. */
  replan_gap_ms: number;
  /** Mean attempt ended_at → task finished_at. */
  finish_lag_ms: number;
  /**
   * Sum of attempt time over (job wall time × streams × max_inflight): how busy the fetch slots
   * were; above 1 when ranges overlap (up to 2 × max_inflight of a stream in flight).
   */
  slot_utilisation: number;
  /**
   * Mean milliseconds per range in each stage of the attempt, from its task result (`stages_ms`):
   * in the pool thread `fetch`, `decode`, `parquet`, `upload`, `copy_text`, `thread_start`; around
   * it `record_staged`, `thread_queue`; then `manifest`, `copy` (hot rows) and `commit`; `other`
   * is the rest of the attempt (claim, the succeed transaction's start).
   */
  stages_ms: Record<string, number>;
}

/** The breakdown of the one job in the state schema `state`, which ran `wallSeconds` over `streams` streams. */
export async function readBreakdown(db: PgPool, state: string, wallSeconds: number, streams: number, maxInflight: number): Promise<Breakdown> {
  const { rows } = await db.query<{ stream_key: string; planned: Date; started: Date; ended: Date; finished: Date | null; stages: Record<string, number> | null }>(
    `SELECT r.stream_key, r.planned_at AS planned, a.started_at AS started, a.ended_at AS ended, t.finished_at AS finished,
            t.result -> 'stages_ms' AS stages
       FROM ${state}.sync_ranges r
       JOIN ${state}.tasks t USING (task_id)
       JOIN ${state}.task_attempts a ON a.task_id = t.task_id AND a.outcome = 'succeeded'
      ORDER BY r.stream_key, r.range_start`,
  );
  const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  const attempt: number[] = [];
  const wait: number[] = [];
  const gap: number[] = [];
  const lag: number[] = [];
  const byStream = new Map<string, typeof rows>();
  const stageSums: Record<string, number> = {};
  for (const r of rows) {
    const attemptMs = r.ended.getTime() - r.started.getTime();
    attempt.push(attemptMs);
    let staged = 0;
    for (const [stage, ms] of Object.entries(r.stages ?? {})) {
      stageSums[stage] = (stageSums[stage] ?? 0) + ms;
      staged += ms;
    }
    stageSums.other = (stageSums.other ?? 0) + Math.max(0, attemptMs - staged);
    wait.push(r.started.getTime() - r.planned.getTime());
    if (r.finished) lag.push(r.finished.getTime() - r.ended.getTime());
    byStream.set(r.stream_key, [...(byStream.get(r.stream_key) ?? []), r]);
  }
  for (const list of byStream.values()) {
    for (let i = maxInflight; i < list.length; i++) gap.push(Math.max(0, list[i]!.planned.getTime() - list[i - maxInflight]!.ended.getTime()));
  }
  return {
    ranges: rows.length,
    attempt_ms: round1(mean(attempt)),
    queue_wait_ms: round1(mean(wait)),
    replan_gap_ms: round1(mean(gap)),
    finish_lag_ms: round1(mean(lag)),
    slot_utilisation: round3(attempt.reduce((a, b) => a + b, 0) / (wallSeconds * 1000 * streams * maxInflight)),
    stages_ms: Object.fromEntries(Object.entries(stageSums).map(([stage, sum]) => [stage, round1(sum / Math.max(1, rows.length))])),
  };
}

export function medianBreakdown(list: Breakdown[]): Breakdown {
  const m = (k: Exclude<keyof Breakdown, 'stages_ms'>): number => median(list.map((b) => b[k]));
  return {
    ranges: m('ranges'),
    attempt_ms: round1(m('attempt_ms')),
    queue_wait_ms: round1(m('queue_wait_ms')),
    replan_gap_ms: round1(m('replan_gap_ms')),
    finish_lag_ms: round1(m('finish_lag_ms')),
    slot_utilisation: round3(m('slot_utilisation')),
    stages_ms: Object.fromEntries(
      [...new Set(list.flatMap((b) => Object.keys(b.stages_ms)))].map((stage) => [stage, round1(median(list.map((b) => b.stages_ms[stage] ?? 0)))]),
    ),
  };
}
