import { safeguardSkipped } from '../../runtime/failpoints.js';
import type { DispatcherDuty } from './duty.js';

/** While attempts run, reap every second at most a quarter of the lease TTL apart: a lapsed lease is reaped within TTL/4… */
const BUSY_REAP_INTERVAL_MS = 1000;
const REAPS_PER_LEASE_TTL = 4;

/**
 * Running attempts whose lease expired fail: retried with backoff, or terminal with the budget
 * spent. With no attempt running it checks once per lease TTL: a lease taken right after a check
 * lapses no sooner than a TTL later, when the next check finds it running and reaps on the short
 * interval again.
 */
export const leaseReaper: DispatcherDuty = {
  name: 'lease reaper',
  intervalMs: (config) => Math.min(BUSY_REAP_INTERVAL_MS, (config.leaseTtlSeconds * 1000) / REAPS_PER_LEASE_TTL),
  idleMaxMs: (config) => config.leaseTtlSeconds * 1000,
  wokenBy: [],
  async tick(rt, log) {
    if (safeguardSkipped('leaseReaper.reap')) return false;
    const reaped = await rt.tasks.maintenance.reapExpiredLeases();
    if (reaped > 0) log.warn({ reaped }, 'reaped expired leases');
    return reaped > 0 || (await rt.tasks.maintenance.attemptsRunning());
  },
};
