import type { DispatcherDuty } from './duty.js';

/**
 * While it plans, the planner looks again every 100 ms: a range slot waited half a tick on average
 * for its next range, 124 ms of a 1.05 s cycle at 250 ms (bench/ingest).
 */
const PLAN_INTERVAL_MS = 100;
/**
 * A job applied or resumed and a range that ends wake it at once (NOTIFY 'plan'), so an idle node
 * plans only on events; this bounds the delay when a notification was lost. 30 s as the other
 * safety polls: at 10 s its transaction was 6 of an idle node's ~60 a minute (bench:footprint).
 */
const PLAN_SAFETY_POLL_MS = 30_000;

/** chain_sync streams with room under max_inflight get their next ranges, one cryo_ingest task each. */
export const syncPlanner: DispatcherDuty = {
  name: 'sync planner',
  intervalMs: () => PLAN_INTERVAL_MS,
  idleMaxMs: () => PLAN_SAFETY_POLL_MS,
  wokenBy: ['plan'],
  async tick(rt, log) {
    const planned = await rt.syncJobs.planOnce();
    if (planned > 0) log.debug({ planned }, 'planned sync ranges');
    return planned > 0;
  },
};
