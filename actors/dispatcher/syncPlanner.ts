import type { DispatcherDuty } from './duty.js';

/**
 * A range slot waits half a tick on average for its next range: at 250 ms that was 124 ms of a
 * 1.05 s cycle (bench/ingest); 100 ms halves it for one cheap indexed query per tick.
 */
const PLAN_INTERVAL_MS = 100;

/** chain_sync streams with room under max_inflight get their next ranges, one cryo_ingest task each. */
export const syncPlanner: DispatcherDuty = {
  name: 'sync planner',
  intervalMs: () => PLAN_INTERVAL_MS,
  async tick(rt, log) {
    const planned = await rt.syncJobs.planOnce();
    if (planned > 0) log.debug({ planned }, 'planned sync ranges');
  },
};
