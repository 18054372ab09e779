import type { DispatcherDuty } from './duty.js';

/**
 * Ranges reach the cold tier only TRACE_HOT_RETENTION_BLOCKS behind the tip, so a compaction
 * planned a couple of seconds late is invisible to queries; one indexed look-up per tick.
 */
const COMPACTION_PLAN_INTERVAL_MS = 2_000;
/**
 * Nothing to compact: look every 30 s, as the other safety polls. A sync range or a compaction that
 * ends wakes it at once (NOTIFY 'plan'); at 10 s its transaction was 6 of an idle node's ~60 a
 * minute (bench:footprint).
 */
const COMPACTION_IDLE_MAX_MS = 30_000;
/**
 * Two compactions at once keep pace with ingest (a 1,000-block span merges in well under a second)
 * while leaving the rest of the workers and the 2-core thread pool to ingest and queries.
 */
export const MAX_COMPACTIONS_IN_FLIGHT = 2;

/** Full spans of small cold-tier versions get a `compact` task each (actors/state/compactions.ts). */
export const compactionPlanner: DispatcherDuty = {
  name: 'compaction planner',
  intervalMs: () => COMPACTION_PLAN_INTERVAL_MS,
  idleMaxMs: () => COMPACTION_IDLE_MAX_MS,
  wokenBy: ['plan'],
  async tick(rt, log) {
    const planned = await rt.compactions.planOnce({ maxInFlight: MAX_COMPACTIONS_IN_FLIGHT });
    if (planned.length > 0) log.info({ planned: planned.map((g) => `${g.dataset} [${g.start}, ${g.end})`) }, 'planned compactions');
    return planned.length > 0;
  },
};
