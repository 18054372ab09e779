import type { DispatcherDuty } from './duty.js';

/** A lease is reaped within a quarter of its TTL after it expires, and at most 1 s late. */
const MAX_REAP_INTERVAL_MS = 1000;

/** Running attempts whose lease expired fail: retried with backoff, or terminal with the budget spent. */
export const leaseReaper: DispatcherDuty = {
  name: 'lease reaper',
  intervalMs: (config) => Math.min(MAX_REAP_INTERVAL_MS, (config.leaseTtlSeconds * 1000) / 4),
  async tick(rt, log) {
    const reaped = await rt.tasks.maintenance.reapExpiredLeases();
    if (reaped > 0) log.warn({ reaped }, 'reaped expired leases');
  },
};
