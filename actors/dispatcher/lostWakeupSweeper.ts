import type { DispatcherDuty } from './duty.js';

/** Checking four times per grace period re-wakes a task at most 1.25 × the grace after its last wake-up. */
const SWEEPS_PER_GRACE = 4;
/** Floor for short test graces: a sweep is one indexed query, but not a busy loop. */
const MIN_SWEEP_INTERVAL_MS = 200;

const sweepIntervalMs = (config: { sweepGraceSeconds: number }) => Math.max(MIN_SWEEP_INTERVAL_MS, (config.sweepGraceSeconds * 1000) / SWEEPS_PER_GRACE);
/** Idle, twice per grace: a wake-up lost while nothing else happens is re-emitted within 1.5 × the grace. */
const IDLE_SWEEPS_PER_GRACE = 2;
const idleSweepIntervalMs = (config: { sweepGraceSeconds: number }) => Math.max(MIN_SWEEP_INTERVAL_MS, (config.sweepGraceSeconds * 1000) / IDLE_SWEEPS_PER_GRACE);

/** Queued tasks whose wake-up is older than the grace period (a lost or wiped queue) get a new one. */
export const lostWakeupSweeper: DispatcherDuty = {
  name: 'lost wake-up sweeper',
  intervalMs: sweepIntervalMs,
  idleMaxMs: idleSweepIntervalMs,
  wokenBy: [],
  async tick(rt, log) {
    const rewoken = await rt.tasks.maintenance.rewakeStaleQueued(rt.config.sweepGraceSeconds);
    if (rewoken > 0) log.warn({ rewoken }, 're-emitted wake-ups for queued tasks');
    return rewoken > 0;
  },
};
