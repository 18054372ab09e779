import type { DispatcherDuty } from './duty.js';

/** A due retry starts at most half its base backoff late, and at most 1 s late, while retries are pending. */
const MAX_RETRY_INTERVAL_MS = 1000;
/** A failure anywhere wakes the scheduler (NOTIFY 'retry'); this bounds the delay when that notification was lost. */
const RETRY_SAFETY_POLL_MS = 30_000;

/** Failed tasks whose retry is due are queued as their next attempt, with a wake-up. */
export const retryScheduler: DispatcherDuty = {
  name: 'retry scheduler',
  intervalMs: (config) => Math.min(MAX_RETRY_INTERVAL_MS, config.retryBaseSeconds * 500),
  idleMaxMs: () => RETRY_SAFETY_POLL_MS,
  wokenBy: ['retry'],
  async tick(rt, log) {
    const { requeued, pending } = await rt.tasks.maintenance.requeueDueRetries();
    if (requeued > 0) log.info({ requeued }, 'queued retries');
    return requeued > 0 || pending;
  },
};
