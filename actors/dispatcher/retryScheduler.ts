import type { DispatcherDuty } from './duty.js';

/** A retry starts at most half its base backoff late, and at most 1 s late. */
const MAX_RETRY_INTERVAL_MS = 1000;

/** Failed tasks whose retry is due are queued as their next attempt, with a wake-up. */
export const retryScheduler: DispatcherDuty = {
  name: 'retry scheduler',
  intervalMs: (config) => Math.min(MAX_RETRY_INTERVAL_MS, config.retryBaseSeconds * 500),
  async tick(rt, log) {
    const requeued = await rt.tasks.maintenance.requeueDueRetries();
    if (requeued > 0) log.info({ requeued }, 'queued retries');
  },
};
