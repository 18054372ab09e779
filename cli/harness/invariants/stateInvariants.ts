/**
 * Invariants of the orchestration state in Postgres after a run: the outbox drains, every planned
 * range is registered exactly once with no overlapping versions, and no task is left running on a
 * lapsed lease.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { PgPool } from '../../../drivers/postgres/postgres.js';
import { invariant, type Invariant } from './invariant.js';

const SQL = loadStatements('harness/invariants.sql', ['outboxBacklog', 'rangeRegistrations', 'overlappingVersions', 'lapsedLeases', 'tasksByStatus'] as const);

/** How often the outbox is looked at while it drains. */
const DRAIN_POLL_MS = 200;

/** Waits up to `timeoutMs` for the outbox to hold no pending and no parked rows. */
export async function outboxDrains(db: PgPool, timeoutMs: number): Promise<Invariant> {
  const started = Date.now();
  for (;;) {
    const { pending, parked } = (await db.query<{ pending: number; parked: number }>(SQL.outboxBacklog)).rows[0]!;
    const waited = Date.now() - started;
    if ((pending === 0 && parked === 0) || waited >= timeoutMs) {
      const problems = [...(pending > 0 ? [`${pending} rows still unpublished after ${waited} ms`] : []), ...(parked > 0 ? [`${parked} rows parked`] : [])];
      return invariant('the outbox drains', `${pending} pending, ${parked} parked (drained within ${waited} ms)`, problems);
    }
    await delay(DRAIN_POLL_MS);
  }
}

export async function rangesRegisteredOnce(db: PgPool): Promise<Invariant> {
  const ranges = (await db.query<{ stream_key: string; dataset: string; range_start: number; range_end: number; versions: number }>(SQL.rangeRegistrations)).rows;
  const overlaps = (await db.query<{ dataset: string; range_start: number; range_end: number; other_start: number; other_end: number }>(SQL.overlappingVersions)).rows;
  const problems = [
    ...ranges.filter((r) => r.versions !== 1).map((r) => `${r.stream_key} [${r.range_start}, ${r.range_end}) registered ${r.versions} times`),
    ...overlaps.map((o) => `${o.dataset} [${o.range_start}, ${o.range_end}) overlaps [${o.other_start}, ${o.other_end})`),
  ];
  if (ranges.length === 0) problems.push('no range was planned');
  const once = ranges.filter((r) => r.versions === 1).length;
  return invariant('every planned range is registered exactly once, no versions overlap', `${ranges.length} planned ranges, ${once} registered once; ${overlaps.length} overlapping pairs`, problems);
}

export async function noLapsedLeases(db: PgPool): Promise<Invariant> {
  const lapsed = (await db.query<{ task_id: string; worker_id: string; lease_expires_at: Date }>(SQL.lapsedLeases)).rows;
  const byStatus = (await db.query<{ status: string; tasks: number }>(SQL.tasksByStatus)).rows;
  const figure = `${lapsed.length} running on a lapsed lease; tasks ${byStatus.map((s) => `${s.tasks} ${s.status}`).join(', ')}`;
  return invariant(
    'no task is left running with a lapsed lease',
    figure,
    lapsed.map((l) => `task ${l.task_id} on ${l.worker_id}, lease lapsed at ${l.lease_expires_at.toISOString()}`),
  );
}
